//! The POPBiLL client: Linkhub tokens and the Cashbill calls bulk issuance needs.
//!
//! Pure logic over two seams, [`Transport`] and [`Clock`]: no runtime, no sockets, no timers.
//! It builds each request byte for byte as docs/PROTOCOL.md says, classifies every failure
//! into an [`ErrorKind`] the caller can act on, and manages session tokens in a [`TokenCache`].

mod auth;
mod config;
mod error;
mod token;
mod transport;

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha1::{Digest, Sha1};

use crate::validate::{BatchError, check_batch, check_revoke};
use crate::wire::{
    BulkCashbillResult, BulkResponse, Cashbill, CashbillInfo, IssueResponse, RevokeRequest,
};
use crate::{CorpNum, KstDateTime, MgtKey, SubmitId};

pub use auth::CASHBILL_SCOPE;
pub use config::{
    AUTH_BASE, Config, DEFAULT_TOKEN_REFRESH_MARGIN_SECS, Environment, PRODUCTION_API_BASE,
    TEST_API_BASE, TimeSource,
};
pub use error::{Error, ErrorKind};
pub use token::TokenCache;
#[cfg(not(target_arch = "wasm32"))]
pub use transport::SystemClock;
pub use transport::{
    Clock, HttpRequest, HttpResponse, ManualClock, Method, Transport, TransportError,
};

use auth::{JSON_CONTENT_TYPE, USER_AGENT};
use error::Effect;
use token::{Token, TokenKey};

/// The most mgtKeys one GetInfos call may carry; longer lists are split.
pub const MAX_INFOS_PER_CALL: usize = 1000;
/// `x-pb-version`, sent on every API call as the Java and Python SDKs do.
pub const POPBILL_API_VERSION: &str = "1.0";

/// `x-pb-message-digest`: `Base64(SHA-1(body))` over the exact bytes sent.
pub fn message_digest(body: &[u8]) -> String {
    B64.encode(Sha1::digest(body))
}

/// A POPBiLL API client for one partner (LinkID) and environment.
///
/// Cheap to build: the Worker makes one per request around a shared [`TokenCache`]
/// ([`Client::with_token_cache`]). Each call fetches or reuses the CorpNum's token; when
/// POPBiLL answers a session error (`codes::is_session_error`) the token is dropped, a fresh
/// one fetched and the call sent again, once.
pub struct Client<T: Transport, C: Clock> {
    config: Config,
    transport: T,
    clock: C,
    tokens: Arc<TokenCache>,
}

impl<T: Transport, C: Clock> fmt::Debug for Client<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

/// One API request before a token is put in.
struct ApiCall {
    method: Method,
    path: String,
    method_override: Option<&'static str>,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    effect: Effect,
}

impl ApiCall {
    fn get(path: String) -> Self {
        ApiCall {
            method: Method::Get,
            path,
            method_override: None,
            body: Vec::new(),
            headers: Vec::new(),
            effect: Effect::Read,
        }
    }

    fn post(path: &str, body: Vec<u8>, effect: Effect) -> Self {
        ApiCall {
            method: Method::Post,
            path: path.to_owned(),
            method_override: None,
            body,
            headers: Vec::new(),
            effect,
        }
    }
}

fn to_json<V: Serialize + ?Sized>(value: &V) -> Vec<u8> {
    // Cashbills, key lists and string maps have no map keys or floats that could fail.
    serde_json::to_vec(value).expect("POPBiLL request bodies always serialize")
}

fn parse<R: DeserializeOwned>(resp: &HttpResponse, what: &str, effect: Effect) -> Result<R, Error> {
    serde_json::from_slice(&resp.body).map_err(|_| Error::unreadable(resp.status, what, effect))
}

impl<T: Transport, C: Clock> Client<T, C> {
    /// A client with its own token cache.
    pub fn new(config: Config, transport: T, clock: C) -> Self {
        Client::with_token_cache(config, transport, clock, Arc::new(TokenCache::new()))
    }

