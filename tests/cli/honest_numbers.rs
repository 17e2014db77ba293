//! Regression tests for numbers that were printed without being honest: statistics that
//! changed with the input row order, a comparison of bundles that held out different leads,
//! in-sample numbers without a warning, a per-period capacity applied to a random sample,
//! MQL recommended above SQL, and a model that learned nothing reported as if it had.

use std::path::Path;

use crate::common::{run, sample_dir, text, train_sample};
use serde_json::Value;

/// Writes `data/history.csv` with its rows reordered by `key` (a stable sort), under `name`.
fn reordered(d: &Path, name: &str, key: impl Fn(&str) -> i64) {
    let body = std::fs::read_to_string(d.join("data/history.csv")).unwrap();
    let mut lines: Vec<&str> = body.lines().collect();
    let header = lines.remove(0);
    lines.sort_by_key(|l| key(l));
    std::fs::write(d.join(name), format!("{header}\n{}\n", lines.join("\n"))).unwrap();
}

fn converted(line: &str) -> bool {
    line.ends_with(",1")
}

/// The summary without its first line (which names the data file).
fn body(out: &str) -> String {
    out.lines().skip(1).collect::<Vec<_>>().join("\n")
}

const FLAT_RULES: &str =
    "[score]\nid = \"lead_id\"\n\n[[fit]]\nwhen = { field = \"lead_id\", equals = \"nobody\" }\npoints = 10\n";
const FIT_RULES: &str = "[score]\nid = \"lead_id\"\n\n[[fit]]\nwhen = { field = \"seniority\", one_of = [\"vp\", \"c-level\", \"director\"] }\npoints = 40\n\n[[fit]]\nwhen = { field = \"demo_requested\", equals = \"Yes\" }\npoints = 30\n";

#[test]
fn evaluate_output_does_not_depend_on_row_order() {
    // Regression: a scorer giving every lead the same score printed decile 2 at "100.0% lift
    // 4.86" with converted rows first (0% with dead rows first), and a fit-only rules file gave
    // three capacity precisions for the same leads in three row orders.
    let dir = sample_dir();
    let d = dir.path();
    let model = train_sample(d);
    std::fs::write(d.join("flat.toml"), FLAT_RULES).unwrap();
    std::fs::write(d.join("fit.toml"), FIT_RULES).unwrap();
    reordered(d, "conv_first.csv", |l| if converted(l) { 0 } else { 1 });
    reordered(d, "dead_first.csv", |l| if converted(l) { 1 } else { 0 });
    let m = model.display().to_string();
    let eval = |data: &str| {
        let args = [
            "evaluate",
            "--data",
            data,
            "--target",
            "converted",
            "--model",
            &m,
            "--rules",
            "flat.toml",
            "--rules",
            "fit.toml",
            "--capacity",
            "100",
            "--json",
            "e.json",
        ];
        let o = run(d, &args);
        assert!(o.status.success(), "{:?}", text(&o));
        let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
        (text(&o).0, j)
    };
    let (a, ja) = eval("conv_first.csv");
    let (b, jb) = eval("dead_first.csv");
    let (c, _) = eval("data/history.csv");
    assert_eq!(body(&a), body(&b));
    // The training file itself (original row order) adds only the in-sample warning, which
    // goes to stderr.
    assert_eq!(body(&a), body(&c));
    // Ranking statistics are exactly equal; sums such as the log loss may differ in the last
    // bit with the summation order, which no printed digit shows.
    for (x, y) in ja["scorers"].as_array().unwrap().iter().zip(jb["scorers"].as_array().unwrap()) {
        for key in ["auc", "auc_ci", "pr_auc", "deciles", "top_k", "capacity", "bands"] {
            assert_eq!(x[key], y[key], "{} {key}", x["name"]);
        }
    }
    // The all-ties scorer: lift 1.0 in every decile, base-rate precision at every cut.
    let flat = ja["scorers"].as_array().unwrap().iter().find(|s| s["name"] == "rules:flat").unwrap();
    let rate = ja["conversions"].as_f64().unwrap() / ja["leads"].as_f64().unwrap();
    for dec in flat["deciles"].as_array().unwrap() {
        assert!((dec["lift"].as_f64().unwrap() - 1.0).abs() < 1e-12, "{dec}");
    }
    for t in flat["top_k"].as_array().unwrap().iter().chain([&flat["capacity"]]) {
        assert!((t["precision"].as_f64().unwrap() - rate).abs() < 1e-12, "{t}");
    }
}

/// Trains on the sample with extra flags; returns the bundle path (relative to the dir).
/// Trains; returns stderr, where the warnings go (stdout has none).
fn train(d: &Path, out: &str, extra: &[&str]) -> String {
    let mut args =
        vec!["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id", "--out", out];
    args.extend_from_slice(extra);
    let o = run(d, &args);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(!text(&o).0.contains("warning:"), "warnings go to stderr: {}", text(&o).0);
    text(&o).1
}

#[test]
fn heldout_refuses_bundles_that_held_out_different_leads() {
    // Regression: with --heldout the hold-out came from the first bundle only, so a bundle
    // trained with another seed was judged on ~80% of its own training rows and "won".
    let dir = sample_dir();
    let d = dir.path();
    train(d, "base.json", &[]);
    train(d, "seed7.json", &["--seed", "7"]);
    train(d, "again.json", &[]);
    train(d, "cv.json", &["--cv", "3"]);
    let ev = |second: &str| {
        run(d, &["evaluate", "--data", "data/history.csv", "--model", "base.json", "--model", second, "--heldout"])
    };
    let o = ev("seed7.json");
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--heldout: base.json and seed7.json held out different leads"), "{err}");
    assert!(err.contains("seed 42 vs stratified 20% hold-out, seed 7"), "{err}");
    let o = ev("cv.json");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("cv.json: trained with 3-fold cross-validation"), "{:?}", text(&o));
    // The same split settings hold out the same leads: allowed.
    let o = ev("again.json");
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("160 leads"), "{:?}", text(&o));
}

