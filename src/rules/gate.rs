//! A rule's gate: the `when`, `or` and `and` conditions that decide whether it applies to a
//! lead, checked from the file and evaluated per lead.
//!
//! A [`Gate`] holds the alternatives (`when`, then each `or` condition, in file order) and
//! the conditions that must all hold (`and`). It is open when at least one alternative holds
//! (or there are none) and every `and` condition holds; [`Gate::matched`] also says *which*
//! alternative held first, so an explanation can name it. Checking (`Checker::gate`, part of
//! [`super::RuleSet::parse`]) compiles every condition through [`Condition::check`] and reports
//! each problem with its line: the rule's first line for `when` and `and`, the condition's own
//! line inside `or`. The file's conditions and regexes are counted before anything is
//! compiled, so the limits [`MAX_CONDITIONS`] and [`MAX_PATTERNS`] refuse a hostile file cheaply.

use std::fmt;

use serde::Serialize;
use toml::Spanned;

use super::checker::Checker;
use super::condition::Condition;
use super::spec::{ConditionParams, RulesFileParams};

/// Most conditions in one file: every `when`, `or` and `and` condition and every persona condition.
pub const MAX_CONDITIONS: usize = 10_000;
/// Most `matches` conditions in one file. Each regex may compile to up to
/// [`super::condition::REGEX_SIZE_LIMIT`] bytes, so this bounds the memory a file can ask for.
pub const MAX_PATTERNS: usize = 200;

/// `or` as written: the list with its span, each condition with its own.
pub type OrParams = Spanned<Vec<Spanned<ConditionParams>>>;

/// When a rule applies: at least one of `any` (if it has any) and all of `all`.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    /// The alternatives: `when`, then each `or` condition, in file order.
    pub any: Vec<Condition>,
    /// The `and` conditions.
    pub all: Vec<Condition>,
    /// Whether the rule was written with `or`: its explanation then names the alternative that held.
    pub has_or: bool,
}

impl Gate {
    /// Whether the gate is open for a lead whose cleaned cells `cell` returns by column
    /// (`None`: missing). `None`: it is not. `Some(alt)`: it is, `alt` being the first
    /// alternative that holds, or `None` when the rule has neither `when` nor `or`.
    pub fn matched<'v>(&self, cell: impl Fn(&str) -> Option<&'v str>) -> Option<Option<&Condition>> {
        let alt = if self.any.is_empty() { None } else { Some(self.any.iter().find(|c| c.holds(cell(&c.field)))?) };
        self.all.iter().all(|c| c.holds(cell(&c.field))).then_some(alt)
    }

    /// Whether the gate is open (see [`Gate::matched`]).
    pub fn holds<'v>(&self, cell: impl Fn(&str) -> Option<&'v str>) -> bool {
        self.matched(cell).is_some()
    }

    /// The alternative to show for a lead: `alt` for a rule written with `or`, else `None`
    /// (a rule with only `when` names its column in its reason already).
    pub fn shown<'v>(&self, alt: Option<&Condition>, cell: impl Fn(&str) -> Option<&'v str>) -> Option<Alternative> {
        let c = alt.filter(|_| self.has_or)?;
        Some(Alternative { field: c.field.clone(), value: cell(&c.field).map(str::to_string) })
    }
}

/// The alternative (`when` or an `or` condition) that made a rule with `or` apply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// Its column.
    pub field: String,
    /// The lead's value in that column (`None`: missing).
    pub value: Option<String>,
}

impl fmt::Display for Alternative {
    /// `seniority: director`, or `seniority: (missing)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.value.as_deref().unwrap_or("(missing)"))
    }
}

/// The number of conditions and of `matches` conditions in a file, before checking.
pub(super) fn count(p: &RulesFileParams) -> (usize, usize) {
    let mut all: Vec<&ConditionParams> = Vec::new();
    for r in p.fit.iter().chain(&p.engagement).map(Spanned::get_ref) {
        all.extend(written(r.when.as_ref(), r.or.as_ref(), &r.and));
    }
    for d in p.disqualify.iter().map(Spanned::get_ref) {
        all.extend(written(Some(&d.when), d.or.as_ref(), &d.and));
    }
    for s in p.segment.iter().map(Spanned::get_ref) {
        all.extend(written(Some(&s.when), s.or.as_ref(), &s.and));
    }
    for s in p.persona.iter().map(Spanned::get_ref) {
        all.extend(&s.when);
    }
    (all.len(), all.iter().filter(|c| c.matches.is_some()).count())
}

/// A gate's conditions as written: `when`, each `or`, each `and`.
fn written<'p>(
    when: Option<&'p ConditionParams>,
    or: Option<&'p OrParams>,
    and: &'p [ConditionParams],
) -> impl Iterator<Item = &'p ConditionParams> {
    let or = or.map(|o| o.get_ref().as_slice()).unwrap_or_default();
    when.into_iter().chain(or.iter().map(Spanned::get_ref)).chain(and)
}

