//! Where the Worker's CPU goes: V8's sampling profiler on the Worker's isolate, through
//! wrangler's DevTools inspector (`bench/worker/profile.mjs`), summarised by phase.
//!
//! Samples are counted, not weighted by their time deltas: V8 stops sampling while the isolate
//! waits for I/O and gives the whole pause to the next sample, so deltas of a second land on
//! whatever ran last. Counts are shares of the time the isolate was busy; the report scales
//! them to the CPU time measured without the profiler (`worker_cpu`), since sampling slows
//! the isolate down.
//!
//! A sample belongs to the innermost frame on its stack that names a phase: `serde_json` under
//! `edge::core::intake` is parsing the request, under `edge::core::store` decoding a record.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::inspector::Script;
use crate::stack::Result;

/// Phases, matched on a frame's path once crate hashes and generic arguments are removed
/// (`<edge::shell::kv::WorkersKv as edge::core::kv::Kv>::put` → `edge::shell::kv::WorkersKv::put`).
/// A sample belongs to the innermost frame that matches; the first prefix that matches names the
/// phase.
const PHASES: &[(&str, &str)] = &[
    ("memoryKv", "memory KV (benchmark only)"),
    ("web_sys::features::gen_console", LOGGING),
    ("worker::console", LOGGING),
    ("web_sys::features::gen_Response", ANSWER),
    ("edge::core::intake", "parse and validate the request"),
    ("edge::core::cashbills", "parse and validate the request"),
    (
        "edge::core::submission",
        "submission record and content digest",
    ),
    (
        "edge::core::webhook",
        "webhook: authenticate and read the event",
    ),
    ("edge::core::facts", "facts (issuance and filing results)"),
    ("edge::core::status", "answer: receipt and submission views"),
    ("edge::core::reconcile", "cron: plan"),
    ("edge::core::store", RECORDS),
    ("edge::core::kv", RECORDS),
    ("edge::core::config", CONFIG),
    ("edge::shell::config", CONFIG),
    ("edge::shell::kv", KV_CALLS),
    ("worker::kv", KV_CALLS),
    ("serde_wasm_bindgen", KV_CALLS),
    ("edge::shell::upstream", POPBILL),
    ("popbill::", POPBILL),
    ("edge::shell::http", ANSWER),
    ("worker::response", ANSWER),
    ("edge::core::service", SERVICE),
    ("edge::core", SERVICE),
    ("edge::shell", GLUE),
    ("worker::", GLUE),
];

/// With no phase on the stack (LTO inlines the Worker's async functions into the executor that
/// polls them, so their frames are often gone), the frames nearest the sampled one say what ran.
const UNPLACED: &[(&str, &str)] = &[
    ("js_sys::futures::task::singlethread::Task::run", INLINED),
    ("js_sys::futures::queue::Queue::new", INLINED),
    ("js_sys::futures::future_to_promise", INLINED),
    ("js_sys::futures", ASYNC),
    ("wasm_bindgen::convert::closures", ASYNC),
    ("wasm_bindgen::closure", ASYNC),
    ("queueMicrotask", ASYNC),
    ("serde_json", "JSON (serde_json), caller inlined"),
    ("serde_core", "JSON (serde_json), caller inlined"),
    ("dlmalloc", "allocation, caller inlined"),
    ("alloc::", "allocation, caller inlined"),
    ("__rust", "allocation, caller inlined"),
    ("sha2::", "digests (sha2), caller inlined"),
    ("fetch externref shim", GLUE),
];

const LOGGING: &str = "logging: console.log";
const ANSWER: &str = "answer: JSON response";
const RECORDS: &str = "KV records: encode and decode";
const CONFIG: &str = "configuration from the environment";
const KV_CALLS: &str = "KV calls: wasm↔JS";
const POPBILL: &str = "POPBiLL call: body, signing, fetch, answer";
const SERVICE: &str = "service logic";
const GLUE: &str = "Workers glue: request, env, routing";
const INLINED: &str = "Worker code inlined into the async executor";
const ASYNC: &str = "async glue: JS promises ↔ Rust futures (wakeups, microtasks)";
/// Samples outside every phase: JS around the Worker, or workerd itself.
const JS_ENTRY: &str = "JS around the wasm (workers-rs entry proxy, wrangler middleware)";
const RUNTIME: &str = "workerd and V8 outside JS (HTTP, streams, I/O)";
const GC: &str = "garbage collection";
const WASM_OTHER: &str = "other wasm, caller inlined";

