//! Which route a request is for, and the index `GET /` answers: both from [`ROUTES`], so the index
//! lists exactly what the router serves (a test walks the table through the router).

use serde::Serialize;

/// One route, as the index shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    /// The credentials it takes.
    pub auth: &'static str,
    pub answers: &'static str,
}

const BEARER: &str = "Authorization: Bearer <API_TOKEN>";

/// Every route the Worker serves.
pub const ROUTES: &[RouteInfo] = &[
    RouteInfo {
        method: "GET",
        path: "/",
        auth: "none",
        answers: "this index",
    },
    RouteInfo {
        method: "GET",
        path: "/healthz",
        auth: "none",
        answers: "whether KV answers and the settings are usable",
    },
    RouteInfo {
        method: "POST",
        path: "/v1/submissions",
        auth: BEARER,
        answers: "submit up to 100 cash receipts in POPBiLL's field names",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/submissions/{submitID}",
        auth: BEARER,
        answers: "a submission, its counts and every receipt",
    },
    RouteInfo {
        method: "POST",
        path: "/v1/refunds",
        auth: BEARER,
        answers: "refund up to 100 receipts (cancellation receipts, held until POPBiLL can take them)",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/refunds/{refundID}",
        auth: BEARER,
        answers: "a refund request, its counts and every cancellation receipt",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/cashbills/{mgtKey}",
        auth: BEARER,
        answers: "one receipt, an original with its refunds (?corpNum= for another allowed CorpNum)",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/notifications/failed",
        auth: BEARER,
        answers: "events the merchant's endpoint never accepted (?cursor= for the next page)",
    },
    RouteInfo {
        method: "POST",
        path: "/v1/notifications/replay",
        auth: BEARER,
        answers: "send events again: {\"ids\":[…]}, {\"all\":true} or {\"submitID\":\"…\"}",
    },
    RouteInfo {
        method: "POST",
        path: "/v1/popbill/webhook",
        auth: "X-Api-Key or Basic (WEBHOOK_API_KEY, WEBHOOK_BASIC_AUTH)",
        answers: "POPBiLL's webhook events",
    },
];

/// A request the Worker serves, with its path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    Index,
    Health,
    Submit,
    Submission(&'a str),
    Refund,
    RefundRequest(&'a str),
    Cashbill(&'a str),
    FailedEvents,
    Replay,
    Webhook,
}

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routed<'a> {
    To(Route<'a>),
    /// The path exists, the method does not.
    MethodNotAllowed,
    NotFound,
}

/// The route for `method` (upper case, as HTTP spells it) and `path`.
pub fn route<'a>(method: &str, path: &'a str) -> Routed<'a> {
    let segments: Vec<&'a str> = path.trim_matches('/').split('/').collect();
    let (get, post) = (method == "GET", method == "POST");
    let found = match segments.as_slice() {
        [""] => get.then_some(Route::Index),
        ["healthz"] => get.then_some(Route::Health),
        ["v1", "submissions"] => post.then_some(Route::Submit),
        ["v1", "submissions", id] => get.then_some(Route::Submission(id)),
        ["v1", "refunds"] => post.then_some(Route::Refund),
        ["v1", "refunds", id] => get.then_some(Route::RefundRequest(id)),
        ["v1", "cashbills", key] => get.then_some(Route::Cashbill(key)),
        ["v1", "notifications", "failed"] => get.then_some(Route::FailedEvents),
        ["v1", "notifications", "replay"] => post.then_some(Route::Replay),
        ["v1", "popbill", "webhook"] => post.then_some(Route::Webhook),
        _ => return Routed::NotFound,
    };
    found.map_or(Routed::MethodNotAllowed, Routed::To)
}

/// What `GET /` answers.
#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub service: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    /// Where the API, its error codes, settings and KV costs are described.
    pub docs: &'static str,
    pub repository: &'static str,
    pub routes: &'static [RouteInfo],
}

pub fn index() -> Index {
    Index {
        service: "popbill-bulk-edge",
        version: env!("CARGO_PKG_VERSION"),
        description: env!("CARGO_PKG_DESCRIPTION"),
        docs: "edge/README.md",
        repository: env!("CARGO_PKG_REPOSITORY"),
        routes: ROUTES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_indexed_route_is_served_and_only_with_its_method() {
        for r in ROUTES {
            let path = r
                .path
                .replace("{submitID}", "S-1")
                .replace("{refundID}", "R-1")
                .replace("{mgtKey}", "K-1");
            assert!(
                matches!(route(r.method, &path), Routed::To(_)),
                "{} {path}",
                r.method
            );
            let other = if r.method == "GET" { "POST" } else { "GET" };
            assert_eq!(
                route(other, &path),
                Routed::MethodNotAllowed,
                "{other} {path}"
            );
            assert_eq!(
                route("DELETE", &path),
                Routed::MethodNotAllowed,
                "DELETE {path}"
            );
        }
    }

    #[test]
    fn paths_carry_their_parameter_and_unknown_paths_are_not_found() {
        assert_eq!(route("GET", "/"), Routed::To(Route::Index));
        assert_eq!(
            route("GET", "/v1/submissions/S-1"),
            Routed::To(Route::Submission("S-1"))
        );
        assert_eq!(
            route("GET", "/v1/cashbills/K-1/"),
            Routed::To(Route::Cashbill("K-1"))
        );
        assert_eq!(
            route("GET", "/v1/refunds/R-1"),
            Routed::To(Route::RefundRequest("R-1"))
        );
        assert_eq!(route("POST", "/v1/refunds"), Routed::To(Route::Refund));
        for path in ["/v1", "/v1/unknown", "/v1/submissions/S-1/x", "/healthz/x"] {
            assert_eq!(route("GET", path), Routed::NotFound, "{path}");
        }
    }

    #[test]
    fn the_index_names_the_service_its_version_and_its_docs() {
        let body = serde_json::to_value(index()).unwrap();
        assert_eq!(body["service"], "popbill-bulk-edge");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(body["docs"], "edge/README.md");
        assert_eq!(body["routes"].as_array().unwrap().len(), ROUTES.len());
        assert_eq!(body["routes"][2]["path"], "/v1/submissions");
    }
}
