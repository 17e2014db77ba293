//! The checked rule set, and the one checking step that makes it from a rules file.
//!
//! [`RuleSet::load`] reads the file (refusing anything over [`MAX_FILE_BYTES`]), parses
//! it strictly into [`super::spec`] parameters (unknown fields and wrong types are errors
//! with line and column), then checks every table, collecting *all* problems with their
//! lines: conditions with no or several operators, bad or oversized regexes, an empty `or`,
//! `mql` above `sql`, grade cut-offs out of order, `per` other than once/each, decay on a rule
//! that has no events, unknown segment or rule names, too many rules, conditions or regexes.
//! Rules' `when` / `or` / `and` are checked in [`super::gate`]. Only a checked `RuleSet` can
//! score.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::condition::Condition;
use super::error::{Problem, Problems, RulesError};
use super::gate::{count, MAX_CONDITIONS, MAX_PATTERNS};
pub use super::items::*;
use super::spec::*;
use crate::data::typing::MissingTokens;

/// Largest rules file accepted.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Most rules of all kinds in one file.
pub const MAX_RULES: usize = 2000;

/// A checked rules file.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// Where it came from.
    pub path: PathBuf,
    /// Lead id column.
    pub id: Option<String>,
    /// Default thresholds.
    pub thresholds: Thresholds,
    /// Fit cut-offs for A, B, C.
    pub fit_grades: [f64; 3],
    /// Engagement cut-offs for levels 1, 2, 3.
    pub engagement_levels: [f64; 3],
    /// Missing tokens.
    pub missing: MissingTokens,
    /// Activity log columns.
    pub activity_columns: ActivityColumns,
    /// Fit rules.
    pub fit: Vec<Rule>,
    /// Engagement rules.
    pub engagement: Vec<Rule>,
    /// Activity filters of engagement rules, in rule order.
    pub activity_rules: Vec<ActivityFilter>,
    /// Disqualification rules.
    pub disqualify: Vec<Disqualify>,
    /// Segments, first match wins.
    pub segments: Vec<Segment>,
    /// Personas.
    pub personas: Vec<Persona>,
    /// Stages, furthest first.
    pub stages: Vec<Stage>,
    /// Actions, first match wins.
    pub actions: Vec<Action>,
    /// Each condition's field with the line it is on (for checking against data).
    pub fields: Vec<(String, usize, Condition)>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The checking step's state: the text (for lines), the problems found so far, and every
/// checked condition's column with its line.
pub(super) struct Checker<'t> {
    text: &'t str,
    problems: Vec<Problem>,
    pub(super) fields: Vec<(String, usize, Condition)>,
    /// The file has more conditions or regexes than allowed: compile none of them.
    pub(super) over_limit: bool,
}

impl Checker<'_> {
    pub(super) fn line<T>(&self, s: &Spanned<T>) -> usize {
        line_of(self.text, s.span().start)
    }

    pub(super) fn problem(&mut self, line: usize, item: &str, message: impl Into<String>) {
        self.problems.push(Problem { line, item: item.to_string(), message: message.into() });
    }

    fn cutoffs(&mut self, line: usize, name: &str, v: Option<&Vec<f64>>, default: [f64; 3]) -> [f64; 3] {
        match v.map(Vec::as_slice) {
            None => default,
            Some([a, b, c]) if (0.0..=100.0).contains(c) && c <= b && b <= a && *a <= 100.0 => [*a, *b, *c],
            Some(v) => {
                self.problem(
                    line,
                    "[score]",
                    format!("{name} needs three cut-offs from high to low within 0..100 (found {v:?})"),
                );
                default
            }
        }
    }

    fn thresholds(&mut self, line: usize, item: &str, mql: f64, sql: f64, fit_weight: f64) -> Thresholds {
        if !(0.0..=100.0).contains(&mql) || !(0.0..=100.0).contains(&sql) {
            self.problem(line, item, format!("mql ({mql}) and sql ({sql}) are points on the 0..100 total"));
        } else if mql > sql {
            self.problem(
                line,
                item,
                format!("mql ({mql}) is above sql ({sql}); a sales-qualified lead must also be marketing-qualified"),
            );
        }
        if !(0.0..=1.0).contains(&fit_weight) {
            self.problem(line, item, format!("fit_weight ({fit_weight}) must be within 0..1"));
        }
        Thresholds { mql, sql, fit_weight }
    }
}

