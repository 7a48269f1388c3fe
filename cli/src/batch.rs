//! Splitting the file into batches and naming each with an id derived from its content: a
//! SubmitID for a submission, a refundID for a refund request (the Worker gives refundIDs a
//! SubmitID's grammar, so one type carries both).
//!
//! Batch `i` is the file's rows `[i·size, (i+1)·size)` in file order, whatever their validity,
//! so the batches and their ids are the same on every run over the same file, also when
//! `--skip-invalid` leaves some rows out (they are then left out of the batch's body) and also
//! for `status`, which does not judge rows at all. The id is
//! `pbb-{index:05}-{26 hex digits of SHA-256}` (`pbr-` for refunds) over the member's CorpNum,
//! the batch size, the index and the rows' canonical content: 36 characters, POPBiLL's maximum.
//! Editing one row changes only its own batch's id, so batches sent before the edit are still
//! recognised.

use popbill::validate::MAX_BATCH;
use popbill::{CorpNum, SubmitId};
use sha2::{Digest, Sha256};

use crate::input::Record;
use crate::op::Op;

/// Batches are numbered with five digits.
pub const MAX_BATCHES: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub index: usize,
    /// The submission's SubmitID, or the refund request's refundID.
    pub id: SubmitId,
    /// Positions (in the record list) of the rows this batch sends.
    pub members: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("the batch size must be 1 to {MAX_BATCH}, not {0}")]
    Size(usize),
    #[error("the file has {0} batches; at most {MAX_BATCHES} are supported: split it")]
    TooMany(usize),
}

