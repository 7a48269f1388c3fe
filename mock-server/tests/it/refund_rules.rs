//! Every cancellation rule over HTTP, with POPBiLL's code and its exact message: refused
//! RevokeRegistIssue calls, and bulk 취소거래 receipts judged one by one in `issueResult`.

use serde_json::{Value, json};

use crate::common::*;

/// POPBiLL's error table, verbatim, for the codes these tests expect.
fn table(code: i64) -> &'static str {
    match code {
        -14000004 => "동일한 문서번호(MgtKey)의 현금영수증이 존재합니다.",
        -14010015 => "유효하지 않은 메시지 포맷(JSON)입니다.",
        -14001020 => "당초 승인 현금영수증이 존재하지 않습니다.",
        -14001021 => {
            "원본 현금영수증 국세청 전송이 완료되지 않아 취소 현금영수증을 발행할 수 없습니다."
        }
        -14001022 => {
            "당초 승인 현금영수증과 취소 현금영수증의 가맹점 사업자번호가 일치하지 않습니다."
        }
        -14001023 => {
            "취소 현금영수증 공급가액은 당초 승인 현금영수증 공급가액을 초과할 수 없습니다."
        }
        -14001035 => "취소 현금영수증 식별번호가 원본과 일치하지 않습니다.",
        -14001036 => "취소 현금영수증 부가세는 당초 승인 현금영수증 부가세를 초과할 수 없습니다.",
        -14001037 => "취소 현금영수증 봉사료는 당초 승인 현금영수증 봉사료를 초과할 수 없습니다.",
        -14001038 => {
            "취소 현금영수증 거래금액은 당초 승인 현금영수증 거래금액을 초과할 수 없습니다."
        }
        -14001039 => {
            "취소 현금영수증과 당초 승인 현금영수증의 거래구분(TradeType)이 일치하지 않습니다."
        }
        -14001040 => {
            "취소 현금영수증과 당초 승인 현금영수증의 과세형태(TaxationType)가 일치하지 않습니다."
        }
        -14001041 => "당초 승인 현금영수증만 취소 현금영수증을 발행할 수 있습니다.",
        -14001056 => "당초 승인 현금영수증 거래일자가 입력되지 않았습니다.",
        -14001057 => "당초 승인 현금영수증 국세청 승인번호가 입력되지 않았습니다.",
        -14001058 => "유효하지않은 취소사유(CancelType)입니다.",
        -14001065 => {
            "취소 현금영수증의 거래금액 합계는 당초 승인 현금영수증 거래금액을 초과할 수 없습니다."
        }
        -14001068 => "당초 승인 현금영수증 국세청 승인번호가 유효하지 않습니다.",
        -14001069 => "전송실패 상태의 현금영수증은 취소 현금영수증을 발행할 수 없습니다.",
        -14001074 => {
            "취소 현금영수증 거래일시는 당초 승인 현금영수증 거래일시보다 과거로 발행할 수 없습니다."
        }
        -14001077 => "당초 승인 현금영수증 거래일시 형식이 유효하지 않습니다.",
        other => panic!("no table row for {other} in this test"),
    }
}

/// A full RevokeRegistIssue of `org` (its GetInfo) under a new mgtKey.
fn full(key: &str, org: &Value) -> Value {
    json!({"mgtKey": key, "orgConfirmNum": org["confirmNum"], "orgTradeDate": org["tradeDate"],
           "smssendYN": false, "isPartCancel": false, "cancelType": 1})
}

fn partial(key: &str, org: &Value, [supply, tax, fee]: [u64; 3]) -> Value {
    let mut b = full(key, org);
    b["isPartCancel"] = json!(true);
    b["supplyCost"] = json!(supply.to_string());
    b["tax"] = json!(tax.to_string());
    b["serviceFee"] = json!(fee.to_string());
    b["totalAmount"] = json!((supply + tax + fee).to_string());
    b
}

fn edit(mut v: Value, field: &str, value: Value) -> Value {
    if value.is_null() {
        v.as_object_mut().unwrap().remove(field);
    } else {
        v[field] = value;
    }
    v
}

/// A complete bulk 취소거래 of `org` for `[supply, tax, fee]`.
fn cancellation(key: &str, org: &Value, [supply, tax, fee]: [u64; 3]) -> Value {
    let mut c = cashbill(key);
    c["tradeType"] = json!("취소거래");
    c["orgConfirmNum"] = org["confirmNum"].clone();
    c["orgTradeDate"] = org["tradeDate"].clone();
    c["supplyCost"] = json!(supply.to_string());
    c["tax"] = json!(tax.to_string());
    c["serviceFee"] = json!(fee.to_string());
    c["totalAmount"] = json!((supply + tax + fee).to_string());
    c
}

