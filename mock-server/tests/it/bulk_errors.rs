//! Every whole-request error of BulkSubmit, GetBulkResult, GetInfo and GetInfos; SubmitID reuse;
//! gzip; the body cap.

use std::io::Read as _;

use popbill::codes;
use serde_json::{Value, json};

use crate::common::*;

/// The documentation's sample body and its published digest (docs/PROTOCOL.md §3.1).
const DOC_BODY: &str = "{\n    \"cashbills\": [\n        {\n            \"mgtKey\": \"TEST0004\",\n            \"tradeType\": \"승인거래\",\n            \"tradeUsage\": \"지출증빙용\",\n            \"taxationType\": \"과세\",\n            \"totalAmount\": \"11000\",\n            \"supplyCost\": \"10000\",\n            \"tax\": \"1000\",\n            \"serviceFee\": \"0\",\n            \"franchiseCorpNum\": \"1234567890\",\n            \"identityNum\": \"1234567890\"\n        }\n    ]\n  }";

#[tokio::test]
async fn the_documented_sample_body_and_digest_are_accepted_on_the_dotnet_path() {
    let app = spawn_app().await;
    assert_eq!(digest(DOC_BODY.as_bytes()), "cQ0I0lm8CqcLsp1DwnY9r/Q/iis=");
    let tok = app.token().await;
    let req = app
        .http
        .post(app.at("/Cashbill/"))
        .header("authorization", format!("Bearer {tok}"))
        .header("X-HTTP-Method-Override", "BULKISSUE")
        .header("x-pb-submit-id", "DOC-1")
        .header("x-pb-message-digest", "cQ0I0lm8CqcLsp1DwnY9r/Q/iis=")
        .header("x-pb-version", "1.0")
        .header("x-pb-userid", "testkorea")
        .header("content-type", "application/json;")
        .body(DOC_BODY);
    let (status, v) = app.send(req).await;
    assert_eq!(status, 200, "{v}");
    app.advance(3.0).await;
    let (_, r) = app.get_bulk_result(&tok, "DOC-1").await;
    assert_eq!(r["issueResult"][0]["code"], 1);
}