impl RuleSet {
    /// Reads and checks a rules file.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let io = |source| RulesError::Io { path: path.to_path_buf(), source };
        let bytes = std::fs::metadata(path).map_err(io)?.len();
        if bytes > MAX_FILE_BYTES {
            return Err(RulesError::TooLarge { path: path.to_path_buf(), bytes, limit: MAX_FILE_BYTES });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        RuleSet::parse(&text, path)
    }

    /// Parses and checks rules text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<RuleSet, RulesError> {
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(RulesError::TooLarge {
                path: path.to_path_buf(),
                bytes: text.len() as u64,
                limit: MAX_FILE_BYTES,
            });
        }
        let params: RulesFileParams = toml::from_str(text).map_err(|e| {
            let mut start = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let line = line_of(text, start);
            let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
            RulesError::Syntax {
                path: path.to_path_buf(),
                line,
                column: text[line_start..start].chars().count() + 1,
                message: e.message().trim().to_string(),
            }
        })?;
        let mut ck = Checker { text, problems: Vec::new(), fields: Vec::new(), over_limit: false };
        let set = RuleSet::check(params, &mut ck, path);
        if ck.problems.is_empty() {
            Ok(set)
        } else {
            ck.problems.sort_by_key(|p| p.line);
            Err(RulesError::Invalid { path: path.to_path_buf(), problems: Problems(ck.problems) })
        }
    }

    fn check(p: RulesFileParams, ck: &mut Checker, path: &Path) -> RuleSet {
        let n_rules = p.fit.len()
            + p.engagement.len()
            + p.disqualify.len()
            + p.segment.len()
            + p.persona.len()
            + p.stage.len()
            + p.action.len();
        if n_rules > MAX_RULES {
            ck.problem(1, "file", format!("{n_rules} rules and tables; the limit is {MAX_RULES}"));
        }
        let (n_conditions, n_patterns) = count(&p);
        if n_conditions > MAX_CONDITIONS {
            ck.problem(1, "file", format!("{n_conditions} conditions; the limit is {MAX_CONDITIONS}"));
        }
        if n_patterns > MAX_PATTERNS {
            ck.problem(1, "file", format!("{n_patterns} regexes (`matches`); the limit is {MAX_PATTERNS}"));
        }
        ck.over_limit = n_conditions > MAX_CONDITIONS || n_patterns > MAX_PATTERNS;
        let (score_line, score) = match &p.score {
            Some(s) => (ck.line(s), s.get_ref()),
            None => (1, &ScoreParams::default()),
        };
        let thresholds = ck.thresholds(
            score_line,
            "[score]",
            score.mql.unwrap_or(50.0),
            score.sql.unwrap_or(80.0),
            score.fit_weight.unwrap_or(0.5),
        );
        let fit_grades = ck.cutoffs(score_line, "fit_grades", score.fit_grades.as_ref(), [75.0, 50.0, 25.0]);
        let engagement_levels =
            ck.cutoffs(score_line, "engagement_levels", score.engagement_levels.as_ref(), [60.0, 30.0, 10.0]);
        let a = p.activities.as_ref().map(|s| s.get_ref());
        let get = |f: fn(&ActivityColumnsParams) -> &Option<String>, d: &str| {
            a.and_then(|a| f(a).clone()).unwrap_or_else(|| d.to_string())
        };
        let activity_columns = ActivityColumns {
            id: get(|a| &a.id, "lead_id"),
            activity: get(|a| &a.activity, "activity"),
            timestamp: get(|a| &a.timestamp, "timestamp"),
            timestamp_format: get(|a| &a.timestamp_format, "%Y-%m-%dT%H:%M:%SZ"),
            page: get(|a| &a.page, "page"),
            product: get(|a| &a.product, "product"),
        };
        if let Some(act) = &p.activities {
            let fmt = &activity_columns.timestamp_format;
            let bad = chrono::format::StrftimeItems::new(fmt).any(|i| matches!(i, chrono::format::Item::Error));
            let has_date = ["%Y", "%F", "%D", "%s", "%+", "%C", "%G"].iter().any(|d| fmt.contains(d));
            if bad || !has_date {
                ck.problem(
                    ck.line(act),
                    "[activities]",
                    format!(
                        "timestamp_format \"{fmt}\" is not a usable strftime format with a date (e.g. \"%Y-%m-%dT%H:%M:%SZ\" or \"%d/%m/%Y %H:%M\")"
                    ),
                );
            }
        }

        let mut segments = Vec::new();
        for (i, s) in p.segment.iter().enumerate() {
            let line = ck.line(s);
            let item = format!("segment {} \"{}\"", i + 1, s.get_ref().name);
            let sp = s.get_ref();
            let gate = ck.gate(line, &item, Some(&sp.when), sp.or.as_ref(), &sp.and);
            let t = ck.thresholds(
                line,
                &item,
                sp.mql.unwrap_or(thresholds.mql),
                sp.sql.unwrap_or(thresholds.sql),
                sp.fit_weight.unwrap_or(thresholds.fit_weight),
            );
            if sp.name.trim().is_empty() || sp.name == "default" {
                ck.problem(
                    line,
                    &item,
                    "give the segment a name other than \"default\" (leads in no segment are \"default\")",
                );
            }
            if segments.iter().any(|x: &Segment| x.name == sp.name) {
                ck.problem(line, &item, format!("segment \"{}\" is defined twice", sp.name));
            }
            segments.push(Segment { name: sp.name.clone(), gate, thresholds: t });
        }
        let segment_names: BTreeSet<String> =
            segments.iter().map(|s| s.name.clone()).chain(std::iter::once("default".to_string())).collect();

        let mut activity_rules = Vec::new();
        let fit =
            p.fit.iter().enumerate().map(|(i, r)| rule(ck, "fit", i, r, &segment_names, &mut activity_rules)).collect();
        let engagement = p
            .engagement
            .iter()
            .enumerate()
            .map(|(i, r)| rule(ck, "engagement", i, r, &segment_names, &mut activity_rules))
            .collect();

        let mut disqualify = Vec::new();
        for (i, d) in p.disqualify.iter().enumerate() {
            let line = ck.line(d);
            let item = format!("disqualify rule {}", i + 1);
            let dp = d.get_ref();
            let gate = ck.gate(line, &item, Some(&dp.when), dp.or.as_ref(), &dp.and);
            if dp.reason.trim().is_empty() {
                ck.problem(line, &item, "reason is empty; say why the lead is set aside");
            }
            disqualify.push(Disqualify { gate, reason: dp.reason.clone(), line });
        }
        let mut personas = Vec::new();
        for (i, s) in p.persona.iter().enumerate() {
            let line = ck.line(s);
            let item = format!("persona {} \"{}\"", i + 1, s.get_ref().name);
            if s.get_ref().when.is_empty() {
                ck.problem(line, &item, "when needs at least one condition");
            }
            let conditions = s.get_ref().when.iter().filter_map(|c| ck.condition(line, &item, "", c)).collect();
            let min_share = s.get_ref().min_share.unwrap_or(1.0);
            if !(min_share > 0.0 && min_share <= 1.0) {
                ck.problem(line, &item, format!("min_share ({min_share}) must be within (0, 1]"));
            }
            personas.push(Persona { name: s.get_ref().name.clone(), conditions, min_share });
        }
        let mut rule_names: BTreeSet<&str> = BTreeSet::new();
        for r in p.fit.iter().chain(&p.engagement) {
            if let Some(name) = r.get_ref().name.as_deref() {
                if !rule_names.insert(name) {
                    let line = ck.line(r);
                    ck.problem(
                        line,
                        &format!("rule \"{name}\""),
                        "another rule has this name; names must be unique (stages refer to rules by name)",
                    );
                }
            }
        }
        if p.fit.is_empty() && p.engagement.is_empty() && p.disqualify.is_empty() {
            ck.problem(
                1,
                "rules file",
                "no [[fit]], [[engagement]] or [[disqualify]] rules: every lead would score 0; add rules",
            );
        }
        let mut stages = Vec::new();
        for (i, s) in p.stage.iter().enumerate() {
            let line = ck.line(s);
            let item = format!("stage {} \"{}\"", i + 1, s.get_ref().name);
            for a in &s.get_ref().after {
                if !rule_names.contains(a.as_str()) {
                    ck.problem(
                        line,
                        &item,
                        format!(
                            "after names rule \"{a}\", which no [[fit]] or [[engagement]] rule is called (names: {})",
                            quoted(&rule_names)
                        ),
                    );
                }
            }
            if stages.iter().any(|x: &Stage| x.name == s.get_ref().name) {
                ck.problem(line, &item, format!("stage \"{}\" is defined twice", s.get_ref().name));
            }
            stages.push(Stage { name: s.get_ref().name.clone(), after: s.get_ref().after.clone() });
        }
        let stage_names: BTreeSet<&str> = stages.iter().map(|s| s.name.as_str()).collect();
        let mut actions = Vec::new();
        for (i, s) in p.action.iter().enumerate() {
            let line = ck.line(s);
            let item = format!("action {}", i + 1);
            let a = s.get_ref();
            for g in &a.grades {
                if !valid_grade(g) {
                    ck.problem(line, &item, format!("grade \"{g}\" is not a fit letter A-D or a grade A1..D4"));
                }
            }
            for st in &a.stages {
                if !stage_names.contains(st.as_str()) {
                    ck.problem(
                        line,
                        &item,
                        format!("stage \"{st}\" is not defined (stages: {})", quoted(&stage_names)),
                    );
                }
            }
            for st in &a.status {
                if !["sql", "mql", "lead"].contains(&st.as_str()) {
                    ck.problem(line, &item, format!("status \"{st}\" is not one of sql, mql, lead"));
                }
            }
            actions.push(Action {
                grades: a.grades.clone(),
                stages: a.stages.clone(),
                status: a.status.clone(),
                disqualified: a.disqualified,
                todo: a.todo.clone(),
            });
        }
        let fields = std::mem::take(&mut ck.fields);
        RuleSet {
            path: path.to_path_buf(),
            id: score.id.clone(),
            thresholds,
            fit_grades,
            engagement_levels,
            missing: MissingTokens::new(&score.missing),
            activity_columns,
            fit,
            engagement,
            activity_rules,
            disqualify,
            segments,
            personas,
            stages,
            actions,
            fields,
        }
    }

    /// The first activity rule's line, if any (for "pass --activities" messages).
    pub fn activity_rule_line(&self) -> Option<usize> {
        self.engagement.iter().find(|r| matches!(r.source, Source::Activity(_))).map(|r| r.line)
    }

    /// Lead columns the rules read, each with the first line using it.
    pub fn lead_columns(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        let counts = self.fit.iter().chain(&self.engagement).filter_map(|r| match &r.source {
            Source::Count(c) => Some((c.clone(), r.line)),
            _ => None,
        });
        for (f, line) in self.fields.iter().map(|(f, l, _)| (f.clone(), *l)).chain(counts) {
            if !out.iter().any(|(g, _)| *g == f) {
                out.push((f, line));
            }
        }
        if let Some(id) = &self.id {
            if !out.iter().any(|(g, _)| g == id) {
                out.push((id.clone(), 1));
            }
        }
        out
    }
}

