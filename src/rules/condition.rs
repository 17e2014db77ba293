//! Conditions on one column of a lead: the only operators a rules file can use.
//!
//! `equals` and `one_of` compare trimmed text case-insensitively; `between`, `min` and
//! `max` read the cell as a number (a cell that is not a number does not match); `matches`
//! is a regular expression compiled with size limits, so a hostile pattern is refused when
//! the file is checked instead of exhausting memory; `missing` tests for an empty cell
//! (blank, null or one of `[score] missing`); `junk = "email" | "name" | "phone"` applies
//! `check-data`'s cell checks ([`crate::hygiene::cell`]: disposable or role e-mail, test or
//! keyboard-mash name, impossible phone), so a `[[disqualify]]` or a negative rule can catch
//! junk. Every operator but `missing` is false on a missing cell.

use regex::{Regex, RegexBuilder};

use super::spec::ConditionParams;
use crate::data::typing::parse_number;
use crate::hygiene::cell::{email_flag, name_flag, phone_flag};

/// Longest regular expression accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 500;
/// Compiled-program size limit of one regular expression, in bytes.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Most values in one `one_of`.
pub const MAX_ONE_OF: usize = 1000;

/// The test a condition applies to a cell.
#[derive(Debug, Clone)]
pub enum Test {
    /// Equal, trimmed and case-insensitive (stored lower-case).
    Equals(String),
    /// Equal to any (stored lower-case).
    OneOf(Vec<String>),
    /// Number within `[min, max]`.
    Range {
        /// Lower end, included.
        min: Option<f64>,
        /// Upper end, included.
        max: Option<f64>,
    },
    /// Regex match anywhere.
    Matches(Regex),
    /// Missing (`true`) or present (`false`).
    Missing(bool),
    /// Junk by the hygiene checks of this kind of cell.
    Junk(JunkKind),
}

/// Which hygiene check a `junk` condition applies ([`crate::hygiene::cell`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JunkKind {
    /// Invalid, disposable or role e-mail address.
    Email,
    /// Test or keyboard-mash name.
    Name,
    /// Impossible phone number.
    Phone,
}

/// A checked condition.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The column.
    pub field: String,
    /// The test.
    pub test: Test,
}

