//! `leadscore rules`: check a rules file, and explain one lead's points.
//!
//! - `rules check FILE [--data FILE]`: exit 0 when the file is valid (warnings, such as a
//!   value that never occurs in the data, are printed but do not fail); exit 1 when the
//!   file was read but its content has problems (TOML syntax, a value of the wrong type,
//!   unknown fields, bad regexes, contradictory thresholds, columns the data does not have),
//!   each printed with its line; exit 2 when a file cannot be read at all (missing, not
//!   UTF-8, over the 1 MiB limit, a FIFO nobody writes to, or a `--data` file that does not
//!   load).
//! - `rules explain --rules FILE --data FILE [--activities FILE] [--as-of DATE] --id LEAD`:
//!   the itemised breakdown of one lead (text, or `--json`).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{print_out, Outcome};
use leadscore::present::rules::{render_breakdown, summary};
use leadscore::rules::check::check_data;
use leadscore::rules::{RuleSet, RulesError, RulesPlan};

/// Arguments of `leadscore rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate a rules file: exit 0 valid; 1 its content has problems (TOML syntax or types,
    /// unknown fields, rules, columns missing from --data), each with its line; 2 a file
    /// cannot be read (missing, not UTF-8, over 1 MiB, --data does not load).
    Check(CheckArgs),
    /// Show one lead's itemised points breakdown.
    Explain(ExplainArgs),
}

/// Arguments of `rules check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The rules file (TOML).
    pub file: PathBuf,
    /// A leads file whose columns the rules must use.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// Arguments of `rules explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rules file (TOML).
    #[arg(long)]
    pub rules: PathBuf,
    /// Leads file (CSV, Parquet or NDJSON).
    #[arg(long)]
    pub data: PathBuf,
    /// Activity log (lead id, activity, timestamp, optional page and product).
    #[arg(long)]
    pub activities: Option<PathBuf>,
    /// Date (YYYY-MM-DD) recency is measured from (default: today, UTC).
    #[arg(long, value_parser = super::parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// The lead's id.
    #[arg(long)]
    pub id: String,
    /// Id column (default: `[score] id` of the rules file).
    #[arg(long)]
    pub id_column: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `rules`.
pub fn run(args: RulesArgs) -> anyhow::Result<Outcome> {
    match args.command {
        RulesCommand::Check(a) => check(a),
        RulesCommand::Explain(a) => explain(a),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<Outcome> {
    let rules = match RuleSet::load(&args.file) {
        Ok(r) => r,
        Err(e @ (RulesError::Syntax { .. } | RulesError::Invalid { .. })) => {
            eprintln!("error: {e}");
            return Ok(Outcome::Problems);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(data) = &args.data {
        let found = check_data(&rules, data)?;
        for w in &found.warnings {
            eprintln!("warning: {}: {w}", args.file.display());
        }
        if !found.problems.is_empty() {
            eprintln!("error: {}: {} problem(s) with {}:", args.file.display(), found.problems.len(), data.display());
            for p in &found.problems {
                eprintln!("  {p}");
            }
            return Ok(Outcome::Problems);
        }
        print_out(&format!("{}\nchecked against all {} rows of {}\n", summary(&rules), found.rows, data.display()))?;
        return Ok(Outcome::Ok);
    }
    print_out(&format!("{}\n", summary(&rules)))?;
    Ok(Outcome::Ok)
}

fn explain(args: ExplainArgs) -> anyhow::Result<Outcome> {
    let as_of = args.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let plan = RulesPlan::load(&args.rules, args.activities.as_deref(), as_of, args.id_column.clone())?;
    let b = plan.explain_lead(&args.data, &args.id)?;
    if args.json {
        let v = serde_json::json!({ "id": args.id, "as_of": as_of.to_string(), "breakdown": b });
        print_out(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
    } else {
        print_out(&format!("as of {as_of}\n{}", render_breakdown(&args.id, &b)))?;
    }
    Ok(Outcome::Ok)
}
