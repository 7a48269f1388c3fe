//! Search, the view URLs and their pages, and the calls the mock does not simulate.

use super::*;

fn search(sim: &mut Sim, tok: &str, query: &str, at: SimTime) -> ApiResponse {
    let mut r = get(tok, "/Cashbill/Search");
    r.query = Some(query.to_owned());
    sim.handle_raw(&r, at)
}

fn keys(v: &Value) -> Vec<String> {
    v["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["mgtKey"].as_str().unwrap().to_owned())
        .collect()
}

/// Receipts on two days: K-1 (소득공제용), K-2 (지출증빙용, 비과세, filing fails) on the 11th,
/// K-3 on the 12th, all resulted by 11:00 on the 13th except K-3 (sent, result pending).
fn history(sim: &mut Sim) -> (String, SimTime) {
    let now = t0();
    let tok = token(sim, now);
    let mut k2 = cashbill("K-2");
    k2["tradeUsage"] = json!("지출증빙용");
    k2["identityNum"] = json!("1234567890");
    k2["taxationType"] = json!("비과세");
    k2["tax"] = json!("0");
    k2["totalAmount"] = json!("10000");
    k2["orderNumber"] = json!("SCENARIO:NTS_FAIL:TS1");
    sim.handle_raw(&bulk(&tok, "S-1", vec![cashbill("K-1"), k2]), now);
    let next = parse_control_time("20250712100000").unwrap();
    drive(sim, next, &mut ok_receiver);
    sim.handle_raw(&bulk(&tok, "S-2", vec![cashbill("K-3")]), next);
    let end = parse_control_time("20250713050000").unwrap();
    drive(sim, end, &mut ok_receiver);
    (tok, end)
}

#[test]
fn search_filters_by_date_state_usage_taxation_and_identity_in_the_sdk_shape() {
    let mut sim = sim();
    let (tok, at) = history(&mut sim);
    let all = search(&mut sim, &tok, "DType=I&SDate=20250701&EDate=20250731", at).json_value();
    assert_eq!(all["code"], 1);
    assert_eq!(all["total"], 3);
    assert_eq!(all["perPage"], 500);
    assert_eq!(all["pageNum"], 1);
    assert_eq!(all["pageCount"], 1);
    assert_eq!(keys(&all), ["K-3", "K-2", "K-1"], "newest first by default");
    let typed: Vec<popbill::wire::CashbillInfo> =
        serde_json::from_value(all["list"].clone()).unwrap();
    assert_eq!(typed.len(), 3);

    for (query, want) in [
        (
            "DType=T&SDate=20250711&EDate=20250711&Order=A",
            vec!["K-1", "K-2"],
        ),
        ("DType=R&SDate=20250712&EDate=20250712", vec!["K-3"]),
        (
            "DType=I&SDate=20250701&EDate=20250731&State=304",
            vec!["K-1"],
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&State=30*,1**&Order=A",
            vec!["K-1", "K-2", "K-3"],
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&State=305",
            vec!["K-2"],
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&TradeUsage=C",
            vec!["K-2"],
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&TaxationType=T&Order=A",
            vec!["K-1", "K-3"],
        ),
        ("DType=I&SDate=20250701&EDate=20250731&TradeType=C", vec![]),
        (
            "DType=I&SDate=20250701&EDate=20250731&TradeOpt=N,B,T",
            vec!["K-3", "K-2", "K-1"],
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&QString=1234567890",
            vec!["K-2"],
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&FranchiseTaxRegID=0001",
            vec![],
        ),
    ] {
        let v = search(&mut sim, &tok, query, at).json_value();
        assert_eq!(keys(&v), want, "{query}");
        assert_eq!(v["total"], want.len(), "{query}");
    }
}

#[test]
fn search_pages_through_results() {
    let mut sim = sim();
    let (tok, at) = history(&mut sim);
    let q = "DType=I&SDate=20250711&EDate=20250712&Order=A&PerPage=2";
    let one = search(&mut sim, &tok, &format!("{q}&Page=1"), at).json_value();
    let two = search(&mut sim, &tok, &format!("{q}&Page=2"), at).json_value();
    let three = search(&mut sim, &tok, &format!("{q}&Page=3"), at).json_value();
    assert_eq!(keys(&one), ["K-1", "K-2"]);
    assert_eq!(keys(&two), ["K-3"]);
    assert!(keys(&three).is_empty());
    assert_eq!(
        (one["pageCount"].clone(), two["pageNum"].clone()),
        (json!(2), json!(2))
    );
}

#[test]
fn bad_searches_get_popbills_codes_and_change_nothing() {
    let mut sim = sim();
    let (tok, at) = history(&mut sim);
    let before = sim.state_json(at);
    for (query, code) in [
        ("", codes::SEARCH_DTYPE_MISSING),
        (
            "DType=X&SDate=20250701&EDate=20250731",
            codes::SEARCH_DTYPE_INVALID,
        ),
        ("DType=I&EDate=20250731", codes::SEARCH_SDATE_MISSING),
        ("DType=I&SDate=20250701", codes::SEARCH_EDATE_MISSING),
        (
            "DType=I&SDate=2025-07-01&EDate=20250731",
            codes::SEARCH_SDATE_INVALID,
        ),
        (
            "DType=I&SDate=20250701&EDate=20251332",
            codes::SEARCH_EDATE_INVALID,
        ),
        (
            "DType=I&SDate=20250731&EDate=20250701",
            codes::SEARCH_EDATE_INVALID,
        ),
        (
            "DType=I&SDate=20250101&EDate=20250702",
            codes::SEARCH_RANGE_TOO_LONG,
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&State=*04",
            codes::INPUT_MAPPING,
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&TradeUsage=X",
            codes::INPUT_MAPPING,
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&Order=Z",
            codes::INPUT_MAPPING,
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&PerPage=1001",
            codes::NUMBER_INVALID,
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&Page=0",
            codes::NUMBER_INVALID,
        ),
        (
            "DType=I&SDate=20250701&EDate=20250731&Page=x",
            codes::NUMBER_INVALID,
        ),
    ] {
        let r = search(&mut sim, &tok, query, at);
        assert_eq!((r.status, r.code), (400, Some(code)), "{query}");
    }
    let r = search(
        &mut sim,
        &tok,
        "DType=I&SDate=20250101&EDate=20250701&PerPage=1000",
        at,
    );
    assert_eq!(r.status, 200, "six months to the day is allowed");
    let r = search(
        &mut sim,
        &tok,
        "DType=I&SDate=20250701&EDate=20250731&PerPage=abc",
        at,
    );
    assert_eq!(
        r.json_value()["message"],
        "숫자형식 입력값이 올바르지 않습니다.[PerPage]"
    );
    assert_eq!(sim.state_json(at), before);
}

#[test]
fn view_urls_point_at_pages_on_the_mock_that_show_the_receipt() {
    let mut sim = sim();
    let (tok, at) = history(&mut sim);
    let url_of = |sim: &mut Sim, key: &str, tg: &str| {
        let mut r = get(&tok, &format!("/Cashbill/{key}"));
        r.query = Some(format!("TG={tg}"));
        sim.handle_raw(&r, at)
    };
    let info = sim.handle_raw(&get(&tok, "/Cashbill/K-1"), at).json_value();
    for tg in ["POPUP", "VIEW", "PRINT", "EPRINT", "MAIL", "PDF"] {
        let v = url_of(&mut sim, "K-1", tg).json_value();
        let want = format!(
            "http://127.0.0.1:9080/_mock/view/{}?TG={tg}",
            info["itemKey"].as_str().unwrap()
        );
        assert_eq!(v["url"], want, "{tg}");
    }
    assert_eq!(
        url_of(&mut sim, "K-1", "NOPE").code,
        Some(codes::URL_TOGO_INVALID)
    );
    assert_eq!(
        url_of(&mut sim, "K-2", "PDF").code,
        Some(codes::PDF_NOT_ALLOWED),
        "305"
    );
    assert_eq!(
        url_of(&mut sim, "NOPE", "VIEW").code,
        Some(codes::NOT_FOUND)
    );

    let page = |sim: &mut Sim, path: &str, query: Option<String>| {
        let mut r = ApiRequest::new(Method::GET, path);
        r.query = query;
        sim.handle_raw(&r, at)
    };
    let item = info["itemKey"].as_str().unwrap();
    let p = page(
        &mut sim,
        &format!("/_mock/view/{item}"),
        Some("TG=VIEW".into()),
    );
    assert_eq!(
        (p.status, p.content_type),
        (200, "text/html; charset=utf-8")
    );
    let html = String::from_utf8(p.bytes().to_vec()).unwrap();
    assert!(html.contains("K-1") && html.contains(info["confirmNum"].as_str().unwrap()));
    assert!(
        html.contains("*******5678") && !html.contains("01012345678"),
        "identityNum masked"
    );
    assert_eq!(
        page(&mut sim, "/_mock/view/000000000000000000", None).status,
        404
    );

    let mut r = ApiRequest::new(Method::POST, "/Cashbill/Prints");
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    r.body = br#"["K-1","K-3"]"#.to_vec().into();
    let url = sim.handle_raw(&r, at).json_value()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (path, query) = url
        .strip_prefix("http://127.0.0.1:9080")
        .unwrap()
        .split_once('?')
        .unwrap();
    let p = page(&mut sim, path, Some(query.to_owned()));
    let html = String::from_utf8(p.bytes().to_vec()).unwrap();
    assert!(html.contains("K-1") && html.contains("K-3") && !html.contains("K-2"));
}

#[test]
fn mass_print_refuses_bad_key_lists_with_popbills_codes() {
    let mut sim = sim();
    let (tok, at) = history(&mut sim);
    let many: Vec<String> = (0..101).map(|i| format!("K-{i}")).collect();
    for (body, code) in [
        (b"".to_vec(), codes::PRINT_KEYS_MISSING),
        (b"[]".to_vec(), codes::PRINT_KEYS_MISSING),
        (b"{}".to_vec(), codes::BAD_JSON),
        (b"[1]".to_vec(), codes::BAD_JSON),
        (
            serde_json::to_vec(&many).unwrap(),
            codes::PRINT_TOO_MANY_KEYS,
        ),
        (br#"["K-1","NOPE"]"#.to_vec(), codes::PRINT_KEY_NOT_FOUND),
    ] {
        let mut r = ApiRequest::new(Method::POST, "/Cashbill/Prints");
        header(&mut r, "authorization", &format!("Bearer {tok}"));
        r.body = body.clone().into();
        let resp = sim.handle_raw(&r, at);
        assert_eq!(resp.code, Some(code), "{}", String::from_utf8_lossy(&body));
    }
}

#[test]
fn calls_the_mock_does_not_simulate_answer_501_naming_the_call() {
    let mut sim = sim();
    let now = t0();
    let tok = token(&mut sim, now);
    let mut r = ApiRequest::new(Method::POST, "/Cashbill/K-1");
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    header(&mut r, "x-http-method-override", "CANCELISSUE");
    let resp = sim.handle_raw(&r, now);
    assert_eq!(resp.status, 501);
    assert!(
        resp.json_value()["message"]
            .as_str()
            .unwrap()
            .contains("CancelIssue"),
        "{:?}",
        resp.json_value()
    );
    let resp = sim.handle_raw(&get(&tok, "/Cashbill/States"), now);
    assert_eq!(resp.status, 404, "a resource path is never a document key");
}
