//! `leadscore train`: fit models on lead history and write a model bundle.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{print_out, split_list, Outcome};
use crate::config::TrainConfig;
use crate::data::typing::ColumnKind;
use crate::report::leakage_table;
use crate::train::{default_bundle_path, train, ModelChoice, TrainError, TrainPlan};

/// Models `--model` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// L2-regularised logistic regression.
    Logistic,
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
    #[arg(long)]
    pub seed: Option<u64>,
    /// Share of history held out for evaluation.
    #[arg(long)]
    pub holdout: Option<f64>,
    /// k-fold cross-validation instead of one hold-out.
    #[arg(long)]
    pub cv: Option<usize>,
    /// L2 penalty of the logistic regression (scikit-learn's 1/C).
    #[arg(long)]
    pub l2: Option<f64>,
    /// Train even if the leakage guard flags columns (they are recorded in the bundle).
    #[arg(long)]
    pub allow_leaky: bool,
    /// Bundle to write [default: models/<data file name>.json].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print only errors.
    #[arg(long)]
    pub quiet: bool,
}

impl TrainArgs {
    /// Merges flags over the config file into a plan.
    pub fn into_plan(self) -> anyhow::Result<TrainPlan> {
        let mut cfg = match &self.config {
            Some(p) => TrainConfig::from_file(p)?,
            None => TrainConfig::default(),
        };
        let d = &mut cfg.data;
        if let Some(t) = self.target {
            d.target = Some(t);
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
            let (col, kind) = t.rsplit_once('=').ok_or_else(|| anyhow::anyhow!("--types \"{t}\": expected COLUMN=KIND"))?;
            let kind: ColumnKind = serde_json::from_value(serde_json::Value::String(kind.trim().to_lowercase()))
                .map_err(|_| anyhow::anyhow!("--types \"{t}\": kind must be numeric, categorical, boolean, date, id or ignore"))?;
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
        let out = self.out.unwrap_or_else(|| {
            default_bundle_path(self.data.file_stem().and_then(|s| s.to_str()).unwrap_or("model"))
        });
        let models = match self.model {
            ModelArg::Logistic => ModelChoice::Logistic,
        };
        Ok(TrainPlan { data: self.data, out, config: cfg, allow_leaky: self.allow_leaky, models })
    }
}

/// Runs `train`.
pub fn run(args: TrainArgs) -> anyhow::Result<Outcome> {
    let quiet = args.quiet;
    let plan = args.into_plan()?;
    let mut progress = |msg: &str| {
        if !quiet {
            eprintln!("... {msg}");
        }
    };
    match train(&plan, &mut progress) {
        Ok(outcome) => {
            if !quiet {
                print_out(&outcome.report)?;
                print_out(&format!("bundle written to {}\n", plan.out.display()))?;
            }
            Ok(Outcome::Ok)
        }
        Err(TrainError::Leakage { path, flagged }) => {
            eprintln!("leakage guard: these columns separate converted from dead leads suspiciously well:");
            eprint!("{}", leakage_table(&flagged, flagged.len()));
            eprintln!("error: {}", TrainError::Leakage { path, flagged });
            Ok(Outcome::Problems)
        }
        Err(e) => Err(e.into()),
    }
}
