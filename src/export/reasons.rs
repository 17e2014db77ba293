//! Reasons in SQL (`export sql --reasons K`): per lead, the `K` strongest pushes up and the
//! `K` strongest pushes down, as the `reasons` text `leadscore score --reasons K` writes
//! (`col = value (+4.1 pp); col = value (-2.0 pp)`).
//!
//! The chain continues from `ls_prob` (which then carries every tree value `x_j` and cleaned
//! text `c_j`):
//!
//! ```text
//! ls_leaves_k   (trees) the leaf each tree of batch k sends the lead to
//! ls_effects_k  per input column, its effect on the log-odds e_j (trees: summed per batch)
//! ls_total      the sum of the effects, left to right
//! ls_moved      P(base + total): the model's map from log-odds to probability
//! ls_slope      percentage points per log-odds (`crate::scorer::points_per_log_odds`)
//! ls_units      (with `[features.groups]`) per group, its effect, points and value text
//! ls_eligible   per column: a candidate up (1) / down (1), its percentage points
//! ls_ranked     per column: its rank among the lead's candidates each way
//! ls_reasons    the reasons up and down as text, then the whole `reasons` text
//! ```
//!
//! **Logistic: exact.** A column's effect is the sum of its design terms in design order,
//! as [`crate::models::logistic::LogisticModel::contributions`] adds them; the ordering (by
//! effect, ties by column name), the 0.005 log-odds floor, the "(missing)" rule for columns
//! never missing in training and the text are `score`'s. The percentage points are rounded
//! to one decimal with the engine's `ROUND` (half away from zero, or to even on PostgreSQL),
//! where `score` rounds the exact binary value: the two differ only for a value within a
//! rounding error of a ...x5 boundary. A bundle's `[features.groups]` are merged as `score`
//! merges them: a group is one reason whose effect and points are its kept members' sums and
//! whose value lists them (`visits 7, time_on_site_min 18.3`).
//!
//! **Boosted trees: an approximation.** Exact path-dependent TreeSHAP is not a function of
//! the leaf a lead lands in: every leaf of every tree contributes, through which of its
//! path's conditions the lead satisfies. It can be written exactly (the Linear TreeSHAP
//! quadrature `leadscore_gbm::ShapExplainer` uses: per leaf, a product over its path's columns
//! at a few Gauss-Legendre points, each factor a literal chosen by one condition), but by our
//! estimate that is some 40 KB of SQL per 31-leaf tree (about 6 MB for the 139 trees of the
//! Leads.csv bundle, 20 MB for 500), not attempted yet. The export instead gives each leaf its
//! path attribution (Saabas): along the path to the leaf, each split's change in the
//! cover-weighted mean leaf value below it is credited to the split's column. The
//! attributions of a lead sum to the same total as TreeSHAP's (its log-odds minus the
//! average lead's), so the percentage points are shared out the same way; the ranking can
//! differ. [`TREE_AGREEMENT`] is how often the reasons agree on Leads.csv, and every tree
//! export says so in its header.

use leadscore_gbm::tree::{Child, Tree};

use super::dialect::Dialect;
use super::pipeline::{raw_design, text_col, value_col};
use super::query::{calibrated, Cte, QueryParts};
use super::trees::{bad, leaf_index_sql};
use super::ExportError;
use crate::models::FittedModel;
use crate::score::MIN_REASON_EFFECT;

/// How often the trees' exported reasons (per-leaf path attributions) agree with `score`'s
/// TreeSHAP reasons, measured on Leads.csv (9,240 leads) with `--reasons 3` and the bundle the
/// README trains (`--config examples/xeducation.toml --model both`: boosted trees primary):
/// `scripts/check_sql.py --reasons agreement`, and re-measured by the test
/// `leads_csv_golden_on_sqlite_and_postgres` (which fails if these drift by more than 1 point).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agreement {
    /// Share of leads whose reasons name the same columns in the same order, up and down.
    pub same_order: f64,
    /// Share whose top-3 columns up are the same set, and likewise down.
    pub same_sets: f64,
    /// Share whose strongest reason up is the same column, and likewise down.
    pub same_strongest: f64,
}

