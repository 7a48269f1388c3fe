//! Core tests: the simulation driven with explicit times (no server, no real clock).

use http::Method;
use popbill::codes;
use serde_json::{Value, json};

use super::bulk::message_digest;
use super::request::ApiRequest;
use super::{Attempt, Outgoing, Sim};
use crate::clock::{SimTime, parse_control_time};
use crate::config::Config;

const T0: &str = "2025-07-11T10:00:00+09:00";

fn t0() -> SimTime {
    parse_control_time(T0).unwrap()
}

fn sim_with(config: Config) -> Sim {
    Sim::from_config(&config).unwrap()
}

/// A webhook URL and long-lived tokens (tests cross days).
fn sim() -> Sim {
    sim_with(Config {
        webhook_url: Some("http://127.0.0.1:9/hook".into()),
        token_ttl: std::time::Duration::from_secs(30 * 86_400),
        ..Config::default()
    })
}

fn header(r: &mut ApiRequest, name: &'static str, value: &str) {
    r.headers.insert(name, value.parse().unwrap());
}

fn token_request(now: SimTime) -> ApiRequest {
    let body = br#"{"access_id":"1234567890","scope":["member","140"]}"#;
    let date = now.linkhub();
    let c = Config::default();
    let sig =
        popbill::linkhub::sign(&c.secret_key, body, &date, None, "/POPBILL_TEST/Token").unwrap();
    let mut r = ApiRequest::new(Method::POST, "/POPBILL_TEST/Token");
    header(&mut r, "authorization", &format!("LINKHUB DEVLINK {sig}"));
    header(&mut r, "x-lh-date", &date);
    header(&mut r, "x-lh-version", "2.0");
    r.body = body.to_vec().into();
    r
}

