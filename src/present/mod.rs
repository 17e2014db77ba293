//! Presentation: every text, HTML and SVG the commands print or write for people, in one
//! place. Nothing here computes a number; each printer takes the typed result of a job
//! ([`crate::bundle::Bundle`], [`crate::evaluation::compare::Comparison`],
//! [`crate::score::ScoreSummary`], a rules [`crate::rules::Breakdown`], ...) and renders it.
//!
//! - [`text`]: pieces every printer shares (signed numbers, reasons, counts, intervals,
//!   the decile table);
//! - [`train`]: the report `train` prints; [`evaluate`]: the summary `evaluate` prints;
//!   [`html`] with [`charts`]: the self-contained HTML report;
//! - [`thresholds`], [`pilot`], [`rules`], [`score`], [`inspect`]: the other commands' output.

pub mod charts;
pub mod drift;
pub mod evaluate;
pub mod html;
pub mod hygiene;
pub mod inspect;
pub mod ledger;
pub mod momentum;
pub mod money;
pub mod pilot;
pub mod registry;
pub mod rollup;
pub mod rules;
pub mod score;
pub mod segments;
pub mod text;
pub mod thresholds;
pub mod train;
