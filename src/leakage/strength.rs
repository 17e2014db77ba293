//! Strength: how well a column alone separates converted from dead leads.
//!
//! The column is cut into bins (categorical and yes/no by value, numeric and date into up to
//! 20 quantile bins, missing a bin of its own), then target-encoded out of fold (2 seeded
//! folds, smoothed towards the base rate) and scored by AUC: a column with thousands of
//! distinct values cannot score well merely by memorising rows. Information value (IV, the
//! credit-scoring figure of merit) comes from the same bins, and so do the near-pure values:
//! a value held by a sizeable share of leads who (almost) all converted, or (almost) all died.

use std::collections::HashMap;

use crate::data::typing::{parse_number, ColumnKind, LeadFrame, MissingTokens, TypingError};
use crate::evaluation::metrics::roc_auc;
use crate::features::schema::InputColumn;

/// A column cut into bins over the labelled rows: bin 0 is "missing".
pub(super) struct Binned {
    /// Bin of each labelled row.
    pub bin: Vec<usize>,
    /// Label of each bin.
    pub names: Vec<String>,
    /// True for numeric quantile bins (a top bin of engagement may well convert: judged by AUC only).
    pub numeric: bool,
}

/// Bins a column over `rows`.
pub(super) fn bins(
    frame: &LeadFrame,
    col: &InputColumn,
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<Binned, TypingError> {
    let text = frame.text(&col.name, "")?;
    let values: Vec<Option<&str>> = rows.iter().map(|&i| missing.clean(text.get(i))).collect();
    let mut names = vec!["(missing)".to_string()];
    let numeric = matches!(col.kind, ColumnKind::Numeric) && values.iter().flatten().all(|v| parse_number(v).is_some());
    if numeric {
        let nums: Vec<Option<f64>> = values.iter().map(|v| v.and_then(parse_number)).collect();
        let mut sorted: Vec<f64> = nums.iter().flatten().copied().collect();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let mut edges: Vec<f64> = (1..20).map(|q| sorted.get(q * sorted.len() / 20).copied().unwrap_or(0.0)).collect();
        edges.dedup();
        for (k, e) in edges.iter().enumerate() {
            names.push(format!("bin {} (< {e})", k + 1));
        }
        names.push(format!("bin {}", edges.len() + 1));
        let bin = nums
            .iter()
            .map(|v| match v {
                None => 0,
                Some(x) => 1 + edges.partition_point(|e| e <= x),
            })
            .collect();
        return Ok(Binned { bin, names, numeric: true });
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    let bin = values
        .iter()
        .map(|v| match v {
            None => 0,
            Some(v) => *index.entry(v).or_insert_with(|| {
                names.push(v.to_string());
                names.len() - 1
            }),
        })
        .collect();
    Ok(Binned { bin, names, numeric: false })
}

/// The out-of-fold target-encoded AUC (folded to >= 0.5) of the bins of the rows at positions
/// `pick` (all when `None`); `fold[k]` is 0 or 1.
pub(super) fn encoded_auc(bin: &[usize], nb: usize, labels: &[bool], fold: &[usize], pick: Option<&[usize]>) -> f64 {
    let all: Vec<usize>;
    let pick = match pick {
        Some(p) => p,
        None => {
            all = (0..bin.len()).collect();
            &all
        }
    };
    let n = pick.len().max(1) as f64;
    let base = pick.iter().filter(|&&k| labels[k]).count() as f64 / n;
    let mut pos = vec![[0.0f64; 2]; nb];
    let mut cnt = vec![[0.0f64; 2]; nb];
    for &k in pick {
        cnt[bin[k]][fold[k]] += 1.0;
        if labels[k] {
            pos[bin[k]][fold[k]] += 1.0;
        }
    }
    // Smoothed towards the base rate with a prior weight of 10 leads.
    let enc: Vec<f64> = pick
        .iter()
        .map(|&k| {
            let (b, other) = (bin[k], 1 - fold[k]);
            (pos[b][other] + 10.0 * base) / (cnt[b][other] + 10.0)
        })
        .collect();
    let y: Vec<bool> = pick.iter().map(|&k| labels[k]).collect();
    let auc = roc_auc(&enc, &y).unwrap_or(0.5);
    auc.max(1.0 - auc)
}

/// A value whose leads (almost) all share one outcome.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PureValue {
    /// The value.
    pub value: String,
    /// Share of labelled rows holding it.
    pub share: f64,
    /// Conversion rate among them.
    pub rate: f64,
}

/// What the bins say: IV, the purest converting value and the purest dying value (of at least
/// `min_share` of the rows, converting at `rate` or more / at `(1 - rate) / 2` or less).
pub(super) struct BinFigures {
    /// Information value (0.5 added to every count).
    pub iv: f64,
    /// The largest value converting at `rate` or more.
    pub pure_win: Option<PureValue>,
    /// The largest value converting at `(1 - rate) / 2` or less.
    pub pure_death: Option<PureValue>,
    /// Rows per bin and converted per bin.
    pub counts: Vec<(f64, f64)>,
}

/// IV and near-pure values of binned labelled rows.
pub(super) fn bin_figures(b: &Binned, labels: &[bool], min_share: f64, rate: f64) -> BinFigures {
    let n = labels.len() as f64;
    let pos_total = labels.iter().filter(|&&y| y).count() as f64;
    let neg_total = n - pos_total;
    let base = pos_total / n.max(1.0);
    let mut counts = vec![(0.0f64, 0.0f64); b.names.len()];
    for (k, &bin) in b.bin.iter().enumerate() {
        counts[bin].0 += 1.0;
        if labels[k] {
            counts[bin].1 += 1.0;
        }
    }
    let mut iv = 0.0;
    let (mut pure_win, mut pure_death): (Option<PureValue>, Option<PureValue>) = (None, None);
    for (k, &(c, p)) in counts.iter().enumerate() {
        if c == 0.0 {
            continue;
        }
        let q = c - p;
        let (fp, fq) = ((p + 0.5) / (pos_total + 0.5), (q + 0.5) / (neg_total + 0.5));
        iv += (fp - fq) * (fp / fq).ln();
        let (share, r) = (c / n, p / c);
        if k == 0 || b.numeric || share < min_share {
            continue;
        }
        let v = PureValue { value: b.names[k].clone(), share, rate: r };
        if r >= rate && r > base && pure_win.as_ref().is_none_or(|w| share > w.share) {
            pure_win = Some(v);
        } else if r <= (1.0 - rate) / 2.0 && r < base && pure_death.as_ref().is_none_or(|w| share > w.share) {
            pure_death = Some(v);
        }
    }
    BinFigures { iv, pure_win, pure_death, counts }
}

/// Distinct values / non-missing rows when the column looks like an identifier (text or
/// whole numbers, at least 20 values, 95% or more distinct; or configured as an id).
pub(super) fn id_likeness(
    frame: &LeadFrame,
    col: &InputColumn,
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<Option<f64>, TypingError> {
    let text = frame.text(&col.name, "")?;
    let present: Vec<&str> = rows.iter().filter_map(|&i| missing.clean(text.get(i))).collect();
    let distinct = present.iter().collect::<std::collections::HashSet<_>>().len();
    let whole_numbers = col.kind == ColumnKind::Numeric && present.iter().all(|v| !v.contains('.'));
    let ratio = distinct as f64 / present.len().max(1) as f64;
    let shaped = matches!(col.kind, ColumnKind::Categorical | ColumnKind::Id) || whole_numbers;
    Ok(((shaped && present.len() >= 20 && ratio >= 0.95) || col.kind == ColumnKind::Id).then_some(ratio))
}
