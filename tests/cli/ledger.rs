//! The score ledger, through the real binary, on both backends: SQLite always, PostgreSQL when
//! `LEADSCORE_TEST_POSTGRES_URL` names a server (CI starts one with
//! `scripts/start_postgres.sh` and sets `LEADSCORE_REQUIRE_POSTGRES=1`, so the suite cannot
//! silently skip there). Each PostgreSQL test gets a database of its own.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{read_csv, run, sample_dir, text, train_sample, without_scored_at};

/// The ledgers a test runs against: an SQLite file in `dir`, and a fresh PostgreSQL database
/// when a server is configured.
pub(crate) fn ledgers(dir: &Path, test: &str) -> Vec<String> {
    let mut v = vec![dir.join("ledger.db").display().to_string()];
    match std::env::var("LEADSCORE_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => v.push(fresh_database(url.trim(), test)),
        _ => {
            assert!(
                std::env::var("LEADSCORE_REQUIRE_POSTGRES").is_err(),
                "LEADSCORE_REQUIRE_POSTGRES is set but LEADSCORE_TEST_POSTGRES_URL is not"
            );
            eprintln!("{test}: PostgreSQL skipped (set LEADSCORE_TEST_POSTGRES_URL to run it)");
        }
    }
    v
}

/// Creates database `ls_<test>` (dropping an old one) on the server of `url`; returns its URL.
fn fresh_database(url: &str, test: &str) -> String {
    let name = format!("ls_{test}");
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("the test PostgreSQL server");
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    format!("{base}/{name}")
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{:?}", text(o));
}

