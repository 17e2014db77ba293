//! `leadscore export sql --rules`: golden tests of the points rules in SQL. On the shipped
//! sample (data/ with examples/rules/sample.toml and data/activities.csv, as
//! scripts/quickstart.sh scores it) the exported query runs on a real engine over the open
//! leads and the activity log (every column as text, blank cells NULL), and per lead must give
//! what `leadscore score --rules --activities --as-of` writes: rule_score, fit_score and
//! engagement_score equal to the score file's two decimals and within 1e-9 of the engine's
//! unrounded breakdown (the library's `RulesPlan`), rule_grade, rule_status, stage, action,
//! persona and disqualified identical; and the probability within 1e-9 as in `export`.
//!
//! Engines: SQLite (rusqlite's, with `exp`, `ln` and `power` registered as Rust's `f64`
//! functions, and `regexp` as Rust's `regex` crate: the `--sqlite-regexp` contract) and
//! PostgreSQL when `LEADSCORE_TEST_POSTGRES_URL` is set (see tests/cli/export.rs). DuckDB runs
//! in scripts/check_sql_duckdb.sh.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::sql_tables;

use crate::common::{read_csv, run, text};

const AS_OF: &str = "2026-06-30";

/// One lead's exported values: unrounded scores, then the text columns.
#[derive(Debug, Clone, PartialEq)]
struct RuleRow {
    id: String,
    probability: f64,
    scores: [f64; 3],
    texts: [String; 5],
    disqualified: bool,
}

/// The shipped sample in a temp dir: data/{history,open_leads,activities}.csv and rules.toml.
fn shipped() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for f in ["history.csv", "open_leads.csv", "activities.csv"] {
        std::fs::copy(root.join("data").join(f), dir.path().join("data").join(f)).unwrap();
    }
    std::fs::copy(root.join("examples/rules/sample.toml"), dir.path().join("rules.toml")).unwrap();
    dir
}

fn train(dir: &Path, id: &str) {
    let args = ["train", "--data", "data/history.csv", "--target", "converted", "--id", id, "--out", "m.json"];
    let o = run(dir, &args);
    assert!(o.status.success(), "{:?}", text(&o));
}

/// `score --rules` with --precision 17: the file's rows by id, as header → value.
fn score_rules(dir: &Path, id: &str, data: &str, log: Option<&str>) -> HashMap<String, HashMap<String, String>> {
    let mut args = vec![
        "score",
        "--model",
        "m.json",
        "--rules",
        "rules.toml",
        "--as-of",
        AS_OF,
        "--data",
        data,
        "--out",
        "scored.csv",
        "--precision",
        "17",
        "--quiet",
    ];
    if let Some(log) = log {
        args.extend(["--activities", log]);
    }
    let o = run(dir, &args);
    assert!(o.status.success(), "{:?}", text(&o));
    let (h, rows) = read_csv(&dir.join("scored.csv"));
    rows.into_iter()
        .map(|r| {
            let m: HashMap<String, String> = h.iter().cloned().zip(r).collect();
            (m[id].clone(), m)
        })
        .collect()
}

/// The engine's unrounded (rule_score, fit_score, engagement_score) per lead, from the library.
fn breakdowns(dir: &Path, id: &str, data: &str, log: Option<&str>) -> HashMap<String, [f64; 3]> {
    let as_of = chrono::NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    let plan =
        leadscore::rules::RulesPlan::load(&dir.join("rules.toml"), log.map(|l| dir.join(l)).as_deref(), as_of, None)
            .unwrap();
    let path = dir.join(data);
    let df = leadscore::data::load::read_table(&path).unwrap();
    let frame = leadscore::data::typing::LeadFrame { df: &df, path: &path, first_row: 1 };
    let ids = frame.text(id, "").unwrap();
    let b = plan.scorer().evaluate(&frame).unwrap();
    ids.iter()
        .zip(b)
        .map(|(i, b)| (i.unwrap().trim().to_string(), [b.total, b.fit_score, b.engagement_score]))
        .collect()
}

