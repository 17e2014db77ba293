//! `leadscore evaluate`: placeholder until its issue lands.

use clap::Args;

use super::Outcome;

/// Arguments of `leadscore evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {}

/// Runs `evaluate`.
pub fn run(_args: EvaluateArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("leadscore evaluate is not available yet")
}
