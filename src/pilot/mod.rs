//! Pilot tests with a control group: the live proof that working leads in model order
//! beats the current rules.
//!
//! 1. [`assign`]: each open lead gets an arm — treatment (worked in model order) or
//!    control (worked by the rules) — from a hash of its id and a seed, so assignment is
//!    random, reproducible, and stable when a lead appears again.
//! 2. [`files`]: reads leads and writes the assignment file; reads assignment plus outcomes.
//! 3. [`analyze`]: conversion per arm with Wilson intervals, the two-proportion z-test,
//!    sales-cycle length per arm, and the sample size a conclusive result needs
//!    ([`stats`] holds the statistics).

pub mod analyze;
pub mod assign;
pub mod files;
pub mod stats;
