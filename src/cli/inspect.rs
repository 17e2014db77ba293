//! `leadscore inspect BUNDLE`: what a bundle is (when and on what it was trained, its models
//! and hold-out metrics, grades, schema, leakage report, crate versions), as text or JSON.

use std::path::PathBuf;

use clap::Args;

use super::{print_out, Outcome};
use leadscore::bundle::Bundle;
use leadscore::present::inspect::inspect;

/// Arguments of `leadscore inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model bundle (or champion / challenger).
    pub bundle: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Signing key.
    #[command(flatten)]
    pub sign: super::SignKeyArg,
}

/// Runs `inspect`.
pub fn run(args: InspectArgs) -> anyhow::Result<Outcome> {
    let b = Bundle::load_verified(&super::model_path(&args.bundle)?, args.sign.load()?.as_ref())?;
    let i = inspect(&b);
    if args.json {
        print_out(&format!("{}\n", serde_json::to_string_pretty(&i)?))?;
    } else {
        print_out(&i.render())?;
    }
    Ok(Outcome::Ok)
}
