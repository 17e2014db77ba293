//! `leadscore drift`: is the model still seeing the leads it learned from? Exit 1 on drift,
//! so cron can trigger retraining.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{print_out, Outcome};
use leadscore::drift::{drift_of_data, drift_of_ledger, DriftSettings, Verdict};
use leadscore::ledger::{open, Location, Mode};

/// Arguments of `leadscore drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The model bundle (with --ledger: default the bundle of the ledger's latest run).
    #[arg(long, required_unless_present = "ledger")]
    pub model: Option<PathBuf>,
    /// Leads to check (CSV, Parquet or NDJSON): every input column and the score.
    #[arg(long, conflicts_with = "ledger", required_unless_present = "ledger")]
    pub data: Option<PathBuf>,
    /// Check the score of the ledger's recent runs instead (the ledger keeps scores, not inputs).
    #[arg(long)]
    pub ledger: Option<String>,
    /// With --ledger: how many recent runs of the bundle.
    #[arg(long, default_value_t = 10)]
    pub runs: usize,
    /// A PSI below this is never called drift.
    #[arg(long, default_value_t = 0.1)]
    pub min_psi: f64,
    /// Leads per batch.
    #[arg(long, default_value_t = 50_000)]
    pub batch_rows: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write a self-contained HTML page: PSI bars per column, each column's bins
    /// (training vs now), the score over the ledger's recent runs.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

/// Runs `drift`.
pub fn run(args: DriftArgs) -> anyhow::Result<Outcome> {
    if !(args.min_psi.is_finite() && args.min_psi >= 0.0) {
        anyhow::bail!("--min-psi must be a number >= 0 (got {})", args.min_psi);
    }
    if let Some(r) = &args.report {
        let mut inputs = vec![("--model", args.model.as_deref()), ("--data", args.data.as_deref())];
        if let Some(l) = &args.ledger {
            inputs.push(("--ledger", Some(Path::new(l))));
        }
        super::check_outputs(&[("--report", Some(r.as_path()))], &inputs)?;
    }
    let settings = DriftSettings { min_psi: args.min_psi, ..DriftSettings::default() };
    let report = match (&args.data, &args.ledger) {
        (Some(data), _) => {
            let model = super::model_path(args.model.as_deref().expect("clap requires --model with --data"))?;
            drift_of_data(&model, data, args.batch_rows.max(1), &settings)?
        }
        (None, Some(ledger)) => {
            let loc = Location::parse(ledger);
            let mut backend = open(&loc, Mode::Read)?;
            let all = backend.runs()?;
            let model = match &args.model {
                Some(m) => super::model_path(m)?,
                None => match all.last().and_then(|r| r.model_path.clone()) {
                    Some(p) => PathBuf::from(p),
                    None => anyhow::bail!("ledger {}: no run with a bundle; pass --model BUNDLE", loc.display()),
                },
            };
            let bundle = leadscore::bundle::Bundle::load(&model)?;
            let id = leadscore::score::short_id(&bundle.checksum);
            let mut runs: Vec<_> = all.into_iter().filter(|r| r.model_id.as_deref() == Some(id.as_str())).collect();
            if runs.is_empty() {
                anyhow::bail!("ledger {}: no run scored with {} (model {id})", loc.display(), model.display());
            }
            let keep = runs.len().saturating_sub(args.runs.max(1));
            runs.drain(..keep);
            drift_of_ledger(backend.as_mut(), &model, &runs, &settings)?
        }
        (None, None) => unreachable!("clap requires --data or --ledger"),
    };
    if let Some(path) = &args.report {
        leadscore::data::output::Staged::bytes(path, report.render_html().as_bytes())?.commit()?;
    }
    if args.json {
        print_out(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        print_out(&report.render())?;
    }
    Ok(if report.verdict == Verdict::Drift { Outcome::Problems } else { Outcome::Ok })
}
