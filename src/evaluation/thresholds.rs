//! The threshold lab: cut-offs for MQL / SQL chosen from history by documented methods,
//! each shown with what it would have done.
//!
//! A cut-off `t` passes every lead scoring `>= t`. For one scorer's scores and outcomes,
//! [`recommend`] walks the distinct scores from the top (the same cumulative counts as the
//! ROC curve) and picks a cut-off per [`Method`]:
//!
//! | method | cut-off |
//! |---|---|
//! | `lowest_converted` | the lowest score of any converted lead (passes every conversion) |
//! | `converted_percentile` | the p-th percentile of converted leads' scores (lower interpolation), so about (100−p)% of conversions pass |
//! | `capacity` | the score of the (N × periods)-th best lead: sales can work N leads per period, over the periods the data spans |
//! | `f1_optimal` | the cut-off maximising F1 = 2PR/(P+R) (the highest such cut-off on ties) |
//! | `target_precision` | the lowest cut-off whose precision is at least the target (the most conversions at that precision) |
//! | `target_recall` | the highest cut-off whose recall is at least the target (the fewest leads for that recall) |
//!
//! Every cut-off passes or holds back a whole group of tied scores, so no number here
//! depends on the order of the leads. The capacity budget is measured against the leads
//! given: they must be the whole lead flow of the periods counted. A stratified hold-out is a
//! random sample of the flow, so `--heldout` with a per-period capacity is refused for such a
//! bundle ([`super::input::InputError::HeldoutSampleNotFlow`]); a time-ordered hold-out is
//! the whole flow of its period and is fine.
//!
//! The recommendation: MQL (marketing-qualified, handed to sales) at the
//! `converted_percentile` cut-off; SQL (sales-qualified, worked first) at the
//! `target_precision` cut-off when a target precision is given, else at the `f1_optimal`
//! one. SQL is the stricter gate, so MQL is never recommended above SQL: when the
//! percentile cut-off lies above the SQL one (a high `--percentile`), MQL is set to the SQL
//! cut-off and [`ThresholdReport::mql_above_sql`] records the percentile cut-off. The printed recommendation states what
//! each cut-off passes and keeps, read off the table, rather than a fixed description.

use serde::Serialize;

/// A way of choosing a cut-off.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    /// Lowest score among converted leads.
    LowestConverted,
    /// The `percentile`-th percentile of converted leads' scores.
    ConvertedPercentile {
        /// Percentile, 0–100.
        percentile: f64,
    },
    /// Top `per_period × periods` leads.
    Capacity {
        /// Leads sales can work per period.
        per_period: usize,
        /// Periods the data spans (1 without dates).
        periods: usize,
    },
    /// Maximum F1.
    F1Optimal,
    /// Precision at least `target`.
    TargetPrecision {
        /// Target precision.
        target: f64,
    },
    /// Recall at least `target`.
    TargetRecall {
        /// Target recall.
        target: f64,
    },
}

impl Method {
    /// Short description for the table.
    pub fn describe(&self) -> String {
        match self {
            Method::LowestConverted => "lowest score among converted".into(),
            Method::ConvertedPercentile { percentile } => format!("{percentile}th percentile of converted"),
            Method::Capacity { per_period, periods } => format!("capacity {per_period} x {periods} period(s)"),
            Method::F1Optimal => "F1-optimal".into(),
            Method::TargetPrecision { target } => format!("precision >= {:.0}%", 100.0 * target),
            Method::TargetRecall { target } => format!("recall >= {:.0}%", 100.0 * target),
        }
    }
}

/// What a cut-off would have done on history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cutoff {
    /// How it was chosen.
    #[serde(flatten)]
    pub method: Method,
    /// The cut-off (leads scoring `>=` it pass); `null` when no cut-off meets the method.
    pub threshold: Option<f64>,
    /// Leads passed.
    pub leads_passed: usize,
    /// Share of all leads passed.
    pub share_passed: f64,
    /// Conversions among them.
    pub conversions_captured: usize,
    /// Share of all conversions captured.
    pub recall: f64,
    /// `conversions_captured / leads_passed` (0 when none pass).
    pub precision: f64,
}

