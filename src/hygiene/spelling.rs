//! Values spelt several ways: within a column, or across same-named columns of joined tables.
//!
//! Only category-like columns are compared: text columns with at most
//! [`MAX_DISTINCT`] distinct values of which at least one repeats (an id or a free-text
//! column is skipped). Two kinds of group:
//! - `variants`: distinct spellings with the same loose form (case, spaces and punctuation
//!   dropped: `GTXPro`, `GTX Pro`, `gtx-pro`), listed with their counts per file;
//! - `misspelling`: a value one edit (a letter inserted, dropped, changed, or two neighbours
//!   swapped) from a word of [`VOCABULARY`], e.g.
//!   `technolgy` for `technology`, whether or not the word is in the column too. Values
//!   shorter than 5 letters are not compared.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use crate::data::join::loose;

/// Most distinct values for a column to be compared.
pub const MAX_DISTINCT: usize = 2_000;

/// Words that industry, sector, department and similar category columns commonly hold.
pub const VOCABULARY: &[&str] = &[
    "technology",
    "software",
    "hardware",
    "finance",
    "financial",
    "banking",
    "insurance",
    "healthcare",
    "medical",
    "pharmaceutical",
    "education",
    "government",
    "manufacturing",
    "retail",
    "wholesale",
    "marketing",
    "media",
    "entertainment",
    "telecommunications",
    "telecom",
    "services",
    "consulting",
    "construction",
    "energy",
    "utilities",
    "transportation",
    "logistics",
    "hospitality",
    "agriculture",
    "automotive",
    "aerospace",
    "defense",
    "nonprofit",
    "employment",
    "legal",
    "real estate",
    "engineering",
    "chemicals",
    "mining",
    "research",
    "security",
    "gaming",
    "publishing",
    "sales",
    "support",
    "operations",
    "management",
    "director",
    "manager",
    "engineer",
];

/// One value spelt several ways (or misspelt).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpellingGroup {
    /// The column.
    pub column: String,
    /// `variants` or `misspelling`.
    pub kind: &'static str,
    /// Each spelling: (file, value, rows, first row).
    pub spellings: Vec<(String, String, usize, usize)>,
    /// For a misspelling, the word it is one edit from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// Optimal-string-alignment distance, stopping early once above 1 (all that is asked).
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 || a == b {
        return false;
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() && a[i] == b[j] {
        i += 1;
        j += 1;
    }
    let rest = |x: &[char], y: &[char]| x == y;
    if a.len() == b.len() {
        rest(&a[i + 1..], &b[j + 1..])
            || (i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && rest(&a[i + 2..], &b[i + 2..]))
    } else if a.len() > b.len() {
        rest(&a[i + 1..], &b[j..])
    } else {
        rest(&a[i..], &b[j + 1..])
    }
}

/// Per value of a column: (rows, first row); `None` once it has more than [`MAX_DISTINCT`]
/// distinct values (an id or free-text column), so memory stays bounded by the limit.
fn tally(t: &StringChunked) -> Option<BTreeMap<String, (usize, usize)>> {
    let mut m: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, v) in t.iter().enumerate() {
        let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else { continue };
        let full = m.len() >= MAX_DISTINCT;
        match m.get_mut(v) {
            Some(e) => e.0 += 1,
            None if full => return None,
            None => {
                m.insert(v.to_string(), (1, i + 1));
            }
        }
    }
    Some(m)
}

fn category_like(m: &BTreeMap<String, (usize, usize)>) -> bool {
    m.values().any(|(n, _)| *n > 1)
}

/// A file holding a column: its name and its tally of the column's values.
type FileTally = (String, BTreeMap<String, (usize, usize)>);