impl Condition {
    /// Checks a condition as written; the error is the problem in words.
    pub fn check(p: &ConditionParams) -> Result<Condition, String> {
        let field = p.field.trim().to_string();
        if field.is_empty() {
            return Err("`field` is empty; name a column of the leads file".into());
        }
        let mut ops = Vec::new();
        if p.equals.is_some() {
            ops.push("equals");
        }
        if p.one_of.is_some() {
            ops.push("one_of");
        }
        if p.between.is_some() {
            ops.push("between");
        }
        if p.min.is_some() || p.max.is_some() {
            ops.push("min/max");
        }
        if p.matches.is_some() {
            ops.push("matches");
        }
        if p.missing.is_some() {
            ops.push("missing");
        }
        if p.junk.is_some() {
            ops.push("junk");
        }
        if ops.len() != 1 {
            return Err(format!(
                "condition on \"{field}\" needs exactly one of equals, one_of, between, min/max, matches, missing, junk (found {})",
                if ops.is_empty() { "none".to_string() } else { ops.join(", ") }
            ));
        }
        let test = if let Some(v) = &p.equals {
            Test::Equals(scalar(v).map_err(|e| format!("condition on \"{field}\": equals {e}"))?)
        } else if let Some(vs) = &p.one_of {
            if vs.is_empty() || vs.len() > MAX_ONE_OF {
                return Err(format!(
                    "condition on \"{field}\": one_of needs 1 to {MAX_ONE_OF} values (found {})",
                    vs.len()
                ));
            }
            Test::OneOf(
                vs.iter()
                    .map(scalar)
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("condition on \"{field}\": one_of {e}"))?,
            )
        } else if let Some(b) = &p.between {
            match b.as_slice() {
                [lo, hi] if lo.is_finite() && hi.is_finite() && lo <= hi => {
                    Test::Range { min: Some(*lo), max: Some(*hi) }
                }
                _ => {
                    return Err(format!(
                        "condition on \"{field}\": between needs [low, high] with low <= high (found {b:?})"
                    ))
                }
            }
        } else if p.min.is_some() || p.max.is_some() {
            if let (Some(lo), Some(hi)) = (p.min, p.max) {
                if lo > hi {
                    return Err(format!("condition on \"{field}\": min {lo} is above max {hi}; no value can match"));
                }
            }
            if p.min.is_some_and(|x| !x.is_finite()) || p.max.is_some_and(|x| !x.is_finite()) {
                return Err(format!("condition on \"{field}\": min and max must be finite numbers"));
            }
            Test::Range { min: p.min, max: p.max }
        } else if let Some(pat) = &p.matches {
            Test::Matches(compile_regex(pat).map_err(|e| format!("condition on \"{field}\": {e}"))?)
        } else if let Some(kind) = &p.junk {
            Test::Junk(match kind.trim().to_lowercase().as_str() {
                "email" => JunkKind::Email,
                "name" => JunkKind::Name,
                "phone" => JunkKind::Phone,
                other => {
                    return Err(format!(
                    "condition on \"{field}\": junk = \"{other}\" is not a check; use \"email\", \"name\" or \"phone\""
                ))
                }
            })
        } else {
            Test::Missing(p.missing.unwrap_or(true))
        };
        Ok(Condition { field, test })
    }

    /// Whether the (already cleaned: `None` = missing) cell satisfies the condition.
    pub fn holds(&self, cell: Option<&str>) -> bool {
        match (&self.test, cell) {
            (Test::Missing(m), c) => c.is_none() == *m,
            (_, None) => false,
            (Test::Equals(v), Some(c)) => eq_ci(c, v),
            (Test::OneOf(vs), Some(c)) => vs.iter().any(|v| eq_ci(c, v)),
            (Test::Range { min, max }, Some(c)) => match parse_number(c) {
                Some(x) => min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m),
                None => false,
            },
            (Test::Matches(re), Some(c)) => re.is_match(c),
            (Test::Junk(JunkKind::Email), Some(c)) => email_flag(c).is_some(),
            (Test::Junk(JunkKind::Name), Some(c)) => name_flag(c).is_some(),
            (Test::Junk(JunkKind::Phone), Some(c)) => phone_flag(c).is_some(),
        }
    }

    /// The text values the condition looks for (for checking them against the data).
    pub fn values(&self) -> Vec<&str> {
        match &self.test {
            Test::Equals(v) => vec![v.as_str()],
            Test::OneOf(vs) => vs.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the test reads the cell as a number.
    pub fn is_numeric(&self) -> bool {
        matches!(self.test, Test::Range { .. })
    }
}

fn eq_ci(cell: &str, lower: &str) -> bool {
    if cell.is_ascii() {
        cell.eq_ignore_ascii_case(lower)
    } else {
        cell.to_lowercase() == lower
    }
}

/// A TOML scalar as comparison text (lower-case).
fn scalar(v: &toml::Value) -> Result<String, String> {
    let s = match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => return Err(format!("needs text or a number, not {}", other.type_str())),
    };
    if s.chars().count() > 1000 {
        return Err("value is longer than 1000 characters".into());
    }
    Ok(s.to_lowercase())
}

