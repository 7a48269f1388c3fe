//! `TestApp`'s refund endpoints (`POST /v1/refunds`, `GET /v1/refunds/{refundID}`) and the
//! bodies the tests send.

use std::time::Duration;

use serde_json::{Value, json};

use crate::app::{API_TOKEN, TestApp, answer};

/// A whole refund of `org` under the new mgtKey `key`.
pub fn whole(key: &str, org: &str) -> Value {
    json!({ "mgtKey": key, "orgMgtKey": org })
}

/// A partial refund of `org`: `supply` won plus 10 % tax.
pub fn part(key: &str, org: &str, supply: u64) -> Value {
    let tax = supply / 10;
    json!({
        "mgtKey": key, "orgMgtKey": org, "isPartCancel": true, "supplyCost": supply.to_string(),
        "tax": tax.to_string(), "serviceFee": "0", "totalAmount": (supply + tax).to_string()
    })
}

/// A refund request.
pub fn refunds(refund_id: &str, items: Vec<Value>) -> Value {
    json!({ "refundID": refund_id, "refunds": items })
}

impl TestApp {
    pub async fn refund(&self, body: &Value) -> (u16, Value) {
        let req = self
            .http
            .post(format!("{}/v1/refunds", self.worker.url))
            .bearer_auth(API_TOKEN)
            .json(body);
        answer(req.send().await.expect("the Worker answers")).await
    }

    pub async fn refund_request(&self, id: &str) -> (u16, Value) {
        let req = self
            .http
            .get(format!("{}/v1/refunds/{id}", self.worker.url))
            .bearer_auth(API_TOKEN);
        answer(req.send().await.expect("the Worker answers")).await
    }

    /// The statuses of a refund request's refunds, in order.
    pub async fn refund_statuses(&self, id: &str) -> Vec<String> {
        let (status, v) = self.refund_request(id).await;
        assert_eq!(status, 200, "{v}");
        v["refunds"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| r["status"].as_str().unwrap_or("?").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Poll until the refunds' statuses are exactly `want`, in order.
    pub async fn wait_refund_statuses(&self, id: &str, want: &[&str]) {
        let what = format!("refund {id} to reach {want:?}");
        crate::wait_for(&what, Duration::from_secs(20), || async {
            (self.refund_statuses(id).await == want).then_some(())
        })
        .await;
    }
}
