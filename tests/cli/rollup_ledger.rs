//! `rollup --ledger` and `momentum --by` read the context columns a night recorded in the
//! score ledger (schema 3), on every backend: a roll-up of a recorded night equals the
//! roll-up of that night's scored file; a ledger of schema 2 is read as it is, migrated when
//! written, and its old runs say what they lack and what to do.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{read_csv, run, sample_dir, text, train_sample, write_with_cells};
use crate::ledger::ledgers;

fn ok(o: &Output) {
    assert!(o.status.success(), "{:?}", text(o));
}

/// `from` with an `account` (blank on every 9th lead, 13 accounts) and a `price` (blank on
/// every 7th) column added.
fn with_accounts(dir: &Path, from: &str, to: &str) {
    let body = fs::read_to_string(dir.join(from)).unwrap();
    let mut out = String::new();
    for (i, line) in body.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("{line},account,price\n"));
            continue;
        }
        let account = if i % 9 == 0 { String::new() } else { format!("Acc{:02}", i % 13) };
        let price = if i % 7 == 0 { String::new() } else { ((i * 137) % 5000).to_string() };
        out.push_str(&format!("{line},{account},{price}\n"));
    }
    fs::write(dir.join(to), out).unwrap();
}

/// Scores `data` with the model and the sample rules into `ledger` and `out`, keeping the
/// account and the price.
fn night(dir: &Path, ledger: &str, data: &str, as_of: &str, out: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "score",
        "--model",
        "models/m.json",
        "--rules",
        "rules.toml",
        "--activities",
        "data/activities.csv",
        "--data",
        data,
        "--keep-columns",
        "account",
        "--value-column",
        "price",
        "--batch-rows",
        "64",
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

/// The roll-up of `source` (`--scored FILE` or `--ledger L --run R`): its JSON and its file.
fn rollup(dir: &Path, source: &[&str], out: &str) -> (serde_json::Value, Vec<u8>) {
    let mut args = vec!["rollup"];
    args.extend_from_slice(source);
    args.extend_from_slice(&[
        "--by",
        "account",
        "--value-column",
        "price",
        "--rules",
        "rules.toml",
        "--out",
        out,
        "--json",
    ]);
    let o = run(dir, &args);
    ok(&o);
    (serde_json::from_slice(&o.stdout).unwrap(), fs::read(dir.join(out)).unwrap())
}

fn setup(d: &Path) {
    train_sample(d);
    fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rules/sample.toml"), d.join("rules.toml")).unwrap();
    with_accounts(d, "data/open_leads.csv", "night1.csv");
    // Night two: the first 40 leads requested a demo (their probabilities rise).
    write_with_cells(&d.join("night1.csv"), &d.join("night2.csv"), "demo_requested", |i| i <= 40, "Yes");
}

#[test]
fn rollup_of_a_ledger_night_equals_rollup_of_its_scored_file_on_every_backend() {
    let dir = sample_dir();
    let d = dir.path();
    setup(d);
    for (k, ledger) in ledgers(d, "rollup_ledger").iter().enumerate() {
        let (s1, s2) = (format!("s1-{k}.csv"), format!("s2-{k}.csv"));
        ok(&night(d, ledger, "night1.csv", "2026-06-29", &s1, &[]));
        // Night two's file shows probabilities to 6 decimals: the ledger's read must too.
        ok(&night(d, ledger, "night2.csv", "2026-06-30", &s2, &["--precision", "6"]));
        let (file1, csv1) = rollup(d, &["--scored", &s1], "f1.csv");
        let (led1, lcsv1) = rollup(d, &["--ledger", ledger, "--run", "previous"], "l1.csv");
        let (file2, csv2) = rollup(d, &["--scored", &s2], "f2.csv");
        let (led2, lcsv2) = rollup(d, &["--ledger", ledger], "l2.csv");
        assert_eq!(led1, file1, "{ledger}: night 1");
        assert_eq!(lcsv1, csv1, "{ledger}: night 1's file");
        assert_eq!(led2, file2, "{ledger}: night 2");
        assert_eq!(lcsv2, csv2, "{ledger}: night 2's file");
        // What was compared is a real roll-up: 13 accounts with money, engagement and buying
        // groups, leads without an account, and the two nights differ.
        assert_eq!(file1["accounts"].as_array().unwrap().len(), 13, "{file1}");
        assert_eq!((file1["with_value"].as_bool(), file1["with_engagement"].as_bool()), (Some(true), Some(true)));
        assert_eq!(file1["unassigned"]["contacts"], 22, "every 9th of 200 leads has no account");
        let engaged: usize = file1["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["coverage"]["engaged"].as_array().unwrap().len())
            .sum();
        assert!(engaged > 0, "{file1}");
        assert_ne!(led1, led2, "night 2 changed probabilities");
    }
}

/// A ledger as leadscore wrote it before context columns: schema 2, one run of one lead.
fn version_2_ledger(ledger: &str) {
    use leadscore::ledger::schema::{migrations, Dialect};
    let rows = "INSERT INTO {p}runs (run_key, started_at, finished_at, as_of, model_id, input_path, leads, settings)
           VALUES ('2026-06-01/model abc', '2026-06-01T01:00:00Z', '2026-06-01T01:01:00Z', '2026-06-01', 'abc', 'x.csv', 1, '{}');
         INSERT INTO {p}scores (run_id, lead_id, probability, percentile, grade) VALUES (1, 'L1', 0.5, 50.0, 'B');";
    if ledger.starts_with("postgres") {
        let mut c = postgres::Client::connect(ledger, postgres::NoTls).unwrap();
        let m = migrations(Dialect::Postgres);
        c.batch_execute(&format!("{}{}", m[0], m[1])).unwrap();
        c.batch_execute("INSERT INTO leadscore_meta VALUES ('schema_version', '2')").unwrap();
        c.batch_execute(&rows.replace("{p}", "leadscore_")).unwrap();
    } else {
        let c = rusqlite::Connection::open(ledger).unwrap();
        let m = migrations(Dialect::Sqlite);
        c.execute_batch(&format!("{}{}", m[0], m[1])).unwrap();
        c.execute_batch("INSERT INTO meta VALUES ('schema_version', '2')").unwrap();
        c.execute_batch(&rows.replace("{p}", "")).unwrap();
    }
}

fn schema_version(ledger: &str) -> String {
    if ledger.starts_with("postgres") {
        let mut c = postgres::Client::connect(ledger, postgres::NoTls).unwrap();
        c.query_one("SELECT value FROM leadscore_meta WHERE key = 'schema_version'", &[]).unwrap().get(0)
    } else {
        let c = rusqlite::Connection::open(ledger).unwrap();
        c.query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0)).unwrap()
    }
}