/// Compiles a user regex with length, program-size and nesting limits.
pub fn compile_regex(pat: &str) -> Result<Regex, String> {
    if pat.len() > MAX_PATTERN_LEN {
        return Err(format!("regex is {} bytes long; the limit is {MAX_PATTERN_LEN}", pat.len()));
    }
    RegexBuilder::new(pat).size_limit(REGEX_SIZE_LIMIT).dfa_size_limit(REGEX_SIZE_LIMIT).nest_limit(50).build().map_err(
        |e| {
            let why = e.to_string();
            let why = why.lines().last().unwrap_or("invalid").trim().trim_start_matches("error: ").to_string();
            format!("bad regex {pat:?}: {why}")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(toml_text: &str) -> Result<Condition, String> {
        let p: ConditionParams = toml::from_str(toml_text).unwrap();
        Condition::check(&p)
    }

    #[test]
    fn junk_conditions_apply_the_hygiene_checks() {
        let e = cond("field = \"email\"\njunk = \"email\"").unwrap();
        assert!(e.holds(Some("x@mailinator.com")) && e.holds(Some("info@acme.com")) && e.holds(Some("nope")));
        assert!(!e.holds(Some("anna.berg@acme.com")) && !e.holds(None));
        let n = cond("field = \"first_name\"\njunk = \"name\"").unwrap();
        assert!(n.holds(Some("asdf")) && n.holds(Some("Test")) && !n.holds(Some("Anna")));
        let p = cond("field = \"phone\"\njunk = \"phone\"").unwrap();
        assert!(p.holds(Some("123")) && !p.holds(Some("+44 20 7946 0958")));
        assert!(cond("field = \"x\"\njunk = \"spam\"").unwrap_err().contains("junk = \"spam\" is not a check"));
        assert!(cond("field = \"x\"\njunk = \"name\"\nmissing = true").unwrap_err().contains("found missing, junk"));
    }

    #[test]
    fn equals_is_trimmed_and_case_insensitive() {
        let c = cond("field = 'x'\nequals = 'Personal'").unwrap();
        assert!(c.holds(Some("personal")));
        assert!(c.holds(Some("PERSONAL")));
        assert!(!c.holds(Some("corporate")));
        assert!(!c.holds(None));
        let n = cond("field = 'x'\nequals = 5").unwrap();
        assert!(n.holds(Some("5")));
    }

    #[test]
    fn one_of_matches_any() {
        let c = cond("field = 'x'\none_of = ['vp', 'C-level']").unwrap();
        assert!(c.holds(Some("c-level")));
        assert!(c.holds(Some("VP")));
        assert!(!c.holds(Some("manager")));
    }

    #[test]
    fn ranges_include_both_ends_and_skip_non_numbers() {
        let c = cond("field = 'x'\nbetween = [2, 5]").unwrap();
        assert!(c.holds(Some("2")) && c.holds(Some("5")) && c.holds(Some("3.5")));
        assert!(!c.holds(Some("1.99")) && !c.holds(Some("5.01")) && !c.holds(Some("abc")));
        let m = cond("field = 'x'\nmin = 10").unwrap();
        assert!(m.holds(Some("10")) && !m.holds(Some("9.9")));
        let x = cond("field = 'x'\nmax = 7").unwrap();
        assert!(x.holds(Some("-3")) && !x.holds(Some("8")));
    }

    #[test]
    fn regex_and_missing() {
        let c = cond("field = 'x'\nmatches = '(?i)director|vp'").unwrap();
        assert!(c.holds(Some("Sales Director")) && c.holds(Some("vp mktg")));
        assert!(!c.holds(Some("Manager")));
        let m = cond("field = 'x'\nmissing = true").unwrap();
        assert!(m.holds(None) && !m.holds(Some("a")));
        let p = cond("field = 'x'\nmissing = false").unwrap();
        assert!(!p.holds(None) && p.holds(Some("a")));
    }

    #[test]
    fn bad_conditions_say_what_is_wrong() {
        assert_eq!(
            cond("field = 'x'\nequals = 'a'\nmin = 3").unwrap_err(),
            "condition on \"x\" needs exactly one of equals, one_of, between, min/max, matches, missing, junk (found equals, min/max)"
        );
        assert_eq!(
            cond("field = 'x'\nmin = 5\nmax = 1").unwrap_err(),
            "condition on \"x\": min 5 is above max 1; no value can match"
        );
        assert!(cond("field = 'x'\nmatches = '(unclosed'")
            .unwrap_err()
            .starts_with("condition on \"x\": bad regex \"(unclosed\""));
        let long = "a".repeat(600);
        assert_eq!(
            cond(&format!("field = 'x'\nmatches = '{long}'")).unwrap_err(),
            "condition on \"x\": regex is 600 bytes long; the limit is 500"
        );
        // A pattern whose compiled program explodes is refused, not built.
        assert!(cond("field = 'x'\nmatches = '\\w{200}\\w{200}'").unwrap_err().contains("bad regex"));
    }
}