fn export(dir: &Path, dialect: &str, id: &str, extra: &[&str]) -> String {
    let out = format!("rules.{dialect}.sql");
    let mut args = vec![
        "export",
        "sql",
        "--model",
        "m.json",
        "--rules",
        "rules.toml",
        "--activities-table",
        "activity log",
        "--as-of",
        AS_OF,
        "--dialect",
        dialect,
        "--table",
        "open leads",
        "--id",
        id,
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    let o = run(dir, &args);
    assert!(o.status.success(), "{:?}", text(&o));
    std::fs::read_to_string(dir.join(&out)).unwrap()
}

/// Asserts every exported row against the score file and the unrounded breakdowns.
fn assert_rules_same(
    engine: &str,
    got: &[RuleRow],
    file: &HashMap<String, HashMap<String, String>>,
    exact: &HashMap<String, [f64; 3]>,
) {
    assert_eq!(got.len(), file.len(), "{engine}: lead count");
    let names = ["rule_score", "fit_score", "engagement_score"];
    let texts = ["rule_grade", "rule_status", "stage", "action", "persona"];
    let mut worst = 0.0f64;
    let mut statuses: HashMap<String, usize> = HashMap::new();
    for r in got {
        let w = file.get(&r.id).unwrap_or_else(|| panic!("{engine}: lead {} not in the score file", r.id));
        let p: f64 = w["probability"].parse().unwrap();
        assert!((r.probability - p).abs() <= 1e-9, "{engine}: {}: probability {} vs {p}", r.id, r.probability);
        for (k, name) in names.iter().enumerate() {
            let e = exact[&r.id][k];
            worst = worst.max((r.scores[k] - e).abs());
            assert!((r.scores[k] - e).abs() <= 1e-9, "{engine}: {}: {name} {} vs engine {e}", r.id, r.scores[k]);
            let shown: f64 = w[*name].parse().unwrap();
            assert_eq!((r.scores[k] * 100.0).round() / 100.0, shown, "{engine}: {}: {name}", r.id);
        }
        for (k, name) in texts.iter().enumerate() {
            assert_eq!(&r.texts[k], &w[*name], "{engine}: {}: {name}", r.id);
        }
        assert_eq!(r.disqualified.to_string(), w["disqualified"], "{engine}: {}: disqualified", r.id);
        *statuses.entry(r.texts[1].clone()).or_default() += 1;
    }
    eprintln!("{engine}: {} leads, max |rule score - engine| = {worst:e}, statuses {statuses:?}", got.len());
}

fn sqlite_db(dir: &Path, leads: &str, log: Option<&str>) -> rusqlite::Connection {
    let c = sql_tables::sqlite_memory();
    for (name, file) in [("open leads", Some(leads)), ("activity log", log)] {
        if let Some(file) = file {
            sql_tables::sqlite_load(&c, name, &dir.join(file));
        }
    }
    c
}

fn sqlite_rows(c: &rusqlite::Connection, sql: &str) -> Vec<RuleRow> {
    let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("SQLite refused the export: {e}"));
    let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
    let at = |n: &str| names.iter().position(|x| x == n).unwrap_or_else(|| panic!("no {n} in {names:?}"));
    let ix = [at("rule_score"), at("fit_score"), at("engagement_score")];
    let tx = [at("rule_grade"), at("rule_status"), at("stage"), at("action"), at("persona")];
    let (p, dq) = (at("probability"), at("disqualified"));
    let rows = st
        .query_map([], |r| {
            Ok(RuleRow {
                id: r.get(0)?,
                probability: r.get(p)?,
                scores: [r.get(ix[0])?, r.get(ix[1])?, r.get(ix[2])?],
                texts: [r.get(tx[0])?, r.get(tx[1])?, r.get(tx[2])?, r.get(tx[3])?, r.get(tx[4])?],
                disqualified: r.get::<_, i64>(dq)? == 1,
            })
        })
        .unwrap();
    rows.map(|r| r.unwrap()).collect()
}

