//! The fitted feature pipeline as SQL expressions, step for step as
//! [`crate::features::FittedPipeline::transform`] applies it:
//!
//! 1. every input column is cast to text and trimmed of Unicode white space (`str::trim`);
//! 2. blank cells and the bundle's missing tokens (compared lower-cased) become NULL;
//! 3. the tree value: numbers cast to double; yes/no to 1/0; dates (`YYYY-MM-DD`, `YYYY/MM/DD`,
//!    `DD.MM.YYYY`, optionally followed by a time) to their age in days before the pipeline's
//!    reference date; categories to their level code (`levels.len()` = "other"); NULL = missing;
//! 4. the design values of the logistic model: median-imputed values, missing indicators and
//!    one-hot levels, each standardised with its training mean and standard deviation.
//!
//! Where the SQL cannot match `score` exactly, it is said here and in the export header:
//! values `score` refuses (a word in a numeric column, an impossible date, a yes/no column
//! holding "maybe") make `score` stop with an error; in SQL a failed cast stops the query on
//! DuckDB and PostgreSQL, and becomes NULL (missing) or 0 elsewhere. Missing tokens that are
//! not ASCII are matched with the engine's `LOWER`, which on SQLite (and PostgreSQL in the C
//! locale) lower-cases ASCII letters only. Columns are read through text, as `score` reads
//! files: typed columns round-trip exactly on DuckDB and PostgreSQL (shortest round-trip
//! float output), but SQLite writes a REAL as text with 15 significant digits, so on SQLite
//! store the inputs as TEXT (or INTEGER) for exact results.

use super::dialect::Dialect;
use super::ExportError;
use crate::data::typing::ColumnKind;
use crate::features::pipeline::{DesignColumn, DesignRole, Encoding, FittedColumn, FittedPipeline};

/// Internal name of the text of input column `j` (trimmed, then cleaned).
pub fn text_col(j: usize) -> String {
    format!("c{j}")
}

/// Internal name of the tree value of input column `j`.
pub fn value_col(j: usize) -> String {
    format!("x{j}")
}

/// Step 1: the trimmed text of the user's column `name` (read from table alias `src`), with
/// the white-space set in column `ls_ws.ws`.
pub fn trimmed(d: Dialect, name: &str) -> String {
    d.trim(&format!("CAST(src.{} AS {})", d.ident(name), d.text_type()), "ls_ws.ws")
}

/// Step 2: NULL for a blank cell or a missing token, else the trimmed text in `col`.
pub fn cleaned(d: Dialect, pipeline: &FittedPipeline, col: &str) -> String {
    let mut blank = format!("{col} = ''");
    if !pipeline.missing.0.is_empty() {
        let tokens: Vec<String> = pipeline.missing.0.iter().map(|t| d.string(t)).collect();
        blank = format!("{blank} OR LOWER({col}) IN ({})", tokens.join(", "));
    }
    format!("CASE WHEN {blank} THEN NULL ELSE {col} END")
}

/// Step 3: the tree value of input column `c` from its cleaned text in `col`.
pub fn tree_value(d: Dialect, pipeline: &FittedPipeline, c: &FittedColumn, col: &str) -> Result<String, ExportError> {
    Ok(match (&c.encoding, c.kind) {
        (Encoding::Categorical { levels, .. }, _) => {
            let mut s = format!("CASE WHEN {col} IS NULL THEN NULL");
            for (i, l) in levels.iter().enumerate() {
                s.push_str(&format!(" WHEN {col} = {} THEN {i}", d.string(l)));
            }
            s.push_str(&format!(" ELSE {} END", levels.len()));
            s
        }
        (_, ColumnKind::Boolean) => format!(
            "CASE LOWER({col}) WHEN 'yes' THEN 1e0 WHEN 'y' THEN 1e0 WHEN 'true' THEN 1e0 WHEN 't' THEN 1e0 \
             WHEN '1' THEN 1e0 WHEN 'no' THEN 0e0 WHEN 'n' THEN 0e0 WHEN 'false' THEN 0e0 WHEN 'f' THEN 0e0 \
             WHEN '0' THEN 0e0 END"
        ),
        (_, ColumnKind::Date) => date_value(d, pipeline, col),
        _ => d.to_double(col),
    })
}

/// A date's age in days before the reference date (or, without one, chrono's day number
/// from the common era, as `score` computes it).
fn date_value(d: Dialect, pipeline: &FittedPipeline, col: &str) -> String {
    let iso = format!(
        "CASE WHEN SUBSTR({col}, 5, 1) = '/' THEN REPLACE(SUBSTR({col}, 1, 10), '/', '-') \
         WHEN SUBSTR({col}, 3, 1) = '.' THEN SUBSTR({col}, 7, 4) || '-' || SUBSTR({col}, 4, 2) || '-' || SUBSTR({col}, 1, 2) \
         ELSE SUBSTR({col}, 1, 10) END"
    );
    match pipeline.reference_date {
        Some(r) => d.days_before(&r.format("%Y-%m-%d").to_string(), &iso),
        // num_days_from_ce(0001-01-01) = 1, so day number = 1 - (0001-01-01 - date).
        None => format!("(1e0 - {})", d.days_before("0001-01-01", &iso)),
    }
}

