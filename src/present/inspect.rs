//! `leadscore inspect BUNDLE`: what a bundle is, for people (text) and tools (JSON): when
//! and on what it was trained, its models with their hold-out metrics and intervals, the
//! grade cut-offs, the reference distribution percentiles rank against, the input schema
//! with each column's training missing rate, the leakage guard's figures and the crate
//! versions that shaped the numbers.

use serde::Serialize;

use super::text::fmt_interval;
use super::train::leakage_table;
use crate::bundle::Bundle;
use crate::evaluation::EvaluationMethod;
use crate::leakage::ColumnCheck;
use crate::models::FittedModel;

/// One model of the bundle.
#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    /// `logistic` or `gbm`.
    pub kind: &'static str,
    /// Whether its probability is the bundle's `probability`.
    pub primary: bool,
    /// How it was evaluated, e.g. "time-ordered hold-out: newest 20% by created_date".
    pub evaluated_on: String,
    /// Leads it was evaluated on.
    pub leads: usize,
    /// Hold-out AUC and its 95% interval (absent in bundles before format 1.1).
    pub auc: f64,
    /// The interval.
    pub auc_ci: Option<[f64; 2]>,
    /// PR-AUC, log loss, Brier.
    pub pr_auc: f64,
    /// Mean log loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Trees kept (boosted trees) and the calibration chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trees: Option<usize>,
    /// The calibrator chosen for boosted trees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
}

/// One input column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnSummary {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: &'static str,
    /// Share of training rows where it was missing (absent before format 1.1).
    pub missing_share: Option<f64>,
}

/// Everything `inspect` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection<'a> {
    /// Bundle name.
    pub name: &'a str,
    /// Format version.
    pub format_version: &'a str,
    /// Checksum, and the short id written on scored rows.
    pub checksum: &'a str,
    /// First 12 hex digits of the checksum.
    pub model_id: String,
    /// The signature's algorithm and key id, when the bundle is signed.
    pub signature: Option<&'a crate::bundle::Signature>,
    /// When it was trained.
    pub trained_at: &'a str,
    /// The history file, its SHA-256, rows, labelled rows, conversions, rows fitted.
    pub data_file: &'a str,
    /// SHA-256 of the history file.
    pub data_sha256: &'a str,
    /// Rows in the file.
    pub rows_in_file: usize,
    /// Rows with an outcome.
    pub labelled_rows: usize,
    /// Converted among them.
    pub conversions: usize,
    /// Rows the bundled models were fitted on.
    pub fit_rows: usize,
    /// Seed of every split.
    pub seed: u64,
    /// Target column and the values meaning converted / dead.
    pub target: &'a crate::data::typing::TargetSpec,
    /// Id column.
    pub id_column: Option<&'a str>,
    /// Models.
    pub models: Vec<ModelSummary>,
    /// Grade cut-offs.
    pub grades: &'a crate::bundle::GradeCuts,
    /// Reference distribution: source, leads, and its 10th, 50th and 90th percentiles.
    pub reference: Option<ReferenceSummary>,
    /// Input columns.
    pub schema: Vec<ColumnSummary>,
    /// Leakage guard's figures per column.
    pub leakage: &'a [ColumnCheck],
    /// Columns flagged and kept on purpose.
    pub kept_flagged_columns: &'a [String],
    /// Crate versions.
    pub crate_versions: &'a [(String, String)],
    /// The training date window (format 1.3).
    pub date_window: Option<&'a crate::bundle::digest::DateWindow>,
    /// The training leads' digest, without its data (format 1.3): key, leads, bits, rate.
    pub trained_leads: Option<(&'a str, usize, u32, f64)>,
    /// The per-segment models (format 1.5), without the models themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<SegmentsSummary<'a>>,
    /// The segments section as `train` printed it.
    #[serde(skip)]
    segments_text: String,
}

