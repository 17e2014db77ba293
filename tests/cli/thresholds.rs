//! `leadscore thresholds`: cut-offs against scikit-learn's precision_recall_curve, and the
//! real binary on a generated sample.

use std::path::Path;

use crate::common::{read_csv, run, sample_dir, text, train_sample};
use leadscore::evaluation::thresholds::{recommend, Method, ThresholdPlan};
use serde_json::Value;

fn reference() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evaluate/reference.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn f1_and_target_cutoffs_match_sklearn_precision_recall_curve() {
    let r = &reference()["f1"];
    let scores: Vec<f64> = r["scores"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    let labels: Vec<bool> = r["labels"].as_array().unwrap().iter().map(|x| x.as_bool().unwrap()).collect();
    let plan =
        ThresholdPlan { percentile: 10.0, capacity: None, target_precision: Some(0.6), target_recall: Some(0.8) };
    let rep = recommend(&scores, &labels, &plan).unwrap();
    let get = |m: &Method| rep.cutoffs.iter().find(|c| &c.method == m).unwrap();
    let f1 = get(&Method::F1Optimal);
    assert_eq!(f1.threshold, r["f1_threshold"].as_f64());
    assert!((f1.precision - r["f1_precision"].as_f64().unwrap()).abs() < 1e-12);
    assert!((f1.recall - r["f1_recall"].as_f64().unwrap()).abs() < 1e-12);
    assert_eq!(get(&Method::TargetPrecision { target: 0.6 }).threshold, r["precision_0_6_threshold"].as_f64());
    assert_eq!(get(&Method::TargetRecall { target: 0.8 }).threshold, r["recall_0_8_threshold"].as_f64());
    // The lowest converted score passes every conversion.
    let low = get(&Method::LowestConverted);
    assert_eq!(low.recall, 1.0);
    assert_eq!(rep.sql, r["precision_0_6_threshold"].as_f64());
}

#[test]
fn thresholds_cli_shows_what_each_cutoff_would_have_done() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let o = run(
        d,
        &[
            "thresholds",
            "--data",
            "data/history.csv",
            "--model",
            "models/m.json",
            "--capacity",
            "20",
            "--date-column",
            "created_date",
            "--period",
            "month",
            "--target-precision",
            "0.5",
            "--target-recall",
            "0.9",
            "--json",
            "t.json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("F1-optimal") && out.contains("recommended: MQL at"), "{out}");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("t.json")).unwrap()).unwrap();
    let s = &j["scorers"][0];
    assert_eq!(s["leads"], 800);
    let cut = s["cutoffs"].as_array().unwrap();
    let methods: Vec<&str> = cut.iter().map(|c| c["method"].as_str().unwrap()).collect();
    assert_eq!(
        methods,
        vec!["lowest_converted", "converted_percentile", "capacity", "f1_optimal", "target_precision", "target_recall"]
    );
    // Capacity: 20 leads per month over the months the history spans.
    let (h, rows) = read_csv(&d.join("data/history.csv"));
    let di = h.iter().position(|c| c == "created_date").unwrap();
    let months: Vec<i32> =
        rows.iter().map(|r| r[di][..4].parse::<i32>().unwrap() * 12 + r[di][5..7].parse::<i32>().unwrap()).collect();
    let span = (months.iter().max().unwrap() - months.iter().min().unwrap() + 1) as u64;
    assert_eq!(cut[2]["per_period"], 20);
    assert_eq!(cut[2]["periods"].as_u64().unwrap(), span);
    assert!(cut[2]["leads_passed"].as_u64().unwrap() <= 20 * span);
    // Each row is consistent: captured <= passed, precision = captured / passed.
    for c in cut {
        let (p, k) = (c["leads_passed"].as_f64().unwrap(), c["conversions_captured"].as_f64().unwrap());
        assert!(k <= p);
        if p > 0.0 {
            assert!((c["precision"].as_f64().unwrap() - k / p).abs() < 1e-12);
        }
    }
    assert!(cut[0]["recall"].as_f64().unwrap() == 1.0);
    assert!(cut[5]["recall"].as_f64().unwrap() >= 0.9);
    assert!(cut[4]["precision"].as_f64().unwrap() >= 0.5);
}

#[test]
fn thresholds_without_a_scorer_or_with_a_bad_target_fail_clearly() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let o = run(d, &["thresholds", "--data", "data/history.csv", "--target", "converted"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("no scorer given"), "{:?}", text(&o));
    let o = run(d, &["thresholds", "--data", "data/history.csv", "--model", "models/m.json", "--target-recall", "1.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--target-recall = 1.5: expected a share in (0, 1]"), "{:?}", text(&o));
}

#[test]
fn heldout_thresholds_use_only_the_bundles_holdout() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let o = run(
        d,
        &["thresholds", "--data", "data/history.csv", "--model", "models/m.json", "--heldout", "--json", "t.json"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("t.json")).unwrap()).unwrap();
    // train's default stratified hold-out: 20% of 800 leads.
    assert_eq!(j["scorers"][0]["leads"], 160);
}
