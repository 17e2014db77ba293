//! The application side of `thresholds`: read and score the labelled leads
//! ([`crate::evaluate::load_scored`]), turn a capacity per period into a budget over the
//! periods the data spans, and recommend MQL / SQL cut-offs for each scorer by the methods of
//! [`crate::evaluation::thresholds`].
//!
//! `capacity` is per period: with a date column and a [`Period`], the budget is that many leads
//! for every period the labelled leads span (first to last date); without a date column it is
//! that many leads in all.
//!
//! A bundle whose primary model showed no usable signal in training (it did not beat
//! predicting the base rate) is refused unless `allow_weak`: cut-offs on arbitrary scores would
//! pass or stop leads at random.

use chrono::{Datelike, NaiveDate};

use crate::evaluate::{load_scored, InputError, InputPlan, ScoredSet};
use crate::evaluation::thresholds::{recommend, ThresholdError, ThresholdPlan, ThresholdReport};
use crate::evaluation::Signal;

/// The largest capacity accepted: no sales team works more leads than this per period, and
/// with it the total over any span of periods stays countable.
pub const MAX_CAPACITY: usize = 1_000_000_000_000;

/// A capacity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// ISO weeks.
    Week,
    /// Calendar months.
    Month,
}

/// Errors of the threshold lab.
#[derive(Debug, thiserror::Error)]
pub enum ThresholdsError {
    /// Reading or scoring the leads failed.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A capacity of 0 or beyond [`MAX_CAPACITY`].
    #[error("--capacity {capacity}: give the number of leads sales can work per period, from 1 to {MAX_CAPACITY} (a trillion)")]
    Capacity {
        /// The capacity given.
        capacity: usize,
    },
    /// Capacity periods without any date.
    #[error("--date-column {column}: no dates in the labelled leads; capacity periods need dates")]
    NoDates {
        /// The date column.
        column: String,
    },
    /// A budget too large to count.
    #[error("--capacity {capacity}: {capacity} leads x {periods} periods is more than can be counted; give a realistic capacity per period")]
    Overflow {
        /// Leads per period.
        capacity: usize,
        /// Periods.
        periods: usize,
    },
    /// A bundle whose primary model showed no usable signal in training.
    #[error("{model}: its primary model showed no usable signal in training ({why}); cut-offs on its scores would be arbitrary. Retrain with columns that carry signal, or pass --allow-weak to see them anyway")]
    Weak {
        /// The bundle.
        model: std::path::PathBuf,
        /// Why it is weak.
        why: String,
    },
    /// The bundle could not be read.
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    /// A method failed for a scorer.
    #[error("scorer \"{scorer}\": {source}")]
    Method {
        /// The scorer.
        scorer: String,
        /// The cause.
        #[source]
        source: ThresholdError,
    },
}

/// Everything `thresholds` needs, checked by [`ThresholdsPlan::new`].
#[derive(Debug, Clone)]
pub struct ThresholdsPlan {
    /// Data and scorers (its date column, if any, defines the periods).
    pub input: InputPlan,
    /// Leads sales can work per period (or in all, without a date column).
    capacity: Option<usize>,
    /// The capacity period.
    pub period: Period,
    /// Percentile of converted leads' scores for the MQL cut-off.
    pub percentile: f64,
    /// Target precision.
    pub target_precision: Option<f64>,
    /// Target recall.
    pub target_recall: Option<f64>,
    /// Recommend cut-offs even for a bundle whose primary model showed no usable signal.
    pub allow_weak: bool,
}

impl ThresholdsPlan {
    /// A plan; a capacity must be within `1..=MAX_CAPACITY`.
    pub fn new(input: InputPlan, capacity: Option<usize>, period: Period) -> Result<Self, ThresholdsError> {
        if let Some(n) = capacity {
            if n == 0 || n > MAX_CAPACITY {
                return Err(ThresholdsError::Capacity { capacity: n });
            }
        }
        Ok(ThresholdsPlan {
            input,
            capacity,
            period,
            percentile: 10.0,
            target_precision: None,
            target_recall: None,
            allow_weak: false,
        })
    }
}

