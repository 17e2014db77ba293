//! The rules file as written: TOML tables deserialised strictly (`deny_unknown_fields`),
//! with spans so that every later problem can name its line.
//!
//! These are *unchecked* parameters. [`crate::rules::RuleSet::parse`] turns them into a
//! [`crate::rules::RuleSet`]: regexes compiled with size limits, thresholds ordered,
//! exactly one operator per condition, names resolved. Nothing here is evaluated.
//!
//! ```toml
//! [score]
//! id = "lead_id"                 # the lead id column (joins the activity log)
//! mql = 50                       # total >= mql: marketing-qualified
//! sql = 80                       # total >= sql: sales-qualified
//! fit_weight = 0.5               # total = fit_weight * fit + (1 - fit_weight) * engagement
//! fit_grades = [75, 50, 25]      # fit score >= 75: A, >= 50: B, >= 25: C, else D
//! engagement_levels = [60, 30, 10]   # engagement >= 60: 1, >= 30: 2, >= 10: 3, else 4
//! missing = ["Select"]           # cell values that mean "not captured"
//!
//! [[fit]]
//! when = { field = "job_title", matches = "(?i)director|vp|head|chief" }
//! points = 15
//!
//! [[engagement]]
//! name = "webinar"
//! activity = "webinar_attended"  # from the activity log (--activities)
//! points = 10
//! per = "each"
//! max = 30
//! half_life_days = 30
//! expire_after_days = 90
//! ```
//!
//! ## `or` and `and`
//!
//! `[[fit]]`, `[[engagement]]`, `[[disqualify]]` and `[[segment]]` take, besides `when`, two
//! flat lists of conditions: `or`, alternatives to `when`, and `and`, conditions that must
//! hold as well. The rule applies when
//!
//! > (`when` holds **or** any `or` condition holds) **and** every `and` condition holds.
//!
//! ```toml
//! [[fit]]
//! name = "director"
//! when = { field = "seniority", equals = "director" }
//! or = [{ field = "job_title", matches = "(?i)\\bdirector\\b" }]
//! and = [{ field = "segment", equals = "B2B" }]
//! points = 25
//! ```
//!
//! - A rule applies (and counts its points) once, however many alternatives hold: that is
//!   the difference from two rules, which would both fire and count twice.
//! - Without `when`, `or` alone is the list of alternatives: the rule applies when any of
//!   them holds (and every `and`). On a `count` or `activity` rule, which needs no `when`,
//!   `or` (like `when` and `and`) chooses the leads whose counts or events score.
//! - The alternatives are tried in file order, `when` first; the first that holds is the one
//!   a rule with `or` names in its explanation, as its column and the lead's value there:
//!   `rules explain` shows `director [job_title: Sales Director] (line 12)` (or
//!   `[job_title: Sales Director; 2 events]` for a count or activity rule), `rule_reasons`
//!   shows `director (+25.0, job_title: Sales Director)`, and a disqualification with `or`
//!   says `junk (first_name: test)`. Rules without `or` are explained as before
//!   (`senior [vp] (line 15)`); a segment is explained by its name.
//! - Without `reason`, the reason is the alternatives in words: `seniority = director or
//!   job_title matches (?i)\bdirector\b`.
//! - `or = []` is an error (an empty list of alternatives is a half-finished edit). The lists
//!   do not nest: a condition inside `or` or `and` cannot have its own `or` or `and`.
//!   `[[persona]]` takes neither: its `when` is already a list scored by the share that holds.
//! - Problems are reported at the rule's first line, except those of a condition inside `or`,
//!   which are reported at that condition's own line (so a long `or` list can be written one
//!   alternative per line); so are `rules check --data`'s columns the data lacks and values
//!   that never occur in it.
//! - Limits (`rules check` refuses the file, before compiling anything): at most
//!   [`super::gate::MAX_CONDITIONS`] conditions in all (`when`, `or`, `and` and persona
//!   conditions) and [`super::gate::MAX_PATTERNS`] regexes (`matches`), besides the caps on
//!   the number of rules, the file size and each regex's length and compiled size.

use serde::Deserialize;
use toml::Spanned;

use super::gate::OrParams;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFileParams {
    /// Thresholds, grades and the id column.
    pub score: Option<Spanned<ScoreParams>>,
    /// Column names of the activity log.
    pub activities: Option<Spanned<ActivityColumnsParams>>,
    /// Explicit (who the lead is) rules.
    #[serde(default)]
    pub fit: Vec<Spanned<RuleParams>>,
    /// Implicit (what the lead did) rules.
    #[serde(default)]
    pub engagement: Vec<Spanned<RuleParams>>,
    /// Hard disqualification rules.
    #[serde(default)]
    pub disqualify: Vec<Spanned<DisqualifyParams>>,
    /// Segments (tiers) with their own thresholds and rules.
    #[serde(default)]
    pub segment: Vec<Spanned<SegmentParams>>,
    /// Named personas.
    #[serde(default)]
    pub persona: Vec<Spanned<PersonaParams>>,
    /// Funnel stages, furthest first.
    #[serde(default)]
    pub stage: Vec<Spanned<StageParams>>,
    /// Follow-up actions, first match wins.
    #[serde(default)]
    pub action: Vec<Spanned<ActionParams>>,
}

