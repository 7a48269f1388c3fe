//! Routing: every SDK path to its call, resource paths never to GetInfo, unsimulated calls named.

use http::Method;

use crate::sim::request::ApiRequest;
use crate::sim::route::{Route, route};

fn req(method: Method, path: &str, ov: Option<&str>) -> ApiRequest {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (path, None),
    };
    let mut r = ApiRequest::new(method, path);
    r.query = query;
    if let Some(v) = ov {
        r.headers
            .insert("x-http-method-override", v.parse().unwrap());
    }
    r
}

#[test]
fn routes_match_the_sdk_paths() {
    let key = |k: &str| k.to_owned();
    let cases = [
        (req(Method::GET, "/Time", None), Route::Time),
        (
            req(Method::POST, "/POPBILL_TEST/Token", None),
            Route::Token {
                service_id: "POPBILL_TEST",
            },
        ),
        (
            req(Method::GET, "/POPBILL_TEST/Point", None),
            Route::Balance,
        ),
        (
            req(Method::GET, "/POPBILL/PartnerPoint", None),
            Route::PartnerBalance,
        ),
        (
            req(Method::POST, "/Cashbill", Some("BULKISSUE")),
            Route::BulkSubmit,
        ),
        (
            req(Method::POST, "/Cashbill/", Some("bulkissue")),
            Route::BulkSubmit,
        ),
        (
            req(Method::POST, "/Cashbill", Some("ISSUE")),
            Route::RegistIssue,
        ),
        (
            req(Method::POST, "/Cashbill/", Some("RevokeIssue")),
            Route::RevokeRegistIssue,
        ),
        (req(Method::POST, "/Cashbill/States", None), Route::GetInfos),
        (
            req(Method::GET, "/Cashbill/BULK/S-1/State", None),
            Route::GetBulkResult {
                submit_id: "S-1".into(),
            },
        ),
        (
            req(Method::GET, "/Cashbill/K-1", None),
            Route::GetInfo {
                mgt_key: key("K-1"),
            },
        ),
        (
            req(Method::GET, "/Cashbill?cfg=UNITCOST", None),
            Route::UnitCost,
        ),
        (
            req(Method::GET, "/Cashbill/ChargeInfo", None),
            Route::ChargeInfo,
        ),
        (
            req(Method::GET, "/Cashbill/Search?DType=R&SDate=20250711", None),
            Route::Search,
        ),
        (
            req(Method::GET, "/Cashbill/EmailSendConfig", None),
            Route::ListEmailConfig,
        ),
        (
            req(
                Method::POST,
                "/Cashbill/EmailSendConfig?EmailType=CSH_ISSUE&SendYN=true",
                None,
            ),
            Route::UpdateEmailConfig,
        ),
        (
            req(Method::POST, "/Cashbill/Prints", None),
            Route::MassPrint,
        ),
        (
            req(Method::GET, "/Cashbill/K-1?Detail", None),
            Route::DetailInfo {
                mgt_key: key("K-1"),
            },
        ),
        (
            req(Method::GET, "/Cashbill/K-1/Logs", None),
            Route::Logs {
                mgt_key: key("K-1"),
            },
        ),
        (
            req(Method::GET, "/Cashbill/K-1?TG=PRINT", None),
            Route::ViewUrl {
                mgt_key: key("K-1"),
                togo: "PRINT".into(),
            },
        ),
        (
            req(Method::POST, "/Cashbill/K-1", Some("DELETE")),
            Route::Delete {
                mgt_key: key("K-1"),
            },
        ),
        (
            req(Method::POST, "/Cashbill/K-1", Some("EMAIL")),
            Route::SendEmail {
                mgt_key: key("K-1"),
            },
        ),
        (
            req(Method::POST, "/Cashbill/K-1", Some("SMS")),
            Route::SendSms {
                mgt_key: key("K-1"),
            },
        ),
        (
            req(Method::GET, "/_mock/view/025071110123456789", None),
            Route::ViewPage {
                rest: "025071110123456789".into(),
            },
        ),
        (
            req(Method::GET, "/_mock/clock", None),
            Route::Control {
                rest: "clock".into(),
            },
        ),
        (req(Method::GET, "/nope", None), Route::NotFound),
    ];
    for (r, want) in cases {
        assert_eq!(route(&r), want, "{} {}", r.method, r.path);
    }
}

#[test]
fn resource_paths_never_reach_get_info() {
    for (method, path) in [
        (Method::GET, "/Cashbill/States"),
        (Method::GET, "/Cashbill/Prints"),
        (Method::POST, "/Cashbill/ChargeInfo"),
        (Method::POST, "/Cashbill/Search"),
        (Method::GET, "/Cashbill/BULK"),
        (Method::GET, "/Cashbill/BULK/S-1"),
        (Method::DELETE, "/Cashbill/EmailSendConfig"),
    ] {
        let r = route(&req(method.clone(), path, None));
        assert_eq!(r, Route::NotFound, "{method} {path}");
    }
}

#[test]
fn calls_the_mock_does_not_simulate_are_named() {
    for (method, path, ov, name) in [
        (Method::POST, "/Cashbill", None, "Register"),
        (Method::POST, "/Cashbill", Some("REVOKE"), "RevokeRegister"),
        (Method::POST, "/Cashbill/K-1", Some("FAX"), "SendFAX"),
        (
            Method::POST,
            "/Cashbill/K-1",
            Some("CANCELISSUE"),
            "CancelIssue",
        ),
        (Method::POST, "/Cashbill/K-1", Some("PATCH"), "Update"),
        (Method::GET, "/Cashbill/K-1?PDF", None, "GetPDF"),
        (Method::GET, "/Cashbill?TG=TBOX", None, "GetURL"),
        (
            Method::GET,
            "/POPBILL_TEST/URL?TG=CHRG",
            None,
            "GetPartnerURL",
        ),
    ] {
        match route(&req(method.clone(), path, ov)) {
            Route::NotSimulated { what } => assert!(what.contains(name), "{what}"),
            other => panic!("{method} {path}: {other:?}"),
        }
    }
}
