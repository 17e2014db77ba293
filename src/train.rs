//! Training: from a history file to a saved model bundle.
//!
//! Flow: read the file (all text) → read the outcome, skipping rows without one → resolve
//! column kinds → leakage guard (stop unless confirmed) → split (stratified hold-out,
//! time-ordered hold-out, or k-fold CV) → fit the feature pipeline and the model on
//! training rows only → evaluate on held-out rows → grade cut-offs → bundle → atomic save.
//!
//! A model that learned nothing (every lead gets the same probability: boosted trees that
//! kept no tree, a logistic regression penalised to zero) is still written, because the
//! bundle records honestly what was fitted, but the report says so in a warning line with
//! what to change ([`flat_model_warning`]); so do grade cut-offs that collapse.
//!
//! Which model is bundled: with a hold-out, the model fitted on the training rows (the very
//! model the metrics describe); with k-fold CV, a model refitted on all labelled rows, and
//! the metrics are pooled out-of-fold estimates of that procedure.

use std::path::{Path, PathBuf};

use crate::bundle::{Bundle, BundleError, GradeCuts, ModelEntry, TrainingInfo, FORMAT, FORMAT_MAJOR, FORMAT_MINOR};
use crate::config::{ConfigError, TrainConfig};
use crate::data::load::{read_table_hashed, LoadError};
use crate::data::typing::{
    parse_date, read_labels_with, ColumnKind, LeadFrame, MissingTokens, TargetSpec, TypingError,
};
use crate::evaluation::metrics::MetricError;
use crate::evaluation::split::{stratified_folds, stratified_holdout, time_ordered_holdout, Split};
use crate::evaluation::{Evaluation, EvaluationMethod};
use crate::features::pipeline::PipelineSettings;
use crate::features::schema::{resolve_columns, InputColumn, SchemaRules};
use crate::features::FittedPipeline;
use crate::leakage::{check_columns, ColumnCheck};
use crate::models::logistic::{LogisticError, LogisticParams};
use crate::models::FittedModel;

/// Which models to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// Logistic regression only.
    Logistic,
    /// Boosted trees only.
    Gbm,
    /// Both in one bundle.
    Both,
}

impl ModelChoice {
    fn names(self) -> &'static [&'static str] {
        match self {
            ModelChoice::Logistic => &["logistic"],
            ModelChoice::Gbm => &["gbm"],
            ModelChoice::Both => &["logistic", "gbm"],
        }
    }
}

/// Everything `train` needs, already checked.
#[derive(Debug, Clone)]
pub struct TrainPlan {
    /// History file.
    pub data: PathBuf,
    /// Where to write the bundle.
    pub out: PathBuf,
    /// Merged configuration (file + flags).
    pub config: TrainConfig,
    /// Train even if the leakage guard flags columns.
    pub allow_leaky: bool,
    /// Models to fit.
    pub models: ModelChoice,
    /// The model reported as `probability` (default: the better held-out AUC).
    pub primary: Option<String>,
}

