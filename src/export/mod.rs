//! Scoring in the warehouse: a model bundle exported as one SQL statement.
//!
//! [`export_sql`] turns a bundle's primary model (the one `score` reports as `probability`)
//! into a `SELECT` (or `CREATE VIEW`) over the user's table that yields, per lead, the id,
//! `probability`, `percentile` and `grade` as `leadscore score` writes them:
//!
//! - the whole feature pipeline ([`pipeline`]): trimming, missing tokens, numbers, yes/no,
//!   dates as ages in days before the bundle's reference date, categories to their level or
//!   "other", median imputation and missing indicators, standardisation;
//! - the logistic model (its terms added in `score`'s order), or every boosted tree
//!   ([`trees`]: numeric and categorical splits, default directions for missing values) with
//!   the trees' calibrator (Platt or isotonic);
//! - the percentile against the bundle's reference distribution (to one decimal, as the score
//!   file has it) and the grade by the bundle's cut-offs.
//!
//! A routed bundle (per-segment models) is one branch of that statement per route, joined by
//! `UNION ALL` (`export/routed.rs`), with the route's name in `segment_model` as the score file has it.
//!
//! The statement is a chain of common table expressions ([`query`]): one column per tree,
//! trees added to the running margin at most [`DEFAULT_BATCH`] at a time, so no expression is
//! deeper than a tree plus a batch, and the additions happen in the same order as in `score`
//! (which makes the probabilities equal to the last bit where the engine's `exp` and `ln` are
//! the platform's, as on DuckDB, PostgreSQL and SQLite on Linux).
//!
//! With [`RulesExport`] ([`export_sql_with_rules`], `export sql --rules`) the points rules
//! come in the same statement ([`rules`]: conditions in [`conditions`], regexes rewritten by
//! [`regex`], activity rules as an aggregate over the activity table in [`activities`]): the
//! rule score, fit and engagement, grade, status, stage, action, persona and disqualified, as
//! `score --rules` computes them. What has no exact SQL form (`junk`, `matches` on SQLite
//! without `--sqlite-regexp` and on Snowflake, other timestamp formats) is refused with the
//! rule's line.
//!
//! [`schema`] and [`schema_rules`] are the JSON Schemas of the bundle and the rules file
//! (`export schema`).
//!
//! With `--reasons K` ([`reasons`]), a `reasons` column as `score --reasons K` writes it:
//! exact for the logistic model; for boosted trees an approximation (per-leaf path
//! attributions instead of TreeSHAP) whose measured agreement with `score` on Leads.csv
//! ([`reasons::TREE_AGREEMENT`]) every tree export prints in its header.
//!
//! Not exported yet (said in every file's header too): `rule_reasons` and `top_product`,
//! `--all-models` columns, unseen-category counts and the availability warnings `score` prints, and `--grade-cuts` overrides (the bundle's cut-offs
//! are used). Input values `score` refuses with an error are not all refused in SQL (see
//! [`pipeline`]).
//!
//! ```
//! use leadscore::export::{Dialect, SqlPlan};
//! let plan = SqlPlan::new(Dialect::DuckDb, "crm.open_leads");
//! assert_eq!(plan.batch, leadscore::export::DEFAULT_BATCH);
//! ```

pub mod activities;
pub mod conditions;
pub mod dialect;
pub mod pipeline;
pub mod query;
pub mod reasons;
pub mod regex;
mod routed;
pub mod rules;
pub mod schema;
pub mod schema_rules;
pub mod trees;

use std::path::Path;

pub use conditions::SqliteRegexp;
pub use dialect::Dialect;
pub use rules::RulesExport;

use crate::bundle::Bundle;
use crate::models::FittedModel;
use query::QueryParts;

/// Trees (or logistic terms) per partial sum.
pub const DEFAULT_BATCH: usize = 50;

/// Errors while exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A number in the bundle has no SQL literal.
    #[error("the {what} is {value}, which SQL cannot hold as a literal; retrain the bundle")]
    NonFinite {
        /// Which number.
        what: String,
        /// Its value.
        value: f64,
    },
    /// The bundle has no reference distribution for percentiles.
    #[error("{bundle}: no reference distribution for percentiles (trained before format 1.1); retrain it with this leadscore to export it")]
    NoReference {
        /// The bundle file.
        bundle: String,
    },
    /// Neither the bundle nor the plan names the id column.
    #[error("{bundle}: the bundle has no id column; pass --id COLUMN (the lead id column of the table)")]
    NoId {
        /// The bundle file.
        bundle: String,
    },
    /// The bundle's parts disagree.
    #[error("inconsistent bundle: {what}; retrain with `leadscore train`")]
    Inconsistent {
        /// What is wrong.
        what: String,
    },
    /// A part of the rules file that has no exact SQL form, or needs a flag.
    #[error("{file}: {place}: {what}")]
    Rules {
        /// The rules file.
        file: String,
        /// Where in it (`line 12 (rule "senior")`, `segment "B2C"`).
        place: String,
        /// What is wrong and what to do.
        what: String,
    },
    /// An empty name where a table or view is needed.
    #[error("{flag}: \"{given}\" is not a table name (use name or schema.name)")]
    BadName {
        /// The flag.
        flag: &'static str,
        /// What was given.
        given: String,
    },
}

