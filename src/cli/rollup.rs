//! `leadscore rollup`: account roll-up of a scored file — per account, P(at least one
//! converts), expected conversions, expected value, the best contact and each contact's share
//! (formulas in [`leadscore::accounts::rollup`]).

use std::path::PathBuf;

use clap::Args;

use super::{check_outputs, print_out, Outcome};
use leadscore::accounts::rollup::roll_up;
use leadscore::accounts::scored::{read_scored, to_frame, ScoredColumns};
use leadscore::data::output::{commit_all, BatchWriter, Staged};
use leadscore::present::rollup::{render_rollup, rollup_page};

/// Arguments of `leadscore rollup`.
#[derive(Debug, Args)]
pub struct RollupArgs {
    /// Scored file written by `leadscore score --model` with the account column kept
    /// (`--keep-columns account`).
    #[arg(long)]
    pub scored: PathBuf,
    /// Account column to roll up by.
    #[arg(long)]
    pub by: String,
    /// Id column of the scored file [default: its first column].
    #[arg(long)]
    pub id: Option<String>,
    /// Value column: adds pipeline value and expected value (probability x value) per account.
    #[arg(long)]
    pub value_column: Option<String>,
    /// Currency column: an account's money is kept apart per currency (a row per currency).
    #[arg(long, requires = "value_column")]
    pub currency_column: Option<String>,
    /// Output file, one row per account, best first (.csv, .parquet or .ndjson).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the roll-up as an HTML page.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Accounts listed in the printed summary.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print the roll-up as JSON instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// Runs `rollup`.
pub fn run(args: RollupArgs) -> anyhow::Result<Outcome> {
    check_outputs(
        &[("--out", Some(args.out.as_path())), ("--html", args.html.as_deref())],
        &[("--scored", Some(args.scored.as_path()))],
    )?;
    let cols = ScoredColumns {
        by: args.by.clone(),
        id: args.id.clone(),
        value: args.value_column.clone(),
        currency: args.currency_column.clone(),
    };
    let contacts = read_scored(&args.scored, &cols)?;
    let rollup = roll_up(&args.by, contacts, args.value_column.is_some());
    let mut df = to_frame(&rollup, &args.out)?;
    let mut writer = BatchWriter::create(&args.out)?;
    writer.write(&mut df)?;
    let mut staged = vec![writer.finish_staged()?];
    if let Some(h) = &args.html {
        staged.push(Staged::bytes(h, rollup_page(&rollup, &args.scored.display().to_string()).as_bytes())?);
    }
    commit_all(staged)?;
    if args.json {
        print_out(&format!("{}\n", serde_json::to_string_pretty(&rollup)?))?;
    } else {
        print_out(&render_rollup(&rollup, args.top))?;
    }
    Ok(Outcome::Ok)
}