/// The capacity budget: leads per period, periods, and their product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Leads per period.
    pub per_period: usize,
    /// Periods the data spans.
    pub periods: usize,
    /// Leads in all.
    pub total: usize,
}

/// What the lab found: the scored leads, the budget, and one report per scorer.
#[derive(Debug)]
pub struct ThresholdsOutcome {
    /// The leads and each scorer's scores.
    pub set: ScoredSet,
    /// The capacity budget, when a capacity was given.
    pub budget: Option<Budget>,
    /// One report per scorer of `set`, in order.
    pub reports: Vec<ThresholdReport>,
}

/// Periods spanned by `dates` (first to last): ISO weeks counted by days, so year boundaries
/// (52 or 53 weeks) do not matter, or calendar months. `None` without any date.
pub fn periods_spanned(dates: &[Option<NaiveDate>], period: Period) -> Option<usize> {
    let lo = dates.iter().flatten().min()?;
    let hi = dates.iter().flatten().max()?;
    Some(match period {
        Period::Week => {
            let start = *lo - chrono::Days::new(u64::from(lo.weekday().num_days_from_monday()));
            ((*hi - start).num_days() / 7 + 1) as usize
        }
        Period::Month => {
            let key = |d: &NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
            (key(hi) - key(lo) + 1) as usize
        }
    })
}

/// Runs the lab.
pub fn thresholds(plan: &ThresholdsPlan) -> Result<ThresholdsOutcome, ThresholdsError> {
    if !plan.allow_weak {
        for model in &plan.input.models {
            let b = crate::bundle::Bundle::load(model)?;
            if let Signal::Weak(why) = b.scoring_evaluation().signal() {
                return Err(ThresholdsError::Weak { model: model.clone(), why: why.join("; ") });
            }
        }
    }
    let set = load_scored(&plan.input)?;
    let capacity = match (plan.capacity, &set.dates) {
        (None, _) => None,
        (Some(n), None) => Some((n, 1)),
        (Some(n), Some(dates)) => {
            let column = plan.input.date_column.clone().unwrap_or_default();
            Some((n, periods_spanned(dates, plan.period).ok_or(ThresholdsError::NoDates { column })?))
        }
    };
    // The budget over all periods must be a count we can print and compare honestly.
    let budget = match capacity {
        Some((n, p)) => Some(Budget {
            per_period: n,
            periods: p,
            total: n.checked_mul(p).ok_or(ThresholdsError::Overflow { capacity: n, periods: p })?,
        }),
        None => None,
    };
    let tplan = ThresholdPlan {
        percentile: plan.percentile,
        capacity,
        target_precision: plan.target_precision,
        target_recall: plan.target_recall,
    };
    let reports = set
        .scorers
        .iter()
        .map(|s| {
            recommend(&s.scores, &set.labels, &tplan)
                .map_err(|source| ThresholdsError::Method { scorer: s.name.clone(), source })
        })
        .collect::<Result<_, _>>()?;
    Ok(ThresholdsOutcome { set, budget, reports })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn periods_count_weeks_across_a_year_end_and_months_inclusive() {
        // Mon 2026-12-28 .. Sun 2027-01-10: two ISO weeks (the year boundary does not matter).
        assert_eq!(periods_spanned(&[d(2026, 12, 28), None, d(2027, 1, 10)], Period::Week), Some(2));
        // Sun 2026-12-27 and Mon 2026-12-28 are in different weeks.
        assert_eq!(periods_spanned(&[d(2026, 12, 27), d(2026, 12, 28)], Period::Week), Some(2));
        assert_eq!(periods_spanned(&[d(2026, 11, 30), d(2027, 2, 1)], Period::Month), Some(4));
        assert_eq!(periods_spanned(&[None, None], Period::Month), None);
    }

    #[test]
    fn capacity_out_of_range_is_refused_by_the_plan() {
        for bad in [0, MAX_CAPACITY + 1] {
            let e = ThresholdsPlan::new(InputPlan::default(), Some(bad), Period::Month).unwrap_err();
            assert!(e.to_string().starts_with(&format!("--capacity {bad}: give the number of leads")), "{e}");
        }
        assert!(ThresholdsPlan::new(InputPlan::default(), Some(MAX_CAPACITY), Period::Week).is_ok());
    }
}
