//! The real Worker in workerd, via `wrangler dev`, killed (with its whole process group) on drop.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::mock::MockPopbill;
use crate::{free_port, repo_root, wait_for};

/// Vars (`--var NAME:VALUE`) and secrets (an `--env-file`, as `wrangler secret put` would set
/// them: never on a command line, shown as "(hidden)").
#[derive(Clone, Debug, Default)]
pub struct WorkerConfig {
    pub vars: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, String>,
    /// The events queue consumer's `max_retries` (wrangler.toml's, unless set): tests that
    /// dead-letter on purpose lower it so an event dies in seconds, not a day.
    pub queue_max_retries: Option<u32>,
    /// Another entry module than wrangler.toml's `main` (relative to the repository), for the
    /// benchmark's Worker with an in-memory KV (`bench/worker/entry.mjs`). `None` in tests.
    pub entry: Option<PathBuf>,
}

impl WorkerConfig {
    /// Point the Worker's POPBiLL and Linkhub hosts at the mock.
    pub fn for_mock(mock_url: &str) -> Self {
        let mut vars = BTreeMap::new();
        vars.insert("POPBILL_API_URL".into(), mock_url.to_string());
        vars.insert("POPBILL_AUTH_URL".into(), mock_url.to_string());
        WorkerConfig {
            vars,
            secrets: BTreeMap::new(),
            queue_max_retries: None,
            entry: None,
        }
    }

    /// The Worker wired to the mock: its hosts, the member `corp_num`, the mock's partner
    /// credentials, and the merchants' bearer token and the webhooks' API key as secrets.
    pub fn wired_to(
        mock: &MockPopbill,
        corp_num: &str,
        api_token: &str,
        webhook_key: &str,
    ) -> Self {
        let mut c = WorkerConfig::for_mock(&mock.url).var("POPBILL_CORP_NUM", corp_num);
        for (k, v) in [
            ("POPBILL_LINK_ID", mock.link_id.as_str()),
            ("POPBILL_SECRET_KEY", mock.secret_key.as_str()),
            ("API_TOKEN", api_token),
            ("WEBHOOK_API_KEY", webhook_key),
        ] {
            c.secrets.insert(k.into(), v.into());
        }
        c
    }

    /// The same with one more var (`--var NAME:VALUE`).
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// The same with one more secret.
    pub fn secret(mut self, name: &str, value: &str) -> Self {
        self.secrets.insert(name.into(), value.into());
        self
    }

    /// The same, run from another entry module (relative to the repository root).
    pub fn entry(mut self, path: impl Into<PathBuf>) -> Self {
        self.entry = Some(path.into());
        self
    }
}

/// When a starting Worker counts as up, from its `/healthz` answer (status, JSON body).
type Ready = fn(u16, &serde_json::Value) -> bool;

/// The Worker's own `/healthz` report (not another program's answer on a port that was
/// free a moment ago): its `kv` field is always there.
fn healthy(status: u16, body: &serde_json::Value) -> bool {
    status < 500 && body["kv"].is_string()
}

/// How often a start is tried again on new ports when another program took one of them
/// between [`free_port`] and wrangler binding it.
const PORT_CLASH_ATTEMPTS: u32 = 3;

pub struct WorkerProcess {
    pub url: String,
    pub log_path: PathBuf,
    /// wrangler's DevTools inspector for the Worker's isolate (CPU profiles).
    pub inspector_port: u16,
    child: Child,
    /// Local KV (and the logs) live here; a restart reuses it.
    pub persist: tempfile::TempDir,
    starts: u32,
    /// The scheduled minute (since the Unix epoch) of the next cron trigger: each trigger is a
    /// minute after the last, as on Cloudflare, so the cron's runs take consecutive slices of the
    /// open submissions however fast a test triggers them.
    cron_minute: AtomicI64,
}

impl WorkerProcess {
    pub async fn start(config: WorkerConfig) -> Self {
        Self::start_until(config, healthy).await
    }

