//! Scoring leads with a checked [`RuleSet`]: the itemised [`Breakdown`] of every lead.
//! [`crate::scorer`] adapts [`RulesScorer`] to the scoring seam, so `score` and evaluation
//! use the rules exactly like a model.
//!
//! Per lead: choose the segment (first `[[segment]]` whose conditions hold, else
//! `default`); add the points of each fit and engagement rule that applies to the segment
//! and fires (its [`Gate`]: `when` or an `or` alternative, and every `and`; activity rules
//! with decay, expiry and caps from the [`ActivityTable`]);
//! fit and engagement are each clamped to 0..100 and the total is
//! `fit_weight · fit + (1 − fit_weight) · engagement`, also in 0..100. A disqualified lead
//! keeps its fit and engagement but its total is 0. Then the grade (fit letter A–D ×
//! engagement level 1–4), status (sql / mql / lead), stage, persona and action.

use polars::prelude::StringChunked;
use rayon::prelude::*;
use serde::Serialize;

use super::activity::{activity_points, cap, ActivityTable, FastMap, RuleAgg};
use super::condition::Condition;
use super::gate::{Alternative, Gate};
use super::set::{Per, Rule, RuleSet, Source, Thresholds};
use crate::data::typing::{parse_number, LeadFrame, MissingTokens, TypingError};
use crate::explain::Contribution;

/// Fit or engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Who the lead is.
    Fit,
    /// What the lead did.
    Engagement,
}

/// One rule that fired for a lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// Fit or engagement.
    pub kind: Kind,
    /// Rule name.
    pub rule: String,
    /// Why.
    pub reason: String,
    /// The evidence: the cell value, or `3 events`. For a rule with `or`, the alternative
    /// that held comes first: `job_title: Sales Director`, `seniority: vp; 3 events`.
    pub value: String,
    /// For a rule with `or`: the alternative (`when` or an `or` condition) that held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Alternative>,
    /// Points before decay and cap (points × count for `each`).
    pub base: f64,
    /// Decay factor applied (1 without decay).
    pub decay: f64,
    /// Whether the cap cut the points.
    pub capped: bool,
    /// Points counted.
    pub points: f64,
    /// Line of the rule.
    pub line: usize,
}

/// A lead's status by its rule score: below MQL, marketing-qualified, sales-qualified, or set
/// aside by a disqualification rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// Below the MQL threshold.
    Lead,
    /// Marketing-qualified: at or above `mql`.
    Mql,
    /// Sales-qualified: at or above `sql`.
    Sql,
    /// Set aside by a `[[disqualify]]` rule (total 0).
    Disqualified,
}

impl RuleStatus {
    /// `lead`, `mql`, `sql` or `disqualified`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Lead => "lead",
            RuleStatus::Mql => "mql",
            RuleStatus::Sql => "sql",
            RuleStatus::Disqualified => "disqualified",
        }
    }
}

impl std::fmt::Display for RuleStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A lead's rule grade: fit letter A–D × engagement level 1–4, written `B2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleGrade {
    /// 0 = A … 3 = D.
    fit: u8,
    /// 1 (most engaged) … 4.
    engagement: u8,
}

impl RuleGrade {
    /// The grade of fit band `fit` (0 = A … 3 = D) and engagement level `engagement` (1 … 4);
    /// out-of-range values are clamped into range.
    pub fn new(fit: u8, engagement: u8) -> RuleGrade {
        RuleGrade { fit: fit.min(3), engagement: engagement.clamp(1, 4) }
    }

    /// The fit letter, `A` … `D`.
    pub fn fit_letter(self) -> char {
        (b'A' + self.fit) as char
    }

    /// The engagement level, 1 … 4.
    pub fn engagement(self) -> u8 {
        self.engagement
    }
}

impl std::fmt::Display for RuleGrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.fit_letter(), self.engagement)
    }
}

impl Serialize for RuleGrade {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Everything the rules say about one lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// Segment name.
    pub segment: String,
    /// Rules that fired, in file order (fit first).
    pub items: Vec<Item>,
    /// Sum of fit points before clamping.
    pub fit_raw: f64,
    /// Fit score, 0..100.
    pub fit_score: f64,
    /// Sum of engagement points before clamping.
    pub engagement_raw: f64,
    /// Engagement score, 0..100.
    pub engagement_score: f64,
    /// Thresholds in force.
    #[serde(skip)]
    pub thresholds: Thresholds,
    /// Total, 0..100 (0 when disqualified).
    pub total: f64,
    /// Grade such as `B2`.
    pub grade: RuleGrade,
    /// `sql`, `mql` or `lead` (`disqualified` when set aside).
    pub status: RuleStatus,
    /// Funnel stage ("" when no stages are defined).
    pub stage: String,
    /// Best persona and the share of its conditions met.
    pub persona: Option<(String, f64)>,
    /// Why the lead is disqualified (for a rule with `or`, with the alternative that held:
    /// `junk (first_name: test)`).
    pub disqualified: Option<String>,
    /// Follow-up action ("" when none matches).
    pub action: String,
    /// Points per product, highest first.
    pub products: Vec<(String, f64)>,
}

