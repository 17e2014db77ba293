//! Real engines for the SQL golden tests: an in-memory SQLite with the functions the export
//! needs, a fresh PostgreSQL database per test, and CSV files loaded into either as text
//! tables (a blank cell is NULL), as a warehouse table of raw leads would hold them.

use std::path::Path;

use rusqlite::functions::FunctionFlags;

use crate::common::read_csv;

/// The PostgreSQL server to test on, if any (it must be set when LEADSCORE_REQUIRE_POSTGRES
/// is); `what` names the tests in the line that says they were skipped.
pub fn postgres_url(what: &str) -> Option<String> {
    match std::env::var("LEADSCORE_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().to_string()),
        _ => {
            assert!(
                std::env::var("LEADSCORE_REQUIRE_POSTGRES").is_err(),
                "LEADSCORE_REQUIRE_POSTGRES is set but LEADSCORE_TEST_POSTGRES_URL is not"
            );
            eprintln!("{what}: PostgreSQL skipped (set LEADSCORE_TEST_POSTGRES_URL to run it)");
            None
        }
    }
}

/// An in-memory SQLite with `exp`, `ln`, `power` and `regexp` (what the export needs beyond
/// the core; `regexp` is SQLite's `REGEXP` operator).
pub fn sqlite_memory() -> rusqlite::Connection {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    c.create_scalar_function("exp", 1, flags, |ctx| Ok(ctx.get::<f64>(0)?.exp())).unwrap();
    c.create_scalar_function("ln", 1, flags, |ctx| Ok(ctx.get::<f64>(0)?.ln())).unwrap();
    c.create_scalar_function("power", 2, flags, |ctx| Ok(ctx.get::<f64>(0)?.powf(ctx.get::<f64>(1)?))).unwrap();
    c.create_scalar_function("regexp", 2, flags, |ctx| {
        let re = regex::Regex::new(&ctx.get::<String>(0)?).map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
        Ok(ctx.get::<Option<String>>(1)?.is_some_and(|v| re.is_match(&v)))
    })
    .unwrap();
    c
}

/// The `CREATE TABLE` of table `name` with a text column per column of the CSV at `csv`, its
/// rows (blank = NULL) and its column count.
fn table_sql(name: &str, csv: &Path) -> (String, Vec<Vec<Option<String>>>, usize) {
    let (h, rows) = read_csv(csv);
    let cols: Vec<String> = h.iter().map(|n| format!("\"{}\" TEXT", n.replace('"', "\"\""))).collect();
    let rows = rows.into_iter().map(|r| r.into_iter().map(|v| (!v.is_empty()).then_some(v)).collect()).collect();
    (format!("CREATE TABLE \"{name}\" ({})", cols.join(", ")), rows, h.len())
}

/// Loads the CSV at `csv` into SQLite as table `name`, in one transaction.
pub fn sqlite_load(c: &rusqlite::Connection, name: &str, csv: &Path) {
    let (create, rows, n) = table_sql(name, csv);
    c.execute_batch(&create).unwrap();
    let tx = c.unchecked_transaction().unwrap();
    let mut ins = tx.prepare(&format!("INSERT INTO \"{name}\" VALUES ({})", vec!["?"; n].join(", "))).unwrap();
    for r in &rows {
        ins.execute(rusqlite::params_from_iter(r)).unwrap();
    }
    drop(ins);
    tx.commit().unwrap();
}

/// A fresh database `ls_<test>` on the server at `url` (dropped first if a run left it).
pub fn postgres_database(url: &str, test: &str) -> postgres::Client {
    let name = format!("ls_{test}");
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("the test PostgreSQL server");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    postgres::Client::connect(&format!("{base}/{name}"), postgres::NoTls).unwrap()
}

/// Loads the CSV at `csv` into PostgreSQL as table `name`, in one transaction.
pub fn postgres_load(c: &mut postgres::Client, name: &str, csv: &Path) {
    let (create, rows, n) = table_sql(name, csv);
    c.batch_execute(&create).unwrap();
    let mut tx = c.transaction().unwrap();
    let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    let ins = tx.prepare(&format!("INSERT INTO \"{name}\" VALUES ({})", marks.join(", "))).unwrap();
    for r in &rows {
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            r.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect();
        tx.execute(&ins, &params).unwrap();
    }
    tx.commit().unwrap();
}
