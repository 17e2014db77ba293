//! Side-by-side comparison of scorers (models and rules) on the same labelled leads: what
//! `leadscore evaluate` computes, prints and writes as JSON.
//!
//! Input: one [`ScorerScores`] per scorer (its scores on every evaluated lead, in the same
//! order) and the leads' outcomes. Output: a [`Comparison`] holding, per scorer, a
//! [`ScorerReport`] (AUC with a stratified bootstrap interval, PR-AUC, log loss and Brier
//! for probabilities, decile table, precision/recall at the top k% and at a capacity,
//! conversion by score band, calibration), and per pair of scorers a DeLong test
//! ([`PairTest`]) with a verdict in plain words. With several pairs the p-values are
//! Holm-adjusted for the family, and no winner is called on fewer than
//! [`MIN_CLASS_FOR_VERDICT`] converted or dead leads.
//!
//! Top-k, capacity and decile numbers never depend on the order of the leads: a group of
//! tied scores straddling a cut counts fractionally (expected value under random
//! tie-breaking; see [`super::metrics::conversions_at_k`]). The AUC interval is left out
//! (`None`) when either class has fewer than [`MIN_CLASS_FOR_INTERVAL`] leads: a bootstrap
//! of a handful of leads gives a degenerate interval such as 1.0000–1.0000. All the arithmetic lives in
//! [`super::metrics`] and [`super::stats`]; this module only assembles them. The text
//! summary is in [`super::summary`], the HTML page in [`super::html`].
//!
//! ```
//! use leadscore::evaluation::compare::{compare, CompareOptions, ScoreKind, ScorerScores};
//! let labels = [true, false, true, false, false, true, false, false];
//! let model = ScorerScores {
//!     name: "model".into(),
//!     source: "m.json".into(),
//!     kind: ScoreKind::Probability,
//!     scores: vec![0.9, 0.2, 0.7, 0.3, 0.1, 0.8, 0.4, 0.35],
//!     warnings: vec![],
//! };
//! let rules = ScorerScores {
//!     name: "rules".into(),
//!     source: "rules.toml".into(),
//!     kind: ScoreKind::Points,
//!     scores: vec![60.0, 40.0, 30.0, 50.0, 10.0, 70.0, 20.0, 45.0],
//!     warnings: vec![],
//! };
//! let opts = CompareOptions { n_boot: 200, ..Default::default() };
//! let c = compare(&[model, rules], &labels, &opts).unwrap();
//! assert_eq!(c.scorers[0].auc, 1.0);
//! assert!(c.scorers[1].brier.is_none()); // points have no Brier score
//! assert!(!c.comparisons[0].significant); // eight leads prove nothing
//! assert!(c.scorers[0].auc_ci.is_none()); // nor does a bootstrap over 3 converted leads
//! ```

use serde::Serialize;

use super::metrics::{
    average_precision, brier, calibration_table, conversions_at_k, decile_table, log_loss, roc_auc, CalibrationTable,
    Decile, MetricError,
};
pub use super::pairs::{fmt_p, judge, pair_test, PairTest, MIN_CLASS_FOR_VERDICT};
use super::stats::auc_bootstrap_ci;

/// What a scorer's numbers mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    /// Probability of conversion in `0..=1`.
    Probability,
    /// Points, 0–100 (rules).
    Points,
}

impl ScoreKind {
    /// Whether the scores are probabilities of conversion.
    pub fn is_probability(self) -> bool {
        self == ScoreKind::Probability
    }

    /// `probability` or `points`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreKind::Probability => "probability",
            ScoreKind::Points => "points",
        }
    }

    /// The score on the 0–100 scale used for bands and distributions.
    pub fn to_points(self, s: f64) -> f64 {
        match self {
            ScoreKind::Probability => 100.0 * s,
            ScoreKind::Points => s,
        }
    }
}