fn token(sim: &mut Sim, now: SimTime) -> String {
    let resp = sim.handle_raw(&token_request(now), now);
    assert_eq!(resp.status, 200, "{:?}", resp.json_value());
    resp.json_value()["session_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn cashbill(key: &str) -> Value {
    json!({"mgtKey": key, "tradeType": "승인거래", "tradeUsage": "소득공제용", "taxationType": "과세",
           "totalAmount": "11000", "supplyCost": "10000", "tax": "1000", "serviceFee": "0",
           "franchiseCorpNum": "1234567890", "identityNum": "01012345678", "orderNumber": "order-1"})
}

fn bulk(tok: &str, submit_id: &str, cashbills: Vec<Value>) -> ApiRequest {
    let body = serde_json::to_vec(&json!({ "cashbills": cashbills })).unwrap();
    let mut r = ApiRequest::new(Method::POST, "/Cashbill");
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    header(&mut r, "x-http-method-override", "BULKISSUE");
    header(&mut r, "x-pb-submit-id", submit_id);
    header(&mut r, "x-pb-message-digest", &message_digest(&body));
    r.body = body.into();
    r
}

fn get(tok: &str, path: &str) -> ApiRequest {
    let mut r = ApiRequest::new(Method::GET, path);
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    r
}

fn infos(tok: &str, keys: &Value) -> ApiRequest {
    let mut r = ApiRequest::new(Method::POST, "/Cashbill/States");
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    r.body = serde_json::to_vec(keys).unwrap().into();
    r
}

/// Run everything due up to `until` (then the held reordered webhooks), answering webhooks
/// with `answer`; bounded, like the server's driver.
fn drive(
    sim: &mut Sim,
    until: SimTime,
    answer: &mut dyn FnMut(&Outgoing) -> Attempt,
) -> Vec<Outgoing> {
    let mut sent = Vec::new();
    for _ in 0..10_000 {
        let batch = match sim.next_due() {
            Some(t) if t <= until => sim.run_due(t),
            _ => {
                let held = sim.release_held(until);
                if held.is_empty() {
                    return sent;
                }
                held
            }
        };
        for out in batch {
            let a = answer(&out);
            sim.record_delivery(&out, &a);
            sent.push(out);
        }
    }
    panic!("drive did not become idle");
}

fn ok_receiver(_: &Outgoing) -> Attempt {
    Attempt {
        http_status: Some(200),
        ok: true,
        error: None,
    }
}

fn body(out: &Outgoing) -> Value {
    serde_json::from_slice(&out.body).unwrap()
}

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
fn filing_happens_at_midnight_and_results_at_eleven_the_next_day_with_webhooks() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1")]), now);
    let sent = drive(&mut sim, now.plus_secs(10), &mut ok_receiver);
    assert_eq!(sent.len(), 1);
    let b = body(&sent[0]);
    assert_eq!(b["eventType"], "BULKRESULT");
    assert_eq!(b["submitID"], "S-1");
    assert_eq!(b["code"], 1);
    assert_eq!(b["stateCode"], 300);
    assert!(b["issueDT"].is_string() && b["tradeDT"].is_string() && b["itemKey"].is_string());

    let midnight = parse_control_time("20250712000000").unwrap();
    assert!(drive(&mut sim, midnight, &mut ok_receiver).is_empty());
    let info = sim
        .handle_raw(&get(&tok, "/Cashbill/K-1"), midnight)
        .json_value();
    assert_eq!(info["stateCode"], 300);
    assert_eq!(info["ntssendDT"], "20250712000000");
    assert_eq!(info["ntsresultCode"], Value::Null);

    let eleven = parse_control_time("20250712110000").unwrap();
    let before = sim
        .handle_raw(&get(&tok, "/Cashbill/K-1"), eleven.plus_ms(-1000))
        .json_value();
    assert_eq!(before["stateCode"], 300, "no result before 11:00");
    let sent = drive(&mut sim, eleven, &mut ok_receiver);
    assert_eq!(sent.len(), 1);
    let b = body(&sent[0]);
    assert_eq!(b["eventType"], "NTS");
    assert_eq!(b["stateCode"], 304);
    assert_eq!(b["ntsresultCode"], "0000");
    assert_eq!(b["ntssendDT"], "20250712000000");
    assert_eq!(b["ntsresultDT"], "20250712110000");
    let info = sim
        .handle_raw(&get(&tok, "/Cashbill/K-1"), eleven)
        .json_value();
    assert_eq!(info["stateCode"], 304);
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
fn a_failing_receiver_gets_four_sends_five_minutes_apart_then_nothing() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1")]), now);
    let mut fail = |_: &Outgoing| Attempt {
        http_status: Some(500),
        ok: false,
        error: None,
    };
    let sent = drive(&mut sim, now.plus_secs(3600), &mut fail);
    let times: Vec<i64> = sent.iter().map(|o| o.at.0).collect();
    let first = now.plus_secs(3).0;
    assert_eq!(
        times,
        vec![first, first + 300_000, first + 600_000, first + 900_000]
    );
    assert!(
        sent.iter().all(|o| o.mid == sent[0].mid),
        "MID stable across retries"
    );
    assert_eq!(
        sent.iter().map(|o| o.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(sim.webhooks_pending(), 0);
    let ran = sim.take_ran();
    assert_eq!(ran.webhooks_failed, 4);
}

#[test]
fn a_receiver_that_recovers_stops_the_retries() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1")]), now);
    let mut calls = 0;
    let mut flaky = |_: &Outgoing| {
        calls += 1;
        Attempt {
            http_status: Some(if calls == 1 { 500 } else { 200 }),
            ok: calls > 1,
            error: None,
        }
    };
    let sent = drive(&mut sim, now.plus_secs(3600), &mut flaky);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].at.0 - sent[0].at.0, 300_000);
    let log = sim.webhooks_json();
    assert_eq!(log.as_array().unwrap().len(), 2);
    assert_eq!(log[1]["ok"], true);
}