/// Rules plus an optional activity table: a [`crate::scorer::Scorer`].
pub struct RulesScorer<'a> {
    /// The rules.
    pub rules: &'a RuleSet,
    /// The aggregated activity log.
    pub activities: Option<&'a ActivityTable>,
}

/// The text columns a batch needs, fetched once.
struct Cells<'a> {
    cols: FastMap<&'a str, &'a StringChunked>,
    missing: &'a MissingTokens,
}

impl<'a> Cells<'a> {
    fn get(&self, field: &str, i: usize) -> Option<&'a str> {
        self.missing.clean(self.cols.get(field)?.get(i))
    }

    /// See [`Gate::matched`].
    fn matched<'g>(&self, gate: &'g Gate, i: usize) -> Option<Option<&'g Condition>> {
        gate.matched(|f| self.get(f, i))
    }

    /// The alternative of `gate` to show (rules with `or` only).
    fn shown(&self, gate: &Gate, alt: Option<&Condition>, i: usize) -> Option<Alternative> {
        gate.shown(alt, |f| self.get(f, i))
    }
}

impl RulesScorer<'_> {
    /// Breakdowns of every lead of the batch.
    pub fn evaluate(&self, leads: &LeadFrame) -> Result<Vec<Breakdown>, TypingError> {
        let hint = format!("the rules file {} uses it; fix the rule or the data", self.rules.path.display());
        let mut cols = FastMap::default();
        let names = self.rules.lead_columns();
        for (name, _) in &names {
            cols.insert(name.as_str(), leads.text(name, &hint)?);
        }
        let cells = Cells { cols, missing: &self.rules.missing };
        // Leads are independent: score them on all cores (order is kept).
        Ok((0..leads.height()).into_par_iter().map(|i| self.lead(&cells, i)).collect())
    }

    fn lead(&self, cells: &Cells, i: usize) -> Breakdown {
        let r = self.rules;
        let (segment, thresholds) = match r.segments.iter().find(|s| s.gate.holds(|f| cells.get(f, i))) {
            Some(s) => (s.name.clone(), s.thresholds),
            None => ("default".to_string(), r.thresholds),
        };
        let id = r.id.as_deref().and_then(|c| cells.get(c, i));
        let aggs = match (self.activities, id) {
            (Some(t), Some(id)) => t.lead(id),
            _ => None,
        };
        let mut items = Vec::new();
        for (kind, rules) in [(Kind::Fit, &r.fit), (Kind::Engagement, &r.engagement)] {
            for rule in rules {
                if !rule.segments.is_empty() && !rule.segments.contains(&segment) {
                    continue;
                }
                let Some(alt) = cells.matched(&rule.gate, i) else { continue };
                if let Some(item) = fire(kind, rule, r, cells, i, aggs, alt) {
                    items.push(item);
                }
            }
        }
        // `+ 0.0` turns the empty sum (-0.0) into 0.
        let sum = |k: Kind| items.iter().filter(|it| it.kind == k).map(|it| it.points).sum::<f64>() + 0.0;
        let (fit_raw, engagement_raw) = (sum(Kind::Fit), sum(Kind::Engagement));
        let fit_score = fit_raw.clamp(0.0, 100.0);
        let engagement_score = engagement_raw.clamp(0.0, 100.0);
        let disqualified = r.disqualify.iter().find_map(|d| {
            let alt = cells.matched(&d.gate, i)?;
            Some(match cells.shown(&d.gate, alt, i) {
                Some(a) => format!("{} ({a})", d.reason),
                None => d.reason.clone(),
            })
        });
        let total = if disqualified.is_some() {
            0.0
        } else {
            (thresholds.fit_weight * fit_score + (1.0 - thresholds.fit_weight) * engagement_score).clamp(0.0, 100.0)
        };
        let fit_band = r.fit_grades.iter().position(|&c| fit_score >= c).unwrap_or(3) as u8;
        let level = r.engagement_levels.iter().position(|&c| engagement_score >= c).map_or(4, |k| k + 1) as u8;
        let grade = RuleGrade::new(fit_band, level);
        let status = if disqualified.is_some() {
            RuleStatus::Disqualified
        } else if total >= thresholds.sql {
            RuleStatus::Sql
        } else if total >= thresholds.mql {
            RuleStatus::Mql
        } else {
            RuleStatus::Lead
        };
        let fired: Vec<&str> = items.iter().map(|it| it.rule.as_str()).collect();
        let stage = r
            .stages
            .iter()
            .find(|s| s.after.iter().any(|a| fired.contains(&a.as_str())))
            .or_else(|| r.stages.iter().find(|s| s.after.is_empty()))
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let mut persona: Option<(String, f64)> = None;
        for p in &r.personas {
            let met = p.conditions.iter().filter(|c| c.holds(cells.get(&c.field, i))).count();
            let share = met as f64 / p.conditions.len().max(1) as f64;
            if share >= p.min_share && persona.as_ref().is_none_or(|(_, best)| share > *best) {
                persona = Some((p.name.clone(), share));
            }
        }
        let action = r
            .actions
            .iter()
            .find(|a| {
                (a.grades.is_empty() || a.grades.iter().any(|g| grade.to_string().starts_with(g.as_str())))
                    && (a.stages.is_empty() || a.stages.contains(&stage))
                    && (a.status.is_empty() || a.status.iter().any(|s| s == status.as_str()))
                    && a.disqualified.is_none_or(|d| d == disqualified.is_some())
            })
            .map(|a| a.todo.clone())
            .unwrap_or_default();
        let products = match (self.activities, id) {
            (Some(t), Some(id)) => t.products(id).into_iter().map(|(p, s)| (p.to_string(), s)).collect(),
            _ => Vec::new(),
        };
        Breakdown {
            segment,
            items,
            fit_raw,
            fit_score,
            engagement_raw,
            engagement_score,
            thresholds,
            total,
            grade,
            status,
            stage,
            persona,
            disqualified,
            action,
            products,
        }
    }
}

