//! A rules file's conditions as SQL: each [`Test`] of [`crate::rules::condition`] as a
//! boolean that is never NULL, over the lead's cleaned cells (`ls_rf<k>`: trimmed, blank or
//! a `[score] missing` token as NULL, as [`crate::data::typing::MissingTokens::clean`]) and,
//! for `between` / `min` / `max` and count rules, their numbers (`ls_rn<k>`).
//!
//! - `equals` / `one_of`: `LOWER(cell)` against the lower-cased values. Exact for ASCII
//!   cells; other cells are lower-cased by the engine (Unicode on DuckDB, Spark, BigQuery and
//!   Snowflake; the collation's on PostgreSQL; ASCII only on SQLite), while `score` uses
//!   Rust's Unicode lower case.
//! - numbers: a cell is a number exactly when Rust's `f64` parser reads it as a finite one:
//!   the text is checked against that grammar (`[+-]` digits, `.`, exponent; a regular
//!   expression, or on SQLite `GLOB` tests) before it is cast, so "abc", "1,5" or "12 units"
//!   match no range, as in `score`. Numbers beyond the double range ("1e999", which Rust reads
//!   as infinity and so as not a number) make PostgreSQL and DuckDB stop with an error.
//! - `matches`: [`super::regex::translate`] for DuckDB (`regexp_matches`), PostgreSQL (`~`),
//!   Spark (`RLIKE`) and BigQuery (`REGEXP_CONTAINS`); SQLite only with `--sqlite-regexp`
//!   (`cell REGEXP pattern`, the pattern as written, for an application that registers a
//!   `regexp()` function with Rust's `regex` crate); Snowflake is refused.
//! - `missing`: `IS NULL` / `IS NOT NULL`; `junk` (the hygiene checks) is refused.

use super::dialect::Dialect;
use super::regex::translate;
use crate::rules::condition::{Condition, Test};

/// How `matches` is written on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteRegexp {
    /// Refused (SQLite has no regular expressions by default).
    #[default]
    Refuse,
    /// `cell REGEXP 'pattern'`: the application registers `regexp()` with Rust regex semantics.
    RustFunction,
}

/// Internal name of the cleaned text of rule field `k`.
pub fn field_col(k: usize) -> String {
    format!("ls_rf{k}")
}

/// Internal name of the number in rule field `k` (NULL when it is not one).
pub fn number_col(k: usize) -> String {
    format!("ls_rn{k}")
}

/// The cleaned cell: `trimmed` (SQL of the trimmed text) as NULL when blank or one of `tokens`
/// (lower-case).
pub fn cleaned(d: Dialect, trimmed: &str, tokens: &[String]) -> String {
    let mut blank = format!("{trimmed} = ''");
    if !tokens.is_empty() {
        let t: Vec<String> = tokens.iter().map(|t| d.string(t)).collect();
        blank = format!("{blank} OR LOWER({trimmed}) IN ({})", t.join(", "));
    }
    format!("CASE WHEN {blank} THEN NULL ELSE {trimmed} END")
}