/// What to export and for which engine.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlPlan {
    /// The dialect.
    pub dialect: Dialect,
    /// The user's table of leads (`name`, `schema.name` or `catalog.schema.name`).
    pub table: String,
    /// Write `CREATE VIEW view AS …` instead of a bare `SELECT`.
    pub view: Option<String>,
    /// The id column (default: the bundle's).
    pub id_column: Option<String>,
    /// Trees (or logistic terms) per partial sum.
    pub batch: usize,
    /// Reasons each way per lead (`--reasons K`; 0: no `reasons` column).
    pub reasons: usize,
}

impl SqlPlan {
    /// A plan for `table` in `dialect`: a bare `SELECT`, the bundle's id column, batches of
    /// [`DEFAULT_BATCH`].
    pub fn new(dialect: Dialect, table: &str) -> SqlPlan {
        SqlPlan { dialect, table: table.to_string(), view: None, id_column: None, batch: DEFAULT_BATCH, reasons: 0 }
    }
}

/// An exported statement and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlExport {
    /// The SQL text: the header comment, then the statement.
    pub sql: String,
    /// The exported model's name (`logistic` or `gbm`).
    pub model: &'static str,
    /// Trees in the statement (0 for the logistic model).
    pub trees: usize,
}

fn check_name(flag: &'static str, name: &str) -> Result<(), ExportError> {
    if name.trim().is_empty() || name.split('.').any(|p| p.is_empty()) {
        return Err(ExportError::BadName { flag, given: name.to_string() });
    }
    Ok(())
}

/// Exports the primary model of `bundle` (read from `path`, named in errors) as SQL.
pub fn export_sql(bundle: &Bundle, path: &Path, plan: &SqlPlan) -> Result<SqlExport, ExportError> {
    export_sql_with_rules(bundle, path, plan, None)
}

/// [`export_sql`], plus the points rules' columns when `rules` is given (see [`rules`]).
pub fn export_sql_with_rules(
    bundle: &Bundle,
    path: &Path,
    plan: &SqlPlan,
    rules: Option<&RulesExport>,
) -> Result<SqlExport, ExportError> {
    let shown = path.display().to_string();
    check_name("--table", &plan.table)?;
    if let Some(v) = &plan.view {
        check_name("--view", v)?;
    }
    let id_column =
        plan.id_column.as_deref().or(bundle.id_column.as_deref()).ok_or(ExportError::NoId { bundle: shown.clone() })?;
    let reference = bundle.reference.as_ref().ok_or(ExportError::NoReference { bundle: shown.clone() })?;
    let branches = routed::branches(bundle, plan.dialect, reference)?;
    let mut trees = 0;
    for b in &branches {
        trees += model_trees(bundle, b.model)?;
    }
    let model = &bundle.primary_entry().model;
    let (before, table, carry, outputs) = match rules {
        None => (Vec::new(), plan.dialect.table(&plan.table), Vec::new(), Vec::new()),
        Some(x) => {
            if let Some(t) = &x.activities_table {
                check_name("--activities-table", t)?;
            }
            let r = rules::rules_ctes(plan.dialect, &plan.dialect.table(&plan.table), x, plan.id_column.as_deref())?;
            let carry = rules::RULE_COLUMNS.iter().map(|(c, _)| c.to_string()).filter(|c| c.starts_with("ls_"));
            let outputs = rules::RULE_COLUMNS.iter().map(|(c, name)| format!("{c} AS {name}"));
            (r.ctes, r.last.to_string(), carry.chain(["ls_rdq".to_string()]).collect(), outputs.collect())
        }
    };
    let mut bodies = Vec::with_capacity(branches.len());
    for b in &branches {
        let mut outputs = outputs.clone();
        if let Some(name) = &b.name {
            outputs.push(format!("{} AS segment_model", plan.dialect.string(name)));
        }
        let parts = QueryParts {
            dialect: plan.dialect,
            table: b.filter.as_ref().map_or_else(|| table.clone(), |f| routed::filtered(&table, f)),
            id_column,
            pipeline: &bundle.pipeline,
            model: b.model,
            reference: b.reference,
            grades: b.grades,
            batch: plan.batch.max(1),
            before: before.clone(),
            carry: carry.clone(),
            outputs,
            reasons: plan.reasons,
        };
        bodies.push(query::body(&parts)?);
    }
    let statement = query::finish(plan.dialect, &routed::union(&bodies), plan.view.as_deref());
    let mut sql = header(bundle, plan, model.name(), trees, id_column, rules.is_some());
    if let Some(x) = rules {
        sql.push_str(&rules::header(plan.dialect, x));
    }
    sql.push_str(&statement);
    Ok(SqlExport { sql, model: model.name(), trees })
}

