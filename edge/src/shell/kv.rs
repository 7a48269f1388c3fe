//! The core's KV port over a Workers KV binding.

use serde_json::Value;
use worker::kv::KvStore;

use crate::core::kv::{Kv, KvError, ListPage, ListedKey};

pub const BINDING: &str = "RECEIPTS";

pub struct WorkersKv(pub KvStore);

fn err(op: &'static str) -> impl Fn(worker::kv::KvError) -> KvError {
    move |e| KvError {
        op,
        reason: e.to_string(),
    }
}

impl Kv for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.0.get(key).text().await.map_err(err("get"))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, KvError> {
        let mut out = Vec::with_capacity(keys.len());
        // Workers KV reads at most 100 keys per bulk get.
        for chunk in keys.chunks(100) {
            let found = self
                .0
                .get_bulk(chunk)
                .text()
                .await
                .map_err(err("get_bulk"))?;
            // `get`, not `remove`: a key asked for twice (two refunds of one original) gets
            // its value both times.
            out.extend(chunk.iter().map(|k| found.get(k).cloned().flatten()));
        }
        Ok(out)
    }

    async fn put(&self, key: &str, value: &str, metadata: Option<&Value>) -> Result<(), KvError> {
        let mut put = self.0.put(key, value).map_err(err("put"))?;
        if let Some(m) = metadata {
            put = put.metadata(m).map_err(err("put"))?;
        }
        put.execute().await.map_err(err("put"))
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<ListPage, KvError> {
        let mut list = self.0.list().prefix(prefix.to_owned());
        if let Some(c) = cursor {
            list = list.cursor(c.to_owned());
        }
        let resp = list.execute().await.map_err(err("list"))?;
        Ok(ListPage {
            keys: resp
                .keys
                .into_iter()
                .map(|k| ListedKey {
                    name: k.name,
                    metadata: k.metadata,
                })
                .collect(),
            cursor: if resp.list_complete {
                None
            } else {
                resp.cursor
            },
        })
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.0.delete(key).await.map_err(err("delete"))
    }
}
