//! Refunds: cancellation receipts (취소거래) the Worker takes at once and holds until POPBiLL can
//! take them (their original filed with the NTS, stateCode 304), then sends in bulk like any
//! receipt, keeping each original's running totals so that nothing is refunded beyond it.
//!
//! - `fields`: one refund item as sent, and its field list;
//! - `request`: the request's shape (`POST /v1/refunds`), every problem by index and field;
//! - `plan`: judged against the Worker's records (the originals, what remains of each), the
//!   cancellation receipt each refund becomes, and the groups they are sent in;
//! - `record`: what is stored (`refund:{refundID}`, and each group's `sub:` record);
//! - `release`: when a held group may go, and which refunds never will;
//! - `amounts`, `view`, `store`: running totals, what the API shows, typed KV access.
//!
//! The behaviour over the ports is in `service/refund*.rs` and `service/release.rs`.

mod amounts;
mod fields;
mod id;
mod plan;
mod record;
mod release;
mod request;
mod store;
mod view;

pub use amounts::{Amounts, Overdrawn};
pub use id::{MAX_REFUND_ID, RefundId, RefundIdError, generate_refund_id, send_submit_id};
pub use plan::{EarlierRefund, Lookup, Original, Refused, external_due, plan_refund};
pub use record::{GroupRecord, OriginalLink, RefundEntry, RefundGroup, RefundRecord};
pub use release::{BlockReason, BlockedFact, Release, release};
pub use request::{
    ITEM_FIELDS, OriginalRef, RefundItem, RefundRequest, RequestedRefund, parse_refunds,
};
pub use store::IndexedRefund;
pub use view::{CancellationInfo, CancellationSummary, OriginalRefunds, RefundView, refund_view};
