//! Drift: is the model still seeing the kind of leads it learned from?
//!
//! Per input column, the leads' values are counted into the bins of the column's training
//! distribution (the bundle's [`crate::features::profile::ColumnProfile`], format 1.2), and
//! the primary model's probabilities into the ten equal-mass bins of the bundle's reference
//! distribution. Each gets a PSI ([`crate::evaluation::psi`]), the PSI that sampling noise
//! alone would pass at this many leads with probability `alpha / checks` (by resampling the
//! training shares, and a reference sample of the training rows' size, since those shares are
//! themselves a sample; Bonferroni over the columns and the score, so a check of leads drawn
//! like the training leads calls *any* column shifted at most `alpha` = 1% of the time), the
//! change in missing rate, and the values never seen in training. Verdicts:
//! - `drift`: PSI above the noise threshold *and* at least `min_psi` (0.1 by default: a shift
//!   that matters), so a tiny but certain shift at ten million leads is not an alarm and
//!   noise at a hundred leads is not either;
//! - `shift`: above the noise threshold but below `min_psi`: real, small, worth watching;
//! - `stable`.
//!
//! From a ledger, only the score can be checked (the ledger keeps scores, not inputs): each
//! recent run's probabilities against the bundle's reference.

use std::path::Path;

use serde::Serialize;

use crate::bundle::{Bundle, BundleError};
use crate::data::join::{JoinError, Joiner};
use crate::data::load::{BatchReader, LoadError};
use crate::data::typing::{LeadFrame, TypingError};
use crate::evaluation::psi::{null_threshold, psi};
use crate::features::profile::Observed;
use crate::ledger::{Backend, LedgerError, RunRecord};
use crate::scorer::{BundleScorer, ScoreError, Scorer};

/// Settings of a drift check.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftSettings {
    /// A PSI below this is never called drift.
    pub min_psi: f64,
    /// The chance that a check of leads drawn like the training leads flags any column.
    pub alpha: f64,
    /// The noise threshold's quantile of the null PSI (set per check: 1 − alpha / checks).
    pub quantile: f64,
    /// Resamples for the noise threshold (set per check: enough for that quantile).
    pub draws: usize,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Default for DriftSettings {
    fn default() -> Self {
        DriftSettings { min_psi: 0.1, alpha: 0.01, quantile: 0.99, draws: 200, seed: 42 }
    }
}

impl DriftSettings {
    /// The settings for a check of `checks` columns (Bonferroni): quantile 1 − alpha/checks,
    /// resampled often enough to estimate it (10 expected exceedances, 200 to 5,000 draws).
    pub fn for_checks(&self, checks: usize) -> DriftSettings {
        let tail = self.alpha / checks.max(1) as f64;
        DriftSettings { quantile: 1.0 - tail, draws: ((10.0 / tail).ceil() as usize).clamp(200, 5000), ..self.clone() }
    }
}

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Within noise.
    Stable,
    /// Beyond noise, below `min_psi`.
    Shift,
    /// Beyond noise and at least `min_psi`.
    Drift,
}

impl Verdict {
    /// `stable`, `shift`, `drift`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Stable => "stable",
            Verdict::Shift => "shift",
            Verdict::Drift => "drift",
        }
    }
}

/// One bin: its label, training share and share now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    /// What it holds.
    pub label: String,
    /// Share in training (the reference, for the score).
    pub expected: f64,
    /// Share now.
    pub observed: f64,
}

/// Drift of one column (or of the score).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDrift {
    /// The column (`score` for the primary model's probability).
    pub column: String,
    /// Leads counted.
    pub leads: u64,
    /// PSI.
    pub psi: f64,
    /// The PSI noise passes with probability 1 − quantile at this many leads.
    pub noise_threshold: f64,
    /// Missing share in training.
    pub missing_then: f64,
    /// Missing share now.
    pub missing_now: f64,
    /// Leads with a value never seen in training.
    pub new_value_leads: u64,
    /// The most frequent new values, with counts (up to 5).
    pub new_values: Vec<(String, u64)>,
    /// Every bin.
    pub bins: Vec<Bin>,
    /// The verdict.
    pub verdict: Verdict,
}

