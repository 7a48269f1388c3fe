//! Bulk lifecycle, filing, per-receipt rules, SubmitID and mgtKey rules, GetInfos, determinism, reset.

use super::*;

#[test]
fn a_bulk_submission_goes_from_submitted_to_processing_to_completed_on_the_clock() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let r = sim.handle_raw(
        &bulk(&tok, "S-1", vec![cashbill("K-1"), cashbill("K-2")]),
        now,
    );
    assert_eq!(r.status, 200);
    let v = r.json_value();
    assert_eq!(v["code"], 1);
    assert_eq!(v["receiptID"].as_str().unwrap().len(), 18);

    let state = |sim: &mut Sim, at| {
        sim.handle_raw(&get(&tok, "/Cashbill/BULK/S-1/State"), at)
            .json_value()
    };
    assert_eq!(state(&mut sim, now)["txState"], 0);
    assert_eq!(state(&mut sim, now.plus_secs(1))["txState"], 1);
    let done = state(&mut sim, now.plus_secs(3));
    assert_eq!(done["txState"], 2);
    assert_eq!(done["successCount"], 2);
    assert_eq!(done["txResultCode"], 1);
    assert_eq!(done["txStartDT"], "20250711100001");
    assert_eq!(done["txEndDT"], "20250711100003");
    let item = &done["issueResult"][0];
    assert_eq!(item["code"], 1);
    assert_eq!(item["issueDT"], "20250711100003");
    assert_eq!(item["tradeDT"], "20250711100003");
    assert_eq!(item["tradeDate"], "20250711");
    assert_eq!(item["confirmNum"].as_str().unwrap().len(), 9);

    let info = sim
        .handle_raw(&get(&tok, "/Cashbill/K-1"), now.plus_secs(4))
        .json_value();
    assert_eq!(info["stateCode"], 300);
    assert_eq!(info["confirmNum"], item["confirmNum"]);
}

#[test]
fn per_receipt_rules_and_scenarios_are_reported_per_receipt() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let mut bad_sum = cashbill("K-SUM");
    bad_sum["totalAmount"] = json!("12000");
    let mut fail = cashbill("K-FAIL");
    fail["orderNumber"] = json!("SCENARIO:ISSUE_FAIL:-14001043");
    let mut nts = cashbill("K-NTS");
    nts["orderNumber"] = json!("SCENARIO:NTS_FAIL:TS1");
    let mut old = cashbill("K-OLD");
    old["tradeDT"] = json!("20250709235959");
    let mut yesterday = cashbill("K-YDAY");
    yesterday["tradeDT"] = json!("20250710000000");
    let mut after_receipt = cashbill("K-AFTER");
    after_receipt["tradeDT"] = json!("20250711100002");
    let mut future = cashbill("K-FUT");
    future["tradeDT"] = json!("20250711100004");
    let batch = vec![
        bad_sum,
        fail,
        nts,
        old,
        yesterday,
        after_receipt,
        future,
        cashbill("K-OK"),
    ];
    sim.handle_raw(&bulk(&tok, "S-1", batch), now);
    drive(&mut sim, now.plus_secs(3), &mut ok_receiver);
    let v = sim
        .handle_raw(&get(&tok, "/Cashbill/BULK/S-1/State"), now.plus_secs(3))
        .json_value();
    let codes_by_key: Vec<(String, i64)> = v["issueResult"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["mgtKey"].as_str().unwrap().to_owned(),
                i["code"].as_i64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("K-SUM", codes::AMOUNT_SUM_MISMATCH),
        ("K-FAIL", -14001043),
        ("K-NTS", 1),
        ("K-OLD", codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY),
        ("K-YDAY", 1),
        ("K-AFTER", 1),
        ("K-FUT", codes::TRADE_DT_FUTURE),
        ("K-OK", 1),
    ];
    let want: Vec<(String, i64)> = want.iter().map(|(k, c)| (k.to_string(), *c)).collect();
    assert_eq!(
        codes_by_key, want,
        "tradeDT is judged at processing time (10:00:03)"
    );
    assert_eq!(v["successCount"], 4);
    assert_eq!(v["failCount"], 4);
    assert_eq!(v["issueResult"][1]["confirmNum"], Value::Null);
    let failed = v["issueResult"][1].as_object().unwrap();
    for field in ["confirmNum", "tradeDate", "issueDT", "tradeDT"] {
        assert_eq!(failed[field], Value::Null, "{field} is written as null");
    }
    let typed: popbill::wire::BulkCashbillResult = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(
        typed.issue_result.len(),
        8,
        "the client's wire type reads it"
    );
    assert_eq!(typed.issue_result[2].issued_at(), Some("20250711100003"));

    let eleven = parse_control_time("20250712110000").unwrap();
    drive(&mut sim, eleven, &mut ok_receiver);
    let nts = sim
        .handle_raw(&get(&tok, "/Cashbill/K-NTS"), eleven)
        .json_value();
    assert_eq!(nts["stateCode"], 305);
    assert_eq!(nts["ntsresultCode"], "TS1");
    let failed = sim.handle_raw(&get(&tok, "/Cashbill/K-FAIL"), eleven);
    assert_eq!(
        failed.code,
        Some(codes::NOT_FOUND),
        "failed receipts are not stored"
    );
}

