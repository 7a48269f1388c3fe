//! Property tests for the request parsers: arbitrary bytes and JSON never panic, and a refused
//! request never changes what the mock stores (beyond burning the SubmitID it presented).

use http::Method;
use mock_server::Config;
use mock_server::sim::Sim;
use mock_server::sim::clock::{SimTime, parse_control_time};
use mock_server::sim::request::ApiRequest;
use mock_server::sim::route::route;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::common::digest;

fn now() -> SimTime {
    parse_control_time("2025-07-11T10:00:00+09:00").unwrap()
}

fn sim_and_token() -> (Sim, String) {
    let mut sim = Sim::from_config(&Config {
        webhook_url: Some("http://127.0.0.1:9/".into()),
        ..Config::default()
    })
    .unwrap();
    let tok = token_at(&mut sim, now());
    // One issued receipt, `P-1`, for the calls on a document.
    let one = serde_json::to_vec(&crate::common::cashbill("P-1")).unwrap();
    let issued = sim.handle_raw(
        &request(Method::POST, "/Cashbill", &tok, Some("ISSUE"), one),
        now(),
    );
    assert_eq!(issued.status, 200, "{:?}", issued.json_value());
    (sim, tok)
}

fn token_at(sim: &mut Sim, at: SimTime) -> String {
    let body = br#"{"access_id":"1234567890","scope":["member","140"]}"#;
    let date = at.linkhub();
    let sig =
        popbill::linkhub::sign(crate::common::SECRET, body, &date, None, "/POPBILL/Token").unwrap();
    let mut r = ApiRequest::new(Method::POST, "/POPBILL/Token");
    r.headers.insert(
        "authorization",
        format!("LINKHUB DEVLINK {sig}").parse().unwrap(),
    );
    r.headers.insert("x-lh-date", date.parse().unwrap());
    r.headers.insert("x-lh-version", "2.0".parse().unwrap());
    r.body = body.to_vec().into();
    let v = sim.handle_raw(&r, at).json_value();
    v["session_token"].as_str().unwrap().to_owned()
}

/// Everything a refused request must leave as it was.
fn stored(sim: &Sim) -> Value {
    let mut s = sim.state_json(now());
    // (A refused BulkSubmit burns its SubmitID: the protocol, not a change to what is stored.)
    for volatile in [
        "now",
        "next_due",
        "webhooks_pending",
        "tokens",
        "burned_submit_ids",
    ] {
        s[volatile].take();
    }
    json!({"state": s, "messages": sim.messages_json()})
}