/// The item for one rule whose gate is open (`alt`: the alternative that held), or `None`
/// when it earns nothing.
fn fire(
    kind: Kind,
    rule: &Rule,
    r: &RuleSet,
    cells: &Cells,
    i: usize,
    aggs: Option<&[RuleAgg]>,
    alt: Option<&Condition>,
) -> Option<Item> {
    let alternative = cells.shown(&rule.gate, alt, i);
    // `evidence`: the count or events; `None` when the conditions' cells are the evidence.
    let item = |evidence: Option<String>, base: f64, decay: f64, points: f64, capped: bool| Item {
        kind,
        rule: rule.name.clone(),
        reason: rule.reason.clone(),
        value: match (&alternative, evidence) {
            (Some(a), Some(e)) => format!("{a}; {e}"),
            (Some(a), None) => a.to_string(),
            (None, Some(e)) => e,
            (None, None) => {
                let first = rule.gate.any.first().or(rule.gate.all.first());
                first.and_then(|c| cells.get(&c.field, i)).unwrap_or("(missing)").to_string()
            }
        },
        alternative: alternative.clone(),
        base,
        decay,
        capped,
        points,
        line: rule.line,
    };
    match &rule.source {
        Source::Conditions => {
            let (p, capped) = cap(rule.points, rule.max);
            Some(item(None, rule.points, 1.0, p, capped))
        }
        Source::Count(c) => {
            let n = cells.get(c, i).and_then(parse_number).unwrap_or(0.0);
            if n <= 0.0 {
                return None;
            }
            let base = match rule.per {
                Per::Each => rule.points * n,
                Per::Once => rule.points,
            };
            let (p, capped) = cap(base, rule.max);
            Some(item(Some(format!("{n}")), base, 1.0, p, capped))
        }
        Source::Activity(k) => {
            let agg = aggs?.get(*k).copied()?;
            if agg.count == 0 {
                return None;
            }
            let f = &r.activity_rules[*k];
            let (base, decay) = match f.per {
                Per::Each => (f.points * agg.count as f64, agg.weight / agg.count as f64),
                Per::Once => (f.points, agg.weight),
            };
            let (p, capped) = activity_points(f, agg);
            let value = if agg.count == 1 { "1 event".to_string() } else { format!("{} events", agg.count) };
            Some(item(Some(value), base, decay, p, capped))
        }
    }
}

