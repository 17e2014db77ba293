//! `leadscore rules check / explain` and `score --rules`: the real binary on the hand-made
//! fixtures in `tests/fixtures/rules/` (every number below is computed by hand from them),
//! bad rules files with their exact messages, and property tests of the engine.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::common::{read_csv, run, sample_dir, shared_dataset, text, train_sample};
use chrono::NaiveDate;
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
fn check_data_reads_every_row_not_the_first_100000() {
    // Regression: `rules check --data` read the first 100,000 rows without saying so, so a
    // value occurring only later was reported as never occurring.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r.toml"), "[[fit]]\nwhen = { field = \"seniority\", equals = \"vp\" }\npoints = 10\n")
        .unwrap();
    let mut csv = String::from("lead_id,seniority\n");
    for i in 0..120_000 {
        csv.push_str(&format!("L{i},{}\n", if i == 119_999 { "VP" } else { "manager" }));
    }
    std::fs::write(d.join("leads.csv"), csv).unwrap();
    let o = run(d, &["rules", "check", "r.toml", "--data", "leads.csv"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("never occurs"), "{err}");
    assert!(out.contains("checked against all 120000 rows of leads.csv"), "{out}");
}

#[test]
fn check_accepts_the_fixture_and_summarises_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["rules", "check", &fixture("rules.toml"), "--data", &fixture("leads.csv")]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        out.contains(
            "rules.toml: ok: 4 fit and 6 engagement rules (4 from the activity log), 1 disqualify, 1 segment(s), 2 persona(s), 3 stage(s), 4 action(s)\n"
        ),
        "{out}"
    );
    assert!(out.contains("checked against all 4 rows of "), "{out}");
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
        "error: r.toml:2:23: unknown field `equal`, expected one of `field`, `equals`, `one_of`, `between`, `min`, `max`, `matches`, `missing`, `junk`\n"
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
    // The same limits hold inside `or`: a huge regex, and more conditions or regexes than
    // allowed (counted before any is compiled).
    let (code, _, err) = check_text(
        d,
        "[[fit]]\nwhen = { field = \"a\", missing = true }\nor = [\n  { field = \"b\", matches = \"(\\\\w{100}){100}\" },\n]\npoints = 1\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("line 4: fit rule 1: `or` alternative 1: condition on \"b\": bad regex"), "{err}");
    let many = "{ field = \"a\", matches = \"x\" }, ".repeat(300);
    let (code, _, err) = check_text(d, &format!("[[fit]]\nor = [{many}]\npoints = 1\n").repeat(40));
    assert_eq!(code, 1);
    assert!(err.contains("line 1: file: 12000 conditions; the limit is 10000"), "{err}");
    assert!(err.contains("line 1: file: 12000 regexes (`matches`); the limit is 200"), "{err}");
    // A huge file is refused before reading it: it is not read, so exit 2, like a missing one.
    let (code, _, err) = check_text(d, &"#".repeat(2 << 20));
    assert_eq!(code, 2);
    assert_eq!(err, "error: r.toml: the file is 2.0 MiB (2097152 bytes), but a rules file may be at most 1.0 MiB (1048576 bytes); a rules file is a page or two of TOML: check that this is the right file\n");
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
fn rules_check_exit_codes_follow_its_help_a_toml_type_error_is_a_problem_an_unreadable_file_is_2() {
    // Regression: a TOML type error exited 1 while the help said only "2 unreadable", so
    // which one a wrong type gives was a guess. The help now says it, and this pins both.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, &["rules", "check", "--help"]);
    let (help, _) = text(&o);
    assert!(help.contains("1 its content has problems (TOML syntax or types"), "{help}");
    assert!(help.contains("2 a file cannot be read (missing, not UTF-8, over 1 MiB"), "{help}");
    let (code, _, err) = check_text(d, "[[fit]]\nwhen = { field = \"a\", missing = true }\npoints = \"five\"\n");
    assert_eq!(code, 1, "a value of the wrong type is a problem in the file: {err}");
    assert!(err.contains("r.toml:3:"), "the message names the line: {err}");
    let (code, _, err) = check_text(d, "\u{feff}[[fit]\n");
    assert_eq!(code, 1, "{err}");
    std::fs::write(d.join("latin1.toml"), b"# caf\xe9\n").unwrap();
    let o = run(d, &["rules", "check", "latin1.toml"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("latin1.toml: cannot read the file: not UTF-8 text"), "{err}");
    std::fs::create_dir(d.join("dir.toml")).unwrap();
    assert_eq!(run(d, &["rules", "check", "dir.toml"]).status.code(), Some(2));
}

#[test]
fn explain_itemises_one_lead() {
    let dir = tempfile::tempdir().unwrap();
    let (rules, leads, log) = (fixture("rules.toml"), fixture("leads.csv"), fixture("activities.csv"));
    let explain = |id: &str, extra: &[&str]| {
        let args = ["rules", "explain", "--rules", &rules, "--data", &leads, "--activities", &log];
        run(dir.path(), &[&args[..], &["--as-of", "2026-06-30", "--id", id], extra].concat())
    };
    let o = explain("A1", &[]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out,
        "as of 2026-06-30\nlead A1 (segment default)\nfit:\n    +40.0  senior [vp] (line 15)\n  fit score 40.0\nengagement:\n    +14.8  webinar_attended [2 events, +20.0 before decay x0.741] (line 36)\n     +4.0  web_visit [1 event] (line 45)\n     +9.0  visits [3] (line 62)\n  engagement score 27.8\ntotal = 0.50 x fit 40.0 + 0.50 x engagement 27.8 = 33.9 (mql 30, sql 60)\ngrade C3, status mql, stage consideration\npersona: Buyer (100% of its conditions)\nproducts: crm 14.8\naction: newsletter\n"
    );
    let o = explain("C3", &["--json"]);
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
        "lead_id,rule_score,fit_score,engagement_score,rule_grade,rule_status,stage,action,persona,disqualified,top_product,rule_reasons,scored_at"
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
    // The model's columns, then the rules', then the run's model id and time, in both files.
    let m = ha.len() - 2;
    assert_eq!(hb[..m], ha[..m]);
    assert_eq!(hb[m..m + 11].join(","), "rule_score,fit_score,engagement_score,rule_grade,rule_status,stage,action,persona,disqualified,top_product,rule_reasons");
    assert_eq!(hb[m + 11..], ha[m..]);
    for (a, b) in ra.iter().zip(&rb) {
        assert_eq!(a[..m], b[..m]);
        assert_eq!(a[m], b[m + 11], "model id");
        let s: f64 = b[m].parse().unwrap();
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

const DIRECTOR_OR: &str = "[score]\nid = \"lead_id\"\n\n[[fit]]\nname = \"director\"\nwhen = { field = \"seniority\", equals = \"director\" }\nor = [\n  { field = \"job_title\", matches = \"(?i)\\\\bdirector\\\\b\" },\n  { field = \"title_text\", matches = \"(?i)head\" },\n]\npoints = 25\nreason = \"director-level\"\n";

#[test]
fn check_reports_bad_or_alternatives_at_their_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, err) = check_text(d, &DIRECTOR_OR.replace("(?i)head", "(?i)(head"));
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: r.toml: 1 problem(s):\n  line 9: fit rule 1 \"director\": `or` alternative 2: condition on \"title_text\": bad regex \"(?i)(head\": unclosed group\n"
    );
    let (code, _, err) = check_text(d, "[[engagement]]\nactivity = \"webinar\"\npoints = 5\nor = []\n");
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: r.toml: 1 problem(s):\n  line 4: engagement rule 1: `or` is empty; list the alternative conditions, or remove it\n"
    );
    // Valid, but the fixture has neither column the alternatives read: each named at its line.
    let (code, out, _) = check_text(d, DIRECTOR_OR);
    assert_eq!(code, 0);
    assert!(out.ends_with("r.toml: ok: 1 fit and 0 engagement rules (0 from the activity log), 0 disqualify, 0 segment(s), 0 persona(s), 0 stage(s), 0 action(s)\n"), "{out}");
    let o = run(d, &["rules", "check", "r.toml", "--data", &fixture("leads.csv")]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error: r.toml: 2 problem(s) with "), "{err}");
    assert!(err.contains("\n  line 8: column \"job_title\": not in "), "{err}");
    assert!(err.contains("\n  line 9: column \"title_text\": not in "), "{err}");
}