/// One scorer's scores on the evaluated leads.
#[derive(Debug, Clone)]
pub struct ScorerScores {
    /// Display name, unique within a comparison.
    pub name: String,
    /// Where it came from (bundle or rules file).
    pub source: String,
    /// Probability or points.
    pub kind: ScoreKind,
    /// One score per evaluated lead.
    pub scores: Vec<f64>,
    /// Caveats about these numbers, printed with the scorer (e.g. the leads include the
    /// rows the model was trained on).
    pub warnings: Vec<String>,
}

/// Settings of a comparison.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Bootstrap replicates for the AUC interval.
    pub n_boot: usize,
    /// Confidence level of the interval (0.95).
    pub level: f64,
    /// Bootstrap seed.
    pub seed: u64,
    /// Shares of leads for precision/recall at the top (0.05, 0.10, 0.20).
    pub top_shares: Vec<f64>,
    /// Sales capacity: how many leads can be worked.
    pub capacity: Option<usize>,
    /// Significance level of the verdicts (0.05).
    pub alpha: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            n_boot: 1000,
            level: 0.95,
            seed: 42,
            top_shares: vec![0.05, 0.10, 0.20],
            capacity: None,
            alpha: 0.05,
        }
    }
}

/// Errors of a comparison.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A metric failed for a scorer (one-class set, NaN score, ...).
    #[error("scorer \"{scorer}\": {source}")]
    Metric {
        /// The scorer.
        scorer: String,
        /// The cause.
        #[source]
        source: MetricError,
    },
    /// Too few bootstrap replicates for an interval worth printing.
    #[error("--n-boot {n_boot}: give at least {MIN_BOOT} bootstrap replicates (the default is 1000): the 95% interval's ends are the 2.5% and 97.5% quantiles of the replicates, and with fewer they rest on a handful of values")]
    TooFewReplicates {
        /// The replicates asked.
        n_boot: usize,
    },
    /// The capacity exceeds the evaluated leads or is zero.
    #[error("--capacity {capacity}: expected between 1 and the number of evaluated leads ({leads})")]
    Capacity {
        /// The capacity asked.
        capacity: usize,
        /// Evaluated leads.
        leads: usize,
    },
}

/// The fewest bootstrap replicates [`CompareOptions::check`] accepts: with fewer, the 2.5%
/// and 97.5% quantiles rest on a handful of replicates and the interval's ends are noise.
pub const MIN_BOOT: usize = 200;

impl CompareOptions {
    /// The options, if they give an interval worth printing (at least [`MIN_BOOT`] replicates).
    pub fn check(self) -> Result<CompareOptions, CompareError> {
        if self.n_boot < MIN_BOOT {
            return Err(CompareError::TooFewReplicates { n_boot: self.n_boot });
        }
        Ok(self)
    }
}

/// Precision and recall among the highest-scored leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopK {
    /// Share of leads (`null` for a capacity cut-off).
    pub share: Option<f64>,
    /// Leads passed.
    pub leads: usize,
    /// Converted among them: the expected value when a group of tied scores straddles the
    /// cut (that group counts with its conversion rate times its part inside the cut).
    pub conversions: f64,
    /// `conversions / leads`.
    pub precision: f64,
    /// Share of all conversions captured.
    pub recall: f64,
}

/// Conversion in one score band on the 0–100 scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    /// "0–20", "21–40", ...
    pub label: String,
    /// Lower edge (exclusive except for the first band).
    pub lower: f64,
    /// Upper edge (inclusive).
    pub upper: f64,
    /// Leads in the band.
    pub leads: usize,
    /// Converted among them.
    pub conversions: usize,
    /// `conversions / leads`, `null` for an empty band.
    pub conversion_rate: Option<f64>,
}

