//! Assembles the exported query: a chain of common table expressions, each a plain
//! `SELECT` over the one before it.
//!
//! ```text
//! ls_ws        the white space `score` trims (Unicode White_Space), as one string
//! ls_trimmed   the lead id and each input column as trimmed text     (FROM the user's table)
//! ls_cleaned   blanks and missing tokens to NULL
//! ls_features  the tree values x0, x1, … (numbers, day ages, level codes; NULL = missing)
//! ls_trees_k   (boosted trees) one column per tree, at most `batch` trees per step
//! ls_margin_k  the running log-odds: the previous margin plus this step's terms, left to
//!              right, so the additions happen in the order `score` makes them
//! ls_raw       the logistic function of the margin
//! ls_prob      the calibrated probability (trees: Platt or isotonic; logistic: as is)
//! ls_leaves_k … ls_reasons  (with `--reasons K`) the reasons, see [`super::reasons`]; the
//!              model CTEs then also carry the tree values and cleaned texts
//! final SELECT id, probability, percentile (nested CASE binary search over the reference
//!              quantiles), grade[, reasons]
//! ```

use leadscore_gbm::Calibrator;

use super::dialect::Dialect;
use super::pipeline::{cleaned, logistic_terms, text_col, tree_value, trimmed, value_col};
use super::trees::tree_sql;
use super::ExportError;
use crate::bundle::{rank_key, GradeCuts, ScoreReference};
use crate::features::FittedPipeline;
use crate::models::FittedModel;

/// One common table expression.
#[derive(Clone)]
pub struct Cte {
    /// Its name.
    pub name: String,
    /// Its `SELECT`.
    pub select: String,
    /// Ask the engine to compute it once (`AS MATERIALIZED`, where the dialect has it): for
    /// a CTE whose columns the next one reads several times. Inlined, its expression would be
    /// copied into every reference (SQLite then builds the whole forest thousands of times).
    pub materialize: bool,
}

impl Cte {
    pub(crate) fn new(name: &str, select: String) -> Cte {
        Cte { name: name.to_string(), select, materialize: false }
    }

    pub(crate) fn materialized(name: &str, select: String) -> Cte {
        Cte { name: name.to_string(), select, materialize: true }
    }
}

/// What the query is built from.
pub struct QueryParts<'a> {
    /// The dialect.
    pub dialect: Dialect,
    /// The user's table (quoted).
    pub table: String,
    /// The id column in the user's table.
    pub id_column: &'a str,
    /// The pipeline.
    pub pipeline: &'a FittedPipeline,
    /// The exported model.
    pub model: &'a FittedModel,
    /// The percentile reference.
    pub reference: &'a ScoreReference,
    /// Grade cut-offs.
    pub grades: &'a GradeCuts,
    /// Terms (trees or logistic terms) per partial sum.
    pub batch: usize,
    /// CTEs to put right after `ls_ws` (the points rules' chain; `table` then names its last).
    pub before: Vec<Cte>,
    /// Columns of `table` carried unchanged beside `ls_id` through every CTE (the rules' results).
    pub carry: Vec<String>,
    /// Further columns of the final `SELECT` (expressions over the carried columns, with names).
    pub outputs: Vec<String>,
    /// Reasons each way per lead (0: none; see [`super::reasons`]).
    pub reasons: usize,
}

impl QueryParts<'_> {
    /// The key columns every CTE carries: `ls_id`, then [`QueryParts::carry`].
    pub fn key(&self) -> String {
        std::iter::once("ls_id").chain(self.carry.iter().map(String::as_str)).collect::<Vec<_>>().join(", ")
    }

    /// The columns every model CTE carries after the key: with reasons, the tree values and
    /// cleaned texts the reasons are computed from.
    fn reason_columns(&self) -> Vec<String> {
        if self.reasons > 0 {
            super::reasons::carried(self.pipeline.columns.len())
        } else {
            Vec::new()
        }
    }

    /// The key, the reasons' columns, then `extra`.
    fn keep(&self, extra: &[String]) -> Vec<String> {
        std::iter::once(self.key()).chain(self.reason_columns()).chain(extra.iter().cloned()).collect()
    }
}

fn select(columns: &[String], from: &str) -> String {
    format!("SELECT\n    {}\n  FROM {from}", columns.join(",\n    "))
}

/// The key followed by the tree values `x0 .. x{n-1}` (and, with reasons, the texts).
fn carried(q: &QueryParts, n: usize) -> Vec<String> {
    if q.reasons > 0 {
        return q.keep(&[]);
    }
    std::iter::once(q.key()).chain((0..n).map(value_col)).collect()
}

