//! Webhook retries and webhook faults.

use super::*;

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
