//! Every column through every signal, then its verdict.

use super::screen::{screen, Screen};
use super::signals::{halves, missing_indicator_auc, name_hits, present_share, value_hits, MIN_UNLABELLED};
use super::strength::{bin_figures, bins, encoded_auc, id_likeness, Binned};
use super::{
    folds, verdict_of, ColumnCheck, Flag, GuardInput, LeakReason, LeakageError, Level, ValidLeakageParams, Verdict,
};
use crate::data::typing::ColumnKind;
use crate::features::schema::InputColumn;

/// Rows each half of history needs before drift is judged.
const MIN_HALF_ROWS: usize = 100;
/// Share of rows with a value that must read as notes or outcomes for the values to count.
const VALUE_WORDING_SHARE: f64 = 0.2;

fn flag(level: Level, reason: LeakReason) -> Flag {
    Flag { reason, level }
}

/// Strength: alone AUC, IV, near-pure values.
fn strength(b: &Binned, auc: f64, labels: &[bool], limits: &ValidLeakageParams) -> (f64, Vec<Flag>) {
    let fig = bin_figures(b, labels, limits.pure_level_share, limits.pure_level_rate);
    let mut out = Vec::new();
    if auc >= limits.max_auc {
        out.push(flag(Level::Strong, LeakReason::SeparatesAlone { auc }));
    } else if auc >= limits.review_auc {
        out.push(flag(Level::Medium, LeakReason::SeparatesAlone { auc }));
    }
    if let Some(w) = fig.pure_win {
        out.push(flag(
            Level::Strong,
            LeakReason::PureLevel { value: w.value, share: w.share, conversion_rate: w.rate },
        ));
    }
    if fig.iv >= limits.review_iv {
        out.push(flag(Level::Medium, LeakReason::Informative { iv: fig.iv }));
    }
    if let Some(d) = fig.pure_death {
        out.push(flag(
            Level::Medium,
            LeakReason::PureDeath { value: d.value, share: d.share, conversion_rate: d.rate },
        ));
    }
    // Missingness alone: the missing bin against the rest.
    let (miss_n, miss_pos) = fig.counts[0];
    let n = labels.len() as f64;
    let pos: f64 = labels.iter().filter(|&&y| y).count() as f64;
    if miss_n >= 20.0 && n - miss_n >= 20.0 {
        let missing: Vec<bool> = b.bin.iter().map(|&x| x == 0).collect();
        if missing_indicator_auc(&missing, labels) >= limits.missing_auc {
            out.push(flag(
                Level::Medium,
                LeakReason::MissingPredicts {
                    missing_share: miss_n / n,
                    rate_missing: miss_pos / miss_n,
                    rate_present: (pos - miss_pos) / (n - miss_n),
                },
            ));
        }
    }
    (fig.iv, out)
}

/// Availability: present with an outcome, missing without one.
fn availability(g: &GuardInput, col: &InputColumn, limits: &ValidLeakageParams) -> Result<Option<Flag>, LeakageError> {
    if g.unlabelled.len() < MIN_UNLABELLED {
        return Ok(None);
    }
    let labelled_present = present_share(g.frame, &col.name, g.rows, g.missing)?;
    let unlabelled_present = present_share(g.frame, &col.name, g.unlabelled, g.missing)?;
    let gap = labelled_present - unlabelled_present;
    let level = if gap >= limits.availability_gap {
        Level::Strong
    } else if gap >= limits.availability_gap / 2.0 {
        Level::Medium
    } else {
        return Ok(None);
    };
    let reason = LeakReason::Unavailable { labelled_present, unlabelled_present, unlabelled_rows: g.unlabelled.len() };
    Ok(Some(flag(level, reason)))
}