    /// Start a Worker whose settings are wrong on purpose: ready when its `/healthz` answers that
    /// it is degraded (the Worker's own answer, not the dev server's).
    pub async fn start_misconfigured(config: WorkerConfig) -> Self {
        Self::start_until(config, |status, body| {
            status == 503
                && (body["config"] == "invalid" || body["notifications"] == "misconfigured")
        })
        .await
    }

    async fn start_until(config: WorkerConfig, ready: Ready) -> Self {
        let persist = tempfile::tempdir().expect("create a temp dir for local KV");
        let (child, url, log_path, inspector_port) = spawn(&config, persist.path(), 0);
        let mut worker = WorkerProcess {
            url,
            log_path,
            inspector_port,
            child,
            persist,
            starts: 1,
            cron_minute: AtomicI64::new(wall_minute()),
        };
        worker.become_ready(&config, ready).await;
        worker
    }

    /// The URL that runs the Worker's cron handler once (`wrangler dev --test-scheduled`), for
    /// the minute after the previous trigger's.
    pub fn cron_url(&self) -> String {
        let minute = self.cron_minute.fetch_add(1, Ordering::Relaxed);
        format!(
            "{}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time={}",
            self.url,
            minute * 60_000
        )
    }

    /// Stop the Worker and start it again on the same local KV (a deploy or a crash mid-flow).
    pub async fn restart(&mut self, config: WorkerConfig) {
        self.kill();
        self.respawn(&config);
        self.become_ready(&config, healthy).await;
    }

    fn respawn(&mut self, config: &WorkerConfig) {
        let (child, url, log_path, inspector_port) =
            spawn(config, self.persist.path(), self.starts);
        self.starts += 1;
        self.child = child;
        self.url = url;
        self.log_path = log_path;
        self.inspector_port = inspector_port;
    }

    /// Wait until the Worker answers; when wrangler gave up because one of its ports was taken
    /// meanwhile, start it again on new ones.
    async fn become_ready(&mut self, config: &WorkerConfig, ready: Ready) {
        for attempt in 1..=PORT_CLASH_ATTEMPTS {
            match self.wait_ready(ready).await {
                Ok(()) => return,
                Err(log) if attempt < PORT_CLASH_ATTEMPTS && port_clash(&log) => {
                    self.kill();
                    self.respawn(config);
                }
                Err(log) => panic!("wrangler dev exited early; log:\n{log}"),
            }
        }
    }

    /// `Err(log)` when wrangler exits before the Worker answers.
    async fn wait_ready(&mut self, ready: Ready) -> Result<(), String> {
        let http = reqwest::Client::new();
        let url = format!("{}/healthz", self.url);
        let log_path = self.log_path.clone();
        let child = &mut self.child;
        wait_for(
            "wrangler dev to serve /healthz",
            Duration::from_secs(90),
            || {
                let exited = match child.try_wait() {
                    Ok(Some(status)) => Some(format!("({status})\n{}", read_log(&log_path))),
                    _ => None,
                };
                let req = http.get(&url).timeout(Duration::from_secs(5)).send();
                async move {
                    if let Some(log) = exited {
                        return Some(Err(log));
                    }
                    let resp = req.await.ok()?;
                    let status = resp.status().as_u16();
                    let body = resp.json().await.unwrap_or(serde_json::Value::Null);
                    ready(status, &body).then_some(Ok(()))
                }
            },
        )
        .await
    }

