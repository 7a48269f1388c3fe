//! The official POPBiLL Node SDK (npm `popbill` 1.64.2), on its default settings and unchanged
//! apart from the host, works against the mock: the bulk flow across a multi-day advance of the
//! simulated clock (the SDK signs and refreshes its token by its own clock), and every call a
//! bulk-issuing merchant makes beside issuance.

use std::time::Duration;

use e2e::repo_root;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

struct Mock {
    url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn start(config: mock_server::Config) -> Mock {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(mock_server::run(listener, config, async {
        let _ = stopped.await;
    }));
    Mock {
        url,
        stop: Some(stop),
    }
}

/// Run `tests/node/<script>` against `url`; its last stdout line is a JSON summary.
async fn node(script: &str, url: &str) -> Value {
    let root = repo_root();
    assert!(
        root.join("node_modules/popbill/package.json").exists(),
        "the official SDK is not installed; run `npm ci` (or `make setup`)"
    );
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("node")
            .arg(root.join("tests/node").join(script))
            .arg(url)
            .current_dir(&root)
            .output(),
    )
    .await
    .expect("the SDK script finishes within 60 s")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON summary line")
}

async fn journal(url: &str) -> Vec<Value> {
    let v: Value = reqwest::get(format!("{url}/_mock/journal"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v.as_array().unwrap().clone()
}

#[tokio::test]
async fn the_official_node_sdk_on_default_settings_runs_the_bulk_flow_across_days() {
    // The mock's defaults: frozen clock starting now, one-hour tokens, auth on real time.
    let mock = start(mock_server::Config::default()).await;
    let summary = node("sdk_flow.js", &mock.url).await;
    assert_eq!(summary["txState"], 2);
    assert_eq!(summary["codes"], json!([1, 1, -14001031]));
    assert_eq!(summary["stateCodes"], json!([304, 305]));
    assert_eq!(summary["laterStateCode"], 304);
    assert_eq!(
        summary["hosts"],
        json!(["auth.linkhub.co.kr", "popbill-test.linkhub.co.kr"]),
        "the SDK used its own hard-coded hosts (redirected)"
    );

    // The mock saw the SDK's real requests, and refused none for its token or its date, though
    // the simulated clock moved four days.
    let calls = journal(&mock.url).await;
    let seen = |ov: &str, status: i64| {
        calls
            .iter()
            .any(|j| j["override"] == ov && j["status"] == status)
    };
    assert!(seen("BULKISSUE", 200) && seen("BULKISSUE", 409) && seen("ISSUE", 200));
    let auth_refusals: Vec<&Value> = calls.iter().filter(|j| j["status"] == 401).collect();
    assert!(auth_refusals.is_empty(), "{auth_refusals:?}");
    let tokens = calls
        .iter()
        .filter(|j| j["path"] == "/POPBILL_TEST/Token")
        .count();
    assert_eq!(
        tokens, 1,
        "one token for the whole run: the SDK never needed another"
    );
}

#[tokio::test]
async fn the_official_node_sdk_makes_every_call_beside_bulk_issuance() {
    let mock = start(mock_server::Config {
        points: 50,
        unit_cost: 10,
        ..mock_server::Config::default()
    })
    .await;
    let summary = node("sdk_calls.js", &mock.url).await;
    assert_eq!(summary["bulkCodes"], json!([1, 1, 1, 1, 1, -99005005]));
    assert_eq!(
        summary["balanceAfterRefill"], 990,
        "the reissued receipt cost 10"
    );
    assert_eq!(summary["searchTotal"], 5);
    assert_eq!(summary["logs"], 6);

    let calls = journal(&mock.url).await;
    let paths: Vec<String> = calls
        .iter()
        .map(|j| {
            format!(
                "{} {}",
                j["method"].as_str().unwrap_or(""),
                j["path"].as_str().unwrap_or("")
            )
        })
        .collect();
    for want in [
        "GET /POPBILL_TEST/Point",
        "GET /POPBILL_TEST/PartnerPoint",
        "GET /Cashbill/ChargeInfo",
        "GET /Cashbill/Search",
        "GET /Cashbill/EmailSendConfig",
        "POST /Cashbill/EmailSendConfig",
        "POST /Cashbill/Prints",
    ] {
        assert!(paths.iter().any(|p| p == want), "{want} not in {paths:?}");
    }
    // Resource paths were never taken for a document key (no "unknown mgtKey" for them).
    let resources = [
        "/Cashbill/ChargeInfo",
        "/Cashbill/Search",
        "/Cashbill/EmailSendConfig",
    ];
    let misrouted: Vec<&Value> = calls
        .iter()
        .filter(|j| resources.iter().any(|r| j["path"] == *r) && j["code"] == -14000003)
        .collect();
    assert!(misrouted.is_empty(), "{misrouted:?}");
    let state: Value = reqwest::get(format!("{}/_mock/state", mock.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["points"]["balance"], 990);
    assert_eq!(state["issue_mail"], false);
}