fn request(method: Method, path: &str, tok: &str, ov: Option<&str>, body: Vec<u8>) -> ApiRequest {
    let mut r = ApiRequest::new(method, path);
    r.headers
        .insert("authorization", format!("Bearer {tok}").parse().unwrap());
    if let Some(o) = ov {
        r.headers
            .insert("x-http-method-override", o.parse().unwrap());
    }
    r.headers
        .insert("x-pb-submit-id", "PROP-1".parse().unwrap());
    r.headers
        .insert("x-pb-message-digest", digest(&body).parse().unwrap());
    r.body = body.into();
    r
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,30}".prop_map(Value::from),
        "[0-9]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("mgtKey".to_owned()),
                    Just("tradeDT".to_owned()),
                    Just("totalAmount".to_owned()),
                    Just("identityNum".to_owned()),
                    Just("orderNumber".to_owned()),
                    "[a-zA-Z]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bulk_bodies_never_panic_and_refusals_store_nothing(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let (mut sim, tok) = sim_and_token();
        let before = stored(&sim);
        let resp = sim.handle_raw(&request(Method::POST, "/Cashbill", &tok, Some("BULKISSUE"), body), now());
        prop_assert!(resp.status == 200 || resp.status == 400, "{}", resp.status);
        if resp.status != 200 {
            prop_assert_eq!(stored(&sim), before);
        }
    }

    #[test]
    fn arbitrary_json_receipts_never_panic_through_processing(items in prop::collection::vec(json_value(), 0..5)) {
        let (mut sim, tok) = sim_and_token();
        let body = serde_json::to_vec(&json!({ "cashbills": items })).unwrap();
        let before = stored(&sim);
        let resp = sim.handle_raw(&request(Method::POST, "/Cashbill", &tok, Some("BULKISSUE"), body), now());
        if resp.status == 200 {
            // Processing, the midnight filing and the 11:00 results all fall within two days.
            let mut ok = |_: &mock_server::sim::Outgoing| mock_server::sim::Attempt { http_status: Some(200), ok: true, error: None };
            prop_assert!(sim.drive(now(), now().plus_secs(2 * 86_400), &mut ok).is_ok());
            prop_assert_eq!(sim.next_due(), None);
        } else {
            prop_assert_eq!(stored(&sim), before);
        }
    }

    #[test]
    fn arbitrary_bodies_to_other_endpoints_never_panic_or_change_state(
        body in prop::collection::vec(any::<u8>(), 0..256),
        which in 0usize..8,
    ) {
        let (mut sim, tok) = sim_and_token();
        let before = stored(&sim);
        let req = match which {
            0 => request(Method::POST, "/Cashbill/States", &tok, None, body),
            1 => request(Method::POST, "/POPBILL_TEST/Token", &tok, None, body),
            2 => request(Method::POST, "/Cashbill", &tok, Some("REVOKEISSUE"), body),
            3 => request(Method::POST, "/Cashbill/P-1", &tok, Some("EMAIL"), body),
            4 => request(Method::POST, "/Cashbill/P-1", &tok, Some("SMS"), body),
            5 => request(Method::POST, "/Cashbill/Prints", &tok, None, body),
            6 => request(Method::POST, "/Cashbill/P-1", &tok, Some("DELETE"), body),
            _ => request(Method::POST, "/Cashbill", &tok, Some("ISSUE"), body),
        };
        let resp = sim.handle_raw(&req, now());
        prop_assert!(resp.status != 500);
        if resp.status != 200 {
            prop_assert_eq!(stored(&sim), before);
        }
    }

    #[test]
    fn arbitrary_queries_to_search_views_and_settings_never_panic_or_change_state(
        query in "[ -~]{0,80}",
        which in 0usize..4,
    ) {
        let (mut sim, tok) = sim_and_token();
        let before = stored(&sim);
        let (method, path) = match which {
            0 => (Method::GET, "/Cashbill/Search"),
            1 => (Method::POST, "/Cashbill/EmailSendConfig"),
            2 => (Method::GET, "/Cashbill/P-1"),
            _ => (Method::GET, "/_mock/view/print"),
        };
        let mut req = request(method, path, &tok, None, Vec::new());
        req.query = Some(query);
        let resp = sim.handle_raw(&req, now());
        prop_assert!(resp.status >= 200 && resp.status < 600 && resp.status != 500);
        if resp.status != 200 {
            prop_assert_eq!(stored(&sim), before);
        }
    }

    #[test]
    fn arbitrary_paths_and_headers_route_without_panicking(path in "/[ -~]{0,60}", header in "[ -~]{0,60}") {
        let (mut sim, tok) = sim_and_token();
        let mut req = request(Method::GET, &path, &tok, None, Vec::new());
        if let Ok(v) = header.parse() {
            req.headers.insert("x-pb-submit-id", v);
        }
        let _ = route(&req);
        let resp = sim.handle_raw(&req, now());
        prop_assert!(resp.status >= 200 && resp.status < 600);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_control_bodies_never_panic_and_refusals_change_nothing(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..128),
            json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        ],
    ) {
        let mut settings = mock_server::sim::settings::Settings::from_config(&Config::default());
        let before = settings.clone();
        if settings.apply(&body).is_err() {
            prop_assert_eq!(&settings, &before);
        }
        let mut faults = mock_server::sim::faults::FaultBook::new(0);
        let listed = faults.to_json();
        let api = faults.add_api(&body);
        let hook = faults.add_hook(&body);
        if api.is_err() && hook.is_err() {
            prop_assert_eq!(faults.to_json(), listed);
        }
        let _ = mock_server::sim::clock::parse_control_time(&String::from_utf8_lossy(&body));
        let _ = mock_server::sim::clock::parse_lh_date(&String::from_utf8_lossy(&body));
    }
}

