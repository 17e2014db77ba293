//! Per-segment models (format 1.5): one model per value of a segment column (B2B and B2C, a
//! lead source, a region), beside the bundle's global model, which scores every lead whose
//! segment has no model of its own.
//!
//! What a segment is: the lead's value in [`Segmentation::column`], trimmed, compared exactly
//! (case matters, as it does for categories); a blank or missing value is no segment. A value
//! gets its own models when its training leads hold at least [`Segmentation::min_outcomes`]
//! converted *and* as many dead leads, its hold-out holds both outcomes, and its model shows
//! a usable signal there; every other value, and every value training never saw, is scored
//! by the global model ([`Segmentation::fallback`] says which and why).
//!
//! The segment models share the bundle's feature pipeline (a batch is encoded once, then
//! each lead goes to its segment's model): their inputs, reasons and groups are the global
//! model's. Each segment has its own grade cut-offs and reference distribution from its own
//! held-out leads, so a lead's grade and percentile say where it stands among its segment's
//! leads (the global model's for fallback leads); its probability is comparable across
//! segments.
//!
//! Training compares the routed bundle with the global model alone on the same hold-out
//! ([`SegmentCheck`]); unless it wins, or `--keep-segments` says otherwise, the bundle is
//! not routed ([`Segmentation::routed`] false) and scores as a single-model bundle, with the
//! segments' figures kept for the record and their models left out.

use serde::{Deserialize, Serialize};

use super::{Bundle, GradeCuts, ScoreReference};
use crate::data::typing::{LeadFrame, MissingTokens, TypingError};
use crate::evaluation::Evaluation;
use crate::models::FittedModel;

/// Where a lead's probability comes from: `None` for the global model, `Some(k)` for
/// [`Segmentation::segments`]`[k]`.
pub type Route = Option<usize>;

/// Most segments that get their own models (the largest by training outcomes); the rest are
/// scored by the global model. Bounds the bundle's size: each segment holds a copy of every
/// model kind.
pub const MAX_SEGMENTS: usize = 20;

/// Default for [`Segmentation::min_outcomes`]: 50 converted and 50 dead training leads.
pub const DEFAULT_MIN_OUTCOMES: usize = 50;

/// The bundle's segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segmentation {
    /// The column whose value routes a lead.
    pub column: String,
    /// Fewest converted, and fewest dead, training leads a segment needs for its own models.
    pub min_outcomes: usize,
    /// Whether `score` routes leads by segment. False when the hold-out check kept the single
    /// model: the segments are then recorded with their figures and without models.
    pub routed: bool,
    /// Why the bundle is routed or not, in words (the check's verdict, or `--keep-segments`).
    pub decision: String,
    /// The segments with their own models, by value (ascending).
    pub segments: Vec<SegmentModel>,
    /// Values training saw that the global model scores, and why.
    pub fallback: Vec<SegmentFallback>,
    /// The routed bundle against the global model alone, on the whole hold-out.
    pub check: SegmentCheck,
    /// The routed primary probabilities evaluated on the whole hold-out: what `score`'s
    /// probabilities are worth when the bundle is routed.
    pub evaluation: Evaluation,
    /// The routed primary probabilities of the hold-out as quantiles: the score distribution
    /// a routed bundle's nightly scores are compared against (`drift`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<ScoreReference>,
}

/// One segment with its own models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentModel {
    /// The segment's value.
    pub value: String,
    /// Training leads in the segment.
    pub train_rows: usize,
    /// Converted among them.
    pub train_conversions: usize,
    /// The segment's models, one per model of the bundle, in the bundle's order (empty when
    /// the bundle is not routed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<FittedModel>,
    /// Each segment model's evaluation on the segment's held-out leads, in the bundle's order.
    pub evaluations: Vec<Evaluation>,
    /// The bundle's global primary model on the same held-out leads: what the segment model
    /// replaces for them.
    pub global: Evaluation,
    /// Grade cut-offs from the segment's held-out probabilities (or the configured ones).
    pub grades: GradeCuts,
    /// The segment's held-out primary probabilities as quantiles: what its leads' percentiles
    /// rank against (the bundle's reference when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<ScoreReference>,
}

