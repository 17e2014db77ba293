//! `leadscore train`: fit models on lead history and write a model bundle.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{check_outputs, print_out, split_list, Outcome};
use leadscore::config::TrainConfig;
use leadscore::data::typing::ColumnKind;
use leadscore::models::gbm::GbmSettings;
use leadscore::models::ModelKind;
use leadscore::present::train::guard_stop_report;
use leadscore::train::{default_bundle_path, train, Dedupe, ModelChoice, TrainError, TrainPlan};

/// Models `--model` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// L2-regularised logistic regression.
    Logistic,
    /// Gradient-boosted trees (calibrated, with TreeSHAP reasons).
    Gbm,
    /// Both in one bundle; `probability` comes from the better one on held-out AUC.
    Both,
}

/// Which copy of a duplicated lead id `--dedupe` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DedupeArg {
    /// Each id's first row in the file.
    First,
    /// Each id's last row in the file.
    Last,
}

/// Arguments of `leadscore train`. Flags override the `--config` file.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// History file (CSV, Parquet or NDJSON) with an outcome column.
    #[arg(long)]
    pub data: PathBuf,
    /// Outcome column.
    #[arg(long)]
    pub target: Option<String>,
    /// Value(s) of the outcome meaning converted (comma-separated); others are dead.
    #[arg(long, value_delimiter = ',')]
    pub positive: Vec<String>,
    /// Value(s) meaning dead (comma-separated). With it, other values (open pipeline stages)
    /// are not history: those rows are skipped.
    #[arg(long, value_delimiter = ',')]
    pub negative: Vec<String>,
    /// Identifier column (never a feature).
    #[arg(long)]
    pub id: Option<String>,
    /// Columns to leave out (comma-separated, repeatable).
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Columns the leakage guard flags that you keep on purpose (comma-separated).
    #[arg(long)]
    pub keep: Vec<String>,
    /// Cell values meaning missing, e.g. Select (comma-separated).
    #[arg(long)]
    pub missing_values: Vec<String>,
    /// Column kinds, e.g. "Lead Number=id,Score=numeric" (numeric, categorical, boolean, date, id, ignore).
    #[arg(long)]
    pub types: Vec<String>,
    /// Date column: hold out the newest leads instead of a random share.
    #[arg(long)]
    pub date_column: Option<String>,
    /// Model(s) to fit.
    #[arg(long, value_enum, default_value_t = ModelArg::Logistic)]
    pub model: ModelArg,
    /// TOML config file (see README); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Seed for splits.
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Share of history held out for evaluation.
    #[arg(long, allow_negative_numbers = true)]
    pub holdout: Option<f64>,
    /// k-fold cross-validation instead of one hold-out.
    #[arg(long, allow_negative_numbers = true)]
    pub cv: Option<usize>,
    /// L2 penalty of the logistic regression (scikit-learn's 1/C).
    #[arg(long, allow_negative_numbers = true)]
    pub l2: Option<f64>,
    /// With --model both: the model reported as `probability` [default: better held-out AUC].
    #[arg(long, value_parser = parse_model_kind)]
    pub primary: Option<ModelKind>,
    /// Boosted trees: maximum number of trees [config gbm.num_trees; default 500].
    #[arg(long, allow_negative_numbers = true)]
    pub num_trees: Option<usize>,
    /// Boosted trees: learning rate [default 0.05].
    #[arg(long, allow_negative_numbers = true)]
    pub learning_rate: Option<f64>,
    /// Boosted trees: maximum leaves per tree [default 31].
    #[arg(long, allow_negative_numbers = true)]
    pub num_leaves: Option<usize>,
    /// Boosted trees: maximum depth, -1 = unlimited [default -1].
    #[arg(long, allow_hyphen_values = true)]
    pub max_depth: Option<i32>,
    /// Boosted trees: minimum rows per leaf [default 20].
    #[arg(long, allow_negative_numbers = true)]
    pub min_data_in_leaf: Option<usize>,
    /// Boosted trees: early-stopping patience in trees, 0 = off [default 50].
    #[arg(long, allow_negative_numbers = true)]
    pub early_stopping_rounds: Option<usize>,
    /// Boosted trees: seconds the inner cross-validation and the search of settings may take,
    /// planned from the data's size before fitting (the bundle does not depend on the
    /// machine's load) [config gbm.time_budget; default 180].
    #[arg(long, allow_negative_numbers = true)]
    pub time_budget: Option<f64>,
    /// Boosted trees: monotone constraints, e.g. "webinars_attended=+1,unsubscribed=-1".
    #[arg(long)]
    pub monotone: Vec<String>,
    /// One model per value of this column (B2B and B2C, a source, a region), with the global
    /// model for segments with too few outcomes [config segments.column].
    #[arg(long)]
    pub segment_column: Option<String>,
    /// Converted, and dead, training leads a segment needs for its own model [config
    /// segments.min_outcomes; default 50].
    #[arg(long, allow_negative_numbers = true)]
    pub min_segment_outcomes: Option<usize>,
    /// Route by segment even when the segments do not beat the single model on the hold-out.
    #[arg(long)]
    pub keep_segments: bool,
    /// Train even if the leakage guard flags columns (they are recorded in the bundle).
    #[arg(long)]
    pub allow_leaky: bool,
    /// A lead id that appears more than once in history: keep its first or its last row
    /// [default: an error naming the id and its rows].
    #[arg(long, value_enum)]
    pub dedupe: Option<DedupeArg>,
    /// Write the bundle even when no model beats predicting the base rate (it is marked weak).
    #[arg(long)]
    pub allow_weak: bool,
    /// Signing key.
    #[command(flatten)]
    pub sign: super::SignKeyArg,
    /// Bundle to write [default: models/<data file name>.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print only errors and warnings (both on stderr).
    #[arg(long)]
    pub quiet: bool,
}

