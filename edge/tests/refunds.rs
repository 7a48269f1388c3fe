//! Refund intake (`POST /v1/refunds`): refunds of originals not yet filed are held, those of
//! filed originals are sent at once; running totals; idempotency; every bad input a clear error
//! with nothing stored and nothing sent.

mod support;

use edge::core::api::ApiError as _;
use edge::core::kv::MemoryKv;
use edge::core::service::{PollOutcome, Service, Settings};
use edge::core::status::ReceiptStatus;
use futures::executor::block_on;
use popbill::CorpNum;
use serde_json::{Value, json};
use support::*;

type Svc<'a> = Service<'a, MemoryKv, FakePopbill>;

/// Originals O-0..n (11,000 won each) in submission S-O, submitted 2025-07-11 10:00 and issued
/// at 10:00:05 (results polled).
fn issue_originals(svc: &Svc<'_>, up: &FakePopbill, n: usize) {
    block_on(svc.submit(&batch("S-O", &keys("O", n)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    let polled = block_on(svc.poll_submission(&sid("S-O"))).unwrap();
    assert_eq!(polled, PollOutcome::Done);
}

/// The originals filed overnight, their NTS webhooks delivered.
fn file_originals(svc: &Svc<'_>, up: &FakePopbill, n: usize) {
    up.file_all();
    deliver_known(svc, up, "S-O", &keys("O", n));
}

fn view(r: &edge::core::service::Refunded) -> Value {
    serde_json::to_value(&r.view).unwrap()
}

fn confirm_num(up: &FakePopbill, key: &str) -> String {
    up.state.borrow().receipts[key].confirm_num.clone().unwrap()
}

#[test]
fn a_refund_of_an_original_not_yet_filed_is_scheduled_and_nothing_is_sent() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    let got = block_on(svc.refunds(
        &refunds("R-1", vec![whole("X-0", "O-0")]),
        t("20250711100100"),
        1,
    ))
    .unwrap();
    assert_eq!(got.status, 202);
    assert!(got.poll.is_empty());
    let v = view(&got);
    let one = &v["refunds"][0];
    assert_eq!(one["status"], "scheduled");
    assert_eq!(
        one["dueAt"], "20250712110000",
        "11:00 the day after the original's issuance"
    );
    assert_eq!(one["orgMgtKey"], "O-0");
    assert_eq!(one["orgConfirmNum"], confirm_num(&up, "O-0"));
    assert_eq!(one["orgTradeDate"], "20250711");
    assert_eq!(
        (one["cancelType"].as_i64(), one["totalAmount"].as_str()),
        (Some(1), Some("11000"))
    );
    assert_eq!(one["refundID"], "R-1");
    assert_eq!(v["state"], "open");
    assert_eq!(v["counts"]["scheduled"], 1);
    assert_eq!(
        up.calls(Call::BulkSubmit),
        1,
        "only the originals were ever sent"
    );

    // The cron passes it over until its due time.
    let run = block_on(svc.reconcile(t("20250712105900"))).unwrap();
    assert_eq!((run.held, run.released), (1, 0), "{run}");
    assert_eq!(up.calls(Call::BulkSubmit), 1);
    let again = block_on(svc.refund("R-1")).unwrap();
    assert_eq!(again.refunds[0].status, ReceiptStatus::Scheduled);
}

#[test]
fn a_refund_of_a_filed_original_is_sent_at_once_as_a_complete_cancellation_receipt() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    file_originals(&svc, &up, 1);
    let body = refunds(
        "R-1",
        vec![json!({ "mgtKey": "X-0", "orgMgtKey": "O-0", "cancelType": 3, "memo": "returned" })],
    );
    let got = block_on(svc.refunds(&body, t("20250712120000"), 1)).unwrap();
    assert_eq!(got.status, 202);
    let v = view(&got);
    assert_eq!(v["refunds"][0]["status"], "submitted");
    assert!(v["refunds"][0].get("dueAt").is_none());
    assert_eq!(
        got.poll.len(),
        1,
        "accepted: the post-submit poll may start"
    );
    assert_eq!(up.calls(Call::BulkSubmit), 2);

    let sent = up.state.borrow().sent["X-0"].clone();
    let original = up.state.borrow().sent["O-0"].clone();
    assert_eq!(sent.trade_type.as_deref(), Some("취소거래"));
    assert_eq!(sent.org_confirm_num, Some(confirm_num(&up, "O-0")));
    assert_eq!(sent.org_trade_date.as_deref(), Some("20250711"));
    assert_eq!(sent.cancel_type, Some(3));
    assert_eq!(sent.memo.as_deref(), Some("returned"));
    assert_eq!(sent.trade_dt, None, "POPBiLL stamps the issue time");
    for (field, got, want) in [
        ("totalAmount", &sent.total_amount, &original.total_amount),
        ("supplyCost", &sent.supply_cost, &original.supply_cost),
        ("tax", &sent.tax, &original.tax),
        ("identityNum", &sent.identity_num, &original.identity_num),
        ("tradeUsage", &sent.trade_usage, &original.trade_usage),
        (
            "franchiseCorpNum",
            &sent.franchise_corp_num,
            &original.franchise_corp_num,
        ),
        ("itemName", &sent.item_name, &original.item_name),
    ] {
        assert_eq!(got, want, "{field} is the original's");
    }

    up.complete_all(t("20250712120005"));
    deliver_known(
        &svc,
        &up,
        got.view.refunds[0].submit_id.as_str(),
        &["X-0".into()],
    );
    let issued = block_on(svc.refund("R-1")).unwrap();
    assert_eq!(
        issued.refunds[0].status,
        ReceiptStatus::Issued,
        "POPBiLL took it: its original is filed"
    );
}

#[test]
fn partial_refunds_add_up_to_the_original_and_one_won_more_is_refused_before_anything_is_stored() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    file_originals(&svc, &up, 1);
    let now = t("20250712120000");
    // 3,300 + 3,300 in one request, 4,400 in another: 11,000, the whole original.
    let first = refunds(
        "R-1",
        vec![part("X-1", "O-0", 3000), part("X-2", "O-0", 3000)],
    );
    assert_eq!(block_on(svc.refunds(&first, now, 1)).unwrap().status, 202);
    assert_eq!(
        block_on(svc.refunds(&refunds("R-2", vec![part("X-3", "O-0", 4000)]), now, 1))
            .unwrap()
            .status,
        202
    );
    let original = block_on(svc.cashbill(None, "O-0")).unwrap();
    let totals = serde_json::to_value(original.refunds.unwrap()).unwrap();
    assert_eq!(
        totals["refunded"],
        json!({ "supplyCost": 10000, "tax": 1000, "serviceFee": 0, "totalAmount": 11000 })
    );
    assert_eq!(totals["remaining"]["totalAmount"], 0);
    assert_eq!(totals["cancellations"].as_array().unwrap().len(), 3);

    let (before, sends) = (kv.snapshot(), up.calls(Call::BulkSubmit));
    let one_more = json!({ "mgtKey": "X-4", "orgMgtKey": "O-0", "isPartCancel": true,
        "supplyCost": "1", "tax": "0", "serviceFee": "0", "totalAmount": "1" });
    let err = block_on(svc.refunds(&refunds("R-3", vec![one_more]), now, 1)).unwrap_err();
    assert_eq!(
        (err.status(), err.code().as_str()),
        (422, "invalid_refunds")
    );
    let d = &err.details()[0];
    assert_eq!(
        (d.field.as_deref(), d.reason.as_str(), d.popbill_code),
        (Some("totalAmount"), "exceeds_remaining", Some(-14001065))
    );
    assert!(
        d.message.contains("the 0 that remain of O-0"),
        "{}",
        d.message
    );
    let whole_again =
        block_on(svc.refunds(&refunds("R-4", vec![whole("X-5", "O-0")]), now, 1)).unwrap_err();
    assert_eq!(whole_again.details()[0].reason, "exceeds_remaining");
    assert_eq!(kv.snapshot(), before, "nothing stored");
    assert_eq!(up.calls(Call::BulkSubmit), sends, "nothing sent");
}

