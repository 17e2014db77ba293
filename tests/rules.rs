//! `leadscore rules check / explain` and `score --rules`: the real binary on the hand-made
//! fixtures in `tests/fixtures/rules/` (every number below is computed by hand from them),
//! bad rules files with their exact messages, and property tests of the engine.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use common::{read_csv, run, sample_dir, shared_dataset, text, train_sample};
use leadscore::data::typing::LeadFrame;
use leadscore::rules::{ActivityTable, RuleSet, RulesScorer};
use polars::prelude::*;
use proptest::prelude::*;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules").join(name).display().to_string()
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules").join(name).display().to_string()
}

/// Writes `body` as a rules file in `dir` and runs `rules check` on it.
fn check_text(dir: &Path, body: &str) -> (i32, String, String) {
    let p = dir.join("r.toml");
    std::fs::write(&p, body).unwrap();
    let o = run(dir, &["rules", "check", "r.toml"]);
    let (out, err) = text(&o);
    (o.status.code().unwrap_or(-1), out, err)
}

#[test]
fn check_accepts_the_fixture_and_summarises_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["rules", "check", &fixture("rules.toml"), "--data", &fixture("leads.csv")]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.ends_with(
        "rules.toml: ok: 4 fit and 6 engagement rules (4 from the activity log), 1 disqualify, 1 segment(s), 2 persona(s), 3 stage(s), 4 action(s)\n"
    ));
    // A value the rules look for that the data never has is a warning, not a failure.
    assert!(err.contains("line 15: \"c-level\" never occurs in column \"seniority\""), "{err}");
}

#[test]
fn bad_rules_files_give_their_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, err) = check_text(d, "[[fit]]\nwhen = { field = \"a\", equal = \"x\" }\npoints = 5\n");
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: r.toml:2:23: unknown field `equal`, expected one of `field`, `equals`, `one_of`, `between`, `min`, `max`, `matches`, `missing`\n"
    );
    let (code, _, err) = check_text(
        d,
        "[score]\nmql = 90\nsql = 80\n\n[[fit]]\nwhen = { field = \"a\", matches = \"(\" }\npoints = 5\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: r.toml: 2 problem(s):\n  line 1: [score]: mql (90) is above sql (80); a sales-qualified lead must also be marketing-qualified\n  line 5: fit rule 1: condition on \"a\": bad regex \"(\": unclosed group\n"
    );
    let (code, _, err) = check_text(d, "[[fit]]\npoints = \"ten\"\nwhen = { field = \"a\", missing = true }\n");
    assert_eq!(code, 1);
    assert_eq!(err, "error: r.toml:2:10: invalid type: string \"ten\", expected f64\n");
    let (code, _, err) = check_text(
        d,
        "[[engagement]]\nname = \"web\"\nwhen = { field = \"a\", min = 1 }\npoints = 5\nhalf_life_days = 30\n\n[[stage]]\nname = \"x\"\nafter = [\"webinar\"]\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: r.toml: 2 problem(s):\n  line 1: engagement rule 1 \"web\": half_life_days and expire_after_days need dated events: use `activity`\n  line 7: stage 1 \"x\": after names rule \"webinar\", which no [[fit]] or [[engagement]] rule is called (names: \"web\")\n"
    );
}

#[test]
fn hostile_rules_files_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Regex whose compiled program would be huge.
    let (code, _, err) =
        check_text(d, "[[fit]]\nwhen = { field = \"a\", matches = \"(\\\\w{100}){100}\" }\npoints = 1\n");
    assert_eq!(code, 1);
    assert!(err.contains("line 1: fit rule 1: condition on \"a\": bad regex"), "{err}");
    // Too many rules.
    let (code, _, err) = check_text(d, &"[[fit]]\nwhen = { field = \"a\", missing = true }\npoints = 1\n".repeat(2001));
    assert_eq!(code, 1);
    assert!(err.contains("line 1: file: 2001 rules and tables; the limit is 2000"), "{err}");
    // A huge file is refused before parsing.
    let (code, _, err) = check_text(d, &"#".repeat(2 << 20));
    assert_eq!(code, 1);
    assert_eq!(err, "error: r.toml: the rules file is 2097152 bytes; the limit is 1048576 (a rules file is a page or two of TOML)\n");
    // Deeply nested TOML is a parse error, not a stack overflow.
    let (code, _, _) = check_text(d, &format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000)));
    assert_eq!(code, 1);
}

#[test]
fn check_with_data_reports_columns_the_data_lacks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.toml"),
        "[score]\nid = \"lead_id\"\n\n[[fit]]\nwhen = { field = \"job_title\", matches = \"(?i)vp\" }\npoints = 5\n",
    )
    .unwrap();
    let o = run(dir.path(), &["rules", "check", "r.toml", "--data", &fixture("leads.csv")]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.starts_with("error: r.toml: 1 problem(s) with "), "{err}");
    assert!(err.contains("  line 4: column \"job_title\": not in "), "{err}");
    let o = run(dir.path(), &["rules", "check", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2), "an unreadable file is an error, not a finding");
}