fn postgres_db(url: &str, test: &str, dir: &Path, leads: &str, log: Option<&str>) -> postgres::Client {
    let mut c = sql_tables::postgres_database(url, test);
    for (table, file) in [("open leads", Some(leads)), ("activity log", log)] {
        if let Some(file) = file {
            sql_tables::postgres_load(&mut c, table, &dir.join(file));
        }
    }
    c
}

fn postgres_rows(c: &mut postgres::Client, sql: &str) -> Vec<RuleRow> {
    let rows = c.query(sql, &[]).unwrap_or_else(|e| panic!("PostgreSQL refused the export: {e:?}"));
    let Some(first) = rows.first() else { return Vec::new() };
    let at = |n: &str| first.columns().iter().position(|c| c.name() == n).unwrap_or_else(|| panic!("no {n}"));
    let ix = [at("rule_score"), at("fit_score"), at("engagement_score")];
    let tx = [at("rule_grade"), at("rule_status"), at("stage"), at("action"), at("persona")];
    let (p, dq) = (at("probability"), at("disqualified"));
    rows.iter()
        .map(|r| RuleRow {
            id: r.get(0),
            probability: r.get(p),
            scores: [r.get(ix[0]), r.get(ix[1]), r.get(ix[2])],
            texts: [r.get(tx[0]), r.get(tx[1]), r.get(tx[2]), r.get(tx[3]), r.get(tx[4])],
            disqualified: r.get(dq),
        })
        .collect()
}

fn postgres_url() -> Option<String> {
    sql_tables::postgres_url("export --rules")
}

#[test]
fn shipped_sample_rules_export_like_score_on_sqlite_and_postgres() {
    let dir = shipped();
    let d = dir.path();
    train(d, "lead_id");
    let file = score_rules(d, "lead_id", "data/open_leads.csv", Some("data/activities.csv"));
    let exact = breakdowns(d, "lead_id", "data/open_leads.csv", Some("data/activities.csv"));
    let sql = export(d, "sqlite", "lead_id", &["--sqlite-regexp"]);
    assert!(sql.contains("-- NOT exported: rule_reasons"), "the header says what is left out");
    let db = sqlite_db(d, "data/open_leads.csv", Some("data/activities.csv"));
    assert_rules_same("SQLite", &sqlite_rows(&db, &sql), &file, &exact);
    if let Some(url) = postgres_url() {
        let mut pg = postgres_db(&url, "export_rules", d, "data/open_leads.csv", Some("data/activities.csv"));
        let sql = export(d, "postgres", "lead_id", &[]);
        assert_rules_same("PostgreSQL", &postgres_rows(&mut pg, &sql), &file, &exact);
    }
}

/// Renames the header cells of a CSV.
fn rename_columns(path: &PathBuf, renames: &[(&str, &str)]) {
    let text = std::fs::read_to_string(path).unwrap();
    let (head, rest) = text.split_once('\n').unwrap();
    let renamed: Vec<String> = head
        .split(',')
        .map(|h| {
            let n = renames.iter().find(|(from, _)| *from == h).map(|(_, to)| *to).unwrap_or(h);
            format!("\"{}\"", n.replace('"', "\"\""))
        })
        .collect();
    std::fs::write(path, format!("{}\n{rest}", renamed.join(","))).unwrap();
}

