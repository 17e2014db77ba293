//! The SQL dialects the exporter writes, and everything that differs between them: quoting of
//! identifiers and string literals, double-precision literals, type names, trimming, date
//! arithmetic and the names of the maths functions.
//!
//! Literals are written so that every engine reads back the exact `f64` the bundle holds:
//! shortest round-trip scientific notation (`1.25e-1`), which DuckDB, SQLite, Spark, BigQuery
//! and Snowflake read as a double (a plain `0.125` would be a DECIMAL in DuckDB and a NUMERIC
//! in PostgreSQL); PostgreSQL gets a typed literal (`float8 '1.25e-1'`), parsed by `strtod`.

use super::ExportError;

/// A SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB.
    DuckDb,
    /// PostgreSQL.
    Postgres,
    /// SQLite (3.35 or later, built with its maths functions: `exp`, `ln`).
    Sqlite,
    /// Spark SQL (Databricks).
    Spark,
    /// Google BigQuery (GoogleSQL).
    BigQuery,
    /// Snowflake.
    Snowflake,
}

/// Characters Rust's `str::trim` removes (Unicode White_Space), which `score` trims from every
/// cell; the SQL trims the same set.
pub const WHITESPACE: [u32; 25] = [
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
    0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
];

impl Dialect {
    /// Every dialect, in the order the CLI lists them.
    pub const ALL: [Dialect; 6] =
        [Dialect::DuckDb, Dialect::Postgres, Dialect::Sqlite, Dialect::Spark, Dialect::BigQuery, Dialect::Snowflake];

    /// The dialect's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
            Dialect::Spark => "spark",
            Dialect::BigQuery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// Parses a dialect name (case-insensitive; `postgresql` and `databricks` accepted too).
    pub fn parse(s: &str) -> Option<Dialect> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "postgresql" => Some(Dialect::Postgres),
            "databricks" => Some(Dialect::Spark),
            _ => Dialect::ALL.into_iter().find(|d| d.as_str() == s),
        }
    }

    /// A quoted identifier: any name (spaces, quotes, unicode, reserved words) stays itself.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::BigQuery => format!("`{}`", backslash_escaped(name, '`')),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A table name given as `a.b.c`: each part quoted.
    pub fn table(self, path: &str) -> String {
        path.split('.').map(|p| self.ident(p)).collect::<Vec<_>>().join(".")
    }

    /// A string literal holding exactly `s`.
    pub fn string(self, s: &str) -> String {
        match self {
            Dialect::Spark | Dialect::BigQuery => format!("'{}'", backslash_escaped(s, '\'')),
            // Snowflake reads backslash escapes in single-quoted strings; quotes are doubled.
            Dialect::Snowflake => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''")),
            _ => format!("'{}'", s.replace('\'', "''")),
        }
    }

    /// A double-precision literal that reads back as exactly `x`; non-finite values have no
    /// literal in most dialects and are refused (`what` names the value in the error).
    pub fn float(self, x: f64, what: &str) -> Result<String, ExportError> {
        if !x.is_finite() {
            return Err(ExportError::NonFinite { what: what.to_string(), value: x });
        }
        let text = format!("{x:e}");
        Ok(match self {
            Dialect::Postgres => format!("float8 '{text}'"),
            // Parentheses keep `a - -1e0` from reading as a comment (`--`).
            _ if x.is_sign_negative() => format!("({text})"),
            _ => text,
        })
    }

    /// The text type.
    pub fn text_type(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Snowflake => "VARCHAR",
            Dialect::Postgres | Dialect::Sqlite => "TEXT",
            Dialect::Spark | Dialect::BigQuery => "STRING",
        }
    }

    /// The double-precision type.
    pub fn double_type(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Spark | Dialect::Snowflake => "DOUBLE",
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Sqlite => "REAL",
            Dialect::BigQuery => "FLOAT64",
        }
    }

    /// `CAST(expr AS <double>)`.
    pub fn to_double(self, expr: &str) -> String {
        format!("CAST({expr} AS {})", self.double_type())
    }

    /// `expr` with the characters in `set` (see [`Dialect::whitespace_set`]) trimmed from both ends.
    pub fn trim(self, expr: &str, set: &str) -> String {
        match self {
            Dialect::Postgres => format!("BTRIM({expr}, {set})"),
            Dialect::Spark => format!("TRIM(BOTH {set} FROM {expr})"),
            _ => format!("TRIM({expr}, {set})"),
        }
    }

    /// A string expression holding the characters of [`WHITESPACE`].
    pub fn whitespace_set(self) -> String {
        match self {
            Dialect::Sqlite => {
                format!("char({})", WHITESPACE.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "))
            }
            Dialect::DuckDb | Dialect::Postgres => {
                WHITESPACE.iter().map(|c| format!("chr({c})")).collect::<Vec<_>>().join(" || ")
            }
            // Backslash-escape dialects: `\uXXXX` in the literal.
            Dialect::Spark | Dialect::BigQuery | Dialect::Snowflake => {
                format!("'{}'", WHITESPACE.iter().map(|c| format!("\\u{c:04X}")).collect::<String>())
            }
        }
    }

    /// The age in days of the ISO date text `iso` (`YYYY-MM-DD`) at the date `reference`
    /// (`YYYY-MM-DD`), as a double: `reference - iso`.
    pub fn days_before(self, reference: &str, iso: &str) -> String {
        let r = format!("DATE '{reference}'");
        let d = format!("CAST({iso} AS DATE)");
        match self {
            Dialect::Sqlite => format!("(julianday('{reference}') - julianday({iso}))"),
            Dialect::DuckDb | Dialect::Postgres => self.to_double(&format!("({r} - {d})")),
            Dialect::Spark => self.to_double(&format!("DATEDIFF({r}, {d})")),
            Dialect::BigQuery => self.to_double(&format!("DATE_DIFF({r}, {d}, DAY)")),
            Dialect::Snowflake => self.to_double(&format!("DATEDIFF(day, {d}, {r})")),
        }
    }

    /// The keyword that makes a common table expression computed once (`MATERIALIZED `), or
    /// nothing where the dialect has none (Spark, BigQuery and Snowflake decide themselves).
    pub fn materialized(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Postgres | Dialect::Sqlite => "MATERIALIZED ",
            _ => "",
        }
    }

    /// The 64-bit integer type.
    pub fn int_type(self) -> &'static str {
        match self {
            Dialect::BigQuery => "INT64",
            _ => "BIGINT",
        }
    }

    /// `a` modulo `b` (integers).
    pub fn modulo(self, a: &str, b: &str) -> String {
        match self {
            Dialect::BigQuery => format!("MOD({a}, {b})"),
            _ => format!("{a} % {b}"),
        }
    }

    /// `floor(x)` of a non-negative `x`: SQLite's `CAST(... AS INTEGER)` truncates (its
    /// `FLOOR` is a maths function some builds lack); the others' `FLOOR`.
    pub fn floor(self, x: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST({x} AS INTEGER)"),
            _ => format!("FLOOR({x})"),
        }
    }

    /// The natural logarithm function.
    pub fn ln(self) -> &'static str {
        "LN"
    }

    /// The exponential function.
    pub fn exp(self) -> &'static str {
        "EXP"
    }
}