/// The measured [`Agreement`] (see there).
pub const TREE_AGREEMENT: Agreement = Agreement { same_order: 0.2216, same_sets: 0.3769, same_strongest: 0.7630 };

/// Internal name of input column `j`'s effect on the log-odds.
fn effect_col(j: usize) -> String {
    format!("e{j}")
}

/// The columns every CTE of the model chain carries when reasons are exported: the tree
/// values and the cleaned texts.
pub fn carried(n: usize) -> Vec<String> {
    (0..n).map(value_col).chain((0..n).map(text_col)).collect()
}

fn select(columns: &[String], from: &str) -> String {
    format!("SELECT\n    {}\n  FROM {from}", columns.join(",\n    "))
}

/// The reason CTEs after `from` (which carries `ls_id`, `ls_p` and [`carried`]); returns
/// them and the name of the last, which carries `ls_id`, `ls_p` and `ls_reasons`.
pub fn reason_ctes(q: &QueryParts, k: usize, from: &str) -> Result<(Vec<Cte>, String), ExportError> {
    let d = q.dialect;
    let n = q.pipeline.columns.len();
    let (mut ctes, last) = match q.model {
        FittedModel::Logistic(m) => {
            let mut cols = keep(q, &[]);
            for j in 0..n {
                let terms = logistic_column_terms(q, &m.coefficients, j)?;
                let sum = if terms.is_empty() { "0e0".to_string() } else { terms.join(" + ") };
                cols.push(format!("{sum} AS {}", effect_col(j)));
            }
            (vec![Cte::materialized("ls_effects", select(&cols, from))], "ls_effects".to_string())
        }
        FittedModel::Gbm(m) => tree_effect_ctes(q, m.trees.trees(), from)?,
    };
    let (base, map) = match q.model {
        FittedModel::Logistic(m) => (m.intercept, None),
        FittedModel::Gbm(m) => {
            (m.trees.init_score() + m.trees.trees().iter().map(expected_value).sum::<f64>(), Some(&m.calibrator))
        }
    };
    let with_e = |extra: &[String]| keep_effects(q, extra);
    let total = (0..n).map(effect_col).collect::<Vec<_>>().join(" + ");
    ctes.push(Cte::new("ls_total", select(&with_e(&[format!("{} AS ls_total", nonempty(total))]), &last)));
    let m = format!("({} + ls_total)", d.float(base, "average lead's log-odds")?);
    let exp = d.exp();
    let u = format!("CASE WHEN {m} >= 0e0 THEN 1e0 / (1e0 + {exp}(-{m})) ELSE {exp}({m}) / (1e0 + {exp}({m})) END");
    ctes.push(Cte::new("ls_moved", select(&with_e(&["ls_total".into(), format!("{u} AS ls_u")]), "ls_total")));
    let p1 = match map {
        Some(c) => calibrated(d, c, "ls_u")?,
        None => "ls_u".to_string(),
    };
    let (p0, tangent) = chord_constants(q.model, base);
    let slope = format!(
        "CASE WHEN ABS(ls_total) > {tiny} THEN {h} * ({p1} - {p0}) / ls_total ELSE {tangent} END AS ls_slope",
        tiny = d.float(1e-9, "tiny")?,
        h = d.float(100.0, "100")?,
        p0 = d.float(p0, "average lead's probability")?,
        tangent = d.float(tangent, "tangent slope")?
    );
    ctes.push(Cte::materialized("ls_slope", select(&with_e(&[slope]), "ls_moved")));
    ctes.extend(ranking_ctes(q, k)?);
    Ok((ctes, "ls_reasons".to_string()))
}

