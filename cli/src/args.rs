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

Running the same command again sends nothing twice: SubmitIDs (refundIDs) come from the
file's content.

Example:
  export POPBILL_BULK_WORKER=https://bulk.example.workers.dev POPBILL_BULK_TOKEN=...
  popbill-bulk submit receipts.csv --wait issued --out results.csv
  popbill-bulk status receipts.csv --wait filed --out results.csv
  popbill-bulk refund refunds.csv --wait filed --out refund-results.csv";

const REFUND_AFTER_HELP: &str = "\
The file: CSV with a header row of the refund API's field names, or JSON Lines with the same keys:
  mgtKey                       the cancellation receipt's own, new mgtKey (required)
  orgMgtKey                    the original, issued through the Worker; or, issued elsewhere:
  orgConfirmNum, orgTradeDate  its NTS confirm number and trade date (yyyyMMdd)
  cancelType                   1 거래취소 (default), 2 오류발급취소, 3 기타취소
  isPartCancel                 true: refund the amounts given; false (default): the whole original
  supplyCost, tax, serviceFee, totalAmount
                               with isPartCancel true, and for an original issued elsewhere
  identityNum, tradeUsage, taxationType, tradeOpt
                               required for an original issued elsewhere (else the original's)
  customerName, itemName, orderNumber, email, hp, franchise..., memo, emailSubject, smssendYN

POPBiLL takes a refund only once its original is filed with the NTS (11:00 KST the day after
its issuance). The Worker takes it at once and holds it (scheduled) until then; --wait follows
it through the hold. Refunds need the Worker: --direct is refused.

Example:
  mgtKey,orgMgtKey,isPartCancel,supplyCost,tax,serviceFee,totalAmount
  R-20250711-1,20250711-0001,,,,,
  R-20250711-2,20250711-0002,true,5000,500,0,5500";

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
    /// Refund issued receipts (cancellation receipts, 취소거래) through the Worker, which holds
    /// each until its original is filed; with --wait, follow them.
    #[command(after_help = REFUND_AFTER_HELP)]
    Refund(RefundArgs),
    /// Show where a file sent earlier stands (and write --out), without sending anything.
    Status(StatusArgs),
}

impl Command {
    pub fn shared(&self) -> &Shared {
        match self {
            Command::Submit(a) => &a.shared,
            Command::Refund(a) => &a.shared,
            Command::Status(a) => &a.shared,
        }
    }
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
pub struct RefundArgs {
    /// CSV with a header row of the refund API's field names (see below), or JSON Lines; `-`
    /// reads standard input.
    pub file: String,
    /// Send the valid rows and leave the invalid ones out (listed; exit status 1).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Validate and print the batches and their refundIDs; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub shared: Shared,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The file sent earlier (the same bytes give the same SubmitIDs or refundIDs).
    #[arg(required_unless_present_any = ["submit_id", "refund_id"])]
    pub file: Option<String>,
    /// FILE is a refund file (sent with `popbill-bulk refund`).
    #[arg(long)]
    pub refunds: bool,
    /// Ask about these SubmitIDs instead of a file's (repeatable).
    #[arg(long = "submit-id", value_name = "ID", conflicts_with_all = ["file", "refunds", "refund_id"])]
    pub submit_id: Vec<String>,
    /// Ask about these refund requests (refundIDs) instead of a file's (repeatable).
    #[arg(long = "refund-id", value_name = "ID", conflicts_with = "file")]
    pub refund_id: Vec<String>,
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
    /// Receipts only: refunds need the Worker.
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
    /// The member (사업자번호, 10 digits) the receipts (or refunds) are issued for; required
    /// with --direct. Without it the Worker's default member is used and receipt rows are
    /// checked against the first row's franchiseCorpNum.
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
    /// Rows per submission or refund request (POPBiLL's maximum is 100). Part of the SubmitIDs
    /// (refundIDs): keep it the same when running a file again.
    #[arg(long, default_value_t = 100, value_name = "N", help_heading = "File")]
    pub batch_size: usize,
    /// Whose clock judges tradeDT's "today or yesterday" and when filing results are due.
    #[arg(long, value_enum, default_value_t = ClockChoice::Local, help_heading = "File")]
    pub clock: ClockChoice,

    // Following.
    /// Follow the receipts until each is issued, or filed with the NTS (11:00 KST the day
    /// after issuance), or failed for good. Refunds are held until their originals are filed
    /// first.
    #[arg(long, value_enum, value_name = "POINT", help_heading = "Run")]
    pub wait: Option<Target>,
    /// Write one row per receipt or refund (mgtKey, submitID, status, confirmNum, codes, dates)
    /// here, atomically.
    #[arg(long, value_name = "FILE", help_heading = "Run")]
    pub out: Option<PathBuf>,
    /// Batches in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N", help_heading = "Run")]
    pub concurrency: usize,
    /// Longest pause between polling rounds, in seconds (rounds start 2 s apart and back off).
    #[arg(long, default_value_t = 60, value_name = "SECS", help_heading = "Run")]
    pub poll_max: u64,
    /// How often a batch (or a polling round) is retried when the far side cannot be reached;
    /// also how often a refund batch is sent again while its originals' issuance is not on
    /// record yet (the Worker's 409 original_pending, 2 s doubling to 30 s apart).
    #[arg(long, default_value_t = 8, value_name = "N", help_heading = "Run")]
    pub retries: u32,

    /// No progress output; errors and warnings only.
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,
    /// Print a machine-readable summary (JSON) on standard output.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}