/// `s` with backslashes and `quote` escaped by a backslash, and control characters as `\n`,
/// `\r`, `\t` or `\uXXXX` (BigQuery does not allow raw newlines in a quoted literal).
fn backslash_escaped(s: &str, quote: char) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_keep_spaces_quotes_unicode_and_reserved_words() {
        assert_eq!(Dialect::Postgres.ident("select"), "\"select\"");
        assert_eq!(Dialect::DuckDb.ident("Lead \"Source\""), "\"Lead \"\"Source\"\"\"");
        assert_eq!(Dialect::Sqlite.ident("país"), "\"país\"");
        assert_eq!(Dialect::Spark.ident("a`b c"), "`a``b c`");
        assert_eq!(Dialect::BigQuery.ident("a`b\\c"), "`a\\`b\\\\c`");
        assert_eq!(Dialect::Snowflake.table("db.leads"), "\"db\".\"leads\"");
    }

    #[test]
    fn string_literals_escape_what_each_dialect_reads_specially() {
        assert_eq!(Dialect::Postgres.string("O'Neil \\ x"), "'O''Neil \\ x'");
        assert_eq!(Dialect::Sqlite.string("it's"), "'it''s'");
        assert_eq!(Dialect::Spark.string("it's \\"), "'it\\'s \\\\'");
        assert_eq!(Dialect::BigQuery.string("a\nb'"), "'a\\nb\\''");
        assert_eq!(Dialect::Snowflake.string("it's \\"), "'it''s \\\\'");
    }

    #[test]
    fn float_literals_round_trip_and_never_start_a_comment() {
        for x in [0.1, 1.0 / 3.0, -2.5e-300, 123456789.0, f64::MIN_POSITIVE, 0.0] {
            let lit = Dialect::DuckDb.float(x, "x").unwrap();
            let text = lit.trim_start_matches('(').trim_end_matches(')');
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{lit}");
            assert!(text.contains('e'), "{lit} must be read as a double");
        }
        assert_eq!(Dialect::Sqlite.float(-1.5, "x").unwrap(), "(-1.5e0)");
        assert_eq!(Dialect::Postgres.float(-1.5, "x").unwrap(), "float8 '-1.5e0'");
        let e = Dialect::Sqlite.float(f64::INFINITY, "threshold of tree 3").unwrap_err().to_string();
        assert!(e.contains("threshold of tree 3"), "{e}");
    }

    #[test]
    fn dialect_names_parse() {
        for d in Dialect::ALL {
            assert_eq!(Dialect::parse(d.as_str()), Some(d));
        }
        assert_eq!(Dialect::parse("PostgreSQL"), Some(Dialect::Postgres));
        assert_eq!(Dialect::parse("oracle"), None);
    }

    #[test]
    fn whitespace_is_rusts() {
        let all: Vec<u32> =
            (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|c| c.is_whitespace()).map(|c| c as u32).collect();
        assert_eq!(all, WHITESPACE.to_vec());
    }
}