/// The feature CTEs: trimmed, cleaned, tree values.
pub fn feature_ctes(q: &QueryParts) -> Result<Vec<Cte>, ExportError> {
    let (d, p) = (q.dialect, q.pipeline);
    let n = p.columns.len();
    let mut first = vec![format!("src.{} AS ls_id", d.ident(q.id_column))];
    first.extend(q.carry.iter().map(|c| format!("src.{c}")));
    first.extend(p.columns.iter().enumerate().map(|(j, c)| format!("{} AS {}", trimmed(d, &c.name), text_col(j))));
    let mut clean = vec![q.key()];
    clean.extend((0..n).map(|j| format!("{} AS {}", cleaned(d, p, &text_col(j)), text_col(j))));
    let mut values = vec![q.key()];
    if q.reasons > 0 {
        values.extend((0..n).map(text_col));
    }
    for (j, c) in p.columns.iter().enumerate() {
        values.push(format!("{} AS {}", tree_value(d, p, c, &text_col(j))?, value_col(j)));
    }
    Ok(vec![
        Cte::new("ls_ws", format!("SELECT {} AS ws", d.whitespace_set())),
        Cte::new("ls_trimmed", select(&first, &format!("{} AS src CROSS JOIN ls_ws", q.table))),
        Cte::new("ls_cleaned", select(&clean, "ls_trimmed")),
        Cte::materialized("ls_features", select(&values, "ls_cleaned")),
    ])
}

/// Running sums of `terms` onto `start` (a literal), `batch` terms per step, reading from
/// `from`; with `tree_columns`, each step first puts its terms in columns of their own. Returns
/// the CTEs and the name of the last one (which holds `ls_margin`).
fn margin_chain(q: &QueryParts, start: String, terms: Vec<String>, tree_columns: bool) -> (Vec<Cte>, String) {
    let n = q.pipeline.columns.len();
    let mut ctes = Vec::new();
    let mut from = "ls_features".to_string();
    let mut margin = start;
    let batches: Vec<&[String]> = if terms.is_empty() { vec![&[][..]] } else { terms.chunks(q.batch.max(1)).collect() };
    let mut first_term = 0;
    for (k, batch) in batches.into_iter().enumerate() {
        let step = k + 1;
        let mut cols = carried(q, n);
        if k > 0 {
            cols.push("ls_margin".into());
        }
        let added: Vec<String> = if tree_columns {
            let mut with_trees = cols.clone();
            with_trees.extend(batch.iter().enumerate().map(|(i, t)| format!("{t} AS ls_tree_{}", first_term + i)));
            let name = format!("ls_trees_{step}");
            ctes.push(Cte::new(&name, select(&with_trees, &from)));
            from = name;
            (0..batch.len()).map(|i| format!("ls_tree_{}", first_term + i)).collect()
        } else {
            batch.to_vec()
        };
        first_term += batch.len();
        let sum = std::iter::once(margin.clone()).chain(added).collect::<Vec<_>>().join("\n      + ");
        let mut next = carried(q, n);
        next.push(format!("{sum} AS ls_margin"));
        let name = format!("ls_margin_{step}");
        // Each partial sum computed once: inlined, the chain becomes one expression hundreds
        // of terms deep again, which PostgreSQL's planner takes seconds to minutes over.
        ctes.push(Cte::materialized(&name, select(&next, &from)));
        from = name;
        margin = "ls_margin".into();
    }
    (ctes, from)
}

/// The model's CTEs from `ls_features` to `ls_prob` (holding `ls_p`).
pub fn model_ctes(q: &QueryParts) -> Result<Vec<Cte>, ExportError> {
    let d = q.dialect;
    let exp = d.exp();
    let mut ctes;
    let last;
    match q.model {
        FittedModel::Logistic(m) => {
            let terms = logistic_terms(d, q.pipeline, &m.coefficients)?;
            (ctes, last) = margin_chain(q, d.float(m.intercept, "intercept")?, terms, false);
            // As `sigmoid` in models/logistic.rs: the form that cannot overflow on either side.
            let p = format!(
                "CASE WHEN ls_margin >= 0e0 THEN 1e0 / (1e0 + {exp}(-ls_margin)) \
                 ELSE {exp}(ls_margin) / (1e0 + {exp}(ls_margin)) END AS ls_p"
            );
            ctes.push(Cte::new("ls_prob", select(&q.keep(&[p]), &last)));
        }
        FittedModel::Gbm(m) => {
            let terms = m.trees.trees().iter().enumerate().map(|(i, t)| tree_sql(d, t, i)).collect::<Result<_, _>>()?;
            let init = d.float(m.trees.init_score(), "initial score of the trees")?;
            (ctes, last) = margin_chain(q, init, terms, true);
            let u = format!("1e0 / (1e0 + {exp}(-ls_margin)) AS ls_u");
            ctes.push(Cte::new("ls_raw", select(&q.keep(&[u]), &last)));
            ctes.extend(calibration_ctes(d, &m.calibrator, &q.keep(&[]))?);
        }
    }
    Ok(ctes)
}