/// A value training saw that gets no model of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentFallback {
    /// The segment's value.
    pub value: String,
    /// Training leads in the segment.
    pub train_rows: usize,
    /// Converted among them.
    pub train_conversions: usize,
    /// Why the global model scores it.
    pub why: String,
}

/// The routed bundle against the global model alone, on the same held-out leads (the primary
/// model kind of both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentCheck {
    /// Held-out leads.
    pub rows: usize,
    /// Converted among them.
    pub conversions: usize,
    /// The global model's AUC.
    pub single_auc: f64,
    /// The routed bundle's AUC.
    pub segmented_auc: f64,
    /// Paired DeLong test of the two AUCs (two-sided), when it can be computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// The global model's mean log loss.
    pub single_log_loss: f64,
    /// The routed bundle's mean log loss.
    pub segmented_log_loss: f64,
    /// Paired test of the two log losses (two-sided z-test of the per-lead differences),
    /// when they differ at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_loss_p_value: Option<f64>,
    /// Whether the routed bundle beats the global model: a higher AUC *and* a lower log
    /// loss, at least one of the two differences significant (p < [`SIGNIFICANT`]). Winning
    /// both by noise is not enough: in 60 simulated histories with the same truth in both
    /// segments (`bench/segments_null.py`) the segments won both point estimates 18 times and
    /// this rule routed 2.
    pub beats: bool,
}

/// The p-value under which a difference in the [`SegmentCheck`] counts as real.
pub const SIGNIFICANT: f64 = 0.05;

impl SegmentCheck {
    /// The check in one line: both AUCs with the test, both log losses, and the verdict.
    pub fn describe(&self) -> String {
        let p = |p: Option<f64>| p.map_or_else(|| "no test".to_string(), |p| format!("p = {p:.3}"));
        let verdict = if self.beats {
            "the segments win on both counts"
        } else if self.segmented_auc > self.single_auc && self.segmented_log_loss < self.single_log_loss {
            "the segments win on both counts but by noise only: they must win one count significantly (p < 0.05)"
        } else {
            "the segments do not beat the single model (they need a higher AUC and a lower log loss)"
        };
        format!(
            "hold-out of {} leads ({} converted): AUC {:.4} segmented vs {:.4} single (paired DeLong {}), log loss {:.4} vs {:.4} (paired {}): {verdict}",
            self.rows,
            self.conversions,
            self.segmented_auc,
            self.single_auc,
            p(self.p_value),
            self.segmented_log_loss,
            self.single_log_loss,
            p(self.log_loss_p_value)
        )
    }
}

impl Segmentation {
    /// Each lead's route: the index of its segment's models, or `None` (the global model) for
    /// a blank value, a `missing` token or a value without models. The column must exist.
    pub fn routes(&self, leads: &LeadFrame, missing: &MissingTokens) -> Result<Vec<Route>, TypingError> {
        let hint = format!("the bundle routes leads by segment column \"{}\": the file must have it", self.column);
        let text = leads.text(&self.column, &hint)?;
        Ok(text.iter().map(|v| missing.clean(v).and_then(|v| self.index_of(v))).collect())
    }

    /// The segment with its own models whose value is `value`.
    pub fn index_of(&self, value: &str) -> Option<usize> {
        self.segments.binary_search_by(|s| s.value.as_str().cmp(value)).ok()
    }

    /// Whether training saw `value` (with or without models of its own).
    pub fn known(&self, value: &str) -> bool {
        self.index_of(value).is_some() || self.fallback.iter().any(|f| f.value == value)
    }

    /// The name of a route, as the score output writes it: the segment's value, or
    /// `(global)`.
    pub fn route_name(&self, route: Route) -> &str {
        route.map_or("(global)", |k| self.segments[k].value.as_str())
    }
}

/// A bundle's routing: which models, grade cut-offs and reference a lead's route takes.
impl Bundle {
    /// The segments `score` routes leads by: `None` for a single-model bundle, and for one
    /// whose segments training did not keep.
    pub fn routing(&self) -> Option<&Segmentation> {
        self.segments.as_ref().filter(|s| s.routed)
    }

    /// The models that score a lead on `route`, in the bundle's order.
    pub fn models_for(&self, route: Route) -> Vec<&FittedModel> {
        match (route, self.routing()) {
            (Some(k), Some(s)) => s.segments[k].models.iter().collect(),
            _ => self.models.iter().map(|m| &m.model).collect(),
        }
    }

