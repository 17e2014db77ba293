//! The one checking step that turns a parsed rules file ([`super::spec`] parameters) into a
//! [`RuleSet`]: every table is checked and *all* problems are collected with their lines
//! (see [`super::set`] for what is checked). Rules' `when` / `or` / `and` are checked in
//! [`super::gate`], single conditions in [`super::condition`].

use std::collections::BTreeSet;
use std::path::Path;

use toml::Spanned;

use super::condition::Condition;
use super::error::Problem;
use super::gate::{count, MAX_CONDITIONS, MAX_PATTERNS};
use super::items::*;
use super::set::{RuleSet, MAX_RULES};
use super::spec::*;
use crate::data::typing::MissingTokens;

/// 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The checking step's state: the text (for lines), the problems found so far, and every
/// checked condition's column with its line.
pub(super) struct Checker<'t> {
    text: &'t str,
    pub(super) problems: Vec<Problem>,
    pub(super) fields: Vec<(String, usize, Condition)>,
    /// The file has more conditions or regexes than allowed: compile none of them.
    pub(super) over_limit: bool,
}

impl<'t> Checker<'t> {
    /// A checker of `text` with nothing found yet.
    pub(super) fn new(text: &'t str) -> Self {
        Checker { text, problems: Vec::new(), fields: Vec::new(), over_limit: false }
    }

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

/// Checks every table of a parsed rules file into a [`RuleSet`], collecting problems in `ck`.
pub(super) fn check(p: RulesFileParams, ck: &mut Checker, path: &Path) -> RuleSet {
    check_limits(&p, ck);
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
    let activity_columns = activity_columns(&p, ck);
    let segments = segments(&p, ck, &thresholds);
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
    let disqualify = disqualify(&p, ck);
    let personas = personas(&p, ck);
    let rule_names = rule_names(&p, ck);
    if p.fit.is_empty() && p.engagement.is_empty() && p.disqualify.is_empty() {
        ck.problem(
            1,
            "rules file",
            "no [[fit]], [[engagement]] or [[disqualify]] rules: every lead would score 0; add rules",
        );
    }
    let stages = stages(&p, ck, &rule_names);
    let actions = actions(&p, ck, &stages);
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

/// Too many rules, conditions or regexes; with too many conditions or regexes none is compiled.
fn check_limits(p: &RulesFileParams, ck: &mut Checker) {
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
    let (n_conditions, n_patterns) = count(p);
    if n_conditions > MAX_CONDITIONS {
        ck.problem(1, "file", format!("{n_conditions} conditions; the limit is {MAX_CONDITIONS}"));
    }
    if n_patterns > MAX_PATTERNS {
        ck.problem(1, "file", format!("{n_patterns} regexes (`matches`); the limit is {MAX_PATTERNS}"));
    }
    ck.over_limit = n_conditions > MAX_CONDITIONS || n_patterns > MAX_PATTERNS;
}

/// `[activities]`: the activity log's columns and a usable timestamp format.
fn activity_columns(p: &RulesFileParams, ck: &mut Checker) -> ActivityColumns {
    let a = p.activities.as_ref().map(|s| s.get_ref());
    let get = |f: fn(&ActivityColumnsParams) -> &Option<String>, d: &str| {
        a.and_then(|a| f(a).clone()).unwrap_or_else(|| d.to_string())
    };
    let columns = ActivityColumns {
        id: get(|a| &a.id, "lead_id"),
        activity: get(|a| &a.activity, "activity"),
        timestamp: get(|a| &a.timestamp, "timestamp"),
        timestamp_format: get(|a| &a.timestamp_format, "%Y-%m-%dT%H:%M:%SZ"),
        page: get(|a| &a.page, "page"),
        product: get(|a| &a.product, "product"),
    };
    if let Some(act) = &p.activities {
        let fmt = &columns.timestamp_format;
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
    columns
}

/// `[[segment]]`s, each with its gate and thresholds (defaulting to the file's).
fn segments(p: &RulesFileParams, ck: &mut Checker, thresholds: &Thresholds) -> Vec<Segment> {
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
    segments
}

/// `[[disqualify]]` rules.
fn disqualify(p: &RulesFileParams, ck: &mut Checker) -> Vec<Disqualify> {
    let mut out = Vec::new();
    for (i, d) in p.disqualify.iter().enumerate() {
        let line = ck.line(d);
        let item = format!("disqualify rule {}", i + 1);
        let dp = d.get_ref();
        let gate = ck.gate(line, &item, Some(&dp.when), dp.or.as_ref(), &dp.and);
        if dp.reason.trim().is_empty() {
            ck.problem(line, &item, "reason is empty; say why the lead is set aside");
        }
        out.push(Disqualify { gate, reason: dp.reason.clone(), line });
    }
    out
}

/// `[[persona]]`s.
fn personas(p: &RulesFileParams, ck: &mut Checker) -> Vec<Persona> {
    let mut out = Vec::new();
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
        out.push(Persona { name: s.get_ref().name.clone(), conditions, min_share });
    }
    out
}

/// The names of fit and engagement rules (stages refer to them), each unique.
fn rule_names<'p>(p: &'p RulesFileParams, ck: &mut Checker) -> BTreeSet<&'p str> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for r in p.fit.iter().chain(&p.engagement) {
        if let Some(name) = r.get_ref().name.as_deref() {
            if !names.insert(name) {
                let line = ck.line(r);
                ck.problem(
                    line,
                    &format!("rule \"{name}\""),
                    "another rule has this name; names must be unique (stages refer to rules by name)",
                );
            }
        }
    }
    names
}

/// `[[stage]]`s, each reached after named rules.
fn stages(p: &RulesFileParams, ck: &mut Checker, rule_names: &BTreeSet<&str>) -> Vec<Stage> {
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
                        quoted(rule_names)
                    ),
                );
            }
        }
        if stages.iter().any(|x: &Stage| x.name == s.get_ref().name) {
            ck.problem(line, &item, format!("stage \"{}\" is defined twice", s.get_ref().name));
        }
        stages.push(Stage { name: s.get_ref().name.clone(), after: s.get_ref().after.clone() });
    }
    stages
}

/// `[[action]]`s, by grade, stage and status.
fn actions(p: &RulesFileParams, ck: &mut Checker, stages: &[Stage]) -> Vec<Action> {
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
                ck.problem(line, &item, format!("stage \"{st}\" is not defined (stages: {})", quoted(&stage_names)));
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
    actions
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