/// `ls_raw.ls_u` → `ls_prob.ls_p` through the calibrator ([`calibrated`]).
fn calibration_ctes(d: Dialect, c: &Calibrator, keep: &[String]) -> Result<Vec<Cte>, ExportError> {
    let cols: Vec<String> = keep.iter().cloned().chain([format!("{} AS ls_p", calibrated(d, c, "ls_u")?)]).collect();
    Ok(vec![Cte::new("ls_prob", select(&cols, "ls_raw"))])
}

/// The calibrated probability of the raw probability in column `u`, as
/// `Calibrator::apply` computes it: the raw probability clamped to [1e-15, 1 - 1e-15] before
/// the logarithms of Platt and beta calibration, isotonic knots found by binary search.
pub fn calibrated(d: Dialect, c: &Calibrator, u: &str) -> Result<String, ExportError> {
    let (ln, exp) = (d.ln(), d.exp());
    let clamp = || -> Result<String, ExportError> {
        let (lo, hi) = (d.float(1e-15, "clamp")?, d.float(1.0 - 1e-15, "clamp")?);
        Ok(format!("(CASE WHEN {u} < {lo} THEN {lo} WHEN {u} > {hi} THEN {hi} ELSE {u} END)"))
    };
    Ok(match c {
        Calibrator::Identity => u.to_string(),
        Calibrator::Platt { a, b } => {
            let c = clamp()?;
            let m = format!(
                "{} * {ln}({c} / (1e0 - {c})) + {}",
                d.float(*a, "Platt slope")?,
                d.float(*b, "Platt intercept")?
            );
            format!("(1e0 / (1e0 + {exp}(-({m}))))")
        }
        Calibrator::Beta { a, b, c: k } => {
            let c = clamp()?;
            let m = format!(
                "{} * {ln}({c}) + {} * (-{ln}(1e0 - {c})) + {}",
                d.float(*a, "beta calibration a")?,
                d.float(*b, "beta calibration b")?,
                d.float(*k, "beta calibration c")?
            );
            format!("(1e0 / (1e0 + {exp}(-({m}))))")
        }
        Calibrator::Isotonic { x, y } if x.is_empty() || x.len() != y.len() => u.to_string(),
        Calibrator::Isotonic { x, y } => {
            let leaf = |k: usize| -> Result<String, ExportError> {
                if k == 0 {
                    d.float(y[0], "isotonic knot")
                } else if k == x.len() {
                    d.float(y[x.len() - 1], "isotonic knot")
                } else {
                    Ok(format!(
                        "{} + {} * ({u} - {}) / {}",
                        d.float(y[k - 1], "isotonic knot")?,
                        d.float(y[k] - y[k - 1], "isotonic rise")?,
                        d.float(x[k - 1], "isotonic knot")?,
                        d.float(x[k] - x[k - 1], "isotonic run")?
                    ))
                }
            };
            let pred = |k: usize| d.float(x[k], "isotonic knot").map(|v| format!("{v} < {u}"));
            format!("({})", search(x.len(), &pred, &leaf)?)
        }
    })
}

/// A nested `CASE` finding `k = partition_point(pred)` over `n` sorted items by binary search
/// (depth about log2 n), then the SQL `leaf(k)`. `pred(i)` is the SQL of "item i is before the
/// point".
pub fn search(
    n: usize,
    pred: &dyn Fn(usize) -> Result<String, ExportError>,
    leaf: &dyn Fn(usize) -> Result<String, ExportError>,
) -> Result<String, ExportError> {
    fn go(
        lo: usize,
        hi: usize,
        pred: &dyn Fn(usize) -> Result<String, ExportError>,
        leaf: &dyn Fn(usize) -> Result<String, ExportError>,
    ) -> Result<String, ExportError> {
        // The answer lies in lo..=hi.
        if lo == hi {
            return leaf(lo);
        }
        let mid = lo + (hi - lo) / 2;
        Ok(format!(
            "CASE WHEN {} THEN {} ELSE {} END",
            pred(mid)?,
            go(mid + 1, hi, pred, leaf)?,
            go(lo, mid, pred, leaf)?
        ))
    }
    go(0, n, pred, leaf)
}

