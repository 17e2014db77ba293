//! From text columns to typed values: column kinds, missing tokens, number / yes-no /
//! date parsing, kind inference, and the outcome (target) column.
//!
//! Every cell arrives as text (see [`crate::data::load`]). A cell is *missing* when it is
//! null, blank, or equal (after trimming, case-insensitively) to one of the user's missing
//! tokens such as `Select`. Errors name the file, the column and the 1-based data row.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// How a column is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// A number (counts, amounts, durations).
    Numeric,
    /// A label from a set (industry, lead source).
    Categorical,
    /// Yes/No, true/false, 1/0.
    Boolean,
    /// A calendar date, turned into an age in days.
    Date,
    /// An identifier: never a feature.
    Id,
    /// Not used at all.
    Ignore,
}

impl ColumnKind {
    /// Lower-case name, as written in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Date => "date",
            ColumnKind::Id => "id",
            ColumnKind::Ignore => "ignore",
        }
    }
}

/// Errors while typing values.
#[derive(Debug, thiserror::Error)]
pub enum TypingError {
    /// A named column is not in the file.
    #[error("{path}: column \"{column}\" not found (columns: {available}); {hint}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The columns the file has.
        available: String,
        /// What to do.
        hint: String,
    },
    /// A value could not be read as the column's kind.
    #[error("{path}: column \"{column}\", row {row}: \"{value}\" is not {expected}; {hint}")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// 1-based data row (the header is not counted).
        row: usize,
        /// The text found.
        value: String,
        /// What was expected.
        expected: &'static str,
        /// What to do.
        hint: String,
    },
    /// The outcome column does not have both classes.
    #[error("{path}: target column \"{column}\" has {positives} converted and {negatives} dead leads; training needs both (check --positive: the values found are {values})")]
    OneClass {
        /// The file.
        path: PathBuf,
        /// The target column.
        column: String,
        /// Converted rows.
        positives: usize,
        /// Dead rows.
        negatives: usize,
        /// Distinct values seen.
        values: String,
    },
    /// The target column is blank (or a missing token) in every row.
    #[error("{path}: the outcome column \"{column}\" is empty in every row: there is no history to learn from or evaluate on; check --target, or fill in the outcomes")]
    EmptyTarget {
        /// The file.
        path: PathBuf,
        /// The target column.
        column: String,
    },
    /// The positive value cannot be guessed.
    #[error(
        "{path}: cannot tell which value of \"{column}\" means converted (values: {values}); pass --positive VALUE"
    )]
    AmbiguousPositive {
        /// The file.
        path: PathBuf,
        /// Target column.
        column: String,
        /// Distinct values seen.
        values: String,
    },
    /// Polars failed while reading a column.
    #[error("{path}: column \"{column}\": {source}")]
    Polars {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Polars' error.
        source: PolarsError,
    },
}

/// Tokens that mean "missing", compared after trimming and case-insensitively.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MissingTokens(pub Vec<String>);

impl MissingTokens {
    /// Normalises the tokens (trimmed, lower-case).
    pub fn new(tokens: &[String]) -> Self {
        MissingTokens(tokens.iter().map(|t| t.trim().to_lowercase()).collect())
    }

    /// The cell's text with missing tokens, blanks and nulls mapped to `None`. Tokens match
    /// whatever the case, also outside ASCII (`NÃO` matches `não`).
    pub fn clean<'a>(&self, cell: Option<&'a str>) -> Option<&'a str> {
        let v = cell?.trim();
        if v.is_empty() {
            return None;
        }
        let missing = if self.0.is_empty() {
            false
        } else if v.is_ascii() {
            self.0.iter().any(|t| t.eq_ignore_ascii_case(v))
        } else {
            let lower = v.to_lowercase();
            self.0.contains(&lower)
        };
        (!missing).then_some(v)
    }
}

/// A batch of leads with every column as text, plus where it came from (for messages).
pub struct LeadFrame<'a> {
    /// The rows.
    pub df: &'a DataFrame,
    /// The file they came from.
    pub path: &'a Path,
    /// 1-based data row number of the first row of `df` within the file.
    pub first_row: usize,
}