/// Originals issued at 10:00:03 on the 11th: `A` (10000 + 1000 + 500, filed), `B` (filing
/// fails); the clock then stands at 11:00 on the 12th and `C` is issued (not yet filed).
async fn originals(app: &TestApp, tok: &str) -> (Value, Value, Value) {
    let a = with(cashbill("A"), "serviceFee", json!("500"));
    let a = with(a, "totalAmount", json!("11500"));
    let b = with(cashbill("B"), "orderNumber", json!("SCENARIO:NTS_FAIL:TS1"));
    assert_eq!(app.bulk_submit(tok, "ORG-1", vec![a, b]).await.0, 200);
    app.advance(3.0).await;
    app.advance_to("20250712110000").await;
    assert_eq!(app.regist_issue(tok, cashbill("C")).await.0, 200);
    let info = |k: &'static str| async move {
        let (s, v) = app.get_info(tok, k).await;
        assert_eq!(s, 200, "{v}");
        v
    };
    let (a, b, c) = (info("A").await, info("B").await, info("C").await);
    assert_eq!(
        (&a["stateCode"], &b["stateCode"], &c["stateCode"]),
        (&json!(304), &json!(305), &json!(300))
    );
    (a, b, c)
}

async fn refused(app: &TestApp, tok: &str, why: &str, body: Value, code: i64) {
    let (status, v) = app.revoke_regist_issue(tok, body).await;
    let want_status = if code == -14000004 { 409 } else { 400 };
    assert_eq!(
        (status, v["code"].as_i64()),
        (want_status, Some(code)),
        "{why}: {v}"
    );
    assert_eq!(v["message"], table(code), "{why}");
}

#[tokio::test]
async fn revoke_regist_issue_refuses_each_broken_rule_with_popbills_code_and_message() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let (a, b, c) = originals(&app, &tok).await;
    let before = app.state().await["cashbills"].clone();

    let (status, v) = app.revoke_raw(&tok, "{").await;
    assert_eq!((status, &v["message"]), (400, &json!(table(-14010015))));
    let cases: Vec<(&str, Value, i64)> = vec![
        ("a JSON array", json!([full("R-1", &a)]), -14010015),
        (
            "mgtKey a number",
            edit(full("R-1", &a), "mgtKey", json!(5)),
            -14010015,
        ),
        (
            "no orgConfirmNum",
            edit(full("R-1", &a), "orgConfirmNum", Value::Null),
            -14001057,
        ),
        (
            "no orgTradeDate",
            edit(full("R-1", &a), "orgTradeDate", Value::Null),
            -14001056,
        ),
        (
            "orgTradeDate with hyphens",
            edit(full("R-1", &a), "orgTradeDate", json!("2025-07-11")),
            -14001077,
        ),
        (
            "orgConfirmNum of 4",
            edit(full("R-1", &a), "orgConfirmNum", json!("TB12")),
            -14001068,
        ),
        (
            "cancelType 4",
            edit(full("R-1", &a), "cancelType", json!(4)),
            -14001058,
        ),
        (
            "an unknown confirmNum",
            edit(full("R-1", &a), "orgConfirmNum", json!("ZZ1234567")),
            -14001020,
        ),
        (
            "the right confirmNum, another date",
            edit(full("R-1", &a), "orgTradeDate", json!("20250710")),
            -14001020,
        ),
        ("an original not yet filed", full("R-1", &c), -14001021),
        (
            "an original whose filing failed",
            full("R-1", &b),
            -14001069,
        ),
        (
            "traded before the original (same day)",
            edit(full("R-1", &a), "tradeDT", json!("20250711100002")),
            -14001074,
        ),
        (
            "a total above the original's",
            partial("R-1", &a, [10001, 1000, 500]),
            -14001038,
        ),
        ("a mgtKey already issued", full("C", &a), -14000004),
    ];
    for (why, body, code) in cases {
        refused(&app, &tok, why, body, code).await;
    }
    assert_eq!(
        app.state().await["cashbills"],
        before,
        "refused cancellations change nothing"
    );

    // 6000 + 600 + 300 taken: 4000 + 400 + 200 = 4600 left.
    let (status, v) = app
        .revoke_regist_issue(&tok, partial("P-1", &a, [6000, 600, 300]))
        .await;
    assert_eq!(status, 200, "{v}");
    let p1 = app.get_info(&tok, "P-1").await.1;
    let cases: Vec<(&str, Value, i64)> = vec![
        (
            "a total above what is left",
            partial("R-2", &a, [4000, 400, 201]),
            -14001065,
        ),
        (
            "a supply cost above what is left",
            partial("R-2", &a, [4001, 0, 0]),
            -14001023,
        ),
        (
            "a tax above what is left",
            partial("R-2", &a, [3000, 401, 0]),
            -14001036,
        ),
        (
            "a service fee above what is left",
            partial("R-2", &a, [3000, 0, 201]),
            -14001037,
        ),
        (
            "a full cancellation after a partial",
            full("R-2", &a),
            -14001065,
        ),
        (
            "a cancellation of a cancellation",
            full("R-2", &p1),
            -14001041,
        ),
    ];
    for (why, body, code) in cases {
        refused(&app, &tok, why, body, code).await;
    }
    let (status, v) = app
        .revoke_regist_issue(&tok, partial("P-2", &a, [4000, 400, 200]))
        .await;
    assert_eq!(status, 200, "exactly what is left: {v}");
    refused(
        &app,
        &tok,
        "one won more",
        partial("R-3", &a, [1, 0, 0]),
        -14001065,
    )
    .await;
}

