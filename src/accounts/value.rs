//! Money: a deal's value read from a column, its expected value `probability x value`, and
//! pipeline totals by grade and by stage, kept apart per currency.
//!
//! A value is a plain non-negative number (`4821`, `4821.50`); blank means unknown (the
//! lead gets no expected value and is counted). Text, a negative number, NaN or infinity is
//! an error naming the file, column and row. With a currency column every valued lead must
//! name its currency, and totals are kept per currency: money is never added up across
//! currencies. Without one, every value is taken to be in one currency (shown as `-`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::data::typing::{column_list, LeadFrame, TypingError};

/// Which columns carry money, and the stage column totals are grouped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSpec {
    /// The value column (deal size, list price).
    pub column: String,
    /// The currency column, if any.
    pub currency: Option<String>,
    /// The pipeline-stage column totals are grouped by, if any.
    pub stage: Option<String>,
}

/// The currency shown when the data has no currency column.
pub const ONE_CURRENCY: &str = "-";

/// Errors reading money.
#[derive(Debug, thiserror::Error)]
pub enum ValueError {
    /// A named column is missing.
    #[error("{path}: {what} column \"{column}\" not found (columns: {available}); {hint}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// `value`, `currency`, `stage`.
        what: &'static str,
        /// The column.
        column: String,
        /// Its columns.
        available: String,
        /// What to do.
        hint: String,
    },
    /// Not a number.
    #[error("{path}: value column \"{column}\", row {row}: \"{value}\" is not a number; values must be plain numbers such as 4821.50 (no currency signs or thousands separators), or blank when unknown")]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// The text.
        value: String,
    },
    /// A negative amount.
    #[error("{path}: value column \"{column}\", row {row}: {value} is negative; a deal's value is at least 0 (fix the row, or leave it blank when unknown)")]
    Negative {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A valued row without a currency.
    #[error("{path}: currency column \"{column}\", row {row} is blank but the row has a value; every valued row needs its currency, or totals would add up different currencies")]
    NoCurrency {
        /// The file.
        path: PathBuf,
        /// The currency column.
        column: String,
        /// 1-based data row.
        row: usize,
    },
    /// Polars failed reading a column.
    #[error(transparent)]
    Typing(#[from] TypingError),
}

/// One batch's money columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LeadValues {
    /// The value column's name.
    pub column: String,
    /// Per lead, its value (`None`: blank).
    pub values: Vec<Option<f64>>,
    /// Per lead, its currency ([`ONE_CURRENCY`] without a currency column).
    pub currencies: Vec<String>,
    /// Per lead, its stage (`None` without a stage column, or blank).
    pub stages: Vec<Option<String>>,
}

impl LeadValues {
    /// Per lead, `probability x value` (`None` where the value is blank).
    pub fn expected(&self, probabilities: &[f64]) -> Vec<Option<f64>> {
        self.values.iter().zip(probabilities).map(|(v, p)| v.map(|v| v * p)).collect()
    }
}

/// A cell of a value column: `Ok(None)` for blank, an error for text or a negative number.
pub fn parse_value(cell: Option<&str>, frame: &LeadFrame, column: &str, i: usize) -> Result<Option<f64>, ValueError> {
    let Some(text) = cell.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    let path = frame.path.to_path_buf();
    let row = frame.first_row + i;
    let x: f64 = match text.parse::<f64>() {
        Ok(x) if x.is_finite() => x,
        _ => {
            return Err(ValueError::NotNumeric {
                path,
                column: column.to_string(),
                row,
                value: text.chars().take(80).collect(),
            })
        }
    };
    if x < 0.0 {
        return Err(ValueError::Negative { path, column: column.to_string(), row, value: x });
    }
    Ok(Some(x))
}

