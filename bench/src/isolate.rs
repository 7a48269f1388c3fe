//! The thread that runs the Worker's isolate in workerd, and its CPU time.
//!
//! `wrangler dev` starts two workerd processes: one for wrangler's own proxy and inspector
//! workers, and one for the Worker (the only one given `--inspector-addr`). In the Worker's
//! process the isolate runs on the main thread; V8's background threads (compilers, concurrent
//! GC) run beside it. Cloudflare bills and limits the time the isolate's thread spends on an
//! invocation, so that thread's CPU time is the figure that carries over; the whole process's
//! time is kept for comparison.

use std::path::Path;

/// The Worker's workerd process under a `wrangler dev` process tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isolate {
    pub pid: u32,
}

/// CPU time so far, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// The isolate's thread (on-CPU time from the scheduler, nanosecond resolution).
    pub thread_ns: u64,
    /// Every thread of the process, living or exited (user + system, 10 ms ticks).
    pub process_ns: u64,
}

impl CpuTime {
    pub fn since(self, before: CpuTime) -> CpuTime {
        CpuTime {
            thread_ns: self.thread_ns.saturating_sub(before.thread_ns),
            process_ns: self.process_ns.saturating_sub(before.process_ns),
        }
    }
}

impl Isolate {
    /// The descendant of `root` (wrangler's process) that is a workerd started with an
    /// inspector address; `None` while it is not running (wrangler restarts it on reloads).
    pub fn find(root: u32) -> Option<Isolate> {
        let procs = processes(Path::new("/proc"));
        let mut inside = vec![root];
        // Parents may be listed after their children: repeat until nothing is added.
        loop {
            let before = inside.len();
            for p in &procs {
                if inside.contains(&p.ppid) && !inside.contains(&p.pid) {
                    inside.push(p.pid);
                }
            }
            if inside.len() == before {
                break;
            }
        }
        procs
            .iter()
            .find(|p| {
                inside.contains(&p.pid)
                    && p.comm == "workerd"
                    && p.args.iter().any(|a| a.starts_with("--inspector-addr"))
            })
            .map(|p| Isolate { pid: p.pid })
    }

    pub fn cpu(&self) -> Option<CpuTime> {
        let thread =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/schedstat", pid = self.pid))
                .ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        Some(CpuTime {
            thread_ns: schedstat_ns(&thread)?,
            process_ns: stat_ticks(&stat)? * 10_000_000,
        })
    }
}

/// The first field of `/proc/<pid>/task/<tid>/schedstat`: time spent on a CPU, in ns.
fn schedstat_ns(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
}

/// utime + stime (clock ticks) of `/proc/<pid>/stat`; the command name may hold spaces.
fn stat_ticks(text: &str) -> Option<u64> {
    let after = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

struct Proc {
    pid: u32,
    ppid: u32,
    comm: String,
    args: Vec<String>,
}

fn processes(proc_dir: &Path) -> Vec<Proc> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(proc_dir) else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let args = std::fs::read(e.path().join("cmdline"))
            .unwrap_or_default()
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        out.push(Proc {
            pid,
            ppid,
            comm: stat[open + 1..close].to_owned(),
            args,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedstat_gives_the_on_cpu_nanoseconds() {
        assert_eq!(schedstat_ns("72018476 1200 35\n"), Some(72_018_476));
        assert_eq!(schedstat_ns(""), None);
    }

    #[test]
    fn stat_ticks_add_user_and_system_time_after_a_name_with_spaces() {
        let stat = "42 (V8 DefaultWorke) S 1 42 42 0 -1 4194560 100 0 0 0 250 17 0 0 20 0 5";
        assert_eq!(stat_ticks(stat), Some(267));
        assert_eq!(stat_ticks("42 (x) S 1"), None);
    }

    #[test]
    fn no_isolate_is_found_outside_wrangler_and_any_process_cpu_can_be_read() {
        let me = std::process::id();
        assert_eq!(
            Isolate::find(me),
            None,
            "no workerd runs under the test binary"
        );
        let cpu = Isolate { pid: me }
            .cpu()
            .expect("the test's own /proc entries");
        assert!(cpu.thread_ns > 0, "the main thread has run");
        let earlier = CpuTime {
            thread_ns: cpu.thread_ns + 1,
            process_ns: 0,
        };
        assert_eq!(
            cpu.since(earlier).thread_ns,
            0,
            "a counter never goes below zero"
        );
    }
}
