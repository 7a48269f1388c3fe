//! The Worker's isolate heap, read through wrangler's inspector (`bench/worker/heap.mjs`): the
//! cron rounds note it before and after each invocation, so an invocation during which V8
//! collected garbage (the heap shrank) can be told from the others.

use std::io::Write;
use std::path::Path;
use std::process::ChildStdin;

use crate::inspector::Script;
use crate::stack::Result;

pub struct HeapProbe {
    script: Script,
    stdin: ChildStdin,
}

impl HeapProbe {
    /// Connect to the isolate through wrangler's inspector on `port`.
    pub fn start(root: &Path, port: u16) -> Result<HeapProbe> {
        let mut script = Script::start(root, "heap.mjs", [port.to_string()], "ready")?;
        let stdin = script.child.stdin.take().ok_or("the heap probe's stdin")?;
        Ok(HeapProbe { script, stdin })
    }

    /// The bytes of the isolate's heap in use now.
    pub fn used(&mut self) -> Result<u64> {
        self.stdin
            .write_all(b"\n")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("ask the heap probe: {e}"))?;
        let line = self.script.next_line()?;
        line.split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("the heap probe answered {line:?}"))
    }
}

impl Drop for HeapProbe {
    fn drop(&mut self) {
        let _ = self.script.child.kill();
        let _ = self.script.child.wait();
    }
}
