//! `leadscore score`: the nightly batch — score every lead of a file with a bundle,
//! a rules file, or both.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{check_outputs, print_out, Outcome};
use leadscore::bundle::GradeCuts;
use leadscore::score::{score, RulesInput, ScorePlan};

/// Arguments of `leadscore score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Model bundle written by `leadscore train` (optional with --rules).
    #[arg(long, required_unless_present = "rules")]
    pub model: Option<PathBuf>,
    /// Rules file (TOML): adds rule_score, fit_score, engagement_score, rule_grade, stage, action, persona, disqualified, rule_reasons.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Activity log for the rules (lead id, activity, timestamp, optional page and product).
    #[arg(long, requires = "rules")]
    pub activities: Option<PathBuf>,
    /// Date (YYYY-MM-DD) the rules measure recency from (default: today, UTC).
    #[arg(long, value_parser = super::parse_as_of, requires = "rules")]
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
    /// Reasons each way (up and down) per lead.
    #[arg(long, default_value_t = 3)]
    pub reasons: usize,
    /// Grade cut-offs A,B,C as probabilities, overriding the bundle's (e.g. 0.6,0.35,0.15;
    /// `0.6 0.35 0.15` works too).
    #[arg(long, value_delimiter = ',', num_args = 1..=3, allow_negative_numbers = true)]
    pub grade_cuts: Option<Vec<f64>>,
    /// No progress bar and no summary (for cron).
    #[arg(long)]
    pub quiet: bool,
    /// Print the run summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `score`.
pub fn run(args: ScoreArgs) -> anyhow::Result<Outcome> {
    let grades = match &args.grade_cuts {
        None => None,
        Some(v) => match v.as_slice() {
            [a, b, c] if (0.0..=1.0).contains(c) && c <= b && b <= a && *a <= 1.0 => {
                Some(GradeCuts { a: *a, b: *b, c: *c, source: "--grade-cuts".into() })
            }
            _ => {
                let given = v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
                anyhow::bail!(
                    "--grade-cuts {given}: give three probabilities A,B,C with 1 >= A >= B >= C >= 0, \
                     e.g. --grade-cuts 0.6,0.35,0.15"
                )
            }
        },
    };
    if args.batch_rows == 0 {
        anyhow::bail!("--batch-rows must be at least 1");
    }
    check_outputs(
        &[("--out", Some(args.out.as_path()))],
        &[
            ("--data", Some(args.data.as_path())),
            ("--model", args.model.as_deref()),
            ("--rules", args.rules.as_deref()),
            ("--activities", args.activities.as_deref()),
        ],
    )?;
    let plan = ScorePlan {
        model: args.model,
        rules: args.rules.map(|file| RulesInput {
            file,
            activities: args.activities,
            as_of: args.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        }),
        id: args.id,
        data: args.data,
        out: args.out,
        batch_rows: args.batch_rows,
        reasons: args.reasons,
        grades,
    };
    let bar = (!args.quiet && !args.json && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("static template"));
        b
    });
    let mut tick = |pass: u8, rows: usize| {
        if let Some(b) = &bar {
            b.set_message(format!("pass {pass}/2: {rows} leads"));
            b.tick();
        }
    };
    let summary = score(&plan, &mut tick);
    if let Some(b) = &bar {
        b.finish_and_clear();
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
