//! The test receiver itself: it verifies what the Worker's signer produces, refuses what it does
//! not, and misbehaves exactly as told.

use std::time::Duration;

use e2e::receiver::{Answer, Behaviour, Receiver};
use edge::core::notify::Signer;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn post(url: &str, id: &str, signer: &Signer, body: &str) -> Result<u16, reqwest::Error> {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let resp = reqwest::Client::new()
        .post(url)
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signer.header(id, ts, body.as_bytes()))
        .body(body.to_owned())
        .timeout(Duration::from_millis(500))
        .send()
        .await?;
    Ok(resp.status().as_u16())
}

#[tokio::test]
async fn the_receiver_accepts_good_signatures_and_refuses_others() {
    let r = Receiver::start(&[SECRET]).await;
    let good = Signer::parse(SECRET).unwrap();
    let other = Signer::parse("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    assert_eq!(post(&r.url, "msg_1", &good, "{}").await.unwrap(), 200);
    assert_eq!(post(&r.url, "msg_2", &other, "{}").await.unwrap(), 401);
    let accepted: Vec<_> = r.accepted().into_iter().filter_map(|d| d.id).collect();
    assert_eq!(accepted, ["msg_1"]);
    assert_eq!(r.deliveries().len(), 2);
}

#[tokio::test]
async fn the_receiver_fails_hangs_and_goes_down_on_purpose() {
    let mut r = Receiver::start(&[SECRET]).await;
    let signer = Signer::parse(SECRET).unwrap();
    r.set(Behaviour::Answer(503));
    assert_eq!(post(&r.url, "msg_1", &signer, "{}").await.unwrap(), 503);
    r.set(Behaviour::Hang(Duration::from_secs(2)));
    assert!(
        post(&r.url, "msg_2", &signer, "{}")
            .await
            .unwrap_err()
            .is_timeout()
    );
    r.down();
    assert!(
        post(&r.url, "msg_3", &signer, "{}")
            .await
            .unwrap_err()
            .is_connect()
    );
    r.up().await;
    r.set(Behaviour::Accept);
    assert_eq!(post(&r.url, "msg_4", &signer, "{}").await.unwrap(), 200);
    let answers: Vec<Answer> = r.deliveries().iter().map(|d| d.answer).collect();
    assert_eq!(
        answers,
        [Answer::Status(503), Answer::Hung, Answer::Status(200)]
    );
    r.set(Behaviour::Flaky {
        rate: 1.0,
        seed: 7,
        hang: Duration::from_secs(2),
    });
    for i in 0..9 {
        let _ = post(&r.url, &format!("msg_f{i}"), &signer, "{}").await;
    }
    let flaky: Vec<Answer> = r.deliveries()[3..].iter().map(|d| d.answer).collect();
    assert!(flaky.iter().all(|a| *a != Answer::Status(200)), "{flaky:?}");
    for kind in [Answer::Status(503), Answer::Hung, Answer::Dropped] {
        assert!(flaky.contains(&kind), "{kind:?} in {flaky:?}");
    }
}

#[tokio::test]
async fn npm_standardwebhooks_agrees_with_the_receiver() {
    let r = Receiver::start(&[SECRET]).await;
    let good = Signer::parse(SECRET).unwrap();
    let other = Signer::parse("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    let body = r#"{"type":"cashbill.issued","timestamp":"2025-07-11T01:00:05Z","data":{}}"#;
    assert_eq!(post(&r.url, "msg_a", &good, body).await.unwrap(), 200);
    assert_eq!(post(&r.url, "msg_b", &other, body).await.unwrap(), 401);
    let summary = e2e::npm_verify::verify_with_standardwebhooks(&r.deliveries(), &[SECRET]).await;
    assert_eq!(summary["checked"], 2);
    assert_eq!(summary["verified"], 1);
    assert_eq!(summary["failed"], serde_json::json!(["msg_b"]));
    assert_eq!(summary["types"]["cashbill.issued"], 1);
}
