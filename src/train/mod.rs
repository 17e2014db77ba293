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

use crate::bundle::{
    Bundle, BundleError, GradeCuts, ModelEntry, ScoreReference, SignKey, TrainingInfo, FORMAT, FORMAT_MAJOR,
    FORMAT_MINOR,
};
use crate::config::{CheckedConfig, ConfigError, TrainConfig};
use crate::data::load::LoadError;
use crate::data::typing::{day_numbers, read_dates, LeadFrame, TargetSpec, TypingError};
use crate::evaluation::metrics::MetricError;
use crate::evaluation::split::{stratified_folds, Split};
use crate::evaluation::{Evaluation, EvaluationMethod, Signal};
use crate::features::pipeline::PipelineSettings;
use crate::features::FittedPipeline;
use crate::leakage::{ColumnCheck, LeakageError};
use crate::models::logistic::LogisticError;
use crate::models::{FittedModel, ModelKind};

mod history;
mod notes;
mod segments;

pub use history::Dedupe;
use history::{guard, straddling, History};
use notes::{data_notes, fit_warnings};

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
    /// The models fitted, in bundle order.
    pub fn kinds(self) -> &'static [ModelKind] {
        match self {
            ModelChoice::Logistic => &[ModelKind::Logistic],
            ModelChoice::Gbm => &[ModelKind::Gbm],
            ModelChoice::Both => &ModelKind::ALL,
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
    /// Merged configuration (file + flags), checked.
    pub config: CheckedConfig,
    /// Train even if the leakage guard flags columns.
    pub allow_leaky: bool,
    /// Models to fit.
    pub models: ModelChoice,
    /// The model reported as `probability` (default: the better held-out AUC).
    pub primary: Option<ModelKind>,
    /// Which copy of a lead id seen more than once to keep (`None`: duplicates are an error).
    pub dedupe: Option<Dedupe>,
    /// Write the bundle even when no model beats predicting the base rate.
    pub allow_weak: bool,
    /// Sign the bundle with this key (see [`crate::bundle::sign`]).
    pub sign_key: Option<SignKey>,
}