#[test]
fn refunds_of_one_original_in_one_request_count_against_each_other() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    let body = refunds(
        "R-1",
        vec![part("X-1", "O-0", 6000), part("X-2", "O-0", 5000)],
    );
    let err = block_on(svc.refunds(&body, t("20250711100100"), 1)).unwrap_err();
    let found: Vec<_> = err
        .details()
        .iter()
        .map(|d| (d.index, d.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        found[0],
        (Some(1), "totalAmount".to_owned()),
        "the second overdraws: {found:?}"
    );
    assert!(found.iter().all(|(i, _)| *i == Some(1)), "{found:?}");
}

#[test]
fn a_refund_that_failed_gives_its_amount_back_to_the_original() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    file_originals(&svc, &up, 1);
    up.state
        .borrow_mut()
        .issue_fail
        .insert("X-1".into(), -14001031);
    let first = block_on(svc.refunds(
        &refunds("R-1", vec![whole("X-1", "O-0")]),
        t("20250712120000"),
        1,
    ))
    .unwrap();
    let group = first.view.refunds[0].submit_id.to_string();
    up.complete_all(t("20250712120005"));
    deliver_known(&svc, &up, &group, &["X-1".into()]);
    assert_eq!(
        block_on(svc.refund("R-1")).unwrap().refunds[0].status,
        ReceiptStatus::IssueFailed
    );
    let second = block_on(svc.refunds(
        &refunds("R-2", vec![whole("X-2", "O-0")]),
        t("20250712120100"),
        1,
    ));
    assert_eq!(
        second.unwrap().status,
        202,
        "the failed refund took nothing"
    );
}

