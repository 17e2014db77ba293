//! CLI tests of `leadscore rollup`: the documented formulas against hand-computed values, the
//! output formats, contacts without an account, and bad input.

use crate::common::*;
use std::fs;

/// A scored file as `score --keep-columns account --value-column price` writes it.
const SCORED: &str = "lead_id,account,price,probability,percentile,grade,reasons,expected_value,model_id,scored_at
a1,Acme,1000,0.5,50.0,B,x = 1 (+2.0 pp),500,m,2026-06-30T00:00:00Z
b1,Beta,,0.9,90.0,A,y = 2 (+9.0 pp),,m,2026-06-30T00:00:00Z
a2,Acme,500,0.2,20.0,C,,100,m,2026-06-30T00:00:00Z
x1,,50,0.4,40.0,C,,20,m,2026-06-30T00:00:00Z
c1,Cito,100,0.1,10.0,D,,10,m,2026-06-30T00:00:00Z
a2,Acme,500,0.3,30.0,C,,150,m,2026-06-30T00:00:00Z
";

#[test]
fn rollup_formulas_match_hand_computed_values() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("scored.csv"), SCORED).unwrap();
    let o = run(
        dir.path(),
        &[
            "rollup",
            "--scored",
            "scored.csv",
            "--by",
            "account",
            "--value-column",
            "price",
            "--out",
            "acc.csv",
            "--html",
            "acc.html",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let (header, rows) = read_csv(&dir.path().join("acc.csv"));
    assert_eq!(
        header,
        [
            "rank",
            "account",
            "account_grade",
            "contacts",
            "p_any",
            "expected_conversions",
            "currency",
            "pipeline_value",
            "expected_value",
            "contacts_without_value",
            "best_contact",
            "best_probability",
            "best_reasons",
            "contributions"
        ]
    );
    // Acme: a1 p 0.5 (1000), a2 seen twice: its higher p 0.3 (500) is kept.
    // p_any = 1 - 0.5 * 0.7 = 0.65; expected conversions 0.8; pipeline 1500;
    // expected value 500 + 150 = 650; shares -ln 0.5 / (-ln 0.5 - ln 0.7) = 0.6931 / 1.0498 = 66%, 34%.
    assert_eq!(
        rows[0],
        [
            "1",
            "Acme",
            "A",
            "2",
            "0.65",
            "0.8",
            "-",
            "1500.0",
            "650.0",
            "0",
            "a1",
            "0.5",
            "x = 1 (+2.0 pp)",
            "a1 66%; a2 34%"
        ]
    );
    // Cito: expected value 0.1 x 100 = 10; Beta's value is blank: expected value 0.
    assert_eq!(rows[1], ["2", "Cito", "C", "1", "0.1", "0.1", "-", "100.0", "10.0", "0", "c1", "0.1", "", "c1 100%"]);
    assert_eq!(
        rows[2],
        ["3", "Beta", "D", "1", "0.9", "0.9", "-", "0.0", "0.0", "1", "b1", "0.9", "y = 2 (+9.0 pp)", "b1 100%"]
    );
    assert!(out.contains("rolled up 6 contacts into 3 accounts by \"account\" (1 repeated contact ids"), "{out}");
    assert!(out.contains("1 contacts have no \"account\" (first at rows 4): in no account; their expected conversions 0.40, expected value 20"), "{out}");
    assert!(out.contains("accounts' pipeline value 1,600, expected value 660"), "{out}");
    let html = fs::read_to_string(dir.path().join("acc.html")).unwrap();
    assert!(html.contains("<section id=\"rollup\">") && html.contains("<td>Acme</td>"), "{html}");

    // Without a value column accounts rank by P(at least one converts): Beta 0.9, Acme 0.65, Cito 0.1.
    let o = run(dir.path(), &["rollup", "--scored", "scored.csv", "--by", "account", "--out", "p.ndjson", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let lines: Vec<serde_json::Value> = fs::read_to_string(dir.path().join("p.ndjson"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let order: Vec<&str> = lines.iter().map(|l| l["account"].as_str().unwrap()).collect();
    assert_eq!(order, ["Beta", "Acme", "Cito"]);
    assert!(lines[0].get("expected_value").is_none());
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["unassigned"]["contacts"], 1);
}

#[test]
fn currencies_are_never_added_together() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("s.csv"),
        "id,account,v,cur,probability,scored_at\n1,Acme,100,EUR,0.5,t\n2,Acme,200,usd,0.5,t\n3,Acme,300,EUR,0.5,t\n",
    )
    .unwrap();
    let o = run(
        dir.path(),
        &[
            "rollup",
            "--scored",
            "s.csv",
            "--by",
            "account",
            "--value-column",
            "v",
            "--currency-column",
            "cur",
            "--out",
            "a.csv",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let (_, rows) = read_csv(&dir.path().join("a.csv"));
    // One row per currency: EUR 0.5 x 100 + 0.5 x 300 = 200; USD 0.5 x 200 = 100.
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0][6].as_str(), rows[0][8].as_str()), ("EUR", "200.0"));
    assert_eq!((rows[1][6].as_str(), rows[1][8].as_str()), ("USD", "100.0"));
    assert!(
        out.contains("EUR 400, expected value EUR 200") && out.contains("USD 200, expected value USD 100"),
        "{out}"
    );
}

#[test]
fn bad_input_exits_2_naming_file_column_and_row_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("id,account,v,probability,scored_at\n1,A,12,0.5,t\n2,A,-3,0.5,t\n", &["--value-column", "v"][..], "s.csv: value column \"v\", row 2: -3 is negative"),
        ("id,account,v,probability,scored_at\n1,A,$12,0.5,t\n", &["--value-column", "v"][..], "s.csv: value column \"v\", row 1: \"$12\" is not a number"),
        ("id,account,probability,scored_at\n1,A,1.5,t\n", &[][..], "s.csv: column \"probability\", row 1: \"1.5\" is not a probability"),
        ("id,account,probability\n1,A,0.5\n", &[][..], "s.csv: column \"scored_at\" not found"),
        ("id,company,probability,scored_at\n1,A,0.5,t\n", &[][..], "s.csv: column \"account\" not found (columns: \"id\", \"company\", \"probability\", \"scored_at\"); score with --keep-columns account"),
        ("id,account,v,c,probability,scored_at\n1,A,12,,0.5,t\n", &["--value-column", "v", "--currency-column", "c"][..], "currency column \"c\", row 1 is blank but the row has a value"),
    ];
    for (body, extra, want) in cases {
        fs::write(dir.path().join("s.csv"), body).unwrap();
        let mut args = vec!["rollup", "--scored", "s.csv", "--by", "account", "--out", "a.csv"];
        args.extend_from_slice(extra);
        let o = run(dir.path(), &args);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{body}: {err}");
        assert!(err.contains(want), "{body}: {err}");
        assert!(!dir.path().join("a.csv").exists());
    }
}

