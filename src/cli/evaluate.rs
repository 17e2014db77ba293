//! `leadscore evaluate`: compare model bundles and rules files side by side on labelled
//! leads they did not train on; print a summary, optionally write every number as JSON
//! (`--json`) and a self-contained HTML report (`--report`).
//!
//! With `--date-column`, only the newest `--newest-share` of labelled leads (default 30%)
//! is evaluated: lead data drifts, and what matters is how a scorer does on new leads.
//!
//! # JSON (`--json FILE`)
//!
//! ```text
//! {
//!   "data": "leads.csv", "target": "converted",
//!   "leads": 2772, "conversions": 1089, "skipped_unlabelled": 0,
//!   "time_window": null | {"column", "share", "from", "to", "older_left_out"},
//!   "heldout": null | "stratified 20% hold-out, seed 42",
//!   "level": 0.95, "alpha": 0.05,
//!   "scorers": [{
//!     "name": "logistic", "source": "m.json", "kind": "probability" | "points",
//!     "auc": 0.91, "auc_ci": [0.90, 0.92], "pr_auc": 0.88,
//!     "log_loss": 0.35 | null, "brier": 0.11 | null,          // null for points
//!     "deciles": [{"bin", "leads", "conversions", "conversion_rate", "lift",
//!                  "cumulative_leads", "cumulative_conversions", "cumulative_gain",
//!                  "min_score", "max_score"}],                   // bin 1 = top scores
//!     "top_k": [{"share": 0.05, "leads", "conversions", "precision", "recall"}],
//!     "capacity": null | {"share": null, "leads", "conversions", "precision", "recall"},
//!     "bands": [{"label": "0–20", "lower", "upper", "leads", "conversions", "conversion_rate"}],
//!     "calibration": null | {"bins": [{"lower", "upper", "count", "mean_predicted", "observed_rate"}], "ece"}
//!   }],
//!   "comparisons": [{"a", "b", "auc_a", "auc_b", "diff", "se", "z", "p_value",
//!                    "p_adjusted", "family",                     // Holm over the pairs
//!                    "significant", "verdict"}]                  // DeLong, every pair
//! }
//! ```

use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use super::inputs::ScorerInputArgs;
use super::{check_outputs, print_out, Outcome};
use leadscore::accounts::calibration::money_calibration;
use leadscore::accounts::value::ValueSpec;
use leadscore::data::output::{commit_all, Staged};
use leadscore::evaluate::{load_scored, TimeWindow};
use leadscore::evaluation::compare::{compare, CompareOptions, Comparison};
use leadscore::present::html::render_report;
use leadscore::present::money::render_money_calibration;
use leadscore::scorer::ScoreKind;

/// Arguments of `leadscore evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Data and scorers.
    #[command(flatten)]
    pub input: ScorerInputArgs,
    /// Sales capacity: precision and recall among the N best-scored leads.
    #[arg(long)]
    pub capacity: Option<usize>,
    /// Evaluate on the newest leads by this date column (time-ordered evaluation).
    #[arg(long)]
    pub date_column: Option<String>,
    /// With --date-column: the share of newest labelled leads evaluated.
    #[arg(long, default_value_t = 0.3, requires = "date_column")]
    pub newest_share: f64,
    /// Evaluate only the leads the (first) bundle held out from training; --data must be the
    /// very file it was trained on.
    #[arg(long, conflicts_with = "date_column")]
    pub heldout: bool,
    /// Bootstrap replicates for the AUC interval (at least 200).
    #[arg(long, default_value_t = 1000)]
    pub n_boot: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write every number as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// As-scored evaluation: judge each lead of --data by the probability and rule score it
    /// had in this ledger when it was scored (its last run on or before its outcome date),
    /// not by what a model says today.
    #[arg(long, conflicts_with_all = ["heldout", "date_column", "models", "rules"])]
    pub ledger: Option<String>,
    /// With --ledger: the lead id column of --data (default: the bundle's of the ledger's latest run).
    #[arg(long, requires = "ledger")]
    pub id: Option<String>,
    /// With --ledger: the column with each outcome's date; a lead is judged by its last score
    /// from on or before that date.
    #[arg(long, requires = "ledger")]
    pub outcome_date_column: Option<String>,
    /// Deal-value column (may come from a joined table): adds the money calibration,
    /// predicted expected value vs value won per decile and in total.
    #[arg(long)]
    pub value_column: Option<String>,
    /// Currency column: money calibration per currency.
    #[arg(long, requires = "value_column")]
    pub currency_column: Option<String>,
}

/// The as-scored set of `--ledger`: target, positive/negative values and id from the flags,
/// else from the bundle of the ledger's latest run.
fn as_scored(args: &EvaluateArgs, ledger: &str) -> anyhow::Result<(leadscore::evaluate::ScoredSet, String)> {
    use leadscore::ledger::{open, Location, Mode};
    use leadscore::live::{load_as_scored, LivePlan};
    let loc = Location::parse(ledger);
    let mut backend = open(&loc, Mode::Read)?;
    let bundle = backend
        .runs()?
        .iter()
        .rev()
        .find_map(|r| r.model_path.clone())
        .and_then(|p| leadscore::bundle::Bundle::load(Path::new(&p)).ok());
    let target = args.input.target.clone().or_else(|| bundle.as_ref().map(|b| b.target.column.clone()));
    let id = args.id.clone().or_else(|| bundle.as_ref().and_then(|b| b.id_column.clone()));
    let (Some(target), Some(id)) = (target, id) else {
        anyhow::bail!("ledger {}: pass --target and --id for the outcomes file (the ledger's latest run has no readable bundle to take them from)", loc.display());
    };
    let pick = |given: &[String], of: fn(&leadscore::bundle::Bundle) -> &Vec<String>| {
        let given = super::split_list(given);
        if given.is_empty() {
            bundle.as_ref().filter(|b| b.target.column == target).map(|b| of(b).clone()).unwrap_or_default()
        } else {
            given
        }
    };
    let plan = LivePlan {
        data: args.input.data.clone(),
        positive: pick(&args.input.positive, |b| &b.target.positive),
        negative: pick(&args.input.negative, |b| &b.target.negative),
        id,
        target,
        outcome_date: args.outcome_date_column.clone(),
    };
    let (set, c) = load_as_scored(backend.as_mut(), &plan)?;
    let note = format!(
        "as scored in {} ({} runs): {} of {} labelled leads evaluated by their score from before their outcome; {} never scored, {} scored only after their outcome",
        loc.display(),
        c.runs,
        c.evaluated,
        c.labelled,
        c.not_in_ledger,
        c.scored_only_after
    );
    Ok((set, note))
}

