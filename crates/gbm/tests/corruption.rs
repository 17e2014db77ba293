//! Property test: a model file with corrupted tree fields either fails to load (with an
//! error) or loads and scores/explains without panicking. Loading runs the structural
//! validation, so predict and TreeSHAP can trust indices.

mod common;

use common::synthetic;
use leadscore_gbm::{ColMatrix, GbmModel, GbmParams};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn base() -> &'static (Value, Vec<f64>) {
    static BASE: OnceLock<(Value, Vec<f64>)> = OnceLock::new();
    BASE.get_or_init(|| {
        let (d, y) = synthetic(800, 9);
        let x = ColMatrix::new(&d, 800, 4).unwrap();
        let p = GbmParams {
            num_trees: 5,
            num_leaves: 8,
            categorical: vec![2],
            min_data_per_group: 10,
            ..Default::default()
        };
        let m = p.check(4).unwrap().fit(&x, &y, None).unwrap();
        (serde_json::from_str(&m.to_json().unwrap()).unwrap(), d[..400].to_vec())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn corrupted_trees_are_rejected_or_harmless(tree in 0usize..5, node in 0usize..8, field in 0usize..8, v in -40i64..40) {
        let (model, rows) = base();
        let mut m = model.clone();
        let t = &mut m["trees"][tree];
        let n_nodes = t["nodes"].as_array().unwrap().len();
        let node = node % n_nodes.max(1);
        match field {
            0 => t["nodes"][node]["left"] = json!(v),
            1 => t["nodes"][node]["right"] = json!(v),
            2 => t["nodes"][node]["feature"] = json!(v),
            3 => t["nodes"][node]["cat"] = json!([v, v.unsigned_abs()]),
            4 => t["nodes"][node]["threshold"] = json!("nan"),
            5 => t["leaf_count"][node] = json!(v),
            6 => t["internal_count"][node] = json!(v),
            _ => t["cat_codes"] = json!([v, 3, 1]),
        }
        if let Ok(model) = serde_json::from_value::<GbmModel>(m) {
            let x = ColMatrix::new(&rows[..400], 100, 4).unwrap();
            prop_assert_eq!(model.predict_margin(&x).len(), 100);
            prop_assert_eq!(model.shap(&x).len(), 500);
        }
    }
}
