//! CLI tests of `leadscore train`, on generated samples and small fixture files.

use crate::common::*;
use std::fs;

#[test]
fn trains_on_the_generated_sample_and_writes_a_versioned_bundle() {
    let dir = sample_dir();
    let o = run(
        dir.path(),
        &["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id", "--out", "models/m.json"],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("AUC") && out.contains("decile"), "{out}");
    let b: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("models/m.json")).unwrap()).unwrap();
    assert_eq!(b["format"], "leadscore-bundle");
    assert_eq!(b["format_version"], "1.5");
    assert_eq!(b["training"]["labelled_rows"], 800);
    assert_eq!(b["training"]["seed"], 42);
    assert_eq!(b["training"]["data_sha256"].as_str().unwrap().len(), 64);
    let auc = b["models"][0]["evaluation"]["auc"].as_f64().unwrap();
    // The generated process is learnable: a real model beats chance clearly.
    assert!(auc > 0.75 && auc < 1.0, "auc {auc}");
    assert_eq!(b["models"][0]["evaluation"]["rows"], 160);
    assert_eq!(b["models"][0]["evaluation"]["deciles"].as_array().unwrap().len(), 10);
    assert!(b["checksum"].as_str().unwrap().len() == 64);
}

#[test]
fn cross_validation_reports_pooled_out_of_fold_metrics() {
    let dir = sample_dir();
    let o = run(
        dir.path(),
        &[
            "train",
            "--data",
            "data/history.csv",
            "--target",
            "converted",
            "--id",
            "lead_id",
            "--cv",
            "4",
            "--out",
            "m.json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("4-fold cross-validation"), "{out}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(b["models"][0]["evaluation"]["rows"], 800);
    assert_eq!(b["models"][0]["evaluation"]["method"]["fold_auc"].as_array().unwrap().len(), 4);
    assert_eq!(b["training"]["fit_rows"], 800);
}

#[test]
fn time_ordered_holdout_uses_the_newest_leads() {
    let dir = sample_dir();
    let o = run(
        dir.path(),
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
            "--out",
            "m.json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("time-ordered hold-out: newest 20% by \"created_date\""), "{out}");
}

fn write(dir: &std::path::Path, name: &str, body: &str) {
    fs::write(dir.join(name), body).unwrap();
}

fn small_history(n: usize, extra: impl Fn(usize, bool) -> String, header_extra: &str) -> String {
    let mut s = format!("id,visits,source,converted{header_extra}\n");
    for i in 0..n {
        let conv = (i * 7919) % 10 < 3;
        let visits = (i % 9) + if conv { 3 } else { 0 };
        let source = ["web", "ads", "referral"][i % 3];
        s.push_str(&format!("L{i},{visits},{source},{}{}\n", conv as u8, extra(i, conv)));
    }
    s
}

#[test]
fn missing_target_column_names_the_file_and_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.csv", &small_history(100, |_, _| String::new(), ""));
    let o = run(dir.path(), &["train", "--data", "h.csv", "--target", "Converted", "--out", "m.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("h.csv: column \"Converted\" not found (columns: \"id\", \"visits\", \"source\", \"converted\")"),
        "{err}"
    );
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn one_class_target_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.csv", "a,y\n1,1\n2,1\n3,1\n");
    let o = run(dir.path(), &["train", "--data", "h.csv", "--target", "y", "--positive", "1", "--out", "m.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("has 3 converted and 0 dead leads; training needs both"), "{err}");
}

#[test]
fn empty_files_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.csv", "");
    write(dir.path(), "header.csv", "a,y\n");
    for f in ["empty.csv", "header.csv"] {
        let o = run(dir.path(), &["train", "--data", f, "--target", "y", "--out", "m.json"]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{f}");
        assert!(err.contains(&format!("{f}: the file has no data rows")), "{err}");
    }
}

#[test]
fn junk_in_a_numeric_column_names_column_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let body = small_history(300, |_, _| String::new(), "")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 37 {
                let mut f: Vec<&str> = l.split(',').collect();
                f[1] = "lots";
                f.join(",")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write(dir.path(), "h.csv", &body);
    let o = run(dir.path(), &["train", "--data", "h.csv", "--target", "converted", "--id", "id", "--out", "m.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("h.csv: column \"visits\", row 37: \"lots\" is not a number"), "{err}");
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn leakage_guard_stops_training_until_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let body = small_history(600, |_, conv| format!(",{}", if conv { "Closed won" } else { "Ringing" }), ",tags");
    write(dir.path(), "h.csv", &body);
    let base = ["train", "--data", "h.csv", "--target", "converted", "--id", "id", "--out", "m.json"];
    let o = run(dir.path(), &base);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("\"tags\"") && err.contains("alone reaches AUC 1.000"), "{err}");
    assert!(!dir.path().join("m.json").exists(), "no bundle when the guard stops training");

    let excluded = run(dir.path(), &[&base[..], &["--exclude", "tags"]].concat());
    assert!(excluded.status.success(), "{:?}", text(&excluded));
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    assert!(b["schema"].as_array().unwrap().iter().all(|c| c["name"] != "tags"));
    fs::remove_file(dir.path().join("m.json")).unwrap();

    let allowed = run(dir.path(), &[&base[..], &["--allow-leaky"]].concat());
    let (out, err) = text(&allowed);
    assert!(allowed.status.success(), "{err}");
    assert!(err.contains("warning: kept columns the leakage guard flagged: tags"), "{err}");
    assert!(!out.contains("warning:"), "warnings go to stderr: {out}");
}

#[test]
fn a_config_file_with_a_typo_is_an_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.csv", &small_history(100, |_, _| String::new(), ""));
    write(dir.path(), "c.toml", "[data]\ntarget = \"converted\"\nexlude = [\"x\"]\n");
    let o = run(dir.path(), &["train", "--data", "h.csv", "--config", "c.toml", "--out", "m.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("c.toml") && err.contains("exlude") && err.contains("line 3"), "{err}");
}

#[test]
fn config_file_drives_training_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.csv", &small_history(400, |_, _| String::new(), ""));
    write(dir.path(), "c.toml", "[data]\ntarget = \"converted\"\nid = \"id\"\n[evaluation]\nholdout = 0.25\n[grades]\na = 0.6\nb = 0.4\nc = 0.2\n");
    let o = run(dir.path(), &["train", "--data", "h.csv", "--config", "c.toml", "--holdout", "0.5", "--out", "m.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(b["models"][0]["evaluation"]["rows"], 200);
    assert_eq!(b["grades"]["a"], 0.6);
    assert_eq!(b["id_column"], "id");
}

#[test]
fn rows_without_an_outcome_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = small_history(300, |_, _| String::new(), "");
    body.push_str("X1,3,web,\nX2,4,ads,\n");
    write(dir.path(), "h.csv", &body);
    let o = run(dir.path(), &["train", "--data", "h.csv", "--target", "converted", "--id", "id", "--out", "m.json"]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    assert!(out.contains("300 labelled, 2 without outcome skipped"), "{out}");
}

#[test]
fn leads_csv_and_its_crlf_trailing_comma_twin_give_the_same_model() {
    // Needs ../shared/datasets (the real X Education export); skipped elsewhere.
    let (Some(lf), Some(crlf)) = (
        shared_dataset("xeducation-leads/Leads.csv"),
        shared_dataset("xeducation-leads/Leads-crlf-trailing-comma.csv"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut coefs = Vec::new();
    for (src, out) in [(&lf, "a.json"), (&crlf, "b.json")] {
        let o = run(
            dir.path(),
            &[
                "train",
                "--data",
                src.to_str().unwrap(),
                "--target",
                "Converted",
                "--id",
                "Prospect ID",
                "--missing-values",
                "Select",
                "--config",
                concat!(env!("CARGO_MANIFEST_DIR"), "/examples/xeducation.toml"),
                "--out",
                out,
            ],
        );
        let (so, se) = text(&o);
        assert!(o.status.success(), "{so}\n{se}");
        let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join(out)).unwrap()).unwrap();
        assert_eq!(b["training"]["rows_in_file"], 9240);
        coefs.push((b["models"][0]["model"].clone(), b["schema"].clone(), b["models"][0]["evaluation"]["auc"].clone()));
    }
    assert_eq!(coefs[0], coefs[1]);
}

#[test]
fn gbm_settings_are_validated_before_training() {
    let dir = sample_dir();
    let base = [
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
    ];
    let cases: [(&[&str], &str); 4] = [
        (&["--num-leaves", "1"], "parameter `num_leaves` = 1 is invalid"),
        (&["--learning-rate", "0"], "learning_rate"),
        (&["--monotone", "vists=+1"], "gbm.monotone: column \"vists\" is not a model input"),
        (&["--monotone", "country=+1"], "gbm.monotone: \"country\" is categorical"),
    ];
    for (extra, want) in cases {
        let o = run(dir.path(), &[&base[..], extra].concat());
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(want), "{extra:?}: {err}");
        assert!(!err.contains("fitted gbm"), "rejected before fitting: {err}");
        assert!(!dir.path().join("g.json").exists());
    }
}

#[test]
fn both_models_in_one_bundle_with_the_better_one_primary() {
    let dir = sample_dir();
    let o = run(
        dir.path(),
        &[
            "train",
            "--data",
            "data/history.csv",
            "--target",
            "converted",
            "--id",
            "lead_id",
            "--model",
            "both",
            "--monotone",
            "webinars_attended=+1,unsubscribed=-1",
            "--out",
            "b.json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("trees: ") && out.contains("feature importance"), "{out}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    let models = b["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    let auc = |k: usize| models[k]["evaluation"]["auc"].as_f64().unwrap();
    let better = if auc(0) >= auc(1) { "logistic" } else { "gbm" };
    assert_eq!(b["primary"], better);
    // Cross-validated early stopping chose the number of trees, recorded in the bundle.
    let trees = &models[1]["model"]["trees"];
    assert!(trees.is_object());
    let chosen = models[1]["model"]["tree_choice"]["chosen"].as_u64().unwrap() as usize;
    assert_eq!(trees["trees"].as_array().unwrap().len(), chosen);
    // Scoring writes both probabilities beside the primary one.
    let s = run(
        dir.path(),
        &["score", "--model", "b.json", "--data", "data/open_leads.csv", "--out", "s.csv", "--all-models"],
    );
    assert!(s.status.success(), "{:?}", text(&s));
    let (header, rows) = read_csv(&dir.path().join("s.csv"));
    assert_eq!(
        header,
        [
            "lead_id",
            "probability",
            "percentile",
            "grade",
            "reasons",
            "probability_logistic",
            "probability_gbm",
            "model_id",
            "scored_at"
        ]
    );
    let col = if better == "logistic" { 5 } else { 6 };
    assert!(rows.iter().all(|r| r[1] == r[col]));

    // --primary overrides the choice.
    let o = run(
        dir.path(),
        &[
            "train",
            "--data",
            "data/history.csv",
            "--target",
            "converted",
            "--id",
            "lead_id",
            "--model",
            "both",
            "--primary",
            "gbm",
            "--out",
            "p.json",
        ],
    );
    assert!(o.status.success());
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("p.json")).unwrap()).unwrap();
    assert_eq!(b["primary"], "gbm");
}

#[test]
fn huge_number_in_training_data_makes_a_loadable_bundle() {
    // Regression: 1e160 in one `visits` cell made the standard deviation overflow to inf,
    // which JSON writes as null: train exited 0 and score then refused the bundle.
    let dir = tempfile::tempdir().unwrap();
    // 1e160 in the visits cell of data row 5.
    let body: String = small_history(300, |_, _| String::new(), "")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut f: Vec<String> = l.split(',').map(String::from).collect();
            if i == 5 {
                f[1] = "1e160".into();
            }
            f.join(",") + "\n"
        })
        .collect();
    write(dir.path(), "big.csv", &body);
    write(dir.path(), "new.csv", "id,visits,source\nN1,1e160,web\nN2,3,ads\n");
    for model in ["logistic", "both"] {
        let o = run(
            dir.path(),
            // The absurd value scales `visits` to nothing, so no model shows a signal: written anyway.
            &[
                "train",
                "--data",
                "big.csv",
                "--target",
                "converted",
                "--id",
                "id",
                "--model",
                model,
                "--allow-weak",
                "--out",
                "m.json",
            ],
        );
        assert!(o.status.success(), "{model}: {:?}", text(&o));
        let b: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
        let std = b["pipeline"]["design"][0]["std"].as_f64().expect("a finite standard deviation");
        assert!(std > 1e157 && std.is_finite(), "{std}");
        let o = run(dir.path(), &["score", "--model", "m.json", "--data", "new.csv", "--out", "s.csv", "--quiet"]);
        assert!(o.status.success(), "{model}: {:?}", text(&o));
        let (_, rows) = read_csv(&dir.path().join("s.csv"));
        assert!(rows.iter().all(|r| (0.0..=1.0).contains(&r[1].parse::<f64>().unwrap())), "{rows:?}");
    }
}

#[test]
fn train_refuses_to_overwrite_its_data_or_config() {
    // Regression: `train --data out/h.csv --out out/h.csv` replaced the history with the bundle.
    let dir = tempfile::tempdir().unwrap();
    let body = small_history(200, |_, _| String::new(), "");
    fs::create_dir(dir.path().join("out")).unwrap();
    write(dir.path(), "out/h.csv", &body);
    write(dir.path(), "c.toml", "[data]\ntarget = \"converted\"\n");
    for (out, flag) in
        [("out/h.csv", "--data out/h.csv"), ("./out/../out/h.csv", "--data"), ("c.toml", "--config c.toml")]
    {
        let o = run(dir.path(), &["train", "--data", "out/h.csv", "--config", "c.toml", "--out", out]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("is the same file as") && err.contains(flag), "{err}");
    }
    assert_eq!(fs::read_to_string(dir.path().join("out/h.csv")).unwrap(), body);
    assert_eq!(fs::read_to_string(dir.path().join("c.toml")).unwrap(), "[data]\ntarget = \"converted\"\n");
}

#[test]
fn config_reference_date_as_documented_in_the_readme() {
    // Regression: `reference_date = 2026-06-30` (a TOML date, as the README writes it) failed
    // with "invalid type: map, expected a formatted date string".
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "h.csv",
        &small_history(200, |i, _| format!(",2026-0{}-{:02}", 1 + (i / 10) % 5, 1 + (i / 50) % 28), ",created"),
    );
    for (name, date) in [("literal.toml", "2026-06-30"), ("quoted.toml", "\"2026-06-30\"")] {
        write(dir.path(), name, &format!("[data]\ntarget = \"converted\"\nid = \"id\"\nreference_date = {date}\n"));
        let o = run(dir.path(), &["train", "--data", "h.csv", "--config", name, "--out", "m.json", "--quiet"]);
        assert!(o.status.success(), "{name}: {:?}", text(&o));
        let b: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
        assert_eq!(b["pipeline"]["reference_date"], "2026-06-30", "{name}");
    }
}