#[test]
fn a_version_2_ledger_is_read_as_is_then_migrated_and_its_old_runs_say_what_they_lack() {
    let dir = sample_dir();
    let d = dir.path();
    setup(d);
    for ledger in ledgers(d, "rollup_v2") {
        version_2_ledger(&ledger);
        let before = (!ledger.starts_with("postgres")).then(|| fs::read(&ledger).unwrap());
        let o = run(d, &["ledger", "runs", "--ledger", &ledger, "--json"]);
        ok(&o);
        let runs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!((runs.as_array().unwrap().len(), runs[0]["context"].is_null()), (1, true), "{runs}");
        let old_run = |args: &[&str]| {
            let mut a = vec!["rollup", "--ledger", &ledger, "--by", "account", "--out", "old.csv"];
            a.extend_from_slice(args);
            let o = run(d, &a);
            let err = text(&o).1;
            assert_eq!(o.status.code(), Some(2), "{err}");
            let want = format!("ledger {ledger}: run 1 (2026-06-01/model abc) did not record column \"account\" (it recorded: no context columns: it was recorded before leadscore kept them (ledger schema 3)); score that night again with `leadscore score ... --ledger {ledger} --as-of 2026-06-01 --replace` keeping the column (--keep-columns account), or roll up its scored file with --scored");
            assert!(err.contains(&want), "{err}\nwant: {want}");
            assert!(!d.join("old.csv").exists());
        };
        old_run(&[]);
        assert_eq!(schema_version(&ledger), "2", "reading never migrates");
        if let Some(b) = &before {
            assert_eq!(&fs::read(&ledger).unwrap(), b, "reading leaves the file as it was");
        }
        // A night written into it migrates it to the current schema; the old run stays,
        // without context.
        ok(&night(d, &ledger, "night1.csv", "2026-06-29", "s.csv", &[]));
        assert_eq!(schema_version(&ledger), leadscore::ledger::SCHEMA_VERSION.to_string());
        old_run(&["--run", "1"]);
        let (file, _) = rollup(d, &["--scored", "s.csv"], "f.csv");
        let (led, _) = rollup(d, &["--ledger", &ledger], "l.csv");
        assert_eq!(led, file);
        let o = run(d, &["history", "--ledger", &ledger, "--id", "L1", "--json"]);
        ok(&o);
        let h: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!((h[0]["run_id"].as_i64(), h[0]["score"]["probability"].as_f64()), (Some(1), Some(0.5)), "{h}");
        assert!(h[0]["score"].get("position").is_none(), "the old run has no position: {h}");
    }
}

