//! Command-line interface: one file per subcommand, each with its clap argument struct
//! (syntax only) and a `run` that turns the arguments into a checked plan and calls the
//! library. No I/O happens while parsing.

pub mod check_data;
pub mod completions;
pub mod drift;
pub mod evaluate;
pub mod export;
pub mod generate;
pub mod inputs;
pub mod inspect;
pub mod ledger;
pub mod models;
pub mod momentum;
pub mod pilot;
pub mod rollup;
pub mod rules;
pub mod score;
pub mod thresholds;
pub mod train;

use std::path::Path;

use clap::{Parser, Subcommand};

/// leadscore: learn from converted-vs-dead lead history, score open leads, explain why.
#[derive(Debug, Parser)]
#[command(name = "leadscore", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train models on lead history and write a model bundle.
    Train(train::TrainArgs),
    /// Score a file of leads with a model bundle.
    Score(score::ScoreArgs),
    /// Generate the synthetic sample data (history, open leads, activity log).
    Generate(generate::GenerateArgs),
    /// Check and explain rule-based points scores.
    Rules(rules::RulesArgs),
    /// Compare models and rules on labelled leads they did not train on.
    Evaluate(evaluate::EvaluateArgs),
    /// Recommend MQL / SQL thresholds from history.
    Thresholds(thresholds::ThresholdsArgs),
    /// Pilot tests: assign open leads to treatment and control, analyse the outcome.
    Pilot(pilot::PilotArgs),
    /// Show what a model bundle is: training data, models and metrics, grades, schema.
    Inspect(inspect::InspectArgs),
    /// The score ledger: list or prune its runs.
    Ledger(ledger::LedgerArgs),
    /// What changed between two runs of the ledger: jumps, grade and status changes, new and gone leads.
    Changes(ledger::ChangesArgs),
    /// One lead's scores over the ledger's runs.
    History(ledger::HistoryArgs),
    /// Is the model still seeing the leads it learned from? PSI per column and for the score; exit 1 on drift.
    Drift(drift::DriftArgs),
    /// Export a bundle's model as SQL that scores leads inside a warehouse.
    Export(export::ExportArgs),
    /// The model registry: champion and challenger aliases, the promotion gate, revert, history.
    Models(models::ModelsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write one per subcommand with --out-dir.
    Man(completions::ManArgs),
    /// Account roll-up of a scored file: P(at least one converts), expected conversions and value, best contact.
    Rollup(rollup::RollupArgs),
    /// Lead hygiene: duplicates, junk and spam entries, values spelt several ways; exit 1 when found.
    CheckData(check_data::CheckDataArgs),
    /// Momentum from the ledger: this week vs the prior three weeks, heating up and cooling down.
    Momentum(momentum::MomentumArgs),
}

/// How a subcommand ended, mapped to the exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: ran, but found problems (e.g. the leakage guard stopped training).
    Problems,
}

/// A `--model` value as a bundle path: `champion` and `challenger` resolve through the
/// registry ([`leadscore::registry::default_dir`]) to the bundle the alias points to; any
/// other value is a path.
pub fn model_path(value: &Path) -> anyhow::Result<std::path::PathBuf> {
    Ok(leadscore::registry::Registry::at(&leadscore::registry::default_dir()).path_of(value)?)
}

/// Splits a comma-separated flag value, trimming blanks.
pub fn split_list(values: &[String]) -> Vec<String> {
    values.iter().flat_map(|v| v.split(',')).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// Prints to stdout, treating a closed pipe as success.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// Prints warnings to stderr, one `warning:` line each: stdout carries only the results, so
/// `leadscore evaluate ... > report.txt` keeps the caveats on screen and out of the file.
pub fn print_warnings<'a>(warnings: impl IntoIterator<Item = &'a String>) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Parses a `--as-of` date, saying the expected form and echoing the value on error
/// (chrono's own messages, "input contains invalid characters", say neither).
pub fn parse_as_of(value: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| format!("\"{value}\" is not a date: expected YYYY-MM-DD, e.g. 2026-06-30"))
}

/// Refuses outputs that are the same file as an input or as each other (see
/// [`leadscore::data::output::check_outputs`]); `None` entries (flags not given) are skipped.
pub fn check_outputs(outputs: &[(&str, Option<&Path>)], inputs: &[(&str, Option<&Path>)]) -> anyhow::Result<()> {
    fn given<'a>(v: &[(&'a str, Option<&'a Path>)]) -> Vec<(&'a str, &'a Path)> {
        v.iter().filter_map(|&(f, p)| p.map(|p| (f, p))).collect()
    }
    leadscore::data::output::check_outputs(&given(outputs), &given(inputs))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_errors_say_the_format_and_echo_the_value() {
        assert_eq!(parse_as_of("2026-06-30").unwrap(), chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        for bad in ["2026-06-30x", "30.06.2026", "yesterday", "2026-02-30"] {
            let e = parse_as_of(bad).unwrap_err();
            assert_eq!(e, format!("\"{bad}\" is not a date: expected YYYY-MM-DD, e.g. 2026-06-30"));
        }
    }
}

/// `--sign-key FILE` (or `LEADSCORE_SIGN_KEY_FILE`), flattened into every command that writes
/// or loads a bundle: train signs with it, the others refuse a bundle not signed with it.
#[derive(Debug, Clone, clap::Args)]
pub struct SignKeyArg {
    /// HMAC-SHA256 key file for bundle signatures: `train` signs the bundle with it; commands
    /// that load a bundle refuse one whose signature fails or that is unsigned. Make one with
    /// `openssl rand -hex 32 > leadscore.key` (at least 32 bytes).
    #[arg(long = "sign-key", value_name = "FILE", env = "LEADSCORE_SIGN_KEY_FILE")]
    pub sign_key: Option<std::path::PathBuf>,
}

impl SignKeyArg {
    /// Reads the key, if one was given.
    pub fn load(&self) -> anyhow::Result<Option<leadscore::bundle::SignKey>> {
        Ok(self.sign_key.as_deref().map(leadscore::bundle::SignKey::from_file).transpose()?)
    }
}