/// A profile summarised: busy samples by phase.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Breakdown {
    /// Phase → samples.
    pub phases: BTreeMap<String, usize>,
    /// Samples taken while the isolate was busy (idle ones left out).
    pub busy: usize,
    pub idle: usize,
}

impl Breakdown {
    pub fn share(&self, phase: &str) -> f64 {
        self.phases.get(phase).copied().unwrap_or(0) as f64 / self.busy.max(1) as f64
    }

    /// Phases by share, largest first.
    pub fn ranked(&self) -> Vec<(String, f64)> {
        let mut v: Vec<(String, f64)> = self
            .phases
            .keys()
            .map(|p| (p.clone(), self.share(p)))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v
    }

    /// Summarise a DevTools `.cpuprofile` (nodes with call frames and children; samples).
    pub fn of(profile: &Value) -> Breakdown {
        let mut out = Breakdown::default();
        for (stack, n) in stacks(profile) {
            let refs: Vec<&Frame> = stack.iter().collect();
            match classify(&refs) {
                None => out.idle += n,
                Some(phase) => {
                    out.busy += n;
                    *out.phases.entry(phase.to_owned()).or_default() += n;
                }
            }
        }
        out
    }
}

/// A kept profile summarised for a reader: phases by share, then the commonest stacks of the
/// samples no phase claimed (`popbill-bench --profile-summary FILE`).
pub fn summary_text(profile: &Value) -> String {
    let b = Breakdown::of(profile);
    let mut out = format!("{} busy samples, {} idle\n", b.busy, b.idle);
    for (phase, share) in b.ranked() {
        out.push_str(&format!("{:6.1} %  {phase}\n", share * 100.0));
    }
    let stacks = stacks(profile);
    let mut unplaced: BTreeMap<String, usize> = BTreeMap::new();
    for (stack, n) in stacks {
        let refs: Vec<&Frame> = stack.iter().collect();
        if matches!(classify(&refs), Some(JS_ENTRY | WASM_OTHER | INLINED)) {
            let text: Vec<String> = stack.iter().take(5).map(|(f, _)| frame_path(f)).collect();
            *unplaced.entry(text.join(" < ")).or_default() += n;
        }
    }
    let mut unplaced: Vec<(String, usize)> = unplaced.into_iter().collect();
    unplaced.sort_by_key(|u| std::cmp::Reverse(u.1));
    out.push_str("\nstacks no phase claimed (innermost first):\n");
    for (text, n) in unplaced.into_iter().take(15) {
        out.push_str(&format!("{n:6}  {text}\n"));
    }
    out
}

/// A frame: function name, script URL.
type Frame = (String, String);

