//! Cancellation receipts (취소거래) in the simulation: RevokeRegistIssue and bulk cancellations,
//! judged against the original at the moment they are processed, with running totals.

use super::*;

/// 2025-07-12 11:00 KST: receipts issued on the 11th have their filing result.
fn filed_at() -> SimTime {
    parse_control_time("20250712110000").unwrap()
}

fn revoke(tok: &str, body: Value) -> ApiRequest {
    let mut r = ApiRequest::new(Method::POST, "/Cashbill");
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    header(&mut r, "x-http-method-override", "REVOKEISSUE");
    r.body = serde_json::to_vec(&body).unwrap().into();
    r
}

fn revoke_body(key: &str, org: &Value) -> Value {
    json!({"mgtKey": key, "orgConfirmNum": org["confirmNum"], "orgTradeDate": org["tradeDate"],
           "smssendYN": false, "isPartCancel": false, "cancelType": 1})
}

fn partial_body(key: &str, org: &Value, amounts: [u64; 3]) -> Value {
    let [supply, tax, fee] = amounts;
    let mut b = revoke_body(key, org);
    b["isPartCancel"] = json!(true);
    b["supplyCost"] = json!(supply.to_string());
    b["tax"] = json!(tax.to_string());
    b["serviceFee"] = json!(fee.to_string());
    b["totalAmount"] = json!((supply + tax + fee).to_string());
    b
}

/// A complete bulk 취소거래 of `org` (whose GetInfo is given) for the given amounts.
fn cancellation(key: &str, org: &Value, amounts: [u64; 3]) -> Value {
    let [supply, tax, fee] = amounts;
    let mut c = cashbill(key);
    c["tradeType"] = json!("취소거래");
    c["orgConfirmNum"] = org["confirmNum"].clone();
    c["orgTradeDate"] = org["tradeDate"].clone();
    c["cancelType"] = json!(2);
    c["supplyCost"] = json!(supply.to_string());
    c["tax"] = json!(tax.to_string());
    c["serviceFee"] = json!(fee.to_string());
    c["totalAmount"] = json!((supply + tax + fee).to_string());
    c
}

/// Issue `keys` in one bulk submission at T0 and return the sim, a token and each GetInfo.
fn issued(keys: &[Value]) -> (Sim, String, Vec<Value>) {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let r = sim.handle_raw(&bulk(&tok, "ORG", keys.to_vec()), now);
    assert_eq!(r.status, 200);
    drive(&mut sim, now.plus_secs(3), &mut ok_receiver);
    let infos = keys
        .iter()
        .map(|k| {
            let path = format!("/Cashbill/{}", k["mgtKey"].as_str().unwrap());
            let info = sim.handle_raw(&get(&tok, &path), now.plus_secs(3));
            assert_eq!(info.status, 200, "{:?}", info.json_value());
            info.json_value()
        })
        .collect();
    (sim, tok, infos)
}