/// Errors while training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Config problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `[features.groups]` does not fit the model's inputs.
    #[error(transparent)]
    Groups(#[from] crate::features::groups::GroupError),
    /// The file could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A value or column problem.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// A joined table problem.
    #[error(transparent)]
    Join(#[from] crate::data::join::JoinError),
    /// No target column named.
    #[error("{path}: no target column given; pass --target COLUMN or set data.target in the config")]
    NoTarget {
        /// The data file.
        path: PathBuf,
    },
    /// The leakage guard stopped training.
    #[error("{path}: {} column(s) look recorded during or after contact: {}. No model was written. Exclude them (--exclude, or data.exclude in the config), keep them on purpose if they are known when a lead arrives (--keep, or data.keep), or pass --allow-leaky", flagged.len(), flagged.iter().map(|c| format!("\"{}\"", c.column)).collect::<Vec<_>>().join(", "))]
    Leakage {
        /// The data file.
        path: PathBuf,
        /// The columns that stop training, with their figures.
        flagged: Vec<ColumnCheck>,
        /// Every column's figures and verdict.
        checks: Vec<ColumnCheck>,
    },
    /// The leakage guard's screening model failed.
    #[error(transparent)]
    Guard(#[from] LeakageError),
    /// A lead id appears more than once among the labelled rows.
    #[error("{path}: lead id \"{id}\" (column \"{column}\") appears {} times, in rows {}; {ids} id(s) appear more than once ({extra} extra rows). Each lead must appear once in history, or the hold-out holds copies of training leads: remove the copies, or pass --dedupe first (keep each id's first row) or --dedupe last (its last row)", rows.len(), rows.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", "))]
    DuplicateIds {
        /// The data file.
        path: PathBuf,
        /// The id column.
        column: String,
        /// The first id seen more than once.
        id: String,
        /// Its 1-based data rows.
        rows: Vec<usize>,
        /// Ids seen more than once.
        ids: usize,
        /// Rows beyond the first of each such id.
        extra: usize,
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
    /// Predicting held-out rows failed (the boosted-tree engine refused the matrix).
    #[error("boosted trees: {0}")]
    Predict(#[from] leadscore_gbm::GbmError),
    /// No model beats predicting the base rate; nothing was written.
    #[error("{path}: no usable signal: no model beats predicting the base rate ({}). No bundle was written: its ranking and grades would be arbitrary. Add columns known when a lead arrives that carry signal, use more history, or pass --allow-weak to write a bundle marked weak", why.join("; "))]
    NoSignal {
        /// The data file.
        path: PathBuf,
        /// Why, per model.
        why: Vec<String>,
        /// What training found, for the report (the bundle that was not written).
        outcome: Box<TrainOutcome>,
    },
    /// `--primary` names a model that shows no usable signal while another does.
    #[error("--primary {want}: {want} shows no usable signal on the hold-out while {} does; drop --primary (the better model is chosen) or fix what {want} is fitted on", usable.join(", "))]
    WeakPrimary {
        /// The model asked for.
        want: ModelKind,
        /// The models that show a signal.
        usable: Vec<&'static str>,
    },
    /// `--primary` names a model that was not fitted.
    #[error("--primary {0}: that model was not fitted (fitted: {1})")]
    Primary(ModelKind, String),
    /// Evaluation failed (e.g. a hold-out without both classes).
    #[error("evaluation: {0}; use more history or a larger hold-out")]
    Metric(#[from] MetricError),
    /// Saving failed.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The hold-out leaves training rows of one outcome only.
    #[error("{path}: --holdout {share} leaves {rows} lead(s) to fit on ({positives} converted, {} dead); fitting needs both outcomes: lower --holdout (e.g. 0.2) or use more history", rows - positives)]
    OneClassTraining {
        /// The data file.
        path: PathBuf,
        /// The hold-out share.
        share: f64,
        /// Training rows left.
        rows: usize,
        /// Converted among them.
        positives: usize,
    },
    /// No held-out probabilities to set grade cut-offs from.
    #[error("no held-out leads to set grade cut-offs from; use more history or a larger --holdout, or set grades.a, grades.b and grades.c in the config")]
    NoHeldout,
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
    /// What the analyst should know about the fit (a model that learned nothing, a blank
    /// column left out); printed at the end of the report ([`crate::present::train`]).
    pub warnings: Vec<String>,
    /// What training decided about the data: personal columns left out, duplicate ids
    /// resolved, copies straddling the split; printed after the feature line.
    pub notes: Vec<String>,
}

/// Fits the pipeline and every chosen model on `rows` of the history.
fn fit_models(
    h: &History,
    rows: &[usize],
    y: &[bool],
    plan: &TrainPlan,
    progress: &mut dyn FnMut(&str),
) -> Result<(FittedPipeline, Vec<FittedModel>), TrainError> {
    let cfg = &plan.config;
    let settings = pipeline_settings(plan);
    let frame = h.frame(&plan.data);
    let mut pipeline = FittedPipeline::fit(&frame, rows, &h.inputs, &h.missing, &settings)?;
    let inputs: Vec<String> = pipeline.columns.iter().map(|c| c.name.clone()).collect();
    pipeline.groups = crate::features::groups::resolve(&cfg.features.groups, &inputs)?;
    let enc = pipeline.transform(&frame, Some(rows))?;
    let models = fit_kinds(plan, &pipeline, &enc, y, "", progress)?;
    Ok((pipeline, models))
}

/// Fits every chosen model on rows already encoded by `pipeline`; `what` names the rows in
/// the progress lines ("" for the global models, " of segment \"B2C\"").
fn fit_kinds(
    plan: &TrainPlan,
    pipeline: &FittedPipeline,
    enc: &crate::features::Encoded,
    y: &[bool],
    what: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<FittedModel>, TrainError> {
    let cfg = &plan.config;
    let mut models = Vec::new();
    for &kind in plan.models.kinds() {
        let started = std::time::Instant::now();
        let model = match kind {
            ModelKind::Logistic => FittedModel::Logistic(cfg.logistic().fit(&enc.design, y)?),
            ModelKind::Gbm => {
                let m = cfg.gbm.fit(&enc.tree, y, &pipeline.categorical_columns(), cfg.evaluation.seed)?;
                FittedModel::Gbm(Box::new(m))
            }
        };
        let secs = started.elapsed().as_secs_f64();
        progress(&format!("fitted {kind} on {} rows{what} in {secs:.2} s", y.len()));
        models.push(model);
    }
    Ok(models)
}

/// How the feature pipeline is fitted, from the config.
fn pipeline_settings(plan: &TrainPlan) -> PipelineSettings {
    let cfg = &plan.config;
    PipelineSettings {
        min_category_count: cfg.features.min_category_count,
        max_categories: cfg.features.max_categories,
        reference_date: cfg.data.reference_date,
    }
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
fn grade_cuts(cfg: &CheckedConfig, heldout: &[f64]) -> Result<GradeCuts, TrainError> {
    if let (Some(a), Some(b), Some(c)) = (cfg.grades.a, cfg.grades.b, cfg.grades.c) {
        return Ok(GradeCuts { a, b, c, source: "configured".into() });
    }
    GradeCuts::from_quantiles(heldout).ok_or(TrainError::NoHeldout)
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
            cfg.gbm.engine.min_data_in_leaf
        ),
        FittedModel::Gbm(_) => {
            format!("lower --min-data-in-leaf (now {}) or --l2 of the trees, or add columns that carry signal", cfg.gbm.engine.min_data_in_leaf)
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

/// What fitting produced: the bundled pipeline and models, each model's evaluation and its
/// held-out (or out-of-fold) probabilities, and the rows the bundled models were fitted on.
struct Fitted {
    pipeline: FittedPipeline,
    models: Vec<FittedModel>,
    evaluations: Vec<Evaluation>,
    heldout: Vec<Vec<f64>>,
    fit_rows: usize,
    /// Held-out (or out-of-fold) rows whose feature values equal a training row's.
    straddling: usize,
    /// The hold-out split (positions into the labelled rows); `None` for cross-validation.
    split: Option<Split>,
    /// Cross-validation's folds with the pipeline fitted on each (empty for a hold-out).
    folds: Vec<(Split, FittedPipeline)>,
}

/// k-fold cross-validation, then a refit on every labelled row.
fn cross_validate(plan: &TrainPlan, h: &History, progress: &mut dyn FnMut(&str)) -> Result<Fitted, TrainError> {
    let cfg = &plan.config;
    let n_models = plan.models.kinds().len();
    let folds = stratified_folds(&h.y, cfg.evaluation.cv, cfg.evaluation.seed);
    let mut oof = vec![vec![f64::NAN; h.y.len()]; n_models];
    let mut fold_auc = vec![Vec::new(); n_models];
    let mut straddle = 0;
    let mut fold_pipelines = Vec::new();
    for (f, Split { train, test }) in folds.iter().enumerate() {
        progress(&format!("fold {}/{}", f + 1, folds.len()));
        straddle += straddling(plan, h, train, test)?;
        let (tr_rows, tr_y) = h.pick(train);
        let (te_rows, te_y) = h.pick(test);
        let (p, ms) = fit_models(h, &tr_rows, &tr_y, plan, progress)?;
        for (k, probs) in predict_all(&h.frame(&plan.data), &te_rows, &p, &ms)?.into_iter().enumerate() {
            fold_auc[k].push(crate::evaluation::metrics::roc_auc(&probs, &te_y)?);
            for (&i, pr) in test.iter().zip(probs) {
                oof[k][i] = pr;
            }
        }
        fold_pipelines.push((Split { train: train.clone(), test: test.clone() }, p));
    }
    let mut evaluations = Vec::new();
    for k in 0..n_models {
        let method = EvaluationMethod::CrossValidation { folds: folds.len(), fold_auc: fold_auc[k].clone() };
        let rate = h.y.iter().filter(|&&y| y).count() as f64 / h.y.len() as f64;
        evaluations.push(Evaluation::compute(method, &oof[k], &h.y)?.with_base_rate(rate, &h.y)?);
    }
    progress("refitting on all labelled rows");
    let (pipeline, models) = fit_models(h, &h.rows, &h.y, plan, progress)?;
    let fit_rows = h.rows.len();
    let (heldout, split, folds) = (oof, None, fold_pipelines);
    Ok(Fitted { pipeline, models, evaluations, heldout, fit_rows, straddling: straddle, split, folds })
}

/// The hold-out method of the plan: the newest share by the date column, else stratified.
fn holdout_method(plan: &TrainPlan) -> EvaluationMethod {
    let share = plan.config.evaluation.holdout;
    match &plan.config.data.date_column {
        Some(column) => EvaluationMethod::TimeOrdered { share, column: column.clone() },
        None => EvaluationMethod::Holdout { share },
    }
}

/// The day number of every labelled row by the date column (blank dates sort as oldest); a
/// value that is not a date is an error (a numeric column named by mistake would otherwise
/// give a silent random split), and so is a column blank in every labelled row.
fn labelled_days(plan: &TrainPlan, h: &History, column: &str) -> Result<Vec<f64>, TrainError> {
    let frame = h.frame(&plan.data);
    let fix = "--date-column must name a column of dates (YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY)";
    let dates = read_dates(&frame, column, &h.rows, &h.missing, "fix --date-column", fix)?;
    if dates.iter().all(Option::is_none) {
        let first = h.rows.first().copied().unwrap_or(0);
        return Err(frame.bad_value(column, first, "", "a date", "every labelled row's date is blank".into()).into());
    }
    Ok(day_numbers(&dates))
}

/// One hold-out ([`EvaluationMethod::holdout`]): fit on the rest, evaluate on it.
fn hold_out(plan: &TrainPlan, h: &History, progress: &mut dyn FnMut(&str)) -> Result<Fitted, TrainError> {
    let method = holdout_method(plan);
    let days = match &plan.config.data.date_column {
        Some(column) => Some(labelled_days(plan, h, column)?),
        None => None,
    };
    let split = method.holdout(&h.y, days.as_deref(), plan.config.evaluation.seed).ok_or(TrainError::NoHeldout)?;
    let (tr_rows, tr_y) = h.pick(&split.train);
    let (te_rows, te_y) = h.pick(&split.test);
    let positives = tr_y.iter().filter(|&&y| y).count();
    if positives == 0 || positives == tr_y.len() {
        return Err(TrainError::OneClassTraining {
            path: plan.data.clone(),
            share: plan.config.evaluation.holdout,
            rows: tr_y.len(),
            positives,
        });
    }
    progress(&format!("fitting on {} rows, holding out {}", tr_rows.len(), te_rows.len()));
    let (pipeline, models) = fit_models(h, &tr_rows, &tr_y, plan, progress)?;
    let mut evaluations = Vec::new();
    let mut heldout = Vec::new();
    for probs in predict_all(&h.frame(&plan.data), &te_rows, &pipeline, &models)? {
        let rate = positives as f64 / tr_y.len() as f64;
        evaluations.push(Evaluation::compute(method.clone(), &probs, &te_y)?.with_base_rate(rate, &te_y)?);
        heldout.push(probs);
    }
    let straddling = straddling(plan, h, &split.train, &split.test)?;
    let fit_rows = tr_rows.len();
    Ok(Fitted { pipeline, models, evaluations, heldout, fit_rows, straddling, split: Some(split), folds: Vec::new() })
}

/// The primary model: as asked, else the better held-out AUC among the models that show a
/// usable signal (a weak model is never crowned over a better one); among weak ones only when
/// every model is weak.
fn choose_primary(plan: &TrainPlan, evaluations: &[Evaluation]) -> Result<usize, TrainError> {
    let kinds = plan.models.kinds();
    let weak = |k: usize| matches!(evaluations[k].signal(), Signal::Weak(_));
    let any_usable = (0..kinds.len()).any(|k| !weak(k));
    match plan.primary {
        Some(want) => {
            let k = kinds.iter().position(|&k| k == want).ok_or_else(|| {
                TrainError::Primary(want, kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "))
            })?;
            if weak(k) && any_usable {
                let usable = (0..kinds.len()).filter(|&j| !weak(j)).map(|j| kinds[j].as_str()).collect();
                return Err(TrainError::WeakPrimary { want, usable });
            }
            Ok(k)
        }
        None => Ok((0..kinds.len())
            .filter(|&k| !any_usable || !weak(k))
            .max_by(|&a, &b| evaluations[a].auc.total_cmp(&evaluations[b].auc))
            .unwrap_or(0)),
    }
}

/// Why no model shows a usable signal (one entry per model), or `None` when one does.
fn no_signal(evaluations: &[(String, Evaluation)]) -> Option<Vec<String>> {
    let mut why = Vec::new();
    for (kind, e) in evaluations {
        match e.signal() {
            Signal::Weak(w) => why.push(format!("{kind}: {}", w.join("; "))),
            _ => return None,
        }
    }
    Some(why)
}

/// Runs training end to end and saves the bundle. `progress` receives one line per stage.
pub fn train(plan: &TrainPlan, progress: &mut dyn FnMut(&str)) -> Result<TrainOutcome, TrainError> {
    let cfg = &plan.config;
    let path = plan.data.as_path();
    let h = History::read(plan, progress)?;
    let checks = guard(plan, &h, progress)?;
    let kept_flagged: Vec<String> = checks.iter().filter(|c| c.stops()).map(|c| c.column.clone()).collect();
    let fitted =
        if cfg.evaluation.cv >= 2 { cross_validate(plan, &h, progress)? } else { hold_out(plan, &h, progress)? };
    let primary = choose_primary(plan, &fitted.evaluations)?;
    let mut warnings = fit_warnings(plan, &h, &fitted)?;
    let notes = data_notes(plan, &h, &fitted);
    let grades = grade_cuts(cfg, &fitted.heldout[primary])?;
    let segmentation = match &cfg.segments.column {
        Some(column) => Some(segments::fit(plan, &h, column, &fitted, primary, progress)?),
        None => None,
    };
    let name = plan.out.file_stem().and_then(|s| s.to_str()).unwrap_or("model").to_string();
    let mut bundle = Bundle {
        format: FORMAT.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        name,
        id_column: cfg.data.id.clone(),
        target: TargetSpec {
            column: h.target.clone(),
            positive: h.labels.positive.clone(),
            negative: cfg.data.negative.clone(),
        },
        schema: h.inputs.clone(),
        pipeline: fitted.pipeline,
        primary: plan.models.kinds()[primary],
        models: fitted
            .models
            .into_iter()
            .zip(fitted.evaluations)
            .map(|(model, evaluation)| ModelEntry { model, evaluation })
            .collect(),
        grades,
        leakage: checks,
        training: TrainingInfo {
            data_file: path.display().to_string(),
            data_sha256: h.data_sha256.clone(),
            rows_in_file: h.df.height(),
            labelled_rows: h.rows.len(),
            skipped_unlabelled: h.labels.skipped,
            conversions: h.y.iter().filter(|&&c| c).count(),
            fit_rows: fitted.fit_rows,
            seed: cfg.evaluation.seed,
            trained_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            leadscore_version: env!("CARGO_PKG_VERSION").into(),
            crate_versions: crate::versions(),
            kept_flagged_columns: kept_flagged,
            trained_leads: Some(h.trained_leads(plan)?),
            date_window: h.date_window(plan)?,
        },
        reference: ScoreReference::new(
            &fitted.heldout[primary],
            if cfg.evaluation.cv >= 2 { "out-of-fold" } else { "hold-out" },
        ),
        joins: h.joins.clone(),
        segments: segmentation,
        checksum: String::new(),
        signature: None,
    };
    // A routed bundle is judged by what `score` reports: its routed probabilities.
    let judged: Vec<(String, Evaluation)> = match bundle.routing() {
        Some(s) => {
            warnings.extend(segments::global_warning(&bundle, s));
            vec![(format!("{} routed by segment", bundle.primary), s.evaluation.clone())]
        }
        None => bundle.models.iter().map(|m| (m.model.name().to_string(), m.evaluation.clone())).collect(),
    };
    if let Some(why) = no_signal(&judged) {
        if !plan.allow_weak {
            let outcome = Box::new(TrainOutcome { bundle, warnings, notes });
            return Err(TrainError::NoSignal { path: plan.data.clone(), why, outcome });
        }
        warnings.push(format!(
            "no usable signal ({}); written because of --allow-weak: `thresholds` refuses this bundle and `score` warns on every run",
            why.join("; ")
        ));
    }
    bundle.save_signed(&plan.out, plan.sign_key.as_ref())?;
    Ok(TrainOutcome { bundle, warnings, notes })
}

/// The default bundle path for a name: `models/<name>.json`.
pub fn default_bundle_path(name: &str) -> PathBuf {
    Path::new("models").join(format!("{name}.json"))
}