/// The spelling groups of `df` (named `file`) and of its same-named columns in `others`.
pub fn spellings(file: &str, df: &DataFrame, others: &[(String, DataFrame)]) -> Vec<SpellingGroup> {
    // Column -> the files holding it, each with its tally.
    let mut by_column: BTreeMap<String, Vec<FileTally>> = BTreeMap::new();
    for (name, frame) in std::iter::once((file.to_string(), df)).chain(others.iter().map(|(n, d)| (n.clone(), d))) {
        for c in frame.columns() {
            let Some(m) = c.str().ok().and_then(tally) else { continue };
            // A joined table's key column is unique by design: compared when another file has it.
            if category_like(&m) || (!m.is_empty() && name != file) {
                by_column.entry(c.name().to_string()).or_default().push((name.clone(), m));
            }
        }
    }
    let mut out = Vec::new();
    for (column, files) in by_column {
        if files.len() == 1 && !category_like(&files[0].1) {
            continue;
        }
        let mut groups: BTreeMap<String, Vec<(String, String, usize, usize)>> = BTreeMap::new();
        for (f, m) in &files {
            for (v, &(n, first)) in m {
                groups.entry(loose(v)).or_default().push((f.clone(), v.clone(), n, first));
            }
        }
        for g in groups.values() {
            let mut distinct: Vec<&String> = g.iter().map(|x| &x.1).collect();
            distinct.sort();
            distinct.dedup();
            if distinct.len() > 1 {
                out.push(SpellingGroup {
                    column: column.clone(),
                    kind: "variants",
                    spellings: g.clone(),
                    suggestion: None,
                });
            }
        }
        for (key, g) in &groups {
            if key.chars().count() < 5 {
                continue;
            }
            let word = VOCABULARY.iter().find(|w| within_one_edit(key, &loose(w)));
            if let Some(w) = word {
                out.push(SpellingGroup {
                    column: column.clone(),
                    kind: "misspelling",
                    spellings: g.clone(),
                    suggestion: Some(w.to_string()),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_with_too_many_distinct_values_are_skipped() {
        let ids: Vec<String> = (0..MAX_DISTINCT + 1).map(|i| format!("id{i}")).collect();
        let mut col = ids.clone();
        col.push("id0".into());
        assert!(tally(&StringChunked::from_iter(col.iter().map(|s| Some(s.as_str())))).is_none());
        let few = StringChunked::from_iter([Some("a"), Some("a"), None, Some(" b ")]);
        let m = tally(&few).unwrap();
        assert_eq!((m["a"], m["b"]), ((2, 1), (1, 4)));
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("technolgy", "technology"));
        assert!(within_one_edit("tehcnology", "technology"));
        assert!(within_one_edit("technologx", "technology"));
        assert!(!within_one_edit("technology", "technology"));
        assert!(!within_one_edit("tech", "technology"));
        assert!(!within_one_edit("tecnolgy", "technology"));
    }

    #[test]
    fn variants_across_tables_and_misspellings_within_a_column() {
        let deals = df!("product" => ["GTXPro", "GTXPro", "MG Special", "gtx basic"], "sector" => ["a", "a", "b", "b"])
            .unwrap();
        let products = df!("product" => ["GTX Pro", "MG Special", "GTX Basic"]).unwrap();
        let accounts = df!("sector" => ["technolgy", "technolgy", "retail"]).unwrap();
        let g = spellings("deals.csv", &deals, &[("products.csv".into(), products), ("accounts.csv".into(), accounts)]);
        let variants: Vec<Vec<String>> = g
            .iter()
            .filter(|x| x.kind == "variants")
            .map(|x| x.spellings.iter().map(|s| format!("{}:{}", s.0, s.1)).collect())
            .collect();
        assert_eq!(
            variants,
            [vec!["deals.csv:gtx basic", "products.csv:GTX Basic"], vec!["deals.csv:GTXPro", "products.csv:GTX Pro"]]
        );
        let m: Vec<&SpellingGroup> = g.iter().filter(|x| x.kind == "misspelling").collect();
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].column.as_str(), m[0].suggestion.as_deref()), ("sector", Some("technology")));
        assert_eq!(m[0].spellings, [("accounts.csv".to_string(), "technolgy".to_string(), 2, 1)]);
    }
}
