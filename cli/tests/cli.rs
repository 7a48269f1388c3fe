//! The binary against a stand-in Worker (wiremock): help text, exit statuses, bad input with row
//! numbers and nothing sent, a CP949 file, a refused batch beside accepted ones.

mod common;

use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A Worker that accepts every batch except those holding `refuse_key` (409 mgt_key_in_use,
/// with the receipt's index, as the real Worker answers), and a Linkhub clock at the harness's
/// start time.
struct FakeWorker {
    refuse_key: Option<&'static str>,
}

impl Respond for FakeWorker {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let cashbills = body["cashbills"].as_array().cloned().unwrap_or_default();
        if let Some(key) = self.refuse_key
            && let Some(i) = cashbills.iter().position(|c| c["mgtKey"] == key)
        {
            return ResponseTemplate::new(409).set_body_json(json!({"error": {
                "code": "mgt_key_in_use", "message": "some mgtKeys were already used",
                "details": [{"index": i, "field": "mgtKey", "reason": "in_use",
                             "popbillCode": popbill::codes::MGT_KEY_IN_USE,
                             "message": format!("mgtKey {key} belongs to submission OTHER")}]}}));
        }
        let receipts: Vec<Value> = cashbills
            .iter()
            .map(|c| json!({"mgtKey": c["mgtKey"], "submitID": body["submitID"], "status": "submitted"}))
            .collect();
        ResponseTemplate::new(202).set_body_json(json!({
            "submitID": body["submitID"], "state": "accepted", "cashbills": receipts }))
    }
}

async fn fake_worker(refuse_key: Option<&'static str>, expected_posts: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Time"))
        .respond_with(ResponseTemplate::new(200).set_body_string("2025-07-11T01:00:00Z"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/submissions"))
        .respond_with(FakeWorker { refuse_key })
        .expect(expected_posts)
        .mount(&server)
        .await;
    server
}

fn submit_args<'a>(file: &'a str, server: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "submit",
        file,
        "--worker",
        server,
        "--token",
        "t0k3n",
        "--clock",
        "linkhub",
        "--auth-url",
        server,
    ];
    a.extend_from_slice(extra);
    a
}

#[tokio::test]
async fn help_names_the_commands_the_exit_statuses_and_the_environment() {
    let top = run(command(&["--help"])).await;
    assert_eq!(top.code, 0);
    for needle in [
        "submit",
        "status",
        "Exit status:",
        "0  every receipt reached",
        "1  some receipts failed",
        "2  usage or input error",
        "3  could not reach the Worker",
        "sends nothing twice",
    ] {
        assert!(
            top.stdout.contains(needle),
            "--help lacks {needle:?}:\n{}",
            top.stdout
        );
    }
    let sub = run(command(&["submit", "--help"])).await;
    assert_eq!(sub.code, 0);
    for needle in [
        "--wait <POINT>",
        "issued",
        "filed",
        "--out <FILE>",
        "--skip-invalid",
        "--direct",
        "POPBILL_BULK_WORKER",
        "POPBILL_BULK_TOKEN",
        "POPBILL_LINK_ID",
        "POPBILL_SECRET_KEY",
        "POPBILL_CORP_NUM",
        "--production",
        "--api-url",
        "--auth-url",
        "--concurrency",
        "--quiet",
        "--json",
        "cp949",
    ] {
        assert!(
            sub.stdout.contains(needle),
            "submit --help lacks {needle:?}:\n{}",
            sub.stdout
        );
    }
    let status = run(command(&["status", "--help"])).await;
    assert!(
        status.stdout.contains("--submit-id <ID>"),
        "{}",
        status.stdout
    );
}

#[tokio::test]
async fn usage_errors_exit_2_before_anything_is_read_or_sent() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "r.csv", csv("U", 3));
    let file = file.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["submit", file], "--worker URL"),
        (
            vec!["submit", file, "--worker", "http://127.0.0.1:9"],
            "--token",
        ),
        (
            vec!["submit", file, "--worker", "ftp://x", "--token", "t"],
            "http:// or https://",
        ),
        (
            vec!["submit", file, "--direct", "--corp-num", CORP],
            "POPBILL_LINK_ID",
        ),
        (vec!["submit", file, "--direct"], "--corp-num"),
        (
            vec![
                "submit",
                file,
                "--worker",
                "http://127.0.0.1:9",
                "--token",
                "t",
                "--production",
            ],
            "only apply with --direct",
        ),
        (
            vec![
                "submit",
                file,
                "--worker",
                "http://127.0.0.1:9",
                "--token",
                "t",
                "--poll-max",
                "1",
            ],
            "at least 2 seconds",
        ),
        (vec!["submit", file, "--corp-num", "12-34"], "CORP_NUM"),
        (
            vec![
                "submit",
                "/nonexistent/r.csv",
                "--worker",
                "http://127.0.0.1:9",
                "--token",
                "t",
            ],
            "cannot read /nonexistent/r.csv",
        ),
        (
            vec!["submit", file, "--wait", "soon"],
            "invalid value 'soon'",
        ),
        (vec!["status"], "required"),
    ];
    for (args, needle) in cases {
        let out = run(command(&args)).await;
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(
            out.stderr.contains(needle),
            "{args:?} should say {needle:?}: {}",
            out.stderr
        );
    }
}