/// Every number for one scorer.
#[derive(Debug, Clone, Serialize)]
pub struct ScorerReport {
    /// Display name.
    pub name: String,
    /// Bundle or rules file.
    pub source: String,
    /// Probability or points.
    pub kind: ScoreKind,
    /// ROC AUC.
    pub auc: f64,
    /// Bootstrap percentile interval of the AUC at the comparison's level; `None` when
    /// either class has fewer than [`MIN_CLASS_FOR_INTERVAL`] leads.
    pub auc_ci: Option<[f64; 2]>,
    /// Average precision (PR-AUC).
    pub pr_auc: f64,
    /// Log loss (probabilities only).
    pub log_loss: Option<f64>,
    /// Brier score (probabilities only).
    pub brier: Option<f64>,
    /// Decile table, top decile first.
    pub deciles: Vec<Decile>,
    /// Precision and recall at the top shares.
    pub top_k: Vec<TopK>,
    /// Precision and recall at the capacity cut-off.
    pub capacity: Option<TopK>,
    /// Conversion by score band 0–20 … 81–100.
    pub bands: Vec<Band>,
    /// Calibration table with ECE (probabilities only).
    pub calibration: Option<CalibrationTable>,
    /// Caveats about these numbers (copied from [`ScorerScores::warnings`]).
    pub warnings: Vec<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Evaluated leads.
    pub leads: usize,
    /// Converted among them.
    pub conversions: usize,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Significance level of the verdicts.
    pub alpha: f64,
    /// One report per scorer, in the order given.
    pub scorers: Vec<ScorerReport>,
    /// One test per pair of scorers.
    pub comparisons: Vec<PairTest>,
}

/// The fewest converted and the fewest dead leads for which an AUC interval is reported:
/// below this a bootstrap resamples a handful of leads and its interval means nothing.
pub const MIN_CLASS_FOR_INTERVAL: usize = 10;

/// Upper edges of the score bands; a score `s` falls in the first band whose upper edge is `>= s`.
pub const BAND_EDGES: [f64; 5] = [20.0, 40.0, 60.0, 80.0, 100.0];

/// Conversion by band on the 0–100 scale: `[0, 20]`, `(20, 40]`, `(40, 60]`, `(60, 80]`,
/// `(80, 100]` (labelled 0–20, 21–40, … as for integer points). Scores outside 0–100 are
/// clamped into the first or last band.
pub fn band_table(points: &[f64], labels: &[bool]) -> Vec<Band> {
    let mut leads = [0usize; 5];
    let mut conv = [0usize; 5];
    for (&s, &y) in points.iter().zip(labels) {
        let b = BAND_EDGES.iter().position(|&e| s <= e).unwrap_or(4);
        leads[b] += 1;
        conv[b] += usize::from(y);
    }
    (0..5)
        .map(|b| {
            let lower = if b == 0 { 0.0 } else { BAND_EDGES[b - 1] };
            let label =
                if b == 0 { "0–20".to_string() } else { format!("{}–{}", lower as u32 + 1, BAND_EDGES[b] as u32) };
            Band {
                label,
                lower,
                upper: BAND_EDGES[b],
                leads: leads[b],
                conversions: conv[b],
                conversion_rate: (leads[b] > 0).then(|| conv[b] as f64 / leads[b] as f64),
            }
        })
        .collect()
}

/// Computes every number for one scorer.
pub fn score_report(s: &ScorerScores, labels: &[bool], opts: &CompareOptions) -> Result<ScorerReport, CompareError> {
    let m = |source| CompareError::Metric { scorer: s.name.clone(), source };
    let n = labels.len();
    let auc = roc_auc(&s.scores, labels).map_err(m)?;
    let positives = labels.iter().filter(|&&y| y).count();
    let auc_ci = if positives.min(n - positives) < MIN_CLASS_FOR_INTERVAL {
        None
    } else {
        let (lo, hi) = auc_bootstrap_ci(&s.scores, labels, opts.n_boot, opts.level, opts.seed).map_err(m)?;
        Some([lo, hi])
    };
    let pr_auc = average_precision(&s.scores, labels).map_err(m)?;
    let deciles = decile_table(&s.scores, labels, 10.min(n)).map_err(m)?;
    let mut top_k = Vec::new();
    for &share in &opts.top_shares {
        // At least one lead, at most all: safe for any n (no reliance on an earlier n > 0 check).
        let k = ((n as f64 * share).round() as usize).max(1).min(n);
        top_k.push(top(&s.scores, labels, k, Some(share)).map_err(m)?);
    }
    let capacity = match opts.capacity {
        None => None,
        Some(c) if c == 0 || c > n => return Err(CompareError::Capacity { capacity: c, leads: n }),
        Some(c) => Some(top(&s.scores, labels, c, None).map_err(m)?),
    };
    let points: Vec<f64> = s.scores.iter().map(|&x| s.kind.to_points(x)).collect();
    let (log_loss, brier, calibration) = match s.kind {
        ScoreKind::Probability => (
            Some(log_loss(&s.scores, labels).map_err(m)?),
            Some(brier(&s.scores, labels).map_err(m)?),
            Some(calibration_table(&s.scores, labels, 10).map_err(m)?),
        ),
        ScoreKind::Points => (None, None, None),
    };
    Ok(ScorerReport {
        name: s.name.clone(),
        source: s.source.clone(),
        kind: s.kind,
        auc,
        auc_ci,
        pr_auc,
        log_loss,
        brier,
        deciles,
        top_k,
        capacity,
        bands: band_table(&points, labels),
        calibration,
        warnings: s.warnings.clone(),
    })
}

