//! The ledger's commands: `leadscore ledger runs | prune`, `leadscore changes` (what changed
//! between two nights) and `leadscore history` (one lead's timeline).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{print_out, Outcome};
use leadscore::data::output::BatchWriter;
use leadscore::ledger::changes::changes_between;
use leadscore::ledger::{find_run, open, ChangeOptions, Location, Mode, RunRecord, ScoreRow, DEFAULT_LEDGER};
use leadscore::present::ledger::{changes_frame, render_changes, render_history, render_runs};

/// Arguments of `leadscore ledger`.
#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LedgerCommand,
}

/// `leadscore ledger` subcommands.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// List the runs recorded in a ledger.
    Runs {
        /// The ledger: an SQLite file or a postgres:// URL.
        #[arg(long, default_value = DEFAULT_LEDGER)]
        ledger: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete runs (and their scores) whose as-of date is more than N days before today (UTC).
    Prune {
        /// The ledger: an SQLite file or a postgres:// URL.
        #[arg(long, default_value = DEFAULT_LEDGER)]
        ledger: String,
        /// Keep the runs of the last N days (as-of date today - N or later).
        #[arg(long)]
        keep_days: u32,
    },
}

/// Arguments of `leadscore changes`.
#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// The ledger: an SQLite file or a postgres:// URL.
    #[arg(long, default_value = DEFAULT_LEDGER)]
    pub ledger: String,
    /// The earlier run: a run id, `previous` (default), `latest`, or `latest-N`.
    #[arg(long, default_value = "previous")]
    pub from: String,
    /// The later run (default: `latest`).
    #[arg(long, default_value = "latest")]
    pub to: String,
    /// Report leads whose probability moved by at least PTS percentage points.
    #[arg(long, allow_negative_numbers = true)]
    pub min_jump: Option<f64>,
    /// Report grade changes.
    #[arg(long)]
    pub grades: bool,
    /// Report rule status changes (lead -> MQL -> SQL).
    #[arg(long)]
    pub status: bool,
    /// Reasons per lead in `why_changed`.
    #[arg(long, default_value_t = 3)]
    pub why: usize,
    /// Write the changes here (.csv, .parquet or .ndjson); without it they are only counted.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `leadscore history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The ledger: an SQLite file or a postgres:// URL.
    #[arg(long, default_value = DEFAULT_LEDGER)]
    pub ledger: String,
    /// The lead id.
    #[arg(long)]
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ledger`.
pub fn run(args: LedgerArgs) -> anyhow::Result<Outcome> {
    match args.command {
        LedgerCommand::Runs { ledger, json } => {
            let loc = Location::parse(&ledger);
            let mut backend = open(&loc, Mode::Read)?;
            let runs = backend.runs()?;
            let shadows = backend.shadow_runs()?;
            if json {
                let all: Vec<_> = runs.iter().chain(&shadows).collect();
                print_out(&format!("{}\n", serde_json::to_string_pretty(&all)?))?;
            } else {
                let mut text = render_runs(&loc.display(), &runs);
                if !shadows.is_empty() {
                    text.push_str("\nshadow runs (score --shadow: a challenger beside the night's run):\n");
                    for s in &shadows {
                        text.push_str(&format!(
                            "  run {} shadows run {}: {} model {} ({} leads)\n",
                            s.run_id,
                            s.shadow_of.unwrap_or(0),
                            s.as_of,
                            s.model_id.as_deref().unwrap_or("-"),
                            s.leads
                        ));
                    }
                }
                print_out(&text)?;
            }
        }
        LedgerCommand::Prune { ledger, keep_days } => {
            let loc = Location::parse(&ledger);
            let keep_from = chrono::Utc::now().date_naive() - chrono::Days::new(u64::from(keep_days));
            let (runs, scores) = open(&loc, Mode::Write)?.prune(&keep_from.to_string())?;
            print_out(&format!(
                "ledger {}: deleted {runs} runs before {keep_from} ({scores} scores); for SQLite, `VACUUM` returns the space to the disk\n",
                loc.display()
            ))?;
        }
    }
    Ok(Outcome::Ok)
}

/// Runs `changes`.
pub fn changes(args: ChangesArgs) -> anyhow::Result<Outcome> {
    let loc = Location::parse(&args.ledger);
    if let Some(out) = &args.out {
        super::check_outputs(&[("--out", Some(out))], &[("--ledger", Some(std::path::Path::new(&args.ledger)))])?;
    }
    let mut backend = open(&loc, Mode::Read)?;
    let runs = backend.runs()?;
    let ledger = loc.display();
    let from = find_run(&runs, &args.from, &ledger)?.clone();
    let to = find_run(&runs, &args.to, &ledger)?.clone();
    let chosen = args.min_jump.is_some() || args.grades || args.status;
    let options = if chosen {
        ChangeOptions {
            min_jump: args.min_jump,
            grades: args.grades,
            status: args.status,
            new_and_gone: true,
            why: args.why,
        }
    } else {
        ChangeOptions { why: args.why, ..ChangeOptions::default() }
    };
    let (found, counts) = changes_between(backend.as_mut(), from.run_id, to.run_id, &options)?;
    if let Some(out) = &args.out {
        let mut df = changes_frame(&found)?;
        let mut w = BatchWriter::create(out)?;
        w.write(&mut df)?;
        w.finish()?;
    }
    if args.json {
        let v = serde_json::json!({ "from": from.run_id, "to": to.run_id, "counts": counts });
        print_out(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
    } else {
        let shown = args.out.as_ref().map(|p| p.display().to_string());
        print_out(&render_changes(&ledger, &from, &to, &counts, shown.as_deref()))?;
    }
    Ok(Outcome::Ok)
}

/// Runs `history`.
pub fn history(args: HistoryArgs) -> anyhow::Result<Outcome> {
    let loc = Location::parse(&args.ledger);
    let mut backend = open(&loc, Mode::Read)?;
    let runs = backend.runs()?;
    let rows = backend.lead_history(args.id.trim())?;
    let joined: Vec<(RunRecord, ScoreRow)> = rows
        .into_iter()
        .filter_map(|(id, r)| runs.iter().find(|x| x.run_id == id).map(|run| (run.clone(), r)))
        .collect();
    if args.json {
        let v: Vec<serde_json::Value> = joined
            .iter()
            .map(|(run, r)| serde_json::json!({ "run_id": run.run_id, "as_of": run.as_of, "model_id": run.model_id, "score": r }))
            .collect();
        print_out(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
    } else {
        print_out(&render_history(&loc.display(), args.id.trim(), &joined))?;
    }
    Ok(Outcome::Ok)
}