/// A breakdown as generic contributions: one per rule that fired, effect in points.
pub fn contributions(b: &Breakdown) -> Vec<Contribution> {
    b.items
        .iter()
        .map(|it| Contribution { column: it.reason.clone(), value: it.value.clone(), effect: it.points, pp: None })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use chrono::NaiveDate;
    use polars::prelude::*;

    use super::*;
    use crate::data::load::read_table;
    use crate::rules::RulesPlan;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules").join(name)
    }

    fn fixture_breakdowns() -> Vec<Breakdown> {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let plan = RulesPlan::load(&fixture("rules.toml"), Some(&fixture("activities.csv")), as_of, None).unwrap();
        let path = fixture("leads.csv");
        let df = read_table(&path).unwrap();
        plan.scorer().evaluate(&LeadFrame { df: &df, path: &path, first_row: 1 }).unwrap()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn fixture_lead_with_decayed_webinars_docs_and_visits() {
        let b = &fixture_breakdowns()[0];
        // Webinars 0.5 and 30.5 days before the end of the as-of day, half-life 30:
        // 10 × (0.5^(0.5/30) + 0.5^(30.5/30)); the third (181 days) has expired; the demo
        // request is after the as-of date and does not count.
        let webinar = 10.0 * (0.5f64.powf(0.5 / 30.0) + 0.5f64.powf(30.5 / 30.0));
        close(webinar, 14.827710305293442);
        assert_eq!(b.segment, "default");
        let points: Vec<(&str, f64)> = b.items.iter().map(|i| (i.rule.as_str(), i.points)).collect();
        assert_eq!(points.len(), 4);
        assert_eq!(points[0], ("senior", 40.0));
        assert_eq!(points[1].0, "webinar");
        close(points[1].1, webinar);
        assert_eq!(points[2], ("docs", 4.0));
        assert_eq!(points[3], ("visits", 9.0));
        close(b.engagement_score, webinar + 13.0);
        close(b.total, 0.5 * 40.0 + 0.5 * (webinar + 13.0));
        assert_eq!(
            (b.grade.to_string().as_str(), b.status, b.stage.as_str()),
            ("C3", RuleStatus::Mql, "consideration")
        );
        assert_eq!(b.persona, Some(("Buyer".to_string(), 1.0)));
        assert_eq!(b.products.len(), 1);
        assert_eq!(b.products[0].0, "crm");
        close(b.products[0].1, webinar);
        assert_eq!(b.action, "newsletter");
    }

    #[test]
    fn segment_chooses_rules_and_thresholds() {
        let b = &fixture_breakdowns()[1];
        assert_eq!(b.segment, "B2C");
        // The student rule is B2C-only and the personal e-mail rule default-only.
        assert_eq!(b.items.iter().map(|i| i.points).collect::<Vec<_>>(), vec![15.0, -25.0, -10.0]);
        assert_eq!((b.fit_score, b.engagement_raw, b.engagement_score), (15.0, -35.0, 0.0));
        // B2C: fit_weight 0.2, so 0.2 × 15 = 3; mql 10 is not reached.
        close(b.total, 3.0);
        assert_eq!((b.status, b.stage.as_str()), (RuleStatus::Lead, "awareness"));
        assert_eq!(b.persona, Some(("Learner".to_string(), 1.0)));
    }

    #[test]
    fn disqualified_lead_keeps_points_but_totals_zero() {
        let b = &fixture_breakdowns()[2];
        assert_eq!(b.disqualified.as_deref(), Some("placeholder name"));
        assert_eq!((b.fit_score, b.engagement_score, b.total), (20.0, 3.0, 0.0));
        assert_eq!((b.status, b.action.as_str()), (RuleStatus::Disqualified, "drop"));
        // Buyer needs both conditions (min_share defaults to 1); a manager meets one.
        assert_eq!(b.persona, None);
        assert_eq!(
            (b.items[0].reason.as_str(), b.items[0].value.as_str(), b.items[0].points),
            ("seniority = manager", "manager", 20.0)
        );
    }

    #[test]
    fn caps_and_single_decayed_event() {
        let b = &fixture_breakdowns()[3];
        let webinar = 10.0 * 0.5f64.powf(1.0 / 30.0);
        close(b.items[0].points, webinar);
        close(b.items[0].decay, 0.5f64.powf(1.0 / 30.0));
        // 12 visits × 3 = 36, capped at 30.
        assert_eq!((b.items[1].base, b.items[1].points, b.items[1].capped), (36.0, 30.0, true));
        assert_eq!(b.fit_score.to_bits(), 0.0f64.to_bits());
        assert_eq!(b.grade, RuleGrade::new(3, 2));
        assert_eq!(b.grade.to_string(), "D2");
        close(b.total, 0.5 * (webinar + 30.0));
    }

    #[test]
    fn missing_column_names_the_rules_file() {
        let rules =
            RuleSet::parse("[[fit]]\nwhen = { field = 'nope', equals = 'x' }\npoints = 5\n", Path::new("r.toml"))
                .unwrap();
        let df = DataFrame::new_infer_height(vec![Column::new("a".into(), ["1"])]).unwrap();
        let s = RulesScorer { rules: &rules, activities: None };
        let e = s.evaluate(&LeadFrame { df: &df, path: Path::new("leads.csv"), first_row: 1 }).unwrap_err();
        assert_eq!(
            e.to_string(),
            "leads.csv: column \"nope\" not found (columns: \"a\"); the rules file r.toml uses it; fix the rule or the data"
        );
    }
}
