//! The points rules (`export sql --rules`) as common table expressions over the user's table,
//! computing per lead what [`crate::rules::RulesScorer`] computes, in the same order:
//!
//! ```text
//! ls_r_cells   every column of the table (src.*), plus each field the rules read, trimmed and
//!              cleaned (blank or a [score] missing token = NULL): ls_rf<k>
//! ls_r_values  + the numbers of the fields used as numbers (ls_rn<k>), and the activity
//!              aggregates of the lead (LEFT JOIN ls_r_acts on the cleaned id; see [`super::activities`])
//! ls_r_flags   + the segment (first [[segment]] whose gate holds: its index, -1 = default),
//!              disqualified (any [[disqualify]] gate), each persona's share of conditions met
//! ls_r_points  + each fit and engagement rule's points, NULL when it does not fire: gate
//!              (when / or, and every and) and segment; a constant, a count column
//!              (points x count for each) or the activity aggregate (points x decay weight),
//!              capped at max
//! ls_r_sums    + fit and engagement points added in file order; the persona
//! ls_r_scores  + fit and engagement clamped to 0..100; the stage
//! ls_r_total   + the total (fit weight of the segment; 0 when disqualified) and the grade
//! ls_r_status  + the status (the segment's sql / mql cut-offs)
//! ls_r_out     + the action (first match)
//! ```
//!
//! The model's feature CTEs then read `ls_r_out` in place of the table, and carry the rule
//! columns to the final `SELECT`: `rule_score`, `fit_score`, `engagement_score` (unrounded;
//! the score file rounds them to two decimals), `rule_grade`, `rule_status`, `stage`,
//! `action`, `persona` (empty text where `score` writes an empty cell) and `disqualified`.
//! Not exported: `rule_reasons` (its text formats points with Rust's rounding) and
//! `top_product`. Conditions are written by [`super::conditions`]; what cannot be exported
//! exactly (`junk`, `matches` on SQLite or Snowflake, other timestamp formats) is refused with
//! the file, the rule and what to do.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::activities::{activity_ctes, count_col, weight_col};
use super::conditions::{cleaned, condition, field_col, number, number_col, SqliteRegexp};
use super::dialect::Dialect;
use super::query::Cte;
use super::ExportError;
use crate::rules::condition::{Condition, Test};
use crate::rules::gate::Gate;
use crate::rules::set::{Rule, RuleSet, Source};

/// The rule columns, as the score file names them, with their internal names.
pub const RULE_COLUMNS: [(&str, &str); 9] = [
    ("ls_rtotal", "rule_score"),
    ("ls_rfit", "fit_score"),
    ("ls_reng", "engagement_score"),
    ("ls_rgrade", "rule_grade"),
    ("ls_rstatus", "rule_status"),
    ("ls_rstage", "stage"),
    ("ls_raction", "action"),
    ("ls_rpersona", "persona"),
    ("(ls_rdq = 1)", "disqualified"),
];

/// What to export of a rules file.
#[derive(Debug, Clone)]
pub struct RulesExport<'a> {
    /// The checked rules.
    pub rules: &'a RuleSet,
    /// The user's activity table (`name` or `schema.name`), for activity rules.
    pub activities_table: Option<String>,
    /// Events are aged at the end of this day (`score --as-of`).
    pub as_of: NaiveDate,
    /// How `matches` is written on SQLite.
    pub sqlite_regexp: SqliteRegexp,
}

/// The rules' CTEs: the last one (`ls_r_out`) holds the table's columns and the rule columns.
pub struct RulesSql {
    /// The CTEs, in order (after `ls_ws`).
    pub ctes: Vec<Cte>,
    /// The CTE to read in place of the table.
    pub last: &'static str,
}

