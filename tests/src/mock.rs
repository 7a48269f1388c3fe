//! The mock POPBiLL, run in-process on port 0.

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub struct MockPopbill {
    pub url: String,
    /// The partner credentials the mock checks (the Worker must sign with them).
    pub link_id: String,
    pub secret_key: String,
    stop: Option<oneshot::Sender<()>>,
}

impl MockPopbill {
    /// The mock on its development defaults (frozen clock starting now).
    pub async fn start() -> Self {
        Self::start_with(mock_server::Config::default()).await
    }

    /// Development defaults on a frozen clock starting at `start` (RFC 3339).
    pub async fn start_at(start: &str) -> Self {
        let start = chrono::DateTime::parse_from_rfc3339(start).expect("tests pass RFC 3339 times");
        Self::start_with(mock_server::Config {
            start: Some(start),
            ..Default::default()
        })
        .await
    }

    pub async fn start_with(config: mock_server::Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0 on loopback");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (stop, stopped) = oneshot::channel::<()>();
        let (link_id, secret_key) = (config.link_id.clone(), config.secret_key.clone());
        tokio::spawn(mock_server::server::run(listener, config, async {
            let _ = stopped.await;
        }));
        MockPopbill {
            url: format!("http://{addr}"),
            link_id,
            secret_key,
            stop: Some(stop),
        }
    }
}

impl Drop for MockPopbill {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
