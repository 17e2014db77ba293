//! Arguments shared by the commands that score labelled leads with several scorers
//! (`evaluate`, `thresholds`): the data file, its outcome, and the bundles and rules files.

use std::path::PathBuf;

use clap::Args;

use super::split_list;
use leadscore::evaluate::InputPlan;

/// Labelled data and the scorers to run on it (flattened into each command's arguments).
#[derive(Debug, Args)]
pub struct ScorerInputArgs {
    /// Labelled leads (CSV, Parquet or NDJSON) the scorers did not train on.
    #[arg(long)]
    pub data: PathBuf,
    /// Outcome column (default: the first bundle's target).
    #[arg(long)]
    pub target: Option<String>,
    /// Value(s) of the target meaning converted, comma-separated (default: the bundle's).
    #[arg(long)]
    pub positive: Vec<String>,
    /// Value(s) meaning dead, comma-separated; other values (open stages) are skipped
    /// (default: the bundle's).
    #[arg(long)]
    pub negative: Vec<String>,
    /// A model bundle; repeat to compare several. Every model in a bundle is used.
    #[arg(long = "model")]
    pub models: Vec<PathBuf>,
    /// A rules file; repeat to compare several.
    #[arg(long = "rules")]
    pub rules: Vec<PathBuf>,
    /// Activity log for the rules' engagement points (see `leadscore rules`).
    #[arg(long)]
    pub activities: Option<PathBuf>,
    /// Date the rules' activity points are computed at (YYYY-MM-DD; default today).
    #[arg(long, value_parser = super::parse_as_of)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Signing key the bundles must be signed with.
    #[command(flatten)]
    pub sign: super::SignKeyArg,
}

impl ScorerInputArgs {
    /// The input plan, with the command's own choice of rows (reads the signing key, if any).
    pub fn plan(
        &self,
        date_column: Option<String>,
        newest_share: Option<f64>,
        heldout: bool,
    ) -> anyhow::Result<InputPlan> {
        Ok(InputPlan {
            data: self.data.clone(),
            target: self.target.clone(),
            positive: split_list(&self.positive),
            negative: split_list(&self.negative),
            models: self.models.iter().map(|m| super::model_path(m)).collect::<anyhow::Result<_>>()?,
            rules: self.rules.clone(),
            activities: self.activities.clone(),
            as_of: self.as_of,
            date_column,
            newest_share,
            heldout,
            sign_key: self.sign.load()?,
            unseen: None,
            value: None,
        })
    }
}
