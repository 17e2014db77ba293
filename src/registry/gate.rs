//! The promotion gate: does a retrained challenger deserve to replace the champion?
//!
//! Both bundles' primary models are scored on the same labelled leads that neither learned
//! from ([`crate::unseen`]). The rule, every check printed with its numbers:
//!
//! 1. **Enough outcomes.** At least [`GateOptions::min_class`] (100) converted and 100 dead
//!    leads. Fewer: the verdict is "too small to tell", and the gate does not pass.
//! 2. **Ranks at least as well (non-inferiority).** The lower end of the 95% interval of
//!    `AUC(challenger) − AUC(champion)`, from DeLong's paired variance
//!    (`diff − 1.96 · se`), is at least `−margin` (default 0.01): the challenger may be a
//!    little worse by chance, but not by more than the margin with 95% confidence.
//! 3. **Not worse calibrated.** Log loss no more than 0.005 above the champion's, and the
//!    expected calibration error (10 equal-width bins) no more than 0.02 above it.
//!
//! The challenger passes when all three hold. A challenger that is better on every number
//! passes; one that is 0.002 worse in AUC on a large sample passes too (non-inferior), which
//! is the point: a fresher model of equal skill should replace a stale one.

use serde::Serialize;

use crate::evaluation::calibration::{brier, calibration_table, log_loss};
use crate::evaluation::metrics::{roc_auc, MetricError};
use crate::evaluation::stats::{auc_delong_interval, delong_test, normal_quantile};

/// Settings of the rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateOptions {
    /// How much lower the challenger's AUC may be (at the interval's lower end).
    pub margin: f64,
    /// How much higher its log loss may be.
    pub log_loss_margin: f64,
    /// How much higher its ECE may be.
    pub ece_margin: f64,
    /// The fewest converted and the fewest dead leads for a verdict.
    pub min_class: usize,
    /// Confidence level of the intervals.
    pub level: f64,
}

impl Default for GateOptions {
    fn default() -> Self {
        GateOptions { margin: 0.01, log_loss_margin: 0.005, ece_margin: 0.02, min_class: 100, level: 0.95 }
    }
}

/// One model's numbers on the compared leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// Display name ("champion (leads_v1, gbm)").
    pub name: String,
    /// ROC AUC and its DeLong interval.
    pub auc: f64,
    /// Interval of the AUC.
    pub auc_ci: [f64; 2],
    /// Log loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Expected calibration error (10 bins).
    pub ece: f64,
    /// Converted leads among the top `capacity` by this model (ties split evenly).
    pub converted_at_capacity: Option<f64>,
}

/// One check of the rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateCheck {
    /// What was checked, with its numbers.
    pub what: String,
    /// Whether it held.
    pub passed: bool,
}

/// The gate's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateVerdict {
    /// The champion's numbers.
    pub champion: Side,
    /// The challenger's numbers.
    pub challenger: Side,
    /// Leads compared, and converted among them.
    pub leads: usize,
    /// Converted among them.
    pub conversions: usize,
    /// The sales capacity used for the lift line, if given.
    pub capacity: Option<usize>,
    /// `AUC(challenger) − AUC(champion)` and its interval.
    pub auc_diff: f64,
    /// Interval of the difference (DeLong).
    pub auc_diff_ci: [f64; 2],
    /// Two-sided p-value of the difference (DeLong).
    pub p_value: f64,
    /// The checks, in the rule's order.
    pub checks: Vec<GateCheck>,
    /// Whether the challenger passed every check.
    pub passed: bool,
    /// The verdict in words.
    pub verdict: String,
}

fn side(name: &str, probs: &[f64], labels: &[bool], capacity: Option<usize>, level: f64) -> Result<Side, MetricError> {
    Ok(Side {
        name: name.to_string(),
        auc: roc_auc(probs, labels)?,
        auc_ci: auc_delong_interval(probs, labels, level)?,
        log_loss: log_loss(probs, labels)?,
        brier: brier(probs, labels)?,
        ece: calibration_table(probs, labels, 10)?.ece,
        converted_at_capacity: capacity
            .map(|k| crate::evaluation::metrics::conversions_at_k(probs, labels, k.min(labels.len())))
            .transpose()?,
    })
}