#[test]
fn in_sample_evaluation_is_flagged() {
    // Regression: evaluate and thresholds on the training file without --heldout printed
    // in-sample numbers with no warning although the bundle records the file's SHA-256.
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let warning =
        "warning: these leads include the rows bundle models/m.json was trained on (640 of them): in-sample numbers";
    let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", "models/m.json", "--json", "e.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    // On stderr: `evaluate ... > report.txt` keeps it on screen; stdout is the report alone.
    assert!(text(&o).1.contains(warning), "{}", text(&o).1);
    assert!(!text(&o).0.contains("warning:"), "{}", text(&o).0);
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
    assert!(j["scorers"][0]["warnings"][0].as_str().unwrap().contains("pass --heldout"), "{j}");
    // On the hold-out, or on another file, no warning.
    let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", "models/m.json", "--heldout"]);
    assert!(o.status.success() && !text(&o).1.contains("warning:"), "{:?}", text(&o));
    // A reordered copy is another file, but the same leads: the bundle's training digest
    // (format 1.3) still recognises every one of them.
    reordered(d, "other.csv", |l| if converted(l) { 0 } else { 1 });
    let o = run(d, &["evaluate", "--data", "other.csv", "--model", "models/m.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o).1.contains(
            "warning: these leads include 800 that bundle models/m.json learned from (they were in its training file)"
        ),
        "{:?}",
        text(&o)
    );
    // Leads it never saw (new ids, the history's newest 200 relabelled): no warning.
    let fresh: String = std::fs::read_to_string(d.join("data/history.csv"))
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i > 600)
        .map(|(i, l)| if i == 0 { format!("{l}\n") } else { format!("N{}\n", &l[1..]) })
        .collect();
    std::fs::write(d.join("fresh.csv"), fresh).unwrap();
    let o = run(d, &["evaluate", "--data", "fresh.csv", "--model", "models/m.json"]);
    assert!(o.status.success() && !text(&o).1.contains("warning:"), "{:?}", text(&o));
    // thresholds prints the same warning, and carries it in its JSON.
    let o = run(d, &["thresholds", "--data", "data/history.csv", "--model", "models/m.json", "--json", "t.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).1.contains(warning) && !text(&o).0.contains(warning), "{:?}", text(&o));
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("t.json")).unwrap()).unwrap();
    assert!(j["warnings"][0].as_str().unwrap().contains("pass --heldout"), "{j}");
}

#[test]
fn heldout_capacity_per_period_needs_the_whole_flow() {
    // Regression: `thresholds --heldout --capacity 30 --date-column` measured a per-period
    // capacity against a 20% random sample, passing ~5x the capacity on the real flow.
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let args = |m: &str| {
        vec![
            "thresholds".to_string(),
            "--data".into(),
            "data/history.csv".into(),
            "--model".into(),
            m.into(),
            "--heldout".into(),
            "--capacity".into(),
            "30".into(),
            "--date-column".into(),
            "created_date".into(),
        ]
    };
    let a = args("models/m.json");
    let o = run(d, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("held out a random 20% sample") && err.contains("about 5x the capacity"), "{err}");
    // A time-ordered hold-out is the whole flow of its period: accepted.
    train(d, "time.json", &["--date-column", "created_date"]);
    let a = args("time.json");
    let o = run(d, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("capacity: 30 leads x"), "{:?}", text(&o));
}

#[test]
fn mql_is_never_recommended_above_sql() {
    // Regression: --percentile 100 recommended "MQL at 1.0000 (keeps most conversions), SQL
    // at 0.3497".
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
            "--heldout",
            "--percentile",
            "100",
            "--json",
            "t.json",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let out = text(&o).0;
    assert!(!out.contains("keeps most conversions"), "{out}");
    assert!(out.contains("lies above the SQL cut-off, so MQL is set to the SQL cut-off"), "{out}");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("t.json")).unwrap()).unwrap();
    let s = &j["scorers"][0];
    assert!(s["mql"].as_f64().unwrap() <= s["sql"].as_f64().unwrap(), "{s}");
}

#[test]
fn a_model_that_learned_nothing_is_reported() {
    // Regression: gbm with 0 trees (or --l2 1e300) was written and reported without warning,
    // with grade cut-offs "A >= 0.206, B >= 0.206, C >= 0.206".
    let dir = sample_dir();
    let d = dir.path();
    let out = train(d, "flat.json", &["--model", "gbm", "--min-data-in-leaf", "100000", "--allow-weak"]);
    assert!(out.contains("warning: model gbm gives every lead the same probability"), "{out}");
    assert!(out.contains("it learned nothing") && out.contains("lower --min-data-in-leaf"), "{out}");
    assert!(out.contains("warning: grade cut-offs collapse: A, B and C all start at"), "{out}");
    let out = train(d, "flat2.json", &["--model", "logistic", "--l2", "1e300", "--allow-weak"]);
    assert!(out.contains("warning: model logistic gives every lead the same probability (0.5000"), "{out}");
    assert!(out.contains("--l2 1e300 penalises every coefficient to zero"), "{out}");
    // A model that learned: no such warning.
    let out = train(d, "ok.json", &["--model", "both"]);
    assert!(!out.contains("learned nothing") && !out.contains("collapse"), "{out}");
}