/// The key (`ls_id` and the carried rule columns), `ls_p`, the cleaned texts, then `extra`.
fn keep(q: &QueryParts, extra: &[String]) -> Vec<String> {
    let n = q.pipeline.columns.len();
    let mut cols = vec![q.key(), "ls_p".to_string()];
    cols.extend((0..n).map(text_col));
    cols.extend_from_slice(extra);
    cols
}

/// [`keep`] plus the effects.
fn keep_effects(q: &QueryParts, extra: &[String]) -> Vec<String> {
    let mut e: Vec<String> = (0..q.pipeline.columns.len()).map(effect_col).collect();
    e.extend_from_slice(extra);
    keep(q, &e)
}

fn nonempty(s: String) -> String {
    if s.is_empty() {
        "0e0".into()
    } else {
        s
    }
}

/// The logistic terms of input column `j`, in design order (zero coefficients skipped: they
/// add nothing), each as `LogisticModel::margins` computes it.
fn logistic_column_terms(q: &QueryParts, coefficients: &[f64], j: usize) -> Result<Vec<String>, ExportError> {
    let (d, p) = (q.dialect, q.pipeline);
    let mut out = Vec::new();
    for (dc, &w) in p.design.iter().zip(coefficients) {
        if w == 0.0 || dc.source != j {
            continue;
        }
        let name = p.design_name(dc);
        out.push(format!(
            "{} * (({} - {}) / {})",
            d.float(w, &format!("coefficient of \"{name}\""))?,
            raw_design(d, p, dc)?,
            d.float(dc.mean, &format!("mean of \"{name}\""))?,
            d.float(dc.std, &format!("standard deviation of \"{name}\""))?
        ));
    }
    Ok(out)
}

/// `P(base)` and the tangent slope at `base`, as `points_per_log_odds` computes them.
fn chord_constants(model: &FittedModel, base: f64) -> (f64, f64) {
    const TINY: f64 = 1e-9;
    let tangent = 100.0 * (model.probability_at(base + TINY) - model.probability_at(base - TINY)) / (2.0 * TINY);
    (model.probability_at(base), tangent)
}

/// Cover-weighted mean leaf value of `t` (TreeSHAP's base value for the tree).
fn expected_value(t: &Tree) -> f64 {
    if t.num_nodes() == 0 {
        return t.leaf_values().first().copied().unwrap_or(0.0);
    }
    let total = t.internal_counts()[0];
    t.leaf_values().iter().zip(t.leaf_counts()).map(|(v, c)| v * c / total).sum()
}

/// Per leaf of `t`, its path attributions: `(column, attribution)` for each column split on
/// along the path to the leaf (the sum of the changes in the cover-weighted mean leaf value
/// its splits make). A leaf's attributions sum to its value minus the tree's mean.
pub fn path_attributions(t: &Tree, index: usize) -> Result<Vec<Vec<(usize, f64)>>, ExportError> {
    let mut out = vec![Vec::new(); t.num_leaves()];
    if t.num_nodes() == 0 {
        return Ok(out);
    }
    // Mean leaf value below each child link.
    fn mean(t: &Tree, c: Child, index: usize) -> Result<(f64, f64), ExportError> {
        match c {
            Child::Leaf(l) => {
                let (v, w) = (t.leaf_values().get(l), t.leaf_counts().get(l));
                let (v, w) = v.zip(w).ok_or_else(|| bad(index, format!("leaf {l} does not exist")))?;
                Ok((v * w, *w))
            }
            Child::Node(i) => {
                let n = t.node(i).ok_or_else(|| bad(index, format!("node {i} does not exist")))?;
                let (a, b) = (mean(t, n.left, index)?, mean(t, n.right, index)?);
                Ok((a.0 + b.0, a.1 + b.1))
            }
        }
    }
    fn walk(
        t: &Tree,
        c: Child,
        at: f64,
        path: &mut Vec<(usize, f64)>,
        out: &mut [Vec<(usize, f64)>],
        index: usize,
    ) -> Result<(), ExportError> {
        let i = match c {
            Child::Leaf(l) => {
                let mut merged: Vec<(usize, f64)> = Vec::new();
                for &(f, a) in path.iter() {
                    match merged.iter_mut().find(|m| m.0 == f) {
                        Some(m) => m.1 += a,
                        None => merged.push((f, a)),
                    }
                }
                out[l] = merged;
                return Ok(());
            }
            Child::Node(i) => i,
        };
        let n = t.node(i).ok_or_else(|| bad(index, format!("node {i} does not exist")))?;
        for child in [n.left, n.right] {
            let (s, w) = mean(t, child, index)?;
            let m = if w > 0.0 { s / w } else { at };
            path.push((n.feature, m - at));
            walk(t, child, m, path, out, index)?;
            path.pop();
        }
        Ok(())
    }
    let (s, w) = mean(t, Child::Node(0), index)?;
    let root = if w > 0.0 { s / w } else { 0.0 };
    walk(t, Child::Node(0), root, &mut Vec::new(), &mut out, index)?;
    Ok(out)
}

