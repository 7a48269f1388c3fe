//! The core's KV port over a Workers KV binding, called directly through `js_sys`.
//!
//! Structured answers (a bulk read's `Map`, a listing with metadata) cross from JS to wasm as
//! one JSON string (`JSON.stringify` in the runtime, `serde_json` here), and metadata goes the
//! other way as one `JSON.parse`: converting them value by value through reflection cost the
//! Worker more CPU than anything else in a listing (docs/BENCHMARKS.md, "Where it goes").

use serde::Deserialize;
use serde_json::Value;
use worker::Env;
use worker::js_sys::{self, Array, Function, JSON, Object, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

use crate::core::kv::{Kv, KvError, ListPage, ListedKey};

pub const BINDING: &str = "RECEIPTS";

/// Bulk reads of up to this many keys take their values one by one; larger ones (the receipt
/// index at intake: many short values) as one JSON string.
const FEW: usize = 4;

pub struct WorkersKv {
    this: Object,
    get: Function,
    put: Function,
    list: Function,
    delete: Function,
}

impl WorkersKv {
    /// The namespace bound as `binding`; `None` when the Worker has no such KV binding.
    pub fn from_env(env: &Env, binding: &str) -> Option<WorkersKv> {
        // The same check `env.kv()` makes, so a missing binding reads as before.
        env.kv(binding).ok()?;
        let this = Reflect::get(env, &JsValue::from_str(binding)).ok()?;
        let method = |name: &str| -> Option<Function> {
            Reflect::get(&this, &JsValue::from_str(name))
                .ok()?
                .dyn_into()
                .ok()
        };
        Some(WorkersKv {
            get: method("get")?,
            put: method("put")?,
            list: method("list")?,
            delete: method("delete")?,
            this: this.dyn_into().ok()?,
        })
    }
}

fn fail(op: &'static str) -> impl Fn(JsValue) -> KvError {
    move |e| KvError {
        op,
        reason: e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| format!("{e:?}")),
    }
}

async fn settle(op: &'static str, called: Result<JsValue, JsValue>) -> Result<JsValue, KvError> {
    let promise: Promise = called.map_err(fail(op))?.into();
    JsFuture::from(promise).await.map_err(fail(op))
}

/// A JS value as JSON text (`JSON.stringify`), parsed into `T`.
fn from_js_json<T: for<'de> Deserialize<'de>>(op: &'static str, v: &JsValue) -> Result<T, KvError> {
    let text: String = JSON::stringify(v).map_err(fail(op))?.into();
    serde_json::from_str(&text).map_err(|e| KvError {
        op,
        reason: format!("unexpected answer from the binding: {e}"),
    })
}

/// An options object built by `JSON.parse` from `v`.
fn to_js_json(op: &'static str, v: &Value) -> Result<JsValue, KvError> {
    JSON::parse(&v.to_string()).map_err(fail(op))
}

#[derive(Deserialize)]
struct RawListing {
    keys: Vec<RawKey>,
    list_complete: bool,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct RawKey {
    name: String,
    #[serde(default)]
    metadata: Option<Value>,
}

impl Kv for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        let called = self.get.call2(
            &self.this,
            &JsValue::from_str(key),
            &JsValue::from_str("text"),
        );
        Ok(settle("get", called).await?.as_string())
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, KvError> {
        let mut out = Vec::with_capacity(keys.len());
        // Workers KV reads at most 100 keys per bulk get; it answers a Map of key to value.
        for chunk in keys.chunks(100) {
            let names: Array = chunk.iter().map(|k| JsValue::from_str(k)).collect();
            let called = self
                .get
                .call2(&self.this, &names, &JsValue::from_str("text"));
            let map: js_sys::Map = settle("get_bulk", called).await?.unchecked_into();
            if chunk.len() <= FEW {
                // A few keys are usually records (a submission and its outcome): taken one by
                // one, so their text is not escaped into JSON and parsed back.
                out.extend((0..chunk.len()).map(|i| map.get(&names.get(i as u32)).as_string()));
                continue;
            }
            let entries: Vec<(String, Option<String>)> =
                from_js_json("get_bulk", &Array::from(&map))?;
            let found: std::collections::HashMap<String, Option<String>> =
                entries.into_iter().collect();
            // `get`, not `remove`: a key asked for twice (two refunds of one original) gets
            // its value both times.
            out.extend(chunk.iter().map(|k| found.get(k).cloned().flatten()));
        }
        Ok(out)
    }

    async fn put(&self, key: &str, value: &str, metadata: Option<&Value>) -> Result<(), KvError> {
        let options = match metadata {
            Some(m) => to_js_json("put", &serde_json::json!({ "metadata": m }))?,
            None => JsValue::UNDEFINED,
        };
        let called = self.put.call3(
            &self.this,
            &JsValue::from_str(key),
            &JsValue::from_str(value),
            &options,
        );
        settle("put", called).await.map(|_| ())
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<ListPage, KvError> {
        let mut options = serde_json::json!({ "prefix": prefix });
        if let Some(c) = cursor {
            options["cursor"] = Value::from(c);
        }
        let called = self.list.call1(&self.this, &to_js_json("list", &options)?);
        let listing: RawListing = from_js_json("list", &settle("list", called).await?)?;
        Ok(ListPage {
            keys: listing
                .keys
                .into_iter()
                .map(|k| ListedKey {
                    name: k.name,
                    metadata: k.metadata,
                })
                .collect(),
            cursor: if listing.list_complete {
                None
            } else {
                listing.cursor
            },
        })
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        let called = self.delete.call1(&self.this, &JsValue::from_str(key));
        settle("delete", called).await.map(|_| ())
    }
}