/// The number in the cleaned text `f` as Rust's `parse_number` reads it, else NULL.
pub fn number(d: Dialect, f: &str) -> String {
    let is_number = match d {
        Dialect::Sqlite => sqlite_is_number(f),
        _ => {
            let end = if d == Dialect::Spark { r"\z" } else { "$" };
            let re = format!(r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?{end}");
            regex_call(d, f, &d.string(&re))
        }
    };
    let cast = d.to_double(f);
    let finite =
        if d == Dialect::Sqlite { format!(" AND ABS({cast}) <= 1.7976931348623157e308") } else { String::new() };
    format!("CASE WHEN {f} IS NOT NULL AND {is_number}{finite} THEN {cast} END")
}

/// SQLite has no regular expressions: the number grammar with `GLOB` tests on the mantissa
/// and the exponent, after one leading sign.
fn sqlite_is_number(f: &str) -> String {
    let u = format!("(CASE WHEN SUBSTR({f}, 1, 1) IN ('+', '-') THEN SUBSTR({f}, 2) ELSE {f} END)");
    let e = format!("INSTR(LOWER({u}), 'e')");
    let m = format!("(CASE WHEN {e} > 0 THEN SUBSTR({u}, 1, {e} - 1) ELSE {u} END)");
    let x = format!("SUBSTR({u}, {e} + 1)");
    let x = format!("(CASE WHEN SUBSTR({x}, 1, 1) IN ('+', '-') THEN SUBSTR({x}, 2) ELSE {x} END)");
    format!(
        "({m} <> '' AND {m} <> '.' AND {m} NOT GLOB '*[^0-9.]*' AND {m} NOT GLOB '*.*.*' \
         AND ({e} = 0 OR ({x} <> '' AND {x} NOT GLOB '*[^0-9]*')))"
    )
}

/// `subject` matches the regular expression in the SQL string `pattern` (anywhere).
fn regex_call(d: Dialect, subject: &str, pattern: &str) -> String {
    match d {
        Dialect::DuckDb => format!("regexp_matches({subject}, {pattern})"),
        Dialect::Postgres => format!("({subject} ~ {pattern})"),
        Dialect::Spark => format!("({subject} RLIKE {pattern})"),
        Dialect::BigQuery => format!("REGEXP_CONTAINS({subject}, {pattern})"),
        // Snowflake's REGEXP_LIKE matches the whole subject (used here only for numbers,
        // whose pattern is anchored anyway).
        Dialect::Snowflake => format!("REGEXP_LIKE({subject}, {pattern})"),
        Dialect::Sqlite => format!("({subject} REGEXP {pattern})"),
    }
}

/// The SQL of condition `c` on field column `f` (number column `n`), never NULL; `Err` says
/// why it cannot be exported.
pub fn condition(d: Dialect, c: &Condition, f: &str, n: &str, regexp: SqliteRegexp) -> Result<String, String> {
    let values = |vs: &[String]| vs.iter().map(|v| d.string(v)).collect::<Vec<_>>().join(", ");
    Ok(match &c.test {
        Test::Missing(true) => format!("{f} IS NULL"),
        Test::Missing(false) => format!("{f} IS NOT NULL"),
        Test::Equals(v) => format!("({f} IS NOT NULL AND LOWER({f}) = {})", d.string(v)),
        Test::OneOf(vs) => format!("({f} IS NOT NULL AND LOWER({f}) IN ({}))", values(vs)),
        Test::Range { min, max } => {
            let mut s = format!("({n} IS NOT NULL");
            if let Some(lo) = min {
                s.push_str(&format!(" AND {n} >= {}", d.float(*lo, "min").map_err(|e| e.to_string())?));
            }
            if let Some(hi) = max {
                s.push_str(&format!(" AND {n} <= {}", d.float(*hi, "max").map_err(|e| e.to_string())?));
            }
            s.push(')');
            s
        }
        Test::Matches(re) => {
            let pattern = match (d, regexp) {
                (Dialect::Sqlite, SqliteRegexp::RustFunction) => re.as_str().to_string(),
                (Dialect::Sqlite, SqliteRegexp::Refuse) => {
                    return Err(format!(
                        "`matches` ({:?}) needs regular expressions, which SQLite lacks; export with \
                         --sqlite-regexp if your application registers a regexp() function with Rust's \
                         regex crate, or use another dialect",
                        re.as_str()
                    ))
                }
                (Dialect::Snowflake, _) => {
                    return Err(format!(
                        "`matches` ({:?}) is not exported to Snowflake: its regular expressions could not be \
                         checked to match Rust's; use another dialect or replace the condition with one_of",
                        re.as_str()
                    ))
                }
                _ => translate(d, re.as_str()).map_err(|why| {
                    format!("`matches` {:?} cannot be written exactly for {}: {why}", re.as_str(), d.as_str())
                })?,
            };
            format!("({f} IS NOT NULL AND {})", regex_call(d, f, &d.string(&pattern)))
        }
        Test::Junk(_) => {
            return Err("`junk` conditions (check-data's hygiene checks) have no SQL form; score these rules \
                        with `leadscore score --rules`, or drop the condition from the exported file"
                .into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::spec::ConditionParams;

    fn cond(text: &str) -> Condition {
        Condition::check(&toml::from_str::<ConditionParams>(text).unwrap()).unwrap()
    }

    #[test]
    fn conditions_are_never_null() {
        let c = cond("field = 'x'\none_of = ['VP', \"it's\"]");
        assert_eq!(
            condition(Dialect::Sqlite, &c, "ls_rf0", "ls_rn0", SqliteRegexp::Refuse).unwrap(),
            "(ls_rf0 IS NOT NULL AND LOWER(ls_rf0) IN ('vp', 'it''s'))"
        );
        let r = cond("field = 'x'\nbetween = [1, 2.5]");
        assert_eq!(
            condition(Dialect::DuckDb, &r, "ls_rf0", "ls_rn0", SqliteRegexp::Refuse).unwrap(),
            "(ls_rn0 IS NOT NULL AND ls_rn0 >= 1e0 AND ls_rn0 <= 2.5e0)"
        );
    }

    #[test]
    fn regexes_and_junk_are_refused_where_they_cannot_be_exact() {
        let m = cond("field = 'x'\nmatches = '^a'");
        let e = condition(Dialect::Sqlite, &m, "f", "n", SqliteRegexp::Refuse).unwrap_err();
        assert!(e.contains("--sqlite-regexp"), "{e}");
        assert!(condition(Dialect::Sqlite, &m, "f", "n", SqliteRegexp::RustFunction).unwrap().contains("REGEXP '^a'"));
        assert!(condition(Dialect::Snowflake, &m, "f", "n", SqliteRegexp::Refuse).is_err());
        let j = cond("field = 'x'\njunk = 'email'");
        assert!(condition(Dialect::DuckDb, &j, "f", "n", SqliteRegexp::Refuse).unwrap_err().contains("junk"));
    }
}