/// Every sampled stack (innermost frame first) and how many samples it has.
fn stacks(profile: &Value) -> Vec<(Vec<Frame>, usize)> {
    let nodes = profile["nodes"].as_array().cloned().unwrap_or_default();
    let mut parent = BTreeMap::new();
    let mut frame = BTreeMap::new();
    for n in &nodes {
        let id = n["id"].as_u64().unwrap_or(0);
        let cf = &n["callFrame"];
        frame.insert(
            id,
            (
                cf["functionName"].as_str().unwrap_or("").to_owned(),
                cf["url"].as_str().unwrap_or("").to_owned(),
            ),
        );
        for c in n["children"].as_array().into_iter().flatten() {
            if let Some(c) = c.as_u64() {
                parent.insert(c, id);
            }
        }
    }
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for s in profile["samples"].as_array().into_iter().flatten() {
        if let Some(s) = s.as_u64() {
            *counts.entry(s).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(leaf, n)| {
            let mut stack = Vec::new();
            let mut at = Some(leaf);
            while let Some(id) = at {
                if let Some(f) = frame.get(&id) {
                    stack.push(f.clone());
                }
                at = parent.get(&id).copied();
            }
            (stack, n)
        })
        .collect()
}

/// The phase of one sample (`stack` from the sampled frame to the root); `None` when idle.
fn classify(stack: &[&Frame]) -> Option<&'static str> {
    let Some((top, _)) = stack.first() else {
        return Some(RUNTIME);
    };
    match top.as_str() {
        "(idle)" | "(root)" => return None,
        "(garbage collector)" => return Some(GC),
        "(program)" => return Some(RUNTIME),
        _ => {}
    }
    let paths: Vec<String> = stack.iter().map(|(name, _)| frame_path(name)).collect();
    let first = |table: &[(&str, &'static str)]| {
        paths
            .iter()
            .find_map(|path| table.iter().find(|(p, _)| path.starts_with(p)).map(|t| t.1))
    };
    if let Some(phase) = first(PHASES).or_else(|| first(UNPLACED)) {
        return Some(phase);
    }
    let wasm = stack.iter().any(|(_, url)| url.starts_with("wasm://"));
    Some(if wasm { WASM_OTHER } else { JS_ENTRY })
}

/// A frame's name without crate hashes and generic arguments; `<T as Trait>::f` and `<T>::f`
/// become `T::f`.
pub fn frame_path(name: &str) -> String {
    // `edge[b2c8876f833f4a43]::core` → `edge::core`
    let mut s = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '[' {
            let rest: String = chars.clone().take_while(|&d| d != ']').collect();
            if !rest.is_empty() && rest.chars().all(|d| d.is_ascii_hexdigit()) {
                for _ in 0..=rest.len() {
                    chars.next();
                }
                continue;
            }
        }
        s.push(c);
    }
    // Generic arguments, innermost first: `Ident<…>` → `Ident`, `f::<…>` → `f`.
    loop {
        let bytes = s.as_bytes();
        let mut cut = None;
        let mut open = None;
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'<' {
                open = Some(i);
            } else if b == b'>'
                && let Some(o) = open
            {
                if o >= 2 && &bytes[o - 2..o] == b"::" {
                    cut = Some((o - 2, i));
                    break;
                }
                if o > 0 && (bytes[o - 1].is_ascii_alphanumeric() || bytes[o - 1] == b'_') {
                    cut = Some((o, i));
                    break;
                }
                open = None;
            }
        }
        match cut {
            Some((o, c)) => s.replace_range(o..=c, ""),
            None => break,
        }
    }
    // `<T as Trait>::f` → `T::f`; `<T>::f` → `T::f`.
    if let Some(inner) = s.strip_prefix('<') {
        let inner = inner.trim_start_matches("&mut ").trim_start_matches('&');
        if let Some(close) = inner.find('>') {
            let self_type = inner[..close].split(" as ").next().unwrap_or("");
            return format!("{self_type}{}", &inner[close + 1..]);
        }
    }
    s
}

/// A running profile of the Worker's isolate.
pub struct Profiler {
    child: Child,
    out: PathBuf,
}

impl Profiler {
    /// Start sampling every `interval_us` through wrangler's inspector on `port`.
    pub fn start(root: &Path, port: u16, out: &Path, interval_us: u32) -> Result<Profiler> {
        let script = Script::start(
            root,
            "profile.mjs",
            [
                port.to_string().into(),
                out.as_os_str().to_owned(),
                interval_us.to_string().into(),
            ],
            "started",
        )
        .map_err(|e| format!("the profiler: {e}"))?;
        Ok(Profiler {
            child: script.child,
            out: out.to_owned(),
        })
    }

    /// Stop sampling and summarise; the profile file is removed afterwards (profiles are large)
    /// unless `BENCH_KEEP_PROFILES` is set (to open it in DevTools).
    pub fn stop(mut self) -> Result<Breakdown> {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.write_all(b"stop\n");
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => break,
                Ok(Some(status)) => return Err(format!("the profiler failed: {status}")),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    let _ = self.child.kill();
                    return Err("the profiler did not stop within 30 s".into());
                }
            }
        }
        let text = std::fs::read_to_string(&self.out)
            .map_err(|e| format!("read {}: {e}", self.out.display()))?;
        if std::env::var_os("BENCH_KEEP_PROFILES").is_some() {
            static KEPT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = KEPT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let kept = self.out.with_extension(format!("{n}.cpuprofile"));
            let _ = std::fs::rename(&self.out, kept);
        } else {
            let _ = std::fs::remove_file(&self.out);
        }
        let profile: Value =
            serde_json::from_str(&text).map_err(|e| format!("the profile is not JSON: {e}"))?;
        Ok(Breakdown::of(&profile))
    }
}