/// Settings of the lab.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdPlan {
    /// Percentile for `converted_percentile` (10 = 90% of conversions pass).
    pub percentile: f64,
    /// Leads per period and the number of periods, for `capacity`.
    pub capacity: Option<(usize, usize)>,
    /// Target precision.
    pub target_precision: Option<f64>,
    /// Target recall.
    pub target_recall: Option<f64>,
}

/// Errors of the lab.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    /// The leads hold no conversion (or nothing at all).
    #[error("threshold methods need converted leads: found {positives} converted among {leads} leads")]
    NoConversions {
        /// Converted leads.
        positives: usize,
        /// Leads.
        leads: usize,
    },
    /// A parameter is out of range.
    #[error("{name} = {value}: expected {expected}")]
    InvalidParameter {
        /// Flag.
        name: &'static str,
        /// Value.
        value: f64,
        /// Range.
        expected: &'static str,
    },
    /// A score is NaN or infinite.
    #[error("score at row {index} is NaN or infinite")]
    NotFinite {
        /// Zero-based position.
        index: usize,
    },
}

/// The lab's result for one scorer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdReport {
    /// Leads.
    pub leads: usize,
    /// Converted leads.
    pub conversions: usize,
    /// One row per method.
    pub cutoffs: Vec<Cutoff>,
    /// Recommended MQL cut-off.
    pub mql: Option<f64>,
    /// Recommended SQL cut-off.
    pub sql: Option<f64>,
    /// The percentile cut-off when it lay above the SQL cut-off and MQL was lowered to SQL
    /// (`null` otherwise).
    pub mql_above_sql: Option<f64>,
}

/// Cumulative `(threshold, passed, captured)` at each distinct score, highest first.
fn curve(scores: &[f64], labels: &[bool]) -> Vec<(f64, usize, usize)> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut out: Vec<(f64, usize, usize)> = Vec::new();
    let (mut passed, mut captured) = (0, 0);
    for (k, &i) in order.iter().enumerate() {
        passed += 1;
        captured += usize::from(labels[i]);
        let last_of_group = k + 1 == order.len() || scores[order[k + 1]] != scores[i];
        if last_of_group {
            out.push((scores[i], passed, captured));
        }
    }
    out
}

fn cutoff(method: Method, point: Option<(f64, usize, usize)>, n: usize, positives: usize) -> Cutoff {
    let (threshold, passed, captured) = match point {
        Some((t, p, c)) => (Some(t), p, c),
        None => (None, 0, 0),
    };
    Cutoff {
        method,
        threshold,
        leads_passed: passed,
        share_passed: passed as f64 / n as f64,
        conversions_captured: captured,
        recall: captured as f64 / positives as f64,
        precision: if passed > 0 { captured as f64 / passed as f64 } else { 0.0 },
    }
}

