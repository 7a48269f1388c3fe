//! The real Worker in workerd, via `wrangler dev`, killed (with its whole process group) on drop.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{free_port, repo_root, wait_for};

/// Vars and secrets handed to the Worker (`--var NAME:VALUE`).
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub vars: BTreeMap<String, String>,
}

impl WorkerConfig {
    /// Point the Worker's POPBiLL and Linkhub hosts at the mock.
    pub fn for_mock(mock_url: &str) -> Self {
        let mut vars = BTreeMap::new();
        vars.insert("POPBILL_API_URL".into(), mock_url.to_string());
        vars.insert("POPBILL_AUTH_URL".into(), mock_url.to_string());
        WorkerConfig { vars }
    }
}

pub struct WorkerProcess {
    pub url: String,
    pub log_path: PathBuf,
    child: Child,
    /// Local KV lives here; kept so a restart can reuse it.
    pub persist: tempfile::TempDir,
}

impl WorkerProcess {
    pub async fn start(config: WorkerConfig) -> Self {
        let persist = tempfile::tempdir().expect("create a temp dir for local KV");
        Self::start_with_persist(config, persist).await
    }

    /// Start on an existing KV folder (a restart keeps its state).
    pub async fn start_with_persist(config: WorkerConfig, persist: tempfile::TempDir) -> Self {
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
        let log_path = persist.path().join(format!("wrangler-{port}.log"));
        let log = File::create(&log_path).expect("create the wrangler log file");
        let mut cmd = Command::new(&wrangler);
        cmd.current_dir(&root)
            .args(["dev", "--config", "wrangler.toml", "--ip", "127.0.0.1"])
            .args(["--port", &port.to_string()])
            .args(["--inspector-port", &free_port().to_string()])
            .arg("--persist-to")
            .arg(persist.path().join("state"))
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
        let child = cmd.spawn().expect("spawn wrangler dev");
        let mut worker = WorkerProcess {
            url: format!("http://127.0.0.1:{port}"),
            log_path,
            child,
            persist,
        };
        worker.wait_ready().await;
        worker
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let url = format!("{}/healthz", self.url);
        let log_path = self.log_path.clone();
        let child = &mut self.child;
        wait_for(
            "wrangler dev to serve /healthz",
            Duration::from_secs(90),
            || {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "wrangler dev exited early ({status}); log:\n{}",
                        read_log(&log_path)
                    );
                }
                let req = http.get(&url).timeout(Duration::from_secs(5)).send();
                async move {
                    req.await
                        .ok()
                        .filter(|r| r.status().as_u16() < 500)
                        .map(|_| ())
                }
            },
        )
        .await;
    }

    /// Everything wrangler and the Worker printed so far.
    pub fn log(&self) -> String {
        read_log(&self.log_path)
    }

    /// Stop the Worker and hand back its KV folder for a restart.
    pub fn stop(mut self) -> tempfile::TempDir {
        self.kill();
        let persist = tempfile::tempdir().expect("create a placeholder temp dir");
        std::mem::replace(&mut self.persist, persist)
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

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
