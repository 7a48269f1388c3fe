//! `--out results.csv`: one row per receipt (or refund) of the file, in file order, written
//! atomically (a temporary file in the same folder, synced, then renamed over the target), so a
//! reader never sees half a file and a crash leaves the previous one in place.

use std::io::Write as _;
use std::path::Path;

use crate::op::Op;
use crate::receipt::Receipt;

/// A refund file's results: its request (`refundID`), the BulkSubmit the Worker sent it in
/// (`submitID`), and while held, when it can go (`dueAt`); then the same as a receipt's.
pub const REFUND_COLUMNS: [&str; 15] = [
    "row",
    "mgtKey",
    "refundID",
    "submitID",
    "status",
    "dueAt",
    "confirmNum",
    "issueCode",
    "issueMessage",
    "issueDT",
    "stateCode",
    "ntsResultCode",
    "ntsResultMessage",
    "ntsSendDT",
    "ntsResultDT",
];

pub const COLUMNS: [&str; 13] = [
    "row",
    "mgtKey",
    "submitID",
    "status",
    "confirmNum",
    "issueCode",
    "issueMessage",
    "issueDT",
    "stateCode",
    "ntsResultCode",
    "ntsResultMessage",
    "ntsSendDT",
    "ntsResultDT",
];

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The file's bytes (UTF-8, comma-separated, a header row).
pub fn to_csv(op: Op, receipts: &[Receipt]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: &[&str] = match op {
        Op::Submit => &COLUMNS,
        Op::Refund => &REFUND_COLUMNS,
    };
    w.write_record(header)
        .expect("writing to memory cannot fail");
    for r in receipts {
        let mut row = vec![r.row.to_string(), r.mgt_key.clone()];
        if op == Op::Refund {
            row.push(r.refund_id.clone());
        }
        row.extend([r.submit_id.clone(), r.status().as_str().to_owned()]);
        if op == Op::Refund {
            row.push(opt(&r.due_at));
        }
        row.extend([
            opt(&r.confirm_num),
            opt(&r.issue_code),
            opt(&r.issue_message),
            opt(&r.issue_dt),
            opt(&r.state_code),
            opt(&r.nts_result_code),
            opt(&r.nts_result_message),
            opt(&r.nts_send_dt),
            opt(&r.nts_result_dt),
        ]);
        w.write_record(&row).expect("writing to memory cannot fail");
    }
    w.into_inner().expect("flushing to memory cannot fail")
}

/// Replace `path` with `bytes` in one step.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".popbill-bulk-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::Status;

    #[test]
    fn every_receipt_is_one_row_with_its_results() {
        let receipts = [
            Receipt {
                row: 2,
                mgt_key: "K1".into(),
                submit_id: "pbb-00000-x".into(),
                status: Some(Status::Filed),
                confirm_num: Some("TB0000001".into()),
                issue_code: Some(1),
                issue_message: Some("발행 완료".into()),
                issue_dt: Some("20250711100003".into()),
                state_code: Some(304),
                nts_result_code: Some("0000".into()),
                nts_result_message: Some("정상, 처리".into()),
                nts_send_dt: Some("20250712000000".into()),
                nts_result_dt: Some("20250712110000".into()),
                ..Default::default()
            },
            Receipt {
                row: 3,
                mgt_key: "K2".into(),
                ..Default::default()
            },
        ];
        let text = String::from_utf8(to_csv(Op::Submit, &receipts)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "2,K1,pbb-00000-x,filed,TB0000001,1,발행 완료,20250711100003,304,0000,\"정상, 처리\",20250712000000,20250712110000"
        );
        assert_eq!(
            lines[2], "3,K2,,not_sent,,,,,,,,,",
            "a receipt never sent says so"
        );
    }

    #[test]
    fn a_refund_row_names_its_request_its_bulk_submit_and_its_hold() {
        let held = Receipt {
            row: 2,
            mgt_key: "R-1".into(),
            refund_id: "pbr-00000-x".into(),
            submit_id: "RF01".into(),
            status: Some(Status::Scheduled),
            due_at: Some("20250712110000".into()),
            ..Default::default()
        };
        let text = String::from_utf8(to_csv(Op::Refund, &[held])).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], REFUND_COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "2,R-1,pbr-00000-x,RF01,scheduled,20250712110000,,,,,,,,,"
        );
    }

    #[test]
    fn the_file_is_replaced_whole_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.csv");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new,content\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new,content\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["results.csv"]);
    }

    #[test]
    fn a_folder_that_does_not_exist_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/results.csv");
        assert!(write_atomically(&path, b"x").is_err());
        assert!(!path.exists());
    }
}
