//! `leadscore rollup`: account roll-up of a scored file, or of a night in the score ledger
//! — per account, P(at least one converts), expected conversions, expected value, the best
//! contact and each contact's share (formulas in [`leadscore::accounts::rollup`]).
//!
//! `--ledger L [--run ID]` reads the run's recorded context columns
//! ([`leadscore::ledger::context`]) as that night's scored file showed them
//! ([`leadscore::sinks::replay`]), so it gives the roll-up `--scored` gives on the file.

use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args};

use super::{check_outputs, print_out, Outcome};
use leadscore::accounts::buying_group::BuyingGroup;
use leadscore::accounts::rollup::roll_up;
use leadscore::accounts::rollup::Contact;
use leadscore::accounts::scored::{contacts_of, read_scored, to_frame, ScoredColumns};
use leadscore::data::output::{commit_all, BatchWriter, Staged};
use leadscore::ledger::{find_run, open, Location, Mode};
use leadscore::present::rollup::{render_rollup, rollup_page};
use leadscore::rules::RuleSet;
use leadscore::sinks::replay::{scored_frame, LEAD_ID};

/// Arguments of `leadscore rollup`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["scored", "ledger"])))]
pub struct RollupArgs {
    /// Scored file written by `leadscore score --model` with the account column kept
    /// (`--keep-columns account`).
    #[arg(long)]
    pub scored: Option<PathBuf>,
    /// Or a score ledger (an SQLite file or a postgres:// URL): roll up a recorded night, as
    /// its scored file would (the run must have been scored with `--ledger` and the account
    /// column kept).
    #[arg(long)]
    pub ledger: Option<String>,
    /// The ledger's run: an id, `latest`, `previous` or `latest-N`.
    #[arg(long, default_value = "latest", requires = "ledger")]
    pub run: String,
    /// Account column to roll up by.
    #[arg(long)]
    pub by: String,
    /// Id column of the scored file [default: its first column].
    #[arg(long, conflicts_with = "ledger")]
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

/// Contacts with their accounts.
type Accounts = Vec<(Option<String>, Contact)>;

/// The contacts of the ledger's run, and the name the roll-up shows as its source
/// (`ledger L run N`).
fn ledger_contacts(ledger: &str, args: &RollupArgs) -> anyhow::Result<(Accounts, String)> {
    let loc = Location::parse(ledger);
    let mut backend = open(&loc, Mode::Read)?;
    let runs = backend.runs()?;
    let run = find_run(&runs, &args.run, &loc.display())?;
    let again = format!(
        "score that night again with `leadscore score ... --ledger {} --as-of {} --replace` keeping the column (--keep-columns {}), or roll up its scored file with --scored",
        loc.display(),
        run.as_of,
        args.by
    );
    let mut need = vec![(args.by.as_str(), again.as_str())];
    let value_hint = "score with --value-column so the run records the value, or leave out --value-column";
    need.extend(args.value_column.as_deref().map(|v| (v, value_hint)));
    let currency_hint = "score with --currency-column so the run records it, or leave out --currency-column";
    need.extend(args.currency_column.as_deref().map(|c| (c, currency_hint)));
    let df = scored_frame(backend.as_mut(), run, &need)?;
    let source = format!("ledger {} run {}", loc.display(), run.run_id);
    let cols = ScoredColumns {
        by: args.by.clone(),
        id: Some(LEAD_ID.to_string()),
        value: args.value_column.clone(),
        currency: args.currency_column.clone(),
    };
    Ok((contacts_of(&df, Path::new(&source), &cols)?, source))
}

/// Runs `rollup`.
pub fn run(args: RollupArgs) -> anyhow::Result<Outcome> {
    let ledger_file = args.ledger.as_deref().map(Location::parse).and_then(|l| match l {
        Location::Sqlite(p) => Some(p),
        Location::Postgres(_) => None,
    });
    check_outputs(
        &[("--out", Some(args.out.as_path())), ("--html", args.html.as_deref())],
        &[("--scored", args.scored.as_deref()), ("--ledger", ledger_file.as_deref())],
    )?;
    let group = buying_group(&args)?;
    let (contacts, source) = match (&args.scored, &args.ledger) {
        (Some(scored), _) => {
            let cols = ScoredColumns {
                by: args.by.clone(),
                id: args.id.clone(),
                value: args.value_column.clone(),
                currency: args.currency_column.clone(),
            };
            (read_scored(scored, &cols)?, scored.display().to_string())
        }
        (None, Some(ledger)) => ledger_contacts(ledger, &args)?,
        (None, None) => anyhow::bail!("give --scored FILE or --ledger LEDGER"),
    };
    let mut rollup = roll_up(&args.by, contacts, args.value_column.is_some());
    if let Some(g) = group {
        g.apply(&mut rollup);
    }
    let mut df = to_frame(&rollup, &args.out)?;
    let mut writer = BatchWriter::create(&args.out)?;
    writer.write(&mut df)?;
    let mut staged = vec![writer.finish_staged()?];
    if let Some(h) = &args.html {
        staged.push(Staged::bytes(h, rollup_page(&rollup, &source).as_bytes())?);
    }
    commit_all(staged)?;
    if args.json {
        print_out(&format!("{}\n", serde_json::to_string_pretty(&rollup)?))?;
    } else {
        print_out(&render_rollup(&rollup, args.top))?;
    }
    Ok(Outcome::Ok)
}
