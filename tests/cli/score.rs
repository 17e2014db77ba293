//! CLI tests of `leadscore score`.

use crate::common::*;
use std::fs;

#[test]
fn scores_every_lead_with_probability_percentile_grade_and_reasons() {
    let dir = sample_dir();
    train_sample(dir.path());
    let o =
        run(dir.path(), &["score", "--model", "models/m.json", "--data", "data/open_leads.csv", "--out", "scored.csv"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("scored 200 leads"), "{out}");
    let (header, rows) = read_csv(&dir.path().join("scored.csv"));
    assert_eq!(header, ["lead_id", "probability", "percentile", "grade", "reasons", "model_id", "scored_at"]);
    assert_eq!(rows.len(), 200);
    let (_, input) = read_csv(&dir.path().join("data/open_leads.csv"));
    for (r, i) in rows.iter().zip(&input) {
        assert_eq!(r[0], i[0], "ids in input order");
        let p: f64 = r[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
        let pct: f64 = r[2].parse().unwrap();
        assert!((0.0..=100.0).contains(&pct));
        assert!(["A", "B", "C", "D"].contains(&r[3].as_str()));
        assert!(r[4].contains(" = ") && r[4].ends_with(" pp)"), "reasons: {}", r[4]);
        assert_eq!(r[5].len(), 12, "model id");
    }
    // Percentiles follow probabilities (probabilities print rounded, so ties order by percentile).
    let mut by_p: Vec<(f64, f64)> = rows.iter().map(|r| (r[1].parse().unwrap(), r[2].parse().unwrap())).collect();
    by_p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    assert!(by_p.windows(2).all(|w| w[0].1 <= w[1].1));
}

#[test]
fn batch_size_does_not_change_the_output_and_formats_agree() {
    let dir = sample_dir();
    train_sample(dir.path());
    let a = run(
        dir.path(),
        &["score", "--model", "models/m.json", "--data", "data/open_leads.csv", "--out", "a.csv", "--quiet"],
    );
    let b = run(
        dir.path(),
        &[
            "score",
            "--model",
            "models/m.json",
            "--data",
            "data/open_leads.csv",
            "--out",
            "b.csv",
            "--batch-rows",
            "7",
            "--quiet",
        ],
    );
    assert!(a.status.success() && b.status.success());
    assert!(a.stdout.is_empty(), "--quiet prints nothing");
    assert_eq!(without_scored_at(&dir.path().join("a.csv")), without_scored_at(&dir.path().join("b.csv")));

    // The same leads as NDJSON and Parquet in, NDJSON and Parquet out: same probabilities.
    let c = run(
        dir.path(),
        &[
            "score",
            "--model",
            "models/m.json",
            "--data",
            "data/open_leads.csv",
            "--out",
            "c.ndjson",
            "--batch-rows",
            "64",
        ],
    );
    assert!(c.status.success(), "{:?}", text(&c));
    let nd = fs::read_to_string(dir.path().join("c.ndjson")).unwrap();
    let (_, csv_rows) = read_csv(&dir.path().join("a.csv"));
    for (line, row) in nd.lines().zip(&csv_rows) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["lead_id"], row[0].as_str());
        assert_eq!(v["probability"].as_f64().unwrap(), row[1].parse::<f64>().unwrap());
    }
    let d =
        run(dir.path(), &["score", "--model", "models/m.json", "--data", "data/open_leads.csv", "--out", "d.parquet"]);
    assert!(d.status.success(), "{:?}", text(&d));
    // Parquet output scored again as input is not meaningful; check it reads back with the rows.
    let e = run(dir.path(), &["score", "--model", "models/m.json", "--data", "c.ndjson", "--out", "e.csv", "--quiet"]);
    // c.ndjson lacks the model's input columns: a clear error naming the missing column.
    let (_, err) = text(&e);
    assert_eq!(e.status.code(), Some(2));
    assert!(err.contains("c.ndjson: column") && err.contains("not found"), "{err}");
}

