//! leadscore: lead scoring that learns from a team's own converted-vs-dead history,
//! ranks open leads every night, and explains each score.
//!
//! Layers, each importing only from the layers above it in this list (a test,
//! `tests/cli/architecture.rs`, keeps it so):
//! - maths and plumbing: [`evaluation`] (metrics, tests, splits, comparisons: pure functions
//!   of scores and outcomes), [`rng`] (the one seeded generator), [`explain`] (contributions
//!   as data), [`params`] (the error of every parameter check), [`data`] (loading CSV /
//!   Parquet / NDJSON, typing values, writing files);
//! - the domain: [`features`] (the fitted feature pipeline), [`models`] (logistic regression
//!   and boosted trees on a feature matrix), [`rules`] (the points rules), [`leakage`] (the
//!   guard run before fitting), [`bundle`] (the versioned model bundle), [`config`] (the
//!   training config, embedding each domain module's parameters);
//! - the scoring seam: [`scorer`] (one [`scorer::Scorer`] trait over models, bundles and rules);
//! - the jobs: [`train`], [`score`] (the nightly batch, writing through [`score::Sink`]s),
//!   [`evaluate`] (reading and scoring labelled leads for `evaluate` and `thresholds`),
//!   [`thresholds`] (the threshold lab),
//!   [`pilot`], [`generate`] (the synthetic sample);
//! - [`present`]: every text, HTML and SVG printed for people; [`sinks`]: where scored
//!   batches go (files).
//!
//! The command line lives in the binary (`src/main.rs`, `src/cli/`), not here: the library
//! uses neither clap nor anyhow and returns typed errors.

// The typed errors carry what a message must name (the file, the column, the row, what to do),
// so they are large by design; one is built per failed run, never per lead.
#![allow(clippy::result_large_err)]

pub mod accounts;
pub mod bundle;
pub mod config;
pub mod data;
pub mod drift;
pub mod evaluate;
pub mod evaluation;
pub mod explain;
pub mod export;
pub mod features;
pub mod generate;
pub mod hygiene;
pub mod leakage;
pub mod ledger;
pub mod live;
pub mod models;
pub mod params;
pub mod pilot;
pub mod present;
pub mod registry;
pub mod rng;
pub mod rules;
pub mod score;
pub mod scorer;
pub mod sinks;
pub mod thresholds;
pub mod train;
pub mod unseen;

/// Versions of the crates that shape the numbers, recorded in every bundle.
pub fn versions() -> Vec<(String, String)> {
    let mut v = vec![("leadscore".to_string(), env!("CARGO_PKG_VERSION").to_string())];
    v.extend(
        env!("LEADSCORE_DEP_VERSIONS")
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, x)| (k.to_string(), x.to_string())),
    );
    v
}
