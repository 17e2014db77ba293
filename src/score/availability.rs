//! The leakage guard's availability check at scoring time: a column present in the training
//! history but mostly missing in tonight's leads is a warning naming it. It is the signature
//! of a column filled in only once the outcome is known (a close date, a call's duration), or
//! of a broken export; either way the scores lean on a value the leads do not have.

use crate::bundle::Bundle;
use crate::data::typing::{LeadFrame, MissingTokens};

/// A column is "present in history" when missing in at most this share of training rows ...
const TRAINING_MISSING_AT_MOST: f64 = 0.5;
/// ... and "mostly missing tonight" when missing in at least this share of the scored leads.
const TONIGHT_MISSING_AT_LEAST: f64 = 0.8;
/// A column's missing rate has "moved" (reported in the run summary) when tonight's differs
/// from training's by at least this much (20 percentage points), either way.
const MISSING_RATE_MOVED: f64 = 0.2;

/// A column whose missing rate tonight is far from its training rate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MissingRateMoved {
    /// The input column.
    pub column: String,
    /// Share of training leads missing it.
    pub training: f64,
    /// Share of tonight's scored leads missing it.
    pub tonight: f64,
}

/// Missing cells per input column over the scored leads.
pub(super) struct Availability {
    /// Column, its training missing share, and missing count tonight.
    columns: Vec<(String, f64, usize)>,
    leads: usize,
    tokens: MissingTokens,
}

impl Availability {
    /// The bundle's columns that were present in history (bundles before format 1.1 record no
    /// training missing share: nothing is checked).
    pub fn new(bundle: &Bundle) -> Availability {
        let columns =
            bundle.pipeline.columns.iter().filter_map(|c| c.missing_share.map(|m| (c.name.clone(), m, 0))).collect();
        Availability { columns, leads: 0, tokens: bundle.pipeline.missing.clone() }
    }

    /// Counts the missing cells of the rows of `frame` that are scored (`keep[i]`, or all).
    pub fn count(&mut self, frame: &LeadFrame, keep: Option<&[bool]>) {
        let scored = |i: usize| keep.is_none_or(|k| k[i]);
        let n = (0..frame.height()).filter(|&i| scored(i)).count();
        self.leads += n;
        for (name, _, missing) in &mut self.columns {
            *missing += match frame.text(name, "") {
                Ok(t) => (0..frame.height()).filter(|&i| scored(i) && self.tokens.clean(t.get(i)).is_none()).count(),
                Err(_) => n,
            };
        }
    }

    /// One warning per column present in history but mostly missing tonight.
    pub fn warnings(&self) -> Vec<String> {
        if self.leads == 0 {
            return Vec::new();
        }
        self.columns
            .iter()
            .filter(|(_, train, m)| {
                *train <= TRAINING_MISSING_AT_MOST && *m as f64 / self.leads as f64 >= TONIGHT_MISSING_AT_LEAST
            })
            .map(|(name, train, m)| {
                format!(
                    "column \"{name}\" was present in {:.1}% of the training leads but is missing in {:.1}% of these {} leads: a column filled in only once the outcome is known (leakage) or a broken export; check it, and retrain with --exclude \"{name}\" if it is recorded during or after contact",
                    100.0 * (1.0 - train),
                    100.0 * *m as f64 / self.leads as f64,
                    self.leads
                )
            })
            .collect()
    }

    /// Every column whose missing rate tonight is at least 20 points from training's.
    pub fn moved(&self) -> Vec<MissingRateMoved> {
        if self.leads == 0 {
            return Vec::new();
        }
        self.columns
            .iter()
            .map(|(name, train, m)| MissingRateMoved {
                column: name.clone(),
                training: *train,
                tonight: *m as f64 / self.leads as f64,
            })
            .filter(|c| (c.tonight - c.training).abs() >= MISSING_RATE_MOVED)
            .collect()
    }
}
