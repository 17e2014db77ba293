//! `leadscore rollup`: account roll-up of a scored file — per account, P(at least one
//! converts), expected conversions, expected value, the best contact and each contact's share
//! (formulas in [`leadscore::accounts::rollup`]).

use std::path::PathBuf;

use clap::Args;

use super::{check_outputs, print_out, Outcome};
use leadscore::accounts::buying_group::BuyingGroup;
use leadscore::accounts::rollup::roll_up;
use leadscore::accounts::scored::{read_scored, to_frame, ScoredColumns};
use leadscore::data::output::{commit_all, BatchWriter, Staged};
use leadscore::present::rollup::{render_rollup, rollup_page};
use leadscore::rules::RuleSet;

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
    /// Rules file the leads were scored with (`score --rules`): its personas make the buying
    /// group, its stages the qualified-account gate.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// The personas a deal needs, comma-separated, as the rules file names them [default: all
    /// of the rules file's personas].
    #[arg(long, value_delimiter = ',', requires = "rules")]
    pub buying_group: Vec<String>,
    /// Fit grades (the letter of `rule_grade`) that qualify an account.
    #[arg(long, value_delimiter = ',', default_value = "A,B", requires = "rules")]
    pub qualified_fit: Vec<char>,
    /// Stages that qualify an account [default: the rules file's furthest stage].
    #[arg(long, value_delimiter = ',', requires = "rules")]
    pub qualified_stage: Vec<String>,
}

/// The buying group from the rules file: named personas must exist, as must named stages.
fn buying_group(args: &RollupArgs) -> anyhow::Result<Option<BuyingGroup>> {
    let Some(path) = &args.rules else { return Ok(None) };
    let rules = RuleSet::load(path)?;
    let personas: Vec<String> = rules.personas.iter().map(|p| p.name.clone()).collect();
    let stages: Vec<String> = rules.stages.iter().map(|s| s.name.clone()).collect();
    let pick = |given: &[String], known: &[String], what: &str| -> anyhow::Result<Vec<String>> {
        given
            .iter()
            .map(|g| {
                known.iter().find(|k| k.eq_ignore_ascii_case(g.trim())).cloned().ok_or_else(|| {
                    anyhow::anyhow!("{}: no {what} \"{}\" (it has: {})", path.display(), g.trim(), known.join(", "))
                })
            })
            .collect()
    };
    let group =
        if args.buying_group.is_empty() { personas.clone() } else { pick(&args.buying_group, &personas, "persona")? };
    if group.is_empty() {
        anyhow::bail!("{}: no [[persona]] to make a buying group from; add personas to the rules file", path.display());
    }
    let stage = if args.qualified_stage.is_empty() {
        stages.first().cloned().into_iter().collect()
    } else {
        pick(&args.qualified_stage, &stages, "stage")?
    };
    if stage.is_empty() {
        anyhow::bail!(
            "{}: no [[stage]] for the qualified-account gate; add stages or pass --qualified-stage",
            path.display()
        );
    }
    let fits: Vec<char> = args.qualified_fit.iter().map(|c| c.to_ascii_uppercase()).collect();
    if let Some(bad) = fits.iter().find(|c| !"ABCD".contains(**c)) {
        anyhow::bail!("--qualified-fit {bad}: fit grades are A, B, C or D");
    }
    Ok(Some(BuyingGroup { personas: group, fit_grades: fits, stages: stage }))
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
    let group = buying_group(&args)?;
    let contacts = read_scored(&args.scored, &cols)?;
    let mut rollup = roll_up(&args.by, contacts, args.value_column.is_some());
    if let Some(g) = group {
        g.apply(&mut rollup);
    }
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
