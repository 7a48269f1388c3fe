//! The calls beside bulk issuance: points, Delete, GetDetailInfo, GetLogs, e-mail and SMS.

use super::*;

/// `K-OK` filed (304) and `K-FAIL` failed filing (305), at 11:00 the next day.
fn filed(sim: &mut Sim) -> (String, SimTime) {
    let now = t0();
    let tok = token(sim, now);
    let mut fail = cashbill("K-FAIL");
    fail["orderNumber"] = json!("SCENARIO:NTS_FAIL:TS4");
    sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-OK"), fail]), now);
    let eleven = parse_control_time("20250712110000").unwrap();
    drive(sim, eleven, &mut ok_receiver);
    (tok, eleven)
}

fn post(tok: &str, path: &str, ov: &str, body: &[u8]) -> ApiRequest {
    let mut r = ApiRequest::new(Method::POST, path);
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    header(&mut r, "x-http-method-override", ov);
    r.body = body.to_vec().into();
    r
}

fn get_q(tok: &str, path: &str, query: &str) -> ApiRequest {
    let mut r = get(tok, path);
    r.query = Some(query.to_owned());
    r
}

fn regist(tok: &str, c: &Value) -> ApiRequest {
    post(tok, "/Cashbill", "ISSUE", &serde_json::to_vec(c).unwrap())
}

#[test]
fn issuance_spends_the_unit_cost_per_issued_receipt_and_failures_cost_nothing() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let balance = |sim: &mut Sim| {
        sim.handle_raw(&get(&tok, "/POPBILL_TEST/Point"), now.plus_secs(5))
            .json_value()["remainPoint"]
            .as_u64()
            .unwrap()
    };
    let start = balance(&mut sim);
    let mut bad = cashbill("K-BAD");
    bad["totalAmount"] = json!("1");
    sim.handle_raw(
        &bulk(&tok, "S-1", vec![cashbill("K-1"), cashbill("K-2"), bad]),
        now,
    );
    drive(&mut sim, now.plus_secs(5), &mut ok_receiver);
    assert_eq!(
        balance(&mut sim),
        start - 20,
        "two issued at 10 points each"
    );
    let cost = sim.handle_raw(&get_q(&tok, "/Cashbill", "cfg=UNITCOST"), now.plus_secs(5));
    assert_eq!(cost.json_value(), json!({"unitCost": 10}));
    let charge = sim.handle_raw(&get(&tok, "/Cashbill/ChargeInfo"), now.plus_secs(5));
    assert_eq!(
        charge.json_value(),
        json!({"unitCost": "10", "chargeMethod": "연동", "rateSystem": "종량제"})
    );
    let partner = sim.handle_raw(&get(&tok, "/POPBILL_TEST/PartnerPoint"), now.plus_secs(5));
    assert_eq!(
        partner.json_value()["remainPoint"],
        config::DEFAULT_POINTS,
        "the partner's points are never spent"
    );
    assert_eq!(sim.state_json(now)["points"]["spent"], 20);
}

