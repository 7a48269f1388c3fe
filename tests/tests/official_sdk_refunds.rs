//! The official POPBiLL Node SDK (npm `popbill` 1.64.2), unchanged apart from the host, refunds
//! against the mock: `revokeRegistIssue` (refused while the original is unfiled, then partial)
//! and 취소거래 receipts through `bulkSubmit`, judged per receipt.

use std::time::Duration;

use e2e::repo_root;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[tokio::test]
async fn the_official_node_sdk_refunds_through_revoke_regist_issue_and_bulk_submit() {
    let root = repo_root();
    assert!(
        root.join("node_modules/popbill/package.json").exists(),
        "the official SDK is not installed; run `npm ci` (or `make setup`)"
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    // The SDK signs with the real time, so the simulated clock starts now; its token must
    // outlive the jumps to 11:00 on the next two days.
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
            .arg(root.join("tests/node/sdk_refunds.js"))
            .arg(&url)
            .current_dir(&root)
            .output(),
    )
    .await
    .expect("the SDK refunds finish within 60 s")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "sdk_refunds.js failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON summary line");
    assert_eq!(summary["early"], -14001021);
    assert_eq!(summary["partial"], 1);
    assert_eq!(
        summary["refusedRevokes"],
        serde_json::json!([-14001069, -14001065])
    );
    assert_eq!(
        summary["bulkCodes"],
        serde_json::json!([1, 1, -14001065, -14001069])
    );
    assert_eq!(summary["cancelTypes"], serde_json::json!([2, 1, 1]));
    assert_eq!(summary["filed"], serde_json::json!([304, 304, 304]));

    // The mock saw the SDK's own REVOKEISSUE requests (accepted and refused).
    let journal: serde_json::Value = reqwest::get(format!("{url}/_mock/journal"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let revokes: Vec<(i64, i64)> = journal
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["override"] == "REVOKEISSUE")
        .map(|j| {
            (
                j["status"].as_i64().unwrap_or(0),
                j["code"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        revokes,
        [
            (400, -14001021),
            (200, 1),
            (400, -14001069),
            (400, -14001065)
        ]
    );
    let _ = stop.send(());
}
