//! A due-event queue ordered by time, then by insertion (so equal times keep their order).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::clock::SimTime;

struct Entry<T> {
    at: SimTime,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    // Reversed: BinaryHeap is a max-heap and the earliest entry must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

pub struct Queue<T> {
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<T> Queue<T> {
    pub fn push(&mut self, at: SimTime, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, item });
    }

    /// When the earliest entry falls due.
    pub fn next_at(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.at)
    }

    /// The earliest entry if it is due at or before `now`.
    pub fn pop_due(&mut self, now: SimTime) -> Option<(SimTime, T)> {
        if self.heap.peek()?.at <= now {
            self.heap.pop().map(|e| (e.at, e.item))
        } else {
            None
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order_and_only_when_due() {
        let mut q = Queue::default();
        q.push(SimTime(20), "c");
        q.push(SimTime(10), "a");
        q.push(SimTime(10), "b");
        assert_eq!(q.next_at(), Some(SimTime(10)));
        assert_eq!(q.pop_due(SimTime(5)), None);
        assert_eq!(q.pop_due(SimTime(15)), Some((SimTime(10), "a")));
        assert_eq!(q.pop_due(SimTime(15)), Some((SimTime(10), "b")));
        assert_eq!(q.pop_due(SimTime(15)), None);
        assert_eq!(q.pop_due(SimTime(20)), Some((SimTime(20), "c")));
        assert!(q.is_empty());
    }
}