#[test]
fn when_points_run_out_each_unpaid_receipt_fails_with_99005005_and_registissue_is_refused() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    sim.set_points(br#"{"balance":25}"#).unwrap();
    let batch = vec![cashbill("K-1"), cashbill("K-2"), cashbill("K-3")];
    sim.handle_raw(&bulk(&tok, "S-1", batch), now);
    drive(&mut sim, now.plus_secs(5), &mut ok_receiver);
    let v = sim
        .handle_raw(&get(&tok, "/Cashbill/BULK/S-1/State"), now.plus_secs(5))
        .json_value();
    let codes: Vec<i64> = v["issueResult"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![1, 1, codes::POINTS_INSUFFICIENT]);
    assert_eq!(v["issueResult"][2]["message"], "잔여포인트가 부족합니다.");
    assert_eq!(sim.points_json()["balance"], 5);

    let before = sim.state_json(now.plus_secs(5));
    let r = sim.handle_raw(&regist(&tok, &cashbill("K-4")), now.plus_secs(5));
    assert_eq!((r.status, r.code), (400, Some(codes::POINTS_INSUFFICIENT)));
    assert_eq!(sim.state_json(now.plus_secs(5)), before, "nothing stored");
    sim.set_points(br#"{"balance":10}"#).unwrap();
    let r = sim.handle_raw(&regist(&tok, &cashbill("K-4")), now.plus_secs(5));
    assert_eq!(r.status, 200, "{:?}", r.json_value());
    assert_eq!(sim.points_json()["balance"], 0);
}

#[test]
fn points_settings_are_refused_whole_when_malformed() {
    let mut sim = sim();
    let before = sim.points_json();
    for bad in [
        &b"{"[..],
        br#"{"balance":-1}"#,
        br#"{"balance":1.5}"#,
        br#"{"x":1}"#,
    ] {
        assert!(
            sim.set_points(bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
        assert_eq!(sim.points_json(), before);
    }
    let v = sim
        .set_points(br#"{"unit_cost":3,"partner_balance":7}"#)
        .unwrap();
    assert_eq!(
        (v["unit_cost"].clone(), v["partner_balance"].clone()),
        (json!(3), json!(7))
    );
}

#[test]
fn only_a_receipt_whose_filing_failed_can_be_deleted_and_its_mgt_key_is_free_again() {
    let mut sim = sim();
    let (tok, eleven) = filed(&mut sim);
    let delete = |k: &str| post(&tok, &format!("/Cashbill/{k}"), "DELETE", b"");
    let r = sim.handle_raw(&delete("K-OK"), eleven);
    assert_eq!((r.status, r.code), (409, Some(codes::DELETE_NOT_ALLOWED)));
    let r = sim.handle_raw(&delete("NOPE"), eleven);
    assert_eq!(r.code, Some(codes::NOT_FOUND));

    let r = sim.handle_raw(&delete("K-FAIL"), eleven);
    assert_eq!(r.status, 200);
    assert_eq!(r.json_value()["code"], 1);
    assert_eq!(
        sim.handle_raw(&get(&tok, "/Cashbill/K-FAIL"), eleven).code,
        Some(codes::NOT_FOUND),
        "CheckMgtKeyInUse: false"
    );
    let infos = sim.handle_raw(&infos(&tok, &json!(["K-OK", "K-FAIL"])), eleven);
    assert_eq!(infos.json_value().as_array().unwrap().len(), 1);
    assert_eq!(
        sim.handle_raw(&delete("K-FAIL"), eleven).code,
        Some(codes::NOT_FOUND)
    );
    let dump = sim.state_json(eleven);
    let gone = dump["cashbills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mgt_key"] == "K-FAIL")
        .unwrap();
    assert_eq!(gone["deleted_dt"], "20250712110000");

    // The key is reusable in a new submission.
    sim.handle_raw(&bulk(&tok, "S-2", vec![cashbill("K-FAIL")]), eleven);
    drive(&mut sim, eleven.plus_secs(5), &mut ok_receiver);
    let again = sim.handle_raw(&get(&tok, "/Cashbill/K-FAIL"), eleven.plus_secs(5));
    assert_eq!(again.json_value()["stateCode"], 300);
    // The first submission's result still tells its own history.
    let first = sim
        .handle_raw(&get(&tok, "/Cashbill/BULK/S-1/State"), eleven.plus_secs(5))
        .json_value();
    assert_eq!(first["issueResult"][1]["code"], 1);
}

#[test]
fn detail_info_returns_the_receipt_as_issued() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let mut c = cashbill("K-1");
    c["franchiseCorpName"] = json!("가맹점 상호");
    c["franchiseTaxRegID"] = json!("0001");
    c["tradeOpt"] = json!("대중교통");
    c["email"] = json!("buyer@example.com");
    c["memo"] = json!("memo 1");
    assert_eq!(sim.handle_raw(&regist(&tok, &c), now).status, 200);
    let d = sim
        .handle_raw(&get_q(&tok, "/Cashbill/K-1", "Detail"), now)
        .json_value();
    for field in [
        "mgtKey",
        "tradeType",
        "tradeUsage",
        "taxationType",
        "totalAmount",
        "supplyCost",
        "tax",
        "serviceFee",
        "franchiseCorpNum",
        "franchiseCorpName",
        "franchiseTaxRegID",
        "tradeOpt",
        "identityNum",
        "email",
        "memo",
        "orderNumber",
    ] {
        assert_eq!(d[field], c[field], "{field}");
    }
    assert_eq!(d["confirmNum"].as_str().map(str::len), Some(9));
    let typed: popbill::wire::Cashbill = serde_json::from_value(d).unwrap();
    assert_eq!(typed.trade_date.as_deref(), Some("20250711"));
    let r = sim.handle_raw(&get_q(&tok, "/Cashbill/NOPE", "Detail"), now);
    assert_eq!(r.code, Some(codes::NOT_FOUND));
}

#[test]
fn logs_tell_issuance_filing_result_and_messages_in_order() {
    let mut sim = sim();
    let (tok, eleven) = filed(&mut sim);
    let sms = r#"{"sender":"0212345678","receiver":"01011112222","contents":"영수증"}"#.as_bytes();
    let r = sim.handle_raw(&post(&tok, "/Cashbill/K-FAIL", "SMS", sms), eleven);
    assert_eq!(
        r.json_value(),
        json!({"code": 1, "message": "문자 재전송 완료"})
    );
    let logs = sim
        .handle_raw(&get(&tok, "/Cashbill/K-FAIL/Logs"), eleven)
        .json_value();
    let kinds: Vec<(&str, &str)> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["procType"].as_str().unwrap(),
                l["regDT"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("발행", "20250711100003"),
            ("국세청 전송", "20250712000000"),
            ("국세청 전송결과", "20250712110000"),
            ("문자 전송", "20250712110000"),
        ]
    );
    assert!(logs[2]["log"].as_str().unwrap().contains("TS4"));
    let r = sim.handle_raw(&get(&tok, "/Cashbill/NOPE/Logs"), eleven);
    assert_eq!(r.code, Some(codes::NOT_FOUND));
}

#[test]
fn e_mail_and_sms_are_recorded_and_bad_requests_get_popbills_codes() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let mut c = cashbill("K-1");
    c["email"] = json!("buyer@example.com");
    c["hp"] = json!("01099998888");
    c["smssendYN"] = json!(true);
    sim.handle_raw(&regist(&tok, &c), now);
    let sent: Vec<(String, String, String)> = sim
        .messages_json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap().to_owned();
            (s("kind"), s("trigger"), s("receiver"))
        })
        .collect();
    assert_eq!(
        sent,
        vec![
            ("email".into(), "issue".into(), "buyer@example.com".into()),
            ("sms".into(), "issue".into(), "01099998888".into()),
        ],
        "POPBiLL's own notices on issuance"
    );
    let email = |body: &[u8]| post(&tok, "/Cashbill/K-1", "EMAIL", body);
    let r = sim.handle_raw(&email(br#"{"receiver":"other@example.com"}"#), now);
    assert_eq!(r.json_value()["code"], 1);
    assert_eq!(sim.messages_json()[2]["receiver"], "other@example.com");

    let before = sim.messages_json();
    let sms = |body: &[u8]| post(&tok, "/Cashbill/K-1", "SMS", body);
    for (req, code) in [
        (email(b""), codes::BODY_MISSING),
        (email(b"{"), codes::BAD_JSON),
        (email(b"[]"), codes::BAD_JSON),
        (email(br#"{"receiver":""}"#), codes::EMAIL_RECEIVER_MISSING),
        (email(br#"{"receiver":7}"#), codes::BAD_JSON),
        (
            post(&tok, "/Cashbill/NOPE", "EMAIL", br#"{"receiver":"a@b.c"}"#),
            codes::NOT_FOUND,
        ),
        (
            sms(br#"{"receiver":"010","contents":"x"}"#),
            codes::SMS_SENDER_MISSING,
        ),
        (
            sms(br#"{"sender":"02","contents":"x"}"#),
            codes::SMS_RECEIVER_MISSING,
        ),
        (
            sms(br#"{"sender":"02","receiver":"010"}"#),
            codes::SMS_CONTENTS_MISSING,
        ),
    ] {
        let r = sim.handle_raw(&req, now);
        assert_eq!(r.code, Some(code), "{}", String::from_utf8_lossy(&req.body));
        assert_eq!(r.json_value()["message"], popbill::codes::message_ko(code));
    }
    assert_eq!(
        sim.messages_json(),
        before,
        "refused messages are not recorded"
    );
}

#[test]
fn the_issuance_mail_follows_the_email_config() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let list = |sim: &mut Sim| {
        sim.handle_raw(&get(&tok, "/Cashbill/EmailSendConfig"), now)
            .json_value()
    };
    assert_eq!(
        list(&mut sim),
        json!([{"emailType": "CSH_ISSUE", "sendYN": true}])
    );
    let update = |q: &str| {
        let mut r = ApiRequest::new(Method::POST, "/Cashbill/EmailSendConfig");
        header(&mut r, "authorization", &format!("Bearer {tok}"));
        r.query = Some(q.to_owned());
        r
    };
    for (q, code) in [
        ("SendYN=true", codes::EMAIL_TYPE_MISSING),
        ("EmailType=TAX_ISSUE&SendYN=true", codes::EMAIL_TYPE_INVALID),
        ("EmailType=CSH_ISSUE", codes::EMAIL_SEND_YN_MISSING),
        ("EmailType=CSH_ISSUE&SendYN=maybe", codes::INPUT_MAPPING),
    ] {
        assert_eq!(sim.handle_raw(&update(q), now).code, Some(code), "{q}");
    }
    assert_eq!(list(&mut sim)[0]["sendYN"], true, "refusals change nothing");
    let r = sim.handle_raw(&update("EmailType=CSH_ISSUE&SendYN=false"), now);
    assert_eq!(r.json_value()["code"], 1);
    assert_eq!(list(&mut sim)[0]["sendYN"], false);
    let mut c = cashbill("K-1");
    c["email"] = json!("buyer@example.com");
    sim.handle_raw(&regist(&tok, &c), now);
    assert_eq!(
        sim.messages_json(),
        json!([]),
        "no issuance mail when it is off"
    );
}
