//! CLI tests of the boosted trees' defaults (issue 13, item 1): trees and calibrator chosen by
//! cross-validation inside the training rows, a refit on all of them, the time budget.

use crate::common::*;
use std::fs;

fn train_gbm(dir: &std::path::Path, out: &str, extra: &[&str]) -> (std::process::Output, String) {
    let base = [
        "train",
        "--data",
        "data/history.csv",
        "--target",
        "converted",
        "--id",
        "lead_id",
        "--model",
        "gbm",
        "--out",
        out,
    ];
    let o = run(dir, &[&base[..], extra].concat());
    let (stdout, stderr) = text(&o);
    (o, format!("{stdout}\n{stderr}"))
}

#[test]
fn trees_and_calibrator_are_chosen_by_inner_cross_validation_and_refitted_on_every_training_row() {
    let dir = sample_dir();
    let (o, out) = train_gbm(dir.path(), "b.json", &[]);
    assert!(o.status.success(), "{out}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    let m = &b["models"][0]["model"];
    let t = &m["tree_choice"];
    // 800 labelled rows, 20% held out for the report: the trees are refitted on the other 640.
    assert_eq!(b["training"]["fit_rows"], 640);
    assert_eq!(t["refit_rows"], 640);
    assert_eq!(t["folds"], 5);
    let chosen = t["chosen"].as_u64().unwrap() as usize;
    assert_eq!(m["trees"]["trees"].as_array().unwrap().len(), chosen, "the refit grows exactly the chosen number");
    assert_eq!(t["fold_best"].as_array().unwrap().len(), 5);
    // The sample is small enough for the whole search under the default budget.
    let trials = t["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 8);
    let k = t["chosen_trial"].as_u64().unwrap() as usize;
    let best = trials[k]["cv_log_loss"].as_f64().unwrap();
    assert!(trials.iter().all(|x| x["cv_log_loss"].as_f64().unwrap() >= best), "{trials:?}");
    assert_eq!(t["cv_log_loss"].as_f64().unwrap(), best);
    // Calibration: every candidate scored; a calibrator only when it beats none on both.
    let c = &m["calibration"];
    let cands = c["candidates"].as_array().unwrap();
    let names: Vec<&str> = cands.iter().map(|x| x["method"].as_str().unwrap()).collect();
    assert_eq!(names, ["none", "platt", "isotonic", "beta"]);
    let score = |name: &str, what: &str| cands.iter().find(|x| x["method"] == name).unwrap()[what].as_f64().unwrap();
    let chosen_cal = c["chosen"].as_str().unwrap();
    if chosen_cal == "none" {
        assert_eq!(m["calibrator"], "Identity");
        assert!(names[1..]
            .iter()
            .all(|n| score(n, "log_loss") >= score("none", "log_loss") || score(n, "brier") >= score("none", "brier")));
    } else {
        assert!(score(chosen_cal, "log_loss") < score("none", "log_loss"));
        assert!(score(chosen_cal, "brier") < score("none", "brier"));
    }
    // The report says what was chosen and why.
    assert!(out.contains(&format!("trees: {chosen} chosen by 5-fold cross-validated early stopping")), "{out}");
    assert!(out.contains("refitted on all 640 training rows"), "{out}");
    assert!(out.contains("search: 8 settings tried on the same 5 folds (time budget 180 s)"), "{out}");
    assert!(
        out.contains(&format!("calibration: {}", if chosen_cal == "platt" { "Platt" } else { chosen_cal })),
        "{out}"
    );
    assert!(out.contains("CV log loss / Brier on out-of-fold probabilities"), "{out}");
}

#[test]
fn the_same_input_and_seed_give_the_same_trees_and_choices() {
    let dir = sample_dir();
    let (a, out) = train_gbm(dir.path(), "a.json", &[]);
    assert!(a.status.success(), "{out}");
    let (b, out) = train_gbm(dir.path(), "b.json", &[]);
    assert!(b.status.success(), "{out}");
    let model = |f: &str| {
        let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join(f)).unwrap()).unwrap();
        v["models"][0]["model"].clone()
    };
    assert_eq!(model("a.json"), model("b.json"));
}

