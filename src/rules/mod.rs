//! The rule-based points score: the explanation people already trust.
//!
//! A rules file (TOML, see [`spec`] for the format) is read and checked once into a
//! [`RuleSet`] ([`set`], its parts in [`items`]): every condition compiled ([`condition`]),
//! each rule's `when` / `or` / `and` combined into a [`gate::Gate`], every problem reported
//! with its line ([`error`]). An optional activity log is aggregated
//! per lead with Polars ([`activity`]) into decayed, expiring counts per rule and points per
//! product. The engine ([`engine`]) then scores leads batch by batch: fit and engagement
//! points, caps, disqualification, segment, grade (A1…D4), MQL/SQL status, funnel stage,
//! persona and follow-up action, each lead with its itemised [`Breakdown`] (printed by
//! [`crate::present::rules`]). [`RulesScorer`] implements [`crate::scorer::Scorer`], so rules
//! are scored and evaluated like any model; [`RulesPlan`] loads a rules file with its activity
//! log; [`check`] checks a rules file against a data file.
//!
//! Rules are data: the only operators are those of [`condition`], combined only by a rule's
//! flat `or` and `and` lists; regexes are length- and size-limited, and the file size and the
//! numbers of rules, conditions and regexes are capped.
//!
//! ```no_run
//! use std::path::Path;
//! use leadscore::rules::RulesPlan;
//!
//! let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
//! let plan = RulesPlan::load(
//!     Path::new("examples/rules/sample.toml"),
//!     Some(Path::new("data/activities.csv")),
//!     as_of,
//!     None,
//! )?;
//! let df = leadscore::data::load::read_table(Path::new("data/open_leads.csv"))?;
//! let frame = leadscore::data::typing::LeadFrame { df: &df, path: Path::new("data/open_leads.csv"), first_row: 1 };
//! let first = &plan.scorer().evaluate(&frame)?[0];
//! println!("{} {} {}", first.total, first.grade, first.action);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod activity;
pub mod check;
pub mod checker;
pub mod condition;
pub mod engine;
pub mod error;
pub mod gate;
pub mod items;
pub mod set;
pub mod spec;

pub use activity::ActivityTable;
pub use engine::{Breakdown, Item, Kind, RuleGrade, RuleStatus, RulesScorer};
pub use error::RulesError;
pub use set::RuleSet;

use std::path::Path;

use chrono::NaiveDate;

use crate::data::load::BatchReader;
use crate::data::typing::LeadFrame;

/// A checked rule set with its aggregated activity log: what scoring with rules needs.
pub struct RulesPlan {
    /// The rules.
    pub rules: RuleSet,
    /// The activity log, aggregated per lead.
    pub activities: Option<ActivityTable>,
}

impl RulesPlan {
    /// Loads the rules (with `id` overriding `[score] id`) and aggregates the activity log
    /// as of the end of `as_of`. Activity rules without a log, or a log without an id
    /// column, are errors rather than silent zeros.
    pub fn load(
        rules: &Path,
        activities: Option<&Path>,
        as_of: NaiveDate,
        id: Option<String>,
    ) -> Result<RulesPlan, RulesError> {
        let mut set = RuleSet::load(rules)?;
        if id.is_some() {
            set.id = id;
        }
        let activities = match activities {
            None => {
                if let Some(line) = set.activity_rule_line() {
                    return Err(RulesError::NeedsActivities { path: set.path.clone(), line });
                }
                None
            }
            Some(log) => {
                if set.id.is_none() {
                    return Err(RulesError::NeedsId { path: set.path.clone() });
                }
                Some(ActivityTable::load(log, &set, as_of)?)
            }
        };
        Ok(RulesPlan { rules: set, activities })
    }

    /// The scorer over this plan.
    pub fn scorer(&self) -> RulesScorer<'_> {
        RulesScorer { rules: &self.rules, activities: self.activities.as_ref() }
    }

    /// The breakdown of the lead whose id (trimmed) is `id` in `data` (`rules explain`); the
    /// file is read a batch at a time until the lead is found.
    pub fn explain_lead(&self, data: &Path, id: &str) -> Result<Breakdown, RulesError> {
        let Some(id_col) = self.rules.id.clone() else {
            return Err(RulesError::NoIdColumn { path: self.rules.path.clone(), id: id.to_string() });
        };
        let mut reader = BatchReader::open(data, 50_000).map_err(RulesError::Leads)?;
        let mut first_row = 1;
        while let Some(df) = reader.next_batch().map_err(RulesError::Leads)? {
            let frame = LeadFrame { df: &df, path: data, first_row };
            let ids = frame.text(&id_col, "set [score] id or --id-column to the leads' id column")?;
            if let Some(i) = ids.iter().position(|v| v.map(str::trim) == Some(id.trim())) {
                let one = df.slice(i as i64, 1);
                let frame = LeadFrame { df: &one, path: data, first_row: first_row + i };
                return Ok(self.scorer().evaluate(&frame)?.remove(0));
            }
            first_row += df.height();
        }
        Err(RulesError::NoSuchLead { path: data.to_path_buf(), column: id_col, id: id.to_string() })
    }
}
