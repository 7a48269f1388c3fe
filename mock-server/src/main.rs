//! `popbill-mock`: run the mock POPBiLL server.
//!
//! The first line on stdout is the bound URL (`http://127.0.0.1:PORT`); logs go to stderr.

use std::io::Write as _;
use std::time::Duration;

use chrono::DateTime;
use clap::Parser;
use mock_server::config::AuthClock;
use mock_server::{ClockMode, Config};
use tokio::net::TcpListener;

#[derive(Parser, Debug)]
#[command(
    name = "popbill-mock",
    version,
    about = "A faithful, stateful POPBiLL on a simulated clock, with scenarios and faults",
    after_help = "Control API under /_mock/ (clock, faults, config, points, journal, webhooks, messages, state, reset): see mock-server/README.md"
)]
struct Args {
    /// Port to listen on (0 = any free port). The bound URL is printed as the first line.
    #[arg(long, default_value_t = 9080)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The partner's LinkID that token requests must carry.
    #[arg(long, default_value = mock_server::config::DEV_LINK_ID)]
    link_id: String,
    /// The partner's SecretKey (Base64) that signs token requests.
    #[arg(long, default_value = mock_server::config::DEV_SECRET_KEY)]
    secret_key: String,
    /// The member's CorpNum (10 digits).
    #[arg(long, default_value = mock_server::config::DEV_CORP_NUM)]
    corp_num: String,
    /// Where webhooks go (none when absent). http:// only.
    #[arg(long)]
    webhook_url: Option<String>,
    /// Sent as `X-Api-Key` with every webhook.
    #[arg(long)]
    webhook_api_key: Option<String>,
    /// `user:pass`, sent as `Authorization: Basic …` with every webhook.
    #[arg(long)]
    webhook_basic_auth: Option<String>,
    /// Simulated start time (RFC 3339, e.g. 2025-07-11T10:00:00+09:00); default: now.
    #[arg(long)]
    start: Option<String>,
    /// `frozen` (moves only through the control API) or `real` (follows real time).
    #[arg(long, default_value = "frozen", value_parser = ["frozen", "real"])]
    clock: String,
    /// Seed for generated identifiers and fault rates: same seed, same inputs, same outputs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Seconds a bulk submission stays in txState 0 before processing starts.
    #[arg(long, default_value_t = 1.0)]
    delay_to_processing_secs: f64,
    /// Seconds a bulk submission stays in txState 1 before it completes.
    #[arg(long, default_value_t = 2.0)]
    delay_to_completed_secs: f64,
    /// Session token lifetime in seconds (on the clock --auth-clock names).
    #[arg(long, default_value_t = 3600)]
    token_ttl_secs: u64,
    /// The clock Linkhub's x-lh-date check and token lifetimes follow: `real` (so SDKs on
    /// default settings survive simulated-clock jumps) or `simulated` (token-expiry tests).
    #[arg(long, default_value = "real", value_parser = ["real", "simulated"])]
    auth_clock: String,
    /// Base of the view URLs the mock hands out (default: the address it listens on).
    #[arg(long)]
    public_url: Option<String>,
    /// The member's points balance at start; issuance spends --unit-cost per receipt.
    #[arg(long, default_value_t = mock_server::config::DEFAULT_POINTS)]
    points: u64,
    /// The partner's points balance (reported by GetPartnerBalance, never spent).
    #[arg(long, default_value_t = mock_server::config::DEFAULT_POINTS)]
    partner_points: u64,
    /// Points one issued receipt costs.
    #[arg(long, default_value_t = mock_server::config::DEFAULT_UNIT_COST)]
    unit_cost: u64,
    /// Added delay (real milliseconds) before every POPBiLL API answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

fn secs(v: f64, name: &str) -> Duration {
    Duration::try_from_secs_f64(v).unwrap_or_else(|_| {
        eprintln!("popbill-mock: --{name} must be a number of seconds ≥ 0");
        std::process::exit(2);
    })
}

fn config(args: &Args) -> Config {
    let start = args.start.as_deref().map(|s| {
        DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| {
            eprintln!("popbill-mock: --start {s:?} is not RFC 3339: {e}");
            std::process::exit(2);
        })
    });
    Config {
        link_id: args.link_id.clone(),
        secret_key: args.secret_key.clone(),
        corp_num: args.corp_num.clone(),
        webhook_url: args.webhook_url.clone(),
        webhook_api_key: args.webhook_api_key.clone(),
        webhook_basic_auth: args.webhook_basic_auth.clone(),
        start,
        clock: ClockMode::parse(&args.clock).unwrap_or_default(),
        seed: args.seed,
        delay_to_processing: secs(args.delay_to_processing_secs, "delay-to-processing-secs"),
        delay_to_completed: secs(args.delay_to_completed_secs, "delay-to-completed-secs"),
        token_ttl: Duration::from_secs(args.token_ttl_secs),
        auth_clock: AuthClock::parse(&args.auth_clock).unwrap_or_default(),
        public_url: args.public_url.clone(),
        points: args.points,
        partner_points: args.partner_points,
        unit_cost: args.unit_cost,
        latency: Duration::from_millis(args.latency_ms),
        ..Config::default()
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = config(&args);
    if let Err(e) = config.validate() {
        eprintln!("popbill-mock: {e}");
        std::process::exit(2);
    }
    let listener = match TcpListener::bind((args.host.as_str(), args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("popbill-mock: cannot bind {}:{}: {e}", args.host, args.port);
            std::process::exit(2);
        }
    };
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("http://{addr}");
    let _ = std::io::stdout().flush();
    if let Err(e) = mock_server::run(listener, config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    {
        eprintln!("popbill-mock: {e}");
        std::process::exit(2);
    }
}