#[test]
fn hostile_names_in_rules_round_trip_on_sqlite_and_postgres() {
    let dir = shipped();
    let d = dir.path();
    let leads = [
        ("lead_id", "lead id"),
        ("seniority", "select"),
        ("industry", "Branche \"Größe\" ü"),
        ("days_since_last_activity", "days since (it's)"),
        ("first_name", "from"),
    ];
    for f in ["data/history.csv", "data/open_leads.csv"] {
        rename_columns(&d.join(f), &leads);
    }
    rename_columns(&d.join("data/activities.csv"), &[("lead_id", "Lead \"ID\""), ("timestamp", "order")]);
    let mut rules = std::fs::read_to_string(d.join("rules.toml")).unwrap();
    for (from, to) in leads {
        let toml_name = to.replace('"', "\\\"");
        rules = rules.replace(&format!("field = \"{from}\""), &format!("field = \"{toml_name}\""));
    }
    rules = rules.replace("id = \"lead_id\"", "id = \"lead id\"");
    rules.push_str("\n[activities]\nid = 'Lead \"ID\"'\ntimestamp = \"order\"\n");
    std::fs::write(d.join("rules.toml"), rules).unwrap();
    train(d, "lead id");
    let file = score_rules(d, "lead id", "data/open_leads.csv", Some("data/activities.csv"));
    let exact = breakdowns(d, "lead id", "data/open_leads.csv", Some("data/activities.csv"));
    let sql = export(d, "sqlite", "lead id", &["--sqlite-regexp"]);
    assert!(sql.contains("src.\"Branche \"\"Größe\"\" ü\"") && sql.contains("a.\"Lead \"\"ID\"\"\""), "names quoted");
    let db = sqlite_db(d, "data/open_leads.csv", Some("data/activities.csv"));
    assert_rules_same("SQLite, hostile names", &sqlite_rows(&db, &sql), &file, &exact);
    if let Some(url) = postgres_url() {
        let mut pg = postgres_db(&url, "export_rules_hostile", d, "data/open_leads.csv", Some("data/activities.csv"));
        let sql = export(d, "postgres", "lead id", &[]);
        assert_rules_same("PostgreSQL, hostile names", &postgres_rows(&mut pg, &sql), &file, &exact);
    }
}

/// Runs `export sql --rules` expecting a refusal; returns stderr and checks nothing was written.
fn refused(d: &Path, dialect: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "export",
        "sql",
        "--model",
        "m.json",
        "--rules",
        "rules.toml",
        "--dialect",
        dialect,
        "--table",
        "t",
        "--out",
        "x.sql",
    ];
    args.extend_from_slice(extra);
    let o = run(d, &args);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(!d.join("x.sql").exists(), "a refused export writes nothing");
    text(&o).1
}

#[test]
fn rules_that_cannot_be_exported_exactly_are_refused_by_line() {
    let dir = shipped();
    let d = dir.path();
    train(d, "lead_id");
    let e = refused(d, "sqlite", &["--activities-table", "log"]);
    assert!(
        e.contains("rules.toml: line 208: condition on \"first_name\": `matches`") && e.contains("--sqlite-regexp"),
        "{e}"
    );
    let e = refused(d, "duckdb", &[]);
    assert!(
        e.contains("rules.toml: line 103: an activity rule reads the activity log: pass --activities-table"),
        "{e}"
    );
    let e = refused(d, "snowflake", &["--activities-table", "log"]);
    assert!(e.contains("is not exported to Snowflake"), "{e}");
    let rules = std::fs::read_to_string(d.join("rules.toml")).unwrap();
    let junk = rules.replace(
        "when = { field = \"email_domain_type\", equals = \"disposable\" }",
        "when = { field = \"email\", junk = \"email\" }",
    );
    std::fs::write(d.join("rules.toml"), junk).unwrap();
    let e = refused(d, "duckdb", &["--activities-table", "log"]);
    assert!(e.contains("line 204: condition on \"email\": `junk` conditions"), "{e}");
    let word_inside = rules.replace("\\\\b(head|chief|founder|owner)\\\\b", "a\\\\bb");
    std::fs::write(d.join("rules.toml"), word_inside).unwrap();
    let e = refused(d, "postgres", &["--activities-table", "log"]);
    assert!(e.contains("cannot be written exactly for postgres: \\b other than at the very start"), "{e}");
}

