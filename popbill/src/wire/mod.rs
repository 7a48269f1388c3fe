//! POPBiLL's JSON, with its exact field names (docs/PROTOCOL.md §1.4, §3–§6).
//!
//! Reading is lenient where the SDKs and server disagree: unknown fields are ignored, nulls are
//! absent values, and numbers that some senders quote (`code`, `stateCode`, a receipt's
//! `cancelType`) parse either way. A receipt field of the wrong type is refused, not dropped.
//! Writing omits absent fields, as the Java SDK does.

mod auth;
mod bulk;
mod cashbill;
mod cashbill_view;
mod error;
mod info;
mod lenient;
mod revoke;
mod webhook;

pub use auth::{TokenRequest, TokenResponse};
pub use bulk::{BulkCashbillResult, BulkIssueResult, BulkResponse, BulkSubmitRequest, TxState};
pub use cashbill::{Cashbill, Field, FieldType, IssueResponse};
pub use cashbill_view::CashbillView;
pub use error::ErrorBody;
pub use info::CashbillInfo;
pub use revoke::RevokeRequest;
pub use webhook::WebhookEvent;