    /// The grade cut-offs of a lead on `route`: its segment's, else the bundle's.
    pub fn grades_for(&self, route: Route) -> &GradeCuts {
        match (route, self.routing()) {
            (Some(k), Some(s)) => &s.segments[k].grades,
            _ => &self.grades,
        }
    }

    /// What the percentile of a lead on `route` ranks against: its segment's reference, else
    /// the bundle's.
    pub fn reference_for(&self, route: Route) -> Option<&ScoreReference> {
        match (route, self.routing()) {
            (Some(k), Some(s)) => s.segments[k].reference.as_ref(),
            _ => self.reference.as_ref(),
        }
    }

    /// The hold-out evaluation of the probabilities `score` reports: the routed one for a
    /// routed bundle, else the primary model's.
    pub fn scoring_evaluation(&self) -> &Evaluation {
        match self.routing() {
            Some(s) => &s.evaluation,
            None => &self.primary_entry().evaluation,
        }
    }

    /// The distribution of the probabilities `score` reports, as the hold-out gave them: the
    /// routed one for a routed bundle, else the primary model's reference.
    pub fn score_reference(&self) -> Option<&ScoreReference> {
        match self.routing() {
            Some(s) => s.reference.as_ref(),
            None => self.reference.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use polars::prelude::*;

    use super::*;
    use crate::evaluation::EvaluationMethod;

    fn segmentation(values: &[&str], fallback: &[&str]) -> Segmentation {
        let y: Vec<bool> = (0..20).map(|i| i % 2 == 0).collect();
        let p: Vec<f64> = (0..20).map(|i| i as f64 / 20.0).collect();
        let e = Evaluation::compute(EvaluationMethod::Holdout { share: 0.2 }, &p, &y).unwrap();
        let cuts = GradeCuts { a: 0.8, b: 0.5, c: 0.2, source: "test".into() };
        Segmentation {
            column: "seg".into(),
            min_outcomes: 50,
            routed: true,
            decision: String::new(),
            segments: values
                .iter()
                .map(|v| SegmentModel {
                    value: v.to_string(),
                    train_rows: 0,
                    train_conversions: 0,
                    models: Vec::new(),
                    evaluations: Vec::new(),
                    global: e.clone(),
                    grades: cuts.clone(),
                    reference: None,
                })
                .collect(),
            fallback: fallback
                .iter()
                .map(|v| SegmentFallback {
                    value: v.to_string(),
                    train_rows: 0,
                    train_conversions: 0,
                    why: String::new(),
                })
                .collect(),
            check: SegmentCheck {
                rows: 4,
                conversions: 2,
                single_auc: 0.5,
                segmented_auc: 0.5,
                p_value: None,
                single_log_loss: 0.7,
                segmented_log_loss: 0.7,
                log_loss_p_value: None,
                beats: false,
            },
            evaluation: e,
            reference: None,
        }
    }

    #[test]
    fn routes_go_to_the_segment_by_its_trimmed_value_and_everything_else_to_the_global_model() {
        let s = segmentation(&["B2B", "B2C"], &["Partner"]);
        let df =
            df!("seg" => [Some(" B2C "), Some("B2B"), Some("Partner"), Some("b2b"), None, Some("Select"), Some("New")])
                .unwrap();
        let frame = LeadFrame { df: &df, path: Path::new("leads.csv"), first_row: 1 };
        let missing = MissingTokens::new(&["Select".to_string()]);
        let routes = s.routes(&frame, &missing).unwrap();
        assert_eq!(routes, [Some(1), Some(0), None, None, None, None, None]);
        assert_eq!(routes.iter().map(|&r| s.route_name(r)).collect::<Vec<_>>()[..3], ["B2C", "B2B", "(global)"]);
        assert!(s.known("Partner") && s.known("B2B") && !s.known("New") && !s.known("b2b"));
        let no_column = df!("other" => ["x"]).unwrap();
        let frame = LeadFrame { df: &no_column, path: Path::new("leads.csv"), first_row: 1 };
        let err = s.routes(&frame, &missing).unwrap_err().to_string();
        assert!(err.contains("leads.csv") && err.contains("\"seg\""), "{err}");
    }
}
