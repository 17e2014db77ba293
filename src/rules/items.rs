//! The checked items of a rule set: rules with their evidence, disqualifications,
//! segments, personas, stages and actions. Built only by [`super::set::RuleSet::parse`];
//! every field here has passed its check.

use super::condition::Condition;
use super::gate::Gate;

/// How often a rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// Once, if it applies at all (the most recent event for activity rules).
    Once,
    /// Every occurrence: points × count.
    Each,
}

/// Where a rule's evidence comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Only the conditions: points if they hold.
    Conditions,
    /// A column of counts.
    Count(String),
    /// The activity log: index into [`super::set::RuleSet::activity_rules`].
    Activity(usize),
}

/// A filter on activity-log events.
#[derive(Debug, Clone)]
pub struct ActivityFilter {
    /// Activity type (exact).
    pub activity: String,
    /// Product (exact), if any.
    pub product: Option<String>,
    /// Page: exact, or a prefix when written with a trailing `*`.
    pub page: Option<String>,
    /// Whether `page` is a prefix.
    pub page_prefix: bool,
    /// Points per event (before decay).
    pub points: f64,
    /// Once or each.
    pub per: Per,
    /// Cap in absolute points.
    pub max: Option<f64>,
    /// Half-life in days.
    pub half_life_days: Option<f64>,
    /// Expiry in days.
    pub expire_after_days: Option<f64>,
}

/// A checked fit or engagement rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Name (given, or `fit rule N` / `engagement rule N`).
    pub name: String,
    /// Why, as shown in reasons.
    pub reason: String,
    /// When it applies.
    pub gate: Gate,
    /// Evidence.
    pub source: Source,
    /// Points (per occurrence with `each`).
    pub points: f64,
    /// Once or each.
    pub per: Per,
    /// Cap in absolute points.
    pub max: Option<f64>,
    /// Segments it applies to (empty: all).
    pub segments: Vec<String>,
    /// Line in the rules file.
    pub line: usize,
}

/// A disqualification rule.
#[derive(Debug, Clone)]
pub struct Disqualify {
    /// When it applies.
    pub gate: Gate,
    /// Why.
    pub reason: String,
    /// Line.
    pub line: usize,
}

/// A segment with its overrides.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Name.
    pub name: String,
    /// Which leads are in it.
    pub gate: Gate,
    /// Thresholds in force for the segment.
    pub thresholds: Thresholds,
}

/// MQL/SQL cut-offs and the fit weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// MQL cut-off on the total.
    pub mql: f64,
    /// SQL cut-off on the total.
    pub sql: f64,
    /// Weight of fit in the total.
    pub fit_weight: f64,
}

/// A persona.
#[derive(Debug, Clone)]
pub struct Persona {
    /// Name.
    pub name: String,
    /// Conditions.
    pub conditions: Vec<Condition>,
    /// Smallest matching share.
    pub min_share: f64,
}

/// A funnel stage.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Name.
    pub name: String,
    /// Rules (by name) that put a lead here; empty: default.
    pub after: Vec<String>,
}

/// A follow-up action.
#[derive(Debug, Clone)]
pub struct Action {
    /// Grades or fit letters.
    pub grades: Vec<String>,
    /// Stages.
    pub stages: Vec<String>,
    /// Statuses.
    pub status: Vec<String>,
    /// Disqualified filter.
    pub disqualified: Option<bool>,
    /// What to do.
    pub todo: String,
}

/// Column names of the activity log.
#[derive(Debug, Clone)]
pub struct ActivityColumns {
    /// Lead id.
    pub id: String,
    /// Activity type.
    pub activity: String,
    /// Timestamp.
    pub timestamp: String,
    /// Its strftime format.
    pub timestamp_format: String,
    /// Page (optional in the log).
    pub page: String,
    /// Product (optional in the log).
    pub product: String,
}