#[tokio::test]
async fn bulk_cancellations_are_judged_one_by_one_with_popbills_codes() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let (a, _, _) = originals(&app, &tok).await;
    let ok = |k| cancellation(k, &a, [1000, 100, 0]);
    let batch = vec![
        with(ok("X-1"), "franchiseCorpNum", json!("9999999999")),
        with(ok("X-2"), "identityNum", json!("01099998888")),
        with(ok("X-3"), "tradeUsage", json!("지출증빙용")),
        with(
            cancellation("X-4", &a, [1000, 0, 0]),
            "taxationType",
            json!("비과세"),
        ),
        edit(ok("X-5"), "orgConfirmNum", Value::Null),
        with(ok("X-6"), "cancelType", json!("9")),
        // Accepted: cancelType absent is 1 거래취소; then "0" (the .NET SDK's unset) too.
        ok("X-7"),
        with(
            cancellation("X-8", &a, [9000, 900, 500]),
            "cancelType",
            json!(0),
        ),
        // Now all of A is used up.
        cancellation("X-9", &a, [0, 0, 1]),
        // A .NET-style approval: cancelType 0 and null org fields mean nothing on 승인거래.
        with(
            with(cashbill("X-10"), "cancelType", json!(0)),
            "orgConfirmNum",
            Value::Null,
        ),
    ];
    let (status, v) = app.bulk_submit(&tok, "CANCEL-1", batch).await;
    assert_eq!(
        status, 200,
        "cancellations are accepted for processing: {v}"
    );
    app.advance(3.0).await;
    let (_, r) = app.get_bulk_result(&tok, "CANCEL-1").await;
    let got: Vec<(i64, String)> = r["issueResult"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].as_i64().unwrap(),
                i["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(i64, String)> = [
        -14001022, -14001035, -14001039, -14001040, -14001057, -14001058, 1, 1, -14001065, 1,
    ]
    .iter()
    .map(|&c| {
        let m = if c == 1 { "발행 완료" } else { table(c) };
        (c, m.to_owned())
    })
    .collect();
    assert_eq!(got, want);
    assert_eq!(r["successCount"], 3);

    let (_, infos) = app.get_infos(&tok, json!(["X-7", "X-8", "X-10"])).await;
    let fields: Vec<(Value, Value, Value)> = infos
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["tradeType"].clone(),
                i["orgConfirmNum"].clone(),
                i["cancelType"].clone(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            (json!("취소거래"), a["confirmNum"].clone(), json!(1)),
            (json!("취소거래"), a["confirmNum"].clone(), json!(1)),
            (json!("승인거래"), Value::Null, Value::Null),
        ]
    );
}

#[tokio::test]
async fn regist_issue_takes_a_cancellation_and_refuses_a_broken_one_whole() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let (a, _, c) = originals(&app, &tok).await;
    let (status, v) = app
        .regist_issue(
            &tok,
            with(
                cancellation("S-1", &a, [1000, 100, 0]),
                "tradeUsage",
                json!("지출증빙용"),
            ),
        )
        .await;
    assert_eq!((status, v["code"].as_i64()), (400, Some(-14001039)), "{v}");
    assert_eq!(v["message"], table(-14001039));
    let (status, v) = app
        .regist_issue(&tok, cancellation("S-2", &c, [1000, 100, 0]))
        .await;
    assert_eq!((status, v["code"].as_i64()), (400, Some(-14001021)), "{v}");
    let (status, v) = app
        .regist_issue(&tok, cancellation("S-3", &a, [1000, 100, 0]))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["tradeDate"], "20250712");
    assert_ne!(v["confirmNum"], a["confirmNum"]);
}