/// Builds the rules' CTEs over `table` (quoted); `id` is the lead id column (`--id`, else
/// the rules' `[score] id`).
pub fn rules_ctes(d: Dialect, table: &str, x: &RulesExport, id: Option<&str>) -> Result<RulesSql, ExportError> {
    let r = x.rules;
    let has_activity = r.activity_rule_line();
    let id = id.or(r.id.as_deref());
    // `--id` replaces `[score] id`, as in `score`: the fields read are those of that rule set.
    let mut with_id = r.clone();
    with_id.id = id.map(str::to_string);
    let fields = with_id.lead_columns().into_iter().map(|(f, _)| f).collect();
    let b = Builder { d, r, x, fields };
    let mut ctes = Vec::new();
    let mut join = String::new();
    if let Some(line) = has_activity {
        let table = x.activities_table.as_deref().ok_or_else(|| {
            b.error(
            format!("line {line}"),
            "an activity rule reads the activity log: pass --activities-table NAME (the table with the log's columns)",
        )
        })?;
        let id = id
            .ok_or_else(|| b.error("[score]".into(), "activity rules need the lead id: set [score] id or pass --id"))?;
        ctes.extend(activity_ctes(d, &d.table(table), r, x.as_of)?);
        join = format!(" LEFT JOIN ls_r_acts AS a ON a.ls_aid = c.{}", field_col(b.field(id)));
    }
    let cells: Vec<String> = (0..b.fields.len())
        .map(|k| {
            let trimmed = d.trim(&format!("CAST(src.{} AS {})", d.ident(&b.fields[k]), d.text_type()), "ls_ws.ws");
            format!("{} AS {}", cleaned(d, &trimmed, &r.missing.0), field_col(k))
        })
        .collect();
    ctes.push(step("ls_r_cells", "src", cells, &format!("{table} AS src CROSS JOIN ls_ws")));
    let mut values: Vec<String> =
        b.numeric_fields().into_iter().map(|k| format!("{} AS {}", number(d, &field_col(k)), number_col(k))).collect();
    if !join.is_empty() {
        for k in 0..r.activity_rules.len() {
            values.push(format!("a.{}", count_col(k)));
            values.push(format!("a.{}", weight_col(k)));
        }
    }
    ctes.push(step("ls_r_values", "c", values, &format!("ls_r_cells AS c{join}")));
    ctes.push(step("ls_r_flags", "v", b.flags()?, "ls_r_values AS v"));
    ctes.push(step("ls_r_points", "f", b.points()?, "ls_r_flags AS f"));
    ctes.push(step("ls_r_sums", "p", b.sums()?, "ls_r_points AS p"));
    ctes.push(step("ls_r_scores", "s", b.scores()?, "ls_r_sums AS s"));
    ctes.push(step("ls_r_total", "s", b.total()?, "ls_r_scores AS s"));
    ctes.push(step("ls_r_status", "t", vec![format!("{} AS ls_rstatus", b.status()?)], "ls_r_total AS t"));
    ctes.push(step("ls_r_out", "t", vec![format!("{} AS ls_raction", b.action())], "ls_r_status AS t"));
    Ok(RulesSql { ctes, last: "ls_r_out" })
}

/// `SELECT alias.*, columns FROM from`, computed once: the next step reads its columns many
/// times, and an engine that inlined the chain would copy each expression into every reference
/// (the total reads the clamped fit three times, which reads the sum of the rules three times...).
fn step(name: &str, alias: &str, columns: Vec<String>, from: &str) -> Cte {
    let mut all = vec![format!("{alias}.*")];
    all.extend(columns);
    Cte { name: name.into(), select: format!("SELECT\n    {}\n  FROM {from}", all.join(",\n    ")), materialize: true }
}

struct Builder<'a> {
    d: Dialect,
    r: &'a RuleSet,
    x: &'a RulesExport<'a>,
    fields: Vec<String>,
}

