//! Routing: a plain `match` on method, path and `X-HTTP-Method-Override`, exactly as the
//! official SDKs send each call (docs/PROTOCOL.md §2.3, §9).
//!
//! Paths under `/Cashbill/` that name a resource (`ChargeInfo`, `Search`, `States`, `Prints`,
//! `EmailSendConfig`, `BULK`) are never taken for a document key; POPBiLL calls the mock does
//! not simulate get [`Route::NotSimulated`] with the SDK's name for the call.

use http::Method;

use super::request::ApiRequest;

/// The POPBiLL calls the mock simulates (fault rules target these names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Token,
    BulkSubmit,
    GetBulkResult,
    GetInfo,
    GetInfos,
    RegistIssue,
    GetBalance,
    GetPartnerBalance,
    GetUnitCost,
    GetChargeInfo,
    Delete,
    Search,
    GetDetailInfo,
    GetLogs,
    SendEmail,
    SendSms,
    ListEmailConfig,
    UpdateEmailConfig,
    GetViewUrl,
    GetMassPrintUrl,
    RevokeRegistIssue,
}

impl Endpoint {
    pub const ALL: [Endpoint; 21] = [
        Endpoint::Token,
        Endpoint::BulkSubmit,
        Endpoint::GetBulkResult,
        Endpoint::GetInfo,
        Endpoint::GetInfos,
        Endpoint::RegistIssue,
        Endpoint::GetBalance,
        Endpoint::GetPartnerBalance,
        Endpoint::GetUnitCost,
        Endpoint::GetChargeInfo,
        Endpoint::Delete,
        Endpoint::Search,
        Endpoint::GetDetailInfo,
        Endpoint::GetLogs,
        Endpoint::SendEmail,
        Endpoint::SendSms,
        Endpoint::ListEmailConfig,
        Endpoint::UpdateEmailConfig,
        Endpoint::GetViewUrl,
        Endpoint::GetMassPrintUrl,
        Endpoint::RevokeRegistIssue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::BulkSubmit => "bulk_submit",
            Endpoint::GetBulkResult => "get_bulk_result",
            Endpoint::GetInfo => "get_info",
            Endpoint::GetInfos => "get_infos",
            Endpoint::RegistIssue => "regist_issue",
            Endpoint::GetBalance => "get_balance",
            Endpoint::GetPartnerBalance => "get_partner_balance",
            Endpoint::GetUnitCost => "get_unit_cost",
            Endpoint::GetChargeInfo => "get_charge_info",
            Endpoint::Delete => "delete",
            Endpoint::Search => "search",
            Endpoint::GetDetailInfo => "get_detail_info",
            Endpoint::GetLogs => "get_logs",
            Endpoint::SendEmail => "send_email",
            Endpoint::SendSms => "send_sms",
            Endpoint::ListEmailConfig => "list_email_config",
            Endpoint::UpdateEmailConfig => "update_email_config",
            Endpoint::GetViewUrl => "get_view_url",
            Endpoint::GetMassPrintUrl => "get_mass_print_url",
            Endpoint::RevokeRegistIssue => "revoke_regist_issue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Endpoint::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /Time`.
    Time,
    /// `POST /{POPBILL_TEST|POPBILL}/Token`.
    Token {
        service_id: &'static str,
    },
    /// `GET /{ServiceID}/Point`.
    Balance,
    /// `GET /{ServiceID}/PartnerPoint`.
    PartnerBalance,
    BulkSubmit,
    RegistIssue,
    /// `POST /Cashbill` + `REVOKEISSUE`: issue a cancellation receipt (취소거래).
    RevokeRegistIssue,
    GetBulkResult {
        submit_id: String,
    },
    /// `GET /Cashbill/{MgtKey}` (also CheckMgtKeyInUse).
    GetInfo {
        mgt_key: String,
    },
    GetInfos,
    /// `GET /Cashbill?cfg=UNITCOST`.
    UnitCost,
    /// `GET /Cashbill/ChargeInfo`.
    ChargeInfo,
    /// `GET /Cashbill/Search?…`.
    Search,
    /// `GET /Cashbill/EmailSendConfig`.
    ListEmailConfig,
    /// `POST /Cashbill/EmailSendConfig?EmailType=…&SendYN=…`.
    UpdateEmailConfig,
    /// `POST /Cashbill/Prints` (GetMassPrintURL).
    MassPrint,
    /// `GET /Cashbill/{MgtKey}?Detail`.
    DetailInfo {
        mgt_key: String,
    },
    /// `GET /Cashbill/{MgtKey}/Logs`.
    Logs {
        mgt_key: String,
    },
    /// `GET /Cashbill/{MgtKey}?TG=…` (GetViewURL, GetPrintURL, …).
    ViewUrl {
        mgt_key: String,
        togo: String,
    },
    /// `POST /Cashbill/{MgtKey}` + `DELETE`.
    Delete {
        mgt_key: String,
    },
    /// `POST /Cashbill/{MgtKey}` + `EMAIL`.
    SendEmail {
        mgt_key: String,
    },
    /// `POST /Cashbill/{MgtKey}` + `SMS`.
    SendSms {
        mgt_key: String,
    },
    /// `GET /_mock/view/…`: the page a view URL points at (the mock's own).
    ViewPage {
        rest: String,
    },
    /// A real POPBiLL call this mock does not simulate (501), by the SDKs' name for it.
    NotSimulated {
        what: String,
    },
    /// Anything else under `/_mock/` (the control API; the rest of the path).
    Control {
        rest: String,
    },
    NotFound,
}

impl Route {
    pub fn endpoint(&self) -> Option<Endpoint> {
        Some(match self {
            Route::Token { .. } => Endpoint::Token,
            Route::BulkSubmit => Endpoint::BulkSubmit,
            Route::RegistIssue => Endpoint::RegistIssue,
            Route::RevokeRegistIssue => Endpoint::RevokeRegistIssue,
            Route::GetBulkResult { .. } => Endpoint::GetBulkResult,
            Route::GetInfo { .. } => Endpoint::GetInfo,
            Route::GetInfos => Endpoint::GetInfos,
            Route::Balance => Endpoint::GetBalance,
            Route::PartnerBalance => Endpoint::GetPartnerBalance,
            Route::UnitCost => Endpoint::GetUnitCost,
            Route::ChargeInfo => Endpoint::GetChargeInfo,
            Route::Search => Endpoint::Search,
            Route::ListEmailConfig => Endpoint::ListEmailConfig,
            Route::UpdateEmailConfig => Endpoint::UpdateEmailConfig,
            Route::MassPrint => Endpoint::GetMassPrintUrl,
            Route::DetailInfo { .. } => Endpoint::GetDetailInfo,
            Route::Logs { .. } => Endpoint::GetLogs,
            Route::ViewUrl { .. } => Endpoint::GetViewUrl,
            Route::Delete { .. } => Endpoint::Delete,
            Route::SendEmail { .. } => Endpoint::SendEmail,
            Route::SendSms { .. } => Endpoint::SendSms,
            Route::Time
            | Route::ViewPage { .. }
            | Route::NotSimulated { .. }
            | Route::Control { .. }
            | Route::NotFound => return None,
        })
    }