/// The per-segment models in brief.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentsSummary<'a> {
    /// The segment column.
    pub column: &'a str,
    /// Whether `score` routes leads by segment.
    pub routed: bool,
    /// Why.
    pub decision: &'a str,
    /// Per segment with its own models: value, training leads, converted, hold-out AUC of
    /// its primary model and of the global model on the same leads.
    pub segments: Vec<(&'a str, usize, usize, f64, f64)>,
    /// The values the global model scores, and why.
    pub fallback: Vec<(&'a str, &'a str)>,
}

/// The reference distribution in brief.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceSummary {
    /// "hold-out" or "out-of-fold".
    pub source: String,
    /// Leads summarised.
    pub leads: usize,
    /// Probabilities at the 10th, 50th and 90th percentiles.
    pub p10_p50_p90: [f64; 3],
}

/// Describes how a model was evaluated.
pub fn describe_method(m: &EvaluationMethod) -> String {
    match m {
        EvaluationMethod::Holdout { share } => format!("stratified hold-out, {:.0}% of history", share * 100.0),
        EvaluationMethod::TimeOrdered { share, column } => {
            format!("time-ordered hold-out: newest {:.0}% by \"{column}\"", share * 100.0)
        }
        EvaluationMethod::CrossValidation { folds, .. } => format!("{folds}-fold cross-validation (out of fold)"),
    }
}

/// The inspection of `b`.
pub fn inspect(b: &Bundle) -> Inspection<'_> {
    let t = &b.training;
    let models = b
        .models
        .iter()
        .map(|m| {
            let (trees, calibration) = match &m.model {
                FittedModel::Gbm(g) => (Some(g.trees.num_trees()), Some(g.calibration.chosen.clone())),
                FittedModel::Logistic(_) => (None, None),
            };
            let e = &m.evaluation;
            ModelSummary {
                kind: m.model.name(),
                primary: m.model.kind() == b.primary,
                evaluated_on: describe_method(&e.method),
                leads: e.rows,
                auc: e.auc,
                auc_ci: e.auc_ci,
                pr_auc: e.pr_auc,
                log_loss: e.log_loss,
                brier: e.brier,
                trees,
                calibration,
            }
        })
        .collect();
    let reference = b.reference.as_ref().map(|r| ReferenceSummary {
        source: r.source.clone(),
        leads: r.leads,
        p10_p50_p90: [r.quantiles[100], r.quantiles[500], r.quantiles[900]],
    });
    Inspection {
        name: &b.name,
        format_version: &b.format_version,
        checksum: &b.checksum,
        model_id: crate::score::short_id(&b.checksum),
        signature: b.signature.as_ref(),
        trained_at: &t.trained_at,
        data_file: &t.data_file,
        data_sha256: &t.data_sha256,
        rows_in_file: t.rows_in_file,
        labelled_rows: t.labelled_rows,
        conversions: t.conversions,
        fit_rows: t.fit_rows,
        seed: t.seed,
        target: &b.target,
        id_column: b.id_column.as_deref(),
        models,
        grades: &b.grades,
        reference,
        schema: b
            .pipeline
            .columns
            .iter()
            .map(|c| ColumnSummary { name: c.name.clone(), kind: c.kind.as_str(), missing_share: c.missing_share })
            .collect(),
        leakage: &b.leakage,
        kept_flagged_columns: &t.kept_flagged_columns,
        crate_versions: &t.crate_versions,
        date_window: t.date_window.as_ref(),
        trained_leads: t.trained_leads.as_ref().map(|d| (d.key.as_str(), d.leads, d.bits, d.false_positive_rate)),
        segments: b.segments.as_ref().map(|s| {
            let primary = b.models.iter().position(|m| m.model.kind() == b.primary).unwrap_or(0);
            SegmentsSummary {
                column: &s.column,
                routed: s.routed,
                decision: &s.decision,
                segments: s
                    .segments
                    .iter()
                    .map(|g| {
                        (g.value.as_str(), g.train_rows, g.train_conversions, g.evaluations[primary].auc, g.global.auc)
                    })
                    .collect(),
                fallback: s.fallback.iter().map(|f| (f.value.as_str(), f.why.as_str())).collect(),
            }
        }),
        segments_text: super::segments::segments_report(b),
    }
}

