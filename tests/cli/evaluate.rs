//! `leadscore evaluate`: reference values for the new tables (score bands, calibration via
//! scikit-learn's calibration_curve), and the real binary on generated samples.

use std::fs;
use std::path::Path;

use crate::common::{read_csv, run, sample_dir, text, train_sample};
use leadscore::evaluation::compare::band_table;
use leadscore::evaluation::metrics::{calibration_table, roc_auc};
use serde_json::Value;

fn reference() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evaluate/reference.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array().unwrap().iter().map(|x| x.as_bool().unwrap()).collect()
}

#[test]
fn score_bands_match_numpy_digitize() {
    let r = &reference()["bands"];
    let b = band_table(&floats(&r["points"]), &bools(&r["labels"]));
    let leads: Vec<u64> = b.iter().map(|b| b.leads as u64).collect();
    let conv: Vec<u64> = b.iter().map(|b| b.conversions as u64).collect();
    let want = |k: &str| r[k].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect::<Vec<_>>();
    assert_eq!(leads, want("leads"));
    assert_eq!(conv, want("conversions"));
}

#[test]
fn calibration_matches_sklearn_calibration_curve() {
    let r = &reference()["calibration"];
    let t = calibration_table(&floats(&r["probs"]), &bools(&r["labels"]), 10).unwrap();
    let (pt, pp) = (floats(&r["prob_true"]), floats(&r["prob_pred"]));
    assert_eq!(t.bins.len(), pt.len());
    for (b, (o, p)) in t.bins.iter().zip(pt.iter().zip(&pp)) {
        assert!((b.observed_rate - o).abs() < 1e-12 && (b.mean_predicted - p).abs() < 1e-12, "{b:?}");
    }
    assert!((t.ece - r["ece"].as_f64().unwrap()).abs() < 1e-12);
}

