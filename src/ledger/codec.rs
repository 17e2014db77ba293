//! How a score row's reasons are stored: a dictionary of (column, value) pairs, each given a
//! small integer once per ledger, and per lead a flat JSON array `[reason_id, pp, reason_id,
//! pp, ...]` with pp (percentage points) to one decimal, exactly as the output file shows it
//! (the same formatting, so a reason read back and shown again reads the same). A reason
//! costs a few bytes per lead instead of its text. Ledgers before schema 4 stored pairs,
//! `[[reason_id, pp], ...]` (2 bytes more per reason); those rows are read as they are
//! ([`for_each_reason`] takes both), and a reused score is stored again in the form it has.

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

    /// Encodes reasons as `[id,pp,...]`.
    pub fn encode(&mut self, reasons: &[StoredReason]) -> String {
        let pairs: Vec<(&str, &str, f64)> =
            reasons.iter().map(|r| (r.column.as_str(), r.value.as_str(), r.pp)).collect();
        self.encode_pairs(&pairs)
    }

    /// Encodes (column, value, pp) reasons as `[id,pp,...]`.
    pub fn encode_pairs(&mut self, reasons: &[(&str, &str, f64)]) -> String {
        let mut s = String::with_capacity(2 + reasons.len() * 8);
        s.push('[');
        for (i, &(column, value, pp)) in reasons.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let id = self.id(column, value);
            let pp = if pp.is_finite() { pp } else { 0.0 };
            let _ = write!(s, "{id},{pp:.1}");
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
        let mut out = Vec::new();
        for_each_reason(text, |id, pp| {
            let pp: f64 = pp.parse().map_err(|_| not_reasons(text))?;
            let (column, value) =
                self.names.get(&id).ok_or_else(|| format!("reason id {id} is not in the reasons table"))?;
            out.push(StoredReason { column: column.clone(), value: value.clone(), pp });
            Ok(())
        })?;
        Ok(out)
    }
}

/// The message for stored reasons that are in neither form.
fn not_reasons(text: &str) -> String {
    format!("stored reasons {text:?} are not [reason id, pp, ...] (nor, before ledger schema 4, [[reason id, pp], ...])")
}

/// Calls `f(reason_id, pp_text)` for each stored reason, in order, of either form: flat
/// `[id,pp,...]` or, as ledgers before schema 4 stored them, `[[id,pp],...]`. The pp is
/// handed over as its text, trimmed (the caller parses it, or shows it as it is); an error
/// of `f` stops the walk. Text in neither form is an error message naming it. No allocation.
pub fn for_each_reason(text: &str, mut f: impl FnMut(i64, &str) -> Result<(), String>) -> Result<(), String> {
    let inner = text.trim().strip_prefix('[').and_then(|t| t.strip_suffix(']')).ok_or_else(|| not_reasons(text))?;
    let inner = inner.trim();
    if inner.is_empty() {
        return Ok(());
    }
    let nested = inner.starts_with('[');
    let mut parts = inner.split(',');
    while let Some(id) = parts.next() {
        let pp = parts.next().ok_or_else(|| not_reasons(text))?.trim();
        let (id, pp) = if nested {
            let id = id.trim().strip_prefix('[').ok_or_else(|| not_reasons(text))?;
            (id, pp.strip_suffix(']').ok_or_else(|| not_reasons(text))?.trim_end())
        } else {
            (id, pp)
        };
        let id: i64 = id.trim().parse().map_err(|_| not_reasons(text))?;
        if pp.is_empty() || pp.contains(['[', ']']) {
            return Err(not_reasons(text));
        }
        f(id, pp)?;
    }
    Ok(())
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
        assert_eq!(text, "[4,12.3,5,-0.0]");
        assert_eq!(d.take_new(), vec![(5, "country".to_string(), "(missing)".to_string())]);
        assert!(d.take_new().is_empty());
        let back = d.decode(&text).unwrap();
        assert_eq!(back, vec![reason("title", "Director", 12.3), reason("country", "(missing)", -0.0)]);
        // Shown again, a stored reason reads as it did (format's rounding, ties to even).
        assert_eq!(Dictionary::default().encode(&[reason("a", "b", 0.25)]), "[1,0.2]");
        assert!(d.decode("[9,1]").unwrap_err().contains("reason id 9"));
        assert!(d.decode("nonsense").is_err());
        assert_eq!(Dictionary::default().id("a", "b"), 1);
        assert_eq!(d.decode("[]").unwrap(), vec![]);
    }

    #[test]
    fn reasons_of_both_stored_forms_are_read_and_malformed_text_is_refused() {
        let walk = |t: &str| {
            let mut got = Vec::new();
            for_each_reason(t, |id, pp| {
                got.push((id, pp.to_string()));
                Ok(())
            })
            .map(|()| got)
        };
        let want = vec![(4, "12.3".to_string()), (5, "-0.0".to_string())];
        assert_eq!(walk("[4,12.3,5,-0.0]").unwrap(), want);
        // Schema 3 and before, also as a hand-written ledger might space it.
        assert_eq!(walk("[[4,12.3],[5,-0.0]]").unwrap(), want);
        assert_eq!(walk(" [ [4, 12.3], [5, -0.0] ] ").unwrap(), want);
        assert_eq!(walk("[]").unwrap(), vec![]);
        assert_eq!(walk("[ ]").unwrap(), vec![]);
        for bad in ["", "[", "4,1.0", "[4]", "[4,1.0,5]", "[[4,1.0],5]", "[[4,1.0,5,2.0]]", "[x,1.0]", "[[4,1.0]", "[4,]"] {
            let e = walk(bad).unwrap_err();
            assert!(e.contains("are not [reason id, pp, ...]"), "{bad:?}: {e}");
        }
        let mut d = Dictionary::default();
        let stored = d.encode(&[reason("title", "VP", 3.0)]);
        assert_eq!(d.decode(&stored.replace("[1,", "[[1,").replace("]", "]]")).unwrap(), d.decode(&stored).unwrap());
        assert!(for_each_reason("[1,2.0]", |_, _| Err("stop".into())).unwrap_err() == "stop");
    }
}
