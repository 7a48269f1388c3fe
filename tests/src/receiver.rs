//! A merchant's webhook endpoint for the e2e tests (hyper on 127.0.0.1, port 0): it verifies
//! every delivery's Standard Webhooks signature, records what arrived, and misbehaves on
//! purpose when told to (5xx answers, answers slower than the Worker's timeout, refused
//! connections while "down", a seeded mix of all three).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::signature::{self, Rejected};

/// How the endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Behaviour {
    /// 200 to everything.
    Accept,
    /// This status to everything.
    Answer(u16),
    /// Answer 200 only after this long (longer than the Worker's timeout: a timeout for it).
    Hang(Duration),
    /// Per delivery, with probability `rate`: a 503, a hang of `hang` or a closed connection
    /// (a third each, drawn from `seed`); otherwise 200.
    Flaky {
        rate: f64,
        seed: u64,
        hang: Duration,
    },
}

/// How one delivery was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// Held past the Worker's timeout (then 200 to nobody).
    Hung,
    /// Connection closed without an answer.
    Dropped,
}

/// One delivery as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Option<String>,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
    pub body: String,
    pub verified: Result<(), Rejected>,
    pub answer: Answer,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl Delivery {
    /// Verified and answered 2xx: the merchant took it.
    pub fn accepted(&self) -> bool {
        self.verified.is_ok() && matches!(self.answer, Answer::Status(s) if (200..300).contains(&s))
    }

    pub fn event(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

struct State {
    keys: Vec<Vec<u8>>,
    behaviour: Behaviour,
    draws: u64,
    deliveries: Vec<Delivery>,
}

pub struct Receiver {
    pub url: String,
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    server: Option<JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// splitmix64, for reproducible flaky answers.
fn draw(state: &mut State, seed: u64) -> f64 {
    state.draws += 1;
    let mut z = seed.wrapping_add(state.draws.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

impl Receiver {
    /// Listen on a free loopback port; verify with these `whsec_` secrets.
    pub async fn start(secrets: &[&str]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0 on loopback");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let state = Arc::new(Mutex::new(State {
            keys: secrets.iter().map(|s| signature::key(s)).collect(),
            behaviour: Behaviour::Accept,
            draws: 0,
            deliveries: Vec::new(),
        }));
        let server = Some(tokio::spawn(serve(listener, state.clone())));
        Receiver {
            url: format!("http://{addr}/events"),
            addr,
            state,
            server,
        }
    }

    pub fn set(&self, behaviour: Behaviour) {
        lock(&self.state).behaviour = behaviour;
    }

    /// Stop listening: connections are refused until [`Receiver::up`].
    pub fn down(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }

    /// Listen again on the same port.
    pub async fn up(&mut self) {
        if self.server.is_some() {
            return;
        }
        let listener = crate::wait_for(
            "the receiver's port to be free again",
            Duration::from_secs(10),
            || async { TcpListener::bind(self.addr).await.ok() },
        )
        .await;
        self.server = Some(tokio::spawn(serve(listener, self.state.clone())));
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.state).deliveries.clone()
    }

    /// The deliveries the merchant took (verified, answered 2xx).
    pub fn accepted(&self) -> Vec<Delivery> {
        self.deliveries()
            .into_iter()
            .filter(Delivery::accepted)
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.down();
    }
}

/// Accept until aborted. Connections live in a `JoinSet` owned by this task, so aborting it
/// ([`Receiver::down`]) also closes every kept-alive connection: the endpoint is really gone.
async fn serve(listener: TcpListener, state: Arc<Mutex<State>>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        connections.spawn(async move {
            let service = service_fn(move |req| handle(req, state.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

/// The connection is closed without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (id, ts, sig) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs() as i64;
    let (answer, hang) = {
        let mut s = lock(&state);
        let verified = signature::verify(
            &s.keys,
            id.as_deref(),
            ts.as_deref(),
            sig.as_deref(),
            &body,
            now,
        );
        let (answer, hang) = match s.behaviour {
            Behaviour::Accept => (Answer::Status(200), None),
            Behaviour::Answer(code) => (Answer::Status(code), None),
            Behaviour::Hang(d) => (Answer::Hung, Some(d)),
            Behaviour::Flaky { rate, seed, hang } => {
                let roll = draw(&mut s, seed);
                if roll < rate / 3.0 {
                    (Answer::Status(503), None)
                } else if roll < rate * 2.0 / 3.0 {
                    (Answer::Hung, Some(hang))
                } else if roll < rate {
                    (Answer::Dropped, None)
                } else {
                    (Answer::Status(200), None)
                }
            }
        };
        // A bad signature is refused whatever the behaviour, as a real merchant would.
        let answer = if verified.is_err() {
            Answer::Status(401)
        } else {
            answer
        };
        s.deliveries.push(Delivery {
            id,
            timestamp: ts,
            signature: sig,
            body: String::from_utf8_lossy(&body).into_owned(),
            verified,
            answer,
            at: std::time::Instant::now(),
        });
        (answer, hang)
    };
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
    }
    let status = match answer {
        Answer::Status(s) => s,
        Answer::Hung => 200,
        Answer::Dropped => return Err(Dropped),
    };
    Ok(Response::builder()
        .status(status)
        .body(Full::new(Bytes::from_static(b"")))
        .expect("a static response always builds"))
}
