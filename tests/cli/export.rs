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
//!
//! With `--reasons K` the logistic model's `reasons` text must equal `score --reasons K`'s for
//! every lead; the trees' (an approximation) must agree with `score` on Leads.csv as often as
//! the export header says. Leads.csv (`../shared/datasets`) is skipped, saying so, when absent,
//! unless `LEADSCORE_REQUIRE_SHARED` is set.

use std::collections::HashMap;
use std::path::Path;

use crate::sql_tables;

use crate::common::{read_csv, run, sample_dir, text, train_sample};

/// One lead's result: probability, percentile, grade.
pub(crate) type Scored = HashMap<String, (f64, f64, String)>;

/// `leadscore score --precision 17` of `data` with `bundle`, by lead id.
pub(crate) fn score_file(dir: &Path, bundle: &str, data: &str, id: &str) -> Scored {
    let o =
        run(dir, &["score", "--model", bundle, "--data", data, "--out", "scored.csv", "--precision", "17", "--quiet"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let (h, rows) = read_csv(&dir.join("scored.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap_or_else(|| panic!("no {n} in {h:?}"));
    let (i, p, q, g) = (col(id), col("probability"), col("percentile"), col("grade"));
    rows.iter().map(|r| (r[i].clone(), (r[p].parse().unwrap(), r[q].parse().unwrap(), r[g].clone()))).collect()
}

/// The SQL `export sql` writes for `bundle`.
pub(crate) fn export(dir: &Path, bundle: &str, dialect: &str, extra: &[&str]) -> String {
    let out = format!("export.{dialect}.sql");
    let mut args =
        vec!["export", "sql", "--model", bundle, "--dialect", dialect, "--table", "open leads", "--out", &out];
    args.extend_from_slice(extra);
    let o = run(dir, &args);
    assert!(o.status.success(), "{:?}", text(&o));
    std::fs::read_to_string(dir.join(&out)).unwrap()
}

/// Asserts that the engine's rows equal the score file's; returns the largest probability difference.
pub(crate) fn assert_same(engine: &str, got: &[(String, f64, f64, String)], want: &Scored) -> f64 {
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

/// An in-memory SQLite holding `csv` as table "open leads" (text columns).
pub(crate) fn sqlite_with(csv: &Path) -> rusqlite::Connection {
    let c = sql_tables::sqlite_memory();
    sql_tables::sqlite_load(&c, "open leads", csv);
    c
}

pub(crate) fn sqlite_rows(c: &rusqlite::Connection, sql: &str) -> Vec<(String, f64, f64, String)> {
    let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("SQLite refused the export: {e}"));
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

pub(crate) fn postgres_url() -> Option<String> {
    sql_tables::postgres_url("export")
}

/// A fresh database `ls_<test>` holding `csv` as table "open leads" (text columns).
pub(crate) fn postgres_with(url: &str, test: &str, csv: &Path) -> postgres::Client {
    let mut c = sql_tables::postgres_database(url, test);
    sql_tables::postgres_load(&mut c, "open leads", csv);
    c
}

pub(crate) fn postgres_rows(c: &mut postgres::Client, sql: &str) -> Vec<(String, f64, f64, String)> {
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
    assert!(sql.contains("LN((CASE WHEN ls_u < "), "the beta map clamps before its logarithms");
    let db = sqlite_with(&d.join("data/open_leads.csv"));
    assert_same("SQLite, beta calibrator", &sqlite_rows(&db, &sql), &want);
}

/// `leadscore score --reasons k` of `data`: each lead's `reasons` text, by lead id.
pub(crate) fn score_reasons(dir: &Path, bundle: &str, data: &str, id: &str, k: usize) -> HashMap<String, String> {
    let k = k.to_string();
    let args = ["score", "--model", bundle, "--data", data, "--out", "reasons.csv", "--reasons", &k, "--quiet"];
    let o = run(dir, &args);
    assert!(o.status.success(), "{:?}", text(&o));
    let (h, rows) = read_csv(&dir.join("reasons.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap_or_else(|| panic!("no {n} in {h:?}"));
    let (i, r) = (col(id), col("reasons"));
    rows.iter().map(|row| (row[i].clone(), row[r].clone())).collect()
}

/// The columns a reasons text names, up and down.
fn reason_columns(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for item in text.split("; ").filter(|s| !s.is_empty()) {
        let (head, pp) = item.rsplit_once(" (").unwrap_or_else(|| panic!("not a reason: {item}"));
        let column = head.split(" = ").next().unwrap().to_string();
        if pp.starts_with('+') {
            up.push(column);
        } else {
            down.push(column);
        }
    }
    (up, down)
}

/// Asserts every lead's exported reasons equal `score`'s (exact: the logistic model).
pub(crate) fn assert_same_reasons(engine: &str, got: &[(String, String)], want: &HashMap<String, String>) {
    assert_eq!(got.len(), want.len(), "{engine}: lead count");
    for (id, reasons) in got {
        assert_eq!(reasons, &want[id], "{engine}: lead {id}: reasons");
    }
    let named = got.iter().filter(|(_, r)| !r.is_empty()).count();
    assert!(named * 2 > got.len(), "{engine}: most leads have reasons ({named} of {})", got.len());
    eprintln!("{engine}: {} leads, every reasons text equal to score's", got.len());
}

/// How often exported tree reasons agree with `score`'s TreeSHAP reasons, as
/// [`leadscore::export::reasons::Agreement`] measures it.
fn agreement(got: &[(String, String)], want: &HashMap<String, String>) -> leadscore::export::reasons::Agreement {
    let (mut order, mut sets, mut first) = (0usize, 0usize, 0usize);
    for (id, mine) in got {
        let (a, b) = (reason_columns(mine), reason_columns(&want[id]));
        order += (a == b) as usize;
        let set = |v: &[String]| v.iter().cloned().collect::<std::collections::BTreeSet<_>>();
        sets += (set(&a.0) == set(&b.0) && set(&a.1) == set(&b.1)) as usize;
        first += (a.0.first() == b.0.first() && a.1.first() == b.1.first()) as usize;
    }
    let n = got.len().max(1) as f64;
    leadscore::export::reasons::Agreement {
        same_order: order as f64 / n,
        same_sets: sets as f64 / n,
        same_strongest: first as f64 / n,
    }
}

pub(crate) fn sqlite_reasons(c: &rusqlite::Connection, sql: &str) -> Vec<(String, String)> {
    let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("SQLite refused the export: {e}"));
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(4)?))).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

pub(crate) fn postgres_reasons(c: &mut postgres::Client, sql: &str) -> Vec<(String, String)> {
    let rows = c.query(sql, &[]).unwrap_or_else(|e| panic!("PostgreSQL refused the export: {e:?}"));
    rows.iter().map(|r| (r.get(0), r.get(4))).collect()
}

#[test]
fn logistic_reasons_in_sql_are_score_reasons_on_sqlite_and_postgres() {
    let dir = hostile_sample();
    let d = dir.path();
    let o =
        run(d, &["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead id", "--out", "m.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let db = sqlite_with(&d.join("data/open_leads.csv"));
    let mut pg = postgres_url().map(|u| postgres_with(&u, "export_reasons", &d.join("data/open_leads.csv")));
    for k in [3, 1] {
        let want = score_reasons(d, "m.json", "data/open_leads.csv", "lead id", k);
        let sql = export(d, "m.json", "sqlite", &["--reasons", &k.to_string()]);
        assert!(sql.contains(&format!("reasons: the top {k} each way, exactly as `score --reasons {k}`")));
        assert_same_reasons(&format!("SQLite, --reasons {k}"), &sqlite_reasons(&db, &sql), &want);
        // The probabilities are still score's.
        assert_same(
            "SQLite with reasons",
            &sqlite_rows(&db, &sql),
            &score_file(d, "m.json", "data/open_leads.csv", "lead id"),
        );
        if let Some(pg) = pg.as_mut() {
            let sql = export(d, "m.json", "postgres", &["--reasons", &k.to_string()]);
            assert_same_reasons(&format!("PostgreSQL, --reasons {k}"), &postgres_reasons(pg, &sql), &want);
        }
    }
}

#[test]
fn tree_reasons_are_labelled_approximate_with_their_measured_agreement() {
    let dir = sample_dir();
    let d = dir.path();
    let o = run(
        d,
        &[
            "train",
            "--data",
            "data/history.csv",
            "--target",
            "converted",
            "--id",
            "lead_id",
            "--model",
            "gbm",
            "--out",
            "g.json",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let sql = export(d, "g.json", "sqlite", &["--reasons", "3"]);
    let a = leadscore::export::reasons::TREE_AGREEMENT;
    assert!(sql.contains("reasons: the top 3 each way, APPROXIMATE: per-leaf path attributions (Saabas)"), "header");
    assert!(sql.contains(&format!("same strongest reason up and down {:.1}% of leads", a.same_strongest * 100.0)));
    // Still score's probabilities, and reasons of the right shape: at most 3 each way, with
    // the lead's own values.
    let db = sqlite_with(&d.join("data/open_leads.csv"));
    assert_same(
        "SQLite, trees with reasons",
        &sqlite_rows(&db, &sql),
        &score_file(d, "g.json", "data/open_leads.csv", "lead_id"),
    );
    let want = score_reasons(d, "g.json", "data/open_leads.csv", "lead_id", 3);
    let got = sqlite_reasons(&db, &sql);
    for (id, r) in &got {
        let (up, down) = reason_columns(r);
        assert!(up.len() <= 3 && down.len() <= 3, "{id}: {r}");
    }
    let m = agreement(&got, &want);
    eprintln!("sample, trees: {m:?}");
    assert!(m.same_strongest > 0.4, "the strongest reasons mostly agree: {m:?}");
}

/// Leads.csv (../shared/datasets; skipped when absent unless LEADSCORE_REQUIRE_SHARED is set),
/// with the bundle the README trains on it (boosted trees primary) and a logistic one: every
/// probability within 1e-9 of `score`, percentiles and grades equal, on SQLite and PostgreSQL;
/// logistic reasons equal, and the trees' reasons agreement what the export header says.
#[test]
fn leads_csv_golden_on_sqlite_and_postgres() {
    let Some(leads) = crate::common::shared_dataset("xeducation-leads/Leads.csv") else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(&leads, d.join("Leads.csv")).unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/xeducation.toml");
    let config = config.to_str().unwrap();
    for (model, out) in [("both", "xe.json"), ("logistic", "xe_lr.json")] {
        let o = run(d, &["train", "--data", "Leads.csv", "--config", config, "--model", model, "--out", out]);
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let db = sqlite_with(&d.join("Leads.csv"));
    let mut pg = postgres_url().map(|u| postgres_with(&u, "export_leads", &d.join("Leads.csv")));
    let id = "Prospect ID";
    for bundle in ["xe.json", "xe_lr.json"] {
        let want = score_file(d, bundle, "Leads.csv", id);
        let reasons = score_reasons(d, bundle, "Leads.csv", id, 3);
        let sql = export(d, bundle, "sqlite", &["--reasons", "3"]);
        assert_same(&format!("SQLite, Leads.csv, {bundle}"), &sqlite_rows(&db, &sql), &want);
        let got = sqlite_reasons(&db, &sql);
        if bundle == "xe_lr.json" {
            assert_same_reasons("SQLite, Leads.csv, logistic", &got, &reasons);
        } else {
            assert!(sql.contains("model: gbm"), "the README's Leads.csv bundle has boosted trees primary");
            let m = agreement(&got, &reasons);
            let said = leadscore::export::reasons::TREE_AGREEMENT;
            eprintln!("Leads.csv tree reasons agreement: {m:?} (header: {said:?})");
            for (got, said) in [
                (m.same_order, said.same_order),
                (m.same_sets, said.same_sets),
                (m.same_strongest, said.same_strongest),
            ] {
                assert!((got - said).abs() <= 0.01, "measured {m:?}, the header says {said:?}: update TREE_AGREEMENT");
            }
        }
        if let Some(pg) = pg.as_mut() {
            let sql = export(d, bundle, "postgres", &["--reasons", "3"]);
            assert_same(&format!("PostgreSQL, Leads.csv, {bundle}"), &postgres_rows(pg, &sql), &want);
            if bundle == "xe_lr.json" {
                assert_same_reasons("PostgreSQL, Leads.csv, logistic", &postgres_reasons(pg, &sql), &reasons);
            }
        }
    }
}