/// Step 4: the unstandardised design value of `dc`, from the tree values.
pub fn raw_design(d: Dialect, pipeline: &FittedPipeline, dc: &DesignColumn) -> Result<String, ExportError> {
    let c = &pipeline.columns[dc.source];
    let x = value_col(dc.source);
    Ok(match (&c.encoding, dc.role) {
        (Encoding::Number { median, .. }, DesignRole::Value) => {
            format!("COALESCE({x}, {})", d.float(*median, &format!("median of \"{}\"", c.name))?)
        }
        (_, DesignRole::MissingIndicator) | (_, DesignRole::MissingLevel) => {
            format!("CASE WHEN {x} IS NULL THEN 1e0 ELSE 0e0 END")
        }
        (Encoding::Categorical { .. }, DesignRole::Level(l)) => format!("CASE WHEN {x} = {l} THEN 1e0 ELSE 0e0 END"),
        (Encoding::Categorical { levels, .. }, DesignRole::Other) => {
            format!("CASE WHEN {x} = {} THEN 1e0 ELSE 0e0 END", levels.len())
        }
        _ => "0e0".to_string(),
    })
}

/// The logistic model's terms `w_j * ((raw_j - mean_j) / std_j)`, in design order, skipping
/// zero coefficients exactly as [`crate::models::logistic::LogisticModel::margins`] does, so
/// that adding them left to right repeats its arithmetic.
pub fn logistic_terms(d: Dialect, pipeline: &FittedPipeline, coefficients: &[f64]) -> Result<Vec<String>, ExportError> {
    let mut out = Vec::new();
    for (dc, &w) in pipeline.design.iter().zip(coefficients) {
        if w == 0.0 {
            continue;
        }
        let name = pipeline.design_name(dc);
        let raw = raw_design(d, pipeline, dc)?;
        out.push(format!(
            "{} * (({raw} - {}) / {})",
            d.float(w, &format!("coefficient of \"{name}\""))?,
            d.float(dc.mean, &format!("mean of \"{name}\""))?,
            d.float(dc.std, &format!("standard deviation of \"{name}\""))?
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::typing::MissingTokens;
    use crate::features::pipeline::FittedColumn;

    fn pipeline() -> FittedPipeline {
        let col = |name: &str, kind, encoding| FittedColumn {
            name: name.into(),
            kind,
            encoding,
            missing_share: None,
            profile: None,
        };
        FittedPipeline {
            missing: MissingTokens::new(&["Select".into(), "n/a".into()]),
            reference_date: chrono::NaiveDate::from_ymd_opt(2026, 6, 30),
            columns: vec![
                col("visits", ColumnKind::Numeric, Encoding::Number { median: 3.0, missing_indicator: true }),
                col(
                    "Lead 'Source'",
                    ColumnKind::Categorical,
                    Encoding::Categorical { levels: vec!["web".into(), "O'Neil".into()], rare: vec![] },
                ),
                col("created", ColumnKind::Date, Encoding::Number { median: 10.0, missing_indicator: false }),
            ],
            design: vec![
                DesignColumn { source: 0, role: DesignRole::Value, mean: 3.0, std: 2.0 },
                DesignColumn { source: 0, role: DesignRole::MissingIndicator, mean: 0.25, std: 0.5 },
                DesignColumn { source: 1, role: DesignRole::Level(1), mean: 0.5, std: 0.5 },
                DesignColumn { source: 1, role: DesignRole::Other, mean: 0.1, std: 0.3 },
            ],
            groups: Vec::new(),
        }
    }

    #[test]
    fn missing_tokens_are_compared_lower_cased_and_blank_is_missing() {
        let p = pipeline();
        assert_eq!(
            cleaned(Dialect::Sqlite, &p, "c0"),
            "CASE WHEN c0 = '' OR LOWER(c0) IN ('select', 'n/a') THEN NULL ELSE c0 END"
        );
    }

    #[test]
    fn categories_map_to_level_codes_with_other_last() {
        let p = pipeline();
        let s = tree_value(Dialect::DuckDb, &p, &p.columns[1], "c1").unwrap();
        assert_eq!(s, "CASE WHEN c1 IS NULL THEN NULL WHEN c1 = 'web' THEN 0 WHEN c1 = 'O''Neil' THEN 1 ELSE 2 END");
        assert!(trimmed(Dialect::Postgres, "Lead 'Source'")
            .starts_with("BTRIM(CAST(src.\"Lead 'Source'\" AS TEXT), ls_ws.ws)"));
    }

    #[test]
    fn dates_are_ages_before_the_reference_date() {
        let p = pipeline();
        let s = tree_value(Dialect::Postgres, &p, &p.columns[2], "c2").unwrap();
        assert!(s.starts_with("CAST((DATE '2026-06-30' - CAST(CASE WHEN SUBSTR(c2, 5, 1) = '/'"), "{s}");
        let s = tree_value(Dialect::Sqlite, &p, &p.columns[2], "c2").unwrap();
        assert!(s.starts_with("(julianday('2026-06-30') - julianday(CASE"), "{s}");
    }

    #[test]
    fn logistic_terms_skip_zero_coefficients_and_standardise() {
        let p = pipeline();
        let t = logistic_terms(Dialect::Sqlite, &p, &[0.5, 0.0, -1.0, 2.0]).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[0], "5e-1 * ((COALESCE(x0, 3e0) - 3e0) / 2e0)");
        assert_eq!(t[1], "(-1e0) * ((CASE WHEN x1 = 1 THEN 1e0 ELSE 0e0 END - 5e-1) / 5e-1)");
        assert_eq!(t[2], "2e0 * ((CASE WHEN x1 = 2 THEN 1e0 ELSE 0e0 END - 1e-1) / 3e-1)");
    }
}
