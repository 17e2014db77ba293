//! The scores an incremental run may reuse, packed for ten million leads: every lead id and
//! reasons text in one buffer, one fixed-size record per lead, and an open-addressing index
//! of record numbers by the id's hash. Nothing is allocated per lead, so a night's 10M
//! stored scores load in one pass and are freed at once (a map of a boxed id and a shared
//! reasons text per lead held 2.7 GB and took ~30 s to build at 10M).

use crate::bundle::Grade;
use crate::rng::{fnv1a, splitmix};
use crate::scorer::Probability;

/// What an earlier run gave a lead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredLead {
    /// Its input hash then.
    pub input_hash: u64,
    /// P(converted).
    pub probability: Probability,
    /// Percentile.
    pub percentile: f64,
    /// Grade.
    pub grade: Grade,
}

/// One lead's record: its score and where its id and reasons are in the text buffer (the
/// reasons follow the id).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Record {
    lead: StoredLead,
    at: usize,
    id_len: u32,
    /// `NO_REASONS`: not explained.
    reasons_len: u32,
}

const NO_REASONS: u32 = u32::MAX;
const EMPTY: u32 = u32::MAX;

/// The stored scores, by lead id. Build with [`StoredLeads::push`], then [`StoredLeads::index`]
/// once; look up with [`StoredLeads::get`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredLeads {
    text: String,
    records: Vec<Record>,
    /// Record numbers by `hash(id) & mask`, linear probing; `EMPTY` is a free slot. Its length
    /// is a power of two at least twice the records.
    slots: Vec<u32>,
}

fn hash(id: &str) -> u64 {
    splitmix(fnv1a(id.as_bytes()))
}

impl StoredLeads {
    /// Room for `leads` records and `text` bytes of ids and reasons.
    pub fn with_capacity(leads: usize, text: usize) -> StoredLeads {
        StoredLeads { text: String::with_capacity(text), records: Vec::with_capacity(leads), slots: Vec::new() }
    }

    /// Adds a lead (before [`StoredLeads::index`]). A lead added twice keeps its last score;
    /// more than `u32::MAX - 1` leads, or an id or reasons text of 4 GiB, are ignored.
    pub fn push(&mut self, id: &str, lead: StoredLead, reasons: Option<&str>) {
        let (Ok(id_len), Ok(reasons_len)) = (u32::try_from(id.len()), u32::try_from(reasons.map_or(0, str::len)))
        else {
            return;
        };
        if self.records.len() >= (EMPTY - 1) as usize || reasons_len == NO_REASONS {
            return;
        }
        let at = self.text.len();
        self.text.push_str(id);
        if let Some(r) = reasons {
            self.text.push_str(r);
        }
        self.records.push(Record { lead, at, id_len, reasons_len: if reasons.is_some() { reasons_len } else { NO_REASONS } });
    }

    /// Builds the index of the records pushed; a later duplicate id replaces the earlier one.
    pub fn index(&mut self) {
        let size = (self.records.len() * 2).max(8).next_power_of_two();
        self.slots = vec![EMPTY; size];
        let mask = size - 1;
        for n in 0..self.records.len() {
            let id = self.id(n);
            let mut s = hash(id) as usize & mask;
            loop {
                match self.slots[s] {
                    EMPTY => {
                        self.slots[s] = n as u32;
                        break;
                    }
                    m if self.id(m as usize) == id => {
                        self.slots[s] = n as u32;
                        break;
                    }
                    _ => s = (s + 1) & mask,
                }
            }
        }
    }

    fn id(&self, n: usize) -> &str {
        let r = &self.records[n];
        &self.text[r.at..r.at + r.id_len as usize]
    }

    /// The record number of lead `id`, if stored (and indexed).
    pub fn find(&self, id: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut s = hash(id) as usize & mask;
        loop {
            match self.slots[s] {
                EMPTY => return None,
                n if self.id(n as usize) == id => return Some(n),
                _ => s = (s + 1) & mask,
            }
        }
    }

    /// The score of record `n` (from [`StoredLeads::find`]).
    pub fn lead(&self, n: u32) -> &StoredLead {
        &self.records[n as usize].lead
    }

    /// The stored reasons text of record `n` (`None`: not explained).
    pub fn reasons(&self, n: u32) -> Option<&str> {
        let r = self.records.get(n as usize)?;
        if r.reasons_len == NO_REASONS {
            return None;
        }
        let at = r.at + r.id_len as usize;
        Some(&self.text[at..at + r.reasons_len as usize])
    }

    /// How many leads are stored.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(h: u64) -> StoredLead {
        StoredLead { input_hash: h, probability: Probability::new(0.25).unwrap(), percentile: 40.0, grade: Grade::B }
    }

    #[test]
    fn leads_are_found_by_id_with_their_reasons_and_others_are_not() {
        let mut s = StoredLeads::with_capacity(4, 16);
        assert_eq!(s.find("L1"), None, "nothing indexed yet");
        s.push("L1", lead(1), Some("[3,1.5]"));
        s.push("L2", lead(2), None);
        s.push("", lead(3), Some("[]"));
        s.push("L1", lead(4), Some("[7,-0.5]"));
        s.index();
        let l1 = s.find("L1").unwrap();
        assert_eq!((s.lead(l1).input_hash, s.reasons(l1)), (4, Some("[7,-0.5]")), "a later duplicate wins");
        let l2 = s.find("L2").unwrap();
        assert_eq!((s.lead(l2).input_hash, s.reasons(l2)), (2, None));
        let blank = s.find("").unwrap();
        assert_eq!(s.reasons(blank), Some("[]"));
        assert_eq!(s.find("L3"), None);
        assert_eq!(s.find("L"), None);
        assert_eq!(s.reasons(99), None);
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn a_hundred_thousand_ids_are_all_found() {
        let mut s = StoredLeads::default();
        for i in 0..100_000u64 {
            s.push(&format!("lead-{i}"), lead(i), (i % 3 == 0).then_some("[1,0.1]"));
        }
        s.index();
        for i in (0..100_000u64).step_by(7) {
            let n = s.find(&format!("lead-{i}")).unwrap();
            assert_eq!(s.lead(n).input_hash, i);
            assert_eq!(s.reasons(n).is_some(), i % 3 == 0);
        }
        assert_eq!(s.find("lead-100000"), None);
        assert!(s.slots.len() >= 200_000 && s.slots.len().is_power_of_two());
    }
}
