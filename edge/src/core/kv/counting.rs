//! A KV wrapper that counts the operations one Workers invocation is charged with, and refuses
//! any beyond a limit: Workers allow 1000 KV operations per invocation, and a bulk read of up to
//! 100 keys counts as one.

use std::cell::Cell;

use serde_json::Value;

use super::{Kv, KvError, ListPage};

/// The most keys one Workers KV bulk read takes (and the most it is charged as one operation).
pub const BULK_READ_KEYS: usize = 100;

pub struct CountingKv<'a, K: Kv> {
    inner: &'a K,
    used: Cell<usize>,
    limit: usize,
}

impl<'a, K: Kv> CountingKv<'a, K> {
    pub fn new(inner: &'a K, limit: usize) -> Self {
        CountingKv {
            inner,
            used: Cell::new(0),
            limit,
        }
    }

    /// Operations charged so far (refused ones are not).
    pub fn used(&self) -> usize {
        self.used.get()
    }

    fn charge(&self, op: &'static str, n: usize) -> Result<(), KvError> {
        let used = self.used.get() + n;
        if used > self.limit {
            return Err(KvError {
                op,
                reason: format!(
                    "this invocation's budget of {} KV operations is spent",
                    self.limit
                ),
            });
        }
        self.used.set(used);
        Ok(())
    }
}

impl<K: Kv> Kv for CountingKv<'_, K> {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.charge("get", 1)?;
        self.inner.get(key).await
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, KvError> {
        self.charge("get_bulk", keys.len().div_ceil(BULK_READ_KEYS))?;
        self.inner.get_many(keys).await
    }

    async fn put(&self, key: &str, value: &str, metadata: Option<&Value>) -> Result<(), KvError> {
        self.charge("put", 1)?;
        self.inner.put(key, value, metadata).await
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<ListPage, KvError> {
        self.charge("list", 1)?;
        self.inner.list(prefix, cursor).await
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.charge("delete", 1)?;
        self.inner.delete(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::kv::MemoryKv;
    use futures::executor::block_on;

    #[test]
    fn counts_as_workers_charges_and_refuses_past_the_limit() {
        let kv = MemoryKv::new();
        let counted = CountingKv::new(&kv, 6);
        block_on(async {
            counted.put("a", "1", None).await.unwrap();
            let keys: Vec<String> = (0..101).map(|i| format!("k{i}")).collect();
            counted.get_many(&keys).await.unwrap();
            assert_eq!(
                counted.used(),
                3,
                "a put, and 101 keys read in two bulk reads"
            );
            counted.list("", None).await.unwrap();
            counted.delete("a").await.unwrap();
            assert_eq!(counted.used(), 5);
            let before = kv.counts();
            let err = counted.get_many(&keys).await.unwrap_err();
            assert!(err.reason.contains("budget"), "{err}");
            assert_eq!(kv.counts(), before, "a refused operation never reaches KV");
            assert_eq!(counted.used(), 5, "nor is it charged");
            counted.get("a").await.unwrap();
            assert_eq!(counted.used(), 6, "what fits is still allowed");
        });
    }
}