impl Builder<'_> {
    fn error(&self, place: String, what: &str) -> ExportError {
        ExportError::Rules { file: self.r.path.display().to_string(), place, what: what.to_string() }
    }

    /// The index of field `name` (always one of the rules' lead columns).
    fn field(&self, name: &str) -> usize {
        self.fields.iter().position(|f| f == name).unwrap_or(0)
    }

    fn numeric_fields(&self) -> Vec<usize> {
        let mut out = BTreeSet::new();
        for (f, _, c) in &self.r.fields {
            if matches!(c.test, Test::Range { .. }) {
                out.insert(self.field(f));
            }
        }
        for rule in self.r.fit.iter().chain(&self.r.engagement) {
            if let Source::Count(c) = &rule.source {
                out.insert(self.field(c));
            }
        }
        out.into_iter().collect()
    }

    fn cond(&self, c: &Condition, place: &str) -> Result<String, ExportError> {
        let k = self.field(&c.field);
        condition(self.d, c, &field_col(k), &number_col(k), self.x.sqlite_regexp)
            .map_err(|what| self.error(place.to_string(), &format!("condition on \"{}\": {what}", c.field)))
    }

    /// A gate as a boolean: (no alternatives, or one holds) and every `and`.
    fn gate(&self, g: &Gate, place: &str) -> Result<String, ExportError> {
        let any: Vec<String> = g.any.iter().map(|c| self.cond(c, place)).collect::<Result<_, _>>()?;
        let mut all: Vec<String> = g.all.iter().map(|c| self.cond(c, place)).collect::<Result<_, _>>()?;
        if !any.is_empty() {
            all.insert(0, format!("({})", any.join(" OR ")));
        }
        Ok(if all.is_empty() { "1 = 1".to_string() } else { format!("({})", all.join(" AND ")) })
    }

    fn flags(&self) -> Result<Vec<String>, ExportError> {
        let (d, r) = (self.d, self.r);
        let mut seg = String::from("CASE");
        for (i, s) in r.segments.iter().enumerate() {
            seg.push_str(&format!(" WHEN {} THEN {i}", self.gate(&s.gate, &format!("segment \"{}\"", s.name))?));
        }
        seg.push_str(" ELSE -1 END AS ls_rseg");
        let dq: Vec<String> =
            r.disqualify.iter().map(|q| self.gate(&q.gate, &format!("line {}", q.line))).collect::<Result<_, _>>()?;
        let dq =
            if dq.is_empty() { "0".to_string() } else { format!("CASE WHEN {} THEN 1 ELSE 0 END", dq.join(" OR ")) };
        let mut out = vec![if r.segments.is_empty() { "-1 AS ls_rseg".to_string() } else { seg }];
        out.push(format!("{dq} AS ls_rdq"));
        for (p, persona) in r.personas.iter().enumerate() {
            let place = format!("persona \"{}\"", persona.name);
            let met: Vec<String> = persona
                .conditions
                .iter()
                .map(|c| self.cond(c, &place).map(|s| format!("CASE WHEN {s} THEN 1 ELSE 0 END")))
                .collect::<Result<_, _>>()?;
            let n = d.float(persona.conditions.len().max(1) as f64, "persona size")?;
            let met = if met.is_empty() { "0".to_string() } else { met.join(" + ") };
            out.push(format!("{} / {n} AS ls_rsh{p}", d.to_double(&format!("({met})"))));
        }
        Ok(out)
    }

    fn rules(&self) -> impl Iterator<Item = (usize, &Rule)> {
        self.r.fit.iter().chain(&self.r.engagement).enumerate()
    }

    fn points(&self) -> Result<Vec<String>, ExportError> {
        let d = self.d;
        let mut out = Vec::new();
        for (i, rule) in self.rules() {
            let place = format!("line {} (rule \"{}\")", rule.line, rule.name);
            let mut open = self.gate(&rule.gate, &place)?;
            if !rule.segments.is_empty() {
                let mut codes: Vec<String> = Vec::new();
                for (k, s) in self.r.segments.iter().enumerate() {
                    if rule.segments.contains(&s.name) {
                        codes.push(k.to_string());
                    }
                }
                if rule.segments.iter().any(|s| s == "default") {
                    codes.push("-1".into());
                }
                let codes = if codes.is_empty() { "NULL".to_string() } else { codes.join(", ") };
                open = format!("{open} AND ls_rseg IN ({codes})");
            }
            let points = d.float(rule.points, &format!("points of rule \"{}\"", rule.name))?;
            let (when, base) = match &rule.source {
                Source::Conditions => (open, points),
                Source::Count(c) => {
                    let n = number_col(self.field(c));
                    let base = match rule.per {
                        crate::rules::set::Per::Each => format!("{points} * {n}"),
                        crate::rules::set::Per::Once => points,
                    };
                    (format!("{open} AND {n} > 0e0"), base)
                }
                Source::Activity(k) => {
                    let f = &self.r.activity_rules[*k];
                    let p = d.float(f.points, &format!("points of rule \"{}\"", rule.name))?;
                    (format!("{open} AND {} > 0", count_col(*k)), format!("{p} * {}", weight_col(*k)))
                }
            };
            let max = match &rule.source {
                Source::Activity(k) => self.r.activity_rules[*k].max,
                _ => rule.max,
            };
            out.push(format!("CASE WHEN {when} THEN {} END AS ls_rp{i}", self.cap(&base, max)?));
        }
        Ok(out)
    }

    /// `points` capped at `max` in absolute value, keeping its sign (`activity::cap`).
    fn cap(&self, points: &str, max: Option<f64>) -> Result<String, ExportError> {
        let Some(m) = max else { return Ok(points.to_string()) };
        let (m, neg) = (self.d.float(m, "max")?, self.d.float(-m, "max")?);
        Ok(format!(
            "CASE WHEN ABS({points}) > {m} THEN CASE WHEN {points} < 0e0 THEN {neg} ELSE {m} END ELSE {points} END"
        ))
    }

    fn sums(&self) -> Result<Vec<String>, ExportError> {
        let n_fit = self.r.fit.len();
        let sum = |range: std::ops::Range<usize>| {
            std::iter::once("0e0".to_string())
                .chain(range.map(|i| format!("COALESCE(ls_rp{i}, 0e0)")))
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let total = n_fit + self.r.engagement.len();
        Ok(vec![
            format!("{} AS ls_rfit_raw", sum(0..n_fit)),
            format!("{} AS ls_reng_raw", sum(n_fit..total)),
            format!("{} AS ls_rpersona", self.persona()?),
        ])
    }

    /// The first persona with the highest share at or above its minimum, as the engine's loop.
    fn persona(&self) -> Result<String, ExportError> {
        let ps = &self.r.personas;
        if ps.is_empty() {
            return Ok("''".into());
        }
        let d = self.d;
        let eligible = |p: usize| -> Result<String, ExportError> {
            Ok(format!("ls_rsh{p} >= {}", d.float(ps[p].min_share, "min_share")?))
        };
        let mut s = String::from("CASE");
        for p in 0..ps.len() {
            let mut when = vec![eligible(p)?];
            for q in 0..ps.len() {
                if q != p {
                    let beats = if q < p { ">=" } else { ">" };
                    when.push(format!("NOT ({} AND ls_rsh{q} {beats} ls_rsh{p})", eligible(q)?));
                }
            }
            s.push_str(&format!(" WHEN {} THEN {}", when.join(" AND "), d.string(&ps[p].name)));
        }
        s.push_str(" ELSE '' END");
        Ok(s)
    }

    fn scores(&self) -> Result<Vec<String>, ExportError> {
        let clamp = |x: &str| format!("CASE WHEN {x} < 0e0 THEN 0e0 WHEN {x} > 1e2 THEN 1e2 ELSE {x} END");
        let mut stage = String::from("CASE");
        for s in self.r.stages.iter().filter(|s| !s.after.is_empty()) {
            let fired: Vec<String> = self
                .rules()
                .filter(|(_, rule)| s.after.contains(&rule.name))
                .map(|(i, _)| format!("ls_rp{i} IS NOT NULL"))
                .collect();
            if !fired.is_empty() {
                stage.push_str(&format!(" WHEN {} THEN {}", fired.join(" OR "), self.d.string(&s.name)));
            }
        }
        let default = self.r.stages.iter().find(|s| s.after.is_empty()).map(|s| s.name.as_str()).unwrap_or("");
        stage.push_str(&format!(" ELSE {} END", self.d.string(default)));
        let stage = if stage.starts_with("CASE ELSE ") { self.d.string(default) } else { stage };
        Ok(vec![
            format!("{} AS ls_rfit", clamp("ls_rfit_raw")),
            format!("{} AS ls_reng", clamp("ls_reng_raw")),
            format!("{stage} AS ls_rstage"),
        ])
    }

    /// `CASE ls_rseg WHEN 0 THEN v0 … ELSE default END` of a per-segment number.
    fn by_segment(
        &self,
        what: &str,
        of: impl Fn(&crate::rules::set::Thresholds) -> f64,
    ) -> Result<String, ExportError> {
        let d = self.d;
        let default = d.float(of(&self.r.thresholds), what)?;
        if self.r.segments.is_empty() {
            return Ok(default);
        }
        let mut s = String::from("(CASE ls_rseg");
        for (i, seg) in self.r.segments.iter().enumerate() {
            s.push_str(&format!(" WHEN {i} THEN {}", d.float(of(&seg.thresholds), what)?));
        }
        s.push_str(&format!(" ELSE {default} END)"));
        Ok(s)
    }

    fn total(&self) -> Result<Vec<String>, ExportError> {
        let d = self.d;
        let w = self.by_segment("fit_weight", |t| t.fit_weight)?;
        let rest = self.by_segment("fit_weight", |t| 1.0 - t.fit_weight)?;
        let sum = format!("{w} * ls_rfit + {rest} * ls_reng");
        let total =
            format!("CASE WHEN ls_rdq = 1 THEN 0e0 WHEN {sum} < 0e0 THEN 0e0 WHEN {sum} > 1e2 THEN 1e2 ELSE {sum} END");
        let mut letter = String::from("CASE");
        for (cut, l) in self.r.fit_grades.iter().zip(["A", "B", "C"]) {
            letter.push_str(&format!(" WHEN ls_rfit >= {} THEN '{l}'", d.float(*cut, "fit_grades")?));
        }
        letter.push_str(" ELSE 'D' END");
        let mut level = String::from("CASE");
        for (cut, l) in self.r.engagement_levels.iter().zip(["1", "2", "3"]) {
            level.push_str(&format!(" WHEN ls_reng >= {} THEN '{l}'", d.float(*cut, "engagement_levels")?));
        }
        level.push_str(" ELSE '4' END");
        Ok(vec![format!("{total} AS ls_rtotal"), format!("({letter}) || ({level}) AS ls_rgrade")])
    }

    fn status(&self) -> Result<String, ExportError> {
        Ok(format!(
            "CASE WHEN ls_rdq = 1 THEN 'disqualified' WHEN ls_rtotal >= {} THEN 'sql' WHEN ls_rtotal >= {} THEN 'mql' ELSE 'lead' END",
            self.by_segment("sql", |t| t.sql)?,
            self.by_segment("mql", |t| t.mql)?
        ))
    }

    /// The first action whose grades, stages, statuses and disqualified filter all match.
    fn action(&self) -> String {
        let d = self.d;
        let list = |col: &str, vs: &[String]| {
            format!("{col} IN ({})", vs.iter().map(|v| d.string(v)).collect::<Vec<_>>().join(", "))
        };
        let mut s = String::from("CASE");
        for a in &self.r.actions {
            let mut when = Vec::new();
            if !a.grades.is_empty() {
                // `grade.starts_with(g)` for a two-character grade.
                let g: Vec<String> = a
                    .grades
                    .iter()
                    .map(|g| match g.chars().count() {
                        0 => "1 = 1".to_string(),
                        1 => format!("SUBSTR(ls_rgrade, 1, 1) = {}", d.string(g)),
                        2 => format!("ls_rgrade = {}", d.string(g)),
                        _ => "1 = 0".to_string(),
                    })
                    .collect();
                when.push(format!("({})", g.join(" OR ")));
            }
            if !a.stages.is_empty() {
                when.push(list("ls_rstage", &a.stages));
            }
            if !a.status.is_empty() {
                when.push(list("ls_rstatus", &a.status));
            }
            match a.disqualified {
                Some(true) => when.push("ls_rdq = 1".into()),
                Some(false) => when.push("ls_rdq = 0".into()),
                None => {}
            }
            let when = if when.is_empty() { "1 = 1".to_string() } else { when.join(" AND ") };
            s.push_str(&format!(" WHEN {when} THEN {}", d.string(&a.todo)));
        }
        s.push_str(" ELSE '' END");
        if self.r.actions.is_empty() {
            "''".into()
        } else {
            s
        }
    }
}

