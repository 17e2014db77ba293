//! The checked rule set: reading and parsing a rules file, checked by [`super::checker`].
//!
//! [`RuleSet::load`] reads the file (refusing anything over [`MAX_FILE_BYTES`]), parses
//! it strictly into [`super::spec`] parameters (unknown fields and wrong types are errors
//! with line and column), then checks every table, collecting *all* problems with their
//! lines: conditions with no or several operators, bad or oversized regexes, an empty `or`,
//! `mql` above `sql`, grade cut-offs out of order, `per` other than once/each, decay on a rule
//! that has no events, unknown segment or rule names, too many rules, conditions or regexes.
//! Rules' `when` / `or` / `and` are checked in [`super::gate`]. Only a checked `RuleSet` can
//! score.

use std::path::{Path, PathBuf};

use super::checker::{self, line_of, Checker};
use super::condition::Condition;
use super::error::{Problems, RulesError};
pub use super::items::*;
use super::spec::*;
use crate::data::limited::{read_text_limited, Limit};
use crate::data::typing::MissingTokens;

/// Largest rules file accepted: 1 MiB.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The rules file's size limit, checked before it is read (a pipe is read only that far).
const RULES_LIMIT: Limit = Limit {
    what: "rules file",
    bytes: MAX_FILE_BYTES,
    advice: "a rules file is a page or two of TOML: check that this is the right file",
};
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

impl RuleSet {
    /// Reads and checks a rules file.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let text = read_text_limited(path, RULES_LIMIT)?;
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
        let mut ck = Checker::new(text);
        let set = checker::check(params, &mut ck, path);
        if ck.problems.is_empty() {
            Ok(set)
        } else {
            ck.problems.sort_by_key(|p| p.line);
            Err(RulesError::Invalid { path: path.to_path_buf(), problems: Problems(ck.problems) })
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