#[tokio::test]
async fn every_whole_request_error_of_bulk_submit_has_its_code() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let ok_body = serde_json::to_vec(&json!({"cashbills": [cashbill("E-1")]})).unwrap();
    let many: Vec<Value> = (0..101).map(|i| cashbill(&format!("M-{i}"))).collect();
    let bodies: Vec<(&str, Vec<u8>, i64)> = vec![
        ("empty body", b"".to_vec(), codes::BULK_EMPTY_BODY),
        ("not JSON", b"{oops".to_vec(), codes::BAD_JSON),
        ("not an object", b"[1,2]".to_vec(), codes::BAD_JSON),
        (
            "wrong type",
            br#"{"cashbills":[{"mgtKey":5}]}"#.to_vec(),
            codes::BAD_JSON,
        ),
        (
            "cashbills not a list",
            br#"{"cashbills":"x"}"#.to_vec(),
            codes::BAD_JSON,
        ),
        (
            "no cashbills",
            br#"{"forceIssue":true}"#.to_vec(),
            codes::CASHBILLS_MISSING,
        ),
        (
            "null cashbills",
            br#"{"cashbills":null}"#.to_vec(),
            codes::CASHBILLS_MISSING,
        ),
        (
            "empty cashbills",
            br#"{"cashbills":[]}"#.to_vec(),
            codes::CASHBILLS_MISSING,
        ),
        (
            "101 cashbills",
            serde_json::to_vec(&json!({"cashbills": many})).unwrap(),
            codes::TOO_MANY_CASHBILLS,
        ),
        (
            "null element",
            serde_json::to_vec(&json!({"cashbills": [cashbill("N-1"), null]})).unwrap(),
            codes::NULL_CASHBILL,
        ),
        (
            "duplicate mgtKey",
            serde_json::to_vec(&json!({"cashbills": [cashbill("D-1"), cashbill("D-1")]})).unwrap(),
            codes::DUPLICATE_MGT_KEY_IN_BATCH,
        ),
    ];
    for (i, (why, body, code)) in bodies.into_iter().enumerate() {
        let (s, v) = app
            .send(app.bulk_request(&tok, &format!("E-{i}"), &body))
            .await;
        assert_eq!((s, v["code"].as_i64()), (400, Some(code)), "{why}: {v}");
    }

    let headers: Vec<(&str, reqwest::RequestBuilder, u16, i64)> = vec![
        (
            "empty submit id",
            app.bulk_request(&tok, "", &ok_body),
            400,
            codes::SUBMIT_ID_MISSING,
        ),
        (
            "no submit id",
            app.bulk_request_with(&tok, None, Some(digest(&ok_body)), &ok_body),
            400,
            codes::SUBMIT_ID_MISSING,
        ),
        (
            "submit id 37",
            app.bulk_request(&tok, &"A".repeat(37), &ok_body),
            400,
            codes::SUBMIT_ID_TOO_LONG,
        ),
        (
            "submit id charset",
            app.bulk_request(&tok, "a b", &ok_body),
            400,
            -14010019,
        ),
        (
            "no digest",
            app.bulk_request_with(&tok, Some("H-1"), None, &ok_body),
            400,
            codes::DIGEST_MISSING,
        ),
        (
            "wrong digest",
            app.bulk_request_with(&tok, Some("H-2"), Some(digest(b"other")), &ok_body),
            400,
            codes::DIGEST_MISMATCH,
        ),
    ];
    for (why, req, status, code) in headers {
        let (s, v) = app.send(req).await;
        assert_eq!((s, v["code"].as_i64()), (status, Some(code)), "{why}: {v}");
    }
    assert!(
        app.state().await["submissions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_submit_id_is_never_reusable_even_after_a_refused_submission() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let body = serde_json::to_vec(&json!({"cashbills": [cashbill("U-1")]})).unwrap();
    let (s, v) = app
        .send(app.bulk_request_with(&tok, Some("ONCE"), Some("bad".into()), &body))
        .await;
    assert_eq!((s, v["code"].as_i64()), (400, Some(codes::DIGEST_MISMATCH)));
    let (s, v) = app.send(app.bulk_request(&tok, "ONCE", &body)).await;
    assert_eq!(
        (s, v["code"].as_i64()),
        (409, Some(codes::SUBMIT_ID_IN_USE))
    );
    assert_eq!(
        app.get_bulk_result(&tok, "ONCE").await.1["code"],
        codes::SUBMIT_ID_NOT_FOUND
    );

    let (s, first) = app.send(app.bulk_request(&tok, "TWICE", &body)).await;
    assert_eq!(s, 200);
    let (s, v) = app.send(app.bulk_request(&tok, "TWICE", &body)).await;
    assert_eq!(
        (s, v["code"].as_i64()),
        (409, Some(codes::SUBMIT_ID_IN_USE))
    );
    let (_, r) = app.get_bulk_result(&tok, "TWICE").await;
    assert_eq!(
        r["receiptID"], first["receiptID"],
        "the first submission stands"
    );
    assert_eq!(
        app.state().await["submissions"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn unknown_submit_ids_and_mgt_keys_are_not_found() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let (s, v) = app.get_bulk_result(&tok, "NOPE").await;
    assert_eq!(
        (s, v["code"].as_i64()),
        (404, Some(codes::SUBMIT_ID_NOT_FOUND))
    );
    let (s, v) = app.get_info(&tok, "NOPE").await;
    assert_eq!((s, v["code"].as_i64()), (404, Some(codes::NOT_FOUND)));
    assert_eq!(
        v["message"],
        "조회한 문서번호(MgtKey)의 현금영수증이 존재하지 않습니다."
    );
}

#[tokio::test]
async fn get_infos_refuses_empty_oversized_and_malformed_key_lists() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let many: Vec<String> = (0..1001).map(|i| format!("K{i}")).collect();
    let thousand: Vec<String> = (0..1000).map(|i| format!("K{i}")).collect();
    for (keys, status, code) in [
        (json!([]), 400, Some(codes::GETINFOS_KEYS_MISSING)),
        (
            json!(many),
            400,
            Some(mock_server::sim::error::mock_codes::GETINFOS_TOO_MANY_KEYS),
        ),
        (json!("K-1"), 400, Some(codes::BAD_JSON)),
        (json!([1, 2]), 400, Some(codes::BAD_JSON)),
        (json!(thousand), 200, None),
    ] {
        let (s, v) = app.get_infos(&tok, keys).await;
        assert_eq!((s, v["code"].as_i64()), (status, code), "{v}");
    }
    let empty = app
        .http
        .post(app.at("/Cashbill/States"))
        .header("authorization", format!("Bearer {tok}"));
    assert_eq!(
        app.send(empty).await.1["code"],
        codes::GETINFOS_KEYS_MISSING
    );
}

#[tokio::test]
async fn json_answers_are_gzipped_when_the_client_accepts_gzip() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let batch: Vec<Value> = (0..100).map(|i| cashbill(&format!("G-{i}"))).collect();
    app.bulk_submit(&tok, "GZ", batch).await;
    app.advance(3.0).await;
    for _ in 0..2 {
        // Twice: the second answer comes from the cached compressed body.
        let r = app
            .http
            .get(app.at("/Cashbill/BULK/GZ/State"))
            .header("authorization", format!("Bearer {tok}"))
            .header("accept-encoding", "gzip,deflate")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(
            r.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        let raw = r.bytes().await.unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut text)
            .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["issueResult"].as_array().unwrap().len(), 100);
        assert!(
            raw.len() < text.len() / 3,
            "compressed {} of {}",
            raw.len(),
            text.len()
        );
    }
    let (s, v) = app
        .send(
            app.http
                .get(app.at("/Cashbill/NOPE"))
                .header("authorization", format!("Bearer {tok}"))
                .header("Accept-Encoding", "GZIP"),
        )
        .await;
    // reqwest without its gzip feature does not decode: the body is not JSON as sent.
    assert_eq!((s, v), (404, Value::Null));
    let plain = app.http.get(app.at("/Cashbill/NOPE")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused_with_413_without_being_buffered() {
    let app = spawn_with(mock_server::Config {
        max_body_bytes: 64 * 1024,
        ..config()
    })
    .await;
    let tok = app.token().await;
    for size in [64 * 1024 + 1, 3 * 64 * 1024, 10 * 64 * 1024] {
        // Even well past the cap the client gets the answer, not a reset connection.
        let big = vec![b' '; size];
        let (s, v) = app.send(app.bulk_request(&tok, "BIG-1", &big)).await;
        assert_eq!(
            (s, v["code"].as_i64()),
            (413, Some(-99999413)),
            "{size} bytes"
        );
    }
    // Chunked (no Content-Length): refused while streaming, over a raw socket.
    let answer = chunked_post(&app.url, &tok, 100, 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("-99999413"), "{answer}");
    assert!(
        app.state().await["submissions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The cap does not burn SubmitIDs: the request never reached POPBiLL's rules.
    let body = serde_json::to_vec(&json!({"cashbills": [cashbill("OK-1")]})).unwrap();
    assert_eq!(
        app.send(app.bulk_request(&tok, "BIG-1", &body)).await.0,
        200
    );
}

/// POST `chunks` chunks of `size` bytes with `Transfer-Encoding: chunked`; the raw answer.
async fn chunked_post(url: &str, tok: &str, chunks: usize, size: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /Cashbill HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {tok}\r\n\
         x-http-method-override: BULKISSUE\r\nx-pb-submit-id: CHUNKED\r\n\
         x-pb-message-digest: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{size:x}\r\n{}\r\n", " ".repeat(size));
    for _ in 0..chunks {
        // The server may answer and close before everything is sent.
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn calls_the_mock_does_not_simulate_say_so_and_unknown_paths_are_404_json() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let (s, v) = app
        .send(
            app.http
                .post(app.at("/Cashbill"))
                .header("authorization", format!("Bearer {tok}"))
                .body("{}"),
        )
        .await;
    assert_eq!((s, v["code"].as_i64()), (501, Some(-99999501)));
    for path in ["/", "/nope", "/Taxinvoice/1", "/_mockx"] {
        let r = app.http.get(app.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/json; charset=utf-8"
        );
    }
}