/// The trees' effects: per batch of trees, the leaf of each tree, then each column's
/// attributions added to the running effects.
fn tree_effect_ctes(q: &QueryParts, trees: &[Tree], from: &str) -> Result<(Vec<Cte>, String), ExportError> {
    let (d, n) = (q.dialect, q.pipeline.columns.len());
    let mut ctes = Vec::new();
    let mut last = from.to_string();
    let mut first = 0;
    let chunks: Vec<&[Tree]> = if trees.is_empty() { vec![&[][..]] } else { trees.chunks(q.batch.max(1)).collect() };
    for (k, batch) in chunks.into_iter().enumerate() {
        let step = k + 1;
        let xs: Vec<String> = (0..n).map(value_col).collect();
        let prev: Vec<String> = if k == 0 { Vec::new() } else { (0..n).map(effect_col).collect() };
        let mut cols = keep(q, &[xs.clone(), prev].concat());
        for (i, t) in batch.iter().enumerate() {
            cols.push(format!("{} AS ls_leaf_{}", leaf_index_sql(d, t, first + i)?, first + i));
        }
        let leaves = format!("ls_leaves_{step}");
        ctes.push(Cte::new(&leaves, select(&cols, &last)));
        let mut per_column: Vec<Vec<String>> = vec![Vec::new(); n];
        for (i, t) in batch.iter().enumerate() {
            let tree = first + i;
            let mut by_column: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
            for (leaf, attrs) in path_attributions(t, tree)?.into_iter().enumerate() {
                for (f, a) in attrs {
                    let list = by_column.get_mut(f).ok_or_else(|| bad(tree, format!("column {f} does not exist")))?;
                    list.push((leaf, a));
                }
            }
            for (f, list) in by_column.into_iter().enumerate().filter(|(_, l)| !l.is_empty()) {
                let whens: Vec<String> = list
                    .iter()
                    .map(|(l, a)| Ok(format!("WHEN {l} THEN {}", d.float(*a, &format!("attribution in tree {tree}"))?)))
                    .collect::<Result<_, ExportError>>()?;
                per_column[f].push(format!("CASE ls_leaf_{tree} {} ELSE 0e0 END", whens.join(" ")));
            }
        }
        let mut sums = keep(q, &if k + 1 < trees.len().div_ceil(q.batch.max(1)) { xs } else { Vec::new() });
        for (j, terms) in per_column.into_iter().enumerate() {
            let start = if k == 0 { "0e0".to_string() } else { effect_col(j) };
            let sum = std::iter::once(start).chain(terms).collect::<Vec<_>>().join("\n      + ");
            sums.push(format!("{sum} AS {}", effect_col(j)));
        }
        let name = format!("ls_effects_{step}");
        ctes.push(Cte::materialized(&name, select(&sums, &leaves)));
        last = name;
        first += batch.len();
    }
    Ok((ctes, last))
}

