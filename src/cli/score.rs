//! `leadscore score`: the nightly batch — score every lead of a file with a bundle,
//! a rules file, or both.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{check_outputs, print_out, Outcome};
use leadscore::accounts::value::ValueSpec;
use leadscore::bundle::{Grade, GradeCuts, GradeCutsError};
use leadscore::ledger::{open, Location, Mode, NewRun, DEFAULT_LEDGER};
use leadscore::score::{reuse_settings, score, Reuse, RulesInput, ScorePlan, Sink};
use leadscore::sinks::file::{FileOptions, FileSink};
use leadscore::sinks::ledger::{previous_scores, run_context, LedgerSink};

/// Arguments of `leadscore score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Model bundle written by `leadscore train` (optional with --rules), or an alias of the
    /// registry: `champion` or `challenger` (see `leadscore models`).
    #[arg(long, required_unless_present = "rules")]
    pub model: Option<PathBuf>,
    /// A challenger bundle (or alias) that scores the same leads beside --model: its
    /// probability and grade go to the ledger (a shadow run) and, with --all-models, to the
    /// file's shadow_probability, shadow_grade and shadow_model_id columns; never to
    /// `probability`. `leadscore models compare --ledger` judges the two as scored.
    #[arg(long, requires = "model")]
    pub shadow: Option<PathBuf>,
    /// Rows whose values cannot be read (a word in a numeric column, a bad date) set aside
    /// before the run fails; with N > 0 the run succeeds with a warning when at most N were.
    #[arg(long, default_value_t = 0)]
    pub max_bad_rows: usize,
    /// Write the set-aside rows here (CSV: file, row, column, value, reason), with the run's
    /// other outputs (all or none).
    #[arg(long, requires = "max_bad_rows")]
    pub rejects: Option<PathBuf>,
    /// Rules file (TOML): adds rule_score, fit_score, engagement_score, rule_grade, stage, action, persona, disqualified, rule_reasons.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Activity log for the rules (lead id, activity, timestamp, optional page and product).
    #[arg(long, requires = "rules")]
    pub activities: Option<PathBuf>,
    /// The night being scored (YYYY-MM-DD, default: today, UTC): the ledger's run date, and
    /// the date the rules measure recency from.
    #[arg(long, value_parser = super::parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// Id column (default: the bundle's, else the rules file's `[score] id`).
    #[arg(long)]
    pub id: Option<String>,
    /// Leads to score (CSV, Parquet or NDJSON); columns the model does not use are ignored.
    #[arg(long)]
    pub data: PathBuf,
    /// Output file (.csv, .parquet or .ndjson).
    #[arg(long)]
    pub out: PathBuf,
    /// Leads per batch (memory stays bounded by this).
    #[arg(long, default_value_t = 50_000)]
    pub batch_rows: usize,
    /// Reasons each way (up and down) per lead; 0 computes no explanation at all.
    #[arg(long, default_value_t = 3)]
    pub reasons: usize,
    /// Explain only the leads of these grades (e.g. A,B): the ones sales will read.
    #[arg(long, value_delimiter = ',', value_parser = parse_grade)]
    pub reasons_for: Vec<Grade>,
    /// Rank leads within this run for `percentile` (two passes over the file) instead of
    /// against the bundle's reference distribution (the same for a lead every night).
    #[arg(long)]
    pub rank_in_run: bool,
    /// Input columns to pass through to the output (e.g. account,owner,stage).
    #[arg(long, value_delimiter = ',')]
    pub keep_columns: Vec<String>,
    /// When the file has the bundle's target column, score only rows without an outcome.
    #[arg(long)]
    pub open_only: bool,
    /// Also write every model's probability (`probability_<model>` columns).
    #[arg(long)]
    pub all_models: bool,
    /// Append one JSON line per run to this file: the run summary, or the error of a failed run.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Decimals of `probability` in the output.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=17))]
    pub precision: u32,
    /// Grade cut-offs A,B,C as probabilities, overriding the bundle's (e.g. 0.6,0.35,0.15;
    /// `0.6 0.35 0.15` works too).
    #[arg(long, value_delimiter = ',', num_args = 1..=3, allow_negative_numbers = true)]
    pub grade_cuts: Option<Vec<f64>>,
    /// Record the run in a score ledger: an SQLite file (default models/ledger.db, created if
    /// needed) or a postgres://user:password@host/database URL. One transaction per run.
    #[arg(long, num_args = 0..=1, default_missing_value = DEFAULT_LEDGER)]
    pub ledger: Option<String>,
    /// Record this night again although the ledger has it (same as-of date and model).
    #[arg(long, requires = "ledger")]
    pub replace: bool,
    /// Seconds to wait for another run writing to the same ledger before giving up.
    #[arg(long, default_value_t = 10, requires = "ledger")]
    pub ledger_wait: u64,
    /// Reuse the ledger's stored score of every lead whose model inputs are unchanged since
    /// the latest run with the same bundle and settings; score only new and changed leads.
    #[arg(long, requires = "ledger", conflicts_with_all = ["all_models", "rank_in_run"])]
    pub incremental: bool,
    /// No progress bar and no summary (for cron).
    #[arg(long)]
    pub quiet: bool,
    /// Print the run summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Signing key the bundle must be signed with.
    #[command(flatten)]
    pub sign: super::SignKeyArg,
    /// A joined table replacing the bundle's recorded one of the same file name (repeatable);
    /// the bundle's other joins read their recorded paths.
    #[arg(long = "join", value_name = "FILE")]
    pub join: Vec<PathBuf>,
    /// Deal-value column (may come from a joined table): adds `expected_value` =
    /// probability x value, and pipeline value by grade and stage to the summary.
    #[arg(long)]
    pub value_column: Option<String>,
    /// Currency column: pipeline totals are kept per currency, never added across them.
    #[arg(long, requires = "value_column")]
    pub currency_column: Option<String>,
    /// Pipeline-stage column the value totals are grouped by [default: the rules' stage].
    #[arg(long, requires = "value_column")]
    pub stage_column: Option<String>,
}

