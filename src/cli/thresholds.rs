//! `leadscore thresholds`: placeholder until its issue lands.

use clap::Args;

use super::Outcome;

/// Arguments of `leadscore thresholds`.
#[derive(Debug, Args)]
pub struct ThresholdsArgs {}

/// Runs `thresholds`.
pub fn run(_args: ThresholdsArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("leadscore thresholds is not available yet")
}
