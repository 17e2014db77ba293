//! `leadscore export sql`: golden tests. The exported SQL runs on a real engine over the
//! sample's open leads (every column loaded as text, blank cells as NULL, as `score` reads
//! them) and must give what `leadscore score --precision 17` writes: every probability within
//! 1e-9 (in practice they differ only by the score file's rounding to 17 decimals), the same
//! percentile and the same grade, for a logistic bundle and a boosted-trees bundle.
//!
//! Engines: SQLite always (rusqlite's bundled SQLite is built without its maths functions,
//! so the test registers `exp` and `ln` as Rust's `f64::exp` / `f64::ln`, which on Linux are
//! glibc's, like SQLite's own; `scripts/check_sql_duckdb.sh` runs the same check on an SQLite
//! with its built-in maths functions and on DuckDB); PostgreSQL when
//! `LEADSCORE_TEST_POSTGRES_URL` names a server (with `LEADSCORE_REQUIRE_POSTGRES` set it must).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::functions::FunctionFlags;

use crate::common::{read_csv, run, sample_dir, text, train_sample};

/// One lead's result: probability, percentile, grade.
type Scored = HashMap<String, (f64, f64, String)>;

/// `leadscore score --precision 17` of `data` with `bundle`, by lead id.
fn score_file(dir: &Path, bundle: &str, data: &str, id: &str) -> Scored {
    let o =
        run(dir, &["score", "--model", bundle, "--data", data, "--out", "scored.csv", "--precision", "17", "--quiet"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let (h, rows) = read_csv(&dir.join("scored.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap_or_else(|| panic!("no {n} in {h:?}"));
    let (i, p, q, g) = (col(id), col("probability"), col("percentile"), col("grade"));
    rows.iter().map(|r| (r[i].clone(), (r[p].parse().unwrap(), r[q].parse().unwrap(), r[g].clone()))).collect()
}

/// The SQL `export sql` writes for `bundle`.
fn export(dir: &Path, bundle: &str, dialect: &str, extra: &[&str]) -> String {
    let out = format!("export.{dialect}.sql");
    let mut args =
        vec!["export", "sql", "--model", bundle, "--dialect", dialect, "--table", "open leads", "--out", &out];
    args.extend_from_slice(extra);
    let o = run(dir, &args);
    assert!(o.status.success(), "{:?}", text(&o));
    std::fs::read_to_string(dir.join(&out)).unwrap()
}

/// Asserts that the engine's rows equal the score file's; returns the largest probability difference.
fn assert_same(engine: &str, got: &[(String, f64, f64, String)], want: &Scored) -> f64 {
    assert_eq!(got.len(), want.len(), "{engine}: lead count");
    let mut worst = 0.0f64;
    for (id, p, pct, grade) in got {
        let (wp, wpct, wg) = want.get(id).unwrap_or_else(|| panic!("{engine}: lead {id} not scored by score"));
        worst = worst.max((p - wp).abs());
        assert!((p - wp).abs() <= 1e-9, "{engine}: {id}: probability {p} vs score {wp}");
        assert_eq!(pct, wpct, "{engine}: {id}: percentile");
        assert_eq!(grade, wg, "{engine}: {id}: grade");
    }
    eprintln!("{engine}: {} leads, max |probability - score| = {worst:e}", got.len());
    worst
}

/// An in-memory SQLite with `exp` and `ln`, holding `csv` as table "open leads" (text columns).
fn sqlite_with(csv: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    c.create_scalar_function("exp", 1, flags, |ctx| Ok(ctx.get::<f64>(0)?.exp())).unwrap();
    c.create_scalar_function("ln", 1, flags, |ctx| Ok(ctx.get::<f64>(0)?.ln())).unwrap();
    let (h, rows) = read_csv(csv);
    let cols: Vec<String> = h.iter().map(|n| format!("\"{}\" TEXT", n.replace('"', "\"\""))).collect();
    c.execute_batch(&format!("CREATE TABLE \"open leads\" ({})", cols.join(", "))).unwrap();
    let marks = vec!["?"; h.len()].join(", ");
    let mut ins = c.prepare(&format!("INSERT INTO \"open leads\" VALUES ({marks})")).unwrap();
    for r in &rows {
        let cells: Vec<Option<&str>> = r.iter().map(|v| (!v.is_empty()).then_some(v.as_str())).collect();
        ins.execute(rusqlite::params_from_iter(cells)).unwrap();
    }
    drop(ins);
    c
}

fn sqlite_rows(c: &rusqlite::Connection, sql: &str) -> Vec<(String, f64, f64, String)> {
    let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("SQLite refused the export: {e}"));
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

/// The PostgreSQL server to test on, if any (must be set when LEADSCORE_REQUIRE_POSTGRES is).
fn postgres_url() -> Option<String> {
    match std::env::var("LEADSCORE_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().to_string()),
        _ => {
            assert!(
                std::env::var("LEADSCORE_REQUIRE_POSTGRES").is_err(),
                "LEADSCORE_REQUIRE_POSTGRES is set but LEADSCORE_TEST_POSTGRES_URL is not"
            );
            eprintln!("export: PostgreSQL skipped (set LEADSCORE_TEST_POSTGRES_URL to run it)");
            None
        }
    }
}

/// A fresh database `ls_<test>` holding `csv` as table "open leads" (text columns).
fn postgres_with(url: &str, test: &str, csv: &Path) -> postgres::Client {
    let name = format!("ls_{test}");
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("the test PostgreSQL server");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    let mut c = postgres::Client::connect(&format!("{base}/{name}"), postgres::NoTls).unwrap();
    let (h, rows) = read_csv(csv);
    let cols: Vec<String> = h.iter().map(|n| format!("\"{}\" TEXT", n.replace('"', "\"\""))).collect();
    c.batch_execute(&format!("CREATE TABLE \"open leads\" ({})", cols.join(", "))).unwrap();
    let marks: Vec<String> = (1..=h.len()).map(|i| format!("${i}")).collect();
    let ins = c.prepare(&format!("INSERT INTO \"open leads\" VALUES ({})", marks.join(", "))).unwrap();
    for r in &rows {
        let cells: Vec<Option<&str>> = r.iter().map(|v| (!v.is_empty()).then_some(v.as_str())).collect();
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            cells.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect();
        c.execute(&ins, &params).unwrap();
    }
    c
}

fn postgres_rows(c: &mut postgres::Client, sql: &str) -> Vec<(String, f64, f64, String)> {
    let rows = c.query(sql, &[]).unwrap_or_else(|e| panic!("PostgreSQL refused the export: {e:?}"));
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect()
}

/// Trains `--model both` (boosted trees primary) on the sample in `dir`.
fn train_both(dir: &Path, id: &str, target: &str) -> &'static str {
    let o = run(
        dir,
        &[
            "train",
            "--data",
            "data/history.csv",
            "--target",
            target,
            "--id",
            id,
            "--model",
            "both",
            "--out",
            "models/both.json",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    "models/both.json"
}

#[test]
fn sqlite_export_scores_like_score_for_logistic_and_trees() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let both = train_both(d, "lead_id", "converted");
    let db = sqlite_with(&d.join("data/open_leads.csv"));
    for bundle in ["models/m.json", both] {
        let want = score_file(d, bundle, "data/open_leads.csv", "lead_id");
        let sql = export(d, bundle, "sqlite", &[]);
        assert_same(&format!("SQLite, {bundle}"), &sqlite_rows(&db, &sql), &want);
    }
    // As a view: the same rows.
    let sql = export(d, both, "sqlite", &["--view", "scored leads"]);
    assert!(sql.contains("CREATE VIEW \"scored leads\" AS"));
    db.execute_batch(&sql).unwrap();
    let want = score_file(d, both, "data/open_leads.csv", "lead_id");
    assert_same("SQLite view", &sqlite_rows(&db, "SELECT * FROM \"scored leads\""), &want);
}

#[test]
fn postgres_export_scores_like_score_for_logistic_and_trees() {
    let Some(url) = postgres_url() else { return };
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let both = train_both(d, "lead_id", "converted");
    let mut db = postgres_with(&url, "export_golden", &d.join("data/open_leads.csv"));
    for bundle in ["models/m.json", both] {
        let want = score_file(d, bundle, "data/open_leads.csv", "lead_id");
        let sql = export(d, bundle, "postgres", &[]);
        assert_same(&format!("PostgreSQL, {bundle}"), &postgres_rows(&mut db, &sql), &want);
    }
}

/// The sample with hostile column names: spaces, a double quote, a single quote, unicode and a
/// reserved word, on the id, a categorical, numeric, yes/no and date column.
fn hostile_sample() -> tempfile::TempDir {
    let dir = sample_dir();
    let renames = [
        ("lead_id", "lead id"),
        ("lead_source", "select"),
        ("industry", "Branche \"Größe\" ü"),
        ("visits", "visits (it's web)"),
        ("demo_requested", "demo requested?"),
        ("created_date", "from"),
    ];
    for file in ["data/history.csv", "data/open_leads.csv"] {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, rest) = text.split_once('\n').unwrap();
        let renamed: Vec<String> = head
            .split(',')
            .map(|h| {
                let n = renames.iter().find(|(from, _)| *from == h).map(|(_, to)| *to).unwrap_or(h);
                format!("\"{}\"", n.replace('"', "\"\""))
            })
            .collect();
        std::fs::write(&path, format!("{}\n{rest}", renamed.join(","))).unwrap();
    }
    dir
}

#[test]
fn hostile_column_names_round_trip_on_sqlite_and_postgres() {
    let dir = hostile_sample();
    let d = dir.path();
    let both = train_both(d, "lead id", "converted");
    let want = score_file(d, both, "data/open_leads.csv", "lead id");
    let sql = export(d, both, "sqlite", &[]);
    assert!(sql.contains("src.\"Branche \"\"Größe\"\" ü\"") && sql.contains("src.\"select\""), "names quoted");
    let db = sqlite_with(&d.join("data/open_leads.csv"));
    assert_same("SQLite, hostile names", &sqlite_rows(&db, &sql), &want);
    if let Some(url) = postgres_url() {
        let mut pg = postgres_with(&url, "export_hostile", &d.join("data/open_leads.csv"));
        let sql = export(d, both, "postgres", &[]);
        assert_same("PostgreSQL, hostile names", &postgres_rows(&mut pg, &sql), &want);
    }
}

#[test]
fn export_errors_name_the_problem_and_exit_2() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let o =
        run(d, &["export", "sql", "--model", "models/m.json", "--dialect", "oracle", "--table", "t", "--out", "x.sql"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o)
            .1
            .contains("\"oracle\" is not a dialect: use one of duckdb, postgres, sqlite, spark, bigquery, snowflake"),
        "{:?}",
        text(&o)
    );
    let o = run(
        d,
        &["export", "sql", "--model", "models/none.json", "--dialect", "duckdb", "--table", "t", "--out", "x.sql"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("models/none.json"), "{:?}", text(&o));
    let o = run(
        d,
        &["export", "sql", "--model", "models/m.json", "--dialect", "duckdb", "--table", "crm.", "--out", "x.sql"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--table: \"crm.\" is not a table name"), "{:?}", text(&o));
    assert!(!d.join("x.sql").exists(), "a failed export writes nothing");
}

#[test]
fn export_header_says_what_is_not_exported() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    for dialect in ["duckdb", "spark", "bigquery", "snowflake"] {
        let sql = export(d, "models/m.json", dialect, &[]);
        assert!(sql.starts_with("-- leadscore "), "{dialect}");
        assert!(sql.contains("NOT exported: reasons"), "{dialect}");
        assert!(sql.contains(&format!("dialect: {dialect}; model: logistic")), "{dialect}");
    }
}

#[test]
fn sqlite_export_applies_a_beta_calibrator_like_score() {
    // Training ships a beta calibrator only when cross-validation says it helps; the export
    // must apply one exactly as `score` does whichever way the sample falls.
    let dir = sample_dir();
    let d = dir.path();
    let both = train_both(d, "lead_id", "converted");
    let mut b = leadscore::bundle::Bundle::load(&d.join(both)).unwrap();
    for e in &mut b.models {
        if let leadscore::models::FittedModel::Gbm(m) = &mut e.model {
            m.calibrator = leadscore_gbm::Calibrator::Beta { a: 0.8, b: 1.3, c: -0.2 };
        }
    }
    b.primary = leadscore::models::ModelKind::Gbm;
    b.save(&d.join("models/beta.json")).unwrap();
    let want = score_file(d, "models/beta.json", "data/open_leads.csv", "lead_id");
    let sql = export(d, "models/beta.json", "sqlite", &[]);
    assert!(sql.contains("ls_clamped"), "the beta map clamps before its logarithms");
    let db = sqlite_with(&d.join("data/open_leads.csv"));
    assert_same("SQLite, beta calibrator", &sqlite_rows(&db, &sql), &want);
}