#[test]
fn webhook_faults_drop_duplicate_delay_and_reorder_events() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    // One rule per submission: each rule fires on the next BULKRESULT only.
    let rules = [
        &br#"{"action":"drop","event_type":"BULKRESULT"}"#[..],
        br#"{"action":"duplicate","event_type":"BULKRESULT"}"#,
    ];
    let mut sent = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        sim.faults.add_hook(rule).unwrap();
        let key = format!("K-{}", i + 1);
        sim.handle_raw(&bulk(&tok, &format!("S-{i}"), vec![cashbill(&key)]), now);
        sent.extend(drive(&mut sim, now.plus_secs(60), &mut ok_receiver));
    }
    let keys: Vec<String> = sent.iter().map(|o| body(o)["mgtKey"].to_string()).collect();
    assert_eq!(keys, vec!["\"K-2\"", "\"K-2\""], "K-1 dropped, K-2 twice");
    assert_eq!(sent[0].mid, sent[1].mid);
    let log = sim.webhooks_json();
    assert_eq!(log[0]["fault"], "drop");
    assert_eq!(log[0]["mgt_key"], "K-1");

    // K-3's BULKRESULT is held to the end of the run, after the next day's NTS events; the
    // first NTS is delayed 10 minutes.
    sim.faults
        .add_hook(br#"{"action":"reorder","event_type":"BULKRESULT","count":1}"#)
        .unwrap();
    sim.faults
        .add_hook(br#"{"action":"delay","event_type":"NTS","count":1,"delay_secs":600}"#)
        .unwrap();
    let later = now.plus_secs(60);
    sim.handle_raw(&bulk(&tok, "S-3", vec![cashbill("K-3")]), later);
    let eleven = parse_control_time("20250712110000").unwrap();
    let sent = drive(&mut sim, eleven.plus_secs(3600), &mut ok_receiver);
    let seen: Vec<(String, String, i64)> = sent
        .iter()
        .map(|o| {
            let b = body(o);
            (
                b["eventType"].as_str().unwrap().to_owned(),
                b["mgtKey"].as_str().unwrap().to_owned(),
                o.at.0,
            )
        })
        .collect();
    let e = eleven.0;
    assert_eq!(
        seen,
        vec![
            ("NTS".into(), "K-2".into(), e),
            ("NTS".into(), "K-3".into(), e),
            ("NTS".into(), "K-1".into(), e + 600_000),
            ("BULKRESULT".into(), "K-3".into(), e + 3_600_000),
        ]
    );
}

#[test]
fn tokens_expire_on_the_simulated_clock_and_on_demand() {
    let mut sim = sim_with(Config::default());
    let now = t0();
    let tok = token(&mut sim, now);
    let ok = sim.handle_raw(&get(&tok, "/Cashbill/NOPE"), now.plus_secs(3599));
    assert_eq!(ok.code, Some(codes::NOT_FOUND));
    let late = sim.handle_raw(&get(&tok, "/Cashbill/NOPE"), now.plus_secs(3600));
    assert_eq!(late.code, Some(codes::SESSION_EXPIRED));
    let tok2 = token(&mut sim, now.plus_secs(3600));
    sim.expire_tokens(now.plus_secs(3601));
    let gone = sim.handle_raw(&get(&tok2, "/Cashbill/NOPE"), now.plus_secs(3601));
    assert_eq!(gone.code, Some(codes::SESSION_EXPIRED));
    let unknown = sim.handle_raw(&get("nope", "/Cashbill/NOPE"), now);
    assert_eq!(unknown.code, Some(codes::TOKEN_UNREADABLE));
}

#[test]
fn token_requests_are_checked_like_linkhub_does() {
    let mut sim = sim_with(Config::default());
    let now = t0();
    type Tweak = Box<dyn Fn(&mut ApiRequest)>;
    let cases: Vec<(&str, Tweak, i64)> = vec![
        (
            "no authorization",
            Box::new(|r| {
                r.headers.remove("authorization");
            }),
            codes::LH_AUTH_MISSING,
        ),
        (
            "bad scheme",
            Box::new(|r| header(r, "authorization", "Bearer x")),
            codes::LH_AUTH_FORMAT,
        ),
        (
            "no date",
            Box::new(|r| {
                r.headers.remove("x-lh-date");
            }),
            codes::LH_DATE_MISSING,
        ),
        (
            "bad date",
            Box::new(|r| header(r, "x-lh-date", "yesterday")),
            codes::LH_DATE_INVALID,
        ),
        (
            "old date",
            Box::new(|r| header(r, "x-lh-date", "2025-07-11T00:00:00Z")),
            codes::LH_DATE_SKEW,
        ),
        (
            "v1",
            Box::new(|r| header(r, "x-lh-version", "1.0")),
            codes::LH_AUTH_FORMAT,
        ),
        (
            "link id",
            Box::new(|r| {
                let a = r
                    .header("authorization")
                    .unwrap()
                    .replace("DEVLINK", "OTHER");
                header(r, "authorization", &a)
            }),
            codes::LH_UNKNOWN_LINK_ID,
        ),
        (
            "tampered body",
            Box::new(|r| {
                r.body = br#"{"access_id":"1234567891","scope":["member","140"]}"#
                    .to_vec()
                    .into()
            }),
            codes::LH_BAD_SIGNATURE,
        ),
        (
            "forwarded not signed",
            Box::new(|r| header(r, "x-lh-forwarded", "*")),
            codes::LH_BAD_SIGNATURE,
        ),
    ];
    for (why, tweak, want) in cases {
        let mut r = token_request(now);
        tweak(&mut r);
        let resp = sim.handle_raw(&r, now);
        assert_eq!(resp.code, Some(want), "{why}");
        assert!(resp.status == 401 || resp.status == 403, "{why}");
    }
    // Node's toISOString() form, 4 minutes off, is accepted.
    let node_date = now.plus_secs(240).plus_ms(123);
    let d = format!("{}.123Z", &node_date.linkhub()[..19]);
    let body = br#"{"access_id":"1234567890","scope":["member","140"]}"#;
    let sig = popbill::linkhub::sign(
        &Config::default().secret_key,
        body,
        &d,
        None,
        "/POPBILL/Token",
    )
    .unwrap();
    let mut r = token_request(now);
    r.path = "/POPBILL/Token".into();
    header(&mut r, "x-lh-date", &d);
    header(&mut r, "authorization", &format!("LINKHUB DEVLINK {sig}"));
    let resp = sim.handle_raw(&r, now);
    assert_eq!(resp.status, 200, "{:?}", resp.json_value());
    let v = resp.json_value();
    assert_eq!(v["serviceID"], "POPBILL");
    assert_eq!(v["expiration"], "2025-07-11T02:00:00.000Z");
}

#[test]
fn token_body_member_and_scope_are_checked_after_the_signature() {
    let mut sim = sim();
    let now = t0();
    for (body, want) in [
        (
            &br#"{"access_id":"9999999999","scope":["member","140"]}"#[..],
            codes::LH_NOT_A_MEMBER,
        ),
        (
            br#"{"access_id":"1234567890","scope":["member"]}"#,
            codes::NO_API_PERMISSION,
        ),
        (
            br#"{"access_id":1}"#,
            super::error::mock_codes::LH_BAD_REQUEST,
        ),
    ] {
        let date = now.linkhub();
        let sig = popbill::linkhub::sign(
            &Config::default().secret_key,
            body,
            &date,
            None,
            "/POPBILL_TEST/Token",
        )
        .unwrap();
        let mut r = token_request(now);
        r.body = body.to_vec().into();
        header(&mut r, "authorization", &format!("LINKHUB DEVLINK {sig}"));
        assert_eq!(sim.handle_raw(&r, now).code, Some(want));
    }
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
        (json!(many), codes::GETINFOS_TOO_MANY_KEYS),
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

#[test]
fn reset_forgets_everything_but_tokens_and_settings() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1")]), now);
    sim.faults
        .add_api(br#"{"endpoint":"*","action":"drop"}"#)
        .unwrap();
    sim.reset();
    assert_eq!(sim.next_due(), None);
    assert_eq!(sim.journal_len(), 0);
    assert_eq!(sim.faults.to_json()["api"].as_array().unwrap().len(), 0);
    let r = sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1")]), now);
    assert_eq!(
        r.status, 200,
        "the SubmitID is free again and the token still works"
    );
}
