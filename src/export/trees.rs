//! Boosted trees as SQL: each tree one nested `CASE` over the tree values (numeric splits
//! `x <= threshold`, categorical splits `x IN (codes)`, missing values down the node's default
//! side), its leaves as exact double literals.
//!
//! A tree's `CASE` nests as deep as the tree (at most a few dozen levels); the trees' outputs
//! are added to the running margin in batches (see [`super::query`]), never in one expression
//! hundreds of terms deep, which engines refuse (SQLite's limit is 1000 levels).

use leadscore_gbm::tree::{Child, SplitTest, Tree};

use super::dialect::Dialect;
use super::pipeline::value_col;
use super::ExportError;

/// The SQL of tree `t` (number `index` in the model, for error messages).
pub fn tree_sql(d: Dialect, t: &Tree, index: usize) -> Result<String, ExportError> {
    if t.num_nodes() == 0 {
        let v = t.leaf_values().first().copied().unwrap_or(0.0);
        return d.float(v, &format!("leaf 0 of tree {index}"));
    }
    let leaf = |l: usize| -> Result<String, ExportError> {
        let v = t.leaf_values().get(l).copied().ok_or_else(|| bad(index, format!("leaf {l} does not exist")))?;
        d.float(v, &format!("leaf {l} of tree {index}"))
    };
    let mut out = String::new();
    child_sql(d, t, index, Child::Node(0), &leaf, &mut out)?;
    Ok(out)
}

/// The SQL of the number of the leaf a lead lands in, in tree `t` (number `index`): the same
/// `CASE` as [`tree_sql`] with leaf numbers for leaf values.
pub fn leaf_index_sql(d: Dialect, t: &Tree, index: usize) -> Result<String, ExportError> {
    if t.num_nodes() == 0 {
        return Ok("0".to_string());
    }
    let mut out = String::new();
    child_sql(d, t, index, Child::Node(0), &|l| Ok(l.to_string()), &mut out)?;
    Ok(out)
}

type LeafSql<'a> = dyn Fn(usize) -> Result<String, ExportError> + 'a;

fn child_sql(
    d: Dialect,
    t: &Tree,
    index: usize,
    c: Child,
    leaf: &LeafSql,
    out: &mut String,
) -> Result<(), ExportError> {
    let n = match c {
        Child::Leaf(l) => {
            out.push_str(&leaf(l)?);
            return Ok(());
        }
        Child::Node(i) => t.node(i).ok_or_else(|| bad(index, format!("node {i} does not exist")))?,
    };
    let x = value_col(n.feature);
    let test = match n.test {
        // Trained trees split missing from present values with `x <= +inf` (every number goes
        // left); tree values are never infinite (`score` refuses inf in a numeric column).
        SplitTest::Numeric { threshold } if threshold == f64::INFINITY => format!("{x} IS NOT NULL"),
        SplitTest::Numeric { threshold } if threshold == f64::NEG_INFINITY => "1 = 0".to_string(),
        SplitTest::Numeric { threshold } => {
            format!("{x} <= {}", d.float(threshold, &format!("threshold of tree {index}"))?)
        }
        SplitTest::Categorical { left: [] } => "1 = 0".to_string(),
        SplitTest::Categorical { left } => {
            format!("{x} IN ({})", left.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "))
        }
    };
    // NULL fails every comparison, so a missing value takes the ELSE (right) branch unless
    // the node sends it left.
    let test = if n.default_left { format!("{x} IS NULL OR {test}") } else { test };
    out.push_str(&format!("CASE WHEN {test} THEN "));
    child_sql(d, t, index, n.left, leaf, out)?;
    out.push_str(" ELSE ");
    child_sql(d, t, index, n.right, leaf, out)?;
    out.push_str(" END");
    Ok(())
}

pub(crate) fn bad(tree: usize, what: String) -> ExportError {
    ExportError::Inconsistent { what: format!("tree {tree}: {what}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadscore_gbm::GbmModel;

    /// x0 <= 1.5 (missing right) ? -1 : (x1 in {1, 3}, missing left ? 0.5 : 2)
    fn model() -> GbmModel {
        let json = r#"{"format_version":1,"n_features":2,"categorical":[false,true],"init_score":0.25,
            "trees":[{"nodes":[
              {"feature":0,"threshold":1.5,"left":-1,"right":1,"default_left":false,"cat":null},
              {"feature":1,"threshold":0.0,"left":-2,"right":-3,"default_left":true,"cat":[0,2]}],
              "split_gain":[2.0,1.0],"internal_count":[10.0,6.0],"cat_codes":[1,3],
              "leaf_value":[-1.0,0.5,2.0],"leaf_count":[4.0,2.0,4.0]},
              {"nodes":[],"split_gain":[],"internal_count":[],"cat_codes":[],"leaf_value":[0.125],"leaf_count":[10.0]}],
            "best_iteration":null}"#;
        GbmModel::from_json(json).unwrap()
    }

    #[test]
    fn numeric_and_categorical_splits_with_default_directions() {
        let m = model();
        assert_eq!(
            tree_sql(Dialect::Sqlite, &m.trees()[0], 0).unwrap(),
            "CASE WHEN x0 <= 1.5e0 THEN (-1e0) ELSE CASE WHEN x1 IS NULL OR x1 IN (1, 3) THEN 5e-1 ELSE 2e0 END END"
        );
        assert_eq!(tree_sql(Dialect::Sqlite, &m.trees()[1], 1).unwrap(), "1.25e-1");
    }

    #[test]
    fn infinite_thresholds_split_missing_from_present() {
        // Regression (a 500-tree model did not export: "the threshold of tree 456 is inf").
        let json = |t: &str| {
            format!(
                r#"{{"format_version":1,"n_features":1,"categorical":[false],"init_score":0.0,
                "trees":[{{"nodes":[{{"feature":0,"threshold":{t},"left":-1,"right":-2,"default_left":false,"cat":null}}],
                "split_gain":[1.0],"internal_count":[2.0],"cat_codes":[],"leaf_value":[1.0,2.0],"leaf_count":[1.0,1.0]}}],
                "best_iteration":null}}"#
            )
        };
        let m = GbmModel::from_json(&json("\"inf\"")).unwrap();
        assert_eq!(
            tree_sql(Dialect::DuckDb, &m.trees()[0], 0).unwrap(),
            "CASE WHEN x0 IS NOT NULL THEN 1e0 ELSE 2e0 END"
        );
    }
}