/// Scores `data` (relative to `dir`) into `out` and `ledger` for the night `as_of`.
fn night(dir: &Path, ledger: &str, data: &str, as_of: &str, out: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "score",
        "--model",
        "models/m.json",
        "--data",
        data,
        "--out",
        out,
        "--ledger",
        ledger,
        "--as-of",
        as_of,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// Night two of the sample: the first 20 leads get 5 more visits, 5 leads are gone, 3 new.
fn second_night(dir: &Path) {
    let (header, rows) = read_csv(&dir.join("data/open_leads.csv"));
    let visits = header.iter().position(|h| h == "visits").unwrap();
    let mut out = vec![header.join(",")];
    for (i, r) in rows.iter().enumerate().skip(5) {
        let mut r = r.clone();
        if i < 20 {
            r[visits] = (r[visits].parse::<f64>().unwrap_or(0.0) + 5.0).to_string();
        }
        out.push(
            r.iter()
                .map(|c| if c.contains(',') { format!("\"{c}\"") } else { c.clone() })
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    let last = rows.last().unwrap();
    for k in 0..3 {
        let mut r = last.clone();
        r[0] = format!("NEW{k}");
        out.push(
            r.iter()
                .map(|c| if c.contains(',') { format!("\"{c}\"") } else { c.clone() })
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    fs::write(dir.join("data/night2.csv"), out.join("\n") + "\n").unwrap();
}

fn runs_json(dir: &Path, ledger: &str) -> serde_json::Value {
    let o = run(dir, &["ledger", "runs", "--ledger", ledger, "--json"]);
    ok(&o);
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn two_nights_then_changes_history_and_runs_on_every_backend() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    second_night(d);
    for ledger in ledgers(d, "two_nights") {
        ok(&night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n1.csv", &[]));
        ok(&night(d, &ledger, "data/night2.csv", "2026-07-01", "n2.csv", &[]));
        let runs = runs_json(d, &ledger);
        let leads: Vec<u64> = runs.as_array().unwrap().iter().map(|r| r["leads"].as_u64().unwrap()).collect();
        assert_eq!(leads, [200, 198], "{ledger}");
        let sha = runs[0]["input_sha256"].as_str().unwrap();
        assert_eq!(sha.len(), 64, "{ledger}");

        let o = run(d, &["changes", "--ledger", &ledger, "--out", "changes.csv"]);
        ok(&o);
        let (header, rows) = read_csv(&d.join("changes.csv"));
        let col = |n: &str| header.iter().position(|h| h == n).unwrap();
        let kinds = |k: &str| rows.iter().filter(|r| r[col("change")].split('+').any(|x| x == k)).count();
        assert_eq!((kinds("new"), kinds("gone")), (3, 5), "{ledger}: {rows:?}");
        let news: Vec<&str> = rows.iter().filter(|r| r[col("change")] == "new").map(|r| r[0].as_str()).collect();
        assert_eq!(news, ["NEW0", "NEW1", "NEW2"]);
        // Every jump reported is at least 5 points and matches the two output files.
        let (_, n1) = read_csv(&d.join("n1.csv"));
        let (_, n2) = read_csv(&d.join("n2.csv"));
        let p = |rows: &[Vec<String>], id: &str| rows.iter().find(|r| r[0] == id).map(|r| r[1].parse::<f64>().unwrap());
        for r in rows.iter().filter(|r| r[col("change")].contains("up") || r[col("change")].contains("down")) {
            let delta: f64 = r[col("delta_pp")].parse().unwrap();
            assert!(delta.abs() >= 5.0, "{r:?}");
            let (a, b) = (p(&n1, &r[0]).unwrap(), p(&n2, &r[0]).unwrap());
            assert!((100.0 * (b - a) - delta).abs() < 0.06, "{r:?} vs files {a} {b}");
            assert!(!r[col("why_changed")].is_empty(), "{r:?}");
        }
        assert!(kinds("up") + kinds("down") > 0, "{ledger}: the 20 changed leads moved: {rows:?}");

        let o = run(d, &["history", "--ledger", &ledger, "--id", "NEW0", "--json"]);
        ok(&o);
        let h: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(h.as_array().unwrap().len(), 1);
        let first_id = &n1[0][0];
        let o = run(d, &["history", "--ledger", &ledger, "--id", first_id]);
        ok(&o);
        assert!(text(&o).0.contains("1 runs"), "{:?}", text(&o)); // gone on night two
        let later = &n2[20][0];
        let o = run(d, &["history", "--ledger", &ledger, "--id", later, "--json"]);
        let h: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let probs: Vec<f64> =
            h.as_array().unwrap().iter().map(|x| x["score"]["probability"].as_f64().unwrap()).collect();
        assert_eq!(probs.len(), 2);
        assert!((probs[1] - p(&n2, later).unwrap()).abs() < 6e-5, "{probs:?}");
    }
}

#[test]
fn the_same_night_is_refused_unless_replace_and_nothing_is_written() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    for ledger in ledgers(d, "same_night") {
        ok(&night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n1.csv", &[]));
        let before = fs::read(d.join("n1.csv")).unwrap();
        let o = night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n1.csv", &["--reasons", "0"]);
        assert_eq!(o.status.code(), Some(2));
        let err = text(&o).1;
        assert!(err.contains("already recorded") && err.contains("--replace"), "{err}");
        assert_eq!(fs::read(d.join("n1.csv")).unwrap(), before, "the refused run changed the output");
        assert_eq!(runs_json(d, &ledger).as_array().unwrap().len(), 1);
        ok(&night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n1.csv", &["--reasons", "0", "--replace"]));
        let runs = runs_json(d, &ledger);
        assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
        assert_eq!(runs[0]["run_id"], 2);
        let left: Vec<_> =
            fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(left.iter().all(|n| !n.starts_with(".leadscore")), "{left:?}");
    }
}

#[test]
fn an_incremental_night_reuses_unchanged_leads_and_matches_a_full_run() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    second_night(d);
    for ledger in ledgers(d, "incremental") {
        ok(&night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n1.csv", &["--incremental"]));
        let o = night(d, &ledger, "data/night2.csv", "2026-07-01", "inc.csv", &["--incremental", "--json"]);
        ok(&o);
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        // 198 leads: 3 new and 15 of the first 20 changed; 180 unchanged.
        assert_eq!(summary["reused"], 180, "{summary}");
        let o =
            run(d, &["score", "--model", "models/m.json", "--data", "data/night2.csv", "--out", "full.csv", "--quiet"]);
        ok(&o);
        assert_eq!(
            without_scored_at(&d.join("inc.csv")),
            without_scored_at(&d.join("full.csv")),
            "{ledger}: incremental output differs from a full run"
        );
        let runs = runs_json(d, &ledger);
        assert_eq!(runs[1]["reused"], 180);
    }
}

/// The latest run's scores as text, reasons spelled out (lead id, input hash, probability,
/// percentile, grade, reasons), in lead id order.
fn latest_scores(ledger: &str) -> Vec<Vec<Option<String>>> {
    let p = if ledger.starts_with("postgres") { "leadscore_" } else { "" };
    let sql = format!(
        "SELECT CAST(s.lead_id AS TEXT), CAST(s.input_hash AS TEXT), CAST(s.probability AS TEXT),
                CAST(s.percentile AS TEXT), s.grade, CAST(r.reasons AS TEXT)
           FROM {p}scores s JOIN {p}scores_readable r ON r.run_id = s.run_id AND r.lead_id = s.lead_id
          WHERE s.run_id = (SELECT max(run_id) FROM {p}runs) ORDER BY s.lead_id"
    );
    if p.is_empty() {
        let c = rusqlite::Connection::open(ledger).unwrap();
        let mut stmt = c.prepare(&sql).unwrap();
        let rows = stmt.query_map([], |r| (0..6).map(|i| r.get(i)).collect::<Result<Vec<_>, _>>()).unwrap();
        rows.map(Result::unwrap).collect()
    } else {
        let mut c = postgres::Client::connect(ledger, postgres::NoTls).unwrap();
        c.query(&sql, &[]).unwrap().iter().map(|r| (0..6).map(|i| r.get(i)).collect()).collect()
    }
}

/// Every stored reasons text of the ledger as `(run_id, lead_id, reasons)`.
fn stored_reasons(ledger: &str) -> Vec<(i64, String, String)> {
    let sql = "SELECT run_id, lead_id, reasons FROM {p}scores WHERE reasons IS NOT NULL ORDER BY run_id, lead_id";
    if ledger.starts_with("postgres") {
        let mut c = postgres::Client::connect(ledger, postgres::NoTls).unwrap();
        let rows = c.query(&sql.replace("{p}", "leadscore_"), &[]).unwrap();
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()
    } else {
        let c = rusqlite::Connection::open(ledger).unwrap();
        let mut stmt = c.prepare(&sql.replace("{p}", "")).unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        rows.map(Result::unwrap).collect()
    }
}

/// Rewrites every flat `[id,pp,...]` reasons text into the pairs `[[id,pp],...]` of ledger
/// schema 3 and before; returns how many rows it rewrote.
fn reasons_as_pairs(ledger: &str) -> usize {
    let pairs = |flat: &str| {
        let items: Vec<&str> = flat.trim_matches(['[', ']']).split(',').collect();
        let p: Vec<String> = items.chunks(2).map(|c| format!("[{},{}]", c[0], c[1])).collect();
        format!("[{}]", p.join(","))
    };
    let rows: Vec<_> = stored_reasons(ledger).into_iter().filter(|(_, _, t)| !t.starts_with("[[") && t != "[]").collect();
    let sql = "UPDATE {p}scores SET reasons = $3 WHERE run_id = $1 AND lead_id = $2";
    if ledger.starts_with("postgres") {
        let mut c = postgres::Client::connect(ledger, postgres::NoTls).unwrap();
        for (run, lead, t) in &rows {
            c.execute(&sql.replace("{p}", "leadscore_"), &[run, lead, &pairs(t)]).unwrap();
        }
    } else {
        let c = rusqlite::Connection::open(ledger).unwrap();
        for (run, lead, t) in &rows {
            c.execute(&sql.replace("{p}", "").replace('$', "?"), rusqlite::params![run, lead, pairs(t)]).unwrap();
        }
    }
    rows.len()
}

/// How many of the latest run's stored reasons texts are pairs (`[[id,pp],...]`) and how
/// many flat.
fn stored_forms(ledger: &str) -> (usize, usize) {
    let rows = stored_reasons(ledger);
    let last = rows.iter().map(|r| r.0).max().unwrap();
    let latest: Vec<&str> = rows.iter().filter(|r| r.0 == last && r.2 != "[]").map(|r| r.2.as_str()).collect();
    let old = latest.iter().filter(|t| t.starts_with("[[")).count();
    (old, latest.len() - old)
}

#[test]
fn an_incremental_night_stores_what_a_full_night_stores() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    second_night(d);
    for sub in ["inc", "full"] {
        fs::create_dir(d.join(sub)).unwrap();
    }
    let pairs = ledgers(&d.join("inc"), "stored_inc").into_iter().zip(ledgers(&d.join("full"), "stored_full"));
    for (inc, full) in pairs {
        ok(&night(d, &inc, "data/open_leads.csv", "2026-06-30", "n1.csv", &[]));
        // Night 1's reasons as ledger schema 3 stored them (pairs): the reused leads keep that
        // form, the rescored ones get the flat one, and both read back the same.
        assert!(reasons_as_pairs(&inc) > 150, "{inc}");
        ok(&night(d, &inc, "data/night2.csv", "2026-07-01", "inc.csv", &["--incremental"]));
        ok(&night(d, &full, "data/open_leads.csv", "2026-06-30", "n1.csv", &[]));
        ok(&night(d, &full, "data/night2.csv", "2026-07-01", "full.csv", &[]));
        assert_eq!(runs_json(d, &inc)[1]["reused"], 180, "{inc}");
        let (a, b) = (latest_scores(&inc), latest_scores(&full));
        assert_eq!(a.len(), 198, "{inc}");
        assert!(a.iter().all(|r| r[5].as_deref().is_some_and(|t| t.contains("pp"))), "{inc}: {a:?}");
        assert_eq!(a, b, "{inc}: the incremental night's scores differ from the full night's");
        let (old, flat) = stored_forms(&inc);
        assert!(old >= 150 && flat > 0, "{inc}: {old} rows in pairs, {flat} flat");
        assert_eq!(stored_forms(&full).0, 0, "{full}: new rows are flat");
        assert_eq!(fs::read_to_string(d.join("inc.csv")).unwrap().lines().count(), 199);
        assert_eq!(without_scored_at(&d.join("inc.csv")), without_scored_at(&d.join("full.csv")), "{inc}");
    }
}

#[test]
fn bad_ledgers_are_refused_naming_them_and_left_unchanged() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let score = |ledger: &str| night(d, ledger, "data/open_leads.csv", "2026-06-30", "out.csv", &[]);
    // A file that is not a database.
    fs::write(d.join("notes.db"), "these are my notes\n").unwrap();
    let o = score("notes.db");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("notes.db: not a leadscore ledger"), "{:?}", text(&o));
    assert_eq!(fs::read_to_string(d.join("notes.db")).unwrap(), "these are my notes\n");
    assert!(!d.join("out.csv").exists());
    // An SQLite database of something else.
    let other = rusqlite::Connection::open(d.join("other.db")).unwrap();
    other.execute_batch("CREATE TABLE customers (id INTEGER)").unwrap();
    drop(other);
    let o = score("other.db");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("tables customers and no `meta` table"), "{:?}", text(&o));
    // A ledger from a newer leadscore.
    ok(&score("new.db"));
    fs::remove_file(d.join("out.csv")).unwrap();
    let c = rusqlite::Connection::open(d.join("new.db")).unwrap();
    c.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'", []).unwrap();
    drop(c);
    let o = night(d, "new.db", "data/open_leads.csv", "2026-07-01", "out.csv", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("schema version 99 is newer"), "{:?}", text(&o));
    assert!(!d.join("out.csv").exists());
    // A directory that does not exist; a server that cannot be reached.
    let o = score("nowhere/ledger.db");
    assert!(text(&o).1.contains("the directory nowhere does not exist"), "{:?}", text(&o));
    assert!(!d.join("nowhere").exists());
    let o = score("postgres://nobody:secret@127.0.0.1:1/none");
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(err.contains("postgres://nobody:***@127.0.0.1:1/none: cannot connect"), "{err}");
    assert!(!err.contains("secret"));
    // Reading commands do not create a ledger.
    let o = run(d, &["ledger", "runs", "--ledger", "missing.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("missing.db: no such file"), "{:?}", text(&o));
    assert!(!d.join("missing.db").exists());
    // Rows without ids cannot be tracked.
    let o = run(
        d,
        &[
            "score",
            "--model",
            "models/m.json",
            "--data",
            "data/open_leads.csv",
            "--out",
            "o.csv",
            "--id",
            "first_name",
            "--ledger",
            "ids.db",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("appears more than once in this run"), "{:?}", text(&o));
    assert!(!d.join("o.csv").exists());
    assert_eq!(runs_json(d, "ids.db").as_array().unwrap().len(), 0);
}

#[test]
fn a_lead_id_twice_in_one_run_is_refused_naming_it_and_its_row_on_every_backend() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let (header, rows) = read_csv(&d.join("data/open_leads.csv"));
    let line = |r: &[String]| {
        r.iter().map(|c| if c.contains(',') { format!("\"{c}\"") } else { c.clone() }).collect::<Vec<_>>().join(",")
    };
    let mut lines = vec![header.join(",")];
    lines.extend(rows.iter().map(|r| line(r)));
    // Data row 150 has row 3's lead id, in a later batch (--batch-rows 50).
    let mut again = rows[149].clone();
    again[0] = rows[2][0].clone();
    lines[150] = line(&again);
    fs::write(d.join("data/twice.csv"), lines.join("\n") + "\n").unwrap();
    for ledger in ledgers(d, "twice") {
        let o = night(d, &ledger, "data/twice.csv", "2026-06-30", "t.csv", &["--batch-rows", "50"]);
        assert_eq!(o.status.code(), Some(2), "{ledger}");
        let err = text(&o).1;
        assert!(
            err.contains(&format!("lead id \"{}\" (data row 150) appears more than once", rows[2][0])),
            "{ledger}: {err}"
        );
        assert!(!d.join("t.csv").exists());
        assert_eq!(runs_json(d, &ledger).as_array().unwrap().len(), 0);
    }
}

#[test]
fn a_second_writer_waits_then_is_refused_and_never_interleaves() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    for ledger in ledgers(d, "locked") {
        ok(&night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n1.csv", &[]));
        // Another writer holds the ledger's lock.
        let holder: Box<dyn std::any::Any> = if ledger.starts_with("postgres") {
            let mut c = postgres::Client::connect(&ledger, postgres::NoTls).unwrap();
            c.batch_execute("BEGIN; SELECT pg_advisory_xact_lock(514677774)").unwrap();
            Box::new(c)
        } else {
            let c = rusqlite::Connection::open(&ledger).unwrap();
            c.execute_batch("BEGIN IMMEDIATE").unwrap();
            Box::new(c)
        };
        let started = std::time::Instant::now();
        let o = night(d, &ledger, "data/open_leads.csv", "2026-07-01", "n2.csv", &["--ledger-wait", "1"]);
        assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
        assert!(text(&o).1.contains("another run is writing to it (waited 1 s)"), "{:?}", text(&o));
        assert!(started.elapsed().as_secs_f64() >= 0.9);
        assert!(!d.join("n2.csv").exists());
        drop(holder);
        // Two runs at once: both complete, each whole.
        let spawn = |as_of: &str, out: &str| {
            crate::common::leadscore_std()
                .current_dir(d)
                .args(["score", "--model", "models/m.json", "--data", "data/open_leads.csv", "--out", out])
                .args(["--ledger", &ledger, "--as-of", as_of, "--quiet"])
                .spawn()
                .unwrap()
        };
        let (mut a, mut b) = (spawn("2026-07-02", "a.csv"), spawn("2026-07-03", "b.csv"));
        assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
        let runs = runs_json(d, &ledger);
        let leads: Vec<u64> = runs.as_array().unwrap().iter().map(|r| r["leads"].as_u64().unwrap()).collect();
        assert_eq!(leads, [200, 200, 200], "{ledger}: {runs}");
    }
}

#[test]
fn prune_keeps_the_recent_nights() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let today = chrono::Utc::now().date_naive().to_string();
    for ledger in ledgers(d, "prune") {
        ok(&night(d, &ledger, "data/open_leads.csv", "2020-01-01", "a.csv", &["--reasons", "0"]));
        ok(&night(d, &ledger, "data/open_leads.csv", &today, "b.csv", &["--reasons", "0"]));
        let o = run(d, &["ledger", "prune", "--ledger", &ledger, "--keep-days", "30"]);
        ok(&o);
        assert!(text(&o).0.contains("deleted 1 runs") && text(&o).0.contains("(200 scores)"), "{:?}", text(&o));
        let runs = runs_json(d, &ledger);
        assert_eq!(runs.as_array().unwrap().len(), 1);
        assert_eq!(runs[0]["as_of"], today.as_str());
        let o = run(d, &["history", "--ledger", &ledger, "--id", "L0000801", "--json"]);
        ok(&o);
    }
}

#[test]
fn kill_9_mid_run_leaves_earlier_runs_whole_and_the_ledger_consistent() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let o = run(
        d,
        &[
            "generate",
            "--out-dir",
            "big",
            "--history-rows",
            "100",
            "--open-rows",
            "60000",
            "--no-activities",
            "--seed",
            "3",
        ],
    );
    ok(&o);
    let ledger = d.join("ledger.db").display().to_string();
    ok(&night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n1.csv", &[]));
    let mut killed_mid_run = 0;
    for (k, wait_ms) in [50u64, 200, 400, 700, 1000, 1500].into_iter().enumerate() {
        let mut child = crate::common::leadscore_std()
            .current_dir(d)
            .args(["score", "--model", "models/m.json", "--data", "big/open_leads.csv", "--out", "big.csv"])
            .args(["--ledger", &ledger, "--as-of", &format!("2026-07-{:02}", k + 1), "--batch-rows", "2000", "--quiet"])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let runs = runs_json(d, &ledger);
        let n = runs.as_array().unwrap().len();
        if !finished {
            killed_mid_run += 1;
        }
        // Every recorded run is whole: its leads column equals its score rows.
        let c = rusqlite::Connection::open(&ledger).unwrap();
        let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        let bad: i64 = c
            .query_row(
                "SELECT count(*) FROM runs r WHERE r.leads <> (SELECT count(*) FROM scores s WHERE s.run_id = r.run_id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(bad, 0, "a run is partly recorded after kill -9 at {wait_ms} ms");
        let orphans: i64 = c
            .query_row("SELECT count(*) FROM scores WHERE run_id NOT IN (SELECT run_id FROM runs)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(orphans, 0);
        assert!(n >= 1 && runs[0]["leads"] == 200, "{runs}");
    }
    assert!(killed_mid_run >= 3, "the runs finished before they could be killed; make the file bigger");
    // The ledger takes the next night as usual.
    ok(&night(d, &ledger, "data/open_leads.csv", "2026-08-01", "n3.csv", &[]));
}

/// Mann–Whitney AUC of `scores` for `labels` (ties count half).
fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let (mut num, mut pairs) = (0.0, 0.0);
    for (i, &a) in scores.iter().enumerate() {
        for (j, &b) in scores.iter().enumerate() {
            if labels[i] && !labels[j] {
                pairs += 1.0;
                num += if a > b {
                    1.0
                } else if a == b {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    num / pairs
}

#[test]
fn evaluate_as_scored_judges_each_lead_by_its_score_from_before_its_outcome() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    second_night(d);
    for ledger in ledgers(d, "as_scored") {
        ok(&night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n1.csv", &["--reasons", "0"]));
        ok(&night(d, &ledger, "data/night2.csv", "2026-07-10", "n2.csv", &["--reasons", "0"]));
        let (_, n1) = read_csv(&d.join("n1.csv"));
        let (_, n2) = read_csv(&d.join("n2.csv"));
        let p = |rows: &[Vec<String>], id: &str| rows.iter().find(|r| r[0] == id).map(|r| r[1].parse::<f64>().unwrap());
        // Outcomes: leads 5..20 (changed on night two) closed on 07-05, so night one's score
        // counts; the rest on 07-20 (night two's, or night one's for the 5 gone); 3 leads
        // closed on 06-01, before any score; 2 ids the ledger never saw.
        let mut lines = vec!["lead_id,converted,closed_on".to_string()];
        let (mut want_p, mut want_y) = (Vec::new(), Vec::new());
        for (i, r) in n1.iter().enumerate() {
            let id = &r[0];
            let y = (p(&n1, id).unwrap() > 0.15) ^ (i % 7 == 0);
            let closed = if i < 3 {
                "2026-06-01"
            } else if i < 20 {
                "2026-07-05"
            } else {
                "2026-07-20"
            };
            lines.push(format!("{id},{},{closed}", if y { "yes" } else { "no" }));
            if i >= 3 {
                let score = if i < 20 { p(&n1, id) } else { p(&n2, id).or(p(&n1, id)) };
                want_p.push(score.unwrap());
                want_y.push(y);
            }
        }
        lines.push("GHOST1,yes,2026-07-20".into());
        lines.push("GHOST2,no,2026-07-20".into());
        fs::write(d.join("outcomes.csv"), lines.join("\n") + "\n").unwrap();
        let o = run(
            d,
            &[
                "evaluate",
                "--ledger",
                &ledger,
                "--data",
                "outcomes.csv",
                "--target",
                "converted",
                "--positive",
                "yes",
                "--id",
                "lead_id",
                "--outcome-date-column",
                "closed_on",
                "--json",
                "ev.json",
            ],
        );
        ok(&o);
        let out = text(&o).0;
        assert!(
            out.contains("197 of 202 labelled leads evaluated") && out.contains("2 never scored, 3 scored only after"),
            "{out}"
        );
        let j: serde_json::Value = serde_json::from_str(&fs::read_to_string(d.join("ev.json")).unwrap()).unwrap();
        assert_eq!(j["scorers"][0]["name"], "model as scored");
        let got = j["scorers"][0]["auc"].as_f64().unwrap();
        let want = auc(&want_p, &want_y);
        assert!((got - want).abs() < 0.005, "{ledger}: AUC {got} vs {want} from the files' scores");
    }
}

#[test]
fn a_read_only_ledger_is_refused_and_left_as_it_was() {
    // Root ignores file permissions, so the ledger is made immutable (chattr +i) where the
    // file system allows it.
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    let ledger = d.join("ro.db");
    ok(&night(d, "ro.db", "data/open_leads.csv", "2026-06-30", "n1.csv", &[]));
    for suffix in ["-wal", "-shm"] {
        let _ = fs::remove_file(d.join(format!("ro.db{suffix}")));
    }
    let before = fs::read(&ledger).unwrap();
    let made = std::process::Command::new("chattr").arg("+i").arg(&ledger).status().is_ok_and(|s| s.success());
    if !made {
        eprintln!("a_read_only_ledger: skipped (chattr +i is not allowed here)");
        return;
    }
    struct Undo<'a>(&'a Path);
    impl Drop for Undo<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("chattr").arg("-i").arg(self.0).status();
        }
    }
    let _undo = Undo(&ledger);
    let o = night(d, "ro.db", "data/open_leads.csv", "2026-07-01", "n2.csv", &[]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("ro.db: the database is read-only"), "{:?}", text(&o));
    assert!(!d.join("n2.csv").exists());
    assert_eq!(fs::read(&ledger).unwrap(), before);
}

#[test]
fn a_version_1_ledger_is_read_as_it_is_and_migrated_when_written() {
    use leadscore::ledger::schema::{migrations, Dialect};
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    // A ledger as leadscore wrote it before shadow runs: schema version 1, one run.
    let path = d.join("v1.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(migrations(Dialect::Sqlite)[0]).unwrap();
    c.execute_batch(
        "INSERT INTO meta VALUES ('schema_version', '1');
         INSERT INTO runs (run_key, started_at, finished_at, as_of, model_id, input_path, leads, settings)
           VALUES ('2026-06-01/model abc', '2026-06-01T01:00:00Z', '2026-06-01T01:01:00Z', '2026-06-01', 'abc', 'x.csv', 1, '{}');
         INSERT INTO scores (run_id, lead_id, probability, percentile, grade) VALUES (1, 'L1', 0.5, 50.0, 'B');",
    )
    .unwrap();
    drop(c);
    let before = fs::read(&path).unwrap();
    let ledger = path.display().to_string();
    let o = run(d, &["ledger", "runs", "--ledger", &ledger, "--json"]);
    ok(&o);
    let runs: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert!(runs[0]["shadow_of"].is_null());
    assert_eq!(fs::read(&path).unwrap(), before, "reading never migrates");
    // The next night migrates it to the current schema and keeps the old run.
    ok(&night(d, &ledger, "data/open_leads.csv", "2026-06-30", "n.csv", &[]));
    let c = rusqlite::Connection::open(&path).unwrap();
    let v: String = c.query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0)).unwrap();
    assert_eq!(v, leadscore::ledger::SCHEMA_VERSION.to_string());
    let n: i64 = c.query_row("SELECT count(*) FROM runs WHERE shadow_of IS NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
}
