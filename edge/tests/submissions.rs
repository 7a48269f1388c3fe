//! Submitting: validation first, storage, exactly-once sending, idempotent re-sends.

mod support;

use edge::core::api::ApiError as _;
use edge::core::service::Service;
use edge::core::status::ReceiptStatus;
use edge::core::upstream::UpstreamErrorKind;
use futures::executor::block_on;
use support::*;

#[test]
fn a_valid_batch_is_stored_sent_once_and_answered_202_with_its_receipt_id() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let got = block_on(svc.submit(&batch("S-1", &keys("K", 100)), t("20250711100000"), 7)).unwrap();
    assert_eq!(got.status, 202);
    assert!(got.poll);
    assert_eq!(got.view.state, "accepted");
    assert!(got.view.receipt_id.is_some());
    assert_eq!(got.view.counts["submitted"], 100);
    assert_eq!(up.calls(Call::BulkSubmit), 1);
    assert_eq!(up.state.borrow().subs["S-1"].mgt_keys.len(), 100);
}

#[test]
fn a_new_submission_reads_each_key_once_and_writes_its_outcome_without_reading_it_again() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 100)), t("20250711100000"), 7)).unwrap();
    let c = kv.counts();
    // Read: the record and its outcome, and the index entry of each of the 100 mgtKeys.
    // Written: the record, the open marker, 100 index entries and POPBiLL's answer.
    assert_eq!((c.reads, c.writes, c.lists), (2 + 100, 103, 0), "{c:?}");
}

#[test]
fn a_missing_submit_id_is_generated() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let body = serde_json::to_vec(&serde_json::json!({ "cashbills": [cashbill("K1")] })).unwrap();
    let got = block_on(svc.submit(&body, t("20250711100000"), 0xabc)).unwrap();
    assert_eq!(got.view.submit_id, "20250711100000-0000000000000abc");
    assert!(
        up.state
            .borrow()
            .subs
            .contains_key("20250711100000-0000000000000abc")
    );
}

#[test]
fn invalid_receipts_are_all_reported_by_index_and_field_and_nothing_is_stored_or_sent() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let mut cashbills: Vec<_> = keys("K", 3).iter().map(|k| cashbill(k)).collect();
    cashbills[0]["totalAmount"] = "11001".into();
    cashbills[2]["identityNum"] = serde_json::json!(1234);
    cashbills[2]["tax"] = "-5".into();
    cashbills.push(cashbill("K-1"));
    let body =
        serde_json::to_vec(&serde_json::json!({ "submitID": "S-bad", "cashbills": cashbills }))
            .unwrap();
    let err = block_on(svc.submit(&body, t("20250711100000"), 1)).unwrap_err();
    assert_eq!(
        (err.status(), err.code().as_str()),
        (422, "invalid_cashbills")
    );
    let found: Vec<(Option<usize>, Option<&str>, &str)> = err
        .details()
        .iter()
        .map(|d| (d.index, d.field.as_deref(), d.reason.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (Some(0), Some("totalAmount"), "sum_mismatch"),
            (Some(2), Some("identityNum"), "invalid_type"),
            (Some(3), Some("mgtKey"), "duplicate"),
        ]
    );
    assert!(
        kv.snapshot().is_empty(),
        "nothing stored: {:?}",
        kv.snapshot()
    );
    assert_eq!(up.calls(Call::BulkSubmit), 0);
}