/// The JSON document `--json` writes (see the module docs).
#[derive(Debug, Serialize)]
pub struct EvaluateJson<'a> {
    /// Data file.
    pub data: String,
    /// Target column.
    pub target: &'a str,
    /// Rows skipped for a blank outcome.
    pub skipped_unlabelled: usize,
    /// The evaluated window, for time-ordered evaluation.
    pub time_window: Option<&'a TimeWindow>,
    /// With --heldout: how the bundle's hold-out was rebuilt.
    pub heldout: Option<&'a str>,
    /// Everything else.
    #[serde(flatten)]
    pub comparison: &'a Comparison,
}

/// Writes `bytes` to `path` through a temporary file in the same directory, renamed into
/// place only once complete (with the permissions of a normal new file, or the old file's).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    Staged::bytes(path, bytes)?.commit()?;
    Ok(())
}

/// The input flags of a scorer-input command, for [`check_outputs`].
pub fn input_paths(input: &ScorerInputArgs) -> Vec<(&'static str, Option<&Path>)> {
    let mut v = vec![("--data", Some(input.data.as_path())), ("--activities", input.activities.as_deref())];
    v.extend(input.models.iter().map(|m| ("--model", Some(m.as_path()))));
    v.extend(input.rules.iter().map(|r| ("--rules", Some(r.as_path()))));
    v
}

/// Runs `evaluate`.
pub fn run(args: EvaluateArgs) -> anyhow::Result<Outcome> {
    let mut plan = args.input.plan(
        args.date_column.clone(),
        args.date_column.as_ref().map(|_| args.newest_share),
        args.heldout,
    )?;
    plan.value = args.value_column.clone().map(|column| ValueSpec {
        column,
        currency: args.currency_column.clone(),
        stage: None,
    });
    let opts = CompareOptions { n_boot: args.n_boot, seed: args.seed, capacity: args.capacity, ..Default::default() }
        .check()?;
    check_outputs(
        &[("--json", args.json.as_deref()), ("--report", args.report.as_deref())],
        &input_paths(&args.input),
    )?;
    let (set, live) = match &args.ledger {
        Some(l) => {
            let (set, note) = as_scored(&args, l)?;
            (set, Some(note))
        }
        None => (load_scored(&plan)?, None),
    };
    let cmp = compare(&set.scorers, &set.labels, &opts)?;

    let mut meta =
        vec![("data".to_string(), set.data.display().to_string()), ("target".to_string(), set.target.clone())];
    if let Some(note) = live {
        meta.push(("evaluated".to_string(), note));
    }
    if let Some(h) = &set.heldout {
        meta.push(("held out from training".to_string(), h.clone()));
    }
    if let Some(w) = &set.window {
        meta.push((
            "time-ordered".to_string(),
            format!(
                "newest {:.0}% by \"{}\" ({} to {}); {} older leads left out",
                100.0 * w.share,
                w.column,
                w.from,
                w.to,
                w.older_left_out
            ),
        ));
    }
    // Both files are staged first and moved into place together: either both appear or neither.
    let mut staged = Vec::new();
    if let Some(path) = &args.json {
        let doc = EvaluateJson {
            data: set.data.display().to_string(),
            target: &set.target,
            skipped_unlabelled: set.skipped_unlabelled,
            time_window: set.window.as_ref(),
            heldout: set.heldout.as_deref(),
            comparison: &cmp,
        };
        staged.push(Staged::bytes(path, format!("{}\n", serde_json::to_string_pretty(&doc)?).as_bytes())?);
    }
    if let Some(path) = &args.report {
        let page = render_report("Lead scoring: model vs rules", &meta, &cmp, &set.scorers, &set.labels)?;
        staged.push(Staged::bytes(path, page.as_bytes())?);
    }
    commit_all(staged)?;
    let mut out = String::new();
    for (k, v) in &meta {
        out.push_str(&format!("{k}: {v}\n"));
    }
    if set.skipped_unlabelled > 0 {
        out.push_str(&format!(
            "skipped {} leads without an outcome (blank, or neither converted nor dead)\n",
            set.skipped_unlabelled
        ));
    }
    super::print_warnings(cmp.warnings());
    out.push_str(&cmp.render());
    if let Some(v) = &set.values {
        for sc in set.scorers.iter().filter(|s| s.kind == ScoreKind::Probability) {
            let m = money_calibration(&sc.name, &v.column, &sc.scores, &set.labels, &v.values, &v.currencies);
            out.push_str(&render_money_calibration(&m));
        }
    }
    for (what, p) in [("JSON", &args.json), ("report", &args.report)] {
        if let Some(p) = p {
            out.push_str(&format!("{what} written to {}\n", p.display()));
        }
    }
    print_out(&out)?;
    Ok(Outcome::Ok)
}