/// Leads.csv (X Education, when ../shared/datasets has it) with its hand-written rules
/// (examples/rules/xeducation.toml: segments, count columns, `missing` tokens, a regex) and a
/// model trained on it: rule columns and probabilities as `score` writes them.
#[test]
fn leads_csv_rules_export_like_score_on_sqlite_and_postgres() {
    let Some(leads) = crate::common::shared_dataset("xeducation-leads/Leads.csv") else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("data")).unwrap();
    std::fs::copy(&leads, d.join("data/leads.csv")).unwrap();
    std::fs::copy(root.join("examples/rules/xeducation.toml"), d.join("rules.toml")).unwrap();
    let config = root.join("examples/xeducation.toml");
    let o = run(d, &["train", "--data", "data/leads.csv", "--config", config.to_str().unwrap(), "--out", "m.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let id = "Prospect ID";
    let file = score_rules(d, id, "data/leads.csv", None);
    let exact = breakdowns(d, id, "data/leads.csv", None);
    let sql = export(d, "sqlite", id, &["--sqlite-regexp"]);
    let db = sqlite_db(d, "data/leads.csv", None);
    assert_rules_same("SQLite, Leads.csv", &sqlite_rows(&db, &sql), &file, &exact);
    if let Some(url) = postgres_url() {
        let mut pg = postgres_db(&url, "export_rules_leads", d, "data/leads.csv", None);
        let sql = export(d, "postgres", id, &[]);
        assert_rules_same("PostgreSQL, Leads.csv", &postgres_rows(&mut pg, &sql), &file, &exact);
    }
}

/// Regression: `--id` replaces the rules' `[score] id` (as in `score`), also for joining the
/// activity log; the export of a rules file without `[score] id` given `--id lead_id` is the
/// same statement as with `id = "lead_id"` in the file (checked against `score` above).
#[test]
fn id_flag_replaces_the_rules_id_for_the_activity_join() {
    let dir = shipped();
    let d = dir.path();
    train(d, "lead_id");
    let with_id = export(d, "duckdb", "lead_id", &[]);
    let rules = std::fs::read_to_string(d.join("rules.toml")).unwrap();
    std::fs::write(d.join("rules.toml"), rules.replace("id = \"lead_id\"", "id = \"no such column\"")).unwrap();
    assert_eq!(export(d, "duckdb", "lead_id", &[]), with_id);
    std::fs::write(d.join("rules.toml"), rules.replace("id = \"lead_id\"\n", "")).unwrap();
    assert_eq!(export(d, "duckdb", "lead_id", &[]), with_id);
}

/// The regex rewrite on a real engine: for patterns like the shipped rules' and strings that
/// tell Unicode from ASCII semantics (word characters beyond ASCII, the Kelvin sign and long s
/// that Rust's `(?i)` folds, non-ASCII digits, a line break), PostgreSQL's `~` with the
/// translated pattern matches exactly when Rust's `regex` does.
#[test]
fn translated_regexes_match_like_rust_on_postgres() {
    let Some(url) = postgres_url() else { return };
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("the test PostgreSQL server");
    let patterns = [
        r"(?i)\b(head|chief|founder|owner)\b",
        r"(?i)^(test|asdf|qwerty|aaa+|xxx+|foo|n/?a)$",
        r"(?i)kelvin",
        r"(?i)stra(ss|ß)e",
        r"\d+",
        r"^a.c$",
        r"colou?r",
        r"[^a-z]",
        r"\w+@\w+\.com$",
        r"^x{2,3}$",
        r"\bvp\b",
    ];
    let strings = [
        "Head of Sales",
        "headé",
        "Überhead",
        "chief",
        "CHIEF",
        "N/A",
        "na",
        "test ",
        "\u{212A}ELVIN",
        "kelvin",
        "\u{662}\u{663}",
        "a\nc",
        "abc",
        "color",
        "colour",
        "ABC",
        "é",
        "xx",
        "xxxx",
        "STRASSE",
        "ſtraße",
        "ana@acme.com",
        "anaé@acme.com",
        "VP",
        "vp_sales",
        "svp",
        "vp-sales",
        "",
    ];
    let mut checked = 0;
    for p in patterns {
        let rust = regex::Regex::new(p).unwrap();
        let sql = leadscore::export::regex::translate(leadscore::export::Dialect::Postgres, p).unwrap();
        for s in strings {
            let got: bool = c.query_one("SELECT $1::text ~ $2::text", &[&s, &sql]).unwrap().get(0);
            assert_eq!(got, rust.is_match(s), "pattern {p:?} on {s:?} (PostgreSQL pattern {sql})");
            checked += 1;
        }
    }
    eprintln!("regex rewrite: {checked} pattern/string pairs agree with Rust on PostgreSQL");
}

/// The `reasons` column of the export, by lead id (SQLite).
fn sqlite_reasons(c: &rusqlite::Connection, sql: &str) -> HashMap<String, String> {
    let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("SQLite refused the export: {e}"));
    let r = st.column_names().iter().position(|x| *x == "reasons").expect("a reasons column");
    let rows = st.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(r)?))).unwrap();
    rows.map(|x| x.unwrap()).collect()
}

