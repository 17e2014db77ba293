//! `leadscore models`: the registry (`list`, `show`, `promote`, `revert`, `history`) and the
//! promotion gate (`compare`). See [`leadscore::registry`] for the layout on disk and
//! [`leadscore::registry::gate`] for the rule.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{print_out, Outcome};
use leadscore::bundle::Bundle;
use leadscore::evaluate::{load_scored, InputPlan};
use leadscore::present::inspect::inspect;
use leadscore::present::registry::{render_entry, render_history, render_list};
use leadscore::registry::gate::{judge, GateOptions};
use leadscore::registry::{default_dir, is_alias, GateRecord, Registry};

/// Arguments of `leadscore models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// The registry directory [default: models, or LEADSCORE_REGISTRY].
    #[arg(long, global = true, value_name = "DIR")]
    pub registry: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: ModelsCommand,
}

/// `leadscore models` subcommands.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Every bundle in the registry directory and its store, with the aliases on each.
    List,
    /// One bundle (an alias, a path, a model_id prefix or a bundle name) and its history.
    Show {
        /// champion, challenger, a bundle file, a model_id (checksum) prefix, or a name.
        name: String,
    },
    /// Point an alias at a bundle. To champion, a passing `models compare` against the
    /// current champion is required (the first champion needs none), unless --force.
    Promote {
        /// The bundle file.
        bundle: PathBuf,
        /// The alias: champion or challenger.
        #[arg(long = "as", value_name = "ALIAS")]
        alias: String,
        /// Promote without a passing comparison (needs --note).
        #[arg(long)]
        force: bool,
        /// Who/why, recorded in the history.
        #[arg(long)]
        note: Option<String>,
    },
    /// Point an alias back to the bundle it had before its latest promotion.
    Revert {
        /// The alias [default: champion].
        #[arg(long = "alias", default_value = "champion")]
        alias: String,
        /// Who/why, recorded in the history.
        #[arg(long)]
        note: Option<String>,
    },
    /// The append-only history of promotions, reverts and comparisons.
    History,
    /// The promotion gate: evaluate champion and challenger only on labelled leads neither
    /// learned from, and judge by the documented rule: at least 100 converted and 100 dead
    /// leads; the lower end of the 95% DeLong interval of AUC(challenger) - AUC(champion)
    /// at least -MARGIN; log loss at most 0.005 and ECE at most 0.02 above the champion's.
    /// Exit 0 when the challenger passes, 1 when it does not. The result is recorded in the
    /// registry's history, where `promote` looks for it.
    Compare(CompareArgs),
}

/// Arguments of `leadscore models compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The champion: an alias or a bundle file.
    #[arg(long, default_value = "champion")]
    pub champion: PathBuf,
    /// The challenger: an alias or a bundle file.
    #[arg(long)]
    pub challenger: PathBuf,
    /// Labelled leads (CSV, Parquet, NDJSON), e.g. deals closed since the champion was
    /// trained; with --ledger, the outcomes of leads the two scored (`score --shadow`).
    #[arg(long)]
    pub data: PathBuf,
    /// As scored: judge each lead by the champion's score and the challenger's shadow score
    /// from this ledger (its last run on or before the outcome), not by rescoring today.
    #[arg(long, conflicts_with = "date_column")]
    pub ledger: Option<String>,
    /// With --ledger: the outcomes file's lead id column [default: the champion's id column].
    #[arg(long, requires = "ledger")]
    pub id: Option<String>,
    /// With --ledger: the column with each outcome's date.
    #[arg(long, requires = "ledger")]
    pub outcome_date_column: Option<String>,
    /// Also keep only leads created after both bundles' training windows, by this date column.
    #[arg(long)]
    pub date_column: Option<String>,
    /// Sales capacity: converted leads among the N best-scored, for each model.
    #[arg(long)]
    pub capacity: Option<usize>,
    /// Non-inferiority margin on the AUC.
    #[arg(long, default_value_t = 0.01)]
    pub margin: f64,
    /// Who/why, recorded with the comparison.
    #[arg(long)]
    pub note: Option<String>,
    /// Also write the verdict and every number as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Runs `models`.