/// Runs every method the plan asks for; see the module docs.
pub fn recommend(scores: &[f64], labels: &[bool], plan: &ThresholdPlan) -> Result<ThresholdReport, ThresholdError> {
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(ThresholdError::NotFinite { index });
    }
    let n = scores.len().min(labels.len());
    let positives = labels.iter().filter(|&&y| y).count();
    if positives == 0 {
        return Err(ThresholdError::NoConversions { positives, leads: n });
    }
    if !(0.0..=100.0).contains(&plan.percentile) {
        return Err(ThresholdError::InvalidParameter {
            name: "--percentile",
            value: plan.percentile,
            expected: "0 to 100",
        });
    }
    for (name, t) in [("--target-precision", plan.target_precision), ("--target-recall", plan.target_recall)] {
        if let Some(t) = t {
            if !(t > 0.0 && t <= 1.0) {
                return Err(ThresholdError::InvalidParameter { name, value: t, expected: "a share in (0, 1]" });
            }
        }
    }
    let c = curve(scores, labels);
    // The first point passing at least score `t` (the group containing t).
    let at = |t: f64| c.iter().copied().find(|p| p.0 <= t);
    let mut conv: Vec<f64> = scores.iter().zip(labels).filter(|(_, &y)| y).map(|(&s, _)| s).collect();
    conv.sort_by(|a, b| a.total_cmp(b));
    let mut cutoffs = Vec::new();
    cutoffs.push(cutoff(Method::LowestConverted, at(conv[0]), n, positives));
    // "lower" interpolation: the value at floor(p/100 · (m − 1)), so the cut-off is a real score.
    let idx = ((plan.percentile / 100.0) * (conv.len() - 1) as f64).floor() as usize;
    let pct = cutoff(Method::ConvertedPercentile { percentile: plan.percentile }, at(conv[idx]), n, positives);
    let mut mql = pct.threshold;
    cutoffs.push(pct);
    if let Some((per_period, periods)) = plan.capacity {
        if per_period == 0 || periods == 0 {
            return Err(ThresholdError::InvalidParameter {
                name: "--capacity",
                value: per_period as f64,
                expected: "at least 1 lead per period",
            });
        }
        let budget = per_period.saturating_mul(periods);
        // The lowest cut-off that passes no more than the budget (ties may pass fewer).
        let point = c.iter().copied().take_while(|p| p.1 <= budget).last();
        cutoffs.push(cutoff(Method::Capacity { per_period, periods }, point, n, positives));
    }
    let f1 = |p: &(f64, usize, usize)| 2.0 * p.2 as f64 / (p.1 as f64 + positives as f64);
    let best = c.iter().copied().fold(None, |b: Option<(f64, usize, usize)>, p| match b {
        Some(q) if f1(&q) >= f1(&p) => Some(q),
        _ => Some(p),
    });
    let f1_cut = cutoff(Method::F1Optimal, best, n, positives);
    let mut sql = f1_cut.threshold;
    cutoffs.push(f1_cut);
    if let Some(target) = plan.target_precision {
        let point = c.iter().copied().rfind(|p| p.2 as f64 / p.1 as f64 >= target);
        let cut = cutoff(Method::TargetPrecision { target }, point, n, positives);
        sql = cut.threshold;
        cutoffs.push(cut);
    }
    if let Some(target) = plan.target_recall {
        let point = c.iter().copied().find(|p| p.2 as f64 / positives as f64 >= target - 1e-12);
        cutoffs.push(cutoff(Method::TargetRecall { target }, point, n, positives));
    }
    // SQL is the stricter gate: an MQL cut-off above it would hand sales fewer leads as
    // marketing-qualified than as sales-qualified.
    let mut mql_above_sql = None;
    if let (Some(m), Some(q)) = (mql, sql) {
        if m > q {
            mql_above_sql = Some(m);
            mql = Some(q);
        }
    }
    Ok(ThresholdReport { leads: n, conversions: positives, cutoffs, mql, sql, mql_above_sql })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> ThresholdPlan {
        ThresholdPlan {
            percentile: 10.0,
            capacity: Some((2, 2)),
            target_precision: Some(0.75),
            target_recall: Some(0.5),
        }
    }

    #[test]
    fn hand_computed_cutoffs() {
        // Scores high to low with outcomes: .9 Y, .8 Y, .7 N, .6 Y, .5 N, .4 N, .3 Y, .2 N.
        let s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
        let y = [true, true, false, true, false, false, true, false];
        let r = recommend(&s, &y, &plan()).unwrap();
        let by = |i: usize| (r.cutoffs[i].threshold, r.cutoffs[i].leads_passed, r.cutoffs[i].conversions_captured);
        assert_eq!(by(0), (Some(0.3), 7, 4)); // lowest converted
                                              // Converted scores sorted .3 .6 .8 .9; floor(0.1 * 3) = 0 -> 0.3.
        assert_eq!(by(1), (Some(0.3), 7, 4));
        assert_eq!(by(2), (Some(0.6), 4, 3)); // capacity 2 x 2 = 4 leads
                                              // F1: at .8 -> 2*2/(2+4) = .667; at .6 -> 2*3/(4+4) = .75; at .3 -> 8/11 = .727.
        assert_eq!(by(3), (Some(0.6), 4, 3));
        assert!((r.cutoffs[3].precision - 0.75).abs() < 1e-12);
        // Precision >= .75: .9 (1), .8 (1), .6 (.75) -> lowest is .6.
        assert_eq!(by(4), (Some(0.6), 4, 3));
        // Recall >= .5: first reached at .8 (2 of 4).
        assert_eq!(by(5), (Some(0.8), 2, 2));
        assert_eq!((r.mql, r.sql), (Some(0.3), Some(0.6)));
    }

    #[test]
    fn ties_pass_together() {
        let s = [0.5, 0.5, 0.5, 0.1];
        let y = [true, false, true, false];
        let r = recommend(&s, &y, &ThresholdPlan { capacity: Some((2, 1)), ..plan() }).unwrap();
        // Capacity 2 cannot split the tie of three: nothing passes.
        assert_eq!(r.cutoffs[2].threshold, None);
        assert_eq!(r.cutoffs[2].leads_passed, 0);
        assert_eq!(r.cutoffs[0].leads_passed, 3);
    }

    #[test]
    fn needs_conversions_and_valid_targets() {
        assert!(matches!(
            recommend(&[0.1, 0.2], &[false, false], &plan()),
            Err(ThresholdError::NoConversions { positives: 0, leads: 2 })
        ));
        let bad = ThresholdPlan { target_precision: Some(1.5), ..plan() };
        assert!(matches!(recommend(&[0.1], &[true], &bad), Err(ThresholdError::InvalidParameter { .. })));
        assert!(matches!(recommend(&[f64::NAN], &[true], &plan()), Err(ThresholdError::NotFinite { index: 0 })));
    }

    #[test]
    fn mql_is_never_above_sql_and_the_words_match_the_numbers() {
        // Regression: --percentile 100 recommended "MQL at 1.0000 (keeps most conversions),
        // SQL at 0.3497": MQL above SQL, keeping one conversion.
        let s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
        let y = [true, true, false, true, false, false, true, false];
        let p = ThresholdPlan { percentile: 100.0, capacity: None, target_precision: None, target_recall: None };
        let r = recommend(&s, &y, &p).unwrap();
        // The 100th percentile of converted scores is 0.9; F1 picks 0.6.
        assert_eq!(r.cutoffs[1].threshold, Some(0.9));
        assert_eq!((r.mql, r.sql), (Some(0.6), Some(0.6)));
        assert_eq!(r.mql_above_sql, Some(0.9));
        let text = r.render("m", &|x| format!("{x:.2}"));
        assert!(
            text.contains("the 100th percentile of converted leads' scores (0.90) lies above the SQL cut-off"),
            "{text}"
        );
        assert!(!text.contains("keeps most conversions"), "{text}");
        // 0.6 passes 4 of 8 leads and 3 of 4 conversions.
        assert!(
            text.contains("MQL at 0.60 (passes 50% of leads, keeps 75.0% of conversions, precision 75.0%)"),
            "{text}"
        );
        // Default percentile: MQL at 0.3 below SQL at 0.6, no note.
        let r = recommend(&s, &y, &plan()).unwrap();
        assert_eq!((r.mql, r.sql, r.mql_above_sql), (Some(0.3), Some(0.6), None));
        assert!(r.mql <= r.sql);
    }
}
