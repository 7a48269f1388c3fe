//! Splitting the file into batches and naming each with a SubmitID derived from its content.
//!
//! Batch `i` is the file's rows `[i·size, (i+1)·size)` in file order, whatever their validity,
//! so the batches and their SubmitIDs are the same on every run over the same file, also when
//! `--skip-invalid` leaves some rows out (they are then left out of the batch's body) and also
//! for `status`, which does not judge rows at all. The SubmitID is
//! `pbb-{index:05}-{26 hex digits of SHA-256}` over the member's CorpNum, the batch size, the
//! index and the rows' canonical content: 36 characters, POPBiLL's maximum. Editing one row
//! changes only its own batch's SubmitID, so batches sent before the edit are still recognised.

use popbill::validate::MAX_BATCH;
use popbill::{CorpNum, SubmitId};
use sha2::{Digest, Sha256};

use crate::input::Record;

/// Batches are numbered with five digits.
pub const MAX_BATCHES: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub index: usize,
    pub submit_id: SubmitId,
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

/// The SubmitID of batch `index` holding `rows`.
pub fn submit_id(corp: Option<&CorpNum>, size: usize, index: usize, rows: &[Record]) -> SubmitId {
    let mut h = Sha256::new();
    h.update(b"popbill-bulk/1\n");
    h.update(corp.map_or("", CorpNum::as_str).as_bytes());
    h.update(format!("\n{size}\n{index}\n").as_bytes());
    for r in rows {
        h.update(r.canonical.as_bytes());
        h.update(b"\n");
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    SubmitId::parse(&format!("pbb-{index:05}-{}", &hex[..26]))
        .expect("'pbb-', five digits, '-' and 26 hex digits are a valid 36-character SubmitID")
}

/// Batches of `size` rows; rows for which `skip(position)` is true are left out of the body.
/// A batch left with no row is dropped.
pub fn split(
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
                submit_id: submit_id(corp, size, index, chunk),
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
            cashbill: None,
            canonical: format!("{{\"mgtKey\":\"{key}\"}}"),
        }
    }

    fn rows(n: usize) -> Vec<Record> {
        (0..n).map(|i| rec(i + 2, &format!("K{i}"))).collect()
    }

    #[test]
    fn files_split_into_batches_of_at_most_a_hundred() {
        let b = split(&rows(250), None, 100, |_| false).unwrap();
        assert_eq!(
            b.iter().map(|b| b.members.len()).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        assert_eq!(b[2].members[0], 200);
        assert_eq!(
            split(&rows(3), None, 101, |_| false),
            Err(BatchError::Size(101))
        );
        assert_eq!(
            split(&rows(3), None, 0, |_| false),
            Err(BatchError::Size(0))
        );
    }

    #[test]
    fn submit_ids_are_valid_36_characters_and_stable_across_runs() {
        let a = split(&rows(250), None, 100, |_| false).unwrap();
        let b = split(&rows(250), None, 100, |_| false).unwrap();
        assert_eq!(a, b, "the same file gives the same batches and SubmitIDs");
        for batch in &a {
            let id = batch.submit_id.as_str();
            assert_eq!(id.len(), 36, "{id}");
            assert!(id.starts_with(&format!("pbb-{:05}-", batch.index)), "{id}");
        }
        let ids: std::collections::HashSet<_> = a.iter().map(|b| b.submit_id.clone()).collect();
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn editing_one_row_changes_only_its_own_batchs_submit_id() {
        let before = split(&rows(250), None, 100, |_| false).unwrap();
        let mut edited = rows(250);
        edited[150] = rec(152, "CHANGED");
        let after = split(&edited, None, 100, |_| false).unwrap();
        assert_eq!(before[0].submit_id, after[0].submit_id);
        assert_ne!(before[1].submit_id, after[1].submit_id);
        assert_eq!(before[2].submit_id, after[2].submit_id);
    }

    #[test]
    fn the_member_and_batch_size_are_part_of_the_id() {
        let corp = CorpNum::parse("1234567890").unwrap();
        let plain = split(&rows(10), None, 100, |_| false).unwrap();
        let with_corp = split(&rows(10), Some(&corp), 100, |_| false).unwrap();
        let smaller = split(&rows(10), None, 50, |_| false).unwrap();
        assert_ne!(plain[0].submit_id, with_corp[0].submit_id);
        assert_ne!(plain[0].submit_id, smaller[0].submit_id);
    }

    #[test]
    fn skipped_rows_leave_the_batches_and_their_ids_in_place() {
        let all = split(&rows(250), None, 100, |_| false).unwrap();
        let skipping = split(&rows(250), None, 100, |p| p == 5 || (100..200).contains(&p)).unwrap();
        assert_eq!(
            skipping.len(),
            2,
            "a batch with every row skipped is dropped"
        );
        assert_eq!(skipping[0].submit_id, all[0].submit_id);
        assert_eq!(skipping[0].members.len(), 99);
        assert!(!skipping[0].members.contains(&5));
        assert_eq!(
            (skipping[1].index, &skipping[1].submit_id),
            (2, &all[2].submit_id)
        );
    }

    proptest::proptest! {
        #[test]
        fn every_row_lands_in_exactly_one_batch(n in 1usize..700, size in 1usize..=100) {
            let b = split(&rows(n), None, size, |_| false).unwrap();
            let all: Vec<usize> = b.iter().flat_map(|b| b.members.clone()).collect();
            proptest::prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
            proptest::prop_assert!(b.iter().all(|b| b.members.len() <= size));
        }
    }
}