/// One reason `score` chooses from: an input column, or a `[features.groups]` group of them
/// (`crate::features::groups::merge`: its members' effects and points summed, their values
/// listed).
struct Unit {
    /// The reason's name: the column's, or the group's.
    name: String,
    /// Its input columns, in the group's order.
    members: Vec<usize>,
}

impl Unit {
    fn is_group(&self) -> bool {
        self.members.len() > 1
    }
}

/// The units in the order `score` lists contributions before ranking: each column in
/// pipeline order, a group at the place of its first member.
fn units(q: &QueryParts) -> Vec<Unit> {
    let cols = &q.pipeline.columns;
    let index = |name: &str| cols.iter().position(|c| c.name == name);
    let mut out: Vec<Unit> = Vec::new();
    for (j, c) in cols.iter().enumerate() {
        match q.pipeline.groups.iter().find(|g| g.columns.contains(&c.name)) {
            Some(g) if out.iter().any(|u| u.name == g.name) => {}
            Some(g) => out.push(Unit { name: g.name.clone(), members: g.columns.iter().filter_map(|m| index(m)).collect() }),
            None => out.push(Unit { name: c.name.clone(), members: vec![j] }),
        }
    }
    out
}

/// The condition under which `score` keeps column `j`'s contribution: always, or (a column
/// never missing in training) only when the lead's value is there, not "(missing)".
fn kept(q: &QueryParts, j: usize) -> Option<String> {
    (q.pipeline.columns[j].missing_share == Some(0.0)).then(|| format!("{} IS NOT NULL", text_col(j)))
}

/// `e` when column `j`'s contribution is kept, else 0.
fn if_kept(q: &QueryParts, j: usize, e: String) -> String {
    match kept(q, j) {
        Some(k) => format!("CASE WHEN {k} THEN {e} ELSE 0e0 END"),
        None => e,
    }
}

/// The units' effects and values (`ls_units`, only when there are groups): a group's effect
/// is the sum of its kept members' effects in the group's order, its value their
/// `column value` texts joined by ", ".
fn unit_cte(q: &QueryParts, units: &[Unit]) -> Cte {
    let d = q.dialect;
    let mut cols = keep_effects(q, &["ls_slope".to_string()]);
    for (u, unit) in units.iter().enumerate().filter(|(_, u)| u.is_group()) {
        let sum = std::iter::once("0e0".to_string())
            .chain(unit.members.iter().map(|&j| if_kept(q, j, effect_col(j))))
            .collect::<Vec<_>>()
            .join(" + ");
        cols.push(format!("{sum} AS ls_g{u}"));
        let pp = std::iter::once("0e0".to_string())
            .chain(unit.members.iter().map(|&j| if_kept(q, j, format!("{} * ls_slope", effect_col(j)))))
            .collect::<Vec<_>>()
            .join(" + ");
        cols.push(format!("{pp} AS ls_gpp{u}"));
        let pieces: Vec<String> = unit
            .members
            .iter()
            .map(|&j| {
                let piece = format!(
                    "{} || COALESCE({}, {})",
                    d.string(&format!(", {} ", q.pipeline.columns[j].name)),
                    text_col(j),
                    d.string("(missing)")
                );
                match kept(q, j) {
                    Some(k) => format!("CASE WHEN {k} THEN {piece} ELSE '' END"),
                    None => piece,
                }
            })
            .collect();
        cols.push(format!("SUBSTR({}, 3) AS ls_gv{u}", pieces.join(" || ")));
    }
    Cte::new("ls_units", select(&cols, "ls_slope"))
}