impl TrainArgs {
    /// Merges flags over the config file into a plan.
    pub fn into_plan(self) -> anyhow::Result<TrainPlan> {
        let mut cfg = match &self.config {
            Some(p) => TrainConfig::parse_file(p)?,
            None => TrainConfig::default(),
        };
        // The file's values alone, to tell whether the flags changed any.
        let from_file = serde_json::to_value(&cfg)?;
        self.apply_gbm_flags(&mut cfg.gbm)?;
        let d = &mut cfg.data;
        if let Some(t) = self.target {
            d.target = Some(t);
        }
        if !self.negative.is_empty() {
            d.negative = self.negative.iter().map(|s| s.trim().to_string()).collect();
        }
        if !self.positive.is_empty() {
            d.positive = self.positive.iter().map(|s| s.trim().to_string()).collect();
        }
        if let Some(id) = self.id {
            d.id = Some(id);
        }
        d.exclude.extend(split_list(&self.exclude));
        d.keep.extend(split_list(&self.keep));
        d.missing_values.extend(split_list(&self.missing_values));
        for t in split_list(&self.types) {
            let (col, kind) =
                t.rsplit_once('=').ok_or_else(|| anyhow::anyhow!("--types \"{t}\": expected COLUMN=KIND"))?;
            let kind: ColumnKind = serde_json::from_value(serde_json::Value::String(kind.trim().to_lowercase()))
                .map_err(|_| {
                    anyhow::anyhow!("--types \"{t}\": kind must be numeric, categorical, boolean, date, id or ignore")
                })?;
            d.types.insert(col.trim().to_string(), kind);
        }
        if let Some(c) = self.date_column {
            d.date_column = Some(c);
        }
        if let Some(s) = self.seed {
            cfg.evaluation.seed = s;
        }
        if let Some(h) = self.holdout {
            cfg.evaluation.holdout = h;
        }
        if let Some(k) = self.cv {
            cfg.evaluation.cv = k;
        }
        if let Some(l2) = self.l2 {
            cfg.logistic.l2 = l2;
        }
        if let Some(c) = self.segment_column {
            cfg.segments.column = Some(c);
        }
        if let Some(m) = self.min_segment_outcomes {
            cfg.segments.min_outcomes = m;
        }
        cfg.segments.keep |= self.keep_segments;
        // Checked once, naming where the values came from.
        let source = match &self.config {
            Some(p) if serde_json::to_value(&cfg)? == from_file => p.display().to_string(),
            Some(p) => format!("{} with the command-line flags", p.display()),
            None => "command-line flags".to_string(),
        };
        let cfg = cfg.check(&source)?;
        let out = self
            .out
            .unwrap_or_else(|| default_bundle_path(self.data.file_stem().and_then(|s| s.to_str()).unwrap_or("model")));
        let models = match self.model {
            ModelArg::Logistic => ModelChoice::Logistic,
            ModelArg::Gbm => ModelChoice::Gbm,
            ModelArg::Both => ModelChoice::Both,
        };
        Ok(TrainPlan {
            data: self.data,
            out,
            config: cfg,
            allow_leaky: self.allow_leaky,
            allow_weak: self.allow_weak,
            dedupe: self.dedupe.map(|d| match d {
                DedupeArg::First => Dedupe::First,
                DedupeArg::Last => Dedupe::Last,
            }),
            models,
            primary: self.primary,
            sign_key: self.sign.load()?,
        })
    }

