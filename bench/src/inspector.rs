//! The benchmark's node scripts that talk to the Worker's isolate through wrangler's inspector
//! (`bench/worker/profile.mjs`, `bench/worker/heap.mjs`): started the same way, each answering
//! on stdout one line at a time.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use crate::stack::Result;

/// A running inspector script: its process (stdin piped) and its stdout's lines.
pub struct Script {
    pub child: Child,
    pub lines: Receiver<String>,
}

impl Script {
    /// Start `bench/worker/<name>` under node with `args`, and wait for its first line to be
    /// `ready_line` (it is connected), for at most 20 s.
    pub fn start<I, S>(root: &Path, name: &str, args: I, ready_line: &str) -> Result<Script>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut child = Command::new("node")
            .arg("--experimental-websocket")
            .arg(root.join("bench/worker").join(name))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("start {name} (node): {e}"))?;
        let stdout = child.stdout.take().ok_or("the script's stdout")?;
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut script = Script { child, lines };
        match script.next_line() {
            Ok(line) if line == ready_line => Ok(script),
            other => {
                let _ = script.child.kill();
                Err(format!("{name} did not start: {other:?}"))
            }
        }
    }

    /// The script's next line, waiting at most 20 s.
    pub fn next_line(&mut self) -> Result<String> {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| "the inspector script did not answer within 20 s".to_string())
    }
}