#[tokio::test]
async fn invalid_rows_are_all_reported_by_row_and_field_and_nothing_is_sent() {
    let server = fake_worker(None, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = csv("BAD", 5);
    text = text.replace(
        "BAD-1,20250711100000,승인거래,소득공제용,과세,11000",
        "BAD-1,20250711100000,승인거래,소득공제용,과세,12000",
    );
    text = text.replace("BAD-3,20250711100000", "BAD-3,20250709100000");
    text.push_str(&row("BAD-0", ""));
    text.push('\n');
    text.push_str(
        "BAD-9,20250711100000,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,,x,\n",
    );
    let file = write(dir.path(), "bad.csv", text);
    let out = run(command(&submit_args(
        file.to_str().unwrap(),
        &server.uri(),
        &["--json"],
    )))
    .await;
    assert_eq!(out.code, 2, "{out:?}");
    let codes = popbill::codes::AMOUNT_SUM_MISMATCH;
    for needle in [
        format!(
            "row 3, totalAmount: totalAmount must equal supplyCost + tax + serviceFee (POPBiLL {codes})"
        ),
        format!(
            "row 5, tradeDT: tradeDT must be today or yesterday (KST) (POPBiLL {})",
            popbill::codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY
        ),
        "row 7, mgtKey: BAD-0 is already on row 2".to_owned(),
        format!(
            "row 8, identityNum: identityNum is required (POPBiLL {})",
            popbill::codes::IDENTITY_NUM_MISSING
        ),
        "4 problem(s) in the file; nothing was sent".to_owned(),
    ] {
        assert!(
            out.stderr.contains(&needle),
            "stderr lacks {needle:?}:\n{}",
            out.stderr
        );
    }
    let summary: Value = serde_json::from_str(&out.stdout).expect("--json prints JSON");
    let rows: Vec<i64> = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [3, 5, 7, 8]);
    assert_eq!(summary["exit"], 2);
    // The stand-in Worker's `.expect(0)` is checked when it drops: nothing was posted.
}

#[tokio::test]
async fn a_header_with_unknown_or_missing_columns_is_refused_on_row_1() {
    let server = fake_worker(None, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "h.csv", "mgtKey,TotalAmount,price\nK1,1,2\n");
    let out = run(command(&submit_args(
        file.to_str().unwrap(),
        &server.uri(),
        &[],
    )))
    .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("row 1, TotalAmount: unknown column (did you mean totalAmount?)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("row 1, price: unknown column"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("row 1, identityNum: required column is missing"),
        "{}",
        out.stderr
    );
    let empty = write(dir.path(), "e.csv", format!("{HEADER}\n"));
    let out = run(command(&submit_args(
        empty.to_str().unwrap(),
        &server.uri(),
        &[],
    )))
    .await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("the file has no receipts"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_cp949_file_is_decoded_and_sent_as_utf8() {
    let server = fake_worker(None, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let text = csv("KR", 3).replace("아메리카노", "따뜻한 아메리카노");
    let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(&text);
    assert!(!unmappable);
    let file = write(dir.path(), "cp949.csv", bytes);
    let out = run(command(&submit_args(
        file.to_str().unwrap(),
        &server.uri(),
        &[],
    )))
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("3 rows (CP949, CSV)"), "{}", out.stderr);
    let sent = server.received_requests().await.unwrap();
    let post = sent
        .iter()
        .find(|r| r.url.path() == "/v1/submissions")
        .unwrap();
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["cashbills"][2]["itemName"], "따뜻한 아메리카노");
    assert_eq!(body["cashbills"][2]["tradeType"], "승인거래");
}

#[tokio::test]
async fn a_latin1_file_is_refused_with_its_row_and_how_to_convert_it() {
    let server = fake_worker(None, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = csv("L", 2).into_bytes();
    bytes.extend_from_slice(b"L-9,20250711100000,x,y,z,1,1,0,0,1234567890,010,caf\xE9,\n");
    // Replace the Korean (UTF-8) text so the file is not UTF-8 only because of the last row.
    let file = write(dir.path(), "latin1.csv", bytes);
    let out = run(command(&submit_args(
        file.to_str().unwrap(),
        &server.uri(),
        &[],
    )))
    .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("row 4: the file is neither UTF-8 nor Korean CP949"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("iconv -f CP949 -t UTF-8"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_batch_the_worker_refuses_is_reported_by_row_and_the_others_go_on() {
    let server = fake_worker(Some("R-153"), 3).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "r.csv", csv("R", 250));
    let out_csv = dir.path().join("results.csv");
    let out = run(command(&submit_args(
        file.to_str().unwrap(),
        &server.uri(),
        &["--out", out_csv.to_str().unwrap(), "--json"],
    )))
    .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("row 155: mgtKey: mgtKey R-153 belongs to submission OTHER"),
        "{}",
        out.stderr
    );
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["counts"], json!({"submitted": 150, "refused": 100}));
    let rows = results(&out_csv);
    assert_eq!(rows.len(), 250);
    assert_eq!(rows[153]["status"], "refused");
    assert_eq!(rows[153]["row"], "155");
    assert_eq!(rows[99]["status"], "submitted");
    assert_eq!(rows[200]["status"], "submitted");
}

#[tokio::test]
async fn skip_invalid_sends_the_valid_rows_and_exits_1() {
    let server = fake_worker(None, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let text = csv("S", 4).replace(
        "S-2,20250711100000,승인거래,소득공제용,과세,11000",
        "S-2,20250711100000,승인거래,소득공제용,과세,1",
    );
    let file = write(dir.path(), "s.csv", text);
    let out = run(command(&submit_args(
        file.to_str().unwrap(),
        &server.uri(),
        &["--skip-invalid"],
    )))
    .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("row 4 S-2 invalid"), "{}", out.stdout);
    let sent = server.received_requests().await.unwrap();
    let post = sent
        .iter()
        .find(|r| r.url.path() == "/v1/submissions")
        .unwrap();
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    let keys: Vec<&str> = body["cashbills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mgtKey"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["S-0", "S-1", "S-3"]);
}

#[tokio::test]
async fn a_worker_that_cannot_be_reached_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "r.csv", csv("N", 3));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let time = MockServer::start().await;
    Mock::given(path("/Time"))
        .respond_with(ResponseTemplate::new(200).set_body_string("2025-07-11T01:00:00Z"))
        .mount(&time)
        .await;
    let out = run(command(&[
        "submit",
        file.to_str().unwrap(),
        "--worker",
        &url,
        "--token",
        "t",
        "--clock",
        "linkhub",
        "--auth-url",
        &time.uri(),
        "--retries",
        "1",
    ]))
    .await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("retry 1/1"), "{}", out.stderr);
    assert!(out.stdout.contains("not_sent 3"), "{}", out.stdout);
}

