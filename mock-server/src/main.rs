//! `popbill-mock`: run the mock POPBiLL server.

use clap::Parser;
use tokio::net::TcpListener;

#[derive(Parser, Debug)]
#[command(
    name = "popbill-mock",
    version,
    about = "A faithful, stateful POPBiLL on a simulated clock"
)]
struct Args {
    /// Port to listen on (0 = any free port). The bound URL is printed as the first line.
    #[arg(long, default_value_t = 9080)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The partner's LinkID that token requests must carry.
    #[arg(long, default_value = "DEVLINK")]
    link_id: String,
    /// The partner's SecretKey (Base64) that signs token requests.
    #[arg(
        long,
        default_value = "ZGV2LXNlY3JldC1rZXktZm9yLWxvY2FsLW1vY2stb25seQ=="
    )]
    secret_key: String,
    /// The member's CorpNum (10 digits).
    #[arg(long, default_value = "1234567890")]
    corp_num: String,
    /// Where webhooks go (none when absent).
    #[arg(long)]
    webhook_url: Option<String>,
    /// Sent as `X-Api-Key` with every webhook.
    #[arg(long)]
    webhook_api_key: Option<String>,
    /// Simulated start time (RFC 3339, e.g. 2025-07-11T10:00:00+09:00); default: now.
    #[arg(long)]
    start: Option<String>,
    /// `frozen` (moves only through the control API) or `real` (follows real time).
    #[arg(long, default_value = "frozen")]
    clock: String,
    /// Seed for generated identifiers: same seed, same inputs, same outputs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
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
    let _ = (
        &args.link_id,
        &args.secret_key,
        &args.corp_num,
        &args.webhook_url,
    );
    let _ = (&args.webhook_api_key, &args.start, &args.clock, args.seed);
    mock_server::server::run(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
}
