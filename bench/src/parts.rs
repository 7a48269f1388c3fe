//! A measured part of the run: its wall time, the machine's load around it and the CPU time
//! each process used, for the report's "How it was measured" table.

use std::time::Instant;

use crate::machine;
use crate::report::Part;
use crate::stack::Result;

pub fn say(what: &str) {
    println!("[{}] {what}", chrono::Local::now().format("%H:%M:%S"));
}

/// Run `f` as the part `name`, recorded in `parts`.
pub async fn part<T>(
    parts: &mut Vec<Part>,
    name: &str,
    f: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    say(&format!("{name}: running"));
    let (load0, cpu0, t0) = (machine::load(), machine::tree_cpu(), Instant::now());
    let out = f.await?;
    parts.push(Part {
        name: name.to_owned(),
        load_before: load0,
        load_after: machine::load(),
        secs: t0.elapsed().as_secs_f64(),
        cpu: machine::cpu_delta(&cpu0, &machine::tree_cpu()),
    });
    let cpu = parts.last().map(Part::cpu_text).unwrap_or_default();
    say(&format!(
        "{name}: done in {:.1} s (CPU s: {cpu})",
        t0.elapsed().as_secs_f64()
    ));
    Ok(out)
}
