//! Checking a rules file against a data file (`rules check --data`), over every row of the
//! file: columns the rules read that the file lacks are problems; values looked for that
//! never occur, and ranges on columns with no numbers, are warnings.

use std::path::Path;

use super::error::{Problem, RulesError};
use super::set::RuleSet;
use crate::data::load::{BatchReader, LoadError};
use crate::data::typing::{column_list, parse_number};

/// What checking the rules against a data file found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataCheck {
    /// Columns the rules read that the file lacks.
    pub problems: Vec<Problem>,
    /// Values looked for that never occur; ranges on columns with no numbers.
    pub warnings: Vec<String>,
    /// Data rows read (all of them).
    pub rows: usize,
}

/// Checks the rules against every row of `data`, a batch at a time (memory stays bounded).
pub fn check_data(r: &RuleSet, data: &Path) -> Result<DataCheck, RulesError> {
    let mut reader = BatchReader::open(data, 50_000).map_err(RulesError::Leads)?;
    let mut out = DataCheck::default();
    // Per condition: whether each value it looks for occurred, and whether any number did.
    let mut found: Vec<(Vec<bool>, bool)> =
        r.fields.iter().map(|(_, _, c)| (vec![false; c.values().len()], false)).collect();
    let mut present = Vec::new();
    while let Some(df) = reader.next_batch().map_err(RulesError::Leads)? {
        if out.rows == 0 {
            for (col, line) in r.lead_columns() {
                if df.column(&col).is_err() {
                    out.problems.push(Problem {
                        line,
                        item: format!("column \"{col}\""),
                        message: format!("not in {} (columns: {})", data.display(), column_list(&df)),
                    });
                }
            }
            present = r.fields.iter().map(|(f, _, _)| df.column(f).is_ok()).collect();
        }
        for (k, (field, _, cond)) in r.fields.iter().enumerate() {
            let Some(ca) = df.column(field).ok().and_then(|c| c.str().ok()) else { continue };
            let wanted = cond.values();
            let (hits, number) = &mut found[k];
            for v in ca.iter().filter_map(|v| r.missing.clean(v)) {
                let v = v.to_lowercase();
                for (hit, w) in hits.iter_mut().zip(&wanted) {
                    *hit |= v == *w;
                }
                *number |= cond.is_numeric() && parse_number(&v).is_some();
            }
        }
        out.rows += df.height();
    }
    if out.rows == 0 {
        return Err(RulesError::Leads(LoadError::Empty { path: data.to_path_buf() }));
    }
    for (k, (field, line, cond)) in r.fields.iter().enumerate() {
        if !present[k] {
            continue;
        }
        let (hits, number) = &found[k];
        for (v, hit) in cond.values().iter().zip(hits) {
            if !hit {
                out.warnings
                    .push(format!("line {line}: \"{v}\" never occurs in column \"{field}\" of {}", data.display()));
            }
        }
        if cond.is_numeric() && !number {
            out.warnings.push(format!(
                "line {line}: column \"{field}\" has no numbers in {}; the range never matches",
                data.display()
            ));
        }
    }
    Ok(out)
}