/// A drift report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    /// The bundle.
    pub model: String,
    /// The data (or ledger) checked.
    pub data: String,
    /// Leads checked.
    pub leads: u64,
    /// Per input column (those with a training distribution).
    pub columns: Vec<ColumnDrift>,
    /// Columns the bundle has no training distribution for (saved before format 1.2).
    pub unprofiled: Vec<String>,
    /// The primary model's probability against the reference (none for a bundle without one).
    pub score: Option<ColumnDrift>,
    /// Per ledger run: the score's drift (ledger checks only).
    pub runs: Vec<(i64, String, ColumnDrift)>,
    /// The worst verdict.
    pub verdict: Verdict,
    /// Settings.
    pub min_psi: f64,
    /// Settings.
    pub quantile: f64,
    /// Settings.
    pub alpha: f64,
    /// Things to know: a table the bundle joined at training that changed since, and the
    /// join's unmatched keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Errors of a drift check.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// Bundle.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// Data.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Values.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// Scoring.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// A joined table of the bundle.
    #[error(transparent)]
    Join(#[from] JoinError),
    /// Ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Nothing to check.
    #[error("{what}: no leads to check for drift")]
    Empty {
        /// The data.
        what: String,
    },
}

#[allow(clippy::too_many_arguments)]
fn judge(
    column: &str,
    reference_n: u64,
    expected: &[f64],
    counts: &[u64],
    labels: Vec<String>,
    new: &Observed,
    s: &DriftSettings,
) -> ColumnDrift {
    let n: u64 = counts.iter().sum();
    let value = psi(expected, counts);
    let noise = null_threshold(expected, n, Some(reference_n), s.draws, s.quantile, s.seed);
    let verdict = if value > noise && value >= s.min_psi {
        Verdict::Drift
    } else if value > noise {
        Verdict::Shift
    } else {
        Verdict::Stable
    };
    let share = |c: u64| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    let mut news: Vec<(String, u64)> = new.new_values.iter().map(|(k, v)| (k.clone(), *v)).collect();
    news.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let new_value_leads = news.iter().map(|x| x.1).sum();
    news.truncate(5);
    ColumnDrift {
        column: column.to_string(),
        leads: n,
        psi: value,
        noise_threshold: noise,
        missing_then: *expected.last().unwrap_or(&0.0),
        missing_now: share(*counts.last().unwrap_or(&0)),
        new_value_leads,
        new_values: news,
        bins: labels
            .into_iter()
            .zip(expected.iter().zip(counts))
            .map(|(label, (&e, &c))| Bin { label, expected: e, observed: share(c) })
            .collect(),
        verdict,
    }
}

/// Counts of probabilities in the reference's ten equal-mass bins (edges at its deciles).
struct ScoreBins {
    edges: Vec<f64>,
    counts: Vec<u64>,
    reference_n: u64,
}

impl ScoreBins {
    fn new(bundle: &Bundle) -> Option<ScoreBins> {
        let r = bundle.score_reference()?;
        let q = &r.quantiles;
        let edges: Vec<f64> = (1..10).map(|k| q[k * (q.len() - 1) / 10]).collect();
        Some(ScoreBins { counts: vec![0; edges.len() + 1], edges, reference_n: r.leads as u64 })
    }

    fn add(&mut self, p: f64) {
        self.counts[self.edges.partition_point(|e| *e < p)] += 1;
    }

    fn judge(&self, s: &DriftSettings) -> ColumnDrift {
        // The reference's own share per bin (ties at an edge make them uneven), then missing.
        let mut expected: Vec<f64> = vec![0.1; self.counts.len()];
        expected.push(0.0);
        let mut counts = self.counts.clone();
        counts.push(0);
        let mut labels: Vec<String> = (0..self.counts.len()).map(|k| format!("reference decile {}", k + 1)).collect();
        labels.push("(missing)".into());
        let mut d = judge("score", self.reference_n, &expected, &counts, labels, &Observed::default(), s);
        d.bins.pop();
        d
    }
}

