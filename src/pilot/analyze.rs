//! The pilot's verdict from its outcomes: conversion rate per arm with Wilson intervals,
//! the difference with a two-proportion z-test, sales-cycle length per arm (median days
//! from creation to conversion, with an order-statistic interval), and — when the result
//! is not yet conclusive — how many leads per arm a conclusive answer would need.
//!
//! Input per arm ([`ArmOutcomes`]): each lead's outcome and, for converted leads with both
//! dates, the days to convert. Output: a [`PilotReport`], printed or serialised.

use serde::Serialize;

use super::stats::{
    median_interval, sample_size_per_arm, two_proportion_test, wilson, Median, PilotStatsError, Rate, TwoProportion,
};

/// Outcomes of one arm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmOutcomes {
    /// Converted? per lead with a known outcome.
    pub converted: Vec<bool>,
    /// Days from creation to conversion, per converted lead with both dates.
    pub cycle_days: Vec<f64>,
}

/// Settings of the analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzePlan {
    /// Significance level (0.05).
    pub alpha: f64,
    /// Power wanted for the sample-size calculation (0.8).
    pub power: f64,
    /// Relative lift to power for (0.2 = +20%); default: the observed lift.
    pub lift: Option<f64>,
}

/// Analysis settings out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalyzePlanError {
    /// A significance level outside (0, 0.5).
    #[error("--alpha {0}: expected a level between 0 and 0.5, e.g. 0.05")]
    Alpha(f64),
    /// A power outside (0, 1).
    #[error("--power {0}: expected a probability between 0 and 1, e.g. 0.8")]
    Power(f64),
    /// A lift of zero, at or below -100%, or not a number.
    #[error("--lift {0}: expected a non-zero relative lift above -1, e.g. 0.2 for +20%")]
    Lift(f64),
}

impl AnalyzePlan {
    /// Checked settings: `0 < alpha < 0.5`, `0 < power < 1`, a lift above -1 and not 0.
    pub fn new(alpha: f64, power: f64, lift: Option<f64>) -> Result<AnalyzePlan, AnalyzePlanError> {
        if !(alpha > 0.0 && alpha < 0.5) {
            return Err(AnalyzePlanError::Alpha(alpha));
        }
        if !(power > 0.0 && power < 1.0) {
            return Err(AnalyzePlanError::Power(power));
        }
        if let Some(l) = lift {
            if !(l.is_finite() && l > -1.0 && l != 0.0) {
                return Err(AnalyzePlanError::Lift(l));
            }
        }
        Ok(AnalyzePlan { alpha, power, lift })
    }
}

impl Default for AnalyzePlan {
    fn default() -> Self {
        AnalyzePlan { alpha: 0.05, power: 0.8, lift: None }
    }
}

/// One arm's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmReport {
    /// Conversion rate with its interval.
    pub conversion: Rate,
    /// Median days to convert with its interval (`null` without converted leads with dates).
    pub cycle_days: Option<Median>,
}

/// How many leads a conclusive result would need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerNeed {
    /// Relative lift powered for (treatment rate / control rate − 1).
    pub lift: f64,
    /// Whether `lift` is the observed one (else stated with --lift).
    pub observed: bool,
    /// Control conversion rate assumed (the observed one).
    pub control_rate: f64,
    /// Treatment rate it implies.
    pub treatment_rate: f64,
    /// Leads per arm for the power at alpha.
    pub leads_per_arm: u64,
    /// More leads needed in the smaller arm.
    pub more_per_arm: u64,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PilotReport {
    /// Treatment arm.
    pub treatment: ArmReport,
    /// Control arm.
    pub control: ArmReport,
    /// The difference and its test.
    pub test: TwoProportion,
    /// `p_value < alpha`.
    pub conclusive: bool,
    /// The plan's alpha.
    pub alpha: f64,
    /// The plan's power.
    pub power: f64,
    /// Sample size needed, when not conclusive and computable.
    pub needed: Option<PowerNeed>,
    /// The conclusion in plain words.
    pub verdict: String,
}