/// Reads the money columns of a batch.
pub fn read_values(frame: &LeadFrame, spec: &ValueSpec) -> Result<LeadValues, ValueError> {
    let column = |name: &str, what: &'static str, hint: &str| {
        frame.df.column(name).map_err(|_| ValueError::MissingColumn {
            path: frame.path.to_path_buf(),
            what,
            column: name.to_string(),
            available: column_list(frame.df),
            hint: hint.to_string(),
        })
    };
    column(&spec.column, "value", "name the deal-value column with --value-column (it may come from a joined table)")?;
    let text = frame.text(&spec.column, "")?;
    let values =
        text.iter().enumerate().map(|(i, c)| parse_value(c, frame, &spec.column, i)).collect::<Result<Vec<_>, _>>()?;
    let currencies = match &spec.currency {
        None => vec![ONE_CURRENCY.to_string(); frame.height()],
        Some(c) => {
            column(c, "currency", "name the currency column with --currency-column, or drop the flag")?;
            let text = frame.text(c, "")?;
            text.iter()
                .zip(&values)
                .enumerate()
                .map(|(i, (cur, v))| match cur.map(str::trim).filter(|t| !t.is_empty()) {
                    Some(cur) => Ok(cur.to_uppercase()),
                    None if v.is_none() => Ok(ONE_CURRENCY.to_string()),
                    None => Err(ValueError::NoCurrency {
                        path: frame.path.to_path_buf(),
                        column: c.clone(),
                        row: frame.first_row + i,
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    let stages = match &spec.stage {
        None => vec![None; frame.height()],
        Some(s) => {
            column(s, "stage", "name the pipeline-stage column with --stage-column, or drop the flag")?;
            let text = frame.text(s, "")?;
            text.iter().map(|v| v.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)).collect()
        }
    };
    Ok(LeadValues { column: spec.column.clone(), values, currencies, stages })
}

/// Leads, their value and expected value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Leads with a value.
    pub leads: usize,
    /// Sum of their values.
    pub value: f64,
    /// Sum of `probability x value`.
    pub expected_value: f64,
}

impl Totals {
    fn add(&mut self, value: f64, expected: f64) {
        self.leads += 1;
        self.value += value;
        self.expected_value += expected;
    }
}

/// One currency's pipeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CurrencyPipeline {
    /// Every valued lead.
    pub total: Totals,
    /// Per grade (A–D).
    pub by_grade: BTreeMap<String, Totals>,
    /// Per stage (the stage column's value, or `(none)`), when there is a stage.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_stage: BTreeMap<String, Totals>,
}

/// Pipeline value over a run, per currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PipelineValue {
    /// The value column.
    pub column: String,
    /// The currency column, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_column: Option<String>,
    /// The stage column (or `rules stage`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_column: Option<String>,
    /// Leads with a blank value (no expected value).
    pub leads_without_value: usize,
    /// Per currency.
    pub currencies: BTreeMap<String, CurrencyPipeline>,
}

impl PipelineValue {
    /// An empty pipeline for `spec`.
    pub fn new(spec: &ValueSpec) -> Self {
        PipelineValue {
            column: spec.column.clone(),
            currency_column: spec.currency.clone(),
            stage_column: spec.stage.clone(),
            ..PipelineValue::default()
        }
    }

    /// Adds a batch: each lead's value, probability, grade and stage (`stages` overrides the
    /// values' own stage column, e.g. the rules' stage).
    pub fn add(&mut self, v: &LeadValues, probabilities: &[f64], grades: &[&str], stages: Option<&[String]>) {
        for i in 0..v.values.len() {
            let Some(value) = v.values[i] else {
                self.leads_without_value += 1;
                continue;
            };
            let e = value * probabilities[i];
            let c = self.currencies.entry(v.currencies[i].clone()).or_default();
            c.total.add(value, e);
            c.by_grade.entry(grades[i].to_string()).or_default().add(value, e);
            let stage = match stages {
                Some(s) => Some(s[i].clone()),
                None => v.stages[i].clone().or_else(|| self.stage_column.as_ref().map(|_| "(none)".to_string())),
            };
            if let Some(s) = stage {
                c.by_stage.entry(s).or_default().add(value, e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use std::path::Path;

    fn frame_of(df: &DataFrame) -> LeadFrame<'_> {
        LeadFrame { df, path: Path::new("deals.csv"), first_row: 11 }
    }

    #[test]
    fn values_currencies_and_stages_read_with_errors_naming_file_column_and_row() {
        let df = df!(
            "price" => [Some("100"), Some(" 2.5 "), None, Some("0")],
            "cur" => [Some("eur"), Some("USD"), None, Some("EUR")],
            "stage" => [Some("Engaging"), None, Some("Prospecting"), Some("Engaging")],
        )
        .unwrap();
        let spec = ValueSpec { column: "price".into(), currency: Some("cur".into()), stage: Some("stage".into()) };
        let v = read_values(&frame_of(&df), &spec).unwrap();
        assert_eq!(v.values, [Some(100.0), Some(2.5), None, Some(0.0)]);
        assert_eq!(v.currencies, ["EUR", "USD", "-", "EUR"]);
        assert_eq!(v.expected(&[0.5, 0.2, 0.9, 0.3]), [Some(50.0), Some(0.5), None, Some(0.0)]);
        let mut p = PipelineValue::new(&spec);
        p.add(&v, &[0.5, 0.2, 0.9, 0.3], &["A", "B", "A", "A"], None);
        assert_eq!(p.leads_without_value, 1);
        let eur = &p.currencies["EUR"];
        assert_eq!(eur.total, Totals { leads: 2, value: 100.0, expected_value: 50.0 });
        assert_eq!(eur.by_stage["Engaging"].leads, 2);
        assert_eq!(p.currencies["USD"].by_stage["(none)"], Totals { leads: 1, value: 2.5, expected_value: 0.5 });

        for (cell, want) in [
            ("$100", "deals.csv: value column \"price\", row 12: \"$100\" is not a number"),
            ("1,200", "row 12: \"1,200\" is not a number"),
            ("NaN", "row 12: \"NaN\" is not a number"),
            ("-5", "deals.csv: value column \"price\", row 12: -5 is negative"),
        ] {
            let df = df!("price" => [Some("1"), Some(cell)]).unwrap();
            let spec = ValueSpec { column: "price".into(), currency: None, stage: None };
            let e = read_values(&frame_of(&df), &spec).unwrap_err().to_string();
            assert!(e.contains(want), "{cell}: {e}");
        }
        let df = df!("price" => [Some("1")], "cur" => [None::<&str>]).unwrap();
        let spec = ValueSpec { column: "price".into(), currency: Some("cur".into()), stage: None };
        let e = read_values(&frame_of(&df), &spec).unwrap_err().to_string();
        assert!(e.contains("currency column \"cur\", row 11 is blank but the row has a value"), "{e}");
        let spec = ValueSpec { column: "amount".into(), currency: None, stage: None };
        let e = read_values(&frame_of(&df), &spec).unwrap_err().to_string();
        assert!(e.starts_with("deals.csv: value column \"amount\" not found (columns: \"price\", \"cur\")"), "{e}");
    }
}
