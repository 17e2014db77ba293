//! Reading a scored file of `leadscore score` for the roll-up, and writing the roll-up's rows.
//!
//! The scored file must have the account column (`score --keep-columns account`), the id
//! column (its first column, as `score` writes it, unless `--id` names another),
//! `probability` and `scored_at`; `reasons`, `engagement_score`, and (for buying groups)
//! `persona`, `rule_grade` and `stage` are used when present.
//! With a value column, each contact's value is read from it (`score --value-column` passes
//! it through), and its expected value is computed from the file's probability.
//!
//! The same reading serves a ledger run ([`contacts_of`] of
//! `leadscore::sinks::replay::scored_frame`): the run's recorded columns, shown as its scored
//! file showed them, give the same contacts as that night's file.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::rollup::{Contact, Rollup};
use super::value::{parse_value, ValueError, ONE_CURRENCY};
use crate::data::load::{read_table, LoadError};
use crate::data::typing::{column_list, LeadFrame};

/// Errors of the roll-up.
#[derive(Debug, thiserror::Error)]
pub enum RollupError {
    /// The scored file could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A value problem.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A column the roll-up needs is missing.
    #[error("{path}: column \"{column}\" not found (columns: {available}); {hint}")]
    MissingColumn {
        /// The scored file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its columns.
        available: String,
        /// What to do.
        hint: String,
    },
    /// A probability that is not one.
    #[error("{path}: column \"probability\", row {row}: \"{value}\" is not a probability between 0 and 1; is this a file written by `leadscore score`?")]
    BadProbability {
        /// The scored file.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// The text.
        value: String,
    },
    /// Polars failed building the output.
    #[error("{path}: {source}")]
    Polars {
        /// The file.
        path: PathBuf,
        /// Polars' error.
        source: PolarsError,
    },
}

/// Which columns of the scored file the roll-up reads.
#[derive(Debug, Clone, Default)]
pub struct ScoredColumns {
    /// The account column.
    pub by: String,
    /// The id column (default: the file's first column).
    pub id: Option<String>,
    /// The value column, if any.
    pub value: Option<String>,
    /// The currency column, if any.
    pub currency: Option<String>,
}

fn column<'a>(df: &'a DataFrame, path: &Path, name: &str, hint: &str) -> Result<&'a StringChunked, RollupError> {
    let missing = || RollupError::MissingColumn {
        path: path.to_path_buf(),
        column: name.to_string(),
        available: column_list(df),
        hint: hint.to_string(),
    };
    df.column(name).map_err(|_| missing())?.str().map_err(|_| missing())
}

/// Reads a scored file's contacts with their accounts (`None` for a blank account).
pub fn read_scored(path: &Path, cols: &ScoredColumns) -> Result<Vec<(Option<String>, Contact)>, RollupError> {
    contacts_of(&read_table(path)?, path, cols)
}

/// The contacts of a scored file's table, every column as text (a file read by
/// [`read_scored`], or a ledger run as its scored file showed it); `path` names it in errors.
pub fn contacts_of(
    df: &DataFrame,
    path: &Path,
    cols: &ScoredColumns,
) -> Result<Vec<(Option<String>, Contact)>, RollupError> {
    let scored =
        "this is not a scored file of `leadscore score --model` (or one from an older version): score the leads again";
    column(df, path, "scored_at", scored)?;
    let p = column(df, path, "probability", scored)?;
    let by = column(
        df,
        path,
        &cols.by,
        &format!(
            "score with --keep-columns {} so the scored file carries it, or pass --by with one of these columns",
            cols.by
        ),
    )?;
    let id_name = cols.id.clone().unwrap_or_else(|| df.columns()[0].name().to_string());
    let id = column(df, path, &id_name, "pass --id with the scored file's id column")?;
    let value = match &cols.value {
        Some(v) => Some(column(df, path, v, "score with --value-column so the scored file carries the value, or pass --value-column with one of these columns")?),
        None => None,
    };
    let currency = match &cols.currency {
        Some(c) => Some(column(df, path, c, "pass --currency-column with one of these columns")?),
        None => None,
    };
    let reasons = column(df, path, "reasons", "").ok();
    let engagement = column(df, path, "engagement_score", "").ok();
    let persona = column(df, path, "persona", "").ok();
    let rule_grade = column(df, path, "rule_grade", "").ok();
    let stage = column(df, path, "stage", "").ok();
    let text_at = |t: Option<&StringChunked>, i: usize| {
        t.and_then(|t| t.get(i)).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    let frame = LeadFrame { df, path, first_row: 1 };
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let row = i + 1;
        let text = p.get(i).unwrap_or("").trim();
        let prob = text.parse::<f64>().ok().filter(|x| (0.0..=1.0).contains(x)).ok_or_else(|| {
            RollupError::BadProbability { path: path.to_path_buf(), row, value: text.chars().take(80).collect() }
        })?;
        let v = match (value, &cols.value) {
            (Some(t), Some(name)) => parse_value(t.get(i), &frame, name, i)?,
            _ => None,
        };
        let cur = match currency.and_then(|c| c.get(i)).map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => c.to_uppercase(),
            None if v.is_some() && cols.currency.is_some() => {
                return Err(ValueError::NoCurrency {
                    path: path.to_path_buf(),
                    column: cols.currency.clone().unwrap_or_default(),
                    row,
                }
                .into())
            }
            None => ONE_CURRENCY.to_string(),
        };
        let engaged = engagement.map(|e| e.get(i).and_then(|t| t.trim().parse::<f64>().ok()).is_some_and(|x| x > 0.0));
        let contact = Contact {
            id: id.get(i).map(str::trim).filter(|s| !s.is_empty()).map_or_else(|| format!("row {row}"), str::to_string),
            row,
            p: prob,
            value: v,
            currency: cur,
            reasons: reasons.and_then(|r| r.get(i)).unwrap_or("").to_string(),
            engaged,
            persona: text_at(persona, i),
            fit: text_at(rule_grade, i).and_then(|g| g.chars().next()).map(|c| c.to_ascii_uppercase()),
            stage: text_at(stage, i),
        };
        let account = by.get(i).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        out.push((account, contact));
    }
    Ok(out)
}