/// Candidates, ranks and the text: (`ls_units`,) `ls_eligible`, `ls_ranked`, `ls_parts`,
/// `ls_reasons`.
fn ranking_ctes(q: &QueryParts, k: usize) -> Result<Vec<Cte>, ExportError> {
    let d = q.dialect;
    let units = units(q);
    let grouped = units.iter().any(Unit::is_group);
    let n = q.pipeline.columns.len();
    let floor = d.float(MIN_REASON_EFFECT, "reason floor")?;
    // A unit's effect, the condition it is offered at all, and its percentage points.
    let effect = |u: usize| if units[u].is_group() { format!("ls_g{u}") } else { effect_col(units[u].members[0]) };
    let mut carried: Vec<String> = (0..n).map(effect_col).collect();
    carried.extend((0..units.len()).filter(|&u| units[u].is_group()).flat_map(|u| [format!("ls_g{u}"), format!("ls_gv{u}")]));
    let mut elig = keep(q, &carried);
    for (u, unit) in units.iter().enumerate() {
        let e = effect(u);
        let present = if unit.is_group() {
            // Offered when one of its members is kept.
            let all: Option<Vec<String>> = unit.members.iter().map(|&j| kept(q, j)).collect();
            all.map(|k| format!(" AND ({})", k.join(" OR "))).unwrap_or_default()
        } else {
            kept(q, unit.members[0]).map(|k| format!(" AND {k}")).unwrap_or_default()
        };
        elig.push(format!("CASE WHEN {e} >= {floor} AND {e} > 0e0{present} THEN 1 ELSE 0 END AS ls_up{u}"));
        elig.push(format!("CASE WHEN {e} <= -{floor} AND {e} < 0e0{present} THEN 1 ELSE 0 END AS ls_down{u}"));
        let pp = if unit.is_group() { format!("ls_gpp{u}") } else { format!("{e} * ls_slope") };
        elig.push(format!("{pp} AS ls_pp{u}"));
    }
    let mut ranked = keep(q, &carried[n..].iter().filter(|c| c.starts_with("ls_gv")).cloned().collect::<Vec<_>>());
    for u in 0..units.len() {
        ranked.push(format!("ls_up{u}"));
        ranked.push(format!("ls_down{u}"));
        ranked.push(format!("ls_pp{u}"));
        for (way, cmp) in [("up", ">"), ("down", "<")] {
            // Before unit u: a stronger effect, or an equal one with a smaller name.
            let before: Vec<String> = (0..units.len())
                .filter(|&o| o != u)
                .map(|o| {
                    let (eo, eu) = (effect(o), effect(u));
                    let tie = if units[o].name < units[u].name { format!(" OR {eo} = {eu}") } else { String::new() };
                    format!("CASE WHEN ls_{way}{o} = 1 AND ({eo} {cmp} {eu}{tie}) THEN 1 ELSE 0 END")
                })
                .collect();
            let rank = std::iter::once("1".to_string()).chain(before).collect::<Vec<_>>().join(" + ");
            ranked.push(format!("{rank} AS ls_{way}_rank{u}"));
        }
    }
    let mut parts = vec![q.key(), "ls_p".to_string()];
    for way in ["up", "down"] {
        let mut text = Vec::new();
        for r in 1..=k {
            let whens: Vec<String> = (0..units.len())
                .map(|u| {
                    let value =
                        if units[u].is_group() { format!("ls_gv{u}") } else { text_col(units[u].members[0]) };
                    format!("WHEN ls_{way}{u} = 1 AND ls_{way}_rank{u} = {r} THEN {}", reason_text(d, &units[u].name, &value, u))
                })
                .collect();
            let one = format!("CASE {} END", whens.join(" "));
            text.push(if r == 1 { format!("COALESCE({one}, '')") } else { format!("COALESCE('; ' || {one}, '')") });
        }
        parts.push(format!("{} AS ls_{way}", if text.is_empty() { "''".to_string() } else { text.join(" || ") }));
    }
    let reasons = "ls_up || CASE WHEN ls_up <> '' AND ls_down <> '' THEN '; ' ELSE '' END || ls_down AS ls_reasons";
    let mut ctes = Vec::new();
    let from = if grouped {
        ctes.push(unit_cte(q, &units));
        "ls_units"
    } else {
        "ls_slope"
    };
    ctes.extend([
        Cte::materialized("ls_eligible", select(&elig, from)),
        Cte::materialized("ls_ranked", select(&ranked, "ls_eligible")),
        Cte::new("ls_parts", select(&parts, "ls_ranked")),
        Cte::new("ls_reasons", select(&[q.key(), "ls_p".into(), reasons.into()], "ls_parts")),
    ]);
    Ok(ctes)
}