/// A sim whose receipt `K-1` (10000 + 1000 + 500) is filed (304), at 11:00 on the 12th.
fn sim_with_filed_original() -> (Sim, String, Value, SimTime) {
    let (mut sim, tok) = sim_and_token();
    let c = json!({"mgtKey": "K-1", "tradeType": "승인거래", "tradeUsage": "소득공제용",
                   "taxationType": "과세", "totalAmount": "11500", "supplyCost": "10000",
                   "tax": "1000", "serviceFee": "500", "franchiseCorpNum": "1234567890",
                   "identityNum": "01012345678"});
    let mut issue = request(Method::POST, "/Cashbill", &tok, Some("ISSUE"), Vec::new());
    issue.body = serde_json::to_vec(&c).unwrap().into();
    assert_eq!(sim.handle_raw(&issue, now()).status, 200);
    let eleven = parse_control_time("20250712110000").unwrap();
    let mut ok = |_: &mock_server::sim::Outgoing| mock_server::sim::Attempt {
        http_status: Some(200),
        ok: true,
        error: None,
    };
    sim.drive(now(), eleven, &mut ok)
        .expect("the simulation becomes idle");
    let tok = token_at(&mut sim, eleven);
    let info = sim
        .handle_raw(
            &request(Method::GET, "/Cashbill/K-1", &tok, None, Vec::new()),
            eleven,
        )
        .json_value();
    assert_eq!(info["stateCode"], 304);
    (sim, tok, info, eleven)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn partial_cancellations_never_exceed_the_original_and_fit_exactly_what_is_left(
        parts in prop::collection::vec((0u64..6000, 0u64..=10, 0u64..300), 1..8),
    ) {
        let (mut sim, tok, org, at) = sim_with_filed_original();
        let mut left = [10000u64, 1000, 500];
        for (i, (supply, tax_tenths, fee)) in parts.into_iter().enumerate() {
            let tax = supply * tax_tenths / 100;
            let total = supply + tax + fee;
            let body = json!({"mgtKey": format!("R-{i}"), "orgConfirmNum": org["confirmNum"],
                              "orgTradeDate": org["tradeDate"], "isPartCancel": true,
                              "supplyCost": supply.to_string(), "tax": tax.to_string(),
                              "serviceFee": fee.to_string(), "totalAmount": total.to_string()});
            let req = request(Method::POST, "/Cashbill", &tok, Some("REVOKEISSUE"),
                              serde_json::to_vec(&body).unwrap());
            let resp = sim.handle_raw(&req, at);
            let fits = total <= left.iter().sum::<u64>()
                && supply <= left[0] && tax <= left[1] && fee <= left[2];
            prop_assert_eq!(resp.status == 200, fits, "{:?} with {:?} left: {:?}",
                            (supply, tax, fee), left, resp.json_value());
            if fits {
                left = [left[0] - supply, left[1] - tax, left[2] - fee];
            }
        }
        let state = sim.state_json(at);
        let original = state["cashbills"].as_array().unwrap().iter()
            .find(|c| c["mgt_key"] == "K-1").unwrap().clone();
        let cancelled = original["cancelled"]["total_amount"].as_u64().unwrap_or(0);
        prop_assert_eq!(cancelled, 11500 - left.iter().sum::<u64>());
        prop_assert!(cancelled <= 11500);
    }

    #[test]
    fn arbitrary_json_revoke_bodies_never_panic_and_refusals_change_nothing(
        fields in prop::collection::btree_map(
            prop_oneof![
                Just("mgtKey".to_owned()), Just("orgConfirmNum".to_owned()),
                Just("orgTradeDate".to_owned()), Just("isPartCancel".to_owned()),
                Just("cancelType".to_owned()), Just("supplyCost".to_owned()),
                Just("totalAmount".to_owned()), Just("tradeDT".to_owned()),
            ],
            json_value(),
            0..8,
        ),
        use_original in any::<bool>(),
    ) {
        let (mut sim, tok, org, at) = sim_with_filed_original();
        let mut body: serde_json::Map<String, Value> = fields.into_iter().collect();
        if use_original {
            body.insert("orgConfirmNum".into(), org["confirmNum"].clone());
            body.insert("orgTradeDate".into(), org["tradeDate"].clone());
        }
        let before = sim.state_json(at)["cashbills"].clone();
        let req = request(Method::POST, "/Cashbill", &tok, Some("REVOKEISSUE"),
                          serde_json::to_vec(&Value::Object(body)).unwrap());
        let resp = sim.handle_raw(&req, at);
        prop_assert!(matches!(resp.status, 200 | 400 | 409), "{}", resp.status);
        if resp.status != 200 {
            prop_assert_eq!(sim.state_json(at)["cashbills"].clone(), before);
        }
    }
}
