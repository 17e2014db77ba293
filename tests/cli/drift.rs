//! `leadscore drift`: PSI per column and for the score with a noise threshold that accounts
//! for sample size, new values, exit 1 on drift; from data or from a ledger.

use std::fs;
use std::path::Path;

use crate::common::{read_csv, run, sample_dir, text, train_sample};

fn drift_json(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut a = vec!["drift", "--json"];
    a.extend_from_slice(args);
    let o = run(dir, &a);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{:?}", text(&o));
    (o.status.code(), serde_json::from_slice(&o.stdout).unwrap())
}

/// A second history from the same generator (another seed): leads drawn like the training ones.
fn same_kind_of_leads(dir: &Path, rows: &str) {
    let o = run(
        dir,
        &[
            "generate",
            "--out-dir",
            "fresh",
            "--history-rows",
            rows,
            "--open-rows",
            "10",
            "--no-activities",
            "--seed",
            "99",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn leads_like_the_training_leads_are_stable_at_100_and_at_3000() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    for rows in ["100", "3000"] {
        same_kind_of_leads(d, rows);
        let (code, r) = drift_json(d, &["--model", "models/m.json", "--data", "fresh/history.csv"]);
        let flagged: Vec<&str> = r["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["verdict"] != "stable")
            .map(|c| c["column"].as_str().unwrap())
            .collect();
        assert_eq!(code, Some(0), "{rows} leads: {flagged:?}");
        assert!(flagged.is_empty(), "{rows} leads like the training ones flagged {flagged:?}");
        assert_eq!(r["leads"], rows.parse::<u64>().unwrap());
        // A fixed "PSI > 0.1" band would have fired at 100 leads on some column.
        if rows == "100" {
            let over: usize =
                r["columns"].as_array().unwrap().iter().filter(|c| c["psi"].as_f64().unwrap() > 0.1).count();
            assert!(over > 0, "no column passed 0.1 at 100 leads: the test shows nothing");
        }
    }
}

#[test]
fn a_shifted_column_and_new_values_are_drift_and_exit_1() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    same_kind_of_leads(d, "3000");
    let (header, rows) = read_csv(&d.join("fresh/history.csv"));
    let country = header.iter().position(|h| h == "country").unwrap();
    let mut out = vec![header.join(",")];
    for (i, r) in rows.iter().enumerate() {
        let mut r = r.clone();
        if i % 3 == 0 {
            r[country] = "Atlantis".into();
        }
        out.push(
            r.iter()
                .map(|c| if c.contains(',') { format!("\"{c}\"") } else { c.clone() })
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    fs::write(d.join("shifted.csv"), out.join("\n") + "\n").unwrap();
    let (code, r) = drift_json(d, &["--model", "models/m.json", "--data", "shifted.csv"]);
    assert_eq!(code, Some(1));
    assert_eq!(r["verdict"], "drift");
    let c = r["columns"].as_array().unwrap().iter().find(|c| c["column"] == "country").unwrap();
    assert_eq!(c["verdict"], "drift", "{c}");
    assert_eq!(c["new_value_leads"], 1000);
    assert_eq!(c["new_values"][0], serde_json::json!(["Atlantis", 1000]));
    assert_eq!(r["columns"][0]["column"], "country", "the worst column comes first");
    // The text names it too.
    let o = run(d, &["drift", "--model", "models/m.json", "--data", "shifted.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).0.contains("1000 leads with new values: Atlantis (1000)"), "{}", text(&o).0);
    // The HTML page names the verdict and the column, with its bins.
    let o = run(d, &["drift", "--model", "models/m.json", "--data", "shifted.csv", "--report", "drift.html"]);
    assert_eq!(o.status.code(), Some(1));
    let page = fs::read_to_string(d.join("drift.html")).unwrap();
    assert!(
        page.contains("<h1>Drift: drift</h1>") && page.contains("<td>country</td>") && page.contains("Atlantis (1000)")
    );
    assert!(page.contains("(other values)") && page.contains("(missing)"), "bins are listed");
}

#[test]
fn an_old_bundle_checks_the_score_only_and_says_why() {
    let dir = sample_dir();
    let d = dir.path();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let old = root.join("tests/fixtures/score/bundle_format_1.0_logistic.json");
    let (_, r) = drift_json(d, &["--model", old.to_str().unwrap(), "--data", "data/open_leads.csv"]);
    assert!(r["columns"].as_array().unwrap().is_empty());
    assert!(!r["unprofiled"].as_array().unwrap().is_empty());
    let o = run(d, &["drift", "--model", old.to_str().unwrap(), "--data", "data/open_leads.csv"]);
    assert!(text(&o).0.contains("bundle saved before format 1.2): retrain for per-column drift"), "{:?}", text(&o));
}

#[test]
fn a_ledger_checks_each_recent_run_s_score() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    for (as_of, data) in [("2026-06-30", "data/open_leads.csv"), ("2026-07-01", "data/history.csv")] {
        let o = run(
            d,
            &[
                "score",
                "--model",
                "models/m.json",
                "--data",
                data,
                "--out",
                "o.csv",
                "--ledger",
                "l.db",
                "--as-of",
                as_of,
                "--reasons",
                "0",
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let (_, r) = drift_json(d, &["--ledger", "l.db"]);
    let runs = r["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{r}");
    assert_eq!(runs[0][1], "2026-06-30");
    assert_eq!(runs[1][2]["leads"], 800);
    let (_, r) = drift_json(d, &["--ledger", "l.db", "--runs", "1"]);
    assert_eq!(r["runs"].as_array().unwrap().len(), 1);
}