fn top(scores: &[f64], labels: &[bool], k: usize, share: Option<f64>) -> Result<TopK, MetricError> {
    let conversions = conversions_at_k(scores, labels, k)?;
    let positives = labels.iter().filter(|&&y| y).count();
    Ok(TopK { share, leads: k, conversions, precision: conversions / k as f64, recall: conversions / positives as f64 })
}

/// Compares scorers on the same leads.
pub fn compare(scorers: &[ScorerScores], labels: &[bool], opts: &CompareOptions) -> Result<Comparison, CompareError> {
    let reports: Vec<ScorerReport> = scorers.iter().map(|s| score_report(s, labels, opts)).collect::<Result<_, _>>()?;
    let mut comparisons = Vec::new();
    for i in 0..scorers.len() {
        for j in i + 1..scorers.len() {
            comparisons.push(pair_test(&scorers[i], &scorers[j], reports[i].auc, reports[j].auc, labels));
        }
    }
    judge(&mut comparisons, labels, opts.alpha);
    Ok(Comparison {
        leads: labels.len(),
        conversions: labels.iter().filter(|&&y| y).count(),
        level: opts.level,
        alpha: opts.alpha,
        scorers: reports,
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::stats::holm_adjust;

    fn sc(name: &str, kind: ScoreKind, scores: &[f64]) -> ScorerScores {
        ScorerScores { name: name.into(), source: "test".into(), kind, scores: scores.to_vec(), warnings: vec![] }
    }

    #[test]
    fn bands_follow_inclusive_upper_edges() {
        let pts = [0.0, 20.0, 20.5, 40.0, 55.0, 80.0, 80.1, 100.0, 130.0, -3.0];
        let y = [false, true, true, false, true, false, true, true, true, false];
        let b = band_table(&pts, &y);
        assert_eq!(b.iter().map(|b| b.leads).collect::<Vec<_>>(), vec![3, 2, 1, 1, 3]);
        assert_eq!(b.iter().map(|b| b.conversions).collect::<Vec<_>>(), vec![1, 1, 1, 0, 3]);
        assert_eq!(b[1].label, "21–40");
        assert_eq!(b[0].conversion_rate, Some(1.0 / 3.0));
        let empty = band_table(&[10.0], &[true]);
        assert_eq!(empty[2].conversion_rate, None);
    }

    #[test]
    fn comparison_numbers_and_verdict() {
        // 40 leads: the model separates perfectly, the rules are random-ish.
        let y: Vec<bool> = (0..40).map(|i| i % 4 == 0).collect();
        let model: Vec<f64> = y.iter().enumerate().map(|(i, &c)| if c { 0.7 } else { 0.1 } + i as f64 * 1e-4).collect();
        let rules: Vec<f64> = (0..40).map(|i| ((i * 37) % 100) as f64).collect();
        let opts = CompareOptions { n_boot: 200, capacity: Some(10), ..Default::default() };
        let c =
            compare(&[sc("model", ScoreKind::Probability, &model), sc("rules", ScoreKind::Points, &rules)], &y, &opts)
                .unwrap();
        assert_eq!((c.leads, c.conversions), (40, 10));
        assert_eq!(c.scorers[0].auc, 1.0);
        let cap = c.scorers[0].capacity.as_ref().unwrap();
        assert_eq!((cap.leads, cap.conversions, cap.precision, cap.recall), (10, 10.0, 1.0, 1.0));
        assert_eq!(c.scorers[0].top_k[1].leads, 4);
        assert!(c.scorers[0].brier.is_some() && c.scorers[1].brier.is_none());
        assert!(c.scorers[1].calibration.is_none());
        // Converted leads score 0.70–0.7036 (×100: band 61–80), dead ones at most 0.1039.
        assert_eq!(c.scorers[0].bands[3].conversions, 10);
        let t = &c.comparisons[0];
        // DeLong sees a clear gap, but 10 conversions are too few to call a winner.
        assert!(t.p_value.unwrap() < 0.001 && !t.significant, "{t:?}");
        assert!(t.verdict.starts_with("sample too small to call a winner between model and rules"), "{}", t.verdict);
        assert!(t.verdict.contains("10 converted and 30 dead leads, fewer than 100 of a class"), "{}", t.verdict);
    }

    #[test]
    fn pairwise_p_values_are_holm_adjusted_for_the_family() {
        // 300 leads, 120 converted: three scorers, three pairs. Each adjusted p-value is
        // Holm's over the three raw DeLong p-values, and the verdicts are read off it.
        let n = 300;
        let y: Vec<bool> = (0..n).map(|i| i % 5 < 2).collect();
        let noise = |i: usize, k: usize| ((i * k + 7) % 97) as f64 / 97.0;
        let strong: Vec<f64> = (0..n).map(|i| if y[i] { 0.5 } else { 0.0 } + 0.5 * noise(i, 31)).collect();
        let weak: Vec<f64> = (0..n).map(|i| if y[i] { 0.15 } else { 0.0 } + 0.85 * noise(i, 53)).collect();
        let weaker: Vec<f64> = (0..n).map(|i| if y[i] { 0.12 } else { 0.0 } + 0.88 * noise(i, 71)).collect();
        let opts = CompareOptions { n_boot: 20, ..Default::default() };
        let scorers = [
            sc("strong", ScoreKind::Probability, &strong),
            sc("weak", ScoreKind::Probability, &weak),
            sc("weaker", ScoreKind::Probability, &weaker),
        ];
        let c = compare(&scorers, &y, &opts).unwrap();
        let raw: Vec<f64> = c.comparisons.iter().map(|t| t.p_value.unwrap()).collect();
        let want = holm_adjust(&raw);
        for (t, q) in c.comparisons.iter().zip(&want) {
            assert_eq!(t.p_adjusted, Some(*q));
            assert_eq!(t.family, 3);
            assert_eq!(t.significant, *q < 0.05);
            assert!(t.verdict.contains("Holm-adjusted"), "{}", t.verdict);
        }
        // The strong scorer beats both others for real; the two weak ones are not told apart.
        assert!(c.comparisons[0].significant && c.comparisons[1].significant, "{:?}", c.comparisons);
        assert!(
            c.comparisons[0].verdict.starts_with("strong ranks leads better than weak"),
            "{}",
            c.comparisons[0].verdict
        );
        assert!(!c.comparisons[2].significant, "{:?}", c.comparisons[2]);
        // One pair: no adjustment, the raw p-value is the one printed.
        let one = compare(&scorers[..2], &y, &opts).unwrap();
        assert_eq!(one.comparisons[0].p_adjusted, one.comparisons[0].p_value);
        assert!(!one.comparisons[0].verdict.contains("Holm"), "{}", one.comparisons[0].verdict);
    }

    #[test]
    fn one_class_set_is_rejected_with_the_scorer_named() {
        let e = compare(&[sc("m", ScoreKind::Probability, &[0.1, 0.2])], &[false, false], &CompareOptions::default())
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("scorer \"m\": "), "{msg}");
        assert!(matches!(e, CompareError::Metric { source: MetricError::OneClass { .. }, .. }));
    }

    #[test]
    fn capacity_beyond_the_leads_is_an_error() {
        let opts = CompareOptions { capacity: Some(5), n_boot: 10, ..Default::default() };
        let e = compare(&[sc("m", ScoreKind::Probability, &[0.1, 0.9])], &[false, true], &opts).unwrap_err();
        assert!(matches!(e, CompareError::Capacity { capacity: 5, leads: 2 }));
    }

    #[test]
    fn too_few_leads_of_a_class_give_no_interval() {
        // Regression: two leads printed the bootstrap interval "1.0000–1.0000".
        let opts = CompareOptions { n_boot: 50, ..Default::default() };
        let c = compare(&[sc("m", ScoreKind::Probability, &[0.2, 0.9])], &[false, true], &opts).unwrap();
        assert_eq!(c.scorers[0].auc_ci, None);
        assert!(c.render().contains("n/a (too few)"), "{}", c.render());
        assert!(c.render().contains("fewer than 10 converted or 10 dead leads"), "{}", c.render());
        // 9 converted of 40: still too few; 10 converted: an interval.
        let y9: Vec<bool> = (0..40).map(|i| i < 9).collect();
        let y10: Vec<bool> = (0..40).map(|i| i < 10).collect();
        let s: Vec<f64> = (0..40).map(|i| (i % 7) as f64 / 7.0).collect();
        assert!(compare(&[sc("m", ScoreKind::Probability, &s)], &y9, &opts).unwrap().scorers[0].auc_ci.is_none());
        assert!(compare(&[sc("m", ScoreKind::Probability, &s)], &y10, &opts).unwrap().scorers[0].auc_ci.is_some());
    }

    #[test]
    fn comparison_does_not_depend_on_row_order() {
        // A points scorer with heavy ties and a probability scorer, on the same leads in two
        // row orders (converted first, then reversed): every printed number is the same.
        let n = 120;
        let y: Vec<bool> = (0..n).map(|i| i < 40).collect();
        let pts: Vec<f64> = (0..n).map(|i| (10 * ((i * 13) % 4)) as f64).collect();
        let prob: Vec<f64> = (0..n).map(|i| ((i * 17) % 9) as f64 / 10.0).collect();
        let rev = |v: &[f64]| v.iter().rev().copied().collect::<Vec<f64>>();
        let ry: Vec<bool> = y.iter().rev().copied().collect();
        let opts = CompareOptions { n_boot: 200, capacity: Some(37), ..Default::default() };
        let a =
            compare(&[sc("p", ScoreKind::Probability, &prob), sc("r", ScoreKind::Points, &pts)], &y, &opts).unwrap();
        let b = compare(
            &[sc("p", ScoreKind::Probability, &rev(&prob)), sc("r", ScoreKind::Points, &rev(&pts))],
            &ry,
            &opts,
        )
        .unwrap();
        assert_eq!(a.render(), b.render());
        for (x, z) in a.scorers.iter().zip(&b.scorers) {
            assert_eq!(x.deciles, z.deciles);
            assert_eq!(x.top_k, z.top_k);
            assert_eq!(x.capacity, z.capacity);
            assert_eq!(x.auc_ci, z.auc_ci);
        }
    }

    #[test]
    fn all_ties_scorer_has_lift_one_and_base_rate_precision() {
        // Regression: every lead scoring the same, converted rows first, printed decile 2 at
        // 100% and top-20% precision 85%; with dead rows first, 0%.
        let y: Vec<bool> = (0..200).map(|i| i < 50).collect();
        let opts = CompareOptions { n_boot: 20, capacity: Some(30), ..Default::default() };
        let c = compare(&[sc("flat", ScoreKind::Points, &[40.0; 200])], &y, &opts).unwrap();
        let r = &c.scorers[0];
        assert!(r.deciles.iter().all(|d| (d.lift - 1.0).abs() < 1e-12), "{:?}", r.deciles);
        for t in r.top_k.iter().chain(r.capacity.iter()) {
            assert!((t.precision - 0.25).abs() < 1e-12, "{t:?}");
        }
        assert_eq!(r.capacity.as_ref().unwrap().conversions, 7.5);
    }
}
