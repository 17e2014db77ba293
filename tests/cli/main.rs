//! The integration tests, in one test binary (it links once): a module per subcommand or
//! concern, each running the real `leadscore` binary (or the library) on small files in a
//! temporary directory. The generated sample they share is generated once per run
//! ([`common::sample_dir`]).

mod architecture;
mod bundle_roundtrip;
mod check_data;
mod common;
mod completions;
mod drift;
mod evaluate;
mod export;
mod export_routed;
mod export_rules;
mod export_schema;
mod forged_bundles;
mod formats;
mod honest_numbers;
mod inspect;
mod joins;
mod leakage;
mod ledger;
mod litter;
mod loading;
mod logistic_crosscheck;
mod models;
mod momentum;
mod no_signal;
mod pilot;
mod properties;
mod rollup;
mod rollup_ledger;
mod rules;
mod safety_outputs;
mod score;
mod segments;
mod sql_tables;
mod thresholds;
mod train;
mod train_data;
mod train_defaults;