/// The header lines for the rules' part of an export.
pub fn header(d: Dialect, x: &RulesExport) -> String {
    let r = x.rules;
    let mut lines = vec![
        format!(
            "rules {}: {} fit and {} engagement rules, {} disqualify, {} segments, {} personas, {} stages, {} actions",
            r.path.display(),
            r.fit.len(),
            r.engagement.len(),
            r.disqualify.len(),
            r.segments.len(),
            r.personas.len(),
            r.stages.len(),
            r.actions.len()
        ),
        "returns also rule_score, fit_score, engagement_score (unrounded; the score file rounds to two".into(),
        "decimals), rule_grade, rule_status, stage, action, persona, disqualified, as `score --rules`.".into(),
        "NOT exported: rule_reasons (its text) and top_product.".into(),
        "equals/one_of compare LOWER(cell): exact for ASCII cells; other cells use the engine's LOWER.".into(),
    ];
    if !r.activity_rules.is_empty() {
        lines.push(format!(
            "activity rules read table {} (columns {}, {}, {}), aged at the end of {} (as score --as-of {}).",
            x.activities_table.as_deref().unwrap_or("?"),
            r.activity_columns.id,
            r.activity_columns.activity,
            r.activity_columns.timestamp,
            x.as_of,
            x.as_of
        ));
    }
    if d == Dialect::Sqlite && x.sqlite_regexp == SqliteRegexp::RustFunction {
        lines.push("SQLite: `matches` uses REGEXP: register regexp() with Rust's regex crate semantics.".into());
    }
    if d == Dialect::Sqlite && !r.activity_rules.is_empty() {
        lines.push("SQLite: decay needs the maths function power() (SQLITE_ENABLE_MATH_FUNCTIONS).".into());
    }
    lines.iter().map(|l| format!("-- {l}\n")).collect()
}
