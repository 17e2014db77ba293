//! Paired tests between scorers on the same leads: DeLong's test of the AUCs for each pair,
//! the family's p-values adjusted by Holm's method, and a verdict in plain words that calls
//! no winner on fewer than [`MIN_CLASS_FOR_VERDICT`] converted or dead leads.

use serde::Serialize;

use super::compare::ScorerScores;
use super::stats::{delong_test, holm_adjust};

/// DeLong's paired test for one pair of scorers.
#[derive(Debug, Clone, Serialize)]
pub struct PairTest {
    /// First scorer.
    pub a: String,
    /// Second scorer.
    pub b: String,
    /// AUC of `a`.
    pub auc_a: f64,
    /// AUC of `b`.
    pub auc_b: f64,
    /// `auc_a − auc_b`.
    pub diff: f64,
    /// Standard error of the difference (`null` when the test could not run).
    pub se: Option<f64>,
    /// z statistic.
    pub z: Option<f64>,
    /// Two-sided p-value, unadjusted.
    pub p_value: Option<f64>,
    /// The p-value adjusted for the family of pairs compared in the same run (Holm); equal to
    /// `p_value` when there is one pair.
    pub p_adjusted: Option<f64>,
    /// Pairs tested in the family the adjustment covers.
    pub family: usize,
    /// Whether `p_adjusted < alpha` with at least [`MIN_CLASS_FOR_VERDICT`] leads of each class.
    pub significant: bool,
    /// The conclusion in plain words.
    pub verdict: String,
}

/// The fewest converted and the fewest dead leads for a verdict that one scorer ranks better
/// than another: below this the tests still run and print, but the verdict says the sample
/// is too small (a DeLong test on a few dozen conversions swings with a handful of leads).
pub const MIN_CLASS_FOR_VERDICT: usize = 100;

/// DeLong's test of `a` against `b`, unadjusted: `p_adjusted` is the raw p-value and the
/// verdict is left empty for [`judge`], which needs the whole family of tests.
pub fn pair_test(a: &ScorerScores, b: &ScorerScores, auc_a: f64, auc_b: f64, labels: &[bool]) -> PairTest {
    let mut t = PairTest {
        a: a.name.clone(),
        b: b.name.clone(),
        auc_a,
        auc_b,
        diff: auc_a - auc_b,
        se: None,
        z: None,
        p_value: None,
        p_adjusted: None,
        family: 1,
        significant: false,
        verdict: String::new(),
    };
    match delong_test(&a.scores, &b.scores, labels) {
        Ok(d) => {
            t.se = Some(d.se);
            t.z = Some(d.z);
            t.p_value = Some(d.p_value);
            t.p_adjusted = Some(d.p_value);
        }
        Err(e) => t.verdict = format!("cannot test {} against {}: {e}", a.name, b.name),
    }
    t
}

/// Adjusts the p-values of a family of pair tests by Holm's method
/// ([`super::stats::holm_adjust`]) and writes each verdict at `alpha`. With fewer than
/// [`MIN_CLASS_FOR_VERDICT`] converted or dead leads no pair is declared different.
pub fn judge(tests: &mut [PairTest], labels: &[bool], alpha: f64) {
    let raw: Vec<f64> = tests.iter().map(|t| t.p_value.unwrap_or(f64::NAN)).collect();
    let family = raw.iter().filter(|p| !p.is_nan()).count();
    let adjusted = holm_adjust(&raw);
    let positives = labels.iter().filter(|&&y| y).count();
    let smallest = positives.min(labels.len() - positives);
    for (t, q) in tests.iter_mut().zip(adjusted) {
        let Some(p) = t.p_value else { continue };
        t.p_adjusted = Some(q);
        t.family = family;
        let shown = if family > 1 { format!("Holm-adjusted {} over {family} comparisons", fmt_p(q)) } else { fmt_p(p) };
        let (hi, lo) = if t.diff >= 0.0 { (&t.a, &t.b) } else { (&t.b, &t.a) };
        let (top, bottom) = (t.auc_a.max(t.auc_b), t.auc_a.min(t.auc_b));
        t.significant = q < alpha && smallest >= MIN_CLASS_FOR_VERDICT;
        t.verdict = if smallest < MIN_CLASS_FOR_VERDICT {
            format!(
                "sample too small to call a winner between {} and {} (AUC {:.3} vs {:.3}, {shown}): {positives} converted and {} dead leads, fewer than {MIN_CLASS_FOR_VERDICT} of a class.",
                t.a,
                t.b,
                t.auc_a,
                t.auc_b,
                labels.len() - positives
            )
        } else if t.significant {
            format!("{hi} ranks leads better than {lo} (AUC {top:.3} vs {bottom:.3}, {shown}): the difference is real, not chance.")
        } else {
            format!(
                "no real difference shown between {} and {} (AUC {:.3} vs {:.3}, {shown}): on these leads the gap could be chance.",
                t.a, t.b, t.auc_a, t.auc_b
            )
        };
    }
}

/// A p-value for people: `p < 0.0001` below that, else `p = ` with four decimals.
pub fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        "p < 0.0001".to_string()
    } else {
        format!("p = {p:.4}")
    }
}
