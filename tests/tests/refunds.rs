//! Refunds through the real Worker (workerd) and the mock POPBiLL: held over midnight, sent at
//! 11:00 once the original is filed, issued and filed the next day, with webhooks and with
//! polling alone; partial refunds adding up to the original; an original that fails filing.

use e2e::app::{TestApp, batch, cashbill, keys, spawn_app};
use e2e::refund::{part, refunds, whole};
use serde_json::{Value, json};

/// The mock's record of a receipt.
async fn at_popbill(app: &TestApp, mgt_key: &str) -> Option<Value> {
    let state = app.mock_get("/_mock/state").await;
    state["cashbills"]
        .as_array()?
        .iter()
        .find(|c| c["mgt_key"] == mgt_key)
        .cloned()
}

/// No receipt at the mock was ever refused for an unfiled original (-14001021).
async fn never_refused_as_unfiled(app: &TestApp) {
    let state = app.mock_get("/_mock/state").await;
    let early: Vec<&Value> = state["cashbills"]
        .as_array()
        .expect("cashbills")
        .iter()
        .filter(|c| c["issue_code"] == -14001021)
        .collect();
    assert!(early.is_empty(), "{early:?}");
}

/// BulkSubmits the Worker sent under `submit_id`.
async fn bulk_submits(app: &TestApp, submit_id: &str) -> usize {
    let journal = app.mock_get("/_mock/journal").await;
    journal
        .as_array()
        .expect("a journal")
        .iter()
        .filter(|r| r["override"] == "BULKISSUE" && r["submit_id"] == submit_id)
        .count()
}

/// Originals O-0 (whole) and O-1 (two parts) refunded right after issuance, followed to filed.
async fn held_over_midnight_then_sent_and_filed(app: &TestApp, webhooks: bool) {
    let cron_if_polling = || async {
        if !webhooks {
            app.cron().await;
        }
    };
    assert_eq!(app.submit(&batch("E2E-ORG-1", &keys("O", 2))).await.0, 202);
    app.advance(60).await;
    cron_if_polling().await;
    app.wait_all("E2E-ORG-1", "issued").await;

    let (status, r) = app
        .refund(&refunds(
            "E2E-RF-1",
            vec![
                whole("X-0", "O-0"),
                part("X-1", "O-1", 5000),
                part("X-2", "O-1", 1000),
            ],
        ))
        .await;
    assert_eq!(status, 202, "{r}");
    assert_eq!(r["refunds"][0]["status"], "scheduled");
    assert_eq!(r["refunds"][0]["dueAt"], "20250712110000");
    let group = r["refunds"][0]["submitID"]
        .as_str()
        .expect("a submitID")
        .to_owned();

    // Midnight: the originals go to the NTS; the refunds wait (nothing sent).
    app.advance_to("20250712000100").await;
    app.cron().await;
    app.wait_refund_statuses("E2E-RF-1", &["scheduled", "scheduled", "scheduled"])
        .await;
    assert_eq!(bulk_submits(app, &group).await, 0);

    // 11:00: the originals' results are out; the cron sends the refunds.
    app.advance_to("20250712110000").await;
    app.cron().await;
    if !webhooks {
        app.cron().await; // the originals' 304s first, then the release
    }
    app.wait_all("E2E-ORG-1", "filed").await;
    app.wait_refund_statuses("E2E-RF-1", &["submitted", "submitted", "submitted"])
        .await;
    assert_eq!(bulk_submits(app, &group).await, 1);
    app.advance(60).await;
    cron_if_polling().await;
    app.wait_refund_statuses("E2E-RF-1", &["issued", "issued", "issued"])
        .await;

    // The next midnight and 11:00: the refunds are filed.
    app.advance_to("20250713110000").await;
    cron_if_polling().await;
    app.wait_refund_statuses("E2E-RF-1", &["filed", "filed", "filed"])
        .await;
    let (_, done) = app.refund_request("E2E-RF-1").await;
    assert_eq!(done["state"], "completed");
    assert_eq!(done["counts"]["filed"], 3);

    let x0 = at_popbill(app, "X-0").await.expect("X-0 issued at POPBiLL");
    let o0 = at_popbill(app, "O-0").await.expect("O-0 at POPBiLL");
    assert_eq!(x0["trade_type"], "취소거래");
    assert_eq!(x0["org_confirm_num"], o0["confirm_num"]);
    assert_eq!(
        (x0["state_code"].as_i64(), x0["total_amount"].as_u64()),
        (Some(304), Some(11000))
    );
    let (_, o1) = app.cashbill("O-1").await;
    assert_eq!(o1["refunds"]["refunded"]["totalAmount"], 6600, "{o1}");
    assert_eq!(o1["refunds"]["remaining"]["totalAmount"], 4400);
    assert_eq!(o1["refunds"]["cancellations"][0]["status"], "filed");
    let (_, x1) = app.cashbill("X-1").await;
    assert_eq!(
        (x1["orgMgtKey"].as_str(), x1["status"].as_str()),
        (Some("O-1"), Some("filed"))
    );
    never_refused_as_unfiled(app).await;
}

