//! Which input columns become features, and of which kind.
//!
//! Order of precedence: the id and target columns are never features; excluded columns
//! are dropped, and so is the date column that orders a time-ordered split; an explicit
//! `[data.types]` entry wins; otherwise the kind is inferred from the training rows' values
//! ([`crate::data::typing::infer_kind`]).

use serde::{Deserialize, Serialize};

use crate::data::typing::{infer_kind, ColumnKind, LeadFrame, MissingTokens, TypingError};

/// One input column and how it is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputColumn {
    /// Column name in the file.
    pub name: String,
    /// Its kind.
    pub kind: ColumnKind,
    /// True when the kind was inferred rather than configured.
    pub inferred: bool,
}

/// What the user said about columns.
pub struct SchemaRules<'a> {
    /// Id column (never a feature).
    pub id: Option<&'a str>,
    /// Target column (never a feature).
    pub target: &'a str,
    /// Columns to drop.
    pub exclude: &'a [String],
    /// Explicit kinds.
    pub types: &'a std::collections::BTreeMap<String, ColumnKind>,
    /// Date column for time-ordered splits (not a feature).
    pub date_column: Option<&'a str>,
    /// Missing tokens.
    pub missing: &'a MissingTokens,
}

/// Resolves every column of `frame` (restricted to `rows` for inference).
pub fn resolve_columns(
    frame: &LeadFrame,
    rows: &[usize],
    rules: &SchemaRules,
) -> Result<Vec<InputColumn>, TypingError> {
    let named: Vec<(&str, &str)> = rules
        .exclude
        .iter()
        .map(|c| (c.as_str(), "exclude"))
        .chain(rules.types.keys().map(|c| (c.as_str(), "types")))
        .chain(rules.date_column.map(|c| (c, "date-column")))
        .collect();
    for (name, what) in named {
        frame.text(name, &format!("fix the name in --{what} / [data] {what}"))?;
    }
    let mut out = Vec::new();
    for col in frame.df.columns() {
        let name = col.name().as_str();
        if Some(name) == rules.id || name == rules.target || rules.exclude.iter().any(|e| e == name) {
            continue;
        }
        // The split's date column orders history in time; as a feature it would only let a
        // model extrapolate calendar time, so it is not one.
        if Some(name) == rules.date_column {
            continue;
        }
        let (kind, inferred) = if let Some(k) = rules.types.get(name) {
            (*k, false)
        } else {
            let text = frame.text(name, "")?;
            let values = rows.iter().filter_map(|&i| rules.missing.clean(text.get(i)));
            (infer_kind(values), true)
        };
        if matches!(kind, ColumnKind::Ignore) {
            continue;
        }
        out.push(InputColumn { name: name.to_string(), kind, inferred });
    }
    Ok(out)
}

/// Lower-case words of a name or value: split at anything not a letter or digit and at
/// lower-to-upper case changes (`lastActivity` → last, activity).
pub fn name_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in s.chars() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
