//! The backstop that no Worker outlives the bench: the harness kills `wrangler dev` (and its
//! process group) on drop, but the release profile aborts on panic, so nothing is dropped then.
//! The panic hook (and the end of `main`) stop this process's own children, by id: each
//! `wrangler dev` leads its own process group, which holds workerd.

use std::process::{Command, Stdio};

/// Children of this process: (pid, process group).
fn children() -> Vec<(u32, u32)> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // After the command name in parentheses: state, ppid, pgrp, …
            let rest = &stat[stat.rfind(')')? + 1..];
            let mut f = rest.split_whitespace().skip(1);
            let ppid: u32 = f.next()?.parse().ok()?;
            let pgrp: u32 = f.next()?.parse().ok()?;
            (ppid == me).then_some((pid, pgrp))
        })
        .collect()
}

/// SIGTERM, then SIGKILL, to every child (its whole group when it leads one).
pub fn kill_children() {
    for signal in ["-TERM", "-KILL"] {
        let kids = children();
        if kids.is_empty() {
            return;
        }
        for (pid, pgrp) in kids {
            let target = if pgrp == pid {
                format!("-{pid}")
            } else {
                pid.to_string()
            };
            let _ = Command::new("kill")
                .args([signal, "--", &target])
                .stderr(Stdio::null())
                .status();
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        kill_children();
    }));
}