#[test]
fn bad_requests_get_stable_codes_and_change_nothing() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let too_many: Vec<_> = keys("K", 101).iter().map(|k| cashbill(k)).collect();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("not json", b"{nope".to_vec(), 400, "malformed_json"),
        ("an array", b"[]".to_vec(), 400, "malformed_request"),
        ("no cashbills", b"{}".to_vec(), 422, "no_cashbills"),
        (
            "empty cashbills",
            br#"{"cashbills":[]}"#.to_vec(),
            422,
            "no_cashbills",
        ),
        (
            "cashbills not a list",
            br#"{"cashbills":{}}"#.to_vec(),
            422,
            "invalid_request",
        ),
        (
            "101 receipts",
            serde_json::to_vec(&serde_json::json!({ "cashbills": too_many })).unwrap(),
            422,
            "too_many_cashbills",
        ),
        (
            "bad submitID",
            br#"{"submitID":"has space","cashbills":[{}]}"#.to_vec(),
            422,
            "invalid_cashbills",
        ),
        (
            "foreign corpNum",
            br#"{"corpNum":"9999999999","cashbills":[{}]}"#.to_vec(),
            422,
            "invalid_cashbills",
        ),
        (
            "null receipt",
            br#"{"cashbills":[null]}"#.to_vec(),
            422,
            "invalid_cashbills",
        ),
        (
            "huge body",
            vec![b' '; edge::core::intake::MAX_BODY_BYTES + 1],
            413,
            "body_too_large",
        ),
    ];
    for (why, body, status, code) in cases {
        let err = block_on(svc.submit(&body, t("20250711100000"), 1)).unwrap_err();
        assert_eq!((err.status(), err.code().as_str()), (status, code), "{why}");
    }
    assert!(kv.snapshot().is_empty());
    assert_eq!(up.calls(Call::BulkSubmit), 0);
}

#[test]
fn resubmitting_the_same_submit_id_and_content_returns_the_stored_submission() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let body = batch("S-1", &keys("K", 3));
    let first = block_on(svc.submit(&body, t("20250711100000"), 1)).unwrap();
    let again = block_on(svc.submit(&body, t("20250711100100"), 2)).unwrap();
    assert_eq!(again.status, 200);
    assert_eq!(again.view.receipt_id, first.view.receipt_id);
    assert_eq!(again.view.created_ms, first.view.created_ms);
    assert_eq!(up.calls(Call::BulkSubmit), 1, "never sent twice");
}

#[test]
fn resubmitting_a_stored_submission_after_its_trade_day_passed_returns_it_as_stored() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let body = batch("S-1", &keys("K", 3));
    let first = block_on(svc.submit(&body, t("20250711100000"), 1)).unwrap();
    let before = kv.snapshot();
    // Two days on, tradeDT 20250711 is no longer "today or yesterday": a new submission with
    // these receipts would be refused, but the stored one is answered as it stands.
    let again = block_on(svc.submit(&body, t("20250713100000"), 2)).unwrap();
    assert_eq!(
        (again.status, again.view.receipt_id.clone()),
        (200, first.view.receipt_id)
    );
    assert_eq!(kv.snapshot(), before, "nothing written");
    assert_eq!(up.calls(Call::BulkSubmit), 1, "never sent twice");
    let fresh = batch("S-2", &keys("N", 3));
    let err = block_on(svc.submit(&fresh, t("20250713100000"), 3)).unwrap_err();
    assert_eq!(
        (err.status(), err.details()[0].popbill_code),
        (422, Some(popbill::codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY))
    );
}

#[test]
fn the_same_submit_id_with_other_invalid_content_is_refused_with_422_before_409() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 3)), t("20250711100000"), 1)).unwrap();
    let err =
        block_on(svc.submit(&batch("S-1", &keys("Other", 3)), t("20250713100000"), 1)).unwrap_err();
    assert_eq!(
        (err.status(), err.code().as_str()),
        (422, "invalid_cashbills")
    );
}

#[test]
fn the_same_submit_id_with_other_content_is_refused_with_409() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 3)), t("20250711100000"), 1)).unwrap();
    let before = kv.snapshot();
    let err =
        block_on(svc.submit(&batch("S-1", &keys("Other", 3)), t("20250711100000"), 1)).unwrap_err();
    assert_eq!(
        (err.status(), err.code().as_str()),
        (409, "submit_id_conflict")
    );
    assert_eq!(kv.snapshot(), before);
}

#[test]
fn a_mgt_key_held_by_another_submission_is_refused_with_409() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 3)), t("20250711100000"), 1)).unwrap();
    let before = kv.snapshot();
    let err = block_on(svc.submit(
        &batch("S-2", &["K-2".to_string(), "New".to_string()]),
        t("20250711100000"),
        1,
    ))
    .unwrap_err();
    assert_eq!((err.status(), err.code().as_str()), (409, "mgt_key_in_use"));
    assert_eq!(err.details()[0].index, Some(0));
    assert_eq!(kv.snapshot(), before);
    assert_eq!(up.calls(Call::BulkSubmit), 1);
}