fn quoted(names: &BTreeSet<&str>) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

fn valid_grade(g: &str) -> bool {
    let b = g.as_bytes();
    match b {
        [l] => (b'A'..=b'D').contains(l),
        [l, n] => (b'A'..=b'D').contains(l) && (b'1'..=b'4').contains(n),
        _ => false,
    }
}

fn rule(
    ck: &mut Checker,
    kind: &str,
    i: usize,
    r: &Spanned<RuleParams>,
    segments: &BTreeSet<String>,
    activity_rules: &mut Vec<ActivityFilter>,
) -> Rule {
    let line = ck.line(r);
    let p = r.get_ref();
    let name = p.name.clone().unwrap_or_else(|| format!("{kind} rule {}", i + 1));
    let item = match &p.name {
        Some(n) => format!("{kind} rule {} \"{n}\"", i + 1),
        None => format!("{kind} rule {}", i + 1),
    };
    let gate = ck.gate(line, &item, p.when.as_ref(), p.or.as_ref(), &p.and);
    if !p.points.is_finite() || p.points.abs() > 100.0 {
        ck.problem(line, &item, format!("points ({}) must be within -100..100", p.points));
    }
    let per = match p.per.as_deref() {
        None | Some("once") => Per::Once,
        Some("each") => Per::Each,
        Some(other) => {
            ck.problem(line, &item, format!("per = \"{other}\": use \"once\" or \"each\""));
            Per::Once
        }
    };
    if let Some(m) = p.max {
        if !(m.is_finite() && m > 0.0) {
            ck.problem(line, &item, format!("max ({m}) must be a positive number of points"));
        }
    }
    for (what, v) in [("half_life_days", p.half_life_days), ("expire_after_days", p.expire_after_days)] {
        if let Some(d) = v {
            if !(d.is_finite() && d > 0.0) {
                ck.problem(line, &item, format!("{what} ({d}) must be a positive number of days"));
            }
        }
    }
    for s in &p.segments {
        if !segments.contains(s) {
            let names: BTreeSet<&str> = segments.iter().map(String::as_str).collect();
            ck.problem(line, &item, format!("segment \"{s}\" is not defined (segments: {})", quoted(&names)));
        }
    }
    let sources = [p.count.is_some(), p.activity.is_some()].iter().filter(|&&x| x).count();
    let source = if kind == "fit" && sources > 0 {
        ck.problem(line, &item, "fit rules score who the lead is; move count/activity rules to [[engagement]]");
        Source::Conditions
    } else if sources > 1 {
        ck.problem(line, &item, "give either count or activity, not both");
        Source::Conditions
    } else if let Some(c) = &p.count {
        Source::Count(c.trim().to_string())
    } else if let Some(a) = &p.activity {
        let page = p.page.as_ref().map(|pg| pg.trim_end_matches('*').to_string());
        activity_rules.push(ActivityFilter {
            activity: a.clone(),
            product: p.product.clone(),
            page,
            page_prefix: p.page.as_ref().is_some_and(|pg| pg.ends_with('*')),
            points: p.points,
            per,
            max: p.max,
            half_life_days: p.half_life_days,
            expire_after_days: p.expire_after_days,
        });
        Source::Activity(activity_rules.len() - 1)
    } else {
        if p.when.is_none() && p.or.is_none() && p.and.is_empty() {
            ck.problem(line, &item, "needs a condition (`when` or `or`), a `count` column or an `activity`");
        }
        Source::Conditions
    };
    if !matches!(source, Source::Activity(_)) {
        if p.half_life_days.is_some() || p.expire_after_days.is_some() {
            ck.problem(line, &item, "half_life_days and expire_after_days need dated events: use `activity`");
        }
        if p.product.is_some() || p.page.is_some() {
            ck.problem(line, &item, "product and page filter activity-log events: use `activity`");
        }
    }
    if matches!(source, Source::Conditions) && per == Per::Each {
        ck.problem(line, &item, "per = \"each\" needs something to count: use `count` or `activity`");
    }
    let reason = p.reason.clone().unwrap_or_else(|| auto_reason(p));
    Rule { name, reason, gate, source, points: p.points, per, max: p.max, segments: p.segments.clone(), line }
}