/// Appends `line` and a newline to `path` (created if needed): one write, so lines of runs that
/// overlap do not interleave.
fn append_line(path: &std::path::Path, line: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot append to the log: {e}", path.display()))?;
    f.write_all(format!("{line}\n").as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot append to the log: {e}", path.display()))?;
    Ok(())
}

/// A grade letter for `--reasons-for`.
fn parse_grade(s: &str) -> Result<Grade, String> {
    Grade::parse(s).ok_or_else(|| format!("\"{s}\" is not a grade: use A, B, C or D, e.g. --reasons-for A,B"))
}

#[allow(clippy::too_many_arguments)]
/// Opens the ledger, for `--incremental` reads the scores that may be reused, and begins the
/// run (taking the ledger's write lock, refusing a night already recorded unless `--replace`).
fn ledger_sink(
    ledger: &str,
    plan: &mut ScorePlan,
    as_of: NaiveDate,
    alias: Option<String>,
    shadow_alias: Option<String>,
    replace: bool,
    incremental: bool,
    wait: std::time::Duration,
    probability_decimals: u32,
) -> anyhow::Result<Box<dyn Sink>> {
    let location = Location::parse(ledger);
    if let Location::Sqlite(path) = &location {
        check_outputs(
            &[("--ledger", Some(path.as_path()))],
            &[("--data", Some(plan.data.as_path())), ("--model", plan.model.as_deref())],
        )?;
    }
    // The very bundles the run scores with (read once), so the run records their ids.
    let (bundle, shadow_bundle) = plan.load_bundles()?;
    let (bundle, shadow_bundle) = (bundle.cloned(), shadow_bundle.map(|b| leadscore::score::short_id(&b.checksum)));
    let settings = reuse_settings(plan, bundle.as_ref());
    let mut backend = open(&location, Mode::Write)?;
    backend.set_lock_wait(wait);
    plan.hash_inputs = true;
    if incremental {
        let found = previous_scores(backend.as_mut(), &settings)?;
        plan.reuse = Some(found.unwrap_or_else(|| Reuse {
            source: format!("no earlier run of {} with these settings", location.display()),
            ..Reuse::default()
        }));
    }
    let run = NewRun {
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        as_of: as_of.to_string(),
        model_id: bundle.as_ref().map(|b| leadscore::score::short_id(&b.checksum)),
        model_alias: alias,
        model_path: plan.model.as_ref().map(|p| p.display().to_string()),
        rules_path: plan.rules.as_ref().map(|r| r.file.display().to_string()),
        input_path: plan.data.display().to_string(),
        settings,
        shadow: false,
        context: run_context(plan, probability_decimals),
    };
    let shadow = match (&plan.shadow, shadow_bundle) {
        (Some(path), Some(id)) => {
            Some(NewRun {
                model_id: Some(id),
                model_alias: shadow_alias,
                model_path: Some(path.display().to_string()),
                settings: format!("shadow of {}", run.run_key()),
                shadow: true,
                context: Default::default(),
                ..run.clone()
            })
        }
        _ => None,
    };
    Ok(Box::new(LedgerSink::begin_with_shadow(backend, &run, shadow.as_ref(), replace)?))
}

/// `--grade-cuts A,B,C`, checked.
fn grade_cuts(args: &ScoreArgs) -> anyhow::Result<Option<GradeCuts>> {
    let Some(v) = &args.grade_cuts else { return Ok(None) };
    let given = format!("--grade-cuts {}", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(","));
    match v.as_slice() {
        [a, b, c] => Ok(Some(GradeCuts::new(*a, *b, *c, "--grade-cuts", &given)?)),
        _ => Err(GradeCutsError { given }.into()),
    }
}

/// `--value-column` (with its currency and stage columns) into the plan; the money columns
/// come through to the output, for `rollup` and for people.
fn value_spec(args: &ScoreArgs, plan: &mut ScorePlan) {
    let Some(column) = &args.value_column else { return };
    let spec =
        ValueSpec { column: column.clone(), currency: args.currency_column.clone(), stage: args.stage_column.clone() };
    for c in std::iter::once(&spec.column).chain(&spec.currency).chain(&spec.stage) {
        if !plan.keep_columns.contains(c) {
            plan.keep_columns.push(c.clone());
        }
    }
    plan.value = Some(spec);
}

/// Runs `score`.
pub fn run(args: ScoreArgs) -> anyhow::Result<Outcome> {
    let data_display = args.data.display().to_string();
    let grades = grade_cuts(&args)?;
    let as_of = args.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let rules = args.rules.clone().map(|file| RulesInput { file, activities: args.activities.clone(), as_of });
    let alias = args.model.as_deref().filter(|m| leadscore::registry::is_alias(m)).map(|m| m.display().to_string());
    let model = args.model.as_deref().map(super::model_path).transpose()?;
    let mut plan = ScorePlan::new(args.data.clone(), model, rules, args.batch_rows)?;
    let shadow_alias =
        args.shadow.as_deref().filter(|m| leadscore::registry::is_alias(m)).map(|m| m.display().to_string());
    plan.shadow = args.shadow.as_deref().map(super::model_path).transpose()?;
    if plan.shadow.is_some() && args.ledger.is_none() && !args.all_models {
        anyhow::bail!("--shadow records the challenger's scores in the ledger or, with --all-models, in the file's shadow_ columns: add --ledger and/or --all-models");
    }
    plan.id = args.id.clone();
    plan.reasons = args.reasons;
    plan.grades = grades;
    plan.reasons_for = args.reasons_for.clone();
    plan.rank_in_run = args.rank_in_run;
    plan.keep_columns = args.keep_columns.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
    plan.open_only = args.open_only;
    plan.sign_key = args.sign.load()?;
    plan.max_bad_rows = args.max_bad_rows;
    plan.rejects = args.rejects.clone();
    if args.rejects.is_some() && args.max_bad_rows == 0 {
        anyhow::bail!("--rejects needs --max-bad-rows N (N > 0): with the default 0 the first bad row fails the run");
    }
    plan.join_tables = args.join.clone();
    value_spec(&args, &mut plan);
    let mut inputs = vec![
        ("--data", Some(plan.data.as_path())),
        ("--model", plan.model.as_deref()),
        ("--shadow", plan.shadow.as_deref()),
        ("--rules", plan.rules.as_ref().map(|r| r.file.as_path())),
        ("--activities", args.activities.as_deref()),
    ];
    inputs.extend(args.join.iter().map(|j| ("--join", Some(j.as_path()))));
    check_outputs(&[("--out", Some(args.out.as_path())), ("--rejects", args.rejects.as_deref())], &inputs)?;
    let options =
        FileOptions { probability_decimals: args.precision, percentile_decimals: 1, all_models: args.all_models };
    let mut sinks: Vec<Box<dyn Sink>> = vec![Box::new(FileSink::create(&args.out, options)?)];
    if let Some(ledger) = &args.ledger {
        let wait = std::time::Duration::from_secs(args.ledger_wait);
        let (replace, incremental) = (args.replace, args.incremental);
        sinks.push(ledger_sink(
            ledger,
            &mut plan,
            as_of,
            alias,
            shadow_alias,
            replace,
            incremental,
            wait,
            args.precision,
        )?);
    }
    let bar = (!args.quiet && !args.json && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("static template"));
        b
    });
    let mut tick = |pass: u8, rows: usize| {
        if let Some(b) = &bar {
            let what = if pass == 1 { "ranking" } else { "scoring" };
            b.set_message(format!("{what}: {rows} leads"));
            b.tick();
        }
    };
    let summary = score(&plan, sinks, &mut tick);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(log) = &args.log {
        let line = match &summary {
            Ok(s) => serde_json::to_value(s)?,
            Err(e) => {
                serde_json::json!({ "error": e.to_string(), "input": data_display, "failed_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true) })
            }
        };
        append_line(log, &line.to_string())?;
    }
    let summary = summary?;
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    if args.json {
        print_out(&format!("{}\n", serde_json::to_string_pretty(&summary)?))?;
    } else if !args.quiet {
        print_out(&summary.render())?;
    }
    Ok(Outcome::Ok)
}
