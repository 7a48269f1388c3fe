//! `popbill-bulk`: a merchant's file of cash receipts (현금영수증) to issued and filed with the
//! NTS, through the popbill-bulk-edge Worker or straight to POPBiLL (`--direct`).
//!
//! The pipeline, each step its own module:
//! [`input`] (bytes → rows: CSV or JSON Lines, UTF-8 or CP949) → [`check`] (POPBiLL's rules
//! by row) → [`batch`] (≤ 100 per submission, SubmitIDs from the content) → [`engine`] (send
//! each batch once, then poll until the receipts reach the requested point) → [`results`] and
//! [`report`]. Everything but [`backend`], [`clock`] and the engine's loop is pure and takes
//! `now` as an argument; the IO is the backend (the Worker's API or the `popbill` client) and
//! the clock.
//!
//! Two operations share that pipeline ([`op`]): `submit` (cash receipts) and `refund`
//! (cancellation receipts through the Worker's refund API, which holds each until its original
//! is filed): a refund file has its own columns ([`input::fields`]), its own rules
//! ([`refund::check`]) and its own routes ([`backend`]); batching, sending once, following and
//! the results file are the same.

pub mod args;
pub mod backend;
pub mod batch;
pub mod check;
pub mod clock;
pub mod commands;
pub mod engine;
pub mod error;
pub mod input;
pub mod op;
pub mod receipt;
pub mod refund;
pub mod report;
pub mod results;
pub mod setup;

use args::{Cli, Command};
use error::{CliError, Exit};
use report::progress::{Mode, Reporter};
use report::summary::Summary;

/// Run a parsed command line to its summary (or error), stopping early on Ctrl-C.
pub async fn run(cli: &Cli, reporter: &Reporter) -> Result<Summary, CliError> {
    let work = async {
        match &cli.command {
            Command::Submit(a) => commands::submit(a, reporter).await,
            Command::Refund(a) => commands::refund(a, reporter).await,
            Command::Status(a) => commands::status(a, reporter).await,
        }
    };
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(CliError::Interrupted),
    }
}

/// Print the outcome (standard output: the summary; standard error: the error) and return the
/// exit status.
pub fn finish(cli: &Cli, reporter: &Reporter, result: Result<Summary, CliError>) -> Exit {
    let shared = cli.command.shared();
    reporter.finish();
    match result {
        Ok(summary) => {
            if shared.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).expect("a summary serializes")
                );
            } else if reporter.mode() != Mode::Quiet || summary.exit != 0 {
                print!("{}", summary.text());
            }
            match summary.exit {
                0 => Exit::Ok,
                1 => Exit::Failed,
                _ => Exit::Unreachable,
            }
        }
        Err(e) => {
            eprintln!("popbill-bulk: {e}");
            let exit = e.exit();
            if shared.json {
                let problems = match &e {
                    CliError::Invalid(p) => serde_json::to_value(p).unwrap_or_default(),
                    CliError::Input(input::InputError::Header(p)) => {
                        serde_json::to_value(p).unwrap_or_default()
                    }
                    _ => serde_json::Value::Array(vec![]),
                };
                let v = serde_json::json!({ "error": e.to_string(), "problems": problems, "exit": exit.code() });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).expect("JSON values serialize")
                );
            }
            exit
        }
    }
}