/// Checks `data` against the bundle at `model`.
pub fn drift_of_data(
    model: &Path,
    data: &Path,
    batch_rows: usize,
    s: &DriftSettings,
) -> Result<DriftReport, DriftError> {
    let bundle = Bundle::load(model)?;
    let scorer = BundleScorer::new(&bundle);
    let primary = scorer.primary();
    let columns = &bundle.pipeline.columns;
    let mut observed = vec![Observed::default(); columns.len()];
    let mut scores = ScoreBins::new(&bundle);
    let mut reader = BatchReader::open(data, batch_rows)?;
    // The bundle's joined tables, from their recorded paths and checked against them, as at score.
    let (mut joiner, mut warnings) = match Joiner::load_recorded(&bundle.joins)? {
        Some((j, notes)) => (Some(j), notes),
        None => (None, Vec::new()),
    };
    let mut seen = 0usize;
    while let Some(df) = reader.next_batch()? {
        let df = match joiner.as_mut() {
            Some(j) => j.apply(df, data, seen + 1)?,
            None => df,
        };
        let frame = LeadFrame { df: &df, path: data, first_row: seen + 1 };
        seen += df.height();
        bundle.pipeline.observe(&frame, &mut observed)?;
        if let Some(sb) = scores.as_mut() {
            for p in primary.score(&frame, false)?.scores {
                sb.add(p);
            }
        }
    }
    if seen == 0 {
        return Err(DriftError::Empty { what: data.display().to_string() });
    }
    if let Some(j) = &joiner {
        warnings.extend(j.reports().iter().flat_map(|r| r.warnings()));
    }
    let checks = columns.iter().filter(|c| c.profile.is_some()).count() + scores.is_some() as usize;
    let s = &s.for_checks(checks);
    let mut out = Vec::new();
    let mut unprofiled = Vec::new();
    for (c, o) in columns.iter().zip(&observed) {
        let Some(profile) = &c.profile else {
            unprofiled.push(c.name.clone());
            continue;
        };
        let expected = profile.expected(c.missing_share.unwrap_or(0.0));
        let labels = (0..expected.len()).map(|i| profile.bin_label(i)).collect();
        out.push(judge(&c.name, profile.rows(), &expected, &o.counts, labels, o, s));
    }
    out.sort_by(|a, b| b.psi.total_cmp(&a.psi).then(a.column.cmp(&b.column)));
    let score = scores.map(|sb| sb.judge(s));
    let verdict = out.iter().map(|c| c.verdict).chain(score.iter().map(|c| c.verdict)).max().unwrap_or(Verdict::Stable);
    Ok(DriftReport {
        model: model.display().to_string(),
        data: data.display().to_string(),
        leads: seen as u64,
        columns: out,
        unprofiled,
        score,
        runs: Vec::new(),
        verdict,
        min_psi: s.min_psi,
        quantile: s.quantile,
        alpha: s.alpha,
        warnings,
    })
}

/// Checks the score of each of `runs` in a ledger against the bundle's reference.
pub fn drift_of_ledger(
    backend: &mut dyn Backend,
    model: &Path,
    runs: &[RunRecord],
    s: &DriftSettings,
) -> Result<DriftReport, DriftError> {
    let bundle = Bundle::load(model)?;
    let s = &s.for_checks(runs.len());
    let mut out = Vec::new();
    let mut leads = 0;
    for run in runs {
        let Some(mut sb) = ScoreBins::new(&bundle) else { break };
        backend.scores(run.run_id, &mut |r| {
            if let Some(p) = r.probability {
                sb.add(p);
            }
        })?;
        let d = sb.judge(s);
        leads += d.leads;
        out.push((run.run_id, run.as_of.clone(), d));
    }
    let verdict = out.iter().map(|r| r.2.verdict).max().unwrap_or(Verdict::Stable);
    Ok(DriftReport {
        model: model.display().to_string(),
        data: backend.ledger(),
        leads,
        columns: Vec::new(),
        unprofiled: Vec::new(),
        score: None,
        runs: out,
        verdict,
        min_psi: s.min_psi,
        quantile: s.quantile,
        alpha: s.alpha,
        warnings: Vec::new(),
    })
}
