//! CLI tests of the no-signal verdict: `train` compares every model with predicting the base
//! rate and refuses to write a bundle no model of which beats it (unless `--allow-weak`);
//! `thresholds` refuses and `score` warns on a weak bundle; a weak model is never the primary
//! over one that shows a signal. Also the scoring-time availability warning.

use crate::common::*;
use std::fs;

/// Leads whose outcome is a coin toss: nothing in the columns predicts it.
fn noise_history(n: usize) -> String {
    let mut s = String::from("id,visits,source,region,pages,converted\n");
    let h = |i: usize, k: u64| leadscore::rng::splitmix((i as u64) << 8 | k);
    for i in 0..n {
        s.push_str(&format!(
            "L{i},{},{},{},{},{}\n",
            h(i, 1) % 9,
            ["web", "ads", "referral"][(h(i, 2) % 3) as usize],
            ["north", "south", "east", "west"][(h(i, 3) % 4) as usize],
            h(i, 4) % 13,
            (h(i, 5) % 10 < 3) as u8
        ));
    }
    s
}

const TRAIN: [&str; 11] =
    ["train", "--data", "h.csv", "--target", "converted", "--id", "id", "--model", "both", "--out", "m.json"];

#[test]
fn no_usable_signal_exits_1_and_writes_no_bundle_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("h.csv"), noise_history(2000)).unwrap();
    let o = run(dir.path(), &TRAIN);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("h.csv: no usable signal: no model beats predicting the base rate (logistic: AUC"), "{err}");
    assert!(err.contains("includes 0.5 (chance)") && err.contains("--allow-weak"), "{err}");
    assert!(!dir.path().join("m.json").exists());
    // The report still says what each model reached, beside the constant.
    assert!(out.contains("(95% interval 0."), "{out}");
    assert!(out.contains("predicting the base rate (29.4%) for every lead: log loss 0."), "{out}");

    let o = run(dir.path(), &[&TRAIN[..], &["--allow-weak"]].concat());
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning: no usable signal (") && err.contains("written because of --allow-weak"), "{err}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    let base = &b["models"][0]["evaluation"]["base_rate"];
    assert!((base["rate"].as_f64().unwrap() - 0.294).abs() < 0.01, "{base}");
    assert!(base["log_loss"].as_f64().unwrap() > 0.5 && base["brier"].as_f64().unwrap() > 0.19, "{base}");

    // thresholds refuses the weak bundle, unless asked; score warns.
    let th = ["thresholds", "--data", "h.csv", "--model", "m.json"];
    let o = run(dir.path(), &th);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("m.json: its primary model showed no usable signal in training ("), "{err}");
    let o = run(dir.path(), &[&th[..], &["--allow-weak"]].concat());
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(dir.path(), &["score", "--model", "m.json", "--data", "h.csv", "--out", "s.csv"]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning: m.json: its primary model showed no usable signal in training"), "{err}");
}

#[test]
fn a_model_without_signal_is_never_primary_over_one_with_it() {
    // Trees that cannot split (every leaf needs more rows than there are) learn nothing.
    let dir = sample_dir();
    let base = [
        "train",
        "--data",
        "data/history.csv",
        "--target",
        "converted",
        "--id",
        "lead_id",
        "--model",
        "both",
        "--min-data-in-leaf",
        "5000",
        "--out",
        "m.json",
    ];
    let o = run(dir.path(), &base);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("primary model (reported as `probability`): logistic"), "{out}");
    assert!(out.contains("; beats it\n"), "{out}");
    let o = run(dir.path(), &[&base[..], &["--primary", "gbm"]].concat());
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--primary gbm: gbm shows no usable signal on the hold-out while logistic does"), "{err}");
}

#[test]
fn crm_export_without_its_post_contact_columns_has_no_usable_signal() {
    let Some(pipeline) = shared_dataset("crm-sales-opportunities/sales_pipeline.csv") else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "train",
            "--data",
            pipeline.to_str().unwrap(),
            "--target",
            "deal_stage",
            "--positive",
            "Won",
            "--negative",
            "Lost",
            "--id",
            "opportunity_id",
            "--exclude",
            "close_date,close_value,engage_date",
            "--model",
            "both",
            "--out",
            "m.json",
        ],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("no usable signal: no model beats predicting the base rate"), "{err}");
    assert!(out.contains("predicting the base rate (63.2%) for every lead"), "{out}");
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn a_column_present_in_history_but_missing_tonight_is_a_warning_naming_it() {
    let dir = sample_dir();
    let bundle = train_sample(dir.path());
    let open = dir.path().join("data/open_leads.csv");
    let tonight = dir.path().join("data/tonight.csv");
    write_with_cells(&open, &tonight, "time_on_site_min", |_| true, "");
    let o = run(
        dir.path(),
        &["score", "--model", bundle.to_str().unwrap(), "--data", "data/tonight.csv", "--out", "s.csv"],
    );
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning: column \"time_on_site_min\" was present in 98.1% of the training leads")
            && err.contains("but is missing in 100.0% of these 200 leads"),
        "{err}"
    );
    assert!(err.contains("--exclude \"time_on_site_min\""), "{err}");
    // The --json summary carries the moved missing rate with both numbers (1.9% of the
    // training leads, as the bundle records it; 100% tonight).
    let o = run(
        dir.path(),
        &["score", "--model", bundle.to_str().unwrap(), "--data", "data/tonight.csv", "--out", "s.csv", "--json"],
    );
    let j: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    let moved = j["missing_rate_moved"].as_array().unwrap();
    assert_eq!(moved.len(), 1, "{j}");
    assert_eq!(moved[0]["column"], "time_on_site_min");
    assert_eq!(moved[0]["tonight"], 1.0);
    assert!((moved[0]["training"].as_f64().unwrap() - 0.019).abs() < 0.0006, "{j}");
    // Tonight's file as usual: no such warning.
    let o = run(
        dir.path(),
        &["score", "--model", bundle.to_str().unwrap(), "--data", "data/open_leads.csv", "--out", "s.csv"],
    );
    let (out, err) = text(&o);
    assert!(o.status.success() && !err.contains("missing in"), "{err}");
    assert!(!out.contains("missing rate moved"), "{out}");
}

#[test]
fn a_bundle_from_before_format_1_2_scores_without_a_weakness_warning() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let bundle = root.join("tests/fixtures/score/bundle_format_1.0_logistic.json");
    let data = root.join("data/open_leads.csv");
    let o = run(
        dir.path(),
        &["score", "--model", bundle.to_str().unwrap(), "--data", data.to_str().unwrap(), "--out", "s.csv"],
    );
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("no usable signal"), "{err}");
}