impl Inspection<'_> {
    /// The text `inspect` prints.
    pub fn render(&self) -> String {
        let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
        let mut s = format!(
            "bundle \"{}\" (format {}, id {}), trained {}\n  on {} (sha256 {})\n  {} rows, {} labelled, {} converted ({:.1}%), models fitted on {} rows, seed {}\n  target \"{}\" (converted: {}{}); id column: {}\n",
            self.name,
            self.format_version,
            self.model_id,
            self.trained_at,
            self.data_file,
            self.data_sha256,
            self.rows_in_file,
            self.labelled_rows,
            self.conversions,
            pct(self.conversions, self.labelled_rows),
            self.fit_rows,
            self.seed,
            self.target.column,
            self.target.positive.join(", "),
            if self.target.negative.is_empty() {
                String::new()
            } else {
                format!("; dead: {}", self.target.negative.join(", "))
            },
            self.id_column.unwrap_or("(none: rows are numbered)")
        );
        if let Some(w) = self.date_window {
            let blank = if w.blank > 0 { format!(" ({} with a blank date)", w.blank) } else { String::new() };
            s.push_str(&format!("  labelled leads created {} to {} by \"{}\"{blank}\n", w.first, w.last, w.column));
        }
        if let Some((key, leads, bits, fpr)) = self.trained_leads {
            s.push_str(&format!(
                "  training leads recorded by {key} ({leads} leads, {bits}-bit hashes, false-positive rate {fpr:.1e}) for `models compare`\n"
            ));
        }
        match self.signature {
            Some(sig) => s.push_str(&format!("  signed ({}, key id {})\n", sig.algorithm, sig.key_id)),
            None => s.push_str("  not signed (see --sign-key)\n"),
        }
        s.push_str("\nmodels (hold-out metrics):\n");
        s.push_str("  model      AUC    95% interval      PR-AUC  log loss   Brier  evaluated on\n");
        for m in &self.models {
            let extra = match (&m.trees, &m.calibration) {
                (Some(t), Some(c)) => format!("; {t} trees, calibration {c}"),
                _ => String::new(),
            };
            s.push_str(&format!(
                "  {:<9} {:.4}  {:<16} {:.4}  {:>8.4}  {:.4}  {} ({} leads){extra}{}\n",
                m.kind,
                m.auc,
                if m.auc_ci.is_some() { fmt_interval(m.auc_ci) } else { "not recorded".to_string() },
                m.pr_auc,
                m.log_loss,
                m.brier,
                m.evaluated_on,
                m.leads,
                if m.primary { "  [primary]" } else { "" }
            ));
        }
        let g = self.grades;
        s.push_str(&format!("\ngrades: A >= {:.4}, B >= {:.4}, C >= {:.4}, else D ({})\n", g.a, g.b, g.c, g.source));
        match &self.reference {
            Some(r) => s.push_str(&format!(
                "percentiles rank against {} {} leads (probability at the 10th/50th/90th percentile: {:.4} / {:.4} / {:.4})\n",
                r.leads, r.source, r.p10_p50_p90[0], r.p10_p50_p90[1], r.p10_p50_p90[2]
            )),
            None => s.push_str("no reference distribution (saved before format 1.1): percentiles rank within each run\n"),
        }
        s.push_str(&self.segments_text);
        s.push_str(&format!("\ninput columns ({}):\n", self.schema.len()));
        for c in &self.schema {
            let miss = c
                .missing_share
                .map_or("missing rate not recorded".to_string(), |m| format!("{:.1}% missing in training", 100.0 * m));
            s.push_str(&format!("  {:<32} {:<12} {miss}\n", c.name, c.kind));
        }
        if !self.leakage.is_empty() {
            s.push_str("\nleakage guard:\n");
            s.push_str(&leakage_table(self.leakage, 10));
        }
        if !self.kept_flagged_columns.is_empty() {
            s.push_str(&format!("flagged and kept on purpose: {}\n", self.kept_flagged_columns.join(", ")));
        }
        s.push_str(&format!(
            "\ncrates: {}\n",
            self.crate_versions.iter().map(|(n, v)| format!("{n} {v}")).collect::<Vec<_>>().join(", ")
        ));
        s
    }
}
