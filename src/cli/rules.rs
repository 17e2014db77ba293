//! `leadscore rules`: placeholder until its issue lands.

use clap::Args;

use super::Outcome;

/// Arguments of `leadscore rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {}

/// Runs `rules`.
pub fn run(_args: RulesArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("leadscore rules is not available yet")
}
