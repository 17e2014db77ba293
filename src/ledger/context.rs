//! What a run records besides the scores (schema version 3): the context columns of its
//! scored file that later reads need without the file — the `--keep-columns` columns (the
//! account, the `--value-column`, `--currency-column` and `--stage-column`, which `score`
//! keeps), and with rules the rules' `persona`, `stage` and `engagement_score` — and each
//! lead's row in that file, so a roll-up from the ledger sees the leads in the file's order.
//!
//! Storage: the run's [`RunContext`] as JSON in `runs.context`; per lead `scores.position`
//! (its 1-based row in the scored file) and `scores.context`, a JSON array aligned with
//! [`RunContext::columns`] of ids into the `context_values` dictionary (`null` for a blank
//! cell). The dictionary is kept per ledger like the reasons' ([`Dictionary`]): an account
//! name or a deal's value is stored once, and every night that repeats it costs a few bytes.
//! A run without context columns stores neither (no cost).

use serde::{Deserialize, Serialize};

use super::codec::Dictionary;

/// The context a run recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunContext {
    /// The recorded columns, in the order each lead's values are stored, named as the scored
    /// file names them.
    pub columns: Vec<String>,
    /// Decimals the scored file showed `probability` with (`score --precision`), so a read
    /// of the ledger can use the probabilities the file's readers saw.
    pub probability_decimals: u32,
}

impl RunContext {
    /// Whether the run records anything per lead.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Where `column` is among the recorded columns.
    pub fn index_of(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    /// The JSON kept in `runs.context`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads `runs.context`; none or blank is a run without context (recorded before schema
    /// version 3).
    pub fn from_json(text: Option<&str>) -> Result<Option<RunContext>, String> {
        match text.map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => serde_json::from_str(t).map(Some).map_err(|e| format!("run context {t:?} is not readable: {e}")),
        }
    }
}

/// Encodes one lead's context values (aligned with `columns`) as `[id, null, ...]`, adding
/// new values to the dictionary.
pub fn encode(dictionary: &mut Dictionary, columns: &[String], values: &[Option<String>]) -> String {
    let mut s = String::with_capacity(2 + 6 * values.len());
    s.push('[');
    for (i, (c, v)) in columns.iter().zip(values).enumerate() {
        if i > 0 {
            s.push(',');
        }
        match v {
            Some(v) => s.push_str(&dictionary.id(c, v).to_string()),
            None => s.push_str("null"),
        }
    }
    s.push(']');
    s
}

/// Decodes what [`encode`] wrote; an unknown id or malformed text is an error message.
pub fn decode(dictionary: &Dictionary, text: Option<&str>) -> Result<Vec<Option<String>>, String> {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return Ok(Vec::new()) };
    let ids: Vec<Option<i64>> =
        serde_json::from_str(text).map_err(|e| format!("context {text:?} is not [id, null, ...]: {e}"))?;
    ids.into_iter()
        .map(|id| match id {
            None => Ok(None),
            Some(id) => dictionary
                .value_of(id)
                .map(|(_, v)| Some(v.to_string()))
                .ok_or_else(|| format!("context value id {id} is not in the context_values table")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_round_trips_through_its_dictionary_and_blank_is_null() {
        let cols = vec!["account".to_string(), "price".to_string()];
        let mut d = Dictionary::from_entries([(7, "account".to_string(), "Acme".to_string())]);
        let a = encode(&mut d, &cols, &[Some("Acme".into()), Some("1000".into())]);
        let b = encode(&mut d, &cols, &[Some("Acme".into()), None]);
        assert_eq!((a.as_str(), b.as_str()), ("[7,8]", "[7,null]"));
        assert_eq!(d.take_new(), vec![(8, "price".to_string(), "1000".to_string())]);
        assert_eq!(decode(&d, Some(&a)).unwrap(), [Some("Acme".to_string()), Some("1000".to_string())]);
        assert_eq!(decode(&d, Some(&b)).unwrap(), [Some("Acme".to_string()), None]);
        assert_eq!(decode(&d, None).unwrap(), Vec::<Option<String>>::new());
        assert!(decode(&d, Some("[99]")).unwrap_err().contains("id 99"));
        let ctx = RunContext { columns: cols, probability_decimals: 4 };
        assert_eq!(RunContext::from_json(Some(&ctx.to_json())).unwrap(), Some(ctx.clone()));
        assert_eq!(RunContext::from_json(None).unwrap(), None);
        assert_eq!(ctx.index_of("price"), Some(1));
    }
}