/// Generates a sample and trains both models on it; returns the temp dir.
fn trained() -> tempfile::TempDir {
    let dir = sample_dir();
    let o = run(
        dir.path(),
        &[
            "train",
            "--data",
            "data/history.csv",
            "--target",
            "converted",
            "--id",
            "lead_id",
            "--model",
            "both",
            "--out",
            "m.json",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    dir
}

#[test]
fn evaluate_writes_every_number_and_the_auc_matches_the_scores() {
    let dir = trained();
    let d = dir.path();
    let o = run(
        d,
        &["evaluate", "--data", "data/history.csv", "--model", "m.json", "--capacity", "100", "--json", "e.json"],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("800 leads") && out.contains("Paired comparison"), "{out}");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
    assert_eq!(j["leads"], 800);
    let scorers = j["scorers"].as_array().unwrap();
    assert_eq!(scorers.len(), 2);
    for s in scorers {
        for key in
            ["auc", "auc_ci", "pr_auc", "brier", "log_loss", "deciles", "calibration", "bands", "top_k", "capacity"]
        {
            assert!(!s[key].is_null(), "{key} missing for {}", s["name"]);
        }
        let auc = s["auc"].as_f64().unwrap();
        let ci = floats(&s["auc_ci"]);
        assert!(ci[0] <= auc && auc <= ci[1], "{auc} outside {ci:?}");
        let deciles = s["deciles"].as_array().unwrap();
        assert_eq!(deciles.len(), 10);
        assert_eq!(deciles.iter().map(|x| x["leads"].as_u64().unwrap()).sum::<u64>(), 800);
        assert_eq!(s["bands"].as_array().unwrap().iter().map(|x| x["leads"].as_u64().unwrap()).sum::<u64>(), 800);
        assert_eq!(s["capacity"]["leads"], 100);
        let top: Vec<u64> = s["top_k"].as_array().unwrap().iter().map(|x| x["leads"].as_u64().unwrap()).collect();
        assert_eq!(top, vec![40, 80, 160]);
    }
    let c = &j["comparisons"][0];
    assert_eq!((c["a"].as_str(), c["b"].as_str()), (Some("logistic"), Some("gbm")));
    let p = c["p_value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert_eq!(c["significant"].as_bool().unwrap(), p < 0.05);

    // The AUC equals the one computed from `leadscore score`'s probabilities of each model.
    let o = run(
        d,
        &["score", "--model", "m.json", "--data", "data/history.csv", "--out", "s.csv", "--quiet", "--all-models"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let (h, rows) = read_csv(&d.join("s.csv"));
    let (hh, hist) = read_csv(&d.join("data/history.csv"));
    let yi = hh.iter().position(|c| c == "converted").unwrap();
    let labels: Vec<bool> = hist.iter().map(|r| r[yi] == "1").collect();
    for s in scorers {
        let col = h.iter().position(|c| c == &format!("probability_{}", s["name"].as_str().unwrap())).unwrap();
        let probs: Vec<f64> = rows.iter().map(|r| r[col].parse().unwrap()).collect();
        let want = roc_auc(&probs, &labels).unwrap();
        // CSV output rounds probabilities, so allow tiny ranking differences.
        assert!((s["auc"].as_f64().unwrap() - want).abs() < 2e-3, "{} vs {want}", s["auc"]);
    }
}

#[test]
fn time_ordered_evaluation_keeps_the_newest_share() {
    let dir = trained();
    let d = dir.path();
    let o = run(
        d,
        &[
            "evaluate",
            "--data",
            "data/history.csv",
            "--model",
            "m.json",
            "--date-column",
            "created_date",
            "--newest-share",
            "0.25",
            "--json",
            "e.json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("time-ordered: newest 25% by \"created_date\""), "{out}");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
    assert_eq!(j["leads"], 200);
    assert_eq!(j["time_window"]["older_left_out"], 600);
    // Every kept lead is at least as new as the window start.
    let from = j["time_window"]["from"].as_str().unwrap().to_string();
    let (h, rows) = read_csv(&d.join("data/history.csv"));
    let di = h.iter().position(|c| c == "created_date").unwrap();
    let newer = rows.iter().filter(|r| r[di].as_str() >= from.as_str()).count();
    assert!(newer >= 200, "{newer}");
}

#[test]
fn report_is_one_self_contained_page_with_every_chart() {
    let dir = trained();
    let d = dir.path();
    let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", "m.json", "--report", "out/r.html"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let page = std::fs::read_to_string(d.join("out/r.html")).unwrap();
    for id in ["roc", "gains", "lift", "calibration", "distribution-0", "distribution-1"] {
        assert!(page.contains(&format!("<figure class=\"chart\" id=\"{id}\"><svg")), "chart {id} missing");
    }
    assert!(!page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http"));
    // No temporary file left beside it.
    assert_eq!(std::fs::read_dir(d.join("out")).unwrap().count(), 1);
}

#[test]
fn report_renders_in_headless_chromium() {
    // scripts/check_report.sh installs chromium when missing; here, only run it where a
    // browser exists (or CI asks for it with LEADSCORE_REQUIRE_CHROMIUM).
    let have = ["chromium", "chromium-browser"].iter().any(|b| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {b}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !have && std::env::var_os("LEADSCORE_REQUIRE_CHROMIUM").is_none() {
        eprintln!("skipped: chromium not installed (scripts/check_report.sh installs it)");
        return;
    }
    let dir = trained();
    let d = dir.path();
    let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", "m.json", "--report", "r.html"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_report.sh");
    let o = std::process::Command::new("bash").arg(script).arg(d.join("r.html")).output().unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("renders in") && out.contains("with 6 charts"), "{out}");
}

#[test]
fn one_class_evaluation_set_is_rejected_with_a_clear_message() {
    let dir = trained();
    let d = dir.path();
    let body = std::fs::read_to_string(d.join("data/history.csv")).unwrap();
    let (h, _) = read_csv(&d.join("data/history.csv"));
    let yi = h.iter().position(|c| c == "converted").unwrap();
    let mut lines = body.lines();
    let mut dead = format!("{}\n", lines.next().unwrap());
    for l in lines.filter(|l| crate::common::split_csv_line(l)[yi] == "0") {
        dead.push_str(l);
        dead.push('\n');
    }
    std::fs::write(d.join("dead.csv"), dead).unwrap();
    let o = run(d, &["evaluate", "--data", "dead.csv", "--model", "m.json", "--positive", "1"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("dead.csv") && err.contains("0 converted") && err.contains("evaluation needs both"), "{err}");
}

#[test]
fn usage_errors_are_clear() {
    let dir = trained();
    let d = dir.path();
    let o = run(d, &["evaluate", "--data", "data/history.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("no scorer given; pass --model BUNDLE and/or --rules FILE"), "{:?}", text(&o));
    let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", "m.json", "--capacity", "5000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("--capacity 5000: expected between 1 and the number of evaluated leads (800)"),
        "{:?}",
        text(&o)
    );
    let o = run(
        d,
        &["evaluate", "--data", "data/history.csv", "--model", "m.json", "--json", "e.json", "--target", "nope"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("column \"nope\" not found"), "{:?}", text(&o));
    assert!(!d.join("e.json").exists(), "a failed run leaves no output");
}

#[test]
fn heldout_needs_the_training_file() {
    let dir = trained();
    let d = dir.path();
    let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", "m.json", "--heldout", "--json", "e.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
    // train's default hold-out is 20% of each class of the 800 leads.
    assert_eq!(j["leads"], 160);
    assert!(j["heldout"].as_str().unwrap().starts_with("stratified 20% hold-out"), "{}", j["heldout"]);
    let mut body = std::fs::read_to_string(d.join("data/history.csv")).unwrap();
    body.push('\n');
    std::fs::write(d.join("other.csv"), body).unwrap();
    let o = run(d, &["evaluate", "--data", "other.csv", "--model", "m.json", "--heldout"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--heldout needs the very file m.json was trained on"), "{:?}", text(&o));
}

#[test]
fn leads_csv_model_beats_the_handwritten_rules_on_its_holdout() {
    let Some(leads) = crate::common::shared_dataset("xeducation-leads/Leads.csv") else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let leads = leads.to_str().unwrap();
    let config = root.join("examples/xeducation.toml");
    let o =
        run(d, &["train", "--data", leads, "--config", config.to_str().unwrap(), "--model", "both", "--out", "x.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let rules = root.join("examples/rules/xeducation.toml");
    let o = run(
        d,
        &[
            "evaluate",
            "--data",
            leads,
            "--model",
            "x.json",
            "--rules",
            rules.to_str().unwrap(),
            "--heldout",
            "--json",
            "e.json",
            "--report",
            "r.html",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
    // 9240 labelled leads, 20% held out per class.
    assert_eq!(j["leads"], 1848);
    let s = j["scorers"].as_array().unwrap();
    assert_eq!(s.iter().map(|x| x["name"].as_str().unwrap()).collect::<Vec<_>>(), vec!["logistic", "gbm", "rules"]);
    assert_eq!(s[2]["kind"], "points");
    assert!(s[2]["brier"].is_null() && s[2]["calibration"].is_null());
    // The model ranks better than the hand-written rules, and DeLong says it is real.
    for c in j["comparisons"].as_array().unwrap().iter().filter(|c| c["b"] == "rules") {
        assert!(c["diff"].as_f64().unwrap() > 0.03, "{c}");
        assert!(c["p_value"].as_f64().unwrap() < 0.001, "{c}");
    }
    assert!(out.contains("gbm vs rules: gbm ranks leads better than rules"), "{out}");
}

#[test]
fn model_and_rules_side_by_side_on_the_sample() {
    let dir = trained();
    let d = dir.path();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules/sample.toml");
    let o = run(
        d,
        &[
            "evaluate",
            "--data",
            "data/history.csv",
            "--model",
            "m.json",
            "--rules",
            rules.to_str().unwrap(),
            "--activities",
            "data/activities.csv",
            "--as-of",
            "2026-06-30",
            "--json",
            "e.json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
    let s = &j["scorers"][2];
    assert_eq!((s["name"].as_str(), s["kind"].as_str()), (Some("rules"), Some("points")));
    assert!(s["log_loss"].is_null() && s["calibration"].is_null());
    // Points are already on the 0–100 scale: every lead falls in a band.
    assert_eq!(s["bands"].as_array().unwrap().iter().map(|b| b["leads"].as_u64().unwrap()).sum::<u64>(), 800);
    // Three scorers, three pairs; the model-vs-rules verdict is printed.
    assert_eq!(j["comparisons"].as_array().unwrap().len(), 3);
    assert!(out.contains("logistic vs rules: ") && out.contains("gbm vs rules: "), "{out}");
    // Without the activity log the rules file's engagement rules cannot be scored: a clear error.
    let o =
        run(d, &["evaluate", "--data", "data/history.csv", "--model", "m.json", "--rules", rules.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("pass --activities FILE"), "{:?}", text(&o));
}

#[test]
fn one_class_errors_list_the_values_found_as_written() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    // No lead has the positive value: the error lists what the column holds, as written.
    let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", "models/m.json", "--positive", "won"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("0 converted") && err.contains("the values found are \"0\", \"1\""), "{err}");
    // Values are quoted as written, not lower-cased (ids such as L0003001 stay recognisable).
    let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", "models/m.json", "--target", "lead_id"]);
    assert!(text(&o).1.contains("\"L0000001\""), "{:?}", text(&o));
}

#[test]
fn heldout_on_the_training_file_reproduces_the_bundles_recorded_auc_exactly() {
    // train records each model's hold-out AUC; evaluate --heldout rebuilds the split through
    // the same function and must land on the very same leads, hence the very same AUC (to
    // the bit), for a stratified and a time-ordered hold-out alike.
    let dir = sample_dir();
    let d = dir.path();
    for (out, extra) in [("s.json", vec![]), ("t.json", vec!["--date-column", "created_date"])] {
        let mut args = vec!["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id"];
        args.extend(["--model", "both", "--out", out]);
        args.extend(extra);
        let o = run(d, &args);
        assert!(o.status.success(), "{:?}", text(&o));
        let o = run(d, &["evaluate", "--data", "data/history.csv", "--model", out, "--heldout", "--json", "e.json"]);
        assert!(o.status.success(), "{:?}", text(&o));
        let bundle: Value = serde_json::from_str(&std::fs::read_to_string(d.join(out)).unwrap()).unwrap();
        let eval: Value = serde_json::from_str(&std::fs::read_to_string(d.join("e.json")).unwrap()).unwrap();
        let models = bundle["models"].as_array().unwrap();
        assert_eq!(models.len(), 2);
        for m in models {
            let kind = m["model"]["kind"].as_str().unwrap();
            let recorded = m["evaluation"]["auc"].as_f64().unwrap();
            let scorer = eval["scorers"].as_array().unwrap().iter().find(|s| s["name"] == kind).unwrap();
            assert_eq!(scorer["auc"].as_f64().unwrap().to_bits(), recorded.to_bits(), "{out} {kind}");
            assert_eq!(eval["leads"].as_u64(), m["evaluation"]["rows"].as_u64(), "{out} {kind}");
        }
    }
}

#[test]
fn value_column_gives_money_calibration_that_matches_the_scores_by_hand() {
    let dir = sample_dir();
    train_sample(dir.path());
    // A value per lead: 10 x (row number); blank on every 7th row.
    let text_in = fs::read_to_string(dir.path().join("data/history.csv")).unwrap();
    let mut lines = text_in.lines();
    let mut body = format!("{},deal_value\n", lines.next().unwrap());
    for (i, l) in lines.enumerate() {
        let v = if (i + 1) % 7 == 0 { String::new() } else { (10 * (i + 1)).to_string() };
        body.push_str(&format!("{l},{v}\n"));
    }
    fs::write(dir.path().join("deals.csv"), &body).unwrap();
    let o = run(
        dir.path(),
        &["evaluate", "--model", "models/m.json", "--data", "deals.csv", "--value-column", "deal_value"],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    // By hand: every lead's probability from `score`, summed with its value.
    let o = run(
        dir.path(),
        &[
            "score",
            "--model",
            "models/m.json",
            "--data",
            "deals.csv",
            "--out",
            "s.csv",
            "--keep-columns",
            "converted,deal_value",
            "--precision",
            "17",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let (header, rows) = read_csv(&dir.path().join("s.csv"));
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (mut predicted, mut realised, mut without) = (0.0, 0.0, 0);
    for r in &rows {
        if r[col("converted")].is_empty() {
            continue;
        }
        let Ok(v) = r[col("deal_value")].parse::<f64>() else {
            without += 1;
            continue;
        };
        predicted += r[col("probability")].parse::<f64>().unwrap() * v;
        if r[col("converted")] == "1" {
            realised += v;
        }
    }
    let amount = |x: f64| leadscore::present::money::amount(x);
    let total = out.lines().find(|l| l.trim_start().starts_with("all ")).unwrap_or_else(|| panic!("{out}"));
    let fields: Vec<&str> = total.split_whitespace().collect();
    assert_eq!(fields[3], amount(predicted), "{total}");
    assert_eq!(fields[4], amount(realised), "{total}");
    assert!(out.contains(&format!("{without} deals have no value (blank \"deal_value\"): left out")), "{out}");
    assert!(out.contains("money calibration of "), "{out}");
}
