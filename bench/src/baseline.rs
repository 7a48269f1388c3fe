//! The Worker's CPU before issue #15's cuts (`bench/baseline/worker-cpu-before.tsv`), measured
//! once with `popbill-bench --worker-cpu` on the code before them, so that every report shows
//! before and after.

use std::collections::BTreeMap;
use std::path::Path;

use crate::stack::Result;
use crate::worker_cpu::Spread;

pub const PATH: &str = "bench/baseline/worker-cpu-before.tsv";

#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// Where and when it was measured (the file's comment lines).
    pub provenance: String,
    /// `cpu`, `noop` and `cron` lines, by `kind.key`.
    pub spreads: BTreeMap<String, Spread>,
    /// KV operations per request, by key.
    pub kv: BTreeMap<String, String>,
    /// Latencies (ms) and where they come from, by key.
    pub latency: BTreeMap<String, (f64, String)>,
    /// Profile shares (%), by key, in file order.
    pub profile: BTreeMap<String, Vec<(String, f64)>>,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Baseline::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Baseline> {
        let mut b = Baseline::default();
        let mut about = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if let Some(c) = line.strip_prefix('#') {
                about.push(c.trim());
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let bad = || format!("line {}: {line:?}", n + 1);
            let num = |i: usize| -> Result<f64> {
                f.get(i).and_then(|v| v.trim().parse().ok()).ok_or_else(bad)
            };
            match (f.first().copied(), f.len()) {
                (Some("cpu" | "noop" | "cron"), 5) => {
                    b.spreads.insert(
                        format!("{}.{}", f[0], f[1]),
                        Spread {
                            median: num(2)?,
                            min: num(3)?,
                            max: num(4)?,
                        },
                    );
                }
                (Some("kv"), 3) => {
                    b.kv.insert(f[1].to_owned(), f[2].to_owned());
                }
                (Some("latency"), 4) => {
                    b.latency
                        .insert(f[1].to_owned(), (num(2)?, f[3].to_owned()));
                }
                (Some("profile"), 4) => {
                    b.profile
                        .entry(f[1].to_owned())
                        .or_default()
                        .push((f[2].to_owned(), num(3)?));
                }
                _ => return Err(bad()),
            }
        }
        b.provenance = about
            .iter()
            .take_while(|l| !l.starts_with("Kept:") && !l.starts_with("Lines:"))
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(b)
    }

    pub fn cpu(&self, key: &str) -> Option<Spread> {
        self.spreads.get(&format!("cpu.{key}")).copied()
    }

    pub fn cron(&self, key: &str) -> Option<Spread> {
        self.spreads.get(&format!("cron.{key}")).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_line_is_read_and_a_bad_one_is_refused_with_its_number() {
        let text = "# Measured on commit x.\n# Lines: ...\ncpu\tsubmit_100\t3.88\t3.68\t4.30\n\
                    cron\tidle\t7.5\t6.8\t7.6\nkv\tsubmit_100\t103 puts\n\
                    latency\tp50\t97.6\tan old report\nprofile\tsubmit_100\tJSON\t11.7\n\
                    profile\tsubmit_100\tKV calls\t12.0\n";
        let b = Baseline::parse(text).unwrap();
        assert_eq!(b.provenance, "Measured on commit x.");
        assert_eq!(b.cpu("submit_100").map(|s| s.max), Some(4.30));
        assert_eq!(b.cron("idle").map(|s| s.median), Some(7.5));
        assert_eq!(b.kv["submit_100"], "103 puts");
        assert_eq!(b.latency["p50"].0, 97.6);
        assert_eq!(b.profile["submit_100"][1], ("KV calls".to_owned(), 12.0));
        let err = Baseline::parse("cpu\tx\t1\t2\n").unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
        assert!(Baseline::parse("cpu\tx\tone\t2\t3\n").is_err());
    }

    #[test]
    fn the_committed_baseline_reads() {
        let b = Baseline::read(&e2e::repo_root().join(PATH)).unwrap();
        for key in ["submit_100", "webhook_new", "read_100"] {
            assert!(b.cpu(key).is_some(), "{key}");
            assert!(b.profile.contains_key(key), "{key}");
        }
        assert!(b.cron("heavy").is_some() && b.cron("idle").is_some());
    }
}
