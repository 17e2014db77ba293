//! Checking a rules file against a data file (`rules check --data`): columns the rules read
//! that the file lacks are problems; values looked for that never occur, and ranges on
//! columns with no numbers, are warnings.

use std::collections::BTreeSet;
use std::path::Path;

use polars::prelude::DataFrame;

use super::error::Problem;
use super::set::RuleSet;
use crate::data::typing::{column_list, parse_number};

/// Checks the rules against a data file: columns that do not exist are problems;
/// values looked for that never occur, and ranges on columns with no numbers, are warnings.
pub fn check_against(r: &RuleSet, data: &Path, df: &DataFrame) -> (Vec<Problem>, Vec<String>) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for (col, line) in r.lead_columns() {
        if df.column(&col).is_err() {
            problems.push(Problem {
                line,
                item: format!("column \"{col}\""),
                message: format!("not in {} (columns: {})", data.display(), column_list(df)),
            });
        }
    }
    for (field, line, cond) in &r.fields {
        let Some(ca) = df.column(field).ok().and_then(|c| c.str().ok()) else { continue };
        let seen: BTreeSet<String> =
            ca.iter().filter_map(|v| r.missing.clean(v)).map(str::to_lowercase).take(1_000_000).collect();
        for v in cond.values() {
            if !seen.contains(v) {
                warnings.push(format!("line {line}: \"{v}\" never occurs in column \"{field}\" of {}", data.display()));
            }
        }
        if cond.is_numeric() && !seen.iter().any(|v| parse_number(v).is_some()) {
            warnings.push(format!(
                "line {line}: column \"{field}\" has no numbers in {}; the range never matches",
                data.display()
            ));
        }
    }
    (problems, warnings)
}