/// Wording: the name, and for text columns the values.
fn wording(g: &GuardInput, col: &InputColumn) -> Result<Option<Flag>, LeakageError> {
    let name_words = name_hits(&col.name);
    let (value_share, example) = if col.kind == ColumnKind::Categorical {
        value_hits(g.frame, &col.name, g.rows, g.missing)?
    } else {
        (0.0, None)
    };
    let example = example.filter(|_| value_share >= VALUE_WORDING_SHARE);
    if name_words.is_empty() && example.is_none() {
        return Ok(None);
    }
    Ok(Some(flag(Level::Medium, LeakReason::Wording { name_words, value_share, example })))
}

/// Drift: alone AUC on the older half against the newer half.
fn drift(
    g: &GuardInput,
    b: &Binned,
    fold: &[usize],
    halves: &Option<(Vec<usize>, Vec<usize>)>,
    limits: &ValidLeakageParams,
) -> Option<Flag> {
    let ((old, new), (date_column, _)) = (halves.as_ref()?, g.days?);
    if old.len() < MIN_HALF_ROWS || new.len() < MIN_HALF_ROWS {
        return None;
    }
    let nb = b.names.len();
    let old_auc = encoded_auc(&b.bin, nb, g.labels, fold, Some(old));
    let new_auc = encoded_auc(&b.bin, nb, g.labels, fold, Some(new));
    let gap = old_auc - new_auc;
    let level = if gap >= 2.0 * limits.drift_auc {
        Level::Strong
    } else if gap >= limits.drift_auc && old_auc >= 0.65 {
        Level::Medium
    } else {
        return None;
    };
    Some(flag(level, LeakReason::Drifts { old_auc, new_auc, date_column: date_column.to_string() }))
}

/// Dominance in the screening model.
fn dominance(s: &Screen, name: &str, limits: &ValidLeakageParams) -> (Option<f64>, Option<Flag>) {
    let Some((_, share, added)) = s.columns.iter().find(|c| c.0 == name) else { return (None, None) };
    let dominant = *share >= limits.dominant_gain || added.is_some_and(|a| a >= limits.dominant_auc);
    let reason = LeakReason::Dominates { gain_share: *share, auc_added: *added, screen_auc: s.auc };
    (Some(*share), dominant.then(|| flag(Level::Medium, reason)))
}

/// Checks every candidate column of `g` and gives each its verdict.
pub fn check_columns(g: &GuardInput, limits: &ValidLeakageParams, seed: u64) -> Result<Vec<ColumnCheck>, LeakageError> {
    let fold = folds(g.rows.len(), seed);
    let screened =
        if limits.screen { screen(g.frame, g.columns, g.rows, g.labels, g.missing, g.pipeline, seed)? } else { None };
    let date_halves = g.days.map(|(_, d)| halves(d));
    let mut out = Vec::new();
    for col in g.columns {
        let b = bins(g.frame, col, g.rows, g.missing)?;
        let auc = encoded_auc(&b.bin, b.names.len(), g.labels, &fold, None);
        let (iv, mut reasons) = strength(&b, auc, g.labels, limits);
        reasons.extend(availability(g, col, limits)?);
        let gain_share = match &screened {
            Some(s) => {
                let (share, f) = dominance(s, &col.name, limits);
                reasons.extend(f);
                share
            }
            None => None,
        };
        reasons.extend(wording(g, col)?);
        reasons.extend(drift(g, &b, &fold, &date_halves, limits));
        if let Some(ratio) = id_likeness(g.frame, col, g.rows, g.missing)? {
            reasons.push(flag(Level::Strong, LeakReason::IdLike { distinct_ratio: ratio }));
        }
        reasons.sort_by_key(|f| std::cmp::Reverse(f.level));
        let verdict = verdict_of(&reasons);
        out.push(ColumnCheck { column: col.name.clone(), auc, iv, reasons, verdict: Some(verdict), gain_share });
    }
    Ok(out)
}

impl ColumnCheck {
    /// True when the verdict stops training.
    pub fn stops(&self) -> bool {
        self.verdict() == Verdict::Stop
    }
}
