//! The `popbill-bulk` binary: parse the command line, run, exit with the run's status.

use std::process::ExitCode;

use clap::Parser as _;
use popbill_bulk::args::Cli;
use popbill_bulk::report::progress::{Mode, Reporter};

fn main() -> ExitCode {
    // clap prints usage errors and exits 2; --help and --version exit 0.
    let cli = Cli::parse();
    let quiet = cli.command.shared().quiet;
    let reporter = Reporter::new(Mode::detect(quiet));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("popbill-bulk: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(popbill_bulk::run(&cli, &reporter));
    let exit = popbill_bulk::finish(&cli, &reporter, result);
    ExitCode::from(exit.code() as u8)
}