impl Checker<'_> {
    /// Checks one condition, reporting its problem at `line`, prefixed with `what` when given.
    pub(super) fn condition(&mut self, line: usize, item: &str, what: &str, p: &ConditionParams) -> Option<Condition> {
        if self.over_limit {
            return None;
        }
        match Condition::check(p) {
            Ok(c) => {
                self.fields.push((c.field.clone(), line, c.clone()));
                Some(c)
            }
            Err(m) => {
                self.problem(line, item, format!("{what}{m}"));
                None
            }
        }
    }

    /// Checks the gate of the item at `line`: `when` and `and` are reported at `line`, each
    /// `or` condition at its own line, and an empty `or` at the list's line.
    pub(super) fn gate(
        &mut self,
        line: usize,
        item: &str,
        when: Option<&ConditionParams>,
        or: Option<&OrParams>,
        and: &[ConditionParams],
    ) -> Gate {
        let mut any: Vec<Condition> = when.and_then(|w| self.condition(line, item, "", w)).into_iter().collect();
        if let Some(or) = or {
            if or.get_ref().is_empty() {
                let at = self.line(or);
                self.problem(at, item, "`or` is empty; list the alternative conditions, or remove it");
            }
            for (k, c) in or.get_ref().iter().enumerate() {
                let at = self.line(c);
                any.extend(self.condition(at, item, &format!("`or` alternative {}: ", k + 1), c.get_ref()));
            }
        }
        let all = and.iter().filter_map(|c| self.condition(line, item, "", c)).collect();
        Gate { any, all, has_or: or.is_some() }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;
    use crate::rules::{RuleSet, RulesError};

    fn parse(text: &str) -> Result<RuleSet, RulesError> {
        RuleSet::parse(text, Path::new("r.toml"))
    }

    /// The problems of an invalid file as `(line, message)`.
    fn problems(text: &str) -> Vec<(usize, String)> {
        match parse(text) {
            Err(RulesError::Invalid { problems, .. }) => problems.0.into_iter().map(|p| (p.line, p.message)).collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    const DIRECTOR: &str = "[[fit]]\nname = \"director\"\nwhen = { field = \"job_title\", matches = \"(?i)director\" }\nor = [{ field = \"seniority\", equals = \"director\" }]\nand = [{ field = \"segment\", equals = \"B2B\" }]\npoints = 25\n";

    /// `matched` on one lead given as (column, value) pairs; the alternative as its column.
    fn matched(g: &Gate, lead: &[(&str, &str)]) -> Option<Option<String>> {
        let cells: HashMap<&str, &str> = lead.iter().copied().collect();
        g.matched(|f| cells.get(f).copied()).map(|alt| alt.map(|c| c.field.clone()))
    }

    #[test]
    fn or_is_an_alternative_to_when_and_and_still_applies() {
        let s = parse(DIRECTOR).unwrap();
        let g = &s.fit[0].gate;
        assert_eq!((g.any.len(), g.all.len(), g.has_or), (2, 1, true));
        // `when` alone.
        let when_only = [("job_title", "Sales Director"), ("seniority", "manager"), ("segment", "B2B")];
        assert_eq!(matched(g, &when_only), Some(Some("job_title".into())));
        // The `or` alternative alone.
        let or_only = [("job_title", "Head of Sales"), ("seniority", "Director"), ("segment", "B2B")];
        assert_eq!(matched(g, &or_only), Some(Some("seniority".into())));
        // Both hold: `when` comes first and is the one named.
        let both = [("job_title", "IT Director"), ("seniority", "director"), ("segment", "B2B")];
        assert_eq!(matched(g, &both), Some(Some("job_title".into())));
        // An alternative holds but `and` fails.
        let and_fails = [("job_title", "Sales Director"), ("seniority", "director"), ("segment", "B2C")];
        assert_eq!(matched(g, &and_fails), None);
        // No alternative holds (a missing cell holds nothing but `missing`).
        assert_eq!(matched(g, &[("job_title", "Engineer"), ("segment", "B2B")]), None);
    }

    #[test]
    fn without_when_or_alone_lists_the_alternatives() {
        let s = parse(
            "[[fit]]\nor = [{ field = \"a\", equals = \"x\" }, { field = \"b\", min = 3 }]\npoints = 5\n\n[[fit]]\nand = [{ field = \"a\", equals = \"x\" }]\npoints = 1\n",
        )
        .unwrap();
        let g = &s.fit[0].gate;
        assert_eq!(matched(g, &[("a", "X"), ("b", "1")]), Some(Some("a".into())));
        assert_eq!(matched(g, &[("a", "y"), ("b", "3.5")]), Some(Some("b".into())));
        assert_eq!(matched(g, &[("a", "y"), ("b", "2")]), None);
        assert_eq!(s.fit[0].reason, "a = x or b >= 3");
        // No `when`, no `or`: only `and`, and no alternative to name.
        let g = &s.fit[1].gate;
        assert_eq!((matched(g, &[("a", "x")]), matched(g, &[("a", "y")])), (Some(None), None));
        assert!(!g.has_or);
    }

    #[test]
    fn alternatives_are_shown_only_for_rules_with_or() {
        let s =
            parse(&format!("{DIRECTOR}\n[[fit]]\nwhen = {{ field = \"seniority\", equals = \"vp\" }}\npoints = 30\n"))
                .unwrap();
        let cell = |f: &str| (f == "seniority").then_some("Director");
        let (with_or, when_only) = (&s.fit[0].gate, &s.fit[1].gate);
        let a = with_or.shown(Some(&with_or.any[1]), cell).unwrap();
        assert_eq!(a.to_string(), "seniority: Director");
        assert_eq!(with_or.shown(Some(&with_or.any[0]), cell).unwrap().to_string(), "job_title: (missing)");
        assert_eq!(when_only.shown(Some(&when_only.any[0]), cell), None);
    }

    #[test]
    fn or_works_on_disqualify_and_segment_rules() {
        let s = parse(
            "[[segment]]\nname = \"smb\"\nwhen = { field = \"size\", equals = \"1-10\" }\nor = [{ field = \"size\", missing = true }]\n\n[[disqualify]]\nwhen = { field = \"email\", equals = \"disposable\" }\nor = [{ field = \"name\", matches = \"(?i)^test$\" }]\nreason = \"junk\"\n",
        )
        .unwrap();
        assert_eq!(matched(&s.segments[0].gate, &[]), Some(Some("size".into())));
        assert_eq!(matched(&s.segments[0].gate, &[("size", "11-50")]), None);
        assert_eq!(
            matched(&s.disqualify[0].gate, &[("email", "corporate"), ("name", "TEST")]),
            Some(Some("name".into()))
        );
    }

    #[test]
    fn bad_or_conditions_are_reported_at_their_own_line() {
        let p = problems(
            "[[fit]]\nname = \"senior\"\nwhen = { field = \"seniority\", equals = \"vp\" }\nor = [\n  { field = \"job_title\", matches = \"(?i)vp\" },\n  { field = \"job_title\", matches = \"(\" },\n  { field = \"title\", equals = \"x\", min = 2 },\n]\npoints = 30\n",
        );
        assert_eq!(
            p,
            vec![
                (6, "`or` alternative 2: condition on \"job_title\": bad regex \"(\": unclosed group".to_string()),
                (
                    7,
                    "`or` alternative 3: condition on \"title\" needs exactly one of equals, one_of, between, min/max, matches, missing, junk (found equals, min/max)"
                        .to_string()
                ),
            ]
        );
        // On one line, the `or` line; `when` and `and` problems stay on the rule's first line.
        let p = problems(
            "[[disqualify]]\nreason = \"x\"\nwhen = { field = \"a\", matches = \"[\" }\nor = [{ field = \"b\", one_of = [] }]\n",
        );
        assert_eq!(p.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![1, 4]);
        assert_eq!(p[1].1, "`or` alternative 1: condition on \"b\": one_of needs 1 to 1000 values (found 0)");
    }

    #[test]
    fn empty_or_is_an_error_and_or_does_not_nest() {
        let p = problems(
            "[[segment]]\nname = \"s\"\nwhen = { field = \"a\", equals = \"x\" }\n\nor = []\n[[fit]]\npoints = 1\nwhen = { field = \"a\", equals = \"y\" }\n",
        );
        assert_eq!(p, vec![(5, "`or` is empty; list the alternative conditions, or remove it".to_string())]);
        let e = parse("[[fit]]\npoints = 1\nor = [{ field = \"a\", equals = \"x\", or = [] }]\n").unwrap_err();
        assert!(e.to_string().starts_with("r.toml:3:36: unknown field `or`, expected one of `field`"), "{e}");
        let e = parse("[[persona]]\nname = \"p\"\nwhen = [{ field = \"a\", equals = \"x\" }]\nor = []\n").unwrap_err();
        assert!(e.to_string().starts_with("r.toml:4:1: unknown field `or`"), "{e}");
    }

    #[test]
    fn condition_and_pattern_limits_count_or_and_refuse_before_compiling() {
        let or = "{ field = \"a\", missing = true }, ".repeat(MAX_CONDITIONS);
        let p = problems(&format!("[[fit]]\nwhen = {{ field = \"a\", missing = true }}\nor = [{or}]\npoints = 1\n"));
        assert_eq!(p, vec![(1, format!("{} conditions; the limit is {MAX_CONDITIONS}", MAX_CONDITIONS + 1))]);
        // 201 regexes: refused by count before any is compiled (else each bad one would be a problem too).
        let or = "{ field = \"a\", matches = \"(\" }, ".repeat(MAX_PATTERNS);
        let p = problems(&format!("[[fit]]\nwhen = {{ field = \"a\", matches = \"x\" }}\nor = [{or}]\npoints = 1\n"));
        assert_eq!(p, vec![(1, format!("{} regexes (`matches`); the limit is {MAX_PATTERNS}", MAX_PATTERNS + 1))]);
    }
}