/// `name = value (+4.1 pp)` for unit `u` whose value is the text column `value`, as
/// `present::text::render_reasons_pp` writes it.
fn reason_text(d: Dialect, name: &str, value: &str, u: usize) -> String {
    let t = d.text_type();
    let int = d.int_type();
    let pp = format!("ls_pp{u}");
    let tenths = format!("CAST(ROUND(ABS({pp}) * 1e1) AS {int})");
    let whole = format!("CAST(CAST(({tenths} - {m}) / 10 AS {int}) AS {t})", m = d.modulo(&tenths, "10"));
    let frac = format!("CAST({} AS {t})", d.modulo(&tenths, "10"));
    format!(
        "{} || COALESCE({}, {}) || ' (' || CASE WHEN {pp} < 0e0 THEN '-' ELSE '+' END || {whole} || '.' || {frac} || ' pp)'",
        d.string(&format!("{name} = ")),
        value,
        d.string("(missing)")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadscore_gbm::GbmModel;

    /// x0 <= 1.5 ? -1 (4 rows) : (x1 in {1, 3} ? 0.5 (2 rows) : 2 (4 rows))
    fn tree() -> Tree {
        let json = r#"{"format_version":1,"n_features":2,"categorical":[false,true],"init_score":0.25,
            "trees":[{"nodes":[
              {"feature":0,"threshold":1.5,"left":-1,"right":1,"default_left":false,"cat":null},
              {"feature":1,"threshold":0.0,"left":-2,"right":-3,"default_left":true,"cat":[0,2]}],
              "split_gain":[2.0,1.0],"internal_count":[10.0,6.0],"cat_codes":[1,3],
              "leaf_value":[-1.0,0.5,2.0],"leaf_count":[4.0,2.0,4.0]}],
            "best_iteration":null}"#;
        GbmModel::from_json(json).unwrap().trees()[0].clone()
    }

    #[test]
    fn path_attributions_are_saabas_by_hand() {
        let t = tree();
        // Root mean (-4 + 1 + 8) / 10 = 0.5; right child (1 + 8) / 6 = 1.5.
        let a = path_attributions(&t, 0).unwrap();
        assert_eq!(a[0], vec![(0, -1.5)]);
        assert_eq!(a[1], vec![(0, 1.0), (1, -1.0)]);
        assert_eq!(a[2], vec![(0, 1.0), (1, 0.5)]);
        for (l, attrs) in a.iter().enumerate() {
            let sum: f64 = attrs.iter().map(|x| x.1).sum();
            assert!((sum - (t.leaf_values()[l] - expected_value(&t))).abs() < 1e-12);
        }
        assert_eq!(expected_value(&t), 0.5);
    }

    #[test]
    fn reason_text_formats_signed_tenths() {
        let s = reason_text(Dialect::DuckDb, "Lead 'Source'", "c2", 2);
        assert!(s.starts_with("'Lead ''Source'' = ' || COALESCE(c2, '(missing)') || ' ('"), "{s}");
        assert!(s.contains("CAST(ROUND(ABS(ls_pp2) * 1e1) AS BIGINT)"), "{s}");
        assert!(Dialect::BigQuery.modulo("a", "10") == "MOD(a, 10)");
    }
}