#[test]
fn a_mgt_key_already_issued_fails_the_later_receipt_with_14000004() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1")]), now);
    sim.handle_raw(
        &bulk(&tok, "S-2", vec![cashbill("K-1"), cashbill("K-2")]),
        now,
    );
    drive(&mut sim, now.plus_secs(5), &mut ok_receiver);
    let v = sim
        .handle_raw(&get(&tok, "/Cashbill/BULK/S-2/State"), now.plus_secs(5))
        .json_value();
    assert_eq!(v["issueResult"][0]["code"], codes::MGT_KEY_IN_USE);
    assert_eq!(v["issueResult"][1]["code"], 1);
}

#[test]
fn a_submit_id_is_burned_even_by_a_refused_submission() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let mut r = bulk(&tok, "S-1", vec![cashbill("K-1")]);
    header(&mut r, "x-pb-message-digest", "AAAA");
    assert_eq!(sim.handle_raw(&r, now).code, Some(codes::DIGEST_MISMATCH));
    let again = sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1")]), now);
    assert_eq!(again.code, Some(codes::SUBMIT_ID_IN_USE));
    assert_eq!(again.status, 409);
    let lookup = sim.handle_raw(&get(&tok, "/Cashbill/BULK/S-1/State"), now);
    assert_eq!(lookup.code, Some(codes::SUBMIT_ID_NOT_FOUND));
}

#[test]
fn get_infos_leaves_out_unknown_keys_and_refuses_bad_lists() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    sim.handle_raw(
        &bulk(&tok, "S-1", vec![cashbill("K-1"), cashbill("K-2")]),
        now,
    );
    drive(&mut sim, now.plus_secs(3), &mut ok_receiver);
    let v = sim
        .handle_raw(
            &infos(&tok, &json!(["K-2", "NOPE", "K-1"])),
            now.plus_secs(3),
        )
        .json_value();
    let keys: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["mgtKey"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["K-2", "K-1"]);
    let many: Vec<String> = (0..1001).map(|i| format!("K{i}")).collect();
    for (keys, want) in [
        (json!([]), codes::GETINFOS_KEYS_MISSING),
        (
            json!(many),
            crate::sim::error::mock_codes::GETINFOS_TOO_MANY_KEYS,
        ),
        (json!({"a": 1}), codes::BAD_JSON),
        (json!(["a", null]), codes::BAD_JSON),
    ] {
        assert_eq!(sim.handle_raw(&infos(&tok, &keys), now).code, Some(want));
    }
}

#[test]
fn same_seed_and_inputs_give_the_same_identifiers() {
    let run = |seed| {
        let mut sim = sim_with(Config {
            seed,
            webhook_url: Some("http://127.0.0.1:9/".into()),
            ..Config::default()
        });
        let now = t0();
        let tok = token(&mut sim, now);
        let r = sim
            .handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1")]), now)
            .json_value();
        let sent = drive(&mut sim, now.plus_secs(5), &mut ok_receiver);
        (
            tok,
            r["receiptID"].clone(),
            body(&sent[0]),
            sent[0].mid.clone(),
        )
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5).1, run(6).1);
    assert_ne!(run(5).3, run(6).3);
}
