//! The KV port: the operations the Worker needs from Workers KV; an in-memory implementation for
//! native tests that counts operations and can serve stale reads (`memory`); and a wrapper that
//! counts what one Workers invocation is charged and stops at a limit (`counting`).
//!
//! Workers KV is eventually consistent (a write may take 60 s to show elsewhere), allows one
//! write per second per key and has no transactions; the core is written for that (see
//! `keys.rs`). The in-memory store can imitate the staleness so tests meet it too.

mod counting;
mod memory;

use serde_json::Value;

pub use counting::CountingKv;
pub use memory::{MemoryKv, OpCounts};

/// A KV operation failed (the binding is missing, a limit was hit, the network broke).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("kv {op} failed: {reason}")]
pub struct KvError {
    pub op: &'static str,
    pub reason: String,
}

/// One key of a listing, with the metadata stored beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedKey {
    pub name: String,
    pub metadata: Option<Value>,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListPage {
    pub keys: Vec<ListedKey>,
    /// Present when more keys follow.
    pub cursor: Option<String>,
}

/// The largest page Workers KV returns.
pub const LIST_PAGE: usize = 1000;

/// What the core needs from a key-value store.
#[allow(async_fn_in_trait)] // single-threaded Workers: no Send bound wanted
pub trait Kv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError>;
    /// Several keys, answers in the same order. Workers KV reads up to 100 keys in one call;
    /// the default reads them one by one.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, KvError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(self.get(key).await?);
        }
        Ok(out)
    }
    async fn put(&self, key: &str, value: &str, metadata: Option<&Value>) -> Result<(), KvError>;
    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<ListPage, KvError>;
    async fn delete(&self, key: &str) -> Result<(), KvError>;
}