fn bulk_codes(sim: &mut Sim, tok: &str, submit_id: &str, at: SimTime) -> Vec<i64> {
    let v = sim
        .handle_raw(&get(tok, &format!("/Cashbill/BULK/{submit_id}/State")), at)
        .json_value();
    assert_eq!(v["txState"], 2, "{v}");
    v["issueResult"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_full_refund_lives_through_its_own_midnight_and_eleven_oclock() {
    let (mut sim, tok, infos) = issued(&[cashbill("K-1")]);
    let org = &infos[0];
    let now = t0().plus_secs(10);

    let early = sim.handle_raw(&revoke(&tok, revoke_body("R-1", org)), now);
    assert_eq!(
        early.code,
        Some(codes::ORG_NOT_FILED),
        "not filed before 11:00"
    );
    assert_eq!(early.status, 400);
    assert_eq!(
        early.json_value()["message"],
        "원본 현금영수증 국세청 전송이 완료되지 않아 취소 현금영수증을 발행할 수 없습니다."
    );

    let eleven = filed_at();
    drive(&mut sim, eleven, &mut ok_receiver);
    let later = eleven.plus_secs(60);
    let r = sim.handle_raw(&revoke(&tok, revoke_body("R-1", org)), later);
    assert_eq!(r.status, 200, "{:?}", r.json_value());
    let answer = r.json_value();
    assert_eq!(answer["code"], 1);
    assert_eq!(answer["tradeDate"], "20250712");
    assert_eq!(answer["tradeDT"], "20250712110100");
    let confirm = answer["confirmNum"].as_str().unwrap();
    assert!(confirm.starts_with("TB") && confirm.len() == 9);
    assert_ne!(
        answer["confirmNum"], org["confirmNum"],
        "its own confirmNum"
    );

    let sent = drive(&mut sim, later, &mut ok_receiver);
    let issue_event = body(&sent[0]);
    assert_eq!(issue_event["eventType"], "Issue");
    assert_eq!(issue_event["mgtKey"], "R-1");

    let info = sim
        .handle_raw(&get(&tok, "/Cashbill/R-1"), later)
        .json_value();
    assert_eq!(info["tradeType"], "취소거래");
    assert_eq!(info["orgConfirmNum"], org["confirmNum"]);
    assert_eq!(info["orgTradeDate"], "20250711");
    assert_eq!(info["cancelType"], 1);
    assert_eq!(info["stateCode"], 300);
    for field in [
        "supplyCost",
        "tax",
        "serviceFee",
        "totalAmount",
        "identityNum",
        "tradeUsage",
        "taxationType",
        "itemName",
    ] {
        assert_eq!(
            info[field], org[field],
            "a full cancellation copies {field}"
        );
    }
    assert_eq!(
        org["cancelType"],
        Value::Null,
        "an approval has no cancelType"
    );
    assert_eq!(org["orgConfirmNum"], Value::Null);

    let next_eleven = parse_control_time("20250713110000").unwrap();
    let sent = drive(&mut sim, next_eleven, &mut ok_receiver);
    let nts: Vec<Value> = sent
        .iter()
        .map(body)
        .filter(|b| b["eventType"] == "NTS")
        .collect();
    assert_eq!(nts.len(), 1);
    assert_eq!(nts[0]["mgtKey"], "R-1");
    assert_eq!(nts[0]["stateCode"], 304);
    let info = sim
        .handle_raw(&get(&tok, "/Cashbill/R-1"), next_eleven)
        .json_value();
    assert_eq!(info["stateCode"], 304);
    assert_eq!(info["ntssendDT"], "20250713000000");

    let again = sim.handle_raw(&revoke(&tok, revoke_body("R-2", org)), next_eleven);
    assert_eq!(
        again.code,
        Some(codes::CANCEL_TOTALS_OVER),
        "a second full cancellation exceeds what is left"
    );
    let of_cancellation = json!({"confirmNum": info["confirmNum"], "tradeDate": info["tradeDate"]});
    let twice = sim.handle_raw(
        &revoke(&tok, revoke_body("R-3", &of_cancellation)),
        next_eleven,
    );
    assert_eq!(twice.code, Some(codes::CANCEL_OF_CANCELLATION));
}

#[test]
fn bulk_partial_cancellations_add_up_in_order_and_one_more_is_refused() {
    let (mut sim, tok, infos) = issued(&[cashbill("K-1")]);
    let org = &infos[0];
    drive(&mut sim, filed_at(), &mut ok_receiver);
    let at = filed_at().plus_secs(60);
    // 10000 + 1000 + 0: three partials that use it all up, judged one after the other at
    // processing time, then one won more.
    let batch = vec![
        cancellation("C-1", org, [4000, 400, 0]),
        cancellation("C-2", org, [5000, 500, 0]),
        cancellation("C-3", org, [1000, 100, 0]),
        cancellation("C-4", org, [1, 0, 0]),
    ];
    assert_eq!(
        sim.handle_raw(&bulk(&tok, "CANCEL-1", batch), at).status,
        200
    );
    drive(&mut sim, at.plus_secs(3), &mut ok_receiver);
    assert_eq!(
        bulk_codes(&mut sim, &tok, "CANCEL-1", at.plus_secs(3)),
        [1, 1, 1, codes::CANCEL_TOTALS_OVER]
    );
    let state = sim.state_json(at.plus_secs(3));
    let original = state["cashbills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mgt_key"] == "K-1")
        .unwrap();
    assert_eq!(
        original["cancelled"],
        json!({"supply_cost": 10000, "tax": 1000, "service_fee": 0, "total_amount": 11000})
    );
    assert_eq!(original["cancellations"], json!(["C-1", "C-2", "C-3"]));
    let c2 = state["cashbills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mgt_key"] == "C-2")
        .unwrap();
    assert_eq!(c2["trade_type"], "취소거래");
    assert_eq!(c2["org_confirm_num"], org["confirmNum"]);
    assert_eq!(c2["org_trade_date"], "20250711");
    assert_eq!(c2["cancel_type"], 2);
    assert_eq!(c2["cancelled"], Value::Null);
}

#[test]
fn a_cancellation_of_a_receipt_issued_today_fails_alone_in_its_batch_as_not_yet_filed() {
    let (mut sim, tok, infos) = issued(&[cashbill("K-1")]);
    let org = &infos[0];
    let at = t0().plus_secs(60);
    let batch = vec![cancellation("C-1", org, [10000, 1000, 0]), cashbill("K-2")];
    sim.handle_raw(&bulk(&tok, "CANCEL-1", batch), at);
    drive(&mut sim, at.plus_secs(3), &mut ok_receiver);
    assert_eq!(
        bulk_codes(&mut sim, &tok, "CANCEL-1", at.plus_secs(3)),
        [codes::ORG_NOT_FILED, 1],
        "judged per receipt, like any other rule"
    );
}

