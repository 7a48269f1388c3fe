//! Part 6 of `docs/BENCHMARKS.md`: `popbill-bulk` from a file to every receipt issued.

use std::fmt::Write as _;

use super::{Results, thousands};

pub fn part6(w: &mut String, r: &Results) {
    if r.cli.is_empty() {
        return;
    }
    let _ = writeln!(
        w,
        "## 6. `popbill-bulk`: from a file to every receipt issued\n"
    );
    let _ = writeln!(
        w,
        "The command-line tool (`cli/`) as a merchant would run it: `popbill-bulk submit \
         receipts.csv --wait issued --json --quiet --concurrency {}`, a CSV of {} rows, timed \
         from start to exit (reading and checking the file, sending 100 batches of 100, then \
         polling from 2 s apart, backing off ×1.5 while nothing changes). Through the Worker the \
         results come to the Worker by webhook (and its own post-submit polling) and the tool \
         reads `GET /v1/submissions/{{id}}`; with `--direct` the tool asks POPBiLL's \
         GetBulkResult itself (2–5 s apart while processing). Mock without added delay.\n",
        r.cli[0].concurrency,
        thousands(r.cli[0].rows)
    );
    let _ = writeln!(
        w,
        "| path | rows | wall time | rows/s | the tool's requests | requests reaching POPBiLL | final counts |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---|---|---|");
    for c in &r.cli {
        let _ = writeln!(
            w,
            "| {} | {} | {:.1} s | {:.0} | {} ({}) | {} ({}) | {} |",
            c.via.name(),
            thousands(c.rows),
            c.secs,
            c.rows as f64 / c.secs.max(0.001),
            thousands(c.total_requests() as usize),
            c.requests_text(),
            thousands(c.upstream.total()),
            c.upstream.describe(),
            c.counts
        );
    }
    let _ = writeln!(
        w,
        "\nA second run of the same command sends nothing (every SubmitID is derived from the \
         file's content; the Worker answers the stored submission, `--direct` finds it with \
         GetBulkResult): the e2e tests assert it with the mock's journal.\n"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli_file::{CliRun, Via};

    #[test]
    fn part_6_has_one_table_row_per_path_with_time_rate_and_requests() {
        let mut upstream = crate::stack::Upstream::default();
        upstream.by_call.insert("BulkSubmit", 100);
        upstream.by_call.insert("GetBulkResult", 300);
        let run = |via, secs| CliRun {
            via,
            rows: 10_000,
            concurrency: 16,
            secs,
            counts: "issued 10000".into(),
            requests: [
                ("BulkSubmit".to_owned(), 100),
                ("GetBulkResult".to_owned(), 300),
            ]
            .into(),
            upstream: upstream.clone(),
        };
        let r = Results {
            cli: vec![run(Via::Worker, 25.0), run(Via::Direct, 12.5)],
            ..Default::default()
        };
        let mut w = String::new();
        part6(&mut w, &r);
        assert!(w.contains("--concurrency 16`, a CSV of 10,000 rows"), "{w}");
        assert!(w.contains("| through the Worker | 10,000 | 25.0 s | 400 | 400 (BulkSubmit 100, GetBulkResult 300) | 400 (BulkSubmit 100, GetBulkResult 300) | issued 10000 |"), "{w}");
        assert!(w.contains("| --direct | 10,000 | 12.5 s | 800 |"), "{w}");
        let mut empty = String::new();
        part6(&mut empty, &Results::default());
        assert!(empty.is_empty(), "no section when part 6 did not run");
    }
}
