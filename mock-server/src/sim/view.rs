//! The view URLs — GetPopUpURL, GetViewURL, GetPrintURL, GetEPrintURL, GetMailURL, GetPDFURL
//! (`GET /Cashbill/{MgtKey}?TG=…`) and GetMassPrintURL (`POST /Cashbill/Prints`) — and the
//! pages they point at.
//!
//! POPBiLL answers `{"url"}` with a short-lived link to its site; the mock's links point at
//! itself (`{public_url}/_mock/view/…`) and show the receipt as a plain HTML page, so a "show
//! the customer their receipt" link works locally. [INF] They do not expire; identityNum is
//! masked on the page.

use popbill::codes;
use popbill::privacy::mask_identity;
use serde_json::json;

use super::Sim;
use super::error::ApiError;
use super::request::{ApiRequest, ApiResponse};
use super::store::Receipt;

/// The `TG` values of a single receipt's URLs.
pub const TOGO: [&str; 6] = ["POPUP", "VIEW", "PRINT", "EPRINT", "MAIL", "PDF"];
/// The most receipts one GetMassPrintURL may name.
pub const MAX_PRINT: usize = 100;

fn url(v: String) -> ApiResponse {
    ApiResponse::json(200, &json!({ "url": v }), None)
}

/// Text made safe for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}\
         th,td{{border:1px solid #999;padding:.3em .6em;text-align:left}}</style></head>\
         <body><p>popbill-mock: not a real POPBiLL page</p>{body}</body></html>\n",
        esc(title)
    )
}

impl Sim {
    /// `GET /Cashbill/{MgtKey}?TG=…`.
    pub(crate) fn get_view_url(&self, mgt_key: &str, togo: &str) -> Result<ApiResponse, ApiError> {
        let togo = togo.to_ascii_uppercase();
        if !TOGO.contains(&togo.as_str()) {
            return Err(ApiError::of(codes::URL_TOGO_INVALID));
        }
        let index = self.live_index(mgt_key)?;
        let r = &self.store.receipts[index as usize];
        if togo == "PDF" && r.state_code() == 305 {
            return Err(ApiError::of(codes::PDF_NOT_ALLOWED));
        }
        let item_key = self.ids.item_key(r.issue_no, r.issued_at);
        Ok(url(format!(
            "{}/_mock/view/{item_key}?TG={togo}",
            self.settings.public_url
        )))
    }

    /// `POST /Cashbill/Prints` with a JSON array of 1–100 mgtKeys.
    pub(crate) fn get_mass_print_url(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::of(codes::PRINT_KEYS_MISSING));
        }
        let keys: Vec<String> =
            serde_json::from_slice(&req.body).map_err(|_| ApiError::of(codes::BAD_JSON))?;
        if keys.is_empty() {
            return Err(ApiError::of(codes::PRINT_KEYS_MISSING));
        }
        if keys.len() > MAX_PRINT {
            return Err(ApiError::of(codes::PRINT_TOO_MANY_KEYS));
        }
        let items = keys
            .iter()
            .map(|k| {
                self.store
                    .receipt(k)
                    .map(|r| self.ids.item_key(r.issue_no, r.issued_at))
                    .ok_or(ApiError::of(codes::PRINT_KEY_NOT_FOUND))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(url(format!(
            "{}/_mock/view/print?items={}",
            self.settings.public_url,
            items.join(",")
        )))
    }

    /// `GET /_mock/view/{itemKey}` and `/_mock/view/print?items=…`: the receipts as HTML.
    pub(crate) fn view_page(&self, req: &ApiRequest, rest: &str) -> ApiResponse {
        let wanted: Vec<String> = if rest == "print" {
            req.param("items")
                .unwrap_or_default()
                .split(',')
                .map(str::to_owned)
                .collect()
        } else {
            vec![rest.to_owned()]
        };
        let found: Vec<&Receipt> = wanted
            .iter()
            .filter_map(|key| {
                self.store
                    .live()
                    .find(|r| self.ids.item_key(r.issue_no, r.issued_at) == *key)
            })
            .collect();
        if found.is_empty() || found.len() != wanted.len() {
            let body = "<h1>현금영수증이 존재하지 않습니다.</h1>";
            return ApiResponse::html(404, page("현금영수증", body));
        }
        let body: String = found.iter().map(|r| self.receipt_html(r)).collect();
        let title = match found.as_slice() {
            [one] => format!("현금영수증 {}", one.mgt_key),
            many => format!("현금영수증 {}건", many.len()),
        };
        ApiResponse::html(200, page(&title, &body))
    }

    fn receipt_html(&self, r: &Receipt) -> String {
        let f = self.store.franchise(r);
        let state = match r.state_code() {
            304 => "국세청 전송완료",
            305 => "국세청 전송실패",
            _ if r.nts_sent_at.is_some() => "국세청 전송중",
            _ => "발행완료",
        };
        let rows = [
            ("문서번호", r.mgt_key.to_string()),
            ("국세청승인번호", self.ids.confirm_num(r.issue_no)),
            ("거래일시", r.trade_dt.to_string()),
            ("문서형태", r.trade_type.to_owned()),
            ("거래구분", r.trade_usage.to_owned()),
            ("과세형태", r.taxation_type.to_owned()),
            ("공급가액", r.amounts[0].to_string()),
            ("부가세", r.amounts[1].to_string()),
            ("봉사료", r.amounts[2].to_string()),
            ("거래금액", r.amounts[3].to_string()),
            ("식별번호", mask_identity(&r.identity_num)),
            (
                "가맹점 사업자번호",
                self.member.corp_num.as_str().to_owned(),
            ),
            (
                "가맹점 상호",
                f.corp_name.as_deref().unwrap_or_default().to_owned(),
            ),
            (
                "주문상품명",
                r.item_name.as_deref().unwrap_or_default().to_owned(),
            ),
            ("상태", format!("{state} ({})", r.state_code())),
        ];
        let cells: String = rows
            .iter()
            .map(|(k, v)| format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v)))
            .collect();
        format!("<h1>현금영수증</h1><table>{cells}</table>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