#[test]
fn the_same_refund_id_and_content_answer_the_stored_request_and_other_content_409() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 2);
    let body = refunds("R-1", vec![whole("X-0", "O-0")]);
    let first = block_on(svc.refunds(&body, t("20250711100100"), 1)).unwrap();
    kv.reset_counts();
    let again = block_on(svc.refunds(&body, t("20250711100200"), 2)).unwrap();
    assert_eq!(again.status, 200);
    assert_eq!(
        serde_json::to_value(&again.view).unwrap(),
        serde_json::to_value(&first.view).unwrap()
    );
    assert_eq!(
        kv.counts().writes + kv.counts().deletes,
        0,
        "nothing written again"
    );
    let before = kv.snapshot();
    let other = refunds("R-1", vec![whole("X-0", "O-1")]);
    let err = block_on(svc.refunds(&other, t("20250711100200"), 2)).unwrap_err();
    assert_eq!(
        (err.status(), err.code().as_str()),
        (409, "refund_id_conflict")
    );
    assert_eq!(kv.snapshot(), before);

    let unnamed = serde_json::to_vec(&json!({ "refunds": [whole("X-1", "O-1")] })).unwrap();
    let generated = block_on(svc.refunds(&unnamed, t("20250711100300"), 0xabc)).unwrap();
    assert_eq!(
        generated.view.refund_id.as_str(),
        "20250711100300-0000000000000abc"
    );
}

#[test]
fn sending_the_same_request_again_finishes_an_intake_that_stopped_halfway() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    let body = refunds("R-1", vec![whole("X-0", "O-0")]);
    let got = block_on(svc.refunds(&body, t("20250711100100"), 1)).unwrap();
    let group = got.view.refunds[0].submit_id.to_string();
    let complete = kv.snapshot();
    // As if the Worker stopped right after writing the request record.
    for key in [
        format!("sub:{group}"),
        format!("open:{group}"),
        "rcpt:1234567890:X-0".into(),
        "rfd:1234567890:O-0:X-0".into(),
    ] {
        block_on(edge::core::kv::Kv::delete(&kv, &key)).unwrap();
    }
    kv.settle();
    let again = block_on(svc.refunds(&body, t("20250711100200"), 1)).unwrap();
    assert_eq!(again.status, 200);
    assert_eq!(
        kv.snapshot(),
        complete,
        "every missing key written back, the same"
    );
}

#[test]
fn a_send_that_failed_in_the_request_is_finished_by_the_same_request_sent_again_once() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    file_originals(&svc, &up, 1);
    up.unreachable_for_one_send();
    let body = refunds("R-1", vec![whole("X-0", "O-0")]);
    let got = block_on(svc.refunds(&body, t("20250712120000"), 1)).unwrap();
    assert_eq!(
        got.view.refunds[0].status,
        ReceiptStatus::Submitted,
        "stored, not yet at POPBiLL"
    );
    assert!(got.poll.is_empty());
    let again = block_on(svc.refunds(&body, t("20250712120010"), 1)).unwrap();
    assert_eq!(again.poll.len(), 1, "accepted now");
    assert_eq!(up.state.borrow().send_counts["X-0"], 1, "sent once");
}

/// Why, the refund, and the answer it must get: status, code, the detail's reason and its
/// POPBiLL code.
type BadCase = (
    &'static str,
    Value,
    u16,
    &'static str,
    &'static str,
    Option<i64>,
);

/// Settings for a Worker that issues for two CorpNums.
fn two_corps() -> Settings {
    let mut s = settings();
    s.allowed_corps.push(CorpNum::parse("1234567891").unwrap());
    s
}

