//! `leadscore inspect`: what a bundle is, as text and JSON.

use crate::common::{run, sample_dir, text, train_sample};

#[test]
fn inspect_shows_training_models_with_intervals_grades_and_schema() {
    let dir = sample_dir();
    let d = dir.path();
    let bundle = train_sample(d);
    let o = run(d, &["inspect", bundle.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let i: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    let b: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    assert_eq!(i["checksum"], b["checksum"]);
    assert_eq!(i["model_id"].as_str().unwrap(), &b["checksum"].as_str().unwrap()[..12]);
    assert_eq!(i["labelled_rows"], 800);
    assert_eq!(i["data_sha256"], b["training"]["data_sha256"]);
    let m = &i["models"][0];
    assert_eq!(m["auc"], b["models"][0]["evaluation"]["auc"]);
    let (auc, lo, hi) =
        (m["auc"].as_f64().unwrap(), m["auc_ci"][0].as_f64().unwrap(), m["auc_ci"][1].as_f64().unwrap());
    assert!(lo < auc && auc < hi && hi - lo < 0.3, "{lo} {auc} {hi}");
    assert_eq!(i["schema"].as_array().unwrap().len(), b["pipeline"]["columns"].as_array().unwrap().len());
    assert_eq!(i["reference"]["leads"], b["models"][0]["evaluation"]["rows"]);
    let o = run(d, &["inspect", bundle.to_str().unwrap()]);
    let (out, _) = text(&o);
    assert!(out.contains("models (hold-out metrics):") && out.contains("95% interval"), "{out}");
    assert!(out.contains("percentiles rank against"), "{out}");
}

#[test]
fn inspect_reads_a_bundle_from_before_format_1_1_and_refuses_a_damaged_one() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let old = root.join("tests/fixtures/score/bundle_format_1.0_logistic.json");
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["inspect", old.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("format 1.0") && out.contains("no reference distribution"), "{out}");
    assert!(out.contains("not recorded"), "the old bundle stored no interval: {out}");
    std::fs::write(dir.path().join("bad.json"), "{").unwrap();
    let o = run(dir.path(), &["inspect", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("bad.json"), "{:?}", text(&o));
}
