//! `leadscore momentum`: per lead and per account, this week's scores against the prior three
//! weeks' in the score ledger, and the heating-up / cooling-down lists
//! ([`leadscore::accounts::momentum`]).
//!
//! Accounts: `--by COL` reads each lead's account from the column each run recorded
//! (`score --ledger --keep-columns COL`), so a lead that moved account counts for the one it
//! was in that night; `--accounts FILE --by COL` overrides that with one map for every run.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use polars::prelude::*;

use super::{check_outputs, print_out, Outcome};
use leadscore::accounts::momentum::{momentum, RunScores};
use leadscore::data::load::read_table;
use leadscore::data::output::BatchWriter;
use leadscore::data::typing::column_list;
use leadscore::ledger::{context_column, open, Backend, Location, Mode, RunRecord, DEFAULT_LEDGER};
use leadscore::present::momentum::render_momentum;

/// Arguments of `leadscore momentum`.
#[derive(Debug, Args)]
pub struct MomentumArgs {
    /// The ledger: an SQLite file or a postgres:// URL.
    #[arg(long, default_value = DEFAULT_LEDGER)]
    pub ledger: String,
    /// The date "this week" ends on (YYYY-MM-DD) [default: the latest run's].
    #[arg(long, value_parser = super::parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// A file mapping lead ids to accounts for every run (e.g. the scored file with
    /// --keep-columns account), overriding the account each run recorded.
    #[arg(long, requires = "by")]
    pub accounts: Option<PathBuf>,
    /// The account column: as each run recorded it (`score --ledger --keep-columns COL`), or
    /// of --accounts.
    #[arg(long)]
    pub by: Option<String>,
    /// The id column of --accounts [default: its first column].
    #[arg(long, requires = "accounts")]
    pub id: Option<String>,
    /// Change in probability (0-1) that counts as heating up or cooling down.
    #[arg(long, default_value_t = 0.05)]
    pub min_change: f64,
    /// Entries per list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Write every lead's momentum here (.csv, .parquet or .ndjson).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn account_map(args: &MomentumArgs) -> anyhow::Result<HashMap<String, String>> {
    let (Some(path), Some(by)) = (&args.accounts, &args.by) else { return Ok(HashMap::new()) };
    let df = read_table(path)?;
    let col = |name: &str| -> anyhow::Result<&StringChunked> {
        df.column(name).ok().and_then(|c| c.str().ok()).ok_or_else(|| {
            anyhow::anyhow!("{}: column \"{name}\" not found (columns: {})", path.display(), column_list(&df))
        })
    };
    let id_name = args.id.clone().unwrap_or_else(|| df.columns()[0].name().to_string());
    let (ids, accounts) = (col(&id_name)?, col(by)?);
    Ok(ids
        .iter()
        .zip(accounts.iter())
        .filter_map(|(i, a)| Some((i?.trim().to_string(), a.map(str::trim).filter(|a| !a.is_empty())?.to_string())))
        .collect())
}

/// The runs within four weeks of `as_of` with their scores and, with `--by` and no
/// `--accounts`, each run's recorded accounts. A run that did not record the column is
/// warned about; when none in the windows did, it is an error naming the latest.
fn window_runs(
    backend: &mut dyn Backend,
    records: &[RunRecord],
    as_of: NaiveDate,
    by: Option<&str>,
) -> anyhow::Result<Vec<RunScores>> {
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let ledger = backend.ledger();
    let hint = format!(
        "score with --ledger --keep-columns {} so each night records it, or pass --accounts FILE with a lead -> account map",
        by.unwrap_or_default()
    );
    let (mut runs, mut without) = (Vec::new(), Vec::new());
    for r in records {
        let Some(d) = date(&r.as_of) else { continue };
        if !(0..28).contains(&(as_of - d).num_days()) {
            continue;
        }
        let column = match by {
            Some(c) => match context_column(&ledger, r, c, &hint) {
                Ok(k) => Some(k),
                Err(e) => {
                    without.push(e);
                    None
                }
            },
            None => None,
        };
        let (mut leads, mut accounts) = (Vec::new(), HashMap::new());
        backend.scores(r.run_id, &mut |row| {
            let account = column.and_then(|k| row.context.get(k).cloned().flatten());
            if let Some(a) = account.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()) {
                accounts.insert(row.lead_id.clone(), a);
            }
            leads.push((row.lead_id, row.probability, row.rule_score));
        })?;
        runs.push(RunScores { as_of: d, leads, accounts });
    }
    if let Some(last) = without.pop() {
        if without.len() + 1 == runs.len() {
            return Err(last.into());
        }
        for e in without.iter().chain([&last]) {
            eprintln!("warning: {e}; its leads count for no account");
        }
    }
    Ok(runs)
}

/// Runs `momentum`.
pub fn run(args: MomentumArgs) -> anyhow::Result<Outcome> {
    if !(args.min_change > 0.0 && args.min_change < 1.0) {
        anyhow::bail!("--min-change {}: give a change in probability between 0 and 1, e.g. 0.05", args.min_change);
    }
    let loc = Location::parse(&args.ledger);
    if let Location::Sqlite(p) = &loc {
        check_outputs(
            &[("--out", args.out.as_deref())],
            &[("--ledger", Some(p.as_path())), ("--accounts", args.accounts.as_deref())],
        )?;
    }
    let accounts = account_map(&args)?;
    let mut backend = open(&loc, Mode::Read)?;
    let records = backend.runs()?;
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let as_of = match args.as_of.or_else(|| records.iter().filter_map(|r| date(&r.as_of)).max()) {
        Some(d) => d,
        None => anyhow::bail!("{}: the ledger has no runs; record nights with `score --ledger`", loc.display()),
    };
    let by = args.by.as_deref().filter(|_| args.accounts.is_none());
    let runs = window_runs(backend.as_mut(), &records, as_of, by)?;
    let report = momentum(as_of, &runs, &accounts, args.min_change);
    if let Some(out) = &args.out {
        let l = &report.leads;
        let mut df = DataFrame::new_infer_height(vec![
            Column::new("lead_id".into(), l.iter().map(|m| m.key.as_str()).collect::<Vec<_>>()),
            Column::new("score_before".into(), l.iter().map(|m| m.score_before).collect::<Vec<_>>()),
            Column::new("score_now".into(), l.iter().map(|m| m.score_now).collect::<Vec<_>>()),
            Column::new("change".into(), l.iter().map(|m| m.change).collect::<Vec<_>>()),
            Column::new("points_before".into(), l.iter().map(|m| m.points_before).collect::<Vec<_>>()),
            Column::new("points_now".into(), l.iter().map(|m| m.points_now).collect::<Vec<_>>()),
        ])?;
        let mut w = BatchWriter::create(out)?;
        w.write(&mut df)?;
        w.finish()?;
    }
    print_out(&render_momentum(&report, args.top))?;
    Ok(Outcome::Ok)
}
