//! `leadscore generate`: writes the synthetic sample (history, open leads, activity log).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{check_outputs, print_out, Outcome};
use leadscore::generate::{write_sample, GeneratorParams};

/// Arguments of `leadscore generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write history.csv, open_leads.csv and activities.csv into.
    #[arg(long, default_value = "data")]
    pub out_dir: PathBuf,
    /// Leads with a known outcome.
    #[arg(long, default_value_t = 3000)]
    pub history_rows: usize,
    /// Open leads to score.
    #[arg(long, default_value_t = 1000)]
    pub open_rows: usize,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The extraction date (YYYY-MM-DD) that ages and recency are measured from.
    #[arg(long, value_parser = super::parse_as_of, default_value = "2026-06-30")]
    pub as_of: NaiveDate,
    /// Skip the activity log.
    #[arg(long)]
    pub no_activities: bool,
    /// Also write contacts.csv with this many contacts, hygiene defects planted at known rows
    /// (listed in contacts_defects.csv), for `leadscore check-data`.
    #[arg(long, default_value_t = 0)]
    pub contacts: usize,
}

/// Runs `generate`.
pub fn run(args: GenerateArgs) -> anyhow::Result<Outcome> {
    let params = GeneratorParams {
        history_rows: args.history_rows,
        open_rows: args.open_rows,
        seed: args.seed,
        as_of: args.as_of,
        activities: !args.no_activities,
    };
    let (history, open, activities) =
        (args.out_dir.join("history.csv"), args.out_dir.join("open_leads.csv"), args.out_dir.join("activities.csv"));
    let mut outputs = vec![("history", Some(history.as_path())), ("open leads", Some(open.as_path()))];
    if !args.no_activities {
        outputs.push(("activities", Some(activities.as_path())));
    }
    check_outputs(&outputs, &[])?;
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot create the output directory: {e}", args.out_dir.display()))?;
    let files = write_sample(&args.out_dir, &params)?;
    let mut s = format!(
        "wrote {} ({} leads, {} converted), {} ({} leads)",
        files.history.display(),
        files.history_rows,
        files.conversion_rate.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "-".into()),
        files.open_leads.display(),
        files.open_rows
    );
    if let Some(a) = &files.activities {
        s.push_str(&format!(", {} ({} events)", a.display(), files.activity_rows));
    }
    if args.contacts > 0 {
        let (c, d, planted) = leadscore::generate::contacts::write_contacts(&args.out_dir, args.contacts)?;
        s.push_str(&format!(
            ", {} ({} contacts, {planted} with planted defects listed in {})",
            c.display(),
            args.contacts,
            d.display()
        ));
    }
    s.push('\n');
    print_out(&s)?;
    Ok(Outcome::Ok)
}