#[test]
fn explain_itemises_one_lead() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "rules",
            "explain",
            "--rules",
            &fixture("rules.toml"),
            "--data",
            &fixture("leads.csv"),
            "--activities",
            &fixture("activities.csv"),
            "--as-of",
            "2026-06-30",
            "--id",
            "A1",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out,
        "as of 2026-06-30\nlead A1 (segment default)\nfit:\n    +40.0  senior [vp] (line 15)\n  fit score 40.0\nengagement:\n    +14.8  webinar_attended [2 events, +20.0 before decay x0.741] (line 36)\n     +4.0  web_visit [1 event] (line 45)\n     +9.0  visits [3] (line 62)\n  engagement score 27.8\ntotal = 0.50 x fit 40.0 + 0.50 x engagement 27.8 = 33.9 (mql 30, sql 60)\ngrade C3, status mql, stage consideration\npersona: Buyer (100% of its conditions)\nproducts: crm 14.8\naction: newsletter\n"
    );
    let o = run(
        dir.path(),
        &[
            "rules",
            "explain",
            "--rules",
            &fixture("rules.toml"),
            "--data",
            &fixture("leads.csv"),
            "--activities",
            &fixture("activities.csv"),
            "--as-of",
            "2026-06-30",
            "--id",
            "C3",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["breakdown"]["disqualified"], "placeholder name");
    assert_eq!(v["breakdown"]["total"], 0.0);
    assert_eq!(v["breakdown"]["fit_score"], 20.0);
    let o = run(
        dir.path(),
        &["rules", "explain", "--rules", &fixture("rules.toml"), "--data", &fixture("leads.csv"), "--id", "A1"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("rules.toml: line 36 scores events of the activity log; pass --activities FILE"),
        "{:?}",
        text(&o)
    );
}

#[test]
fn score_with_rules_alone_writes_the_rule_columns() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "score",
            "--rules",
            &fixture("rules.toml"),
            "--activities",
            &fixture("activities.csv"),
            "--as-of",
            "2026-06-30",
            "--data",
            &fixture("leads.csv"),
            "--out",
            "out.csv",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let (header, rows) = read_csv(&dir.path().join("out.csv"));
    assert_eq!(
        header.join(","),
        "lead_id,rule_score,fit_score,engagement_score,rule_grade,rule_status,stage,action,persona,disqualified,top_product,rule_reasons"
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let scores: Vec<&str> = rows.iter().map(|r| r[col("rule_score")].as_str()).collect();
    // A1: (40 + 14.8277 + 4 + 9) / 2; B2: 0.2 × 15; C3: disqualified; D4: (9.7716 + 30) / 2.
    assert_eq!(scores, vec!["33.91", "3.0", "0.0", "19.89"]);
    assert_eq!(rows[1][col("rule_grade")], "D4");
    assert_eq!(rows[2][col("disqualified")], "true");
    assert_eq!(rows[3][col("top_product")], "analytics");
    assert_eq!(
        rows[1][col("rule_reasons")],
        "seniority = student (+15.0); unsubscribed (-25.0); quiet 90+ days (-10.0)"
    );
    assert_eq!(rows[3][col("rule_reasons")], "webinar_attended (+9.8, decay x0.98); visits (+30.0, capped)");
}

#[test]
fn score_with_model_and_rules_keeps_the_model_columns_unchanged() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let rules = example("sample.toml");
    let base = run(d, &["score", "--model", "models/m.json", "--data", "data/open_leads.csv", "--out", "a.csv"]);
    assert!(base.status.success(), "{:?}", text(&base));
    let both = run(
        d,
        &[
            "score",
            "--model",
            "models/m.json",
            "--rules",
            &rules,
            "--activities",
            "data/activities.csv",
            "--as-of",
            "2026-06-30",
            "--data",
            "data/open_leads.csv",
            "--out",
            "b.csv",
        ],
    );
    assert!(both.status.success(), "{:?}", text(&both));
    let (ha, ra) = read_csv(&d.join("a.csv"));
    let (hb, rb) = read_csv(&d.join("b.csv"));
    assert_eq!(hb[..ha.len()], ha[..]);
    assert_eq!(hb[ha.len()..].join(","), "rule_score,fit_score,engagement_score,rule_grade,rule_status,stage,action,persona,disqualified,top_product,rule_reasons");
    for (a, b) in ra.iter().zip(&rb) {
        assert_eq!(a[..], b[..ha.len()]);
        let s: f64 = b[ha.len()].parse().unwrap();
        assert!((0.0..=100.0).contains(&s));
    }
    // The example passes `rules check --data` on the generated sample.
    let o = run(d, &["rules", "check", &rules, "--data", "data/open_leads.csv"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

#[test]
fn score_needs_a_model_or_rules() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["score", "--data", &fixture("leads.csv"), "--out", "x.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--model <MODEL>"), "{:?}", text(&o));
}

#[test]
fn xeducation_example_checks_against_the_real_file() {
    let Some(leads) = shared_dataset("xeducation-leads/Leads.csv") else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["rules", "check", &example("xeducation.toml"), "--data", &leads.display().to_string()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("ok: 12 fit and 12 engagement rules"), "{out}");
    assert!(!err.contains("warning"), "every value the rules look for occurs in the data: {err}");
}

// ---- Property tests -----------------------------------------------------------------

const VALUES: [&str; 4] = ["a", "b", "c", ""];

fn frame(values: &[(usize, usize)]) -> DataFrame {
    let x: Vec<&str> = values.iter().map(|v| VALUES[v.0]).collect();
    let y: Vec<&str> = values.iter().map(|v| VALUES[v.1]).collect();
    DataFrame::new_infer_height(vec![Column::new("x".into(), x), Column::new("y".into(), y)]).unwrap()
}

fn rules_text(rules: &[(usize, usize, i32)]) -> String {
    let mut s = String::new();
    for (i, (field, value, points)) in rules.iter().enumerate() {
        let kind = if i % 2 == 0 { "fit" } else { "engagement" };
        let f = if *field == 0 { "x" } else { "y" };
        let cond = if VALUES[*value].is_empty() {
            "missing = true".to_string()
        } else {
            format!("equals = \"{}\"", VALUES[*value])
        };
        s.push_str(&format!("[[{kind}]]\nwhen = {{ field = \"{f}\", {cond} }}\npoints = {points}\n\n"));
    }
    s
}

fn totals(rules: &str, df: &DataFrame) -> Vec<(f64, f64, f64)> {
    let set = RuleSet::parse(rules, Path::new("p.toml")).unwrap();
    let s = RulesScorer { rules: &set, activities: None };
    let b = s.evaluate(&LeadFrame { df, path: Path::new("p.csv"), first_row: 1 }).unwrap();
    b.iter().map(|b| (b.total, b.fit_score, b.engagement_score)).collect()
}

fn log_file(dir: &Path, name: &str, timestamp: &str) -> PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    writeln!(f, "lead_id,activity,timestamp\nL,webinar,{timestamp}").unwrap();
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scores_stay_in_bounds(
        rules in prop::collection::vec((0usize..2, 0usize..4, -100i32..=100), 1..12),
        leads in prop::collection::vec((0usize..4, 0usize..4), 1..20),
    ) {
        for (t, f, e) in totals(&rules_text(&rules), &frame(&leads)) {
            prop_assert!((0.0..=100.0).contains(&t) && (0.0..=100.0).contains(&f) && (0.0..=100.0).contains(&e));
        }
    }

    #[test]
    fn a_negative_rule_never_raises_a_score(
        rules in prop::collection::vec((0usize..2, 0usize..4, -100i32..=100), 0..10),
        extra in (0usize..2, 0usize..4, -100i32..=0),
        leads in prop::collection::vec((0usize..4, 0usize..4), 1..20),
    ) {
        let df = frame(&leads);
        let before = totals(&rules_text(&rules), &df);
        let mut more = rules.clone();
        more.push(extra);
        let after = totals(&rules_text(&more), &df);
        for (b, a) in before.iter().zip(&after) {
            prop_assert!(a.0 <= b.0 + 1e-12 && a.1 <= b.1 + 1e-12 && a.2 <= b.2 + 1e-12, "{b:?} -> {a:?}");
        }
    }

    #[test]
    fn more_recent_activity_never_scores_lower(
        points in 1i32..=100,
        half_life in 1u32..200,
        expire in prop::option::of(1u32..400),
        each in any::<bool>(),
        newer in 0u32..500_000,
        gap in 0u32..500_000,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut rules = format!(
            "[score]\nid = \"lead_id\"\n[[engagement]]\nactivity = \"webinar\"\npoints = {points}\nhalf_life_days = {half_life}\nper = \"{}\"\n",
            if each { "each" } else { "once" }
        );
        if let Some(e) = expire {
            rules.push_str(&format!("expire_after_days = {e}\n"));
        }
        let set = RuleSet::parse(&rules, Path::new("p.toml")).unwrap();
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let end = as_of.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap();
        let at = |minutes_ago: u32| (end - chrono::Duration::minutes(minutes_ago as i64 + 1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let df = DataFrame::new_infer_height(vec![Column::new("lead_id".into(), ["L"])]).unwrap();
        let mut scores = Vec::new();
        for (name, minutes_ago) in [("recent.csv", newer), ("older.csv", newer + gap)] {
            let t = ActivityTable::load(&log_file(dir.path(), name, &at(minutes_ago)), &set, as_of).unwrap();
            let s = RulesScorer { rules: &set, activities: Some(&t) };
            scores.push(s.evaluate(&LeadFrame { df: &df, path: Path::new("p.csv"), first_row: 1 }).unwrap()[0].engagement_score);
        }
        prop_assert!(scores[0] >= scores[1], "recent {} < older {}", scores[0], scores[1]);
    }
}