#[test]
fn momentum_reads_each_night_s_accounts_from_the_ledger_and_a_file_overrides_them() {
    let dir = sample_dir();
    let d = dir.path();
    setup(d);
    let mut p = Vec::new();
    for (as_of, data) in [("2026-06-10", "night1.csv"), ("2026-06-28", "night2.csv"), ("2026-06-30", "night2.csv")] {
        let out = format!("s-{as_of}.csv");
        ok(&night(d, "l.db", data, as_of, &out, &["--precision", "17"]));
        let (header, rows) = read_csv(&d.join(&out));
        let at = |c: &str| header.iter().position(|h| h == c).unwrap();
        let (prob, acc) = (at("probability"), at("account"));
        p.push(rows.iter().map(|r| (r[prob].parse::<f64>().unwrap(), r[acc].clone())).collect::<Vec<_>>());
    }
    let momentum = |extra: &[&str]| {
        let mut a = vec!["momentum", "--ledger", "l.db", "--min-change", "0.001", "--top", "20"];
        a.extend_from_slice(extra);
        let o = run(d, &a);
        ok(&o);
        text(&o).0
    };
    let from_ledger = momentum(&["--by", "account"]);
    // The accounts did not move, so one map from a scored file gives the same report.
    assert_eq!(from_ledger, momentum(&["--accounts", "s-2026-06-10.csv", "--by", "account"]));
    // Per account by hand: per run 1 - prod(1 - p_i) over its leads; now = the mean of the
    // two runs this week, before = the run of 06-10. The account that rose most is listed.
    let p_any = |run: &[(f64, String)], acc: &str| {
        1.0 - run.iter().filter(|(_, a)| a == acc).map(|(p, _)| 1.0 - p).product::<f64>()
    };
    let change = |acc: &str| {
        let (before, now) = (p_any(&p[0], acc), (p_any(&p[1], acc) + p_any(&p[2], acc)) / 2.0);
        (now - before, before, now)
    };
    let names: Vec<String> = (0..13).map(|k| format!("Acc{k:02}")).collect();
    let top = names.iter().max_by(|a, b| change(a).0.total_cmp(&change(b).0)).unwrap();
    let (rise, before, now) = change(top);
    assert!(rise >= 0.001, "{top} must rise to be listed: {before} -> {now}");
    let line = format!("  {top:<24} {before:.3} -> {now:.3} ({:+.1} pp)", 100.0 * rise);
    let heating = &from_ledger[from_ledger.find("accounts heating up").unwrap()..];
    assert!(heating.contains(&line), "{line}\n{from_ledger}");
    // A column no night recorded: an error naming the ledger, the run and what it recorded.
    let o = run(d, &["momentum", "--ledger", "l.db", "--by", "owner"]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("ledger l.db: run 3 (2026-06-30/model") && err.contains("did not record column \"owner\" (it recorded: \"account\", \"price\", \"persona\", \"stage\", \"engagement_score\"); score with --ledger --keep-columns owner"), "{err}");
}