#[test]
fn every_bad_refund_gets_its_own_stable_reason_and_nothing_is_stored_or_sent() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), two_corps());
    let svc = Service::new(&kv, &up, &s);
    // O-0 issued and filed, O-1 refused by POPBiLL, O-2 failed filing, O-3 issued only.
    up.state
        .borrow_mut()
        .issue_fail
        .insert("O-1".into(), -14001031);
    up.state.borrow_mut().nts_fail.insert("O-2".into());
    issue_originals(&svc, &up, 4);
    file_originals(&svc, &up, 3);
    // P-0: submitted, its issuance not yet known. Z-0: another CorpNum's receipt.
    block_on(svc.submit(&batch("S-P", &keys("P", 1)), t("20250712110000"), 1)).unwrap();
    let mut other = cashbill("Z-0");
    other["franchiseCorpNum"] = json!("1234567891");
    let body = serde_json::to_vec(
        &json!({ "submitID": "S-Z", "corpNum": "1234567891", "cashbills": [other] }),
    )
    .unwrap();
    block_on(svc.submit(&body, t("20250712110000"), 1)).unwrap();
    // X-R: a refund of O-0 on record.
    block_on(svc.refunds(
        &refunds("R-0", vec![part("X-R", "O-0", 1000)]),
        t("20250712120000"),
        1,
    ))
    .unwrap();
    kv.settle();
    let (before, sends) = (kv.snapshot(), up.calls(Call::BulkSubmit));

    let with = |mut v: Value, field: &str, value: Value| {
        v[field] = value;
        v
    };
    let external = json!({ "mgtKey": "N-E", "orgConfirmNum": "TB9999999", "orgTradeDate": "20250710",
        "tradeUsage": "소득공제용", "taxationType": "과세",
        "supplyCost": "1000", "tax": "100", "serviceFee": "0", "totalAmount": "1100" });
    let cases: Vec<BadCase> = vec![
        (
            "unknown original",
            whole("N-1", "NOPE"),
            422,
            "invalid_refunds",
            "original_not_found",
            Some(-14001020),
        ),
        (
            "another CorpNum's original",
            whole("N-1", "Z-0"),
            422,
            "invalid_refunds",
            "original_other_corp",
            Some(-14001022),
        ),
        (
            "a refund of a refund",
            whole("N-1", "X-R"),
            422,
            "invalid_refunds",
            "original_is_cancellation",
            Some(-14001041),
        ),
        (
            "an original never issued",
            whole("N-1", "O-1"),
            422,
            "invalid_refunds",
            "original_not_issued",
            None,
        ),
        (
            "an original whose filing failed",
            whole("N-1", "O-2"),
            422,
            "invalid_refunds",
            "original_filing_failed",
            Some(-14001069),
        ),
        (
            "an original still being issued",
            whole("N-1", "P-0"),
            409,
            "original_pending",
            "original_pending",
            None,
        ),
        (
            "zero won",
            with(part("N-1", "O-3", 0), "serviceFee", json!("0")),
            422,
            "invalid_refunds",
            "zero_amount",
            None,
        ),
        (
            "a negative amount",
            with(part("N-1", "O-3", 1000), "supplyCost", json!("-1000")),
            422,
            "invalid_refunds",
            "negative",
            Some(-14001011),
        ),
        (
            "more than the original",
            part("N-1", "O-3", 20000),
            422,
            "invalid_refunds",
            "exceeds_remaining",
            Some(-14001038),
        ),
        (
            "amounts on a whole refund",
            with(whole("N-1", "O-3"), "totalAmount", json!("100")),
            422,
            "invalid_refunds",
            "amounts_not_allowed",
            None,
        ),
        (
            "another buyer",
            with(whole("N-1", "O-3"), "identityNum", json!("01099998888")),
            422,
            "invalid_refunds",
            "mismatch",
            Some(-14001035),
        ),
        (
            "a receipt's mgtKey reused",
            whole("O-1", "O-3"),
            409,
            "mgt_key_in_use",
            "in_use",
            Some(-14000004),
        ),
        (
            "a refund's mgtKey reused",
            whole("X-R", "O-3"),
            409,
            "mgt_key_in_use",
            "in_use",
            Some(-14000004),
        ),
        (
            "an external original without its buyer",
            external,
            422,
            "invalid_refunds",
            "missing",
            Some(-14001004),
        ),
        (
            "a malformed orgTradeDate",
            json!({ "mgtKey": "N-1", "orgConfirmNum": "TB0000001", "orgTradeDate": "2025-07-10" }),
            422,
            "invalid_refunds",
            "invalid_format",
            Some(-14001077),
        ),
        (
            "a new mgtKey too long",
            whole(&"N".repeat(25), "O-3"),
            422,
            "invalid_refunds",
            "invalid_format",
            Some(-14001026),
        ),
        (
            "cancelType 4",
            with(whole("N-1", "O-3"), "cancelType", json!(4)),
            422,
            "invalid_refunds",
            "invalid_type",
            None,
        ),
        (
            "a misspelt field",
            with(whole("N-1", "O-3"), "orgMgtkey", json!("O-3")),
            422,
            "invalid_refunds",
            "unknown_field",
            None,
        ),
    ];
    for (why, item, status, code, reason, popbill_code) in cases {
        let err = block_on(svc.refunds(&refunds("R-BAD", vec![item]), t("20250712120000"), 1))
            .unwrap_err();
        assert_eq!(
            (err.status(), err.code().as_str()),
            (status, code),
            "{why}: {err}"
        );
        let d = &err.details()[0];
        assert_eq!(
            (d.reason.as_str(), d.popbill_code, d.index),
            (reason, popbill_code, Some(0)),
            "{why}: {d:?}"
        );
        assert!(!d.message.is_empty(), "{why}");
        assert!(err.body()["error"]["message"].is_string(), "{why}");
    }
    assert_eq!(kv.snapshot(), before, "nothing stored");
    assert_eq!(up.calls(Call::BulkSubmit), sends, "nothing sent");
}

