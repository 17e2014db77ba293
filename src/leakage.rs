//! The leakage guard: before fitting, flag columns that look filled in after the outcome.
//!
//! Real lead exports mix columns known when the lead arrived with columns the sales team
//! filled in during or after contact (call notes, lead quality, tags). A model trained on
//! the latter shows a splendid hold-out AUC that means nothing on new leads.
//!
//! For each candidate column we compute, on the labelled rows:
//! - **single-column AUC**: the column alone, target-encoded out of fold (2 folds, seeded,
//!   smoothed towards the base rate), numeric columns first cut into up to 20 quantile bins;
//!   missing values are a bin of their own. Using out-of-fold encoding keeps a column with
//!   thousands of distinct values from scoring well merely by memorising rows.
//! - **information value** (IV) over the same bins (0.5 added to every count), the
//!   credit-scoring figure of merit where above 0.5 is "suspiciously good".
//! - **pure levels**: a value held by a sizeable share of rows whose leads (almost) always
//!   converted — e.g. a tag "Closed by sales" that only converted leads carry. Values whose
//!   leads almost never convert are not flagged: junk leads legitimately look like that.
//! - **id-likeness**: text or whole-number columns whose values are (almost) all distinct.
//!
//! A column is flagged when its AUC reaches `max_auc`, it has a pure level, or it is
//! id-like. `train` prints the table and refuses to fit until the analyst excludes the
//! column, keeps it explicitly (`--keep`), or passes `--allow-leaky`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::data::typing::{parse_number, ColumnKind, LeadFrame, MissingTokens, TypingError};
use crate::evaluation::metrics::roc_auc;
use crate::features::schema::InputColumn;
use crate::params::ParamError;
use crate::rng::splitmix;

/// Why a column was flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum LeakReason {
    /// The column alone separates converted from dead too well.
    SeparatesAlone {
        /// Its out-of-fold single-column AUC.
        auc: f64,
    },
    /// A value with an almost pure outcome covers many rows.
    PureLevel {
        /// The value.
        value: String,
        /// Share of labelled rows holding it.
        share: f64,
        /// Conversion rate among them.
        conversion_rate: f64,
    },
    /// Almost every value is distinct: an identifier, not a lead attribute.
    IdLike {
        /// Distinct values / non-missing rows.
        distinct_ratio: f64,
    },
}

/// Figures for one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnCheck {
    /// Column name.
    pub column: String,
    /// Out-of-fold single-column AUC.
    pub auc: f64,
    /// Information value.
    pub iv: f64,
    /// Why it is flagged (empty = fine).
    pub reasons: Vec<LeakReason>,
}

