//! Figures measured outside this binary, read back: the native core benchmark
//! (`cargo bench -p edge --bench core`, its `BENCH name value unit` lines), the mock's throughput
//! benchmark (`cargo bench -p mock-server --bench throughput`, its printed lines), the built
//! wasm, and `wrangler deploy --dry-run`'s upload size.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use crate::stack::Result;

/// `BENCH <name> <value> <unit>` lines of the core benchmark.
#[derive(Debug, Clone, Default)]
pub struct CoreFigures(pub BTreeMap<String, f64>);

impl CoreFigures {
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("read {}: {e} (run `make bench`)", path.display()))?;
        let mut map = BTreeMap::new();
        for line in text.lines() {
            let mut parts = line.split_whitespace();
            if parts.next() != Some("BENCH") {
                continue;
            }
            if let (Some(name), Some(Ok(value))) = (parts.next(), parts.next().map(str::parse)) {
                map.insert(name.to_owned(), value);
            }
        }
        if map.is_empty() {
            return Err(format!("{}: no BENCH lines", path.display()));
        }
        Ok(CoreFigures(map))
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.get(name).copied()
    }
}

/// One line of the mock's throughput benchmark.
#[derive(Debug, Clone)]
pub struct MockLine {
    pub what: String,
    pub req_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, Default)]
pub struct MockFigures {
    pub header: String,
    pub lines: Vec<MockLine>,
    pub memory: Option<String>,
}

fn number_before(s: &str, marker: &str) -> Option<f64> {
    let head = &s[..s.find(marker)?];
    head.split_whitespace().last()?.parse().ok()
}

impl MockFigures {
    /// Lines like `GetBulkResult (1 receipt)   41000 req/s   p50 1.20 ms   p99 3.40 ms   (…)`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("read {}: {e} (run `make bench`)", path.display()))?;
        let mut out = MockFigures::default();
        for line in text.lines() {
            if line.starts_with("popbill-mock throughput") {
                out.header = line.trim().to_owned();
            } else if line.starts_with("memory per stored receipt") {
                out.memory = Some(line.trim().to_owned());
            } else if let Some(at) = line.find(" req/s") {
                let what = line[..at]
                    .rsplit_once(char::is_whitespace)
                    .map(|(w, _)| w.trim().to_owned())
                    .unwrap_or_default();
                let tail = &line[at..];
                let after = |m: &str| {
                    tail.find(m)
                        .and_then(|i| tail[i + m.len()..].split_whitespace().next())
                        .and_then(|v| v.parse().ok())
                };
                if let (Some(rps), Some(p50), Some(p99)) =
                    (number_before(line, " req/s"), after("p50 "), after("p99 "))
                {
                    out.lines.push(MockLine {
                        what,
                        req_per_sec: rps,
                        p50_ms: p50,
                        p99_ms: p99,
                    });
                }
            }
        }
        if out.lines.is_empty() {
            return Err(format!("{}: no throughput lines", path.display()));
        }
        Ok(out)
    }
}

/// The built Worker's wasm: raw bytes and gzip -9 bytes.
pub fn wasm_size(path: &Path) -> Result<(u64, u64)> {
    let raw = std::fs::read(path)
        .map_err(|e| format!("read {}: {e} (run `make worker`)", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw).map_err(|e| e.to_string())?;
    let gz = gz.finish().map_err(|e| e.to_string())?;
    Ok((raw.len() as u64, gz.len() as u64))
}

/// `scripts/dry-run.sh`: wrangler's "Total Upload: X KiB / gzip: Y KiB" line.
pub fn dry_run(root: &Path) -> Result<String> {
    let out = Command::new(root.join("scripts/dry-run.sh"))
        .current_dir(root)
        .output()
        .map_err(|e| format!("scripts/dry-run.sh: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.contains("Total Upload"))
        .map(|l| l.trim().to_owned())
        .ok_or_else(|| format!("scripts/dry-run.sh printed no upload size: {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("the temp folder is writable");
        f.write_all(text.as_bytes())
            .expect("the temp file takes the text");
        f
    }

    #[test]
    fn mock_throughput_lines_are_read_with_their_label_rate_and_percentiles() {
        let f = write(
            "popbill-mock throughput: 64 keep-alive connections, 2 worker threads\n\
             memory per stored receipt: 745 bytes (RSS 4704 KiB -> 77432 KiB)\n\
             GetBulkResult (100 receipts, ~25 KB)        62197 req/s   p50   0.79 ms   p99   5.09 ms   (186723 requests, 3.0 s)\n\
             BulkSubmit (100 receipts, ~27 KB)           10496 req/s   p50   5.23 ms   p99  16.25 ms   (16384 requests, 1.6 s)\n",
        );
        let m = MockFigures::read(f.path()).expect("parses");
        assert_eq!(m.lines.len(), 2);
        assert_eq!(m.lines[0].what, "GetBulkResult (100 receipts, ~25 KB)");
        assert_eq!(m.lines[0].req_per_sec, 62197.0);
        assert_eq!((m.lines[1].p50_ms, m.lines[1].p99_ms), (5.23, 16.25));
        assert!(m.memory.is_some_and(|l| l.contains("745 bytes")));
        assert!(m.header.contains("64 keep-alive"));
    }

    #[test]
    fn core_figures_are_the_bench_lines_only() {
        let f = write("edge core: native\nBENCH core.submit_100.cpu_ms 0.7683 ms\nnoise 1 2\n");
        let c = CoreFigures::read(f.path()).expect("parses");
        assert_eq!(c.get("core.submit_100.cpu_ms"), Some(0.7683));
        assert_eq!(c.0.len(), 1);
    }

    #[test]
    fn outputs_without_figures_are_refused() {
        let f = write("nothing here\n");
        assert!(CoreFigures::read(f.path()).is_err());
        assert!(MockFigures::read(f.path()).is_err());
    }
}
