//! Run recorded deliveries through the npm `standardwebhooks` package (`tests/node/verify_events.js`).

use std::io::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use crate::receiver::Delivery;
use crate::repo_root;

/// The script's summary: `{"checked","verified","failed":[ids],"types":{type: n}}`.
pub async fn verify_with_standardwebhooks(deliveries: &[Delivery], secrets: &[&str]) -> Value {
    let root = repo_root();
    assert!(
        root.join("node_modules/standardwebhooks/package.json")
            .exists(),
        "npm standardwebhooks is not installed; run `make setup`"
    );
    let mut file = tempfile::NamedTempFile::new().expect("create a temp file");
    for d in deliveries {
        let line = json!({
            "id": d.id, "timestamp": d.timestamp, "signature": d.signature, "body": d.body,
        });
        writeln!(file, "{line}").expect("write a delivery");
    }
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("node")
            .arg(root.join("tests/node/verify_events.js"))
            .arg(file.path())
            .env("STANDARD_WEBHOOKS_SECRETS", secrets.join(" "))
            .current_dir(&root)
            .output(),
    )
    .await
    .expect("verification finishes within 60 s")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "verify_events.js failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON summary line")
}
