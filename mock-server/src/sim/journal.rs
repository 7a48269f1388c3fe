//! The request journal and the webhook log: bounded, and free of secrets and personal data.
//!
//! Only method, path, override, SubmitID, status and code are kept for a request (never headers,
//! tokens or bodies), so nothing here can leak a token or an identityNum.

use std::collections::VecDeque;

use serde_json::{Value, json};

use super::clock::SimTime;

/// A bounded log: the oldest entries go first once `cap` is reached.
#[derive(Debug)]
pub struct Ring<T> {
    items: VecDeque<T>,
    cap: usize,
    next_seq: u64,
    dropped: u64,
}

impl<T> Ring<T> {
    pub fn new(cap: usize) -> Self {
        Ring {
            items: VecDeque::new(),
            cap: cap.max(1),
            next_seq: 1,
            dropped: 0,
        }
    }

    /// Append; returns the entry's sequence number (1, 2, …).
    pub fn push(&mut self, make: impl FnOnce(u64) -> T) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.items.len() == self.cap {
            self.items.pop_front();
            self.dropped += 1;
        }
        self.items.push_back(make(seq));
        seq
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }

    pub fn last_mut(&mut self) -> Option<&mut T> {
        self.items.back_mut()
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

fn clip(s: &str, max: usize) -> Box<str> {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]).into_boxed_str(),
        None => s.into(),
    }
}

/// One POPBiLL API request as the journal keeps it.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    pub seq: u64,
    pub at: SimTime,
    pub method: Box<str>,
    pub path: Box<str>,
    pub method_override: Option<Box<str>>,
    pub submit_id: Option<Box<str>>,
    /// `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    pub code: Option<i64>,
    pub fault: Option<&'static str>,
}

impl JournalEntry {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        seq: u64,
        at: SimTime,
        method: &str,
        path: &str,
        method_override: Option<&str>,
        submit_id: Option<&str>,
        status: Option<u16>,
        code: Option<i64>,
        fault: Option<&'static str>,
    ) -> Self {
        JournalEntry {
            seq,
            at,
            method: clip(method, 16),
            path: clip(path, 200),
            method_override: method_override.map(|s| clip(s, 32)),
            submit_id: submit_id.map(|s| clip(s, 64)),
            status,
            code,
            fault,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "seq": self.seq,
            "at": self.at.rfc3339(),
            "method": &*self.method,
            "path": &*self.path,
            "override": self.method_override.as_deref(),
            "submit_id": self.submit_id.as_deref(),
            "status": self.status,
            "code": self.code,
            "fault": self.fault,
        })
    }
}

/// One webhook delivery attempt (or a dropped event, `attempt` 0).
#[derive(Debug, Clone)]
pub struct WebhookLogEntry {
    pub seq: u64,
    pub mid: Box<str>,
    pub event_type: &'static str,
    pub mgt_key: Option<Box<str>>,
    pub submit_id: Option<Box<str>>,
    pub attempt: u8,
    pub at: SimTime,
    pub http_status: Option<u16>,
    pub ok: bool,
    pub fault: Option<&'static str>,
    pub error: Option<Box<str>>,
}

impl WebhookLogEntry {
    pub fn to_json(&self) -> Value {
        json!({
            "seq": self.seq,
            "mid": &*self.mid,
            "event_type": self.event_type,
            "mgt_key": self.mgt_key.as_deref(),
            "submit_id": self.submit_id.as_deref(),
            "attempt": self.attempt,
            "at": self.at.rfc3339(),
            "http_status": self.http_status,
            "ok": self.ok,
            "fault": self.fault,
            "error": self.error.as_deref(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_newest_and_counts_what_it_dropped() {
        let mut r = Ring::new(2);
        for _ in 0..5 {
            r.push(|seq| seq);
        }
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![4, 5]);
        assert_eq!(r.dropped(), 3);
    }

    #[test]
    fn long_fields_are_clipped() {
        let e = JournalEntry::new(
            1,
            SimTime(0),
            "GET",
            &"x".repeat(1000),
            None,
            Some(&"s".repeat(100)),
            Some(200),
            None,
            None,
        );
        assert!(e.path.chars().count() <= 201);
        assert!(e.submit_id.unwrap().chars().count() <= 65);
    }
}
