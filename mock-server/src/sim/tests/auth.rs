//! Linkhub token issuance and the bearer check.

use super::*;

#[test]
fn tokens_expire_after_their_lifetime_and_on_demand() {
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
        (br#"{"access_id":1}"#, codes::LH_BAD_REQUEST),
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

/// The real wall clock far from the simulated one (a clock started in 2025, run today).
fn wall() -> SimTime {
    t0().plus_secs(400 * 86_400)
}

fn at(sim: SimTime, wall: SimTime) -> Now {
    Now { sim, wall }
}

fn token_at(sim: &mut Sim, signed: SimTime, now: Now) -> ApiResponse {
    sim.handle_raw(&token_request(signed), now)
}

#[test]
fn on_real_time_a_token_signed_by_the_wall_clock_outlives_a_jump_of_days_on_the_simulated_one() {
    let mut sim = sim_with(Config::default());
    let resp = token_at(&mut sim, wall(), at(t0(), wall()));
    assert_eq!(resp.status, 200, "{:?}", resp.json_value());
    let v = resp.json_value();
    // The SDK compares this with its own clock: it is an hour after the wall time it signed.
    assert_eq!(v["expiration"], wall().plus_secs(3600).linkhub_millis());
    let tok = v["session_token"].as_str().unwrap();
    let three_days_later = at(t0().plus_secs(3 * 86_400), wall().plus_secs(10));
    let r = sim.handle_raw(&get(tok, "/Cashbill/NOPE"), three_days_later);
    assert_eq!(r.code, Some(codes::NOT_FOUND), "still a good token");
    let an_hour_later = at(t0().plus_secs(3 * 86_400), wall().plus_secs(3600));
    let r = sim.handle_raw(&get(tok, "/Cashbill/NOPE"), an_hour_later);
    assert_eq!(r.code, Some(codes::SESSION_EXPIRED), "an hour of real time");
    // And the SDK's next token, signed by its clock again, is accepted after the jump.
    let again = token_at(&mut sim, wall().plus_secs(3600), an_hour_later);
    assert_eq!(again.status, 200, "{:?}", again.json_value());
}

#[test]
fn on_real_time_a_client_signing_with_get_time_is_accepted_and_its_token_follows_both_clocks() {
    let mut sim = sim_with(Config::default());
    let resp = token_at(&mut sim, t0(), at(t0(), wall()));
    assert_eq!(resp.status, 200, "{:?}", resp.json_value());
    let v = resp.json_value();
    assert_eq!(v["expiration"], t0().plus_secs(3600).linkhub_millis());
    let tok = v["session_token"].as_str().unwrap();
    // The simulated clock jumps days ahead within a minute of real time: still good (the
    // client may refresh early; it never finds its token refused).
    let jumped = at(t0().plus_secs(3 * 86_400), wall().plus_secs(60));
    let r = sim.handle_raw(&get(tok, "/Cashbill/NOPE"), jumped);
    assert_eq!(r.code, Some(codes::NOT_FOUND));
    // A frozen simulated clock while hours of real time pass: still good, as its clock says.
    let frozen = at(t0().plus_secs(60), wall().plus_secs(5 * 3600));
    let r = sim.handle_raw(&get(tok, "/Cashbill/NOPE"), frozen);
    assert_eq!(r.code, Some(codes::NOT_FOUND));
    // Past both ends: expired.
    let both = at(t0().plus_secs(3600), wall().plus_secs(3600));
    let r = sim.handle_raw(&get(tok, "/Cashbill/NOPE"), both);
    assert_eq!(r.code, Some(codes::SESSION_EXPIRED));
    // After the jump, `GET /Time` answers the new simulated time; signing with it works.
    let time = sim.handle_raw(&ApiRequest::new(Method::GET, "/Time"), jumped);
    assert_eq!(
        String::from_utf8_lossy(&time.bytes()),
        t0().plus_secs(3 * 86_400).linkhub()
    );
    let again = token_at(&mut sim, t0().plus_secs(3 * 86_400), jumped);
    assert_eq!(again.status, 200, "{:?}", again.json_value());
}

#[test]
fn on_simulated_auth_only_the_simulated_clock_signs_and_tokens_expire_on_it() {
    let mut sim = sim_with(Config {
        auth_clock: crate::sim::config::AuthClock::Simulated,
        ..Config::default()
    });
    let by_wall = token_at(&mut sim, wall(), at(t0(), wall()));
    assert_eq!(by_wall.code, Some(codes::LH_DATE_SKEW));
    let resp = token_at(&mut sim, t0(), at(t0(), wall()));
    assert_eq!(resp.status, 200);
    let tok = resp.json_value()["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = sim.handle_raw(
        &get(&tok, "/Cashbill/NOPE"),
        at(t0().plus_secs(3600), wall()),
    );
    assert_eq!(
        r.code,
        Some(codes::SESSION_EXPIRED),
        "a simulated hour is enough"
    );
}