#[tokio::test]
async fn a_token_the_worker_refuses_exits_2_and_says_so() {
    let server = MockServer::start().await;
    Mock::given(path("/Time"))
        .respond_with(ResponseTemplate::new(200).set_body_string("2025-07-11T01:00:00Z"))
        .mount(&server)
        .await;
    Mock::given(path("/v1/submissions"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error":{"code":"unauthorized","message":"missing or invalid credentials"}}),
        ))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "r.csv", csv("T", 3));
    let out = run(command(&submit_args(
        file.to_str().unwrap(),
        &server.uri(),
        &[],
    )))
    .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("the Worker refused the token (401)"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("t0k3n"),
        "the token is never printed: {}",
        out.stderr
    );
}

#[tokio::test]
async fn dry_run_prints_the_batches_and_their_stable_submit_ids_and_sends_nothing() {
    let server = fake_worker(None, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "d.csv", csv("D", 250));
    let uri = server.uri();
    let args = submit_args(file.to_str().unwrap(), &uri, &["--dry-run"]);
    let a = run(command(&args)).await;
    let b = run(command(&args)).await;
    assert_eq!(a.code, 0, "{a:?}");
    let lines: Vec<&str> = a
        .stdout
        .lines()
        .filter(|l| l.starts_with("batch "))
        .collect();
    assert_eq!(lines.len(), 3, "{}", a.stdout);
    assert!(
        lines[0].starts_with("batch 0 pbb-00000-")
            && lines[0].ends_with("rows 2–101 (100 receipts)"),
        "{}",
        lines[0]
    );
    assert!(
        lines[2].ends_with("rows 202–251 (50 receipts)"),
        "{}",
        lines[2]
    );
    assert_eq!(a.stdout, b.stdout, "the same file gives the same SubmitIDs");
}

#[tokio::test]
async fn json_lines_on_standard_input_are_read_and_checked() {
    let server = fake_worker(None, 0).await;
    let line = |key: &str, total: &str| {
        format!(
            "{{\"mgtKey\":\"{key}\",\"tradeDT\":\"{TRADE_DT}\",\"tradeType\":\"승인거래\",\"tradeUsage\":\"소득공제용\",\"taxationType\":\"과세\",\"totalAmount\":{total},\"supplyCost\":\"10000\",\"tax\":\"1000\",\"serviceFee\":\"0\",\"franchiseCorpNum\":\"{CORP}\",\"identityNum\":\"01012345678\"}}\n"
        )
    };
    let uri = server.uri();
    let mut cmd = command(&submit_args("-", &uri, &["--dry-run"]));
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let input = format!("{}\n{}", line("J1", "\"11000\""), line("J2", "11000"));
    use tokio::io::AsyncWriteExt as _;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("read -: 2 rows (UTF-8, JSON Lines)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 3, totalAmount: must be a JSON string (amounts too: \"11000\")"),
        "the blank line 2 counts: {stderr}"
    );
}
