//! Sinks: where the nightly run's scored batches go ([`crate::score::Sink`]).
//!
//! - [`FileSink`]: a CSV, Parquet or NDJSON file (by extension) with the id, the model's
//!   columns and the rules' columns, formatted for people;
//! - [`LedgerSink`]: the score ledger ([`crate::ledger`]), one transaction per run;
//! - [`replay`]: a ledger run read back as its scored file showed it.

pub mod file;
pub mod ledger;
pub mod replay;

pub use file::FileSink;
pub use ledger::LedgerSink;
