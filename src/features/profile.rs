//! A column's training distribution, kept in the bundle for drift (bundle format 1.2):
//! numbers (numeric, boolean, date ages) in up to ten bins cut at the training deciles,
//! labels as the shares of their most common values (up to [`MAX_PROFILE_LEVELS`]) and of
//! the rest; the missing share is [`super::pipeline::FittedColumn::missing_share`]. Every
//! share is of all training rows, so bins + missing add up to 1.
//!
//! [`Observed`] counts a batch of leads into the same bins, plus the values never seen in
//! training (not a kept level and not a remembered rare one), for `leadscore drift`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::pipeline::{parse_column, Encoding, FittedColumn, FittedPipeline, Parsed, Reading};
use crate::data::typing::{LeadFrame, TypingError};

/// Label profiles keep at most this many values; the rest share one bin.
pub const MAX_PROFILE_LEVELS: usize = 20;

/// A training distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnProfile {
    /// Numbers: bin `i` holds values `<= edges[i]` (and above `edges[i - 1]`); the last bin
    /// holds values above the last edge.
    Binned {
        /// Upper edges, ascending (deciles, duplicates removed).
        edges: Vec<f64>,
        /// Share of training rows per bin (`edges.len() + 1` bins).
        shares: Vec<f64>,
        /// Training rows the shares come from.
        rows: u64,
    },
    /// Labels: the most common values, then all others.
    Levels {
        /// The values, most common first.
        levels: Vec<String>,
        /// Share of training rows per value.
        shares: Vec<f64>,
        /// Share of training rows with any other (non-missing) value.
        other: f64,
        /// Training rows the shares come from.
        rows: u64,
    },
}

impl ColumnProfile {
    /// The profile of parsed training values (`rows` of them).
    pub(super) fn of(parsed: &Parsed, rows: usize) -> Option<ColumnProfile> {
        let n = rows.max(1) as f64;
        match parsed {
            Parsed::Numbers(v) => {
                let mut x: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
                if x.is_empty() {
                    return None;
                }
                x.sort_by(|a, b| a.total_cmp(b));
                let mut edges: Vec<f64> = (1..10).map(|k| x[(k * (x.len() - 1)) / 10]).collect();
                edges.dedup();
                if edges.last() == x.last() {
                    edges.pop();
                }
                let mut counts = vec![0usize; edges.len() + 1];
                for &v in &x {
                    counts[edges.partition_point(|e| *e < v)] += 1;
                }
                Some(ColumnProfile::Binned {
                    edges,
                    shares: counts.iter().map(|&c| c as f64 / n).collect(),
                    rows: rows as u64,
                })
            }
            Parsed::Labels(v) => {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for l in v.iter().flatten() {
                    *counts.entry(l).or_default() += 1;
                }
                let mut top: Vec<(&str, usize)> = counts.into_iter().collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                let present: usize = top.iter().map(|t| t.1).sum();
                top.truncate(MAX_PROFILE_LEVELS);
                let kept: usize = top.iter().map(|t| t.1).sum();
                Some(ColumnProfile::Levels {
                    levels: top.iter().map(|t| t.0.to_string()).collect(),
                    shares: top.iter().map(|t| t.1 as f64 / n).collect(),
                    other: (present - kept) as f64 / n,
                    rows: rows as u64,
                })
            }
        }
    }

    /// Training rows the shares come from.
    pub fn rows(&self) -> u64 {
        match self {
            ColumnProfile::Binned { rows, .. } | ColumnProfile::Levels { rows, .. } => *rows,
        }
    }

    /// Bins, missing excluded.
    pub fn bins(&self) -> usize {
        match self {
            ColumnProfile::Binned { shares, .. } => shares.len(),
            ColumnProfile::Levels { shares, .. } => shares.len() + 1,
        }
    }

    /// Training share per bin, then the missing share (`missing`), adding up to 1.
    pub fn expected(&self, missing: f64) -> Vec<f64> {
        let mut v = match self {
            ColumnProfile::Binned { shares, .. } => shares.clone(),
            ColumnProfile::Levels { shares, other, .. } => {
                let mut s = shares.clone();
                s.push(*other);
                s
            }
        };
        v.push(missing);
        v
    }

    /// A label for bin `i` (the last being "(missing)").
    pub fn bin_label(&self, i: usize) -> String {
        match self {
            _ if i == self.bins() => "(missing)".to_string(),
            ColumnProfile::Binned { edges, .. } => match (i.checked_sub(1).map(|k| edges[k]), edges.get(i)) {
                (None, Some(e)) => format!("<= {e}"),
                (Some(a), Some(b)) => format!("({a}, {b}]"),
                (Some(a), None) => format!("> {a}"),
                (None, None) => "all".to_string(),
            },
            ColumnProfile::Levels { levels, .. } => levels.get(i).cloned().unwrap_or_else(|| "(other values)".into()),
        }
    }
}

/// A column's values in scored leads, counted into its profile's bins.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Observed {
    /// Per bin, then missing.
    pub counts: Vec<u64>,
    /// Values never seen in training, with their counts.
    pub new_values: BTreeMap<String, u64>,
}

impl Observed {
    /// Adds one batch's values of `column` (which must have a profile).
    fn add(&mut self, column: &FittedColumn, profile: &ColumnProfile, parsed: &Parsed) {
        if self.counts.is_empty() {
            self.counts = vec![0; profile.bins() + 1];
        }
        let missing = profile.bins();
        match (profile, parsed) {
            (ColumnProfile::Binned { edges, .. }, Parsed::Numbers(v)) => {
                for &x in v {
                    let bin = if x.is_nan() { missing } else { edges.partition_point(|e| *e < x) };
                    self.counts[bin] += 1;
                }
            }
            (ColumnProfile::Levels { levels, .. }, Parsed::Labels(v)) => {
                let seen = |l: &str| match &column.encoding {
                    Encoding::Categorical { levels, rare } => {
                        levels.iter().any(|x| x == l) || rare.binary_search_by(|x| x.as_str().cmp(l)).is_ok()
                    }
                    Encoding::Number { .. } => true,
                };
                for l in v {
                    let bin = match l {
                        None => missing,
                        Some(l) => levels.iter().position(|x| x == l).unwrap_or(levels.len()),
                    };
                    if let Some(l) = l.filter(|l| bin == levels.len() && !seen(l)) {
                        if self.new_values.len() < 10_000 || self.new_values.contains_key(l) {
                            *self.new_values.entry(l.to_string()).or_default() += 1;
                        }
                    }
                    self.counts[bin] += 1;
                }
            }
            _ => {}
        }
    }
}

impl FittedPipeline {
    /// Counts a batch into `observed` (one per column of the pipeline; columns without a
    /// profile are skipped). A column the batch lacks counts as missing on every row.
    pub fn observe(&self, frame: &LeadFrame, observed: &mut [Observed]) -> Result<(), TypingError> {
        let rows: Vec<usize> = (0..frame.height()).collect();
        for (c, o) in self.columns.iter().zip(observed.iter_mut()) {
            let Some(profile) = &c.profile else { continue };
            let parsed = if frame.df.column(&c.name).is_ok() {
                parse_column(frame, &c.name, c.kind, &rows, &self.missing, self.reference_date, Reading::Apply)?
            } else {
                match profile {
                    ColumnProfile::Binned { .. } => Parsed::Numbers(vec![f64::NAN; rows.len()]),
                    ColumnProfile::Levels { .. } => Parsed::Labels(vec![None; rows.len()]),
                }
            };
            o.add(c, profile, &parsed);
        }
        Ok(())
    }
}