/// Analyses the two arms; see the module docs.
pub fn analyze(t: &ArmOutcomes, c: &ArmOutcomes, plan: &AnalyzePlan) -> Result<PilotReport, PilotStatsError> {
    let level = 1.0 - plan.alpha;
    for (arm, o) in [("treatment", t), ("control", c)] {
        if o.converted.is_empty() {
            return Err(PilotStatsError::EmptyArm { arm: arm.to_string() });
        }
    }
    let k = |o: &ArmOutcomes| o.converted.iter().filter(|&&y| y).count();
    let (kt, nt, kc, nc) = (k(t), t.converted.len(), k(c), c.converted.len());
    let treatment =
        ArmReport { conversion: wilson(kt, nt, level)?, cycle_days: median_interval(&t.cycle_days, level)? };
    let control = ArmReport { conversion: wilson(kc, nc, level)?, cycle_days: median_interval(&c.cycle_days, level)? };
    let test = two_proportion_test(kt, nt, kc, nc, level)?;
    let conclusive = test.p_value < plan.alpha;
    let (pt, pc) = (treatment.conversion.rate, control.conversion.rate);
    let needed = if conclusive {
        None
    } else {
        let (lift, observed) = match plan.lift {
            Some(l) => (l, false),
            None if pc > 0.0 => (pt / pc - 1.0, true),
            None => (f64::NAN, true),
        };
        let target = pc * (1.0 + lift);
        match sample_size_per_arm(pc, target, plan.alpha, plan.power) {
            Ok(n) if lift.is_finite() => Some(PowerNeed {
                lift,
                observed,
                control_rate: pc,
                treatment_rate: target,
                leads_per_arm: n,
                more_per_arm: n.saturating_sub(nt.min(nc) as u64),
            }),
            _ => None,
        }
    };
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let verdict = if conclusive {
        let better = if pt > pc { "converts more" } else { "converts less" };
        format!(
            "the model-worked arm {better} than control ({} vs {}, difference {} points, p = {:.4}): the difference is real.",
            pct(pt),
            pct(pc),
            format_args!("{:+.1}", 100.0 * test.diff),
            test.p_value
        )
    } else {
        let mut s = format!(
            "not conclusive yet: {} vs {} (p = {:.4}); the difference could be chance.",
            pct(pt),
            pct(pc),
            test.p_value
        );
        match &needed {
            Some(n) => s.push_str(&format!(
                " To detect a {:+.0}% relative lift ({} vs {}) with {:.0}% power at alpha {}, each arm needs {} leads ({} more).",
                100.0 * n.lift,
                pct(n.treatment_rate),
                pct(n.control_rate),
                100.0 * plan.power,
                plan.alpha,
                n.leads_per_arm,
                n.more_per_arm
            )),
            None => s.push_str(" No sample size can be given for a zero or impossible lift; pass --lift, e.g. 0.2 for +20%."),
        }
        s
    };
    Ok(PilotReport { treatment, control, test, conclusive, alpha: plan.alpha, power: plan.power, needed, verdict })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(k: usize, n: usize, days: &[f64]) -> ArmOutcomes {
        ArmOutcomes { converted: (0..n).map(|i| i < k).collect(), cycle_days: days.to_vec() }
    }

    #[test]
    fn conclusive_difference() {
        let r = analyze(&arm(60, 200, &[10.0, 12.0, 14.0]), &arm(40, 200, &[20.0]), &AnalyzePlan::default()).unwrap();
        assert!(r.conclusive);
        assert!((r.test.p_value - 0.020_921_335).abs() < 1e-6);
        assert!(r.needed.is_none());
        assert_eq!(r.treatment.cycle_days.as_ref().unwrap().median, 12.0);
        assert!(r.verdict.starts_with("the model-worked arm converts more"), "{}", r.verdict);
    }

    #[test]
    fn inconclusive_gives_sample_size() {
        // 15/100 vs 10/100: observed lift +50%, powering 0.10 vs 0.15 needs 686 per arm.
        let r = analyze(&arm(15, 100, &[]), &arm(10, 100, &[]), &AnalyzePlan::default()).unwrap();
        assert!(!r.conclusive);
        let n = r.needed.as_ref().unwrap();
        assert!((n.lift - 0.5).abs() < 1e-12 && n.observed);
        assert_eq!((n.leads_per_arm, n.more_per_arm), (686, 586));
        assert!(r.treatment.cycle_days.is_none());
        // A stated lift is used instead.
        let r = analyze(&arm(10, 100, &[]), &arm(10, 100, &[]), &AnalyzePlan { lift: Some(0.5), ..Default::default() })
            .unwrap();
        assert_eq!(r.needed.unwrap().leads_per_arm, 686);
        // Equal rates and no stated lift: no sample size, and the verdict says what to do.
        let r = analyze(&arm(10, 100, &[]), &arm(10, 100, &[]), &AnalyzePlan::default()).unwrap();
        assert!(r.needed.is_none() && r.verdict.contains("--lift"));
    }

    #[test]
    fn empty_arm_is_an_error() {
        let e = analyze(&arm(0, 0, &[]), &arm(1, 5, &[]), &AnalyzePlan::default()).unwrap_err();
        assert_eq!(e, PilotStatsError::EmptyArm { arm: "treatment".into() });
    }
}
