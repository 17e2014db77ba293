//! Sinks: where the nightly run's scored batches go ([`crate::score::Sink`]).
//!
//! - [`FileSink`]: a CSV, Parquet or NDJSON file (by extension) with the id, the model's
//!   columns and the rules' columns, formatted for people.

pub mod file;

pub use file::FileSink;