#[test]
fn config_range_errors_name_the_file_without_debug_text() {
    // Regression: "configuration: grades = [Some(0.1), Some(0.5), Some(2.0)] is invalid".
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.csv", &small_history(100, |_, _| String::new(), ""));
    write(dir.path(), "g.toml", "[data]\ntarget = \"converted\"\n[grades]\na = 0.1\nb = 0.5\nc = 2.0\n");
    let o = run(dir.path(), &["train", "--data", "h.csv", "--config", "g.toml", "--out", "m.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains(
            "g.toml: grades = { a = 0.1, b = 0.5, c = 2 } is invalid: give all of a, b, c with 1 >= a >= b >= c >= 0"
        ),
        "{err}"
    );
    assert!(!err.contains("Some("), "{err}");
    let o =
        run(dir.path(), &["train", "--data", "h.csv", "--target", "converted", "--holdout", "1.5", "--out", "m.json"]);
    let (_, err) = text(&o);
    assert!(err.contains("command-line flags: evaluation.holdout = 1.5 is invalid"), "{err}");
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn a_date_column_that_holds_no_dates_is_an_error_and_writes_nothing() {
    // Regression: a numeric --date-column gave a silent arbitrary "time-ordered" split.
    let dir = sample_dir();
    let o = run(
        dir.path(),
        &["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id"]
            .into_iter()
            .chain(["--date-column", "visits", "--out", "d.json"])
            .collect::<Vec<_>>(),
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("data/history.csv: column \"visits\", row 1: ") && err.contains("is not a date"), "{err}");
    assert!(!dir.path().join("d.json").exists());
    // The target cannot double as the id.
    let o = run(dir.path(), &["train", "--data", "data/history.csv", "--target", "converted", "--id", "converted"]);
    assert!(text(&o).1.contains("data.id = \"converted\" is invalid: must differ from data.target"), "{:?}", text(&o));
}

#[test]
fn a_column_blank_in_every_row_is_left_out_and_reported() {
    let dir = sample_dir();
    let src = fs::read_to_string(dir.path().join("data/history.csv")).unwrap();
    let with_blank: String =
        src.lines().enumerate().map(|(i, l)| if i == 0 { format!("{l},notes\n") } else { format!("{l},\n") }).collect();
    fs::write(dir.path().join("h.csv"), with_blank).unwrap();
    let o = run(
        dir.path(),
        &[
            "train",
            "--data",
            "h.csv",
            "--target",
            "converted",
            "--id",
            "lead_id",
            "--model",
            "logistic",
            "--out",
            "b.json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(err.contains("warning: column \"notes\" is blank in every labelled row: left out of the models"), "{err}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert!(!b.to_string().contains("\"notes\""), "the blank column is not in the bundle");
}

