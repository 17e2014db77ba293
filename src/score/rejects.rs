//! Bad rows that do not cost the whole night (`--max-bad-rows N --rejects FILE`): a row whose
//! value cannot be read as its column's type is set aside with the file, row, column, value
//! and reason, and the rows around it are scored. The run succeeds, with a warning, when at
//! most N rows were set aside, and fails with nothing written otherwise. N = 0 (the default)
//! is the strict behaviour: the first bad row fails the run.

use std::path::Path;

use serde::Serialize;

use super::{ScoreRunError, ScoreSummary};
use crate::data::output::Staged;
use crate::data::typing::TypingError;
use crate::scorer::ScoreError;

/// One row set aside.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    /// The input file.
    pub file: String,
    /// 1-based data row.
    pub row: usize,
    /// The column.
    pub column: String,
    /// The value found (at most 80 characters).
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

/// The rows set aside so far.
pub(super) struct Rejects {
    max: usize,
    rows: Vec<Reject>,
}

/// The bad row a scoring error names, if it is one (a value that is not of its column's type).
fn bad_row(e: &ScoreRunError) -> Option<Reject> {
    let t = match e {
        ScoreRunError::Typing(t) | ScoreRunError::Score(ScoreError::Typing(t)) => t,
        _ => return None,
    };
    match t {
        TypingError::BadValue { path, column, row, value, expected, hint } => Some(Reject {
            file: path.display().to_string(),
            row: *row,
            column: column.clone(),
            value: value.clone(),
            reason: format!("expected {expected}; {hint}"),
        }),
        _ => None,
    }
}

/// Quotes a CSV field when needed.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Rejects {
    pub fn new(max: usize) -> Rejects {
        Rejects { max, rows: Vec::new() }
    }

    /// Sets aside the bad row `e` names and returns its data row, or gives `e` back: when it
    /// names no single bad row, or when the row would be one more than `--max-bad-rows`.
    pub fn take(
        &mut self,
        e: ScoreRunError,
        data: &Path,
        rows: std::ops::Range<usize>,
    ) -> Result<usize, ScoreRunError> {
        let Some(r) = bad_row(&e) else { return Err(e) };
        if self.max == 0 || !rows.contains(&r.row) {
            return Err(e);
        }
        if self.rows.len() >= self.max {
            return Err(ScoreRunError::TooManyBadRows { path: data.to_path_buf(), max: self.max, last: e.to_string() });
        }
        let row = r.row;
        self.rows.push(r);
        Ok(row)
    }

    /// Counts the rejects into the summary (with a warning) and stages the rejects file.
    pub fn finish(self, out: Option<&Path>, summary: &mut ScoreSummary) -> Result<Option<Staged>, ScoreRunError> {
        summary.rejects = self.rows.len();
        if !self.rows.is_empty() {
            let first = &self.rows[0];
            summary.warnings.push(format!(
                "{} row(s) set aside (at most {} allowed by --max-bad-rows){}; the first: row {} column \"{}\" value \"{}\"",
                self.rows.len(),
                self.max,
                out.map_or(String::new(), |p| format!(", listed in {}", p.display())),
                first.row,
                first.column,
                first.value
            ));
        }
        summary.rejected = self.rows.iter().take(20).cloned().collect();
        let Some(path) = out else { return Ok(None) };
        let mut text = String::from("file,row,column,value,reason\n");
        for r in &self.rows {
            text.push_str(&format!(
                "{},{},{},{},{}\n",
                csv_field(&r.file),
                r.row,
                csv_field(&r.column),
                csv_field(&r.value),
                csv_field(&r.reason)
            ));
        }
        Ok(Some(Staged::bytes(path, text.as_bytes()).map_err(|e| ScoreRunError::Sink(e.into()))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_newlines_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
