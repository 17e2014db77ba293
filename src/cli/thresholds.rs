//! `leadscore thresholds`: the threshold lab. Recommends MQL / SQL cut-offs for each scorer
//! from labelled history ([`leadscore::thresholds`]) and shows what
//! each cut-off would have done (leads passed, conversions captured, precision).
//!
//! `--capacity N` is per period: with `--date-column` and `--period week|month`, the
//! budget is N leads for every period the data spans (first to last date); without a
//! date column it is N leads in all.
//!
//! Cut-offs for a model are best chosen on leads it did not train on: pass `--heldout` with
//! the training file, or history newer than the bundle.
//!
//! `--json FILE` writes `{"data", "target", "scorers": [{"name", "kind", "leads",
//! "conversions", "cutoffs": [{"method", ...parameters, "threshold", "leads_passed",
//! "share_passed", "conversions_captured", "recall", "precision"}], "mql", "sql"}]}`.
//! Thresholds are on the scorer's own scale: probabilities for models, points for rules.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::evaluate::{input_paths, write_atomic};
use super::inputs::ScorerInputArgs;
use super::{check_outputs, print_out, Outcome};
use leadscore::evaluation::compare::ScoreKind;
use leadscore::evaluation::thresholds::ThresholdReport;
use leadscore::thresholds::{thresholds, ThresholdsOutcome, ThresholdsPlan};

/// A capacity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Period {
    /// ISO weeks.
    Week,
    /// Calendar months.
    Month,
}

/// Arguments of `leadscore thresholds`.
#[derive(Debug, Args)]
pub struct ThresholdsArgs {
    /// Data and scorers.
    #[command(flatten)]
    pub input: ScorerInputArgs,
    /// Percentile of converted leads' scores for the MQL cut-off (10 keeps ~90% of conversions).
    #[arg(long, default_value_t = 10.0)]
    pub percentile: f64,
    /// Leads sales can work per period (or in all, without --date-column).
    #[arg(long)]
    pub capacity: Option<usize>,
    /// Date column defining the capacity periods.
    #[arg(long)]
    pub date_column: Option<String>,
    /// Capacity period.
    #[arg(long, value_enum, default_value_t = Period::Month)]
    pub period: Period,
    /// Target precision (e.g. 0.5): the SQL cut-off becomes the lowest one reaching it.
    #[arg(long)]
    pub target_precision: Option<f64>,
    /// Target recall (e.g. 0.8).
    #[arg(long)]
    pub target_recall: Option<f64>,
    /// Use only the leads the (first) bundle held out from training (--data must be the very
    /// file it was trained on): cut-offs chosen on leads the model has not seen.
    #[arg(long)]
    pub heldout: bool,
    /// Recommend cut-offs even for a bundle that showed no usable signal in training.
    #[arg(long)]
    pub allow_weak: bool,
    /// Write the tables as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Serialize)]
struct ScorerThresholds<'a> {
    name: &'a str,
    kind: ScoreKind,
    #[serde(flatten)]
    report: &'a ThresholdReport,
}

#[derive(Serialize)]
struct ThresholdsJson<'a> {
    data: String,
    target: &'a str,
    warnings: &'a [String],
    scorers: Vec<ScorerThresholds<'a>>,
}

/// Runs `thresholds`.
pub fn run(args: ThresholdsArgs) -> anyhow::Result<Outcome> {
    check_outputs(&[("--json", args.json.as_deref())], &input_paths(&args.input))?;
    let period = match args.period {
        Period::Week => leadscore::thresholds::Period::Week,
        Period::Month => leadscore::thresholds::Period::Month,
    };
    let input = args.input.plan(args.date_column.clone(), None, args.heldout)?;
    let mut plan = ThresholdsPlan::new(input, args.capacity, period)?;
    plan.percentile = args.percentile;
    plan.target_precision = args.target_precision;
    plan.target_recall = args.target_recall;
    plan.allow_weak = args.allow_weak;
    let ThresholdsOutcome { set, budget, reports } = match thresholds(&plan) {
        Err(e @ leadscore::thresholds::ThresholdsError::Weak { .. }) => {
            eprintln!("error: {e}");
            return Ok(Outcome::Problems);
        }
        r => r?,
    };
    let mut out = format!("{}: {} labelled leads, target \"{}\"\n", set.data.display(), set.labels.len(), set.target);
    super::print_warnings(&set.warnings);
    if let Some(b) = budget {
        out.push_str(&format!("capacity: {} leads x {} period(s) = {} leads\n", b.per_period, b.periods, b.total));
    }
    for (s, r) in set.scorers.iter().zip(&reports) {
        let fmt = |x: f64| match s.kind {
            ScoreKind::Probability => format!("{x:.4}"),
            ScoreKind::Points => format!("{x:.1}"),
        };
        out.push('\n');
        out.push_str(&r.render(&s.name, &fmt));
    }
    if let Some(path) = &args.json {
        let doc = ThresholdsJson {
            data: set.data.display().to_string(),
            target: &set.target,
            warnings: &set.warnings,
            scorers: set
                .scorers
                .iter()
                .zip(&reports)
                .map(|(s, r)| ScorerThresholds { name: &s.name, kind: s.kind, report: r })
                .collect(),
        };
        write_atomic(path, format!("{}\n", serde_json::to_string_pretty(&doc)?).as_bytes())?;
        out.push_str(&format!("JSON written to {}\n", path.display()));
    }
    print_out(&out)?;
    Ok(Outcome::Ok)
}
