//! The Worker's isolate heap, read through wrangler's inspector (`bench/worker/heap.mjs`): the
//! cron rounds note it before and after each invocation, so an invocation during which V8
//! collected garbage (the heap shrank) can be told from the others.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use crate::stack::Result;

pub struct HeapProbe {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl HeapProbe {
    /// Connect to the isolate through wrangler's inspector on `port`.
    pub fn start(root: &Path, port: u16) -> Result<HeapProbe> {
        let mut child = Command::new("node")
            .arg("--experimental-websocket")
            .arg(root.join("bench/worker/heap.mjs"))
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("start the heap probe (node): {e}"))?;
        let stdin = child.stdin.take().ok_or("the heap probe's stdin")?;
        let stdout = child.stdout.take().ok_or("the heap probe's stdout")?;
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut probe = HeapProbe {
            child,
            stdin,
            lines,
        };
        match probe.next_line()?.as_str() {
            "ready" => Ok(probe),
            other => Err(format!("the heap probe did not start: {other:?}")),
        }
    }

    fn next_line(&mut self) -> Result<String> {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| "the heap probe did not answer within 20 s".to_string())
    }

    /// The bytes of the isolate's heap in use now.
    pub fn used(&mut self) -> Result<u64> {
        self.ask(b"\n")
    }

    fn ask(&mut self, line: &[u8]) -> Result<u64> {
        self.stdin
            .write_all(line)
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("ask the heap probe: {e}"))?;
        let line = self.next_line()?;
        line.split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("the heap probe answered {line:?}"))
    }
}

impl Drop for HeapProbe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