#[test]
fn json_summary_counts_unseen_categories_and_grades() {
    let dir = sample_dir();
    train_sample(dir.path());
    let open = dir.path().join("data/open_leads.csv");
    write_with_cells(&open, &dir.path().join("one.csv"), "country", |i| i <= 3, "Atlantis");
    write_with_cells(
        &dir.path().join("one.csv"),
        &dir.path().join("new.csv"),
        "country",
        |i| i == 4 || i == 150,
        "Narnia",
    );
    // Batches of 2 rows: the values are counted per batch and added up.
    let args = ["score", "--model", "models/m.json", "--data", "new.csv", "--out", "s.csv", "--batch-rows", "2"];
    let o = run(dir.path(), &[&args[..], &["--json"]].concat());
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["leads"], 200);
    assert_eq!(v["unseen_categories"]["country"], 5);
    let values = serde_json::json!({"leads": 5, "distinct": 2, "values": [
        {"value": "Atlantis", "leads": 3}, {"value": "Narnia", "leads": 2}]});
    assert_eq!(v["unseen_values"]["country"], values);
    let total: u64 = v["grades"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(total, 200);
    let o = run(dir.path(), &args);
    let (out, err) = text(&o);
    let said = format!("{out}{err}");
    assert!(said.contains(r#"scored as "other": country: 5 ("Atlantis" 3, "Narnia" 2)"#), "{said}");
}

#[test]
fn bad_values_leave_no_half_written_output() {
    let dir = sample_dir();
    train_sample(dir.path());
    let open = dir.path().join("data/open_leads.csv");
    write_with_cells(&open, &dir.path().join("bad.csv"), "visits", |i| i == 150, "many");
    let o = run(
        dir.path(),
        &["score", "--model", "models/m.json", "--data", "bad.csv", "--out", "out.csv", "--batch-rows", "40"],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("bad.csv: column \"visits\", row 150: \"many\" is not a number"), "{err}");
    assert!(!dir.path().join("out.csv").exists());
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn damaged_or_foreign_bundles_are_refused_with_a_clear_message() {
    let dir = sample_dir();
    let bundle = train_sample(dir.path());
    let text_b = fs::read_to_string(&bundle).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("truncated.json", text_b[..text_b.len() / 2].to_string(), "not a readable leadscore model bundle"),
        ("tampered.json", text_b.replacen("\"rows_in_file\": 800", "\"rows_in_file\": 801", 1), "checksum mismatch"),
        (
            "future.json",
            text_b.replacen(
                &format!("\"format_version\": \"1.{}\"", leadscore::bundle::FORMAT_MINOR),
                "\"format_version\": \"2.0\"",
                1,
            ),
            "bundle format version 2.0 cannot be read",
        ),
        ("other.json", "{\"format\": \"something-else\"}".into(), "format is \"something-else\""),
        ("garbage.json", "\u{0}\u{1}binary".into(), "not a readable leadscore model bundle"),
    ];
    for (name, body, want) in cases {
        fs::write(dir.path().join(name), body).unwrap();
        let o = run(dir.path(), &["score", "--model", name, "--data", "data/open_leads.csv", "--out", "o.csv"]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
        assert!(!dir.path().join("o.csv").exists());
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = sample_dir();
    train_sample(dir.path());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("leadscore"))
        .current_dir(dir.path())
        .args(["score", "--model", "models/m.json", "--data", "data/open_leads.csv", "--out", "x.csv", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(status.success() || status.code() == Some(0), "{status:?}");
}

fn score_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["score", "--model", "models/m.json", "--data", "data/open_leads.csv"];
    v.extend_from_slice(extra);
    v
}

#[test]
fn score_refuses_to_overwrite_its_inputs() {
    // Regression: `score --data x.csv --out x.csv` replaced the leads with their scores.
    let dir = sample_dir();
    train_sample(dir.path());
    let data = fs::read(dir.path().join("data/open_leads.csv")).unwrap();
    let model = fs::read(dir.path().join("models/m.json")).unwrap();
    for (out, flag) in
        [("data/open_leads.csv", "--data"), ("./data/../data/open_leads.csv", "--data"), ("models/m.json", "--model")]
    {
        let o = run(dir.path(), &score_args(&["--out", out]));
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("--out {out} is the same file as {flag}")), "{err}");
    }
    assert_eq!(fs::read(dir.path().join("data/open_leads.csv")).unwrap(), data);
    assert_eq!(fs::read(dir.path().join("models/m.json")).unwrap(), model);
}

#[cfg(unix)]
#[test]
fn score_output_is_readable_by_others_and_keeps_an_existing_mode() {
    // Regression: every output was 0600 (tempfile's default), and overwriting a 0644 file
    // made it 0600, so cron jobs and BI tools running as other users could not read it.
    use std::os::unix::fs::PermissionsExt;
    let dir = sample_dir();
    train_sample(dir.path());
    let mode = |p: &str| fs::metadata(dir.path().join(p)).unwrap().permissions().mode() & 0o777;
    // Under the usual umask 022, whatever the test runner's own umask is.
    let with_umask = |args: &[&str]| {
        let bin = assert_cmd::cargo::cargo_bin("leadscore");
        std::process::Command::new("sh")
            .current_dir(dir.path())
            .arg("-c")
            .arg("umask 022 && exec \"$0\" \"$@\"")
            .arg(bin)
            .args(args)
            .output()
            .unwrap()
    };
    fs::remove_file(dir.path().join("models/m.json")).unwrap();
    let o = with_umask(&[
        "train",
        "--data",
        "data/history.csv",
        "--target",
        "converted",
        "--id",
        "lead_id",
        "--out",
        "models/m.json",
        "--quiet",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = with_umask(&score_args(&["--out", "s.csv", "--quiet"]));
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(mode("s.csv"), 0o644);
    assert_eq!(mode("models/m.json"), 0o644, "bundles too");
    fs::set_permissions(dir.path().join("s.csv"), fs::Permissions::from_mode(0o664)).unwrap();
    let o = run(dir.path(), &score_args(&["--out", "s.csv", "--quiet"]));
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(mode("s.csv"), 0o664, "an overwritten file keeps its permissions");
}

#[test]
fn a_named_id_column_that_does_not_exist_is_an_error() {
    // Regression: `score --id nope` exited 0 and wrote a `row` column 1, 2, ...
    let dir = sample_dir();
    train_sample(dir.path());
    let o = run(dir.path(), &score_args(&["--out", "s.csv", "--id", "nope"]));
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("data/open_leads.csv: column \"nope\" not found (columns: \"lead_id\", \"created_date\""),
        "{err}"
    );
    assert!(err.contains("pass --id with one of these columns"), "{err}");
    assert!(!dir.path().join("s.csv").exists());
}

#[test]
fn a_missing_bundle_id_column_falls_back_to_row_numbers_with_a_warning() {
    let dir = sample_dir();
    train_sample(dir.path());
    let src = fs::read_to_string(dir.path().join("data/open_leads.csv")).unwrap();
    fs::write(dir.path().join("noid.csv"), src.replacen("lead_id", "lid", 1)).unwrap();
    let o = run(dir.path(), &["score", "--model", "models/m.json", "--data", "noid.csv", "--out", "s.csv", "--quiet"]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.starts_with("warning: noid.csv: id column \"lead_id\" not found (columns: \"lid\""), "{err}");
    assert!(err.contains("\"row\" column instead. Pass --id COLUMN"), "{err}");
    let (header, rows) = read_csv(&dir.path().join("s.csv"));
    assert_eq!(header[0], "row");
    assert_eq!(rows[199][0], "200");
}

#[test]
fn grade_cuts_accept_the_documented_comma_form_and_the_space_form() {
    // Regression: `--grade-cuts 0.6,0.35,0.15` (as documented) failed with "3 values required".
    let dir = sample_dir();
    train_sample(dir.path());
    let comma = run(dir.path(), &score_args(&["--out", "a.csv", "--grade-cuts", "0.6,0.35,0.15", "--json"]));
    let space = run(dir.path(), &score_args(&["--grade-cuts", "0.6", "0.35", "0.15", "--out", "b.csv", "--quiet"]));
    assert!(comma.status.success(), "{:?}", text(&comma));
    assert!(space.status.success(), "{:?}", text(&space));
    assert_eq!(without_scored_at(&dir.path().join("a.csv")), without_scored_at(&dir.path().join("b.csv")));
    let (_, rows) = read_csv(&dir.path().join("a.csv"));
    for r in &rows {
        let p: f64 = r[1].parse().unwrap();
        let want = if p >= 0.6 {
            "A"
        } else if p >= 0.35 {
            "B"
        } else if p >= 0.15 {
            "C"
        } else {
            "D"
        };
        assert_eq!(r[3], want, "p = {p}");
    }
    for bad in ["0.6,0.35", "0.2,0.5,0.1"] {
        let o = run(dir.path(), &score_args(&["--out", "c.csv", "--grade-cuts", bad]));
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("--grade-cuts {bad}: give three probabilities A,B,C")), "{err}");
    }
}

#[test]
fn value_errors_give_advice_that_fits_score() {
    // Regression: score's value errors suggested --missing-values and [data.types], which
    // score does not have.
    let dir = sample_dir();
    train_sample(dir.path());
    let open = dir.path().join("data/open_leads.csv");
    write_with_cells(&open, &dir.path().join("bad.csv"), "visits", |i| i == 3, "lots");
    let o = run(dir.path(), &["score", "--model", "models/m.json", "--data", "bad.csv", "--out", "s.csv"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("bad.csv: column \"visits\", row 3: \"lots\" is not a number"), "{err}");
    assert!(!err.contains("[data.types]") && !err.contains("add it to --missing-values"), "{err}");
    assert!(
        err.contains("fix the value in the file, or, if it means \"missing\", retrain with it in --missing-values"),
        "{err}"
    );
    assert!(err.contains("this model treats blank cells as missing"), "{err}");
}

#[test]
fn as_of_errors_say_the_expected_format() {
    // Regression: "--as-of 2026-13-01" said only "input is out of range".
    let dir = sample_dir();
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules/sample.toml");
    let o = run(
        dir.path(),
        &[
            "score",
            "--rules",
            rules.to_str().unwrap(),
            "--data",
            "data/open_leads.csv",
            "--out",
            "s.csv",
            "--as-of",
            "30/06/2026",
        ],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("\"30/06/2026\" is not a date: expected YYYY-MM-DD, e.g. 2026-06-30"), "{err}");
}

/// The sample trained with both models (time-ordered hold-out); returns the bundle path.
fn train_both(d: &std::path::Path) -> &'static str {
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
            "--date-column",
            "created_date",
            "--model",
            "both",
            "--out",
            "b.json",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    "b.json"
}

#[test]
fn a_lead_scored_alone_gets_the_percentile_it_gets_in_the_whole_file() {
    // Regression: percentiles ranked leads within the run, so one deal scored alone got
    // "percentile 100" and changed from night to night with the rest of the file.
    let dir = sample_dir();
    let d = dir.path();
    let b = train_both(d);
    let o = run(d, &["score", "--model", b, "--data", "data/open_leads.csv", "--out", "all.csv", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let summary: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert!(summary["percentiles"].as_str().unwrap().starts_with("against the bundle's reference"), "{summary}");
    let (_, all) = read_csv(&d.join("all.csv"));
    let input = fs::read_to_string(d.join("data/open_leads.csv")).unwrap();
    let mut lines = input.lines();
    let header = lines.next().unwrap();
    for k in [0usize, 57, 199] {
        fs::write(d.join("one.csv"), format!("{header}\n{}\n", lines.clone().nth(k).unwrap())).unwrap();
        let o = run(d, &["score", "--model", b, "--data", "one.csv", "--out", "one_out.csv", "--quiet"]);
        assert!(o.status.success(), "{:?}", text(&o));
        let (_, one) = read_csv(&d.join("one_out.csv"));
        assert_eq!(one[0][..5], all[k][..5], "lead {k}: id, probability, percentile, grade, reasons");
    }
    // --rank-in-run ranks within the file instead: the best lead is then at 100.
    let o = run(d, &["score", "--model", b, "--data", "data/open_leads.csv", "--out", "r.csv", "--rank-in-run"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let (_, r) = read_csv(&d.join("r.csv"));
    let top = r.iter().map(|x| x[2].parse::<f64>().unwrap()).fold(0.0, f64::max);
    assert_eq!(top, 100.0);
}

#[test]
fn a_bundle_without_a_reference_still_scores_ranking_within_the_run_with_a_note() {
    // Saved by the previous release (format 1.0, no reference distribution) on the shipped
    // sample: it still scores, in two passes, with exactly the percentiles it gave then.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let bundle = root.join("tests/fixtures/score/bundle_format_1.0_logistic.json");
    let data = root.join("data/open_leads.csv");
    let o = run(
        dir.path(),
        &["score", "--model", bundle.to_str().unwrap(), "--data", data.to_str().unwrap(), "--out", "s.csv"],
    );
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("no reference distribution") && err.contains("retrain for stable percentiles"), "{err}");
    let (_, rows) = read_csv(&dir.path().join("s.csv"));
    let (_, want) = read_csv(&root.join("tests/fixtures/score/percentiles_format_1.0_open_leads.csv"));
    assert_eq!(rows.len(), want.len());
    assert!(!want.is_empty());
    for (r, w) in rows.iter().zip(&want) {
        assert_eq!(r[0], w[0]);
        let (a, b): (f64, f64) = (r[2].parse().unwrap(), w[1].parse().unwrap());
        assert!((a - b).abs() < 0.051, "{}: {a} vs {b}", r[0]);
    }
}

#[test]
fn boosted_tree_bundles_saved_before_the_cv_settings_were_added_failed_their_checksum() {
    // Saved by the release of the morning of 2026-12-01 (format 1.0, boosted trees, 8 trees):
    // its `[gbm]` settings lack inner_folds, time_budget and search_trials. The checksum was
    // verified over the parsed bundle written again, which added those three with defaults,
    // so the file was refused as "changed or damaged". It is verified over the file's own
    // text now, and scores as it did then: the same grades, and probabilities to 1e-15 (the
    // faster predictor since then adds the trees in another order, which moves 32 of the
    // 1,000 by one unit in the last place).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let bundle = root.join("tests/fixtures/score/bundle_format_1.0_gbm.json");
    let data = root.join("data/open_leads.csv");
    let args = ["score", "--model", bundle.to_str().unwrap(), "--data", data.to_str().unwrap(), "--out", "s.csv"];
    let o = run(dir.path(), &[&args[..], &["--precision", "17", "--reasons", "0"]].concat());
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let (head, rows) = read_csv(&dir.path().join("s.csv"));
    let (_, want) = read_csv(&root.join("tests/fixtures/score/scores_format_1.0_gbm_open_leads.csv"));
    assert_eq!(&head[..4], ["lead_id", "probability", "percentile", "grade"]);
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows.len(), want.len());
    for (r, w) in rows.iter().zip(&want) {
        assert_eq!(r[0], w[0]);
        let (a, b): (f64, f64) = (r[1].parse().unwrap(), w[1].parse().unwrap());
        assert!((a - b).abs() <= 1e-15, "{}: {a} vs {b}", r[0]);
        assert_eq!(r[3], w[3], "{}", r[0]);
    }
    // Changing a byte of the content is still caught.
    let edited = std::fs::read_to_string(&bundle).unwrap().replacen("\"num_leaves\": 4", "\"num_leaves\": 5", 1);
    std::fs::write(dir.path().join("edited.json"), edited).unwrap();
    let o = run(dir.path(), &["score", "--model", "edited.json", "--data", data.to_str().unwrap(), "--out", "e.csv"]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains("checksum mismatch"), "{err}");
}

#[test]
fn reasons_for_explains_only_those_grades_and_reasons_0_none() {
    let dir = sample_dir();
    let d = dir.path();
    let b = train_both(d);
    let o = run(
        d,
        &["score", "--model", b, "--data", "data/open_leads.csv", "--out", "a.csv", "--reasons-for", "A", "--json"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let summary: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    let (_, rows) = read_csv(&d.join("a.csv"));
    let a = rows.iter().filter(|r| r[3] == "A").count();
    assert!(a > 0);
    assert_eq!(summary["leads_explained"].as_u64().unwrap() as usize, a);
    for r in &rows {
        assert_eq!(r[3] == "A", !r[4].is_empty(), "{r:?}");
    }
    // The explained leads' reasons are the ones a full run gives them.
    let o = run(d, &["score", "--model", b, "--data", "data/open_leads.csv", "--out", "full.csv", "--quiet"]);
    assert!(o.status.success());
    let (_, full) = read_csv(&d.join("full.csv"));
    for (r, f) in rows.iter().zip(&full).filter(|(r, _)| r[3] == "A") {
        assert_eq!(r[4], f[4]);
    }
    let o =
        run(d, &["score", "--model", b, "--data", "data/open_leads.csv", "--out", "z.csv", "--reasons", "0", "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(summary["leads_explained"], 0);
    let (_, rows) = read_csv(&d.join("z.csv"));
    assert!(rows.iter().all(|r| r[4].is_empty()));
}

#[test]
fn reasons_in_percentage_points_add_up_to_the_distance_from_an_average_lead() {
    // Documented in scorer::points_per_log_odds: a lead's percentage points over all columns
    // sum to 100 (p - p0), p0 the probability at the average lead's log-odds.
    use leadscore::bundle::Bundle;
    use leadscore::data::load::read_table;
    use leadscore::data::typing::LeadFrame;
    use leadscore::scorer::{BundleScorer, Scorer};
    let dir = sample_dir();
    let d = dir.path();
    let b = Bundle::load(&d.join(train_both(d))).unwrap();
    let path = d.join("data/open_leads.csv");
    let df = read_table(&path).unwrap();
    let frame = LeadFrame { df: &df, path: &path, first_row: 1 };
    let enc = b.pipeline.transform(&frame, None).unwrap();
    for (k, scorer) in BundleScorer::new(&b).models().iter().enumerate() {
        let scored = scorer.score(&frame, true).unwrap();
        let model = &b.models[k].model;
        let p0 = model.probability_at(model.effects(&b.pipeline, &enc).unwrap().base);
        assert_eq!(scored.contributions.len(), 200);
        for (p, c) in scored.scores.iter().zip(&scored.contributions) {
            let sum: f64 = c.iter().map(|x| x.pp.unwrap()).sum();
            assert!((sum - 100.0 * (p - p0)).abs() < 1e-6, "{}: {sum} vs {}", model.name(), 100.0 * (p - p0));
            // Same sign as the log-odds effect.
            assert!(c.iter().all(|x| x.pp.unwrap() * x.effect >= 0.0));
        }
    }
}

#[test]
fn open_only_keep_columns_and_an_output_directory_that_does_not_exist() {
    let dir = sample_dir();
    let d = dir.path();
    let b = train_both(d);
    // History with the outcome blanked on every 4th row: only those are open.
    write_with_cells(&d.join("data/history.csv"), &d.join("mixed.csv"), "converted", |i| i % 4 == 0, "");
    let o = run(
        d,
        &[
            "score",
            "--model",
            b,
            "--data",
            "mixed.csv",
            "--out",
            "o.csv",
            "--open-only",
            "--keep-columns",
            "industry,country",
            "--json",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let summary: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    let (header, rows) = read_csv(&d.join("o.csv"));
    assert_eq!(header[..3], ["lead_id", "industry", "country"]);
    assert_eq!(rows.len(), 800 / 4);
    assert_eq!(summary["closed_rows_skipped"], 600);
    // The mean probability is over the leads scored (it once summed every row of the file).
    let col = header.iter().position(|h| h == "probability").unwrap();
    let mean = rows.iter().map(|r| r[col].parse::<f64>().unwrap()).sum::<f64>() / rows.len() as f64;
    assert!((summary["mean_probability"].as_f64().unwrap() - mean).abs() < 1e-4, "{summary}");
    let (_, hist) = read_csv(&d.join("mixed.csv"));
    let open: Vec<&Vec<String>> = hist.iter().filter(|r| r.last().unwrap().is_empty()).collect();
    for (r, h) in rows.iter().zip(open) {
        assert_eq!(r[..3], [h[0].clone(), h[6].clone(), h[8].clone()]);
    }
    // Without the target column every row is scored, and the summary says so.
    let o = run(d, &["score", "--model", b, "--data", "data/open_leads.csv", "--out", "n.csv", "--open-only"]);
    assert!(o.status.success());
    assert!(text(&o).1.contains("--open-only: the file has no column \"converted\""), "{:?}", text(&o));
    // A column that is not there is an error naming it.
    let o = run(d, &["score", "--model", b, "--data", "mixed.csv", "--out", "k.csv", "--keep-columns", "owner"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--keep-columns names column \"owner\""), "{:?}", text(&o));
    assert!(!d.join("k.csv").exists());
    // Regression: --out into a directory that does not exist was silently created.
    let o = run(d, &["score", "--model", b, "--data", "data/open_leads.csv", "--out", "nightly/typo/s.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("the directory nightly/typo does not exist"), "{:?}", text(&o));
    assert!(!d.join("nightly").exists());
}

#[test]
fn missing_is_never_a_reason_for_a_column_never_missing_in_training() {
    let dir = sample_dir();
    let d = dir.path();
    let b = train_both(d);
    // `visits` is never blank in the generated history; blank it on 10 open leads.
    write_with_cells(&d.join("data/open_leads.csv"), &d.join("blank.csv"), "visits", |i| i <= 10, "");
    let o = run(d, &["score", "--model", b, "--data", "blank.csv", "--out", "s.csv", "--reasons", "20", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let summary: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(summary["missing_never_seen"]["visits"], 10, "{summary}");
    let (_, rows) = read_csv(&d.join("s.csv"));
    assert!(rows.iter().all(|r| !r[4].contains("visits = (missing)")));
}

#[test]
fn every_sink_of_a_run_commits_or_none_does() {
    // A run with the file sink and a second sink whose last step fails: the output file must
    // not appear (and no temporary file is left), and the error is the second sink's.
    use leadscore::score::{score, Prepared, ScorePlan, ScoreSummary, ScoredBatch, Sink, SinkError};
    use leadscore::sinks::file::{FileOptions, FileSink};
    struct Refuses(usize);
    impl Sink for Refuses {
        fn name(&self) -> String {
            "refusing ledger".into()
        }
        fn write(&mut self, batch: &ScoredBatch) -> Result<(), SinkError> {
            self.0 += batch.len();
            Ok(())
        }
        fn finish(self: Box<Self>, _: &ScoreSummary) -> Result<Prepared, SinkError> {
            let seen = self.0;
            Ok(Prepared {
                files: Vec::new(),
                commit: Some(Box::new(move || {
                    Err(SinkError::Other { sink: "ledger".into(), message: format!("refused {seen} leads") })
                })),
            })
        }
    }
    let dir = sample_dir();
    let d = dir.path();
    let bundle = train_sample(d);
    let plan = ScorePlan::new(d.join("data/open_leads.csv"), Some(bundle), None, 64).unwrap();
    let out = d.join("scored.csv");
    let sinks: Vec<Box<dyn Sink>> =
        vec![Box::new(FileSink::create(&out, FileOptions::default()).unwrap()), Box::new(Refuses(0))];
    let e = score(&plan, sinks, &mut |_, _| {}).unwrap_err();
    assert_eq!(e.to_string(), "ledger: refused 200 leads");
    let left: Vec<_> = fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!out.exists() && left.iter().all(|n| !n.to_string_lossy().starts_with(".leadscore")), "{left:?}");
}

#[test]
fn log_appends_one_json_line_per_run_failed_runs_too() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    for _ in 0..2 {
        let o = run(
            d,
            &[
                "score",
                "--model",
                "models/m.json",
                "--data",
                "data/open_leads.csv",
                "--out",
                "s.csv",
                "--quiet",
                "--log",
                "runs.jsonl",
            ],
        );
        assert!(o.status.success(), "{:?}", text(&o));
    }
    fs::write(d.join("bad.csv"), "lead_id,visits\nL1,many\n").unwrap();
    let o = run(
        d,
        &["score", "--model", "models/m.json", "--data", "bad.csv", "--out", "b.csv", "--quiet", "--log", "runs.jsonl"],
    );
    assert_eq!(o.status.code(), Some(2));
    let log = fs::read_to_string(d.join("runs.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["leads"], 200);
    assert_eq!(lines[1]["model_id"], lines[0]["model_id"]);
    assert!(lines[2]["error"].as_str().unwrap().contains("bad.csv"), "{}", lines[2]);
}

#[test]
fn bad_rows_go_to_the_rejects_file_up_to_max_bad_rows_and_beyond_it_nothing_is_written() {
    let dir = sample_dir();
    let d = dir.path();
    let bundle = train_sample(d);
    let b = bundle.to_str().unwrap();
    // Three bad numbers at data rows 3, 120 and 121 (121 straddles no batch: batches of 50).
    let text_in = fs::read_to_string(d.join("data/open_leads.csv")).unwrap();
    let mut lines: Vec<String> = text_in.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let visits = header.iter().position(|h| *h == "visits").unwrap();
    for (row, value) in [(3usize, "lots"), (120, "n/a?"), (121, "7 visits")] {
        let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
        cells[visits] = value.to_string();
        lines[row] = cells.join(",");
    }
    fs::write(d.join("bad.csv"), lines.join("\n") + "\n").unwrap();
    // Default: the first bad row fails the run, naming it.
    let o = run(d, &["score", "--model", b, "--data", "bad.csv", "--out", "s.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("bad.csv: column \"visits\", row 3: \"lots\" is not a number"), "{:?}", text(&o));
    // Up to 3 allowed: the run succeeds, the other 197 leads are scored as usual.
    let args = ["score", "--model", b, "--data", "bad.csv", "--out", "s.csv", "--batch-rows", "50", "--json"];
    let o = run(d, &[&args[..], &["--max-bad-rows", "3", "--rejects", "rejects.csv"]].concat());
    assert!(o.status.success(), "{:?}", text(&o));
    let j: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!((j["leads"].as_u64(), j["rejects"].as_u64()), (Some(197), Some(3)));
    // Batches are the file's batches of 50, however many segments a bad row split them into.
    assert_eq!(j["batches"], 4);
    assert!(text(&o)
        .1
        .contains("warning: 3 row(s) set aside (at most 3 allowed by --max-bad-rows), listed in rejects.csv"));
    let rejects = fs::read_to_string(d.join("rejects.csv")).unwrap();
    let rows: Vec<&str> = rejects.lines().collect();
    assert_eq!(rows[0], "file,row,column,value,reason");
    assert!(rows[1].starts_with("bad.csv,3,visits,lots,\"expected a number;"), "{rejects}");
    assert!(rows[2].starts_with("bad.csv,120,visits,n/a?,") && rows[3].starts_with("bad.csv,121,visits,7 visits,"));
    // The scored leads are exactly the good rows, with the scores they get in a clean file.
    let clean = run(d, &["score", "--model", b, "--data", "data/open_leads.csv", "--out", "clean.csv"]);
    assert!(clean.status.success());
    let good: Vec<String> = without_scored_at(&d.join("clean.csv"))
        .into_iter()
        .enumerate()
        .filter(|(i, _)| ![3usize, 120, 121].contains(i))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(without_scored_at(&d.join("s.csv")), good);
    // Two allowed, three found: the run fails and writes neither file.
    fs::remove_file(d.join("s.csv")).unwrap();
    fs::remove_file(d.join("rejects.csv")).unwrap();
    let o = run(d, &[&args[..], &["--max-bad-rows", "2", "--rejects", "rejects.csv"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("more than 2 rows have values that cannot be read (--max-bad-rows 2); nothing was written"),
        "{:?}",
        text(&o)
    );
    assert!(!d.join("s.csv").exists() && !d.join("rejects.csv").exists());
    // --rejects alone would never be written: refused.
    let o = run(d, &["score", "--model", b, "--data", "bad.csv", "--out", "s.csv", "--rejects", "r.csv"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn value_column_gives_expected_value_and_pipeline_totals_by_grade_and_stage() {
    let dir = sample_dir();
    train_sample(dir.path());
    // A deal value per lead: 100 x (row number), blank for every 10th row; a stage column.
    let src = dir.path().join("data/open_leads.csv");
    let text_in = fs::read_to_string(&src).unwrap();
    let mut lines = text_in.lines();
    let mut body = format!("{},deal_value,stage\n", lines.next().unwrap());
    for (i, l) in lines.enumerate() {
        let v = if (i + 1) % 10 == 0 { String::new() } else { (100 * (i + 1)).to_string() };
        body.push_str(&format!("{l},{v},{}\n", if i % 2 == 0 { "Engaging" } else { "Prospecting" }));
    }
    fs::write(dir.path().join("deals.csv"), &body).unwrap();
    let o = run(
        dir.path(),
        &[
            "score",
            "--model",
            "models/m.json",
            "--data",
            "deals.csv",
            "--out",
            "s.csv",
            "--value-column",
            "deal_value",
            "--stage-column",
            "stage",
            "--precision",
            "17",
            "--json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let (header, rows) = read_csv(&dir.path().join("s.csv"));
    let col = |n: &str| header.iter().position(|h| h == n).unwrap_or_else(|| panic!("{n} in {header:?}"));
    let (v, p, e, g, st) = (col("deal_value"), col("probability"), col("expected_value"), col("grade"), col("stage"));
    let mut total = 0.0;
    let mut grade_a = 0.0;
    let mut engaging = 0usize;
    for r in &rows {
        if r[v].is_empty() {
            assert_eq!(r[e], "", "blank value, blank expected value");
            continue;
        }
        let ev = r[p].parse::<f64>().unwrap() * r[v].parse::<f64>().unwrap();
        assert!((r[e].parse::<f64>().unwrap() - ev).abs() <= 0.005 + 1e-9, "{r:?}");
        total += ev;
        if r[g] == "A" {
            grade_a += ev;
        }
        engaging += usize::from(r[st] == "Engaging");
    }
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let pv = &s["pipeline"];
    assert_eq!(pv["leads_without_value"], 20);
    let all = &pv["currencies"]["-"];
    assert_eq!(all["total"]["leads"], 180);
    let sum_v: f64 = (1..=200).filter(|i| i % 10 != 0).map(|i| 100.0 * i as f64).sum();
    assert_eq!(all["total"]["value"].as_f64().unwrap(), sum_v);
    assert!((all["total"]["expected_value"].as_f64().unwrap() - total).abs() < 1e-6);
    let a = all["by_grade"]["A"]["expected_value"].as_f64().unwrap_or(0.0);
    assert!((a - grade_a).abs() < 1e-6);
    assert_eq!(all["by_stage"]["Engaging"]["leads"].as_u64().unwrap() as usize, engaging);

    // Text summary, and bad values: a negative or non-numeric value is an error naming the row.
    let o = run(
        dir.path(),
        &["score", "--model", "models/m.json", "--data", "deals.csv", "--out", "t.csv", "--value-column", "deal_value"],
    );
    let (out, _) = text(&o);
    assert!(out.contains("pipeline value (\"deal_value\"; expected value = probability x value)"), "{out}");
    assert!(out.contains("20 leads have no value (blank \"deal_value\")"), "{out}");
    for (bad, want) in [("-100", "-100 is negative"), ("1.000,50", "\"1.000,50\" is not a number")] {
        fs::write(
            dir.path().join("bad.csv"),
            body.replacen(",100,Engaging", &format!(",{bad},Engaging"), 1)
                .replace("1.000,50,Engaging", "\"1.000,50\",Engaging"),
        )
        .unwrap();
        let o = run(
            dir.path(),
            &[
                "score",
                "--model",
                "models/m.json",
                "--data",
                "bad.csv",
                "--out",
                "u.csv",
                "--value-column",
                "deal_value",
            ],
        );
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("bad.csv: value column \"deal_value\", row 1: {want}")), "{err}");
        assert!(!dir.path().join("u.csv").exists());
    }
    let o = run(
        dir.path(),
        &["score", "--model", "models/m.json", "--data", "deals.csv", "--out", "u.csv", "--value-column", "amount"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("deals.csv: value column \"amount\" not found"), "{:?}", text(&o));
}

#[test]
fn grouped_columns_are_one_reason_with_their_summed_points() {
    // `[features.groups]` merges the reasons of the columns it names; the model and its
    // probabilities are the same as without it, and the group's points are its members' sum.
    let dir = sample_dir();
    let d = dir.path();
    fs::write(d.join("g.toml"), "[features.groups]\nengagement = [\"visits\", \"time_on_site_min\"]\n").unwrap();
    let train = |out: &str, extra: &[&str]| {
        let base = ["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id"];
        let o = run(d, &[&base[..], &["--model", "logistic", "--out", out], extra].concat());
        assert!(o.status.success(), "{:?}", text(&o));
    };
    train("plain.json", &[]);
    train("grouped.json", &["--config", "g.toml"]);
    let score = |model: &str, out: &str| {
        let args = ["score", "--model", model, "--data", "data/open_leads.csv", "--out", out, "--reasons", "30"];
        let o = run(d, &args);
        assert!(o.status.success(), "{:?}", text(&o));
        read_csv(&d.join(out))
    };
    let (head, plain) = score("plain.json", "p.csv");
    let (_, grouped) = score("grouped.json", "g.csv");
    let (p, r) =
        (head.iter().position(|h| h == "probability").unwrap(), head.iter().position(|h| h == "reasons").unwrap());
    // "col = value (+1.2 pp)" -> (col, value, pp)
    let parse = |cell: &str| -> Vec<(String, String, f64)> {
        cell.split("; ")
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (col, rest) = s.split_once(" = ").unwrap();
                let (value, pp) = rest.rsplit_once(" (").unwrap();
                (col.to_string(), value.to_string(), pp.trim_end_matches(" pp)").parse::<f64>().unwrap())
            })
            .collect()
    };
    let mut compared = 0;
    for (a, b) in plain.iter().zip(&grouped) {
        assert_eq!(a[p], b[p], "the grouping changed a probability");
        let (ra, rb) = (parse(&a[r]), parse(&b[r]));
        assert!(rb.iter().all(|(c, _, _)| c != "visits" && c != "time_on_site_min"), "{rb:?}");
        let member = |c: &str| ra.iter().find(|x| x.0 == c).cloned();
        let group = rb.iter().find(|x| x.0 == "engagement");
        if let (Some(v), Some(t), Some(g)) = (member("visits"), member("time_on_site_min"), group) {
            assert_eq!(g.1, format!("visits {}, time_on_site_min {}", v.1, t.1));
            // Each printed to 0.1 pp: the sum of two roundings is within 0.1 of the rounded sum.
            assert!((g.2 - (v.2 + t.2)).abs() <= 0.1 + 1e-9, "{g:?} vs {v:?} + {t:?}");
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} leads had both members as reasons");
    // A group member that is not a model input is refused at training, by name.
    fs::write(d.join("bad.toml"), "[features.groups]\nengagement = [\"visits\", \"vists\"]\n").unwrap();
    let base = ["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id", "--out", "x.json"];
    let o = run(d, &[&base[..], &["--model", "logistic", "--config", "bad.toml"]].concat());
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("features.groups.engagement: \"vists\" is not a model input"), "{err}");
    assert!(!d.join("x.json").exists());
}