#[test]
fn negative_values_leave_open_stages_out_of_history_and_the_bundle_keeps_them() {
    // CRM exports mix closed outcomes with open stages: with --negative, rows that are neither
    // converted nor dead are not history; evaluate --heldout reuses the bundle's choice.
    let dir = sample_dir();
    let d = dir.path();
    write_with_cells(&d.join("data/history.csv"), &d.join("h.csv"), "converted", |i| i % 10 == 0, "open");
    let args = ["train", "--data", "h.csv", "--target", "converted", "--id", "lead_id", "--model", "logistic"];
    let o = run(d, &[&args[..], &["--positive", "1", "--negative", "0", "--out", "b.json"]].concat());
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("800 rows; 720 labelled, 80 without outcome skipped"), "{out}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    assert_eq!(b["target"]["negative"], serde_json::json!(["0"]));
    let o = run(d, &["evaluate", "--data", "h.csv", "--model", "b.json", "--heldout"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("skipped 80 leads without an outcome"), "{}", text(&o).0);
    // Without --negative, "open" would count as dead.
    let o = run(d, &[&args[..], &["--positive", "1", "--out", "c.json"]].concat());
    assert!(text(&o).0.contains("800 rows; 800 labelled"), "{:?}", text(&o));
}

#[test]
fn negative_numbers_reach_the_range_check_instead_of_a_parse_error() {
    // Regression: `--holdout -0.2` and `--learning-rate -1` said "unexpected argument '-0'
    // found", naming neither the flag's range nor what to do.
    let dir = sample_dir();
    let d = dir.path();
    let base = ["train", "--data", "data/history.csv", "--target", "converted", "--out", "x.json"];
    let o = run(d, &[&base[..], &["--holdout", "-0.2"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("evaluation.holdout = -0.2 is invalid: must be between 0 and 1"), "{:?}", text(&o));
    let o = run(d, &[&base[..], &["--model", "gbm", "--learning-rate", "-1"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("`learning_rate` = -1 is invalid"), "{:?}", text(&o));
    assert!(!d.join("x.json").exists());
}

#[test]
fn a_holdout_that_leaves_one_outcome_to_fit_on_names_holdout_and_the_file() {
    // Regression: `--holdout 0.999` said "gbm: training labels are all 0", naming neither.
    let dir = sample_dir();
    let d = dir.path();
    let text_all = fs::read_to_string(d.join("data/history.csv")).unwrap();
    let small: Vec<&str> = text_all.lines().take(101).collect();
    fs::write(d.join("small.csv"), small.join("\n") + "\n").unwrap();
    let o = run(
        d,
        &[
            "train",
            "--data",
            "small.csv",
            "--target",
            "converted",
            "--id",
            "lead_id",
            "--date-column",
            "created_date",
            "--holdout",
            "0.99",
            "--allow-leaky",
            "--out",
            "x.json",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(err.contains("small.csv: --holdout 0.99 leaves 1 lead(s) to fit on"), "{err}");
    assert!(!d.join("x.json").exists());
}
