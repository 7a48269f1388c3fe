//! E-mail and SMS to the customer: SendEmail / SendSMS (`POST /Cashbill/{MgtKey}` + `EMAIL` /
//! `SMS`), the issuance notifications POPBiLL sends by itself (an e-mail when the receipt has
//! an `email` and the `CSH_ISSUE` mail is on; an SMS when `smssendYN` is true and `hp` is set),
//! and ListEmailConfig / UpdateEmailConfig (`/Cashbill/EmailSendConfig`).
//!
//! Nothing is sent anywhere: every message is recorded (bounded, like the journal) and shown
//! by `GET /_mock/messages`, so a test can assert "the customer was e-mailed".

use popbill::codes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sim;
use super::clock::SimTime;
use super::error::ApiError;
use super::journal::Ring;
use super::request::{ApiRequest, ApiResponse};

/// The one mail type a cash receipt has: the issuance notice.
pub const EMAIL_TYPE_ISSUE: &str = "CSH_ISSUE";

/// One message to a customer.
#[derive(Debug, Clone)]
pub struct Message {
    pub seq: u64,
    pub at: SimTime,
    /// `email` or `sms`.
    pub kind: &'static str,
    /// `issue` (POPBiLL's own notice) or `resend` (SendEmail / SendSMS).
    pub trigger: &'static str,
    /// Index into the store's receipts (stable even when the mgtKey is reused).
    pub receipt: u32,
    pub mgt_key: Box<str>,
    pub receiver: Box<str>,
    pub sender: Option<Box<str>>,
    pub contents: Option<Box<str>>,
}

impl Message {
    pub fn to_json(&self) -> Value {
        json!({
            "seq": self.seq,
            "at": self.at.rfc3339(),
            "kind": self.kind,
            "trigger": self.trigger,
            "mgt_key": &*self.mgt_key,
            "receiver": &*self.receiver,
            "sender": self.sender.as_deref(),
            "contents": self.contents.as_deref(),
        })
    }
}

/// Outgoing messages and the member's mail settings.
#[derive(Debug)]
pub struct Mailbox {
    pub log: Ring<Message>,
    /// Whether the issuance e-mail (`CSH_ISSUE`) is sent.
    pub issue_mail: bool,
}

impl Mailbox {
    pub fn new(capacity: usize) -> Self {
        Mailbox {
            log: Ring::new(capacity),
            issue_mail: true,
        }
    }
}

/// What is sent, to whom.
enum Kind<'a> {
    Email {
        to: &'a str,
    },
    Sms {
        to: &'a str,
        from: Option<&'a str>,
        text: Option<&'a str>,
    },
}

#[derive(Deserialize)]
struct Resend {
    sender: Option<String>,
    receiver: Option<String>,
    contents: Option<String>,
}

/// A JSON object body: empty → -14010001, anything else that is not an object → -14010015.
fn resend_body(req: &ApiRequest) -> Result<Resend, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::of(codes::BODY_MISSING));
    }
    serde_json::from_slice(&req.body).map_err(|_| ApiError::of(codes::BAD_JSON))
}

fn given(v: Option<String>, missing: i64) -> Result<String, ApiError> {
    v.map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or(ApiError::of(missing))
}

fn ok(message: &str) -> ApiResponse {
    ApiResponse::json(
        200,
        &json!({"code": codes::OK, "message": message}),
        Some(codes::OK),
    )
}

impl Sim {
    /// Record one message.
    fn record(&mut self, index: u32, at: SimTime, trigger: &'static str, what: Kind<'_>) {
        let mgt_key = self.store.receipts[index as usize].mgt_key.clone();
        let (kind, receiver, sender, contents) = match what {
            Kind::Email { to } => ("email", to, None, None),
            Kind::Sms { to, from, text } => ("sms", to, from, text),
        };
        self.messages.log.push(|seq| Message {
            seq,
            at,
            kind,
            trigger,
            receipt: index,
            mgt_key,
            receiver: receiver.into(),
            sender: sender.map(Box::from),
            contents: contents.map(Box::from),
        });
    }