#[tokio::test]
async fn a_refund_right_after_issuance_is_held_sent_at_eleven_and_filed_the_next_day_by_webhooks() {
    let app = spawn_app().await;
    held_over_midnight_then_sent_and_filed(&app, true).await;
    let hooks = app.mock_get("/_mock/webhooks").await;
    let refund_hooks = hooks
        .as_array()
        .expect("a log")
        .iter()
        .filter(|h| h["mgt_key"].as_str().is_some_and(|k| k.starts_with('X')) && h["ok"] == true)
        .count();
    assert_eq!(
        refund_hooks, 6,
        "a BULKRESULT and an NTS per refund, each acknowledged"
    );
}

#[tokio::test]
async fn a_refund_right_after_issuance_reaches_filed_with_every_webhook_dropped() {
    let app = spawn_app().await;
    app.mock_post(
        "/_mock/webhook-faults",
        &json!({ "action": "drop", "rate": 1.0 }),
    )
    .await;
    held_over_midnight_then_sent_and_filed(&app, false).await;
    let delivered = app.mock_get("/_mock/webhooks").await;
    assert!(
        delivered
            .as_array()
            .expect("a log")
            .iter()
            .all(|h| h["ok"] != true),
        "nothing arrived by webhook"
    );
}

#[tokio::test]
async fn partial_refunds_add_up_to_the_original_and_one_more_is_refused() {
    let app = spawn_app().await;
    assert_eq!(app.submit(&batch("E2E-ORG-2", &keys("P", 1))).await.0, 202);
    app.advance_to("20250712110000").await;
    app.wait_all("E2E-ORG-2", "filed").await;

    // Filed already: sent at once. 3,300 + 3,300 in one request, 4,400 in another.
    let (status, first) = app
        .refund(&refunds(
            "E2E-RF-2",
            vec![part("Y-1", "P-0", 3000), part("Y-2", "P-0", 3000)],
        ))
        .await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["refunds"][0]["status"], "submitted");
    let (status, second) = app
        .refund(&refunds("E2E-RF-3", vec![part("Y-3", "P-0", 4000)]))
        .await;
    assert_eq!(status, 202, "{second}");

    let journal_before = app
        .mock_get("/_mock/journal")
        .await
        .as_array()
        .map_or(0, Vec::len);
    let one_more = json!({ "mgtKey": "Y-4", "orgMgtKey": "P-0", "isPartCancel": true,
        "supplyCost": "1", "tax": "0", "serviceFee": "0", "totalAmount": "1" });
    let (status, refused) = app.refund(&refunds("E2E-RF-4", vec![one_more])).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_refunds");
    assert_eq!(
        refused["error"]["details"][0]["reason"],
        "exceeds_remaining"
    );
    assert_eq!(refused["error"]["details"][0]["popbillCode"], -14001065);
    let journal = app.mock_get("/_mock/journal").await;
    let asked: Vec<&Value> = journal.as_array().expect("a journal")[journal_before..]
        .iter()
        .filter(|r| r["path"] != "/Time")
        .collect();
    assert!(
        asked.is_empty(),
        "nothing sent for the refused refund: {asked:?}"
    );
    assert_eq!(
        app.refund_request("E2E-RF-4").await.0,
        404,
        "nothing stored"
    );

    app.advance(60).await;
    app.wait_refund_statuses("E2E-RF-2", &["issued", "issued"])
        .await;
    app.wait_refund_statuses("E2E-RF-3", &["issued"]).await;
    let p0 = at_popbill(&app, "P-0").await.expect("P-0");
    assert_eq!(
        p0["cancelled"]["total_amount"], 11000,
        "POPBiLL's totals agree: {p0}"
    );
    let (_, view) = app.cashbill("P-0").await;
    assert_eq!(view["refunds"]["remaining"]["totalAmount"], 0);
    never_refused_as_unfiled(&app).await;
}

#[tokio::test]
async fn a_refund_of_an_original_that_fails_filing_ends_original_filing_failed_unsent() {
    let app = spawn_app().await;
    let mut failing = cashbill("F-0");
    failing["orderNumber"] = "SCENARIO:NTS_FAIL:TS1".into();
    let body = json!({ "submitID": "E2E-ORG-3", "cashbills": [failing, cashbill("F-1")] });
    assert_eq!(app.submit(&body).await.0, 202);
    app.advance(60).await;
    app.wait_all("E2E-ORG-3", "issued").await;
    let (status, r) = app
        .refund(&refunds(
            "E2E-RF-5",
            vec![whole("Z-0", "F-0"), whole("Z-1", "F-1")],
        ))
        .await;
    assert_eq!(status, 202, "{r}");

    app.advance_to("20250712110000").await;
    app.wait_all_statuses("E2E-ORG-3", &["filing_failed", "filed"])
        .await;
    app.cron().await;
    app.wait_refund_statuses("E2E-RF-5", &["original_filing_failed", "submitted"])
        .await;
    let (_, z0) = app.cashbill("Z-0").await;
    assert_eq!(z0["blocked"]["orgNtsResultCode"], "TS1", "{z0}");
    app.advance(60).await;
    app.wait_refund_statuses("E2E-RF-5", &["original_filing_failed", "issued"])
        .await;
    assert!(at_popbill(&app, "Z-0").await.is_none(), "never sent");

    // Asked after the 305 is on record: refused outright.
    let (status, late) = app
        .refund(&refunds("E2E-RF-6", vec![whole("Z-2", "F-0")]))
        .await;
    assert_eq!(status, 422, "{late}");
    assert_eq!(
        late["error"]["details"][0]["reason"],
        "original_filing_failed"
    );
    assert_eq!(late["error"]["details"][0]["popbillCode"], -14001069);
}