impl Drop for Profiler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frame_paths_lose_crate_hashes_and_generic_arguments() {
        assert_eq!(
            frame_path(
                "<edge[b2c8876f833f4a43]::shell::kv::WorkersKv as edge[b2c8876f833f4a43]::core::kv::Kv>::put::{closure#0}"
            ),
            "edge::shell::kv::WorkersKv::put::{closure#0}"
        );
        assert_eq!(
            frame_path(
                "<edge[b2c8876f833f4a43]::core::service::Service<edge[b2c8876f833f4a43]::shell::kv::WorkersKv, popbill[dfe47d9a6e263599]::client::Client<popbill[dfe47d9a6e263599]::workers::FetchTransport, popbill[dfe47d9a6e263599]::JsClock>>>::submit::{closure#0}"
            ),
            "edge::core::service::Service::submit::{closure#0}",
            "the type parameters never decide the phase"
        );
        assert_eq!(
            frame_path("edge[b2c8876f833f4a43]::core::intake::parse_submit"),
            "edge::core::intake::parse_submit"
        );
        assert_eq!(
            frame_path(
                "<&mut serde_json[4539f3311d367649]::de::Deserializer<serde_json[4539f3311d367649]::read::StrRead> as serde_core[afc6e2d782c2ec03]::de::Deserializer>::deserialize_map"
            ),
            "serde_json::de::Deserializer::deserialize_map"
        );
        assert_eq!(
            frame_path(
                "js_sys[26ae8495625eb1ff]::futures::future_to_promise::<edge[b2c8876f833f4a43]::shell::_worker_fetch::{closure#0}>::{closure#0}"
            ),
            "js_sys::futures::future_to_promise::{closure#0}"
        );
        assert_eq!(frame_path("memoryKvPut"), "memoryKvPut");
        assert_eq!(frame_path("(program)"), "(program)");
    }

    fn node(id: u64, name: &str, url: &str, children: &[u64]) -> Value {
        json!({"id": id, "callFrame": {"functionName": name, "url": url}, "children": children})
    }

    #[test]
    fn a_sample_goes_to_the_innermost_phase_on_its_stack_and_idle_ones_are_left_out() {
        let w = "wasm://wasm/00411c16";
        let profile = json!({
            "nodes": [
                node(1, "(root)", "", &[2, 3, 4, 9]),
                node(2, "(idle)", "", &[]),
                node(3, "(garbage collector)", "", &[]),
                node(4, "se", "entry.js", &[5, 10]),
                node(5, "<edge[aa]::core::service::Service<edge[aa]::shell::kv::WorkersKv>>::submit::{closure#0}", w, &[6, 8]),
                node(6, "edge[aa]::core::intake::parse_submit", w, &[7]),
                node(7, "<&mut serde_json[bb]::de::Deserializer<x> as serde_core[cc]::de::Deserializer>::deserialize_map", w, &[]),
                node(8, "<edge[aa]::shell::kv::WorkersKv as edge[aa]::core::kv::Kv>::put::{closure#0}", w, &[11]),
                node(9, "(program)", "", &[]),
                node(10, "<js_sys[dd]::futures::queue::Queue>::schedule_task", w, &[]),
                node(11, "put", "entry.js", &[12]),
                node(12, "memoryKvPut", "entry.js", &[]),
            ],
            "samples": [2, 2, 3, 7, 7, 7, 6, 8, 12, 9, 4, 10],
        });
        let b = Breakdown::of(&profile);
        assert_eq!(b.idle, 2);
        assert_eq!(b.busy, 10);
        let got = |p: &str| b.phases.get(p).copied().unwrap_or(0);
        assert_eq!(
            got("parse and validate the request"),
            4,
            "serde_json under intake"
        );
        assert_eq!(got("KV calls: wasm↔JS"), 1);
        assert_eq!(
            got("memory KV (benchmark only)"),
            1,
            "the store's own work apart"
        );
        assert_eq!(got(GC), 1);
        assert_eq!(got(RUNTIME), 1);
        assert_eq!(got(JS_ENTRY), 1, "a JS frame with no phase under it");
        assert_eq!(got(ASYNC), 1, "the executor's frames");
        assert!((b.share("parse and validate the request") - 0.4).abs() < 1e-9);
        assert_eq!(b.ranked()[0].0, "parse and validate the request");
    }
}
