//! `leadscore pilot`: statistics against scipy reference values, assignment determinism,
//! stability and balance through the real binary, and the analysis of constructed pilots
//! with known answers.

use std::collections::HashMap;
use std::path::Path;

use crate::common::{read_csv, run, sample_dir, text};
use leadscore::pilot::stats::{sample_size_per_arm, two_proportion_test, wilson};
use serde_json::Value;

fn reference() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evaluate/reference.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn wilson_matches_scipy_binomtest() {
    let cases = reference()["wilson"].as_array().unwrap().clone();
    assert!(!cases.is_empty(), "the fixture has no cases");
    for c in &cases {
        let (k, n) = (c["k"].as_u64().unwrap() as usize, c["n"].as_u64().unwrap() as usize);
        let r = wilson(k, n, 0.95).unwrap();
        assert!((r.lower - c["lower"].as_f64().unwrap()).abs() < 1e-9, "{c}: {r:?}");
        assert!((r.upper - c["upper"].as_f64().unwrap()).abs() < 1e-9, "{c}: {r:?}");
    }
}

#[test]
fn two_proportion_z_and_sample_size_match_scipy() {
    let r = reference();
    assert!(!r["two_proportion"].as_array().unwrap().is_empty(), "the fixture has no cases");
    for c in r["two_proportion"].as_array().unwrap() {
        let g = |k: &str| c[k].as_u64().unwrap() as usize;
        let t = two_proportion_test(g("kt"), g("nt"), g("kc"), g("nc"), 0.95).unwrap();
        assert!((t.z - c["z"].as_f64().unwrap()).abs() < 1e-9, "{c}: {t:?}");
        assert!((t.p_value - c["p_value"].as_f64().unwrap()).abs() < 1e-9, "{c}: {t:?}");
    }
    assert!(!r["sample_size"].as_array().unwrap().is_empty(), "the fixture has no cases");
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

#[test]
fn conversion_before_creation_is_an_error_naming_file_column_and_row() {
    // Regression: a converted_date before created_date printed "median days to convert -2244.0".
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut body = pilot_csv(&[("treatment", 30, 10, 5), ("control", 30, 10, 5)]);
    body.push_str("P999,control,1,2026-03-01,2020-01-15\n"); // data row 61
    std::fs::write(d.join("p.csv"), body).unwrap();
    let o = run(d, &["pilot", "analyze", "--data", "p.csv"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(err.contains("p.csv: column \"converted_date\", row 61: \"2020-01-15\""), "{err}");
    assert!(err.contains("created on 2026-03-01"), "{err}");
    assert!(!out.contains("median"), "{out}");
}

#[test]
fn a_lead_counted_twice_is_an_error_naming_the_id_and_rows() {
    // Regression: the same lead id in both arms was counted once in each.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut body = pilot_csv(&[("treatment", 20, 5, 5), ("control", 20, 5, 5)]);
    body.push_str("P3,control,0,2026-01-03,\n"); // P3 is row 3, in treatment
    std::fs::write(d.join("p.csv"), body).unwrap();
    let o = run(d, &["pilot", "analyze", "--data", "p.csv"]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("lead \"P3\" appears in rows 3 and 41") && err.contains("in both arms"), "{err}");
}

#[test]
fn an_assignment_giving_one_lead_both_arms_is_an_error() {
    // Regression: the last of two conflicting rows silently won.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("assign.csv"), "lead_id,arm\nA1,treatment\nA2,control\nA1,control\nA3,treatment\n").unwrap();
    let outcomes = "lead_id,converted,created_date,converted_date\nA1,1,2026-01-01,2026-01-05\nA2,0,2026-01-01,\nA3,0,2026-01-01,\n";
    std::fs::write(d.join("out.csv"), outcomes).unwrap();
    let o = run(d, &["pilot", "analyze", "--data", "out.csv", "--assignment", "assign.csv"]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("assign.csv: lead \"A1\" is assigned to treatment in row 1 and to control in row 3"), "{err}");
}

#[test]
fn an_assignment_with_an_empty_arm_is_refused_and_writes_nothing() {
    // Regression: --treatment-share 0.0001 exited 0 with "0 treatment".
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ids: Vec<String> = (1..=50).map(|i| format!("A{i}")).collect();
    std::fs::write(d.join("open.csv"), format!("lead_id\n{}\n", ids.join("\n"))).unwrap();
    let o = run(
        d,
        &["pilot", "assign", "--data", "open.csv", "--out", "a.csv", "--seed", "1", "--treatment-share", "0.0001"],
    );
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("0 of 50 leads in treatment") && err.contains("the treatment arm is empty"), "{err}");
    assert!(!d.join("a.csv").exists());
}

#[test]
fn pilot_assign_refuses_duplicate_lead_ids_naming_the_id_and_rows() {
    // Regression: duplicate ids were assigned silently (the repeat shared the first's arm).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("open.csv"), "lead_id,team\nA1,x\nA2,y\n A1 ,z\nA3,x\nA2,x\nA4,y\n").unwrap();
    let o = run(d, &["pilot", "assign", "--data", "open.csv", "--out", "a.csv", "--seed", "1"]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("open.csv: lead \"A1\" appears in rows 1 and 3 of column \"lead_id\" (and 1 more id appears more than once)"), "{err}");
    assert!(err.contains("remove the duplicate rows. No assignment was written"), "{err}");
    assert!(!d.join("a.csv").exists());
}

#[test]
fn pilot_assign_with_one_id_on_every_row_blames_the_id_column_not_the_share() {
    // Regression: every row with the same id put all leads in one arm, and the error blamed
    // --treatment-share.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("open.csv"), format!("lead_id,source\n{}", "web,web\n".repeat(40))).unwrap();
    let o = run(d, &["pilot", "assign", "--data", "open.csv", "--out", "a.csv", "--id", "source", "--seed", "1"]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("lead \"web\" appears in rows 1 and 2 of column \"source\""), "{err}");
    assert!(
        err.contains("every one of the 40 rows has this id: check that --id source names the lead id column"),
        "{err}"
    );
    assert!(!err.contains("--treatment-share"), "{err}");
    assert!(!d.join("a.csv").exists());
}

#[test]
fn an_arm_column_contradicting_the_assignment_is_reported() {
    use leadscore::pilot::files::{read_outcomes, AnalyzeFiles};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("assign.csv"), "lead_id,arm\nA1,treatment\nA2,control\nA3,treatment\nA4,control\n").unwrap();
    // The data's own arm column disagrees for A2 (row 2) and A3 (row 3).
    let data = "lead_id,arm,converted,created_date,converted_date\nA1,treatment,1,2026-01-01,2026-01-03\nA2,treatment,0,2026-01-01,\nA3,control,1,2026-01-01,2026-01-02\nA4,control,0,2026-01-01,\n";
    std::fs::write(d.join("out.csv"), data).unwrap();
    let files = AnalyzeFiles {
        data: d.join("out.csv"),
        assignment: Some(d.join("assign.csv")),
        id: "lead_id".into(),
        arm: "arm".into(),
        target: "converted".into(),
        positive: vec![],
        created: "created_date".into(),
        converted_date: "converted_date".into(),
    };
    let o = read_outcomes(&files).unwrap();
    // The assignment wins: A1, A3 treatment; A2, A4 control.
    assert_eq!(o.treatment.converted, vec![true, true]);
    assert_eq!(o.control.converted, vec![false, false]);
    assert_eq!(o.warnings.len(), 1, "{:?}", o.warnings);
    let w = &o.warnings[0];
    assert!(w.contains("for 2 of 4 leads (first at row 2: treatment in the data, control in the assignment)"), "{w}");
    // `pilot analyze` prints it and carries it in its JSON.
    let o = run(d, &["pilot", "analyze", "--data", "out.csv", "--assignment", "assign.csv", "--json", "a.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let printed = "warning: out.csv: column \"arm\" disagrees with the assignment file assign.csv for 2 of 4 leads";
    assert!(text(&o).1.contains(printed) && !text(&o).0.contains("warning:"), "{:?}", text(&o));
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("a.json")).unwrap()).unwrap();
    assert!(j["warnings"][0].as_str().unwrap().contains("for 2 of 4 leads"), "{j}");
    // Agreeing data: no warning.
    std::fs::write(
        d.join("agree.csv"),
        data.replace("A2,treatment", "A2,control").replace("A3,control", "A3,treatment"),
    )
    .unwrap();
    let o = read_outcomes(&AnalyzeFiles { data: d.join("agree.csv"), ..files }).unwrap();
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
}