#[test]
fn a_small_time_budget_plans_fewer_folds_and_no_search() {
    let dir = sample_dir();
    // 640 rows × about 20 columns × 500 trees ≈ 6.4e6 cells per fit: at 1.2e8 cells/s, 1 s
    // buys ~19 fits. --num-trees 100000 makes one fit ≈ 1.3e9 cells: 1 s buys 0.1 fits, so 2
    // folds and the configured settings only (early stopping still ends each fold).
    let (o, out) = train_gbm(dir.path(), "b.json", &["--time-budget", "1", "--num-trees", "100000"]);
    assert!(o.status.success(), "{out}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    let t = &b["models"][0]["model"]["tree_choice"];
    assert_eq!(t["folds"], 2);
    assert_eq!(t["trials"].as_array().unwrap().len(), 1);
    assert_eq!(t["time_budget"], 1.0);
    assert!(out.contains("search: none (time budget 1 s covers 2-fold cross-validation"), "{out}");
}

#[test]
fn a_bad_time_budget_is_a_clear_error() {
    let dir = sample_dir();
    for (v, want) in [
        ("0", "gbm.time_budget (--time-budget) = 0 is invalid: must be a number of seconds between 1 and 86400"),
        ("-5", "= -5 is invalid"),
        ("NaN", "= NaN is invalid"),
        ("abc", "invalid value 'abc' for '--time-budget"),
    ] {
        let (o, out) = train_gbm(dir.path(), "b.json", &["--time-budget", v]);
        assert_eq!(o.status.code(), Some(2), "{v}: {out}");
        assert!(out.contains(want), "{v}: {out}");
        assert!(!out.contains("panicked"), "{out}");
        assert!(!dir.path().join("b.json").exists());
    }
}

#[test]
fn one_inner_hold_out_is_still_available() {
    // gbm.inner_folds = 0: the behaviour before (one inner hold-out, no refit, no search).
    let dir = sample_dir();
    fs::write(dir.path().join("c.toml"), "[gbm]\ninner_folds = 0\n").unwrap();
    let (o, out) = train_gbm(dir.path(), "b.json", &["--config", "c.toml"]);
    assert!(o.status.success(), "{out}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert!(b["models"][0]["model"].get("tree_choice").is_none());
    assert!(out.contains("inner hold-out Brier"), "{out}");
}

#[test]
fn every_engine_parameter_is_settable_in_gbm_and_recorded_in_the_bundle() {
    // The settings embed the engine's parameters, so one it has and `[gbm]` did not list
    // before reaches the trees and the bundle; a typo or a per-fit key is refused by name.
    let dir = sample_dir();
    let d = dir.path();
    let config = "[gbm]\ninner_folds = 0\nnum_trees = 20\nmin_gain_to_split = 1e9\n";
    fs::write(d.join("c.toml"), config).unwrap();
    let (o, out) = train_gbm(d, "b.json", &["--config", "c.toml", "--allow-weak"]);
    assert!(o.status.success(), "{out}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    let settings = &b["models"][0]["model"]["settings"];
    assert_eq!(settings["min_gain_to_split"], 1e9, "{settings}");
    assert_eq!(settings["cat_smooth"], 10.0, "{settings}");
    assert_eq!(settings["num_trees"], 20, "{settings}");
    // No split gains 1e9: every tree is a single leaf, so no column was ever used.
    assert!(out.contains("it kept 0 trees") && out.contains("0 trees kept"), "{out}");
    for (toml, want) in [
        ("[gbm]\nnum_tress = 3\n", "unknown key gbm.num_tress; the keys are:"),
        ("[gbm]\nseed = 3\n", "gbm.seed cannot be set"),
    ] {
        fs::write(d.join("bad.toml"), toml).unwrap();
        let (o, out) = train_gbm(d, "x.json", &["--config", "bad.toml"]);
        assert_eq!(o.status.code(), Some(2), "{out}");
        assert!(out.contains("bad.toml") && out.contains(want), "{out}");
        assert!(!d.join("x.json").exists());
    }
}