/// Errors while training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Config problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The file could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A value or column problem.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// No target column named.
    #[error("{path}: no target column given; pass --target COLUMN or set data.target in the config")]
    NoTarget {
        /// The data file.
        path: PathBuf,
    },
    /// The leakage guard stopped training.
    #[error("{path}: {} column(s) look filled in after the outcome: {}. No model was written. Exclude them (--exclude), keep them on purpose (--keep), or pass --allow-leaky", flagged.len(), flagged.iter().map(|c| format!("\"{}\"", c.column)).collect::<Vec<_>>().join(", "))]
    Leakage {
        /// The data file.
        path: PathBuf,
        /// The flagged columns with their figures.
        flagged: Vec<ColumnCheck>,
    },
    /// No usable feature columns remain.
    #[error("{path}: no feature columns left after excluding the id, the target and excluded columns")]
    NoFeatures {
        /// The data file.
        path: PathBuf,
    },
    /// Model fitting failed.
    #[error(transparent)]
    Logistic(#[from] LogisticError),
    /// Boosted-tree fitting failed.
    #[error(transparent)]
    Gbm(#[from] crate::models::gbm::GbmFitError),
    /// Scoring held-out rows failed.
    #[error(transparent)]
    Score(#[from] crate::models::ScoreError),
    /// `--primary` names a model that was not fitted.
    #[error("--primary {0}: that model was not fitted (fitted: {1})")]
    Primary(String, String),
    /// Evaluation failed (e.g. a hold-out without both classes).
    #[error("evaluation: {0}; use more history or a larger hold-out")]
    Metric(#[from] MetricError),
    /// Saving failed.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// Reading the data file for its checksum failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What training produced.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The saved bundle.
    pub bundle: Bundle,
    /// Human-readable report.
    pub report: String,
}

/// Fits the pipeline and every chosen model on `rows`.
#[allow(clippy::too_many_arguments)]
fn fit_models(
    frame: &LeadFrame,
    rows: &[usize],
    y: &[bool],
    inputs: &[InputColumn],
    missing: &MissingTokens,
    cfg: &TrainConfig,
    choice: ModelChoice,
    progress: &mut dyn FnMut(&str),
) -> Result<(FittedPipeline, Vec<FittedModel>), TrainError> {
    let settings = PipelineSettings {
        min_category_count: cfg.features.min_category_count,
        max_categories: cfg.features.max_categories,
        reference_date: cfg.data.reference_date,
    };
    let pipeline = FittedPipeline::fit(frame, rows, inputs, missing, &settings)?;
    let enc = pipeline.transform(frame, Some(rows))?;
    let mut models = Vec::new();
    for name in choice.names() {
        let started = std::time::Instant::now();
        let model = match *name {
            "logistic" => {
                let params = LogisticParams {
                    l2: cfg.logistic.l2,
                    max_iterations: cfg.logistic.max_iterations,
                    tolerance: cfg.logistic.tolerance,
                };
                FittedModel::Logistic(params.fit(&enc.design, y)?)
            }
            _ => {
                let m = cfg.gbm.fit(&enc.tree, y, &pipeline.categorical_columns(), cfg.evaluation.seed)?;
                FittedModel::Gbm(Box::new(m))
            }
        };
        progress(&format!("fitted {} on {} rows in {:.2} s", name, rows.len(), started.elapsed().as_secs_f64()));
        models.push(model);
    }
    Ok((pipeline, models))
}

/// P(converted) from every model for `rows`, encoding them once (the models share the pipeline).
fn predict_all(
    frame: &LeadFrame,
    rows: &[usize],
    pipeline: &FittedPipeline,
    models: &[FittedModel],
) -> Result<Vec<Vec<f64>>, TrainError> {
    let enc = pipeline.transform(frame, Some(rows))?;
    Ok(models.iter().map(|m| m.predict(&enc)).collect::<Result<_, _>>()?)
}

/// Grade cut-offs: configured, else quantiles of held-out probabilities so that about 10%
/// of leads are A, 20% B, 30% C and 40% D.
fn grade_cuts(cfg: &TrainConfig, heldout: &[f64]) -> GradeCuts {
    if let (Some(a), Some(b), Some(c)) = (cfg.grades.a, cfg.grades.b, cfg.grades.c) {
        return GradeCuts { a, b, c, source: "configured".into() };
    }
    let mut s = heldout.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let q = |f: f64| s[((s.len() as f64 * f) as usize).min(s.len() - 1)];
    GradeCuts {
        a: q(0.9),
        b: q(0.7),
        c: q(0.4),
        source: "hold-out quantiles: top 10% A, next 20% B, next 30% C".into(),
    }
}

/// Probabilities that differ by no more than this are "the same probability": a model whose
/// predictions span less than this learned nothing a grade or a ranking could use.
pub const FLAT_SPREAD: f64 = 1e-9;

/// The warning for a model whose probabilities on `probs` (the bundled model's predictions
/// on held-out rows, or on every row for a refitted CV model) are all the same, with what to
/// change; `None` when they differ.
pub fn flat_model_warning(model: &FittedModel, probs: &[f64], on: &str, cfg: &TrainConfig) -> Option<String> {
    let lo = probs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = probs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if probs.is_empty() || hi - lo > FLAT_SPREAD {
        return None;
    }
    let advice = match model {
        FittedModel::Gbm(m) if m.trees.num_trees() == 0 => format!(
            "it kept 0 trees: no split met --min-data-in-leaf {} (or the gain threshold); lower --min-data-in-leaf or raise --num-trees",
            cfg.gbm.min_data_in_leaf
        ),
        FittedModel::Gbm(_) => {
            format!("lower --min-data-in-leaf (now {}) or --l2 of the trees, or add columns that carry signal", cfg.gbm.min_data_in_leaf)
        }
        FittedModel::Logistic(_) => {
            let l2 = cfg.logistic.l2;
            let l2 = if l2.abs() >= 1e6 { format!("{l2:e}") } else { l2.to_string() };
            format!("--l2 {l2} penalises every coefficient to zero; lower it (the default is 1.0)")
        }
    };
    Some(format!(
        "model {} gives every lead the same probability ({lo:.4} on all {} {on}): it learned nothing, so its ranking, percentiles and grades are arbitrary; {advice}",
        model.name(),
        probs.len()
    ))
}

/// Runs training end to end and saves the bundle. `progress` receives one line per stage.
pub fn train(plan: &TrainPlan, progress: &mut dyn FnMut(&str)) -> Result<TrainOutcome, TrainError> {
    let cfg = &plan.config;
    cfg.check("configuration")?;
    let path = plan.data.as_path();
    let target = cfg.data.target.clone().ok_or_else(|| TrainError::NoTarget { path: path.to_path_buf() })?;
    progress(&format!("reading {}", path.display()));
    // One read gives the rows and the digest the bundle records, so a pipe works.
    let (df, data_sha256) = read_table_hashed(path)?;
    let frame = LeadFrame { df: &df, path, first_row: 1 };
    let missing = MissingTokens::new(&cfg.data.missing_values);
    if let Some(id) = &cfg.data.id {
        frame.text(id, "pass --id COLUMN with a column the file has")?;
    }
    let labels = read_labels_with(&frame, &target, &cfg.data.positive, &cfg.data.negative, &missing)?;
    let rows: Vec<usize> = labels.rows.iter().map(|r| r.0).collect();
    let y: Vec<bool> = labels.rows.iter().map(|r| r.1).collect();
    let rules = SchemaRules {
        id: cfg.data.id.as_deref(),
        target: &target,
        exclude: &cfg.data.exclude,
        types: &cfg.data.types,
        date_column: cfg.data.date_column.as_deref(),
        missing: &missing,
    };
    let mut inputs = resolve_columns(&frame, &rows, &rules)?;
    // A column blank in every labelled row carries nothing to learn; its inferred kind would
    // be a guess. Left out, and said so in the report.
    let mut blank_columns = Vec::new();
    inputs.retain(|c| {
        let Ok(text) = frame.text(&c.name, "") else { return true };
        let any = !c.inferred || rows.iter().any(|&i| missing.clean(text.get(i)).is_some());
        if !any {
            blank_columns.push(c.name.clone());
        }
        any
    });
    if inputs.iter().all(|c| matches!(c.kind, ColumnKind::Id)) {
        return Err(TrainError::NoFeatures { path: path.to_path_buf() });
    }
    if plan.models.names().contains(&"gbm") {
        // The pipeline keeps inputs in order, minus ids: the tree matrix's columns.
        let used: Vec<&InputColumn> =
            inputs.iter().filter(|c| !matches!(c.kind, ColumnKind::Id | ColumnKind::Ignore)).collect();
        let names: Vec<String> = used.iter().map(|c| c.name.clone()).collect();
        let cats: Vec<usize> =
            used.iter().enumerate().filter(|(_, c)| c.kind == ColumnKind::Categorical).map(|(i, _)| i).collect();
        cfg.gbm.check(&names, &cats)?;
    }
    crate::features::pipeline::check_values(&frame, &inputs, &rows, &missing)?;
    progress("checking columns for leakage");
    let checks = check_columns(&frame, &inputs, &rows, &y, &missing, &cfg.leakage, cfg.evaluation.seed)?;
    let flagged: Vec<ColumnCheck> =
        checks.iter().filter(|c| !c.reasons.is_empty() && !cfg.data.keep.contains(&c.column)).cloned().collect();
    if !flagged.is_empty() && !plan.allow_leaky {
        return Err(TrainError::Leakage { path: path.to_path_buf(), flagged });
    }
    let kept_flagged: Vec<String> = checks.iter().filter(|c| !c.reasons.is_empty()).map(|c| c.column.clone()).collect();

    let seed = cfg.evaluation.seed;
    let names = plan.models.names();
    let pick = |idx: &[usize]| -> (Vec<usize>, Vec<bool>) {
        (idx.iter().map(|&k| rows[k]).collect(), idx.iter().map(|&k| y[k]).collect())
    };
    // Per model: its evaluation and its held-out probabilities.
    let (pipeline, models, evaluations, heldout, fit_rows) = if cfg.evaluation.cv >= 2 {
        let folds = stratified_folds(&y, cfg.evaluation.cv, seed);
        let mut oof = vec![vec![f64::NAN; y.len()]; names.len()];
        let mut fold_auc = vec![Vec::new(); names.len()];
        for (f, Split { train, test }) in folds.iter().enumerate() {
            progress(&format!("fold {}/{}", f + 1, folds.len()));
            let (tr_rows, tr_y) = pick(train);
            let (te_rows, te_y) = pick(test);
            let (p, ms) = fit_models(&frame, &tr_rows, &tr_y, &inputs, &missing, cfg, plan.models, progress)?;
            for (k, probs) in predict_all(&frame, &te_rows, &p, &ms)?.into_iter().enumerate() {
                fold_auc[k].push(crate::evaluation::metrics::roc_auc(&probs, &te_y)?);
                for (&i, pr) in test.iter().zip(probs) {
                    oof[k][i] = pr;
                }
            }
        }
        let mut evals = Vec::new();
        for k in 0..names.len() {
            let method = EvaluationMethod::CrossValidation { folds: folds.len(), fold_auc: fold_auc[k].clone() };
            evals.push(Evaluation::compute(method, &oof[k], &y)?);
        }
        progress("refitting on all labelled rows");
        let (p, ms) = fit_models(&frame, &rows, &y, &inputs, &missing, cfg, plan.models, progress)?;
        (p, ms, evals, oof, rows.len())
    } else {
        let share = cfg.evaluation.holdout;
        let (split, method) = match &cfg.data.date_column {
            Some(col) => {
                let text = frame.text(col, "fix --date-column")?;
                // Blank dates sort as oldest; a value that is not a date is an error (a
                // numeric column named by mistake would otherwise give a silent random split).
                let mut days = Vec::with_capacity(rows.len());
                for &i in &rows {
                    days.push(match missing.clean(text.get(i)) {
                        None => f64::NAN,
                        Some(v) => match parse_date(v) {
                            Some(d) => chrono::Datelike::num_days_from_ce(&d) as f64,
                            None => return Err(frame
                                .bad_value(
                                    col,
                                    i,
                                    v,
                                    "a date",
                                    "--date-column must name a column of dates (YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY)"
                                        .into(),
                                )
                                .into()),
                        },
                    });
                }
                if days.iter().all(|d| d.is_nan()) {
                    return Err(frame
                        .bad_value(
                            col,
                            rows.first().copied().unwrap_or(0),
                            "",
                            "a date",
                            "every labelled row's date is blank".into(),
                        )
                        .into());
                }
                (time_ordered_holdout(&days, share), EvaluationMethod::TimeOrdered { share, column: col.clone() })
            }
            None => (stratified_holdout(&y, share, seed), EvaluationMethod::Holdout { share }),
        };
        let (tr_rows, tr_y) = pick(&split.train);
        let (te_rows, te_y) = pick(&split.test);
        progress(&format!("fitting on {} rows, holding out {}", tr_rows.len(), te_rows.len()));
        let (p, ms) = fit_models(&frame, &tr_rows, &tr_y, &inputs, &missing, cfg, plan.models, progress)?;
        let mut evals = Vec::new();
        let mut held = Vec::new();
        for probs in predict_all(&frame, &te_rows, &p, &ms)? {
            evals.push(Evaluation::compute(method.clone(), &probs, &te_y)?);
            held.push(probs);
        }
        (p, ms, evals, held, tr_rows.len())
    };
    let primary = match &plan.primary {
        Some(want) => {
            names.iter().position(|n| n == want).ok_or_else(|| TrainError::Primary(want.clone(), names.join(", ")))?
        }
        None => (0..names.len()).max_by(|&a, &b| evaluations[a].auc.total_cmp(&evaluations[b].auc)).unwrap_or(0),
    };
    // A model that learned nothing: judged on the bundled model's own predictions (for CV,
    // the refitted model on every labelled row; fold models may differ by their intercepts).
    let mut warnings: Vec<String> = blank_columns
        .iter()
        .map(|c| format!("column \"{c}\" is blank in every labelled row: left out of the models"))
        .collect();
    let refit_probs = if cfg.evaluation.cv >= 2 { Some(predict_all(&frame, &rows, &pipeline, &models)?) } else { None };
    for (k, model) in models.iter().enumerate() {
        let (probs, on) = match &refit_probs {
            Some(p) => (&p[k], "labelled leads"),
            None => (&heldout[k], "held-out leads"),
        };
        warnings.extend(flat_model_warning(model, probs, on, cfg));
    }
    let heldout_probs = heldout[primary].clone();
    let grades = grade_cuts(cfg, &heldout_probs);
    let name = plan.out.file_stem().and_then(|s| s.to_str()).unwrap_or("model").to_string();
    let mut bundle = Bundle {
        format: FORMAT.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        name,
        id_column: cfg.data.id.clone(),
        target: TargetSpec {
            column: target.clone(),
            positive: labels.positive.clone(),
            negative: cfg.data.negative.clone(),
        },
        schema: inputs.clone(),
        pipeline,
        primary: names[primary].to_string(),
        models: models
            .into_iter()
            .zip(evaluations)
            .map(|(model, evaluation)| ModelEntry { model, evaluation })
            .collect(),
        grades,
        leakage: checks,
        training: TrainingInfo {
            data_file: path.display().to_string(),
            data_sha256,
            rows_in_file: df.height(),
            labelled_rows: rows.len(),
            skipped_unlabelled: labels.skipped,
            conversions: y.iter().filter(|&&c| c).count(),
            fit_rows,
            seed,
            trained_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            leadscore_version: env!("CARGO_PKG_VERSION").into(),
            crate_versions: crate::versions(),
            kept_flagged_columns: if plan.allow_leaky { kept_flagged } else { cfg.data.keep.clone() },
        },
        checksum: String::new(),
    };
    bundle.save(&plan.out)?;
    let report = crate::report::train_report(&bundle, &warnings);
    Ok(TrainOutcome { bundle, report })
}

/// The default bundle path for a name: `models/<name>.json`.
pub fn default_bundle_path(name: &str) -> PathBuf {
    Path::new("models").join(format!("{name}.json"))
}