#[test]
fn an_original_whose_filing_failed_cannot_be_cancelled() {
    let mut failing = cashbill("K-305");
    failing["orderNumber"] = json!("SCENARIO:NTS_FAIL:TS4");
    let (mut sim, tok, infos) = issued(&[failing]);
    drive(&mut sim, filed_at(), &mut ok_receiver);
    let at = filed_at().plus_secs(1);
    let r = sim.handle_raw(&revoke(&tok, revoke_body("R-1", &infos[0])), at);
    assert_eq!(r.code, Some(codes::ORG_FILING_FAILED));
    assert_eq!(
        r.json_value()["message"],
        "전송실패 상태의 현금영수증은 취소 현금영수증을 발행할 수 없습니다."
    );
    sim.handle_raw(
        &bulk(
            &tok,
            "CANCEL-1",
            vec![cancellation("C-1", &infos[0], [10000, 1000, 0])],
        ),
        at,
    );
    drive(&mut sim, at.plus_secs(3), &mut ok_receiver);
    assert_eq!(
        bulk_codes(&mut sim, &tok, "CANCEL-1", at.plus_secs(3)),
        [codes::ORG_FILING_FAILED]
    );
}

#[test]
fn a_cancellation_can_itself_fail_filing_by_scenario() {
    let (mut sim, tok, infos) = issued(&[cashbill("K-1")]);
    drive(&mut sim, filed_at(), &mut ok_receiver);
    let at = filed_at().plus_secs(1);
    let mut c = cancellation("C-1", &infos[0], [10000, 1000, 0]);
    c["orderNumber"] = json!("SCENARIO:NTS_FAIL:TS4");
    let r = sim.handle_raw(&regist(&tok, c), at);
    assert_eq!(r.status, 200, "{:?}", r.json_value());
    let next = parse_control_time("20250713110000").unwrap();
    drive(&mut sim, next, &mut ok_receiver);
    let info = sim
        .handle_raw(&get(&tok, "/Cashbill/C-1"), next)
        .json_value();
    assert_eq!(info["stateCode"], 305);
    assert_eq!(info["ntsresultCode"], "TS4");
}

#[test]
fn a_partial_revoke_takes_its_own_amounts_and_everything_else_from_the_original() {
    let mut c = cashbill("K-1");
    c["tradeUsage"] = json!("지출증빙용");
    c["identityNum"] = json!("1234567890");
    c["customerName"] = json!("구매자");
    let (mut sim, tok, infos) = issued(&[c]);
    drive(&mut sim, filed_at(), &mut ok_receiver);
    let at = filed_at().plus_secs(5);
    let mut body = partial_body("R-1", &infos[0], [3000, 300, 0]);
    body["cancelType"] = json!("3");
    body["tradeDT"] = json!("20250712100000");
    let r = sim.handle_raw(&revoke(&tok, body), at);
    assert_eq!(r.status, 200, "{:?}", r.json_value());
    assert_eq!(r.json_value()["tradeDT"], "20250712100000");
    let info = sim.handle_raw(&get(&tok, "/Cashbill/R-1"), at).json_value();
    assert_eq!(
        (
            &info["supplyCost"],
            &info["tax"],
            &info["serviceFee"],
            &info["totalAmount"]
        ),
        (&json!("3000"), &json!("300"), &json!("0"), &json!("3300"))
    );
    assert_eq!(
        info["cancelType"], 3,
        "a numeric string is read as its number"
    );
    for field in [
        "tradeUsage",
        "identityNum",
        "customerName",
        "taxationType",
        "orderNumber",
    ] {
        assert_eq!(info[field], infos[0][field], "{field} is the original's");
    }
}

#[test]
fn deleting_a_cancellation_whose_filing_failed_gives_its_amount_back_to_the_original() {
    let (mut sim, tok, infos) = issued(&[cashbill("ORG-1")]);
    let org = &infos[0];
    let at = filed_at();
    drive(&mut sim, at, &mut ok_receiver);
    // A full cancellation whose own filing will fail (its scenario), issued on the 12th.
    let mut c = cancellation("CAN-1", org, [10000, 1000, 0]);
    c["orderNumber"] = json!("SCENARIO:NTS_FAIL:TS4");
    sim.handle_raw(&bulk(&tok, "CAN", vec![c]), at);
    let next = parse_control_time("20250713110000").unwrap();
    drive(&mut sim, next, &mut ok_receiver);
    assert_eq!(bulk_codes(&mut sim, &tok, "CAN", next), vec![1]);
    let again = partial_body("CAN-2", org, [1, 0, 0]);
    let r = sim.handle_raw(&revoke(&tok, again.clone()), next);
    assert_eq!(
        r.code,
        Some(codes::CANCEL_TOTALS_OVER),
        "all of it is cancelled"
    );

    let mut del = ApiRequest::new(Method::POST, "/Cashbill/CAN-1");
    header(&mut del, "authorization", &format!("Bearer {tok}"));
    header(&mut del, "x-http-method-override", "DELETE");
    assert_eq!(sim.handle_raw(&del, next).status, 200);
    let r = sim.handle_raw(&revoke(&tok, again), next);
    assert_eq!(r.status, 200, "{:?}", r.json_value());
}