impl<'a> LeadFrame<'a> {
    /// The text of a column, or an error listing the columns that exist.
    pub fn text(&self, column: &str, hint: &str) -> Result<&'a StringChunked, TypingError> {
        let col = self.df.column(column).map_err(|_| TypingError::MissingColumn {
            path: self.path.to_path_buf(),
            column: column.to_string(),
            available: column_list(self.df),
            hint: hint.to_string(),
        })?;
        col.str().map_err(|source| TypingError::Polars {
            path: self.path.to_path_buf(),
            column: column.to_string(),
            source,
        })
    }

    /// Number of rows in the batch.
    pub fn height(&self) -> usize {
        self.df.height()
    }

    /// Builds a [`TypingError::BadValue`] for row `i` of this batch.
    pub fn bad_value(&self, column: &str, i: usize, value: &str, expected: &'static str, hint: String) -> TypingError {
        TypingError::BadValue {
            path: self.path.to_path_buf(),
            column: column.to_string(),
            row: self.first_row + i,
            value: value.chars().take(80).collect(),
            expected,
            hint,
        }
    }
}

/// The column names of a frame, quoted and comma-separated (at most 40).
pub fn column_list(df: &DataFrame) -> String {
    let names: Vec<String> = df.columns().iter().map(|c| format!("\"{}\"", c.name())).collect();
    if names.len() > 40 {
        format!("{}, ... ({} in all)", names[..40].join(", "), names.len())
    } else {
        names.join(", ")
    }
}

/// Parses a number; accepts surrounding spaces, rejects NaN/inf.
pub fn parse_number(v: &str) -> Option<f64> {
    let x: f64 = v.trim().parse().ok()?;
    x.is_finite().then_some(x)
}

/// Parses yes/no style values.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "1" => Some(true),
        "no" | "n" | "false" | "f" | "0" => Some(false),
        _ => None,
    }
}

/// Parses a date: ISO `YYYY-MM-DD` (optionally followed by a time), `YYYY/MM/DD`, or `DD.MM.YYYY`.
pub fn parse_date(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    let head = v.get(..10)?;
    let rest = &v[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(head, "%Y/%m/%d"))
        .or_else(|_| NaiveDate::parse_from_str(head, "%d.%m.%Y"))
        .ok()
}

/// The dates of a date column at `rows` (blank cells are `None`); a value that is not a date
/// is an error naming its row, with `fix` as the advice. A missing column is an error with
/// `missing_hint`.
pub fn read_dates(
    frame: &LeadFrame,
    column: &str,
    rows: &[usize],
    missing: &MissingTokens,
    missing_hint: &str,
    fix: &str,
) -> Result<Vec<Option<NaiveDate>>, TypingError> {
    let text = frame.text(column, missing_hint)?;
    rows.iter()
        .map(|&i| match missing.clean(text.get(i)) {
            None => Ok(None),
            Some(v) => parse_date(v).map(Some).ok_or_else(|| frame.bad_value(column, i, v, "a date", fix.into())),
        })
        .collect()
}

/// Day numbers of dates (days since the Common Era; NaN for an unknown date): the scale a
/// time-ordered hold-out sorts by.
pub fn day_numbers(dates: &[Option<NaiveDate>]) -> Vec<f64> {
    dates.iter().map(|d| d.map_or(f64::NAN, |d| d.num_days_from_ce() as f64)).collect()
}

/// Infers a column's kind from its cleaned values: boolean if every value is yes/no-like
/// (and not only digits), numeric if at least 95% parse as numbers (the rest are then
/// reported as errors when the column is read), date if at least 95% parse as dates,
/// otherwise categorical.
pub fn infer_kind<'s>(values: impl Iterator<Item = &'s str>) -> ColumnKind {
    let (mut n, mut num, mut boolean, mut date, mut digits_only) = (0, 0, 0, 0, true);
    let mut distinct = BTreeSet::new();
    for v in values {
        n += 1;
        if distinct.len() <= 3 {
            distinct.insert(v.to_ascii_lowercase());
        }
        if parse_number(v).is_some() {
            num += 1;
        } else {
            digits_only = false;
        }
        if parse_bool(v).is_some() {
            boolean += 1;
        }
        if parse_date(v).is_some() {
            date += 1;
        }
    }
    if n == 0 {
        return ColumnKind::Categorical;
    }
    if boolean == n && !digits_only && distinct.len() <= 2 {
        ColumnKind::Boolean
    } else if num * 100 >= n * 95 {
        ColumnKind::Numeric
    } else if date * 100 >= n * 95 {
        ColumnKind::Date
    } else {
        ColumnKind::Categorical
    }
}

