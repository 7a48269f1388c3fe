//! The command line (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::clock::ClockChoice;
use crate::input::{EncodingChoice, Format};
use crate::receipt::Target;

const AFTER_HELP: &str = "\
Exit status:
  0  every receipt reached the requested point (accepted; with --wait, issued or filed)
  1  some receipts failed (they are listed), or were left out by --skip-invalid
  2  usage or input error: nothing was sent; or the credentials were refused
  3  could not reach the Worker (or POPBiLL with --direct)
  130 interrupted: run the same command again to resume

Running the same command again sends nothing twice: SubmitIDs come from the file's content.

Example:
  export POPBILL_BULK_WORKER=https://bulk.example.workers.dev POPBILL_BULK_TOKEN=...
  popbill-bulk submit receipts.csv --wait issued --out results.csv
  popbill-bulk status receipts.csv --wait filed --out results.csv";

/// From a merchant's file of cash receipts (현금영수증) to issued and filed with the NTS, through
/// the popbill-bulk-edge Worker or straight to POPBiLL.
#[derive(Debug, Parser)]
#[command(name = "popbill-bulk", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate every row, send the file in batches of up to 100 and, with --wait, follow them.
    Submit(SubmitArgs),
    /// Show where a file sent earlier stands (and write --out), without sending anything.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// CSV with a header row of POPBiLL's Cashbill field names, or JSON Lines; `-` reads
    /// standard input.
    pub file: String,
    /// Send the valid rows and leave the invalid ones out (listed; exit status 1).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Validate and print the batches and their SubmitIDs; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub shared: Shared,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The file sent earlier (the same bytes give the same SubmitIDs).
    #[arg(required_unless_present = "submit_id")]
    pub file: Option<String>,
    /// Ask about these SubmitIDs instead of a file's (repeatable).
    #[arg(long = "submit-id", value_name = "ID", conflicts_with = "file")]
    pub submit_id: Vec<String>,
    #[command(flatten)]
    pub shared: Shared,
}

#[derive(Debug, Args)]
pub struct Shared {
    // Where to.
    /// The Worker's base URL.
    #[arg(
        long,
        env = "POPBILL_BULK_WORKER",
        value_name = "URL",
        help_heading = "Worker"
    )]
    pub worker: Option<String>,
    /// The Worker's API token (sent as `Authorization: Bearer`).
    #[arg(
        long,
        env = "POPBILL_BULK_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        help_heading = "Worker"
    )]
    pub token: Option<String>,

    /// Straight to POPBiLL with POPBILL_LINK_ID and POPBILL_SECRET_KEY from the environment
    /// (never on the command line) and the member's CorpNum (--corp-num / POPBILL_CORP_NUM).
    #[arg(long, help_heading = "Direct to POPBiLL")]
    pub direct: bool,
    /// POPBiLL's test environment (the default).
    #[arg(
        long,
        conflicts_with = "production",
        help_heading = "Direct to POPBiLL"
    )]
    pub test: bool,
    /// POPBiLL's production environment: real receipts.
    #[arg(long, help_heading = "Direct to POPBiLL")]
    pub production: bool,
    /// Another POPBiLL API host (a static-IP host, or the mock).
    #[arg(
        long,
        env = "POPBILL_API_URL",
        value_name = "URL",
        help_heading = "Direct to POPBiLL"
    )]
    pub api_url: Option<String>,
    /// Another Linkhub auth host (tokens, and `GET /Time` for --clock linkhub).
    #[arg(
        long,
        env = "POPBILL_AUTH_URL",
        value_name = "URL",
        help_heading = "Direct to POPBiLL"
    )]
    pub auth_url: Option<String>,

    // The file.
    /// The member (사업자번호, 10 digits) the receipts are issued for; required with --direct.
    /// Without it the Worker's default member is used and rows are checked against the first
    /// row's franchiseCorpNum.
    #[arg(
        long,
        env = "POPBILL_CORP_NUM",
        value_name = "CORPNUM",
        help_heading = "File"
    )]
    pub corp_num: Option<String>,
    /// The file's format (default: by extension, else by its first character).
    #[arg(long, value_enum, help_heading = "File")]
    pub format: Option<Format>,
    /// The file's encoding: auto detects UTF-8, UTF-16 with a BOM and Korean CP949 (EUC-KR).
    #[arg(long, value_enum, default_value_t = EncodingChoice::Auto, help_heading = "File")]
    pub encoding: EncodingChoice,
    /// Receipts per submission (POPBiLL's maximum is 100). Part of the SubmitIDs: keep it the
    /// same when running a file again.
    #[arg(long, default_value_t = 100, value_name = "N", help_heading = "File")]
    pub batch_size: usize,
    /// Whose clock judges tradeDT's "today or yesterday" and when filing results are due.
    #[arg(long, value_enum, default_value_t = ClockChoice::Local, help_heading = "File")]
    pub clock: ClockChoice,

    // Following.
    /// Follow the receipts until each is issued, or filed with the NTS (11:00 KST the day
    /// after issuance), or failed for good.
    #[arg(long, value_enum, value_name = "POINT", help_heading = "Run")]
    pub wait: Option<Target>,
    /// Write one row per receipt (mgtKey, submitID, status, confirmNum, codes, dates) here,
    /// atomically.
    #[arg(long, value_name = "FILE", help_heading = "Run")]
    pub out: Option<PathBuf>,
    /// Batches in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N", help_heading = "Run")]
    pub concurrency: usize,
    /// Longest pause between polling rounds, in seconds (rounds start 2 s apart and back off).
    #[arg(long, default_value_t = 60, value_name = "SECS", help_heading = "Run")]
    pub poll_max: u64,
    /// How often a batch (or a polling round) is retried when the far side cannot be reached.
    #[arg(long, default_value_t = 8, value_name = "N", help_heading = "Run")]
    pub retries: u32,

    /// No progress output; errors and warnings only.
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,
    /// Print a machine-readable summary (JSON) on standard output.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}