/// The id of `op`'s batch `index` holding `rows`.
pub fn batch_id(
    op: Op,
    corp: Option<&CorpNum>,
    size: usize,
    index: usize,
    rows: &[Record],
) -> SubmitId {
    let mut h = Sha256::new();
    h.update(match op {
        Op::Submit => &b"popbill-bulk/1\n"[..],
        Op::Refund => &b"popbill-bulk/refund/1\n"[..],
    });
    h.update(corp.map_or("", CorpNum::as_str).as_bytes());
    h.update(format!("\n{size}\n{index}\n").as_bytes());
    for r in rows {
        h.update(r.canonical.as_bytes());
        h.update(b"\n");
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let prefix = op.id_prefix();
    SubmitId::parse(&format!("{prefix}-{index:05}-{}", &hex[..26])).expect(
        "three letters, '-', five digits, '-' and 26 hex digits are a valid 36-character id",
    )
}

/// Batches of `size` rows; rows for which `skip(position)` is true are left out of the body.
/// A batch left with no row is dropped.
pub fn split(
    op: Op,
    records: &[Record],
    corp: Option<&CorpNum>,
    size: usize,
    skip: impl Fn(usize) -> bool,
) -> Result<Vec<Batch>, BatchError> {
    if !(1..=MAX_BATCH).contains(&size) {
        return Err(BatchError::Size(size));
    }
    let count = records.len().div_ceil(size);
    if count > MAX_BATCHES {
        return Err(BatchError::TooMany(count));
    }
    Ok(records
        .chunks(size)
        .enumerate()
        .filter_map(|(index, chunk)| {
            let start = index * size;
            let members: Vec<usize> = (start..start + chunk.len()).filter(|p| !skip(*p)).collect();
            (!members.is_empty()).then(|| Batch {
                index,
                id: batch_id(op, corp, size, index, chunk),
                members,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(row: usize, key: &str) -> Record {
        Record {
            row,
            item: None,
            canonical: format!("{{\"mgtKey\":\"{key}\"}}"),
        }
    }

    fn rows(n: usize) -> Vec<Record> {
        (0..n).map(|i| rec(i + 2, &format!("K{i}"))).collect()
    }

    #[test]
    fn files_split_into_batches_of_at_most_a_hundred() {
        let b = split(Op::Submit, &rows(250), None, 100, |_| false).unwrap();
        assert_eq!(
            b.iter().map(|b| b.members.len()).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        assert_eq!(b[2].members[0], 200);
        assert_eq!(
            split(Op::Submit, &rows(3), None, 101, |_| false),
            Err(BatchError::Size(101))
        );
        assert_eq!(
            split(Op::Submit, &rows(3), None, 0, |_| false),
            Err(BatchError::Size(0))
        );
    }

    #[test]
    fn batch_ids_are_valid_36_characters_and_stable_across_runs() {
        let a = split(Op::Submit, &rows(250), None, 100, |_| false).unwrap();
        let b = split(Op::Submit, &rows(250), None, 100, |_| false).unwrap();
        assert_eq!(a, b, "the same file gives the same batches and SubmitIDs");
        for batch in &a {
            let id = batch.id.as_str();
            assert_eq!(id.len(), 36, "{id}");
            assert!(id.starts_with(&format!("pbb-{:05}-", batch.index)), "{id}");
        }
        let ids: std::collections::HashSet<_> = a.iter().map(|b| b.id.clone()).collect();
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn submit_ids_are_those_earlier_versions_derived() {
        // SHA-256 of "popbill-bulk/1\n" "" "\n100\n0\n" and the ten rows, each with "\n":
        // files sent before refunds existed keep their SubmitIDs, so a rerun still sends nothing.
        let b = split(Op::Submit, &rows(10), None, 100, |_| false).unwrap();
        assert_eq!(b[0].id.as_str(), "pbb-00000-acb7aa5adde70b6d9996898f37");
    }

    #[test]
    fn a_refund_file_gets_refund_ids_of_its_own() {
        let sub = split(Op::Submit, &rows(10), None, 100, |_| false).unwrap();
        let rfd = split(Op::Refund, &rows(10), None, 100, |_| false).unwrap();
        let id = rfd[0].id.as_str();
        assert!(id.starts_with("pbr-00000-") && id.len() == 36, "{id}");
        assert_ne!(&id[10..], &sub[0].id.as_str()[10..], "another hash domain");
        assert_eq!(
            rfd,
            split(Op::Refund, &rows(10), None, 100, |_| false).unwrap()
        );
    }

    #[test]
    fn editing_one_row_changes_only_its_own_batchs_submit_id() {
        let before = split(Op::Submit, &rows(250), None, 100, |_| false).unwrap();
        let mut edited = rows(250);
        edited[150] = rec(152, "CHANGED");
        let after = split(Op::Submit, &edited, None, 100, |_| false).unwrap();
        assert_eq!(before[0].id, after[0].id);
        assert_ne!(before[1].id, after[1].id);
        assert_eq!(before[2].id, after[2].id);
    }

    #[test]
    fn the_member_and_batch_size_are_part_of_the_id() {
        let corp = CorpNum::parse("1234567890").unwrap();
        let plain = split(Op::Submit, &rows(10), None, 100, |_| false).unwrap();
        let with_corp = split(Op::Submit, &rows(10), Some(&corp), 100, |_| false).unwrap();
        let smaller = split(Op::Submit, &rows(10), None, 50, |_| false).unwrap();
        assert_ne!(plain[0].id, with_corp[0].id);
        assert_ne!(plain[0].id, smaller[0].id);
    }

    #[test]
    fn skipped_rows_leave_the_batches_and_their_ids_in_place() {
        let all = split(Op::Submit, &rows(250), None, 100, |_| false).unwrap();
        let skipping = split(Op::Submit, &rows(250), None, 100, |p| {
            p == 5 || (100..200).contains(&p)
        })
        .unwrap();
        assert_eq!(
            skipping.len(),
            2,
            "a batch with every row skipped is dropped"
        );
        assert_eq!(skipping[0].id, all[0].id);
        assert_eq!(skipping[0].members.len(), 99);
        assert!(!skipping[0].members.contains(&5));
        assert_eq!((skipping[1].index, &skipping[1].id), (2, &all[2].id));
    }

    proptest::proptest! {
        #[test]
        fn every_row_lands_in_exactly_one_batch(n in 1usize..700, size in 1usize..=100) {
            let b = split(Op::Submit, &rows(n), None, size, |_| false).unwrap();
            let all: Vec<usize> = b.iter().flat_map(|b| b.members.clone()).collect();
            proptest::prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
            proptest::prop_assert!(b.iter().all(|b| b.members.len() <= size));
        }
    }
}