/// How the outcome column reads: which values mean converted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetSpec {
    /// Column name.
    pub column: String,
    /// Values meaning converted (compared trimmed, case-insensitively). Other non-empty values
    /// are dead, unless `negative` is given.
    pub positive: Vec<String>,
    /// Values meaning dead. When given, values in neither list (open pipeline stages such as
    /// "Engaging") are not history and are skipped. Absent from bundles that never set it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub negative: Vec<String>,
}

/// The outcome of each labelled row.
#[derive(Debug)]
pub struct Labels {
    /// `(row index in the frame, converted?)` for rows whose target is not empty.
    pub rows: Vec<(usize, bool)>,
    /// Rows skipped because the target was empty.
    pub skipped: usize,
    /// The positive values used.
    pub positive: Vec<String>,
}

/// Reads the target column. With no positive values given, `1`, `yes`, `true`, `won` or
/// `converted` are recognised when the column has exactly two values and one of them.
pub fn read_labels(
    frame: &LeadFrame,
    column: &str,
    positive: &[String],
    missing: &MissingTokens,
) -> Result<Labels, TypingError> {
    read_labels_with(frame, column, positive, &[], missing)
}

/// [`read_labels`] with the values meaning dead: when `negative` is not empty, rows whose
/// value is in neither list (still open) are skipped like blank ones.
pub fn read_labels_with(
    frame: &LeadFrame,
    column: &str,
    positive: &[String],
    negative: &[String],
    missing: &MissingTokens,
) -> Result<Labels, TypingError> {
    let text = frame.text(column, "pass --target COLUMN or set data.target in the config")?;
    let mut distinct: BTreeSet<String> = BTreeSet::new();
    for v in text.iter().filter_map(|c| missing.clean(c)) {
        // Values as written (not lower-cased: messages quote them), one per spelling ignoring case.
        if distinct.len() < 50 && !distinct.iter().any(|d| d.eq_ignore_ascii_case(v)) {
            distinct.insert(v.to_string());
        }
    }
    if distinct.is_empty() {
        return Err(TypingError::EmptyTarget { path: frame.path.to_path_buf(), column: column.to_string() });
    }
    let values = distinct.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ");
    let positive: Vec<String> = if positive.is_empty() {
        const KNOWN: [&str; 6] = ["1", "1.0", "yes", "true", "won", "converted"];
        let hit: Vec<&String> = distinct.iter().filter(|v| KNOWN.iter().any(|k| k.eq_ignore_ascii_case(v))).collect();
        if distinct.len() != 2 || hit.len() != 1 {
            return Err(TypingError::AmbiguousPositive {
                path: frame.path.to_path_buf(),
                column: column.to_string(),
                values,
            });
        }
        vec![hit[0].clone()]
    } else {
        positive.to_vec()
    };
    let mut rows = Vec::with_capacity(text.len());
    let mut skipped = 0;
    for (i, cell) in text.iter().enumerate() {
        match missing.clean(cell) {
            None => skipped += 1,
            Some(v) => {
                let pos = positive.iter().any(|p| p.trim().eq_ignore_ascii_case(v));
                if pos || negative.is_empty() || negative.iter().any(|n| n.trim().eq_ignore_ascii_case(v)) {
                    rows.push((i, pos));
                } else {
                    skipped += 1;
                }
            }
        }
    }
    let positives = rows.iter().filter(|r| r.1).count();
    let negatives = rows.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(TypingError::OneClass {
            path: frame.path.to_path_buf(),
            column: column.to_string(),
            positives,
            negatives,
            values,
        });
    }
    Ok(Labels { rows, skipped, positive })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_blank_in_every_row_says_the_column_is_empty() {
        // Regression: answered "cannot tell which value means converted; pass --positive VALUE".
        let df = DataFrame::new_infer_height(vec![Column::new("converted".into(), [Some(""), None, Some("Select")])])
            .unwrap();
        let frame = LeadFrame { df: &df, path: Path::new("h.csv"), first_row: 1 };
        let m = MissingTokens::new(&["Select".to_string()]);
        for positive in [vec![], vec!["1".to_string()]] {
            let e = read_labels(&frame, "converted", &positive, &m).unwrap_err();
            assert!(matches!(e, TypingError::EmptyTarget { .. }), "{e}");
            assert!(e.to_string().contains("\"converted\" is empty in every row"), "{e}");
        }
    }

    #[test]
    fn missing_tokens_match_whatever_the_case_also_outside_ascii() {
        // Regression: tokens were lower-cased with Unicode but compared ASCII-only, so a
        // Portuguese "NÃO" given as a missing value never matched "NÃO" or "não".
        let m = MissingTokens::new(&["NÃO".to_string(), "Select".to_string()]);
        for cell in ["NÃO", "não", " Não ", "select", "SELECT", ""] {
            assert_eq!(m.clean(Some(cell)), None, "{cell:?}");
        }
        assert_eq!(m.clean(Some("nao")), Some("nao"));
        assert_eq!(m.clean(Some("Sim")), Some("Sim"));
        assert_eq!(MissingTokens::default().clean(Some(" x ")), Some("x"));
    }

    #[test]
    fn inference_of_kinds() {
        assert_eq!(infer_kind(["Yes", "No", "No"].into_iter()), ColumnKind::Boolean);
        assert_eq!(infer_kind(["0", "1", "1"].into_iter()), ColumnKind::Numeric);
        assert_eq!(infer_kind(["2.5", "3", "10"].into_iter()), ColumnKind::Numeric);
        assert_eq!(infer_kind(["2024-01-03", "2024-02-01T10:00:00"].into_iter()), ColumnKind::Date);
        assert_eq!(infer_kind(["India", "UK"].into_iter()), ColumnKind::Categorical);
        // 1 junk value in 20 numbers: still numeric (the junk is then an error naming its row).
        let mut v: Vec<&str> = vec!["1"; 19];
        v.push("abc");
        assert_eq!(infer_kind(v.into_iter()), ColumnKind::Numeric);
    }

    #[test]
    fn missing_tokens_are_case_insensitive_and_trimmed() {
        let m = MissingTokens::new(&["Select".to_string()]);
        assert_eq!(m.clean(Some(" select ")), None);
        assert_eq!(m.clean(Some("")), None);
        assert_eq!(m.clean(None), None);
        assert_eq!(m.clean(Some(" India ")), Some("India"));
    }

    #[test]
    fn dates_parse_in_the_documented_forms() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 9).unwrap();
        assert_eq!(parse_date("2024-03-09"), Some(d));
        assert_eq!(parse_date("2024-03-09T12:00:00Z"), Some(d));
        assert_eq!(parse_date("2024/03/09"), Some(d));
        assert_eq!(parse_date("09.03.2024"), Some(d));
        assert_eq!(parse_date("2024-03-09x"), None);
        assert_eq!(parse_date("March 9"), None);
    }

    fn frame(values: &[Option<&str>]) -> DataFrame {
        let s = Series::new("y".into(), values.to_vec());
        DataFrame::new_infer_height(vec![s.into()]).unwrap()
    }

    #[test]
    fn labels_guess_positive_and_skip_empty() {
        let df = frame(&[Some("Won"), Some("Lost"), None, Some("won"), Some("")]);
        let f = LeadFrame { df: &df, path: Path::new("x.csv"), first_row: 1 };
        let l = read_labels(&f, "y", &[], &MissingTokens::default()).unwrap();
        assert_eq!(l.rows, vec![(0, true), (1, false), (3, true)]);
        assert_eq!(l.skipped, 2);
    }

    #[test]
    fn with_dead_values_given_open_stages_are_skipped() {
        let df = frame(&[Some("Won"), Some("Engaging"), Some("Lost"), Some(" lost "), Some("Prospecting"), None]);
        let f = LeadFrame { df: &df, path: Path::new("x.csv"), first_row: 1 };
        let m = MissingTokens::default();
        let l = read_labels_with(&f, "y", &["Won".into()], &["Lost".into()], &m).unwrap();
        assert_eq!(l.rows, vec![(0, true), (2, false), (3, false)]);
        assert_eq!(l.skipped, 3);
        // Without them, every non-blank value that is not converted is dead.
        let l = read_labels(&f, "y", &["Won".into()], &m).unwrap();
        assert_eq!(l.rows.len(), 5);
    }

    #[test]
    fn one_class_target_is_an_error() {
        let df = frame(&[Some("1"), Some("1")]);
        let f = LeadFrame { df: &df, path: Path::new("x.csv"), first_row: 1 };
        let e = read_labels(&f, "y", &["1".into()], &MissingTokens::default()).unwrap_err();
        assert!(e.to_string().contains("2 converted and 0 dead"), "{e}");
    }
}