/// `[score]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ScoreParams {
    /// Lead id column.
    pub id: Option<String>,
    /// MQL cut-off on the total (0–100).
    pub mql: Option<f64>,
    /// SQL cut-off on the total (0–100).
    pub sql: Option<f64>,
    /// Weight of fit in the total (engagement gets the rest).
    pub fit_weight: Option<f64>,
    /// Fit cut-offs for A, B, C.
    pub fit_grades: Option<Vec<f64>>,
    /// Engagement cut-offs for levels 1, 2, 3.
    pub engagement_levels: Option<Vec<f64>>,
    /// Cell values meaning missing.
    #[serde(default)]
    pub missing: Vec<String>,
}

/// `[activities]`: the activity log's columns.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ActivityColumnsParams {
    /// Lead id column (default `lead_id`).
    pub id: Option<String>,
    /// Activity type column (default `activity`).
    pub activity: Option<String>,
    /// Timestamp column (default `timestamp`).
    pub timestamp: Option<String>,
    /// strftime format of the timestamp (default `%Y-%m-%dT%H:%M:%SZ`).
    pub timestamp_format: Option<String>,
    /// Page column (default `page`; optional in the file).
    pub page: Option<String>,
    /// Product column (default `product`; optional in the file).
    pub product: Option<String>,
}

/// One condition on a lead's column: `{ field = "x", <one operator> }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ConditionParams {
    /// The column.
    pub field: String,
    /// Equal to this value (trimmed, case-insensitive).
    pub equals: Option<toml::Value>,
    /// Equal to one of these values.
    pub one_of: Option<Vec<toml::Value>>,
    /// Numeric range, both ends included.
    pub between: Option<Vec<f64>>,
    /// Number at least this.
    pub min: Option<f64>,
    /// Number at most this.
    pub max: Option<f64>,
    /// Matches this regular expression (anywhere in the value; anchor with `^...$`).
    pub matches: Option<String>,
    /// `true`: the cell is missing; `false`: it is present.
    pub missing: Option<bool>,
    /// The cell is junk by `check-data`'s checks ([`crate::hygiene::cell`]): `"email"`
    /// (invalid, disposable or role address), `"name"` (test or keyboard-mash name) or
    /// `"phone"` (impossible number).
    pub junk: Option<String>,
}

/// A `[[fit]]` or `[[engagement]]` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleParams {
    /// Name, referenced by `[[stage]] after`.
    pub name: Option<String>,
    /// Condition on the lead.
    pub when: Option<ConditionParams>,
    /// Alternatives to `when`: the rule applies when `when` or any of these holds.
    pub or: Option<OrParams>,
    /// Further conditions, all of which must hold too.
    #[serde(default)]
    pub and: Vec<ConditionParams>,
    /// Engagement only: a column of counts.
    pub count: Option<String>,
    /// Engagement only: an activity type of the activity log.
    pub activity: Option<String>,
    /// With `activity`: only events of this product.
    pub product: Option<String>,
    /// With `activity`: only events on this page (`/docs/*` for a prefix).
    pub page: Option<String>,
    /// Points (negative to subtract).
    pub points: f64,
    /// Why, shown in reasons.
    pub reason: Option<String>,
    /// `once` (default) or `each`.
    pub per: Option<String>,
    /// Cap on the rule's points (in absolute value).
    pub max: Option<f64>,
    /// Recency decay: points halve every this many days.
    pub half_life_days: Option<f64>,
    /// Events older than this many days no longer count.
    pub expire_after_days: Option<f64>,
    /// Only for leads in these segments.
    #[serde(default)]
    pub segments: Vec<String>,
}

/// A `[[disqualify]]` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisqualifyParams {
    /// Condition.
    pub when: ConditionParams,
    /// Alternatives to `when`.
    pub or: Option<OrParams>,
    /// Further conditions.
    #[serde(default)]
    pub and: Vec<ConditionParams>,
    /// Why the lead is set aside.
    pub reason: String,
}

/// A `[[segment]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentParams {
    /// Name, referenced by rules' `segments`.
    pub name: String,
    /// Condition choosing the segment.
    pub when: ConditionParams,
    /// Alternatives to `when`.
    pub or: Option<OrParams>,
    /// Further conditions.
    #[serde(default)]
    pub and: Vec<ConditionParams>,
    /// MQL cut-off for this segment.
    pub mql: Option<f64>,
    /// SQL cut-off for this segment.
    pub sql: Option<f64>,
    /// Fit weight for this segment.
    pub fit_weight: Option<f64>,
}

/// A `[[persona]]`. A lead's match is the share of conditions that hold; the persona with
/// the highest share at or above its `min_share` is reported (ties: the first in the file).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaParams {
    /// Name.
    pub name: String,
    /// Conditions; the share that hold is the match.
    pub when: Vec<ConditionParams>,
    /// Smallest share of conditions that must hold (default 1: all of them).
    pub min_share: Option<f64>,
}

/// A `[[stage]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageParams {
    /// Name (awareness, consideration, decision, ...).
    pub name: String,
    /// Names of rules any of which put the lead in this stage; empty: the default stage.
    #[serde(default)]
    pub after: Vec<String>,
}

/// An `[[action]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionParams {
    /// Grades (`A1`) or fit letters (`A`) this action is for.
    #[serde(default)]
    pub grades: Vec<String>,
    /// Stages this action is for.
    #[serde(default)]
    pub stages: Vec<String>,
    /// Statuses (`sql`, `mql`, `lead`) this action is for.
    #[serde(default)]
    pub status: Vec<String>,
    /// For disqualified leads only (`true`) or never (`false`).
    pub disqualified: Option<bool>,
    /// What to do.
    #[serde(rename = "do")]
    pub todo: String,
}
