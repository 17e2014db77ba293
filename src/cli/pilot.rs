//! `leadscore pilot`: placeholder until its issue lands.

use clap::Args;

use super::Outcome;

/// Arguments of `leadscore pilot`.
#[derive(Debug, Args)]
pub struct PilotArgs {}

/// Runs `pilot`.
pub fn run(_args: PilotArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("leadscore pilot is not available yet")
}