/// The percentile `score` writes (one decimal): the share of reference quantiles at or below.
pub fn percentile_sql(d: Dialect, r: &ScoreReference) -> Result<String, ExportError> {
    let n = r.quantiles.len().max(1) as f64;
    // Compared in billionths, as `ScoreReference::percentile` compares them (`rank_key`).
    let key = d.floor(&format!("ls_p * {}", d.float(1e9, "1e9")?));
    let pred = |i: usize| d.float(rank_key(r.quantiles[i]), "reference quantile").map(|q| format!("{q} <= {key}"));
    // As the score file rounds it (sinks/file.rs): (x * 10).round() / 10.
    let leaf = |k: usize| d.float((100.0 * k as f64 / n * 10.0).round() / 10.0, "percentile");
    search(r.quantiles.len(), &pred, &leaf)
}

/// The grade letter by the bundle's cut-offs.
pub fn grade_sql(d: Dialect, g: &GradeCuts) -> Result<String, ExportError> {
    Ok(format!(
        "CASE WHEN ls_p >= {} THEN 'A' WHEN ls_p >= {} THEN 'B' WHEN ls_p >= {} THEN 'C' ELSE 'D' END",
        d.float(g.a, "grade A cut-off")?,
        d.float(g.b, "grade B cut-off")?,
        d.float(g.c, "grade C cut-off")?
    ))
}

/// `body` as the file's statement: `CREATE VIEW view AS` before it when asked, `;` after it.
pub fn finish(d: Dialect, body: &str, view: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(v) = view {
        out.push_str(&format!("CREATE VIEW {} AS\n", d.table(v)));
    }
    out.push_str(body);
    out.push_str(";\n");
    out
}

/// The statement's `WITH ... SELECT ...`, without a view or a `;`.
pub fn body(q: &QueryParts) -> Result<String, ExportError> {
    let d = q.dialect;
    let mut ctes = feature_ctes(q)?;
    let after_ws = ctes.split_off(1);
    ctes.extend(q.before.iter().cloned());
    ctes.extend(after_ws);
    let model = model_ctes(q)?;
    // The last margin and everything after it are read several times by the next step.
    let last_margin = model.iter().rposition(|c| c.name.starts_with("ls_margin_")).unwrap_or(0);
    ctes.extend(
        model.into_iter().enumerate().map(|(i, c)| Cte { materialize: c.materialize || i >= last_margin, ..c }),
    );
    let mut from = "ls_prob".to_string();
    if q.reasons > 0 {
        let (reasons, last) = super::reasons::reason_ctes(q, q.reasons, &from)?;
        ctes.extend(reasons);
        from = last;
    }
    let mut last = vec![
        format!("ls_id AS {}", d.ident(q.id_column)),
        "ls_p AS probability".to_string(),
        format!("{} AS percentile", percentile_sql(d, q.reference)?),
        format!("{} AS grade", grade_sql(d, q.grades)?),
    ];
    if q.reasons > 0 {
        last.push("ls_reasons AS reasons".to_string());
    }
    last.extend(q.outputs.iter().cloned());
    let mut out = String::from("WITH\n");
    let body: Vec<String> = ctes
        .iter()
        .map(|c| {
            let m = if c.materialize { d.materialized() } else { "" };
            format!("{} AS {m}(\n  {}\n)", c.name, c.select)
        })
        .collect();
    out.push_str(&body.join(",\n"));
    out.push('\n');
    out.push_str(&select(&last, &from).replace("\n  FROM", "\nFROM"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_search_finds_partition_points() {
        // Evaluate the generated CASE by hand for sorted items and every probe.
        let items = [0.1, 0.2, 0.2, 0.5];
        let sql = search(items.len(), &|i| Ok(format!("q{i}")), &|k| Ok(format!("k{k}"))).unwrap();
        for p in [0.0, 0.1, 0.15, 0.2, 0.3, 0.5, 0.9] {
            let mut s = sql.as_str();
            let k = loop {
                if let Some(rest) = s.strip_prefix("CASE WHEN q") {
                    let i: usize = rest[..rest.find(' ').unwrap()].parse().unwrap();
                    let (then, els) = split_case(rest);
                    s = if items[i] <= p { then } else { els };
                } else {
                    break s.trim_start_matches('k').parse::<usize>().unwrap();
                }
            };
            assert_eq!(k, items.partition_point(|&q| q <= p), "p = {p}");
        }
    }

    /// The THEN and ELSE branches of `<i> THEN a ELSE b END` (branches may nest).
    fn split_case(rest: &str) -> (&str, &str) {
        let then = rest.find(" THEN ").unwrap() + 6;
        let body = &rest[then..rest.len() - 4];
        let mut depth = 0;
        for i in 0..body.len() {
            if body[i..].starts_with("CASE ") {
                depth += 1;
            } else if body[i..].starts_with(" END") {
                depth -= 1;
            } else if depth == 0 && body[i..].starts_with(" ELSE ") {
                return (&body[..i], &body[i + 6..]);
            }
        }
        panic!("no ELSE in {body}");
    }
}