#[test]
fn or_counts_a_rule_once_where_two_rules_double_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("leads.csv"),
        "lead_id,job_title,seniority,title_text\nL1,Sales Director,director,\nL2,Director of Marketing,,\nL3,Head of Sales,,Head of Sales\nL4,Engineer,individual,\n",
    )
    .unwrap();
    let score = |rules: &str| {
        std::fs::write(d.join("r.toml"), rules).unwrap();
        let o = run(d, &["score", "--rules", "r.toml", "--data", "leads.csv", "--out", "out.csv"]);
        assert!(o.status.success(), "{:?}", text(&o));
        let (header, rows) = read_csv(&d.join("out.csv"));
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        rows.iter()
            .map(|r| (r[col("fit_score")].parse::<f64>().unwrap(), r[col("rule_reasons")].clone()))
            .collect::<Vec<_>>()
    };
    // Before `or`: one rule per alternative, and a lead meeting both scores twice.
    let two = "[[fit]]\nwhen = { field = \"seniority\", equals = \"director\" }\npoints = 25\n\n[[fit]]\nwhen = { field = \"job_title\", matches = \"(?i)\\\\bdirector\\\\b\" }\npoints = 25\n";
    assert_eq!(score(two).iter().map(|s| s.0).collect::<Vec<_>>(), vec![50.0, 25.0, 0.0, 0.0]);
    // With `or`: once, naming the alternative that held (`when` first).
    assert_eq!(
        score(DIRECTOR_OR),
        vec![
            (25.0, "director-level (+25.0, seniority: director)".to_string()),
            (25.0, "director-level (+25.0, job_title: Director of Marketing)".to_string()),
            (25.0, "director-level (+25.0, title_text: Head of Sales)".to_string()),
            (0.0, String::new()),
        ]
    );
    let o = run(
        d,
        &["rules", "explain", "--rules", "r.toml", "--data", "leads.csv", "--as-of", "2026-06-30", "--id", "L2"],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out,
        "as of 2026-06-30\nlead L2 (segment default)\nfit:\n    +25.0  director-level [job_title: Director of Marketing] (line 4)\n  fit score 25.0\nengagement:\n  (no rule fired)\n  engagement score 0.0\ntotal = 0.50 x fit 25.0 + 0.50 x engagement 0.0 = 12.5 (mql 50, sql 80)\ngrade C4, status lead\npersona: none matched\n"
    );
    let o = run(
        d,
        &[
            "rules",
            "explain",
            "--rules",
            "r.toml",
            "--data",
            "leads.csv",
            "--as-of",
            "2026-06-30",
            "--id",
            "L1",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let item = &v["breakdown"]["items"][0];
    assert_eq!(item["value"], "seniority: director");
    assert_eq!(item["alternative"], serde_json::json!({ "field": "seniority", "value": "director" }));
}

// ---- Property tests -----------------------------------------------------------------

const VALUES: [&str; 4] = ["a", "b", "c", ""];

fn frame(values: &[(usize, usize)]) -> DataFrame {
    let x: Vec<&str> = values.iter().map(|v| VALUES[v.0]).collect();
    let y: Vec<&str> = values.iter().map(|v| VALUES[v.1]).collect();
    DataFrame::new_infer_height(vec![Column::new("x".into(), x), Column::new("y".into(), y)]).unwrap()
}

/// `{ field = "x", equals = "a" }`, or `missing = true` for the empty value.
fn condition(field: usize, value: usize) -> String {
    let f = if field == 0 { "x" } else { "y" };
    let test =
        if VALUES[value].is_empty() { "missing = true".to_string() } else { format!("equals = \"{}\"", VALUES[value]) };
    format!("{{ field = \"{f}\", {test} }}")
}

fn rules_text(rules: &[(usize, usize, i32)]) -> String {
    let mut s = String::new();
    for (i, (field, value, points)) in rules.iter().enumerate() {
        let kind = if i % 2 == 0 { "fit" } else { "engagement" };
        s.push_str(&format!("[[{kind}]]\nwhen = {}\npoints = {points}\n\n", condition(*field, *value)));
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
        // At least one rule: a file without rules is refused by the checks.
        rules in prop::collection::vec((0usize..2, 0usize..4, -100i32..=100), 1..10),
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
    fn an_or_rule_fires_once_exactly_when_one_rule_per_alternative_would(
        alternatives in prop::collection::vec((0usize..2, 0usize..4), 2..5),
        with_when in any::<bool>(),
        leads in prop::collection::vec((0usize..4, 0usize..4), 1..20),
    ) {
        let conds: Vec<String> = alternatives.iter().map(|(f, v)| condition(*f, *v)).collect();
        let separate: String = conds.iter().map(|c| format!("[[fit]]\nwhen = {c}\npoints = 10\n\n")).collect();
        let combined = if with_when {
            format!("[[fit]]\nwhen = {}\nor = [{}]\npoints = 10\n", conds[0], conds[1..].join(", "))
        } else {
            format!("[[fit]]\nor = [{}]\npoints = 10\n", conds.join(", "))
        };
        let df = frame(&leads);
        for (one, each) in totals(&combined, &df).iter().zip(totals(&separate, &df)) {
            prop_assert_eq!(one.1, if each.1 > 0.0 { 10.0 } else { 0.0 }, "{} vs {}", combined, separate);
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

#[test]
fn the_rules_fuzzers_timeout_input_is_a_prompt_problem_with_its_line() {
    // The rules fuzz target reported a 10 s timeout on this mangled copy of
    // examples/rules/xeducation.toml once, after 1.2 million inputs on a machine at load 13;
    // it replays in about 5 ms. Pinned: refused with its line and column, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["rules", "check", &fixture("fuzz_rules_timeout.toml")]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("fuzz_rules_timeout.toml:14:33: missing comma between key-value pairs"), "{err}");
}
