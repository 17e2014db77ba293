//! How a score row's reasons are stored: a dictionary of (column, value) pairs, each given a
//! small integer once per ledger, and per lead a JSON array `[[reason_id, pp], ...]` with pp
//! (percentage points) to one decimal, exactly as the output file shows it (the same
//! formatting, so a reason read back and shown again reads the same). A reason costs a few
//! bytes per lead instead of its text.

use std::collections::HashMap;
use std::fmt::Write;

use super::StoredReason;
use crate::rng::FastMap;

/// The reason dictionary of a ledger, loaded whole (it holds one entry per distinct
/// column and value that was ever a reason: small next to the scores).
#[derive(Debug, Default, Clone)]
pub struct Dictionary {
    /// Column, then value, to id (looked up by `&str`, no allocation per reason).
    ids: FastMap<String, FastMap<String, i64>>,
    names: HashMap<i64, (String, String)>,
    next: i64,
    /// Entries added since the last [`Dictionary::take_new`].
    fresh: Vec<(i64, String, String)>,
}

impl Dictionary {
    /// A dictionary of the stored entries.
    pub fn from_entries(entries: impl IntoIterator<Item = (i64, String, String)>) -> Dictionary {
        let mut d = Dictionary { next: 1, ..Dictionary::default() };
        for (id, column, value) in entries {
            d.next = d.next.max(id + 1);
            d.ids.entry(column.clone()).or_default().insert(value.clone(), id);
            d.names.insert(id, (column, value));
        }
        d
    }

    /// The id of (column, value), adding it if new.
    pub fn id(&mut self, column: &str, value: &str) -> i64 {
        if let Some(&id) = self.ids.get(column).and_then(|m| m.get(value)) {
            return id;
        }
        let id = self.next.max(1);
        self.next = id + 1;
        self.ids.entry(column.to_string()).or_default().insert(value.to_string(), id);
        self.names.insert(id, (column.to_string(), value.to_string()));
        self.fresh.push((id, column.to_string(), value.to_string()));
        id
    }

    /// The (column, value) of an id.
    pub fn value_of(&self, id: i64) -> Option<(&str, &str)> {
        self.names.get(&id).map(|(c, v)| (c.as_str(), v.as_str()))
    }

    /// Whether no entry is known (not loaded yet, or a ledger without reasons).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The entries added since the last call, to insert with the run.
    pub fn take_new(&mut self) -> Vec<(i64, String, String)> {
        std::mem::take(&mut self.fresh)
    }

    /// Encodes reasons as `[[id,pp],...]`.
    pub fn encode(&mut self, reasons: &[StoredReason]) -> String {
        let pairs: Vec<(&str, &str, f64)> =
            reasons.iter().map(|r| (r.column.as_str(), r.value.as_str(), r.pp)).collect();
        self.encode_pairs(&pairs)
    }

    /// Encodes (column, value, pp) reasons as `[[id,pp],...]`.
    pub fn encode_pairs(&mut self, reasons: &[(&str, &str, f64)]) -> String {
        let mut s = String::with_capacity(2 + reasons.len() * 10);
        s.push('[');
        for (i, &(column, value, pp)) in reasons.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let id = self.id(column, value);
            let pp = if pp.is_finite() { pp } else { 0.0 };
            let _ = write!(s, "[{id},{pp:.1}]");
        }
        s.push(']');
        s
    }

    /// [`Dictionary::decode`] of a stored value, where none or a blank one means no reasons.
    pub fn decode_stored(&self, text: Option<&str>) -> Result<Vec<StoredReason>, String> {
        match text {
            None | Some("") => Ok(Vec::new()),
            Some(t) => self.decode(t),
        }
    }

    /// Decodes what [`Dictionary::encode`] wrote; an unknown id or malformed text is an error
    /// message (the ledger was edited by hand or is damaged).
    pub fn decode(&self, text: &str) -> Result<Vec<StoredReason>, String> {
        let pairs: Vec<(i64, f64)> =
            serde_json::from_str(text).map_err(|e| format!("reasons {text:?} are not [[id, pp], ...]: {e}"))?;
        pairs
            .into_iter()
            .map(|(id, pp)| {
                let (column, value) =
                    self.names.get(&id).ok_or_else(|| format!("reason id {id} is not in the reasons table"))?;
                Ok(StoredReason { column: column.clone(), value: value.clone(), pp })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(c: &str, v: &str, pp: f64) -> StoredReason {
        StoredReason { column: c.into(), value: v.into(), pp }
    }

    #[test]
    fn reasons_round_trip_through_the_dictionary() {
        let mut d = Dictionary::from_entries([(4, "title".to_string(), "Director".to_string())]);
        let text = d.encode(&[reason("title", "Director", 12.345), reason("country", "(missing)", -0.04)]);
        assert_eq!(text, "[[4,12.3],[5,-0.0]]");
        assert_eq!(d.take_new(), vec![(5, "country".to_string(), "(missing)".to_string())]);
        assert!(d.take_new().is_empty());
        let back = d.decode(&text).unwrap();
        assert_eq!(back, vec![reason("title", "Director", 12.3), reason("country", "(missing)", -0.0)]);
        // Shown again, a stored reason reads as it did (format's rounding, ties to even).
        assert_eq!(Dictionary::default().encode(&[reason("a", "b", 0.25)]), "[[1,0.2]]");
        assert!(d.decode("[[9,1]]").unwrap_err().contains("reason id 9"));
        assert!(d.decode("nonsense").is_err());
        assert_eq!(Dictionary::default().id("a", "b"), 1);
    }
}
