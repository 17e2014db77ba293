//! leadscore: lead scoring that learns from a team's own converted-vs-dead history,
//! ranks open leads every night, and explains each score.
//!
//! Pipeline, one module per stage:
//! - [`data`]: loading CSV / Parquet / NDJSON through Polars, typing values, writing output;
//! - [`config`]: the training config file;
//! - [`leakage`]: the leakage guard run before fitting;
//! - [`features`]: the fitted feature pipeline (design and tree matrices);
//! - [`models`]: the [`models::Scorer`] trait and the models;
//! - [`evaluation`]: metrics, splits and the held-out evaluation;
//! - [`explain`]: turning contributions into reasons;
//! - [`bundle`]: the versioned model bundle;
//! - [`train`] and [`score`]: the two jobs; [`report`]: what `train` prints;
//! - [`generate`]: the synthetic sample data; [`cli`]: the command line.

pub mod bundle;
pub mod cli;
pub mod config;
pub mod data;
pub mod evaluation;
pub mod explain;
pub mod features;
pub mod generate;
pub mod leakage;
pub mod models;
pub mod pilot;
pub mod report;
pub mod rules;
pub mod score;
pub mod train;

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
