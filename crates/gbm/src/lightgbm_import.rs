//! Import of LightGBM models from `Booster.dump_model()` JSON into the flattened trees,
//! so LightGBM's own predictions and `pred_contrib` SHAP values can check ours.
//!
//! Supported: binary objective (`sigmoid:1`), numeric splits with missing type `None` (a
//! missing value is compared as 0.0, as LightGBM does) or `NaN` (learned default side), and
//! categorical splits (`==`, categories listed as `"1||4||6"`). Node covers come from
//! `internal_count` / `leaf_count`. The initial score is already inside LightGBM's first tree.
//! One difference: LightGBM truncates a non-integer category code (2.7 -> 2); this crate
//! treats it as unseen (right).

use serde::Deserialize;

use crate::error::GbmError;
use crate::model::{GbmModel, MODEL_FORMAT_VERSION};
use crate::tree::{Node, Tree};

#[derive(Deserialize)]
struct Dump {
    max_feature_idx: usize,
    objective: String,
    #[serde(default)]
    average_output: bool,
    #[serde(default = "one")]
    num_tree_per_iteration: usize,
    tree_info: Vec<TreeInfo>,
}

fn one() -> usize {
    1
}

#[derive(Deserialize)]
struct TreeInfo {
    tree_structure: DumpNode,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DumpNode {
    Split(Box<SplitNode>),
    Leaf(LeafNode),
}

#[derive(Deserialize)]
struct SplitNode {
    split_feature: usize,
    #[serde(default)]
    split_gain: f64,
    threshold: Threshold,
    decision_type: String,
    default_left: bool,
    missing_type: String,
    internal_count: f64,
    left_child: DumpNode,
    right_child: DumpNode,
}

#[derive(Deserialize)]
struct LeafNode {
    leaf_value: f64,
    #[serde(default)]
    leaf_count: f64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Threshold {
    Number(f64),
    Categories(String),
}

fn err(reason: impl Into<String>) -> GbmError {
    GbmError::LightGbmDump { reason: reason.into() }
}

/// Appends `node` (and its subtree) to `tree`; returns its child link.
fn add(tree: &mut Tree, node: DumpNode, categorical: &mut [bool], depth: usize) -> Result<i32, GbmError> {
    if depth > crate::params::MAX_TREE_DEPTH {
        return Err(err("tree deeper than 256 levels"));
    }
    match node {
        DumpNode::Leaf(l) => {
            tree.leaf_value.push(l.leaf_value);
            tree.leaf_count.push(l.leaf_count);
            Ok(!((tree.leaf_value.len() - 1) as i32))
        }
        DumpNode::Split(s) => {
            let s = *s;
            let f = s.split_feature;
            if f >= categorical.len() {
                return Err(err(format!("split on column {f} beyond max_feature_idx")));
            }
            let idx = tree.nodes.len();
            let (threshold, default_left, cat) = match (s.decision_type.as_str(), &s.threshold) {
                ("<=", Threshold::Number(t)) => {
                    let dl = match s.missing_type.as_str() {
                        "NaN" => s.default_left,
                        "None" => 0.0 <= *t,
                        other => {
                            return Err(err(format!(
                                "missing_type {other:?} is not supported (train without zero_as_missing)"
                            )))
                        }
                    };
                    (*t, dl, None)
                }
                ("==", Threshold::Categories(list)) => {
                    categorical[f] = true;
                    let mut codes = Vec::new();
                    for part in list.split("||") {
                        let c: u32 = part
                            .trim()
                            .parse()
                            .map_err(|_| err(format!("bad category {part:?} in threshold {list:?}")))?;
                        codes.push(c);
                    }
                    (0.0, false, Some(tree.push_categories(codes)))
                }
                (d, _) => return Err(err(format!("unsupported decision_type {d:?} with this threshold"))),
            };
            tree.nodes.push(Node { feature: f as u32, threshold, left: 0, right: 0, default_left, cat });
            tree.split_gain.push(s.split_gain);
            tree.internal_count.push(s.internal_count);
            let left = add(tree, s.left_child, categorical, depth + 1)?;
            let right = add(tree, s.right_child, categorical, depth + 1)?;
            tree.nodes[idx].left = left;
            tree.nodes[idx].right = right;
            Ok(idx as i32)
        }
    }
}

impl GbmModel {
    /// Converts LightGBM `dump_model()` JSON (binary objective) into a model whose
    /// `predict_margin` equals LightGBM's raw score and whose `shap` equals `pred_contrib`.
    pub fn from_lightgbm_dump(json: &str) -> Result<GbmModel, GbmError> {
        let dump: Dump = serde_json::from_str(json)?;
        if !dump.objective.starts_with("binary")
            || dump.objective.split_whitespace().any(|t| t.starts_with("sigmoid:") && t != "sigmoid:1")
        {
            return Err(err(format!("objective {:?} is not supported: need \"binary sigmoid:1\"", dump.objective)));
        }
        if dump.average_output || dump.num_tree_per_iteration != 1 {
            return Err(err("random-forest or multi-class models are not supported"));
        }
        let n_features = dump.max_feature_idx + 1;
        let mut categorical = vec![false; n_features];
        let mut trees = Vec::with_capacity(dump.tree_info.len());
        for info in dump.tree_info {
            let mut t = Tree::leaf(0.0, 0.0);
            t.leaf_value.clear();
            t.leaf_count.clear();
            add(&mut t, info.tree_structure, &mut categorical, 0)?;
            trees.push(t);
        }
        let m = GbmModel {
            format_version: MODEL_FORMAT_VERSION,
            n_features,
            categorical,
            init_score: 0.0,
            trees,
            best_iteration: None,
            valid_log_loss: Vec::new(),
            params: None,
            bins: Vec::new(),
        };
        m.validate(n_features)?;
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::ColMatrix;

    const DUMP: &str = r#"{"max_feature_idx": 1, "objective": "binary sigmoid:1", "tree_info": [
        {"tree_structure": {"split_feature": 0, "split_gain": 3.0, "threshold": 0.5, "decision_type": "<=",
          "default_left": true, "missing_type": "None", "internal_count": 10,
          "left_child": {"leaf_value": -1.0, "leaf_count": 6},
          "right_child": {"split_feature": 1, "threshold": "0||33", "decision_type": "==", "default_left": false,
             "missing_type": "None", "internal_count": 4,
             "left_child": {"leaf_value": 2.0, "leaf_count": 1}, "right_child": {"leaf_value": 3.0, "leaf_count": 3}}}},
        {"tree_structure": {"leaf_value": 0.25}}]}"#;

    #[test]
    fn imports_numeric_categorical_and_single_leaf_trees() {
        let m = GbmModel::from_lightgbm_dump(DUMP).unwrap();
        assert_eq!(m.num_trees(), 2);
        assert_eq!(m.categorical, vec![false, true]);
        // rows: (0, *) -> -1; (1, 33) -> 2; (1, 5) -> 3; (NaN -> 0.0 <= 0.5 -> left) -> -1
        let d = [0.0, 1.0, 1.0, f64::NAN, 7.0, 33.0, 5.0, 0.0];
        let x = ColMatrix::new(&d, 4, 2).unwrap();
        assert_eq!(m.predict_margin(&x), vec![-0.75, 2.25, 3.25, -0.75]);
        assert!(GbmModel::from_lightgbm_dump(&DUMP.replace("binary sigmoid:1", "regression")).is_err());
        assert!(GbmModel::from_lightgbm_dump(&DUMP.replace("0||33", "0||x")).is_err());
        assert!(GbmModel::from_lightgbm_dump(&DUMP.replace("\"split_feature\": 1", "\"split_feature\": 4")).is_err());
    }
}