#[test]
fn a_refunds_mgt_key_is_taken_for_good_and_a_submission_cannot_reuse_it() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    block_on(svc.refunds(
        &refunds("R-1", vec![whole("X-0", "O-0")]),
        t("20250711100100"),
        1,
    ))
    .unwrap();
    let err = block_on(svc.submit(&batch("S-2", &["X-0".to_string()]), t("20250711100200"), 1))
        .unwrap_err();
    assert_eq!(err.code().as_str(), "mgt_key_in_use");
}

#[test]
fn a_cancellation_receipt_and_its_original_each_show_the_other() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    block_on(svc.refunds(
        &refunds("R-1", vec![part("X-0", "O-0", 2000)]),
        t("20250711100100"),
        1,
    ))
    .unwrap();
    let refund = serde_json::to_value(block_on(svc.cashbill(None, "X-0")).unwrap()).unwrap();
    assert_eq!(refund["status"], "scheduled");
    assert_eq!(
        (refund["orgMgtKey"].as_str(), refund["refundID"].as_str()),
        (Some("O-0"), Some("R-1"))
    );
    assert_eq!(
        (
            refund["supplyCost"].as_str(),
            refund["tax"].as_str(),
            refund["totalAmount"].as_str()
        ),
        (Some("2000"), Some("200"), Some("2200"))
    );
    assert_eq!(
        refund["identityNum"], "*******5678",
        "masked like any receipt"
    );
    assert!(refund.get("refunds").is_none());
    let original = serde_json::to_value(block_on(svc.cashbill(None, "O-0")).unwrap()).unwrap();
    assert_eq!(original["refunds"]["remaining"]["totalAmount"], 8800);
    let c = &original["refunds"]["cancellations"][0];
    assert_eq!(
        (
            c["mgtKey"].as_str(),
            c["status"].as_str(),
            c["totalAmount"].as_u64()
        ),
        (Some("X-0"), Some("scheduled"), Some(2200))
    );
    assert!(
        original.get("orgMgtKey").is_none(),
        "an original is not a cancellation"
    );
}

#[test]
fn a_refund_of_an_original_issued_elsewhere_is_held_two_days_past_its_trade_date_then_popbill_decides()
 {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let external = |key: &str, date: &str| {
        json!({ "mgtKey": key, "orgConfirmNum": "TB9999999", "orgTradeDate": date,
        "identityNum": "01012345678", "tradeUsage": "소득공제용", "taxationType": "과세",
        "supplyCost": "1000", "tax": "100", "serviceFee": "0", "totalAmount": "1100" })
    };
    let held = block_on(svc.refunds(
        &refunds("R-1", vec![external("E-1", "20250710")]),
        t("20250711100000"),
        1,
    ))
    .unwrap();
    assert_eq!(
        serde_json::to_value(&held.view).unwrap()["refunds"][0]["dueAt"],
        "20250712110000"
    );
    assert_eq!(up.calls(Call::BulkSubmit), 0);
    let old = block_on(svc.refunds(
        &refunds("R-2", vec![external("E-2", "20250701")]),
        t("20250711100000"),
        1,
    ))
    .unwrap();
    assert_eq!(
        old.view.refunds[0].status,
        ReceiptStatus::Submitted,
        "long due: sent at once"
    );
    let run = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert_eq!(run.released, 1, "{run}");
    up.complete_all(t("20250712110005"));
    block_on(svc.reconcile(t("20250712110100"))).unwrap();
    let r = block_on(svc.refund("R-1")).unwrap();
    assert_eq!(
        (r.refunds[0].status, r.refunds[0].issue_code),
        (ReceiptStatus::IssueFailed, Some(-14001020)),
        "POPBiLL has no such original"
    );
}