#[test]
fn buying_group_coverage_and_the_qualified_gate_from_the_rules_personas() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rules/sample.toml"), dir.path().join("rules.toml"))
        .unwrap();
    // Acme: an engaged economic buyer (fit A, awareness) and an engaged champion at decision
    // (fit C): 2 of the 2 personas asked for, qualified (fit A by one, decision by the other).
    // Beta: a champion who is not engaged (fit A, decision): 0 of 2, qualified anyway.
    // Cito: an engaged champion, fit B, consideration: 1 of 2, not qualified (no decision).
    fs::write(
        dir.path().join("s.csv"),
        "id,account,probability,engagement_score,rule_grade,stage,persona,scored_at
1,Acme,0.5,10,A2,awareness,Economic buyer,t
2,Acme,0.4,5,C1,decision,Champion,t
3,Beta,0.3,0,A4,decision,Champion,t
4,Cito,0.2,3,B3,consideration,Champion,t
",
    )
    .unwrap();
    let o = run(
        dir.path(),
        &[
            "rollup",
            "--scored",
            "s.csv",
            "--by",
            "account",
            "--out",
            "a.csv",
            "--rules",
            "rules.toml",
            "--buying-group",
            "economic buyer,Champion",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("buying group: Economic buyer, Champion (2 personas)"), "{out}");
    assert!(
        out.contains(
            "qualified account = a contact with fit grade A or B and a contact at stage \"decision\": 2 of 3 accounts"
        ),
        "{out}"
    );
    let (header, rows) = read_csv(&dir.path().join("a.csv"));
    let col = |n: &str| header.iter().position(|h| h == n).unwrap_or_else(|| panic!("{n}: {header:?}"));
    let by: std::collections::HashMap<&str, &Vec<String>> =
        rows.iter().map(|r| (r[col("account")].as_str(), r)).collect();
    let cells = |a: &str| {
        let r = by[a];
        (
            r[col("personas_engaged")].clone(),
            r[col("personas_missing")].clone(),
            r[col("buying_group_coverage")].clone(),
            r[col("qualified")].clone(),
            r[col("engaged_contacts")].clone(),
        )
    };
    assert_eq!(cells("Acme"), ("Economic buyer; Champion".into(), "".into(), "1.0".into(), "true".into(), "2".into()));
    assert_eq!(cells("Beta"), ("".into(), "Economic buyer; Champion".into(), "0.0".into(), "true".into(), "0".into()));
    assert_eq!(cells("Cito"), ("Champion".into(), "Economic buyer".into(), "0.5".into(), "false".into(), "1".into()));

    let o = run(
        dir.path(),
        &[
            "rollup",
            "--scored",
            "s.csv",
            "--by",
            "account",
            "--out",
            "b.csv",
            "--rules",
            "rules.toml",
            "--buying-group",
            "CFO",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("rules.toml: no persona \"CFO\" (it has: Economic buyer, Champion, Founder, Consumer)"),
        "{:?}",
        text(&o)
    );
    assert!(!dir.path().join("b.csv").exists());
}