/// A reason in words when the file gives none: `job_title matches "(?i)vp"`.
fn auto_reason(p: &RuleParams) -> String {
    if let Some(a) = &p.activity {
        return match &p.product {
            Some(pr) => format!("{a} ({pr})"),
            None => a.clone(),
        };
    }
    if let Some(c) = &p.count {
        return c.clone();
    }
    let or = p.or.as_ref().map(|o| o.get_ref().as_slice()).unwrap_or_default();
    let alternatives: Vec<String> = p.when.iter().chain(or.iter().map(Spanned::get_ref)).map(describe).collect();
    if alternatives.is_empty() {
        "rule".into()
    } else {
        alternatives.join(" or ")
    }
}

fn describe(w: &ConditionParams) -> String {
    let f = &w.field;
    let v = |x: &toml::Value| match x {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(e) = &w.equals {
        format!("{f} = {}", v(e))
    } else if let Some(vs) = &w.one_of {
        format!("{f} in {}", vs.iter().map(v).collect::<Vec<_>>().join("/"))
    } else if let Some(b) = &w.between {
        format!("{f} {}..{}", b.first().unwrap_or(&0.0), b.get(1).unwrap_or(&0.0))
    } else if let (Some(lo), None) = (w.min, w.max) {
        format!("{f} >= {lo}")
    } else if let (None, Some(hi)) = (w.min, w.max) {
        format!("{f} <= {hi}")
    } else if let (Some(lo), Some(hi)) = (w.min, w.max) {
        format!("{f} {lo}..{hi}")
    } else if let Some(m) = &w.matches {
        format!("{f} matches {m}")
    } else if w.missing == Some(false) {
        format!("{f} given")
    } else {
        format!("{f} missing")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RuleSet, RulesError> {
        RuleSet::parse(text, Path::new("r.toml"))
    }

    #[test]
    fn defaults_and_names() {
        let s = parse("[[fit]]\nwhen = { field = 'seniority', equals = 'vp' }\npoints = 15\n").unwrap();
        assert_eq!(s.thresholds, Thresholds { mql: 50.0, sql: 80.0, fit_weight: 0.5 });
        assert_eq!(s.fit_grades, [75.0, 50.0, 25.0]);
        assert_eq!(s.fit[0].name, "fit rule 1");
        assert_eq!(s.fit[0].reason, "seniority = vp");
        assert_eq!(s.fit[0].line, 1);
    }

    #[test]
    fn unknown_field_names_line_and_column() {
        let e = parse("[score]\nmql = 40\n\n[[fit]]\nwhen = { field = 'a', equals = 'b' }\npoints = 5\npoitns = 3\n")
            .unwrap_err();
        let m = e.to_string();
        assert!(m.starts_with("r.toml:7:1: unknown field `poitns`, expected one of"), "{m}");
    }

    #[test]
    fn empty_files_duplicate_names_and_bad_timestamp_formats_are_problems() {
        let messages = |text: &str| match parse(text) {
            Err(RulesError::Invalid { problems, .. }) => {
                problems.0.into_iter().map(|p| (p.line, p.message)).collect::<Vec<_>>()
            }
            other => panic!("expected problems, got {other:?}"),
        };
        let p = messages("[score]\nmql = 40\n");
        assert_eq!(p.len(), 1);
        assert!(p[0].1.starts_with("no [[fit]], [[engagement]] or [[disqualify]] rules"), "{p:?}");
        let p = messages(
            "[[fit]]\nname = 'a'\nwhen = { field = 'x', equals = '1' }\npoints = 1\n\n[[engagement]]\nname = 'a'\ncount = 'v'\npoints = 1\n\n[[stage]]\nname = 's'\n\n[[stage]]\nname = 's'\n",
        );
        assert_eq!(p.iter().map(|x| x.0).collect::<Vec<_>>(), vec![6, 14], "{p:?}");
        assert!(p[0].1.starts_with("another rule has this name"), "{p:?}");
        assert_eq!(p[1].1, "stage \"s\" is defined twice");
        for fmt in ["%Q%Z%garbage", "%H:%M"] {
            let p = messages(&format!(
                "[activities]\ntimestamp_format = '{fmt}'\n\n[[engagement]]\nactivity = 'x'\npoints = 1\n"
            ));
            assert_eq!(p.len(), 1, "{fmt}: {p:?}");
            assert_eq!(p[0].0, 1);
            assert!(p[0].1.starts_with(&format!("timestamp_format \"{fmt}\" is not a usable")), "{p:?}");
        }
        assert!(parse(
            "[activities]\ntimestamp_format = '%d/%m/%Y %H:%M'\n\n[[engagement]]\nactivity = 'x'\npoints = 1\n"
        )
        .is_ok());
    }

    #[test]
    fn all_problems_are_listed_with_lines() {
        let e = parse(
            "[score]\nmql = 90\nsql = 80\n\n[[fit]]\nwhen = { field = 'a', matches = '(' }\npoints = 5\n\n[[engagement]]\ncount = 'visits'\npoints = 2\nper = 'every'\n",
        )
        .unwrap_err();
        let RulesError::Invalid { problems, .. } = e else { panic!("{e}") };
        let lines: Vec<usize> = problems.0.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![1, 5, 9]);
        assert_eq!(
            problems.0[0].message,
            "mql (90) is above sql (80); a sales-qualified lead must also be marketing-qualified"
        );
        assert_eq!(problems.0[2].message, "per = \"every\": use \"once\" or \"each\"");
    }

    #[test]
    fn too_large_is_refused_before_parsing() {
        let big = "# x\n".repeat(300_000);
        assert!(matches!(parse(&big), Err(RulesError::TooLarge { .. })));
    }
}