    /// A client that shares `tokens` with other clients (e.g. one cache per Worker isolate).
    pub fn with_token_cache(
        config: Config,
        transport: T,
        clock: C,
        tokens: Arc<TokenCache>,
    ) -> Self {
        Client {
            config,
            transport,
            clock,
            tokens,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn token_cache(&self) -> &Arc<TokenCache> {
        &self.tokens
    }

    /// BulkSubmit (초대량 발행 접수): `POST /Cashbill` with `X-HTTP-Method-Override: BULKISSUE`,
    /// the body `{"cashbills":[…]}` in compact JSON, `x-pb-message-digest` over exactly those
    /// bytes and `x-pb-submit-id`.
    ///
    /// The answer is an acceptance (a receiptID); issuance happens later, see
    /// [`get_bulk_result`](Self::get_bulk_result). An empty batch, more than 100 cashbills or a
    /// repeated mgtKey is refused before sending (POPBiLL would refuse it and burn the SubmitID),
    /// as [`ErrorKind::InvalidRequest`] with POPBiLL's code. A timeout is
    /// [`ErrorKind::Ambiguous`]: ask GetBulkResult before resubmitting.
    pub async fn bulk_submit(
        &self,
        corp: &CorpNum,
        submit_id: &SubmitId,
        cashbills: &[Cashbill],
    ) -> Result<BulkResponse, Error> {
        check_batch(cashbills.iter().map(|c| c.mgt_key.as_deref()))
            .map_err(|e: BatchError| Error::refused_locally(e.code(), e.to_string()))?;
        #[derive(Serialize)]
        struct Body<'a> {
            cashbills: &'a [Cashbill],
        }
        let body = to_json(&Body { cashbills });
        let mut call = ApiCall::post("/Cashbill", body, Effect::Write);
        call.method_override = Some("BULKISSUE");
        call.headers = vec![
            ("x-pb-message-digest".to_owned(), message_digest(&call.body)),
            ("x-pb-submit-id".to_owned(), submit_id.as_str().to_owned()),
        ];
        let resp = self.call(corp, &call).await?;
        parse(&resp, "a BulkResponse", call.effect)
    }

    /// GetBulkResult: `GET /Cashbill/BULK/{SubmitID}/State`. Poll every 2–5 s while `txState`
    /// is 0 or 1; `issueResult` is filled at 2. An unknown SubmitID is `-14010022`.
    pub async fn get_bulk_result(
        &self,
        corp: &CorpNum,
        submit_id: &SubmitId,
    ) -> Result<BulkCashbillResult, Error> {
        let call = ApiCall::get(format!("/Cashbill/BULK/{}/State", submit_id.as_str()));
        let resp = self.call(corp, &call).await?;
        parse(&resp, "a BulkCashbillResult", call.effect)
    }

    /// GetInfo: `GET /Cashbill/{MgtKey}`. An unknown mgtKey is `-14000003`.
    pub async fn get_info(&self, corp: &CorpNum, mgt_key: &MgtKey) -> Result<CashbillInfo, Error> {
        let call = ApiCall::get(format!("/Cashbill/{}", mgt_key.as_str()));
        let resp = self.call(corp, &call).await?;
        parse(&resp, "a CashbillInfo", call.effect)
    }

    /// GetInfos: `POST /Cashbill/States` with a JSON array of mgtKeys, at most
    /// [`MAX_INFOS_PER_CALL`] per request; longer lists are sent in order, one request after the
    /// other, and the answers concatenated in the same order. An empty list sends nothing.
    /// If one request fails the whole call fails (it is a read: simply call again).
    /// POPBiLL's answer for unknown keys is not documented: entries it returns are passed
    /// through, `null` entries are skipped, so match the results by `mgtKey`, not by position.
    pub async fn get_infos(
        &self,
        corp: &CorpNum,
        mgt_keys: &[MgtKey],
    ) -> Result<Vec<CashbillInfo>, Error> {
        let mut infos = Vec::with_capacity(mgt_keys.len());
        for chunk in mgt_keys.chunks(MAX_INFOS_PER_CALL) {
            let call = ApiCall::post("/Cashbill/States", to_json(chunk), Effect::Read);
            let resp = self.call(corp, &call).await?;
            // [INF] POPBiLL may answer null for an unknown key: such entries are skipped.
            let part: Vec<Option<CashbillInfo>> =
                parse(&resp, "a list of CashbillInfo", call.effect)?;
            infos.extend(part.into_iter().flatten());
        }
        Ok(infos)
    }

    /// RegistIssue (즉시발행): `POST /Cashbill` with `X-HTTP-Method-Override: ISSUE` and the
    /// cashbill as compact JSON. A timeout is [`ErrorKind::Ambiguous`]: ask GetInfo for the
    /// mgtKey before sending again.
    pub async fn regist_issue(
        &self,
        corp: &CorpNum,
        cashbill: &Cashbill,
    ) -> Result<IssueResponse, Error> {
        let mut call = ApiCall::post("/Cashbill", to_json(cashbill), Effect::Write);
        call.method_override = Some("ISSUE");
        let resp = self.call(corp, &call).await?;
        parse(&resp, "an IssueResponse", call.effect)
    }

    /// RevokeRegistIssue (취소 현금영수증 즉시발행): `POST /Cashbill` with
    /// `X-HTTP-Method-Override: REVOKEISSUE` and the request as compact JSON in the SDKs' field
    /// order. POPBiLL issues a 취소거래 receipt of the original named by `orgConfirmNum` and
    /// `orgTradeDate`; the answer has the cancellation's own confirmNum.
    ///
    /// What can be judged without POPBiLL (mgtKey, tradeDT, orgConfirmNum, orgTradeDate,
    /// cancelType, a partial cancellation's amounts: [`check_revoke`] at [`now`](Self::now)) is
    /// refused before sending, as [`ErrorKind::InvalidRequest`] with the first rule's code. An
    /// original that is not yet filed is `-14001021` (try again after 11:00 KST the day after
    /// it was issued); one whose filing failed is `-14001069`. A timeout is
    /// [`ErrorKind::Ambiguous`]: ask GetInfo for the mgtKey before sending again.
    pub async fn revoke_regist_issue(
        &self,
        corp: &CorpNum,
        request: &RevokeRequest,
    ) -> Result<IssueResponse, Error> {
        let now = self.now().await?;
        if let Some(v) = check_revoke(request, corp, now).first() {
            return Err(Error::refused_locally(v.code, v.message_en()));
        }
        let mut call = ApiCall::post("/Cashbill", to_json(request), Effect::Write);
        call.method_override = Some("REVOKEISSUE");
        let resp = self.call(corp, &call).await?;
        parse(&resp, "an IssueResponse", call.effect)
    }

    /// The current time in KST, from the configured [`TimeSource`]: the local [`Clock`], or
    /// Linkhub's `GET {auth_base}/Time` (one request per call).
    pub async fn now(&self) -> Result<KstDateTime, Error> {
        let millis = match self.config.time_source {
            TimeSource::Local => self.clock.now_millis(),
            TimeSource::Linkhub => auth::linkhub_time(&self.config, &self.transport).await?,
        };
        Ok(KstDateTime::from_unix_millis(millis))
    }

    fn token_key(&self, corp: &CorpNum) -> TokenKey {
        TokenKey {
            service_id: self.config.environment.service_id(),
            link_id: self.config.link_id.clone(),
            auth_base: self.config.auth_base.clone(),
            forwarded_ip: self.config.forwarded_ip.clone(),
            corp: corp.clone(),
        }
    }

    async fn token(&self, key: &TokenKey) -> Result<Token, Error> {
        self.tokens
            .get(
                key,
                || self.clock.now_millis(),
                self.config.refresh_margin_millis(),
                || auth::fetch_token(&self.config, &self.transport, &self.clock, &key.corp),
            )
            .await
    }

    /// Send `call` with the CorpNum's token; on a session error, once more with a fresh token.
    async fn call(&self, corp: &CorpNum, call: &ApiCall) -> Result<HttpResponse, Error> {
        let key = self.token_key(corp);
        let token = self.token(&key).await?;
        match self.send_api(call, &token).await {
            Err(err) if err.is_session_error() => {
                self.tokens.invalidate(&key, &token.session);
                let fresh = self.token(&key).await?;
                self.send_api(call, &fresh).await
            }
            other => other,
        }
    }

    async fn send_api(&self, call: &ApiCall, token: &Token) -> Result<HttpResponse, Error> {
        let mut headers = vec![
            (
                "Authorization".to_owned(),
                format!("Bearer {}", token.session.expose()),
            ),
            ("x-pb-version".to_owned(), POPBILL_API_VERSION.to_owned()),
        ];
        if let Some(user) = &self.config.user_id {
            headers.push(("x-pb-userid".to_owned(), user.clone()));
        }
        if call.method == Method::Post {
            headers.push(("Content-Type".to_owned(), JSON_CONTENT_TYPE.to_owned()));
        }
        if let Some(action) = call.method_override {
            headers.push(("X-HTTP-Method-Override".to_owned(), action.to_owned()));
        }
        headers.extend(call.headers.iter().cloned());
        headers.push(("User-Agent".to_owned(), USER_AGENT.to_owned()));
        let req = HttpRequest {
            method: call.method,
            url: self.config.api_url(&call.path),
            headers,
            body: call.body.clone(),
        };
        let resp = self
            .transport
            .send(req)
            .await
            .map_err(|e| Error::from_transport(e, call.effect))?;
        if (200..300).contains(&resp.status) {
            Ok(resp)
        } else {
            Err(Error::from_status(resp.status, &resp.body, call.effect))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_digest_matches_popbills_documented_sample() {
        // docs/PROTOCOL.md §3.1: the etc-header page's sample body, exact whitespace.
        let body = "{\n    \"cashbills\": [\n        {\n            \"mgtKey\": \"TEST0004\",\n            \"tradeType\": \"승인거래\",\n            \"tradeUsage\": \"지출증빙용\",\n            \"taxationType\": \"과세\",\n            \"totalAmount\": \"11000\",\n            \"supplyCost\": \"10000\",\n            \"tax\": \"1000\",\n            \"serviceFee\": \"0\",\n            \"franchiseCorpNum\": \"1234567890\",\n            \"identityNum\": \"1234567890\"\n        }\n    ]\n  }";
        assert_eq!(
            message_digest(body.as_bytes()),
            "cQ0I0lm8CqcLsp1DwnY9r/Q/iis="
        );
    }
}