/// The roll-up as a table, one row per account, best first. Numbers are rounded for people
/// (probabilities to 4 decimals, money to cents, shares to whole percent in `contributions`).
pub fn to_frame(r: &Rollup, path: &Path) -> Result<DataFrame, RollupError> {
    let round = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    let a = &r.accounts;
    let mut cols = vec![
        Column::new("rank".into(), a.iter().map(|x| x.rank as u64).collect::<Vec<_>>()),
        Column::new(r.by.as_str().into(), a.iter().map(|x| x.account.as_str()).collect::<Vec<_>>()),
        Column::new("account_grade".into(), a.iter().map(|x| x.grade.to_string()).collect::<Vec<_>>()),
        Column::new("contacts".into(), a.iter().map(|x| x.contacts as u64).collect::<Vec<_>>()),
        Column::new("p_any".into(), a.iter().map(|x| round(x.p_any, 4)).collect::<Vec<_>>()),
        Column::new(
            "expected_conversions".into(),
            a.iter().map(|x| round(x.expected_conversions, 4)).collect::<Vec<_>>(),
        ),
    ];
    if r.with_value {
        cols.push(Column::new("currency".into(), a.iter().map(|x| x.currency.as_str()).collect::<Vec<_>>()));
        cols.push(Column::new(
            "pipeline_value".into(),
            a.iter().map(|x| x.pipeline_value.map(|v| round(v, 2))).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "expected_value".into(),
            a.iter().map(|x| x.expected_value.map(|v| round(v, 2))).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "contacts_without_value".into(),
            a.iter().map(|x| x.contacts_without_value as u64).collect::<Vec<_>>(),
        ));
    }
    if r.with_engagement {
        cols.push(Column::new(
            "engaged_contacts".into(),
            a.iter().map(|x| x.engaged_contacts.map(|n| n as u64)).collect::<Vec<_>>(),
        ));
    }
    if r.buying_group.is_some() {
        let cov = |f: &dyn Fn(&super::buying_group::Coverage) -> String| -> Vec<String> {
            a.iter().map(|x| x.coverage.as_ref().map(f).unwrap_or_default()).collect()
        };
        cols.push(Column::new("personas_engaged".into(), cov(&|c| c.engaged.join("; "))));
        cols.push(Column::new("personas_missing".into(), cov(&|c| c.missing.join("; "))));
        cols.push(Column::new(
            "buying_group_coverage".into(),
            a.iter().map(|x| x.coverage.as_ref().map(|c| round(c.share, 4))).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "qualified".into(),
            a.iter().map(|x| x.coverage.as_ref().map(|c| c.qualified)).collect::<Vec<_>>(),
        ));
    }
    cols.push(Column::new("best_contact".into(), a.iter().map(|x| x.best_contact.as_str()).collect::<Vec<_>>()));
    cols.push(Column::new(
        "best_probability".into(),
        a.iter().map(|x| round(x.best_probability, 4)).collect::<Vec<_>>(),
    ));
    cols.push(Column::new("best_reasons".into(), a.iter().map(|x| x.best_reasons.as_str()).collect::<Vec<_>>()));
    cols.push(Column::new(
        "contributions".into(),
        a.iter()
            .map(|x| {
                x.contributions.iter().map(|(id, s)| format!("{id} {:.0}%", 100.0 * s)).collect::<Vec<_>>().join("; ")
            })
            .collect::<Vec<_>>(),
    ));
    DataFrame::new_infer_height(cols).map_err(|source| RollupError::Polars { path: path.to_path_buf(), source })
}
