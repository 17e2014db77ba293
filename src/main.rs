//! The `leadscore` binary: parses arguments, runs the library, prints errors with their
//! causes, and maps outcomes to exit codes (0 ok, 1 ran but found problems, 2 error).
//!
//! The command line ([`cli`]: one file per subcommand with its clap arguments and its `run`)
//! lives here, not in the library: the library has no clap, anyhow or indicatif.

mod cli;

use clap::Parser;
use cli::{Cli, Command, Outcome};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match cli.command {
        Command::Train(a) => cli::train::run(a),
        Command::Score(a) => cli::score::run(a),
        Command::Generate(a) => cli::generate::run(a),
        Command::Rules(a) => cli::rules::run(a),
        Command::Evaluate(a) => cli::evaluate::run(a),
        Command::Thresholds(a) => cli::thresholds::run(a),
        Command::Pilot(a) => cli::pilot::run(a),
        Command::Inspect(a) => cli::inspect::run(a),
        Command::Ledger(a) => cli::ledger::run(a),
        Command::Changes(a) => cli::ledger::changes(a),
        Command::History(a) => cli::ledger::history(a),
        Command::Drift(a) => cli::drift::run(a),
        Command::Export(a) => cli::export::run(a),
        Command::Models(a) => cli::models::run(a),
        Command::Completions(a) => cli::completions::completions(a),
        Command::Man(a) => cli::completions::man(a),
        Command::Rollup(a) => cli::rollup::run(a),
        Command::CheckData(a) => cli::check_data::run(a),
        Command::Momentum(a) => cli::momentum::run(a),
    };
    match result {
        Ok(Outcome::Ok) => {}
        Ok(Outcome::Problems) => std::process::exit(1),
        Err(e) => {
            // Our messages already embed their direct cause; print deeper causes only
            // when they add text not yet shown.
            let mut shown = e.to_string();
            eprintln!("error: {shown}");
            let mut source = e.source();
            while let Some(s) = source {
                let text = s.to_string();
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                    shown.push_str(&text);
                }
                source = s.source();
            }
            std::process::exit(2);
        }
    }
}