#[test]
fn reasons_with_groups_and_rules_in_one_export_are_score_s() {
    // A logistic bundle with [features.groups] exported with --rules and --reasons: the rule
    // columns are still score's, and every lead's reasons text (groups merged, members' values
    // listed) equals `score --reasons 3`'s.
    let dir = shipped();
    let d = dir.path();
    std::fs::write(d.join("g.toml"), "[features.groups]\nengagement = [\"visits\", \"time_on_site_min\", \"pages_per_visit\"]\n")
        .unwrap();
    let args = ["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id"];
    let o = run(d, &[&args[..], &["--model", "logistic", "--config", "g.toml", "--out", "m.json"]].concat());
    assert!(o.status.success(), "{:?}", text(&o));
    let log = Some("data/activities.csv");
    let file = score_rules(d, "lead_id", "data/open_leads.csv", log);
    let exact = breakdowns(d, "lead_id", "data/open_leads.csv", log);
    let o = run(
        d,
        &[
            "score", "--model", "m.json", "--rules", "rules.toml", "--as-of", AS_OF, "--activities", "data/activities.csv",
            "--data", "data/open_leads.csv", "--out", "r.csv", "--reasons", "3", "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let (h, rows) = read_csv(&d.join("r.csv"));
    let (i, r) = (h.iter().position(|x| x == "lead_id").unwrap(), h.iter().position(|x| x == "reasons").unwrap());
    let want: HashMap<String, String> = rows.iter().map(|row| (row[i].clone(), row[r].clone())).collect();
    let grouped = want.values().filter(|t| t.contains("engagement = visits ")).count();
    assert!(grouped * 4 > want.len(), "the group is a reason for many leads ({grouped} of {})", want.len());
    let sql = export(d, "sqlite", "lead_id", &["--sqlite-regexp", "--reasons", "3"]);
    let db = sqlite_db(d, "data/open_leads.csv", log);
    assert_rules_same("SQLite, groups and reasons", &sqlite_rows(&db, &sql), &file, &exact);
    let got = sqlite_reasons(&db, &sql);
    assert_eq!(got.len(), want.len());
    for (id, text) in &got {
        assert_eq!(text, &want[id], "lead {id}: reasons");
    }
    if let Some(url) = postgres_url() {
        let mut pg = postgres_db(&url, "export_groups", d, "data/open_leads.csv", log);
        let sql = export(d, "postgres", "lead_id", &["--reasons", "3"]);
        assert_rules_same("PostgreSQL, groups and reasons", &postgres_rows(&mut pg, &sql), &file, &exact);
        let rows = pg.query(&sql, &[]).unwrap();
        let r = rows[0].columns().iter().position(|c| c.name() == "reasons").unwrap();
        for row in &rows {
            let (id, text): (String, String) = (row.get(0), row.get(r));
            assert_eq!(text, want[&id], "PostgreSQL: lead {id}: reasons");
        }
    }
}
