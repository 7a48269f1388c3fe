//! The native transport against real sockets: gzip, and each failure's TransportError.

mod support;

use std::io::Write as _;
use std::time::Duration;

use popbill::native::NativeTransport;
use popbill::{HttpRequest, Method, Transport, TransportError};
use support::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wiremock::matchers::{header as has_header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn get(url: String) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url,
        headers: vec![("x-pb-version".into(), "1.0".into())],
        body: Vec::new(),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[tokio::test]
async fn a_gzip_response_is_asked_for_and_decoded() {
    let server = MockServer::start().await;
    let json = r#"{"mgtKey":"K1","stateCode":304,"customerName":"고객명"}"#;
    Mock::given(method("GET"))
        .and(path("/Cashbill/K1"))
        .and(has_header("accept-encoding", "gzip"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Encoding", "gzip")
                .set_body_raw(gzip(json.as_bytes()), "application/json; charset=utf-8"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let resp = transport()
        .send(get(format!("{}/Cashbill/K1", server.uri())))
        .await
        .unwrap();

    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, json.as_bytes());
    assert_eq!(resp.header("content-encoding"), None, "already decoded");
    assert_eq!(
        resp.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[tokio::test]
async fn the_client_reads_a_gzip_answer_end_to_end() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let gzipped = ResponseTemplate::new(200)
        .insert_header("Content-Encoding", "gzip")
        .set_body_raw(
            gzip(br#"{"txState":2,"issueResult":[{"mgtKey":"K1","code":1}]}"#),
            "application/json",
        );
    pb.api_answers("GET", "/Cashbill/BULK/S-1/State", gzipped, 1)
        .await;

    let result = pb
        .client()
        .get_bulk_result(&corp(), &submit_id("S-1"))
        .await
        .unwrap();

    assert_eq!(result.tx_state, Some(2));
    assert_eq!(result.issue_result[0].mgt_key.as_deref(), Some("K1"));
}

#[tokio::test]
async fn a_corrupt_gzip_body_is_an_io_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Encoding", "gzip")
                .set_body_raw(b"definitely not gzip".to_vec(), "application/json"),
        )
        .mount(&server)
        .await;

    let err = transport().send(get(server.uri())).await.unwrap_err();

    assert!(matches!(err, TransportError::Io(_)), "{err:?}");
}

#[tokio::test]
async fn statuses_are_returned_not_turned_into_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let req = HttpRequest {
        method: Method::Post,
        url: format!("{}/Cashbill", server.uri()),
        headers: vec![(
            "Content-Type".into(),
            "application/json; charset=utf8".into(),
        )],
        body: br#"{"cashbills":[]}"#.to_vec(),
    };

    let resp = transport().send(req).await.unwrap();

    assert_eq!(
        (resp.status, resp.body.as_slice()),
        (503, b"busy".as_slice())
    );
    let seen = &server.received_requests().await.unwrap()[0];
    assert_eq!(seen.body, br#"{"cashbills":[]}"#, "the exact bytes");
    assert_eq!(header(seen, "content-length"), Some("16"));
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let err = transport().send(get(closed_port_url())).await.unwrap_err();

    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    assert!(err.nothing_sent());
}

#[tokio::test]
async fn https_to_a_server_that_does_not_speak_tls_fails_before_sending() {
    let server = MockServer::start().await;
    let url = server.uri().replace("http://", "https://");

    let err = transport().send(get(url)).await.unwrap_err();

    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_response_slower_than_the_request_timeout_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .expect(1)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();

    let err =
        NativeTransport::with_timeouts(Duration::from_millis(500), Duration::from_millis(200))
            .send(get(server.uri()))
            .await
            .unwrap_err();

    assert!(matches!(err, TransportError::Timeout(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "gave up on time"
    );
}

#[tokio::test]
async fn a_connection_closed_midway_through_the_response_is_an_io_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/Cashbill", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = socket.read(&mut buf).await.unwrap();
        // Promise 100 bytes, send 10, hang up.
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"code\":1,")
            .await
            .unwrap();
        socket.shutdown().await.unwrap();
    });

    let err = transport().send(get(url)).await.unwrap_err();

    assert!(matches!(err, TransportError::Io(_)), "{err:?}");
    server.await.unwrap();
}
