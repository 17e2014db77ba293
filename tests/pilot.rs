//! `leadscore pilot`: statistics against scipy reference values, assignment determinism,
//! stability and balance through the real binary, and the analysis of constructed pilots
//! with known answers.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{read_csv, run, sample_dir, text};
use leadscore::pilot::stats::{sample_size_per_arm, two_proportion_test, wilson};
use serde_json::Value;

fn reference() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evaluate/reference.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn wilson_matches_scipy_binomtest() {
    for c in reference()["wilson"].as_array().unwrap() {
        let (k, n) = (c["k"].as_u64().unwrap() as usize, c["n"].as_u64().unwrap() as usize);
        let r = wilson(k, n, 0.95).unwrap();
        assert!((r.lower - c["lower"].as_f64().unwrap()).abs() < 1e-9, "{c}: {r:?}");
        assert!((r.upper - c["upper"].as_f64().unwrap()).abs() < 1e-9, "{c}: {r:?}");
    }
}

#[test]
fn two_proportion_z_and_sample_size_match_scipy() {
    let r = reference();
    for c in r["two_proportion"].as_array().unwrap() {
        let g = |k: &str| c[k].as_u64().unwrap() as usize;
        let t = two_proportion_test(g("kt"), g("nt"), g("kc"), g("nc"), 0.95).unwrap();
        assert!((t.z - c["z"].as_f64().unwrap()).abs() < 1e-9, "{c}: {t:?}");
        assert!((t.p_value - c["p_value"].as_f64().unwrap()).abs() < 1e-9, "{c}: {t:?}");
    }
    for c in r["sample_size"].as_array().unwrap() {
        let n = sample_size_per_arm(c["p1"].as_f64().unwrap(), c["p2"].as_f64().unwrap(), 0.05, 0.8).unwrap();
        assert_eq!(n, c["n"].as_u64().unwrap(), "{c}");
    }
}

fn arms_of(path: &Path) -> HashMap<String, String> {
    let (h, rows) = read_csv(path);
    assert_eq!(&h[..2], &["lead_id".to_string(), "arm".to_string()]);
    rows.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect()
}

#[test]
fn assignment_is_deterministic_stable_and_balanced() {
    let dir = sample_dir();
    let d = dir.path();
    let assign = |data: &str, out: &str, seed: &str| {
        let o = run(d, &["pilot", "assign", "--data", data, "--out", out, "--seed", seed, "--stratify", "segment"]);
        assert!(o.status.success(), "{:?}", text(&o));
        text(&o).0
    };
    let out = assign("data/history.csv", "a.csv", "7");
    assert!(out.contains("assigned 800 leads") && out.contains("B2B") && out.contains("B2C"), "{out}");
    assign("data/history.csv", "b.csv", "7");
    assert_eq!(std::fs::read(d.join("a.csv")).unwrap(), std::fs::read(d.join("b.csv")).unwrap(), "deterministic");
    let a = arms_of(&d.join("a.csv"));
    assert_eq!(a.len(), 800);
    // Balance: 800 leads at share 0.5 -> within 4 standard errors (4 * sqrt(800 * 0.25) = 57).
    let t = a.values().filter(|v| *v == "treatment").count();
    assert!((t as i64 - 400).abs() < 57, "{t}");
    // Stable: reversed rows, and a file holding only some of the leads, give the same arms.
    let body = std::fs::read_to_string(d.join("data/history.csv")).unwrap();
    let mut lines: Vec<&str> = body.lines().collect();
    let header = lines.remove(0);
    let reversed = format!("{header}\n{}\n", lines.iter().rev().copied().collect::<Vec<_>>().join("\n"));
    std::fs::write(d.join("rev.csv"), reversed).unwrap();
    let some = format!("{header}\n{}\n", lines.iter().skip(100).step_by(7).copied().collect::<Vec<_>>().join("\n"));
    std::fs::write(d.join("some.csv"), some).unwrap();
    assign("rev.csv", "r.csv", "7");
    assign("some.csv", "s.csv", "7");
    assert_eq!(arms_of(&d.join("r.csv")), a);
    let s = arms_of(&d.join("s.csv"));
    assert!(s.len() > 90);
    assert!(s.iter().all(|(id, arm)| &a[id] == arm));
    // Another seed, another draw.
    assign("data/history.csv", "c.csv", "8");
    let c = arms_of(&d.join("c.csv"));
    assert!(c.iter().filter(|(id, arm)| &a[*id] != *arm).count() > 200);
    // The stratum column is written beside the arm.
    let (h, _) = read_csv(&d.join("a.csv"));
    assert_eq!(h, vec!["lead_id", "arm", "segment"]);
}

