//! The mock POPBiLL, run in-process on port 0.

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub struct MockPopbill {
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl MockPopbill {
    /// The mock on its development defaults (frozen clock starting now).
    pub async fn start() -> Self {
        Self::start_with(mock_server::Config::default()).await
    }

    pub async fn start_with(config: mock_server::Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0 on loopback");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(mock_server::server::run(listener, config, async {
            let _ = stopped.await;
        }));
        MockPopbill {
            url: format!("http://{addr}"),
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
