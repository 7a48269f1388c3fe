//! POPBiLL cash-receipt (현금영수증) protocol and client.
//!
//! Owns the wire format (JSON names, identifiers, times, amounts), POPBiLL's per-receipt rules,
//! Linkhub request signing and a [`Client`] for bulk issuance. The core must not depend on a
//! runtime: IO lives behind the [`Transport`] and [`Clock`] seams, implemented by the shells
//! `native` (feature `native`: hyper on tokio) and `workers` (feature `workers`: Cloudflare
//! Workers' fetch, wasm32).
//!
//! # A bulk issuance, end to end
//!
//! Submit a batch under a fresh SubmitID, poll GetBulkResult every 2–5 s until `txState` is 2,
//! then, once filing results are due (11:00 KST the next day), read 304/305 with GetInfos.
//! The token is fetched on the first call and reused; `sleep` is whatever the runtime offers
//! (`tokio::time::sleep`, `worker::Delay`).
//!
//! ```no_run
//! use std::future::Future;
//! use std::time::Duration;
//!
//! use popbill::wire::{Cashbill, TxState};
//! use popbill::{Client, Clock, CorpNum, Error, ErrorKind, MgtKey, SubmitId, Transport};
//!
//! async fn issue_batch<T: Transport, C: Clock, S: Future<Output = ()>>(
//!     client: &Client<T, C>,
//!     corp: &CorpNum,
//!     submit_id: &SubmitId,
//!     cashbills: &[Cashbill],
//!     sleep: impl Fn(Duration) -> S,
//! ) -> Result<(), Error> {
//!     match client.bulk_submit(corp, submit_id, cashbills).await {
//!         Ok(accepted) => println!("accepted as {:?}", accepted.receipt_id),
//!         // Timed out after sending: POPBiLL may have it. Never resubmit blindly (the SubmitID
//!         // is single-use); GetBulkResult below tells (-14010022 means it never arrived).
//!         Err(e) if e.kind() == ErrorKind::Ambiguous => {}
//!         Err(e) => return Err(e),
//!     }
//!     let result = loop {
//!         let result = client.get_bulk_result(corp, submit_id).await?;
//!         if result.state() == Some(TxState::Completed) {
//!             break result;
//!         }
//!         sleep(Duration::from_secs(3)).await;
//!     };
//!     let issued: Vec<MgtKey> = result
//!         .issue_result
//!         .iter()
//!         .filter(|r| r.code == Some(popbill::codes::OK))
//!         .filter_map(|r| r.mgt_key.as_deref().and_then(|k| MgtKey::parse(k).ok()))
//!         .collect();
//!     // Later (from 11:00 KST the next day): 304 filed, 305 filing failed.
//!     for info in client.get_infos(corp, &issued).await? {
//!         println!("{:?}: {:?} {:?}", info.mgt_key, info.state_code, info.ntsresult_code);
//!     }
//!     Ok(())
//! }
//!
//! # #[cfg(feature = "native")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Natively: hyper on tokio and the system clock.
//! let config = popbill::Config::test("MYLINKID", "bXktc2VjcmV0LWtleQ==");
//! let client = Client::new(config, popbill::native::NativeTransport::new(), popbill::SystemClock);
//! let corp = CorpNum::parse("1234567890")?;
//! let submit_id = SubmitId::parse("20250711-BATCH-0001")?;
//! let batch: Vec<Cashbill> = serde_json::from_str(r#"[{"mgtKey":"20250711-0001","tradeType":"승인거래",
//!     "tradeUsage":"소득공제용","taxationType":"과세","totalAmount":"11000","supplyCost":"10000",
//!     "tax":"1000","serviceFee":"0","franchiseCorpNum":"1234567890","identityNum":"01012345678"}]"#)?;
//! issue_batch(&client, &corp, &submit_id, &batch, tokio::time::sleep).await?;
//! # Ok(())
//! # }
//! ```

pub mod amount;
pub mod client;
pub mod codes;
pub mod ids;
pub mod linkhub;
#[cfg(feature = "native")]
pub mod native;
pub mod privacy;
mod secret;
pub mod time;
pub mod validate;
pub mod wire;
#[cfg(feature = "workers")]
pub mod workers;

pub use amount::Amount;
#[cfg(not(target_arch = "wasm32"))]
pub use client::SystemClock;
pub use client::{
    Client, Clock, Config, Environment, Error, ErrorKind, HttpRequest, HttpResponse, ManualClock,
    Method, TimeSource, TokenCache, Transport, TransportError, message_digest,
};
pub use ids::{ConfirmNum, CorpNum, IdError, MgtKey, ReceiptId, SubmitId};
#[cfg(feature = "native")]
pub use native::NativeTransport;
pub use secret::Secret;
pub use time::{KstDate, KstDateTime};
pub use validate::CancelType;
#[cfg(feature = "workers")]
pub use workers::{FetchTransport, JsClock};