/// Bins a column: categorical / boolean by value, numeric and date by up to 20 quantile
/// bins; missing is bin 0. Returns bin per row and bin labels.
/// The third value is true when the bins are numeric quantile bins.
fn bins(
    frame: &LeadFrame,
    col: &InputColumn,
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<(Vec<usize>, Vec<String>, bool), TypingError> {
    let text = frame.text(&col.name, "")?;
    let values: Vec<Option<&str>> = rows.iter().map(|&i| missing.clean(text.get(i))).collect();
    let mut labels = vec!["(missing)".to_string()];
    let numeric = matches!(col.kind, ColumnKind::Numeric) && values.iter().flatten().all(|v| parse_number(v).is_some());
    if numeric {
        let nums: Vec<Option<f64>> = values.iter().map(|v| v.and_then(parse_number)).collect();
        let mut sorted: Vec<f64> = nums.iter().flatten().copied().collect();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let mut edges: Vec<f64> = (1..20).map(|q| sorted.get(q * sorted.len() / 20).copied().unwrap_or(0.0)).collect();
        edges.dedup();
        for (k, e) in edges.iter().enumerate() {
            labels.push(format!("bin {} (< {e})", k + 1));
        }
        labels.push(format!("bin {}", edges.len() + 1));
        let bin = nums
            .iter()
            .map(|v| match v {
                None => 0,
                Some(x) => 1 + edges.partition_point(|e| e <= x),
            })
            .collect();
        return Ok((bin, labels, true));
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    let bin = values
        .iter()
        .map(|v| match v {
            None => 0,
            Some(v) => *index.entry(v).or_insert_with(|| {
                labels.push(v.to_string());
                labels.len() - 1
            }),
        })
        .collect();
    Ok((bin, labels, false))
}

/// Thresholds of the leakage guard (`[leakage]` in the config), unchecked.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeakageParams {
    /// A column whose own cross-validated AUC reaches this is flagged.
    pub max_auc: f64,
    /// A value held by at least this share of labelled rows ...
    pub pure_level_share: f64,
    /// ... whose leads convert at this rate or more is flagged: nothing known before contact
    /// makes conversion near-certain, so such a value was most likely recorded after it.
    /// (Near-certain *death* is not flagged: junk leads legitimately look like that.)
    pub pure_level_rate: f64,
}

impl Default for LeakageParams {
    fn default() -> Self {
        LeakageParams { max_auc: 0.85, pure_level_share: 0.02, pure_level_rate: 0.97 }
    }
}

impl LeakageParams {
    /// Checks every range.
    pub fn check(self) -> Result<ValidLeakageParams, ParamError> {
        if !(self.max_auc > 0.5 && self.max_auc <= 1.0) {
            return Err(ParamError::new("max_auc", self.max_auc, "must be in (0.5, 1]"));
        }
        if !(self.pure_level_share > 0.0 && self.pure_level_share <= 1.0) {
            return Err(ParamError::new("pure_level_share", self.pure_level_share, "must be in (0, 1]"));
        }
        if !(self.pure_level_rate > 0.5 && self.pure_level_rate <= 1.0) {
            return Err(ParamError::new("pure_level_rate", self.pure_level_rate, "must be in (0.5, 1]"));
        }
        Ok(ValidLeakageParams(self))
    }
}

/// Checked leakage thresholds: what [`check_columns`] takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidLeakageParams(LeakageParams);

impl std::ops::Deref for ValidLeakageParams {
    type Target = LeakageParams;
    fn deref(&self) -> &LeakageParams {
        &self.0
    }
}

/// Checks every candidate column. `labels[k]` is the outcome of `rows[k]`.
pub fn check_columns(
    frame: &LeadFrame,
    columns: &[InputColumn],
    rows: &[usize],
    labels: &[bool],
    missing: &MissingTokens,
    limits: &ValidLeakageParams,
    seed: u64,
) -> Result<Vec<ColumnCheck>, TypingError> {
    let n = rows.len();
    let pos_total = labels.iter().filter(|&&y| y).count() as f64;
    let neg_total = n as f64 - pos_total;
    let base = pos_total / n as f64;
    // Seeded fold assignment (SplitMix64 of row position).
    let fold: Vec<usize> = (0..n).map(|k| (splitmix(seed ^ k as u64) & 1) as usize).collect();
    let mut out = Vec::new();
    for col in columns {
        let (bin, names, numeric_bins) = bins(frame, col, rows, missing)?;
        let nb = names.len();
        let mut pos = vec![[0.0f64; 2]; nb];
        let mut cnt = vec![[0.0f64; 2]; nb];
        for k in 0..n {
            cnt[bin[k]][fold[k]] += 1.0;
            if labels[k] {
                pos[bin[k]][fold[k]] += 1.0;
            }
        }
        // Out-of-fold smoothed target encoding (prior weight 10).
        let enc: Vec<f64> = (0..n)
            .map(|k| {
                let other = 1 - fold[k];
                let b = bin[k];
                (pos[b][other] + 10.0 * base) / (cnt[b][other] + 10.0)
            })
            .collect();
        let auc = roc_auc(&enc, labels).unwrap_or(0.5);
        let auc = auc.max(1.0 - auc);
        let mut iv = 0.0;
        let mut reasons = Vec::new();
        let non_missing = n - cnt[0][0] as usize - cnt[0][1] as usize;
        for b in 0..nb {
            let p = pos[b][0] + pos[b][1];
            let c = cnt[b][0] + cnt[b][1];
            if c == 0.0 {
                continue;
            }
            let q = c - p;
            let (fp, fq) = ((p + 0.5) / (pos_total + 0.5), (q + 0.5) / (neg_total + 0.5));
            iv += (fp - fq) * (fp / fq).ln();
            let share = c / n as f64;
            let rate = p / c;
            // Numeric bins are judged by AUC only: a top bin of engagement may well convert.
            if b > 0
                && !numeric_bins
                && share >= limits.pure_level_share
                && rate >= limits.pure_level_rate
                && rate > base
            {
                reasons.push(LeakReason::PureLevel { value: names[b].clone(), share, conversion_rate: rate });
            }
        }
        if auc >= limits.max_auc {
            reasons.insert(0, LeakReason::SeparatesAlone { auc });
        }
        let text = frame.text(&col.name, "")?;
        let present: Vec<&str> = rows.iter().filter_map(|&i| missing.clean(text.get(i))).collect();
        let distinct = present.iter().collect::<std::collections::HashSet<_>>().len();
        let whole_numbers = col.kind == ColumnKind::Numeric && present.iter().all(|v| !v.contains('.'));
        let ratio = distinct as f64 / non_missing.max(1) as f64;
        if (col.kind == ColumnKind::Categorical || col.kind == ColumnKind::Id || whole_numbers)
            && non_missing >= 20
            && ratio >= 0.95
        {
            reasons.push(LeakReason::IdLike { distinct_ratio: ratio });
        }
        if col.kind == ColumnKind::Id && reasons.is_empty() {
            reasons.push(LeakReason::IdLike { distinct_ratio: ratio });
        }
        out.push(ColumnCheck { column: col.name.clone(), auc, iv, reasons });
    }
    Ok(out)
}

impl LeakReason {
    /// One-line description for the train report.
    pub fn describe(&self) -> String {
        match self {
            LeakReason::SeparatesAlone { auc } => format!("alone reaches AUC {auc:.3}"),
            LeakReason::PureLevel { value, share, conversion_rate } => format!(
                "value \"{value}\" ({:.1}% of leads) converts at {:.1}%",
                share * 100.0,
                conversion_rate * 100.0
            ),
            LeakReason::IdLike { distinct_ratio } => {
                format!("looks like an identifier ({:.0}% distinct values)", distinct_ratio * 100.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use std::path::Path;

    #[test]
    fn leaky_tag_and_id_are_flagged_but_honest_column_is_not() {
        let n = 400;
        let y: Vec<bool> = (0..n).map(|i| splitmix(i as u64) % 3 == 0).collect();
        // "tag" copies the outcome; "visits" is mildly informative; "lead_no" is an id.
        let tag: Vec<String> = y.iter().map(|&c| if c { "Closed won".into() } else { "Ringing".into() }).collect();
        let visits: Vec<String> = (0..n).map(|i| ((i % 7) + if y[i] { 1 } else { 0 }).to_string()).collect();
        let id: Vec<String> = (0..n).map(|i| (660000 + i).to_string()).collect();
        let df = DataFrame::new_infer_height(vec![
            Column::new("tag".into(), tag),
            Column::new("visits".into(), visits),
            Column::new("lead_no".into(), id),
        ])
        .unwrap();
        let frame = LeadFrame { df: &df, path: Path::new("t.csv"), first_row: 1 };
        let cols = vec![
            InputColumn { name: "tag".into(), kind: ColumnKind::Categorical, inferred: true },
            InputColumn { name: "visits".into(), kind: ColumnKind::Numeric, inferred: true },
            InputColumn { name: "lead_no".into(), kind: ColumnKind::Numeric, inferred: true },
        ];
        let rows: Vec<usize> = (0..n).collect();
        let checks = check_columns(
            &frame,
            &cols,
            &rows,
            &y,
            &MissingTokens::default(),
            &LeakageParams::default().check().unwrap(),
            7,
        )
        .unwrap();
        assert!(checks[0].auc > 0.99, "{:?}", checks[0]);
        assert!(matches!(checks[0].reasons[0], LeakReason::SeparatesAlone { .. }));
        assert!(checks[0].iv > 3.0);
        assert!(checks[1].reasons.is_empty(), "{:?}", checks[1]);
        assert!(checks[1].auc > 0.5 && checks[1].auc < 0.8);
        assert!(checks[2].reasons.iter().any(|r| matches!(r, LeakReason::IdLike { .. })));
        // An id carries no signal out of fold.
        assert!(checks[2].auc < 0.6, "{:?}", checks[2]);
    }
}