pub fn run(args: ModelsArgs) -> anyhow::Result<Outcome> {
    let registry = Registry::at(&args.registry.clone().unwrap_or_else(default_dir));
    match args.command {
        ModelsCommand::List => print_out(&render_list(&registry.list()?))?,
        ModelsCommand::Show { name } => show(&registry, &name)?,
        ModelsCommand::Promote { bundle, alias, force, note } => {
            let path = registry.path_of(&bundle)?;
            let e = registry.promote(&path, &alias, force, note)?;
            print_out(&format!(
                "{} is now {alias} (registry entry #{}; stored as {})\n{}",
                path.display(),
                e.seq,
                registry.stored_path(&e.bundle.checksum).display(),
                render_entry(&e)
            ))?;
        }
        ModelsCommand::Revert { alias, note } => {
            let e = registry.revert(&alias, note)?;
            print_out(&format!("{alias} reverted (registry entry #{})\n{}", e.seq, render_entry(&e)))?;
        }
        ModelsCommand::History => print_out(&render_history(&registry.history()?))?,
        ModelsCommand::Compare(c) => return compare(&registry, c),
    }
    Ok(Outcome::Ok)
}

fn show(registry: &Registry, name: &str) -> anyhow::Result<()> {
    let path = if is_alias(Path::new(name)) {
        registry.resolve(name)?.path
    } else if Path::new(name).is_file() {
        PathBuf::from(name)
    } else {
        let files = registry.list()?;
        let hits: Vec<&PathBuf> = files
            .iter()
            .filter(|f| f.bundle.as_ref().is_ok_and(|b| b.checksum.starts_with(name) || b.name == name))
            .map(|f| &f.path)
            .collect();
        match hits.as_slice() {
            [one] => (*one).clone(),
            [] => anyhow::bail!(
                "registry {}: no bundle is \"{name}\" (not an alias, a file, a model_id prefix or a bundle name); see `leadscore models list`",
                registry.dir().display()
            ),
            many => anyhow::bail!(
                "registry {}: \"{name}\" matches {} bundles ({}); give a longer model_id prefix or the file",
                registry.dir().display(),
                many.len(),
                many.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        }
    };
    let b = Bundle::load(&path)?;
    let mut out = format!("file: {}\n", path.display());
    out.push_str(&inspect(&b).render());
    let history = registry.history()?;
    let mine: Vec<_> = history
        .iter()
        .filter(|e| e.bundle.checksum == b.checksum || e.from.as_ref().is_some_and(|f| f.checksum == b.checksum))
        .collect();
    out.push_str("\nregistry history of this bundle:\n");
    if mine.is_empty() {
        out.push_str("  (never promoted or compared)\n");
    }
    for e in mine {
        out.push_str(&render_entry(e));
    }
    print_out(&out)
}

fn compare(registry: &Registry, c: CompareArgs) -> anyhow::Result<Outcome> {
    if !(c.margin >= 0.0 && c.margin < 0.5) {
        anyhow::bail!("--margin {} must be at least 0 and below 0.5 (an AUC difference)", c.margin);
    }
    let champion = registry.path_of(&c.champion)?;
    let challenger = registry.path_of(&c.challenger)?;
    let inputs = [("--data", Some(c.data.as_path())), ("--champion", Some(champion.as_path()))];
    super::check_outputs(&[("--json", c.json.as_deref())], &inputs)?;
    let (a, b) = (Bundle::load(&champion)?, Bundle::load(&challenger)?);
    if a.checksum == b.checksum {
        anyhow::bail!(
            "champion {} and challenger {} are the same bundle (model_id {}): nothing to compare",
            champion.display(),
            challenger.display(),
            &a.checksum[..12]
        );
    }
    let name = |x: &Bundle| format!("{} ({})", x.name, x.primary.as_str());
    let (labels, pa, pb, left_out, data_sha256) = match &c.ledger {
        Some(l) => as_scored(&c, l, &a, &b)?,
        None => {
            let plan = InputPlan {
                data: c.data.clone(),
                models: vec![champion.clone(), challenger.clone()],
                unseen: Some(c.date_column.clone()),
                ..Default::default()
            };
            let set = load_scored(&plan)?;
            // The verdict is recorded for the bundles read above: they must be the ones that scored.
            if set.bundle_checksums != [a.checksum.clone(), b.checksum.clone()] {
                anyhow::bail!(
                    "{} or {} changed while it was being compared (another process wrote it); nothing was recorded: run models compare again",
                    champion.display(),
                    challenger.display()
                );
            }
            let ka = a.models.iter().position(|m| m.model.kind() == a.primary).unwrap_or(0);
            let kb = a.models.len() + b.models.iter().position(|m| m.model.kind() == b.primary).unwrap_or(0);
            let lines = set.unseen.as_ref().map(|u| u.describe()).unwrap_or_default();
            let (sa, sb) = (set.scorers[ka].scores.clone(), set.scorers[kb].scores.clone());
            let sha = set.data_sha256.unwrap_or_default();
            (set.labels, sa, sb, (lines, serde_json::to_value(&set.unseen)?), sha)
        }
    };
    if let Some(k) = c.capacity {
        if k == 0 || k > labels.len() {
            anyhow::bail!("--capacity {k} must be between 1 and the {} leads compared", labels.len());
        }
    }
    let opts = GateOptions { margin: c.margin, ..Default::default() };
    let v = judge((&name(&a), &pa), (&name(&b), &pb), &labels, c.capacity, &opts)?;
    let record = GateRecord {
        passed: v.passed,
        verdict: v.verdict.clone(),
        data_file: c.data.display().to_string(),
        data_sha256,
        leads: v.leads,
        conversions: v.conversions,
        checks: v.checks.iter().map(|k| format!("[{}] {}", if k.passed { "pass" } else { "FAIL" }, k.what)).collect(),
    };
    if let Some(path) = &c.json {
        let doc = serde_json::json!({ "champion": champion, "challenger": challenger, "data": c.data,
            "unseen": left_out.1, "ledger": c.ledger, "gate": v });
        super::evaluate::write_atomic(path, format!("{}\n", serde_json::to_string_pretty(&doc)?).as_bytes())?;
    }
    let entry = registry.record_comparison((&champion, &a), (&challenger, &b), record, c.note.clone())?;
    let shown = |given: &Path, path: &Path, x: &Bundle| {
        let file = if given == path { String::new() } else { format!(" = {}", path.display()) };
        format!(
            "{}{file} (bundle {}, model_id {}, trained {})",
            given.display(),
            x.name,
            &x.checksum[..12],
            x.training.trained_at
        )
    };
    let mut out = format!(
        "champion:   {}\nchallenger: {}\ndata: {}\n",
        shown(&c.champion, &champion, &a),
        shown(&c.challenger, &challenger, &b),
        c.data.display()
    );
    for line in &left_out.0 {
        out.push_str(&format!("  {line}\n"));
    }
    out.push('\n');
    out.push_str(&v.render());
    out.push_str(&format!("recorded as registry entry #{}", entry.seq));
    if v.passed {
        out.push_str(&format!(
            "; `leadscore models promote {} --as champion` now passes its gate\n",
            c.challenger.display()
        ));
    } else {
        out.push('\n');
    }
    print_out(&out)?;
    Ok(if v.passed { Outcome::Ok } else { Outcome::Problems })
}

/// Champion and challenger as scored in a ledger (the challenger as shadow), on leads
/// neither learned from; with the lines saying what was left out.
#[allow(clippy::type_complexity)]
fn as_scored(
    c: &CompareArgs,
    ledger: &str,
    a: &Bundle,
    b: &Bundle,
) -> anyhow::Result<(Vec<bool>, Vec<f64>, Vec<f64>, (Vec<String>, serde_json::Value), String)> {
    use leadscore::ledger::{open, Location, Mode};
    use leadscore::live::{load_shadow_pair, LivePlan};
    let loc = Location::parse(ledger);
    let mut backend = open(&loc, Mode::Read)?;
    let Some(id) = c.id.clone().or_else(|| a.id_column.clone()) else {
        anyhow::bail!("pass --id with the outcomes file's lead id column (the champion has no id column)");
    };
    let plan = LivePlan {
        data: c.data.clone(),
        id,
        target: a.target.column.clone(),
        positive: a.target.positive.clone(),
        negative: a.target.negative.clone(),
        outcome_date: c.outcome_date_column.clone(),
    };
    let learned = |lead: &str| {
        [a, b]
            .iter()
            .any(|x| x.training.trained_leads.as_ref().is_some_and(|d| x.id_column.is_some() && d.contains(lead)))
    };
    let (ida, idb) = (leadscore::score::short_id(&a.checksum), leadscore::score::short_id(&b.checksum));
    let (y, pa, pb, counts, sha) = load_shadow_pair(backend.as_mut(), &plan, &ida, &idb, &learned)?;
    let lines = vec![
        format!(
            "as scored in {}: champion {ida} from its nightly runs, challenger {idb} from its shadow runs ({} runs read)",
            loc.display(),
            counts.runs
        ),
        format!(
            "{} of {} labelled leads evaluated; left out: {} a bundle learned from, {} not scored by both, {} scored only after their outcome",
            counts.evaluated, counts.labelled, counts.trained_on, counts.not_in_ledger, counts.scored_only_after
        ),
    ];
    Ok((y, pa, pb, (lines, serde_json::to_value(&counts)?), sha))
}