    /// The boosted-tree flags over the config's `[gbm]`.
    fn apply_gbm_flags(&self, g: &mut GbmSettings) -> anyhow::Result<()> {
        if let Some(v) = self.num_trees {
            g.engine.num_trees = v;
        }
        if let Some(v) = self.learning_rate {
            g.engine.learning_rate = v;
        }
        if let Some(v) = self.num_leaves {
            g.engine.num_leaves = v;
        }
        if let Some(v) = self.max_depth {
            g.engine.max_depth = v;
        }
        if let Some(v) = self.min_data_in_leaf {
            g.engine.min_data_in_leaf = v;
        }
        if let Some(v) = self.early_stopping_rounds {
            g.engine.early_stopping_rounds = (v > 0).then_some(v);
        }
        if let Some(v) = self.time_budget {
            g.fitting.time_budget = v;
        }
        for m in split_list(&self.monotone) {
            let (col, dir) = m
                .rsplit_once('=')
                .ok_or_else(|| anyhow::anyhow!("--monotone \"{m}\": expected COLUMN=+1 or COLUMN=-1"))?;
            let dir: i8 = match dir.trim() {
                "+1" | "1" => 1,
                "-1" => -1,
                "0" => 0,
                other => anyhow::bail!("--monotone \"{m}\": direction \"{other}\" must be +1, -1 or 0"),
            };
            g.fitting.monotone.insert(col.trim().to_string(), dir);
        }
        Ok(())
    }
}

/// `--primary`: a model kind.
fn parse_model_kind(s: &str) -> Result<ModelKind, String> {
    ModelKind::parse(s).ok_or_else(|| format!("\"{s}\" is not a model: use logistic or gbm"))
}

/// Runs `train`.
pub fn run(args: TrainArgs) -> anyhow::Result<Outcome> {
    let quiet = args.quiet;
    let config = args.config.clone();
    let plan = args.into_plan()?;
    check_outputs(
        &[("--out", Some(plan.out.as_path()))],
        &[("--data", Some(plan.data.as_path())), ("--config", config.as_deref())],
    )?;
    let mut progress = |msg: &str| {
        if !quiet {
            eprintln!("... {msg}");
        }
    };
    match train(&plan, &mut progress) {
        Ok(outcome) => {
            use leadscore::present::train::{train_report, train_warnings};
            // Warnings go to stderr even with --quiet: a nightly job's log should have them.
            super::print_warnings(&train_warnings(&outcome.bundle, &outcome.warnings));
            if !quiet {
                print_out(&train_report(&outcome.bundle, &outcome.notes))?;
                print_out(&format!("bundle written to {}\n", plan.out.display()))?;
            }
            Ok(Outcome::Ok)
        }
        Err(TrainError::NoSignal { path, why, outcome }) => {
            let o = &outcome;
            super::print_warnings(&leadscore::present::train::train_warnings(&o.bundle, &o.warnings));
            if !quiet {
                print_out(&leadscore::present::train::train_report(&o.bundle, &o.notes))?;
            }
            eprintln!("error: {}", TrainError::NoSignal { path, why, outcome });
            Ok(Outcome::Problems)
        }
        Err(TrainError::Leakage { path, flagged, checks }) => {
            eprint!("{}", guard_stop_report(&flagged, &checks));
            eprintln!("error: {}", TrainError::Leakage { path, flagged, checks: Vec::new() });
            Ok(Outcome::Problems)
        }
        Err(e) => Err(e.into()),
    }
}
