//! In-memory KV for native tests: counts operations, can serve stale reads and fail writes.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde_json::Value;

use super::{Kv, KvError, LIST_PAGE, ListPage, ListedKey};

/// Counts of operations, the Worker's running cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpCounts {
    pub reads: u64,
    pub writes: u64,
    pub lists: u64,
    pub deletes: u64,
}

#[derive(Debug, Clone)]
struct Entry {
    value: String,
    metadata: Option<Value>,
    /// The value before the latest write, served while a read is "stale".
    previous: Option<(Option<String>, Option<Value>)>,
}

/// In-memory KV for native tests.
#[derive(Debug, Default)]
pub struct MemoryKv {
    map: RefCell<BTreeMap<String, Entry>>,
    counts: Cell<OpCounts>,
    /// When set, reads and listings see the value before each key's latest write.
    stale: Cell<bool>,
    /// Fail the next N writes (puts and deletes).
    fail_writes: Cell<u32>,
    /// How often each key was put (KV allows one write per second per key).
    puts: RefCell<BTreeMap<String, u32>>,
}

impl MemoryKv {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn counts(&self) -> OpCounts {
        self.counts.get()
    }

    pub fn reset_counts(&self) {
        self.counts.set(OpCounts::default());
    }

    /// Serve the previous version of every recently written key (until `settle`).
    pub fn set_stale(&self, stale: bool) {
        self.stale.set(stale);
    }

    /// Make every write visible everywhere, as KV does after its propagation delay.
    pub fn settle(&self) {
        for e in self.map.borrow_mut().values_mut() {
            e.previous = None;
        }
        self.map
            .borrow_mut()
            .retain(|_, e| !e.value.is_empty() || e.previous.is_some());
    }

    /// The most times any one key was put, and that key.
    pub fn most_puts_of_one_key(&self) -> Option<(String, u32)> {
        self.puts
            .borrow()
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(k, n)| (k.clone(), *n))
    }

    pub fn fail_next_writes(&self, n: u32) {
        self.fail_writes.set(n);
    }

    /// Every live key and value (for assertions).
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        self.map
            .borrow()
            .iter()
            .filter(|(_, e)| !e.value.is_empty())
            .map(|(k, e)| (k.clone(), e.value.clone()))
            .collect()
    }

    fn count(&self, f: impl FnOnce(&mut OpCounts)) {
        let mut c = self.counts.get();
        f(&mut c);
        self.counts.set(c);
    }

    fn take_write_failure(&self, op: &'static str) -> Result<(), KvError> {
        let n = self.fail_writes.get();
        if n > 0 {
            self.fail_writes.set(n - 1);
            return Err(KvError {
                op,
                reason: "injected failure".into(),
            });
        }
        Ok(())
    }

    fn visible(&self, e: &Entry) -> Option<(String, Option<Value>)> {
        let (value, metadata) = match (&e.previous, self.stale.get()) {
            (Some((v, m)), true) => (v.clone()?, m.clone()),
            _ => (e.value.clone(), e.metadata.clone()),
        };
        // An empty value marks a deleted key (kept so a stale read can still see the old one).
        (!value.is_empty()).then_some((value, metadata))
    }
}

impl Kv for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.count(|c| c.reads += 1);
        Ok(self
            .map
            .borrow()
            .get(key)
            .and_then(|e| self.visible(e))
            .map(|(v, _)| v))
    }

    async fn put(&self, key: &str, value: &str, metadata: Option<&Value>) -> Result<(), KvError> {
        self.count(|c| c.writes += 1);
        self.take_write_failure("put")?;
        *self.puts.borrow_mut().entry(key.to_owned()).or_default() += 1;
        let mut map = self.map.borrow_mut();
        let previous = map.get(key).map(|e| {
            let live = (!e.value.is_empty()).then(|| e.value.clone());
            (live, e.metadata.clone())
        });
        let previous = previous.or(Some((None, None)));
        map.insert(
            key.to_owned(),
            Entry {
                value: value.to_owned(),
                metadata: metadata.cloned(),
                previous,
            },
        );
        Ok(())
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<ListPage, KvError> {
        self.count(|c| c.lists += 1);
        let map = self.map.borrow();
        let mut keys = Vec::new();
        let mut next = None;
        let start = cursor.unwrap_or(prefix).to_owned();
        for (name, e) in map.range(start..) {
            if !name.starts_with(prefix) {
                break;
            }
            if cursor.is_some_and(|c| name.as_str() == c) {
                continue;
            }
            let Some((_, metadata)) = self.visible(e) else {
                continue;
            };
            if keys.len() == LIST_PAGE {
                next = keys.last().map(|k: &ListedKey| k.name.clone());
                break;
            }
            keys.push(ListedKey {
                name: name.clone(),
                metadata,
            });
        }
        Ok(ListPage { keys, cursor: next })
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.count(|c| c.deletes += 1);
        self.take_write_failure("delete")?;
        let mut map = self.map.borrow_mut();
        if let Some(e) = map.get_mut(key) {
            let old = (!e.value.is_empty()).then(|| e.value.clone());
            e.previous = Some((old, e.metadata.take()));
            e.value.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn stale_reads_see_the_value_before_the_latest_write() {
        let kv = MemoryKv::new();
        block_on(async {
            kv.put("k", "v1", None).await.unwrap();
            kv.settle();
            kv.put("k", "v2", None).await.unwrap();
            kv.put("new", "x", None).await.unwrap();
            kv.set_stale(true);
            assert_eq!(kv.get("k").await.unwrap().as_deref(), Some("v1"));
            assert_eq!(
                kv.get("new").await.unwrap(),
                None,
                "a fresh key is invisible while stale"
            );
            kv.set_stale(false);
            assert_eq!(kv.get("k").await.unwrap().as_deref(), Some("v2"));
        });
    }

    #[test]
    fn list_pages_by_prefix_with_metadata_and_skips_deleted_keys() {
        let kv = MemoryKv::new();
        block_on(async {
            for i in 0..1005 {
                let meta = serde_json::json!({ "i": i });
                kv.put(&format!("p:{i:05}"), "1", Some(&meta))
                    .await
                    .unwrap();
            }
            kv.put("q:other", "1", None).await.unwrap();
            kv.delete("p:00000").await.unwrap();
            let first = kv.list("p:", None).await.unwrap();
            assert_eq!(first.keys.len(), 1000);
            assert_eq!(first.keys[0].name, "p:00001");
            assert_eq!(first.keys[0].metadata, Some(serde_json::json!({ "i": 1 })));
            let second = kv.list("p:", first.cursor.as_deref()).await.unwrap();
            assert_eq!(second.keys.len(), 4);
            assert_eq!(second.cursor, None);
            assert_eq!(kv.counts().lists, 2);
        });
    }

    #[test]
    fn injected_write_failures_change_nothing() {
        let kv = MemoryKv::new();
        block_on(async {
            kv.fail_next_writes(1);
            assert!(kv.put("k", "v", None).await.is_err());
            assert_eq!(kv.get("k").await.unwrap(), None);
            kv.put("k", "v", None).await.unwrap();
            assert_eq!(kv.get("k").await.unwrap().as_deref(), Some("v"));
        });
    }
}