    /// POPBiLL's own notices when a receipt is issued.
    pub(crate) fn notify_issued(&mut self, index: u32, at: SimTime) {
        let r = &self.store.receipts[index as usize];
        let email = r.email.clone().filter(|_| self.messages.issue_mail);
        let hp = r.hp.clone().filter(|_| r.smssend_yn);
        if let Some(to) = email {
            self.record(index, at, "issue", Kind::Email { to: &to });
        }
        if let Some(to) = hp {
            // POPBiLL writes the notice itself; the mock records who gets it.
            let sms = Kind::Sms {
                to: &to,
                from: None,
                text: None,
            };
            self.record(index, at, "issue", sms);
        }
    }

    /// SendEmail: `{"receiver"}` → the receipt's e-mail is (re)sent.
    pub(crate) fn send_email(
        &mut self,
        req: &ApiRequest,
        mgt_key: &str,
        now: SimTime,
    ) -> Result<ApiResponse, ApiError> {
        let index = self.live_index(mgt_key)?;
        let body = resend_body(req)?;
        let to = given(body.receiver, codes::EMAIL_RECEIVER_MISSING)?;
        self.record(index, now, "resend", Kind::Email { to: &to });
        Ok(ok("이메일 재전송 완료"))
    }

    /// SendSMS: `{"sender","receiver","contents"}` → a text about the receipt is sent.
    pub(crate) fn send_sms(
        &mut self,
        req: &ApiRequest,
        mgt_key: &str,
        now: SimTime,
    ) -> Result<ApiResponse, ApiError> {
        let index = self.live_index(mgt_key)?;
        let body = resend_body(req)?;
        let from = given(body.sender, codes::SMS_SENDER_MISSING)?;
        let to = given(body.receiver, codes::SMS_RECEIVER_MISSING)?;
        let text = given(body.contents, codes::SMS_CONTENTS_MISSING)?;
        let sms = Kind::Sms {
            to: &to,
            from: Some(&from),
            text: Some(&text),
        };
        self.record(index, now, "resend", sms);
        Ok(ok("문자 재전송 완료"))
    }

    /// ListEmailConfig: `[{"emailType":"CSH_ISSUE","sendYN":bool}]`.
    pub(crate) fn list_email_config(&self) -> Result<ApiResponse, ApiError> {
        let v = json!([{ "emailType": EMAIL_TYPE_ISSUE, "sendYN": self.messages.issue_mail }]);
        Ok(ApiResponse::json(200, &v, None))
    }

    /// UpdateEmailConfig: `?EmailType=CSH_ISSUE&SendYN=true|false`.
    pub(crate) fn update_email_config(
        &mut self,
        req: &ApiRequest,
    ) -> Result<ApiResponse, ApiError> {
        let kind = req
            .param("EmailType")
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::of(codes::EMAIL_TYPE_MISSING))?;
        if kind != EMAIL_TYPE_ISSUE {
            return Err(ApiError::of(codes::EMAIL_TYPE_INVALID));
        }
        let send = match req.param("SendYN").as_deref() {
            None | Some("") => return Err(ApiError::of(codes::EMAIL_SEND_YN_MISSING)),
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(_) => return Err(ApiError::of(codes::INPUT_MAPPING)),
        };
        self.messages.issue_mail = send;
        Ok(ok("메일 전송 설정 완료"))
    }

    /// `GET /_mock/messages`: every recorded message, oldest first.
    pub fn messages_json(&self) -> Value {
        Value::Array(self.messages.log.iter().map(Message::to_json).collect())
    }

    /// Messages recorded for one receipt (GetLogs).
    pub(crate) fn messages_of(&self, index: u32) -> impl Iterator<Item = &Message> {
        self.messages.log.iter().filter(move |m| m.receipt == index)
    }
}