    /// Calls that carry `Authorization: Bearer {session_token}`.
    pub fn needs_bearer(&self) -> bool {
        !matches!(
            self,
            Route::Time
                | Route::Token { .. }
                | Route::ViewPage { .. }
                | Route::NotSimulated { .. }
                | Route::Control { .. }
                | Route::NotFound
        )
    }
}

/// Names under `/Cashbill/` that are resources, never document keys.
const RESERVED: [&str; 6] = [
    "ChargeInfo",
    "Search",
    "States",
    "Prints",
    "EmailSendConfig",
    "BULK",
];

fn not_simulated(what: impl Into<String>) -> Route {
    Route::NotSimulated { what: what.into() }
}

/// Route a request.
pub fn route(req: &ApiRequest) -> Route {
    let path = req.path.as_str();
    if let Some(rest) = path.strip_prefix("/_mock/view/")
        && req.method == Method::GET
    {
        return Route::ViewPage {
            rest: rest.to_owned(),
        };
    }
    if let Some(rest) = path.strip_prefix("/_mock/") {
        return Route::Control {
            rest: rest.to_owned(),
        };
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    let ov = req.method_override();
    match (get, post, segs.as_slice()) {
        (true, _, ["Time"]) => Route::Time,
        (_, true, [sid @ ("POPBILL_TEST" | "POPBILL"), "Token"]) => Route::Token {
            service_id: if *sid == "POPBILL" {
                "POPBILL"
            } else {
                "POPBILL_TEST"
            },
        },
        (true, _, ["POPBILL_TEST" | "POPBILL", "Point"]) => Route::Balance,
        (true, _, ["POPBILL_TEST" | "POPBILL", "PartnerPoint"]) => Route::PartnerBalance,
        (true, _, ["POPBILL_TEST" | "POPBILL", "URL"]) => not_simulated("GetPartnerURL"),
        (true, _, ["POPBILL_TEST" | "POPBILL", other]) => {
            not_simulated(format!("Linkhub GET /{{ServiceID}}/{other}"))
        }
        // .NET posts to `/Cashbill/` (trailing slash), the others to `/Cashbill`.
        (_, true, ["Cashbill"] | ["Cashbill", ""]) => match ov.as_deref() {
            Some("BULKISSUE") => Route::BulkSubmit,
            Some("ISSUE") => Route::RegistIssue,
            None => not_simulated("Register (POST /Cashbill without X-HTTP-Method-Override)"),
            Some("REVOKEISSUE") => Route::RevokeRegistIssue,
            Some("REVOKE") => not_simulated("RevokeRegister (REVOKE)"),
            Some("BULKISSUECN") => not_simulated("BulkSubmit with confirmNum (BULKISSUECN)"),
            Some("ISSUECN") => not_simulated("RegistIssue with confirmNum (ISSUECN)"),
            Some(other) => not_simulated(format!("POST /Cashbill with override {other}")),
        },
        (true, _, ["Cashbill"] | ["Cashbill", ""]) => {
            if req.param("cfg").as_deref() == Some("UNITCOST") {
                Route::UnitCost
            } else if let Some(tg) = req.param("TG") {
                not_simulated(format!("GetURL (TG={tg})"))
            } else {
                not_simulated(format!("GET {path}"))
            }
        }
        (true, _, ["Cashbill", "ChargeInfo"]) => Route::ChargeInfo,
        (true, _, ["Cashbill", "Search"]) => Route::Search,
        (_, true, ["Cashbill", "States"]) => Route::GetInfos,
        (_, true, ["Cashbill", "Prints"]) => Route::MassPrint,
        (true, _, ["Cashbill", "EmailSendConfig"]) => Route::ListEmailConfig,
        (_, true, ["Cashbill", "EmailSendConfig"]) => Route::UpdateEmailConfig,
        (true, _, ["Cashbill", "BULK", id, "State"]) => Route::GetBulkResult {
            submit_id: (*id).to_owned(),
        },
        (_, _, ["Cashbill", name, ..]) if RESERVED.contains(name) => Route::NotFound,
        (true, _, ["Cashbill", key]) if !key.is_empty() => document_get(req, key),
        (true, _, ["Cashbill", key, "Logs"]) if !key.is_empty() => Route::Logs {
            mgt_key: (*key).to_owned(),
        },
        (_, true, ["Cashbill", key]) if !key.is_empty() => {
            let mgt_key = (*key).to_owned();
            match ov.as_deref() {
                Some("DELETE") => Route::Delete { mgt_key },
                Some("EMAIL") => Route::SendEmail { mgt_key },
                Some("SMS") => Route::SendSms { mgt_key },
                Some("FAX") => not_simulated("SendFAX (FAX)"),
                Some("PATCH") => not_simulated("Update (PATCH)"),
                Some("ISSUE") => not_simulated("Issue of a draft (ISSUE on /Cashbill/{MgtKey})"),
                Some("CANCELISSUE") => not_simulated("CancelIssue (CANCELISSUE)"),
                None => not_simulated("AssignMgtKey (POST /Cashbill/{ItemKey})"),
                Some(other) => {
                    not_simulated(format!("POST /Cashbill/{{MgtKey}} with override {other}"))
                }
            }
        }
        (_, _, ["Cashbill", ..]) => not_simulated(format!("{} {path}", req.method)),
        _ => Route::NotFound,
    }
}

/// `GET /Cashbill/{MgtKey}` with its query: GetInfo, `?Detail`, `?TG=…`, `?PDF`.
fn document_get(req: &ApiRequest, key: &str) -> Route {
    let mgt_key = key.to_owned();
    let params = req.query_pairs();
    if params.is_empty() {
        return Route::GetInfo { mgt_key };
    }
    if let Some((_, tg)) = params.iter().find(|(k, _)| k == "TG") {
        return Route::ViewUrl {
            mgt_key,
            togo: tg.clone(),
        };
    }
    if params.iter().any(|(k, _)| k == "Detail") {
        return Route::DetailInfo { mgt_key };
    }
    if params.iter().any(|(k, _)| k == "PDF") {
        return not_simulated("GetPDF (GET /Cashbill/{MgtKey}?PDF)");
    }
    not_simulated(format!(
        "GET /Cashbill/{{MgtKey}}?{}",
        req.query.as_deref().unwrap_or("")
    ))
}