#[test]
fn a_timeout_after_popbill_committed_is_resolved_by_asking_not_by_resending() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    up.inject(Fault::after_commit(Call::BulkSubmit));
    let svc = Service::new(&kv, &up, &s);
    let got = block_on(svc.submit(&batch("S-1", &keys("K", 5)), t("20250711100000"), 1)).unwrap();
    assert_eq!(got.view.state, "accepted");
    assert_eq!(
        got.view.receipt_id.as_deref(),
        Some(up.state.borrow().subs["S-1"].receipt_id.as_str())
    );
    assert_eq!(up.calls(Call::BulkSubmit), 1, "no blind resend");
    assert_eq!(up.calls(Call::GetBulkResult), 1);
}

#[test]
fn a_send_popbill_never_received_is_sent_again_only_after_get_bulk_result_says_so() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    up.inject(Fault::before(
        Call::BulkSubmit,
        UpstreamErrorKind::Ambiguous,
    ));
    let svc = Service::new(&kv, &up, &s);
    let got = block_on(svc.submit(&batch("S-1", &keys("K", 5)), t("20250711100000"), 1)).unwrap();
    assert_eq!(got.view.state, "accepted");
    assert_eq!(up.calls(Call::GetBulkResult), 1);
    assert_eq!(up.calls(Call::BulkSubmit), 2);
    up.complete_all(t("20250711100005"));
    assert!(up.state.borrow().issue_counts.values().all(|n| *n == 1));
}

#[test]
fn an_unreachable_popbill_leaves_the_submission_pending_and_a_retry_finishes_it() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    up.unreachable_for_one_send();
    let svc = Service::new(&kv, &up, &s);
    let body = batch("S-1", &keys("K", 2));
    let got = block_on(svc.submit(&body, t("20250711100000"), 1)).unwrap();
    assert_eq!(
        (got.status, got.view.state, got.poll),
        (202, "pending", false)
    );
    let again = block_on(svc.submit(&body, t("20250711100010"), 1)).unwrap();
    assert_eq!((again.status, again.view.state), (200, "accepted"));
    assert_eq!(up.calls(Call::BulkSubmit), 2);
}

#[test]
fn a_submission_popbill_refuses_is_answered_502_and_its_receipts_fail() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    up.inject(support::Fault {
        call: Call::BulkSubmit,
        after_commit: false,
        error: edge::core::upstream::UpstreamError::new(
            UpstreamErrorKind::InvalidRequest,
            Some(-10010020),
            "벌크API 사용이 허용되지 않았습니다.",
        ),
    });
    let svc = Service::new(&kv, &up, &s);
    let err =
        block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap_err();
    assert_eq!(
        (err.status(), err.code().as_str(), err.popbill_code()),
        (502, "popbill_rejected", Some(-10010020))
    );
    let view = block_on(svc.submission("S-1")).unwrap();
    assert_eq!(view.state, "rejected");
    assert!(
        view.cashbills
            .iter()
            .all(|c| c.status == ReceiptStatus::IssueFailed && c.issue_code == Some(-10010020))
    );
}

#[test]
fn unknown_submissions_and_receipts_are_404() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    assert_eq!(block_on(svc.submission("nope")).unwrap_err().status(), 404);
    assert_eq!(
        block_on(svc.submission("bad id!")).unwrap_err().status(),
        404
    );
    assert_eq!(
        block_on(svc.cashbill(None, "nope")).unwrap_err().status(),
        404
    );
    assert_eq!(
        block_on(svc.cashbill(Some("12"), "K"))
            .unwrap_err()
            .status(),
        400
    );
}

#[test]
fn identity_numbers_are_masked_in_every_answer() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let got = block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
    let text = serde_json::to_string(&got.view).unwrap();
    assert!(
        !text.contains("01012345678") && text.contains("*******5678"),
        "{text}"
    );
    let one = serde_json::to_string(&block_on(svc.cashbill(None, "K-0")).unwrap()).unwrap();
    assert!(!one.contains("01012345678"), "{one}");
}