/// Judges `challenger` against `champion` on the same leads (probabilities of each, in the
/// same order as `labels`).
pub fn judge(
    champion: (&str, &[f64]),
    challenger: (&str, &[f64]),
    labels: &[bool],
    capacity: Option<usize>,
    opts: &GateOptions,
) -> Result<GateVerdict, MetricError> {
    let a = side(champion.0, champion.1, labels, capacity, opts.level)?;
    let b = side(challenger.0, challenger.1, labels, capacity, opts.level)?;
    let d = delong_test(challenger.1, champion.1, labels)?;
    let z = normal_quantile(0.5 + opts.level / 2.0);
    let ci = [d.diff - z * d.se, d.diff + z * d.se];
    let conversions = labels.iter().filter(|&&y| y).count();
    let dead = labels.len() - conversions;
    let pct = 100.0 * opts.level;
    let mut checks = vec![GateCheck {
        what: format!(
            "enough outcomes: {conversions} converted and {dead} dead leads (at least {} of each needed)",
            opts.min_class
        ),
        passed: conversions >= opts.min_class && dead >= opts.min_class,
    }];
    checks.push(GateCheck {
        what: format!(
            "ranks at least as well: AUC {:.4} vs {:.4}, difference {:+.4} ({pct:.0}% interval {:+.4} to {:+.4}); the lower end must be at least -{:.3}",
            b.auc, a.auc, d.diff, ci[0], ci[1], opts.margin
        ),
        passed: ci[0] >= -opts.margin,
    });
    checks.push(GateCheck {
        what: format!(
            "not worse calibrated: log loss {:.4} vs {:.4} (at most +{:.3} allowed), ECE {:.4} vs {:.4} (at most +{:.3})",
            b.log_loss, a.log_loss, opts.log_loss_margin, b.ece, a.ece, opts.ece_margin
        ),
        passed: b.log_loss <= a.log_loss + opts.log_loss_margin && b.ece <= a.ece + opts.ece_margin,
    });
    let passed = checks.iter().all(|c| c.passed);
    let verdict = if !checks[0].passed {
        format!(
            "too small to tell: {conversions} converted and {dead} dead leads that neither model saw; keep the champion and compare again when more outcomes are in"
        )
    } else if passed {
        "promote: the challenger ranks at least as well as the champion and is not worse calibrated".to_string()
    } else {
        let failed: Vec<&str> =
            checks.iter().filter(|c| !c.passed).map(|c| c.what.split(':').next().unwrap_or("")).collect();
        format!("keep the champion: the challenger fails \"{}\"", failed.join("\" and \""))
    };
    Ok(GateVerdict {
        champion: a,
        challenger: b,
        leads: labels.len(),
        conversions,
        capacity,
        auc_diff: d.diff,
        auc_diff_ci: ci,
        p_value: d.p_value,
        checks,
        passed,
        verdict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leads(n: usize) -> Vec<bool> {
        (0..n).map(|i| i % 3 == 0).collect()
    }

    fn noisy(labels: &[bool], signal: f64, k: usize) -> Vec<f64> {
        labels
            .iter()
            .enumerate()
            .map(|(i, &y)| {
                let u = ((i * k + 11) % 101) as f64 / 101.0;
                (0.2 + signal * f64::from(u8::from(y)) + (1.0 - signal) * u) / 1.6
            })
            .collect()
    }

    #[test]
    fn a_clearly_better_challenger_passes_and_a_worse_one_does_not() {
        let y = leads(900);
        let weak = noisy(&y, 0.2, 37);
        let strong = noisy(&y, 0.6, 53);
        let v = judge(("champion", &weak), ("challenger", &strong), &y, Some(100), &GateOptions::default()).unwrap();
        assert!(v.checks[1].passed, "{:?}", v.checks);
        assert!(v.auc_diff > 0.1 && v.auc_diff_ci[0] > 0.0, "{v:?}");
        // The reverse: the stronger model is now champion, the challenger much worse.
        let r = judge(("champion", &strong), ("challenger", &weak), &y, None, &GateOptions::default()).unwrap();
        assert!(!r.passed && !r.checks[1].passed, "{r:?}");
        assert!(
            r.verdict.starts_with("keep the champion: the challenger fails \"ranks at least as well\""),
            "{}",
            r.verdict
        );
    }

    #[test]
    fn the_same_model_is_non_inferior_to_itself_and_the_interval_is_delongs() {
        let y = leads(600);
        let p = noisy(&y, 0.4, 29);
        let v = judge(("a", &p), ("b", &p), &y, None, &GateOptions::default()).unwrap();
        assert_eq!(v.auc_diff, 0.0);
        assert!(v.passed, "{v:?}");
        assert_eq!(
            v.verdict,
            "promote: the challenger ranks at least as well as the champion and is not worse calibrated"
        );
    }

    #[test]
    fn fewer_than_100_of_a_class_is_too_small_to_tell() {
        let y = leads(240); // 80 converted
        let weak = noisy(&y, 0.2, 37);
        let strong = noisy(&y, 0.6, 53);
        let v = judge(("champion", &weak), ("challenger", &strong), &y, None, &GateOptions::default()).unwrap();
        assert!(!v.passed && !v.checks[0].passed);
        assert!(v.verdict.starts_with("too small to tell: 80 converted and 160 dead leads"), "{}", v.verdict);
    }

    #[test]
    fn worse_calibration_fails_even_with_equal_ranking() {
        let y = leads(900);
        let p = noisy(&y, 0.4, 29);
        // Same order, squashed towards 0.95: the ranking is identical, the calibration is not.
        let bad: Vec<f64> = p.iter().map(|x| 0.9 + 0.05 * x).collect();
        let v = judge(("champion", &p), ("challenger", &bad), &y, None, &GateOptions::default()).unwrap();
        assert!(v.checks[1].passed && !v.checks[2].passed, "{:?}", v.checks);
        assert!(v.verdict.contains("not worse calibrated"), "{}", v.verdict);
    }
}
