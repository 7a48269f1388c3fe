//! The binary: `--help`, `--port 0` printing the bound URL first, bad flags refused.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_popbill-mock");

#[test]
fn help_lists_the_flags() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--port",
        "--host",
        "--link-id",
        "--secret-key",
        "--corp-num",
        "--webhook-url",
        "--webhook-api-key",
        "--start",
        "--clock",
        "--seed",
        "--auth-clock",
        "--public-url",
        "--points",
        "--unit-cost",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help");
    }
}

#[tokio::test]
async fn port_zero_binds_a_free_port_and_prints_the_url_first() {
    let mut child = Command::new(BIN)
        .args([
            "--port",
            "0",
            "--start",
            "2025-07-11T10:00:00+09:00",
            "--seed",
            "3",
        ])
        .args([
            "--link-id",
            "DEVLINK",
            "--corp-num",
            "1234567890",
            "--clock",
            "frozen",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let time = reqwest::get(format!("{url}/Time"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(time, "2025-07-11T01:00:00Z");
}

#[test]
fn bad_flags_are_refused_with_a_message() {
    for args in [
        &["--corp-num", "123"][..],
        &["--start", "yesterday"],
        &["--clock", "sometimes"],
        &["--secret-key", "%%%"],
        &["--webhook-url", "https://example.invalid/hook"],
        &["--auth-clock", "sundial"],
        &["--public-url", "ftp://x"],
        &["--points", "-5"],
    ] {
        let out = Command::new(BIN)
            .args(["--port", "0"])
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[tokio::test]
async fn run_returns_its_configuration_error_instead_of_serving() {
    for (config, want) in [
        (
            mock_server::Config {
                corp_num: "123".into(),
                ..mock_server::Config::default()
            },
            "corp_num",
        ),
        (
            mock_server::Config {
                secret_key: "%%%".into(),
                ..mock_server::Config::default()
            },
            "secret_key",
        ),
        (
            mock_server::Config {
                webhook_url: Some("https://example.invalid/hook".into()),
                ..mock_server::Config::default()
            },
            "webhook_url",
        ),
    ] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        // `run` must come back on its own (it never waits for the shutdown future here).
        let err = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            mock_server::run(listener, config, std::future::pending()),
        )
        .await
        .expect("run returns at once")
        .expect_err("the configuration is refused");
        assert!(err.to_string().starts_with(want), "{err}");
    }
}