/// The trees of `model` (0 for a logistic model), once its size is checked against the
/// bundle's pipeline.
fn model_trees(bundle: &Bundle, model: &FittedModel) -> Result<usize, ExportError> {
    match model {
        FittedModel::Gbm(m) => {
            if m.trees.n_features() != bundle.pipeline.columns.len() {
                return Err(ExportError::Inconsistent {
                    what: format!(
                        "the trees read {} columns but the pipeline has {}",
                        m.trees.n_features(),
                        bundle.pipeline.columns.len()
                    ),
                });
            }
            Ok(m.trees.num_trees())
        }
        FittedModel::Logistic(m) => {
            if m.coefficients.len() != bundle.pipeline.design.len() {
                return Err(ExportError::Inconsistent {
                    what: format!(
                        "{} coefficients for {} design columns",
                        m.coefficients.len(),
                        bundle.pipeline.design.len()
                    ),
                });
            }
            Ok(0)
        }
    }
}

/// What the header says about reasons: none, exact (logistic) or the trees' approximation
/// with its measured agreement.
fn reasons_line(k: usize, trees: usize) -> String {
    if k == 0 {
        return "NOT exported: reasons (pass --reasons K for the top K each way).".into();
    }
    if trees == 0 {
        return format!(
            "reasons: the top {k} each way, exactly as `score --reasons {k}` writes them (logistic\n\
             contributions in percentage points; the engine's ROUND to one decimal)."
        );
    }
    let a = reasons::TREE_AGREEMENT;
    format!(
        "reasons: the top {k} each way, APPROXIMATE: per-leaf path attributions (Saabas), not score's\n\
         TreeSHAP (exact TreeSHAP is not a per-leaf quantity). Their percentage points add up as\n\
         TreeSHAP's do, but the ranking differs often. Measured on Leads.csv (--reasons 3, 9,240 leads):\n\
         same strongest reason up and down {:.1}% of leads; same top-3 columns each way (any order)\n\
         {:.1}%; the same columns in the same order {:.1}%. Use `leadscore score` for exact reasons.",
        a.same_strongest * 100.0,
        a.same_sets * 100.0,
        a.same_order * 100.0
    )
}

/// The comment at the top of every exported file: where it came from, what it computes, what
/// it does not.
fn header(bundle: &Bundle, plan: &SqlPlan, model: &str, trees: usize, id: &str, with_rules: bool) -> String {
    let what = if trees > 0 {
        format!("{trees} boosted trees ({} per partial sum) and their calibrator", plan.batch.max(1))
    } else {
        "logistic regression".to_string()
    };
    let mut lines = vec![
        format!(
            "leadscore {} export of bundle \"{}\" (checksum {})",
            env!("CARGO_PKG_VERSION"),
            bundle.name,
            bundle.checksum.get(..12).unwrap_or("")
        ),
        format!("dialect: {}; model: {model} (the bundle's primary), {what}", plan.dialect.as_str()),
        format!(
            "reads table {} (id column \"{id}\"); returns {id}, probability, percentile, grade{}",
            plan.table,
            if plan.reasons > 0 { ", reasons" } else { "" }
        ),
        "computed as `leadscore score` computes them: the feature pipeline (trimming, missing tokens,".into(),
        "numbers, yes/no, dates as ages before the bundle's reference date, categories with \"other\",".into(),
        "median imputation, missing indicators, standardisation), the model, the calibrator, the".into(),
        "percentile against the bundle's reference distribution (one decimal) and its grade cut-offs.".into(),
        reasons_line(plan.reasons, trees),
        if with_rules {
            "NOT exported: --all-models columns, --grade-cuts overrides, unseen-category counts and warnings."
        } else {
            "NOT exported: points rules (see --rules), --all-models columns, --grade-cuts overrides,\n\
             unseen-category counts and warnings."
        }
        .into(),
        "Values `score` refuses (a word in a numeric column, a bad date or yes/no value) stop the".into(),
        "query on DuckDB and PostgreSQL; other engines may read them as missing (NULL) or 0.".into(),
        "Non-ASCII missing tokens are matched with LOWER(), which is ASCII-only on SQLite.".into(),
    ];
    if let Some(s) = bundle.routing() {
        let values: Vec<String> = s.segments.iter().map(|g| format!("\"{}\"", g.value)).collect();
        lines.insert(
            3,
            format!(
                "routed by segment column \"{}\" as `score` routes: one UNION ALL branch per route, and\n\
                 column segment_model names it; with their own {model} model (and their segment's grade\n\
                 cut-offs and percentiles): {}; every other lead: the global model.",
                s.column,
                if values.is_empty() { "no segment".to_string() } else { values.join(", ") }
            ),
        );
    }
    let mut out: String = lines.iter().flat_map(|l| l.lines()).map(|l| format!("-- {l}\n")).collect();
    if plan.dialect == Dialect::Sqlite {
        out.push_str(
            "-- SQLite: needs the maths functions exp() and ln() (SQLite 3.35+, SQLITE_ENABLE_MATH_FUNCTIONS).\n",
        );
    }
    out
}
