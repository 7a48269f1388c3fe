//! The official POPBiLL Node SDK (npm `popbill` 1.64.2), unchanged apart from the host, works
//! against the mock: token, BulkSubmit, GetBulkResult, GetInfos, GetInfo, filing, RegistIssue.

use std::time::Duration;

use e2e::repo_root;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[tokio::test]
async fn the_official_node_sdk_runs_the_bulk_flow_against_the_mock() {
    let root = repo_root();
    assert!(
        root.join("node_modules/popbill/package.json").exists(),
        "the official SDK is not installed; run `npm ci` (or `make setup`)"
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    // The SDK signs with the real time, so the simulated clock starts now; tokens must outlive
    // the jump to 11:00 the next day.
    let config = mock_server::Config {
        token_ttl: Duration::from_secs(7 * 86_400),
        ..mock_server::Config::default()
    };
    tokio::spawn(mock_server::run(listener, config, async {
        let _ = stopped.await;
    }));

    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("node")
            .arg(root.join("tests/node/sdk_flow.js"))
            .arg(&url)
            .current_dir(&root)
            .output(),
    )
    .await
    .expect("the SDK flow finishes within 60 s")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "sdk_flow.js failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON summary line");
    assert_eq!(summary["txState"], 2);
    assert_eq!(summary["codes"], serde_json::json!([1, 1, -14001031]));
    assert_eq!(summary["stateCodes"], serde_json::json!([304, 305]));
    assert_eq!(
        summary["hosts"],
        serde_json::json!(["auth.linkhub.co.kr", "popbill-test.linkhub.co.kr"]),
        "the SDK used its own hard-coded hosts (redirected)"
    );

    // The mock saw the SDK's real requests.
    let journal: serde_json::Value = reqwest::get(format!("{url}/_mock/journal"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let calls: Vec<(String, String, i64)> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["method"].as_str().unwrap_or("").to_owned(),
                j["override"].as_str().unwrap_or("").to_owned(),
                j["status"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        calls.contains(&("POST".into(), "BULKISSUE".into(), 200)),
        "{calls:?}"
    );
    assert!(
        calls.contains(&("POST".into(), "BULKISSUE".into(), 409)),
        "{calls:?}"
    );
    assert!(
        calls.contains(&("POST".into(), "ISSUE".into(), 200)),
        "{calls:?}"
    );
    let _ = stop.send(());
}