/// A pilot file: per arm, `n` leads of which `k` converted after `days` days.
fn pilot_csv(arms: &[(&str, usize, usize, i64)]) -> String {
    let mut s = String::from("lead_id,arm,converted,created_date,converted_date\n");
    let mut id = 0;
    for &(arm, n, k, days) in arms {
        for i in 0..n {
            id += 1;
            let created = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new((i % 20) as u64);
            if i < k {
                let conv = created + chrono::Days::new(days as u64 + (i % 3) as u64);
                s.push_str(&format!("P{id},{arm},1,{created},{conv}\n"));
            } else {
                s.push_str(&format!("P{id},{arm},0,{created},\n"));
            }
        }
    }
    s
}

#[test]
fn analyze_reports_rates_test_and_cycle_for_a_known_pilot() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut body = pilot_csv(&[("treatment", 200, 60, 10), ("control", 200, 40, 20)]);
    body.push_str("P999,control,,2026-01-05,\n"); // still open
    std::fs::write(d.join("p.csv"), body).unwrap();
    let o = run(d, &["pilot", "analyze", "--data", "p.csv", "--json", "a.json"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("1 leads still open left out"), "{out}");
    assert!(out.contains("p = 0.0209") && out.contains("the difference is real"), "{out}");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("a.json")).unwrap()).unwrap();
    assert_eq!(j["treatment"]["conversion"]["rate"], 0.3);
    assert_eq!(j["control"]["conversion"]["leads"], 200);
    assert!((j["test"]["z"].as_f64().unwrap() - 2.309_401_076_758_503).abs() < 1e-9);
    assert_eq!(j["conclusive"], true);
    assert!(j["needed"].is_null());
    // Cycle days: treatment converts after 10, 11 or 12 days (i % 3), median 11.
    assert_eq!(j["treatment"]["cycle_days"]["median"], 11.0);
    assert_eq!(j["control"]["cycle_days"]["median"], 21.0);
    assert_eq!(j["treatment"]["cycle_days"]["n"], 60);
}

#[test]
fn inconclusive_pilot_says_how_many_leads_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), pilot_csv(&[("treatment", 100, 15, 5), ("control", 100, 10, 5)])).unwrap();
    let o = run(d, &["pilot", "analyze", "--data", "p.csv", "--json", "a.json"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("not conclusive yet") && out.contains("each arm needs 686 leads (586 more)"), "{out}");
    let o = run(d, &["pilot", "analyze", "--data", "p.csv", "--lift", "0.2"]);
    // 0.10 vs 0.12 at alpha 0.05, power 0.8: 3841 per arm (Fleiss, no continuity correction).
    assert!(text(&o).0.contains("each arm needs 3841 leads"), "{:?}", text(&o));
}

#[test]
fn analyze_joins_an_assignment_file_and_rejects_unknown_arms() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ids: Vec<String> = (1..=40).map(|i| format!("A{i}")).collect();
    std::fs::write(d.join("open.csv"), format!("lead_id\n{}\n", ids.join("\n"))).unwrap();
    let o = run(d, &["pilot", "assign", "--data", "open.csv", "--out", "assign.csv", "--seed", "1"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let arms = arms_of(&d.join("assign.csv"));
    // Outcomes in another order than the assignment: the join is by id.
    let mut outcomes = String::from("lead_id,converted,created_date,converted_date\n");
    for (i, id) in ids.iter().enumerate().rev() {
        let conv = i % 2 == 0;
        outcomes.push_str(&format!("{id},{},2026-02-01,{}\n", u8::from(conv), if conv { "2026-02-11" } else { "" }));
    }
    std::fs::write(d.join("out.csv"), outcomes).unwrap();
    let o = run(d, &["pilot", "analyze", "--data", "out.csv", "--assignment", "assign.csv", "--json", "a.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("a.json")).unwrap()).unwrap();
    let nt = arms.values().filter(|a| *a == "treatment").count() as u64;
    let kt = ids.iter().enumerate().filter(|(i, id)| i % 2 == 0 && arms[*id] == "treatment").count() as u64;
    assert_eq!(j["treatment"]["conversion"]["leads"].as_u64().unwrap(), nt);
    assert_eq!(j["treatment"]["conversion"]["conversions"].as_u64().unwrap(), kt);
    assert_eq!(j["control"]["conversion"]["leads"].as_u64().unwrap(), 40 - nt);
    assert_eq!(j["treatment"]["cycle_days"]["median"], 10.0);
    std::fs::write(
        d.join("bad.csv"),
        "lead_id,arm,converted,created_date,converted_date\nX,maybe,1,2026-01-01,2026-01-02\n",
    )
    .unwrap();
    let o = run(d, &["pilot", "analyze", "--data", "bad.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("column \"arm\", row 1: \"maybe\" is not an arm"), "{:?}", text(&o));
}