    /// Everything wrangler and the Worker printed so far (all starts).
    pub fn log(&self) -> String {
        let mut all = String::new();
        if let Ok(dir) = std::fs::read_dir(self.persist.path()) {
            let mut logs: Vec<PathBuf> = dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "log"))
                .collect();
            logs.sort();
            for p in logs {
                all.push_str(&read_log(&p));
            }
        }
        all
    }

    /// wrangler's process id (its process group holds workerd).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill(&mut self) {
        let group = format!("-{}", self.child.id());
        for signal in ["-TERM", "-KILL"] {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stderr(Stdio::null())
                .status();
            for _ in 0..50 {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// The current minute since the Unix epoch, by this machine's clock.
fn wall_minute() -> i64 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    i64::try_from(ms / 60_000).unwrap_or(0)
}

/// Whether wrangler's log says it could not bind a port.
fn port_clash(log: &str) -> bool {
    let log = log.to_ascii_lowercase();
    log.contains("eaddrinuse") || log.contains("address already in use")
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(config: &WorkerConfig, persist: &Path, start: u32) -> (Child, String, PathBuf, u16) {
    let root = repo_root();
    let shim = root.join("edge/build/worker/shim.mjs");
    assert!(
        shim.exists(),
        "the Worker is not built ({}); run `make worker`",
        shim.display()
    );
    let wrangler = root.join("node_modules/.bin/wrangler");
    assert!(
        wrangler.exists(),
        "wrangler is not installed; run `make setup`"
    );

    let port = free_port();
    let inspector_port = free_port();
    let log_path = persist.join(format!("wrangler-{start}.log"));
    let wrangler_toml = wrangler_toml(config, persist, &shim);
    let log = File::create(&log_path).expect("create the wrangler log file");
    let mut cmd = Command::new(&wrangler);
    cmd.current_dir(&root)
        .arg("dev")
        .args(config.entry.iter())
        .args(["--ip", "127.0.0.1"])
        .arg("--config")
        .arg(&wrangler_toml)
        .args(["--port", &port.to_string()])
        .args(["--inspector-port", &inspector_port.to_string()])
        .arg("--persist-to")
        .arg(persist.join("state"))
        .args([
            "--test-scheduled",
            "--show-interactive-dev-session=false",
            "--log-level",
            "log",
        ])
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone the log file handle"))
        .stderr(log)
        .process_group(0);
    for (k, v) in &config.vars {
        cmd.arg("--var").arg(format!("{k}:{v}"));
    }
    if !config.secrets.is_empty() {
        let env_file = persist.join("secrets.env");
        let lines: String = config
            .secrets
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        std::fs::write(&env_file, lines).expect("write the secrets file");
        cmd.arg("--env-file").arg(&env_file);
    }
    let child = cmd.spawn().expect("spawn wrangler dev");
    (
        child,
        format!("http://127.0.0.1:{port}"),
        log_path,
        inspector_port,
    )
}

/// The repository's wrangler.toml, or a copy in `persist` with the test's queue settings (its
/// `main` made absolute, since wrangler resolves it from the config file's folder).
fn wrangler_toml(config: &WorkerConfig, persist: &Path, shim: &Path) -> PathBuf {
    let original = repo_root().join("wrangler.toml");
    let Some(retries) = config.queue_max_retries else {
        return original;
    };
    let text = std::fs::read_to_string(&original).expect("read wrangler.toml");
    let mut first_consumer_retries = true;
    let patched: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("main = ") {
                format!("main = {:?}", shim.display().to_string())
            } else if line.starts_with("max_retries = ") && first_consumer_retries {
                // The first consumer is the events queue (the dead-letter queue's comes after).
                first_consumer_retries = false;
                format!("max_retries = {retries}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert!(
        !first_consumer_retries,
        "wrangler.toml has a queue consumer with max_retries"
    );
    let path = persist.join("wrangler.toml");
    std::fs::write(&path, patched.join("\n")).expect("write the test wrangler.toml");
    path
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_workers_own_health_report_counts_as_ready() {
        assert!(healthy(
            200,
            &serde_json::json!({"status": "ok", "kv": "ok"})
        ));
        // Another program that took the port meanwhile: an empty 404, or some other JSON.
        assert!(!healthy(404, &serde_json::Value::Null));
        assert!(!healthy(200, &serde_json::json!({"status": "ok"})));
        assert!(!healthy(
            503,
            &serde_json::json!({"status": "degraded", "kv": "ok"})
        ));
    }

    #[test]
    fn wranglers_and_workerds_port_errors_are_recognised_and_other_failures_are_not() {
        // As wrangler 4 prints them when --port is taken.
        assert!(port_clash(
            "✘ [ERROR] Address already in use (127.0.0.1:18999). Please check that you are not \
             already running a server on this address or specify a different port with --port."
        ));
        assert!(port_clash(
            "Error: listen EADDRINUSE: address already in use 127.0.0.1:9229"
        ));
        assert!(!port_clash("✘ [ERROR] Could not resolve \"./shim.mjs\""));
    }
}
