//! CLI tests of joined tables (`[[data.join]]`): applied at train and again at score from
//! what the bundle records, and their errors and counted warnings.

use crate::common::*;
use std::fs;

/// A lookup table keyed by industry, with one spelling that differs from the leads'
/// ("Financial services" for "Financial Services") and "Software" left out.
const INDUSTRIES: &str = "industry,industry_tier\nEducation,low\nFinancial services,high\nGovernment,low\nHealthcare,mid\nManufacturing,mid\nMedia,low\nNon-profit,low\nProfessional Services,mid\nRetail,mid\n";

fn config(dir: &std::path::Path, extra: &str) {
    fs::write(
        dir.join("leads.toml"),
        format!("[data]\nid = \"lead_id\"\ntarget = \"converted\"\n\n[[data.join]]\nfile = \"tables/industries.csv\"\non = \"industry\"\n{extra}"),
    )
    .unwrap();
}

fn setup() -> tempfile::TempDir {
    let dir = sample_dir();
    fs::create_dir(dir.path().join("tables")).unwrap();
    fs::write(dir.path().join("tables/industries.csv"), INDUSTRIES).unwrap();
    dir
}

#[test]
fn a_join_at_train_is_recorded_in_the_bundle_and_applied_again_at_score() {
    let dir = setup();
    config(dir.path(), "");
    let o =
        run(dir.path(), &["train", "--data", "data/history.csv", "--config", "leads.toml", "--out", "models/j.json"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    // Counted warnings, naming the file, the key and the near-duplicate spelling.
    assert!(err.contains("tables/industries.csv: ") && err.contains("rows have no \"industry\""), "{err}");
    assert!(err.contains("\"Software\" ("), "{err}");
    assert!(
        err.contains("\"Financial Services\" (") && err.contains("is spelt \"Financial services\" in the table"),
        "{err}"
    );
    let bundle: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("models/j.json")).unwrap()).unwrap();
    let joins = bundle["joins"].as_array().unwrap();
    assert_eq!(joins.len(), 1);
    assert_eq!(joins[0]["columns"], serde_json::json!(["industry", "industry_tier"]));
    assert_eq!(joins[0]["rows"], 9);
    assert_eq!(joins[0]["sha256"].as_str().unwrap().len(), 64);
    let schema: Vec<&str> = bundle["schema"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(schema.contains(&"industry_tier"), "{schema:?}");

    // Score joins the recorded table: the joined column can be kept in the output.
    let o = run(
        dir.path(),
        &[
            "score",
            "--model",
            "models/j.json",
            "--data",
            "data/open_leads.csv",
            "--out",
            "s.csv",
            "--keep-columns",
            "industry,industry_tier",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("joined ") && out.contains("on \"industry\""), "{out}");
    let (header, rows) = read_csv(&dir.path().join("s.csv"));
    let (i, t) = (
        header.iter().position(|h| h == "industry").unwrap(),
        header.iter().position(|h| h == "industry_tier").unwrap(),
    );
    for r in &rows {
        let want = match r[i].as_str() {
            "Education" | "Government" | "Media" | "Non-profit" => "low",
            "Healthcare" | "Manufacturing" | "Professional Services" | "Retail" => "mid",
            _ => "",
        };
        assert_eq!(r[t], want, "{r:?}");
    }

    // --join replaces the table by file name; one that lost a trained column is refused.
    fs::create_dir(dir.path().join("new")).unwrap();
    fs::write(dir.path().join("new/industries.csv"), "industry,tier\nRetail,mid\n").unwrap();
    let o = run(
        dir.path(),
        &[
            "score",
            "--model",
            "models/j.json",
            "--data",
            "data/open_leads.csv",
            "--out",
            "t.csv",
            "--join",
            "new/industries.csv",
        ],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "new/industries.csv: column \"industry_tier\" was in this table when the model was trained but is not now"
        ),
        "{err}"
    );
    assert!(!dir.path().join("t.csv").exists());
    let o = run(
        dir.path(),
        &[
            "score",
            "--model",
            "models/j.json",
            "--data",
            "data/open_leads.csv",
            "--out",
            "t.csv",
            "--join",
            "new/other.csv",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--join new/other.csv: the bundle joins no table of that file name"), "{:?}", text(&o));
}

#[test]
fn duplicate_keys_unmatched_errors_and_clashing_columns_exit_2_naming_file_key_and_row() {
    let dir = setup();
    fs::write(dir.path().join("tables/industries.csv"), format!("{INDUSTRIES}retail ,x\n")).unwrap();
    config(dir.path(), "normalise = \"case\"\n");
    let o =
        run(dir.path(), &["train", "--data", "data/history.csv", "--config", "leads.toml", "--out", "models/j.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("tables/industries.csv: key \"retail \" of column \"industry\" appears in rows 9 and 10"),
        "{err}"
    );
    assert!(!dir.path().join("models/j.json").exists());

    fs::write(dir.path().join("tables/industries.csv"), INDUSTRIES).unwrap();
    config(dir.path(), "unmatched = \"error\"\n");
    let o =
        run(dir.path(), &["train", "--data", "data/history.csv", "--config", "leads.toml", "--out", "models/j.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("data/history.csv: column \"industry\", row ") && err.contains("matches no row of"), "{err}");

    // normalise = "loose" matches "Financial Services" to "Financial services".
    config(dir.path(), "normalise = \"loose\"\n");
    let o =
        run(dir.path(), &["train", "--data", "data/history.csv", "--config", "leads.toml", "--out", "models/j.json"]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("is spelt"), "{err}");

    fs::write(dir.path().join("tables/industries.csv"), "industry,country\nRetail,x\n").unwrap();
    config(dir.path(), "");
    let o =
        run(dir.path(), &["train", "--data", "data/history.csv", "--config", "leads.toml", "--out", "models/k.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("column \"country\" is also a column of data/history.csv; set prefix"), "{err}");

    fs::write(
        dir.path().join("leads.toml"),
        "[data]\ntarget = \"converted\"\n[[data.join]]\nfile = \"tables/industries.csv\"\n",
    )
    .unwrap();
    let o =
        run(dir.path(), &["train", "--data", "data/history.csv", "--config", "leads.toml", "--out", "models/k.json"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("data.join = { file = \"")
            && err.contains("give either on = \"COLUMN\" or both left_on and right_on"),
        "{err}"
    );
}

#[test]
fn drift_joins_the_bundles_tables_too() {
    let dir = setup();
    config(dir.path(), "");
    let o =
        run(dir.path(), &["train", "--data", "data/history.csv", "--config", "leads.toml", "--out", "models/j.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(dir.path(), &["drift", "--model", "models/j.json", "--data", "data/open_leads.csv", "--json"]);
    let (out, err) = text(&o);
    assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tier = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["column"] == "industry_tier")
        .unwrap_or_else(|| panic!("{out}"));
    // Joined at drift as at training: the tier is present wherever the industry matched.
    let (then, now) = (tier["missing_then"].as_f64().unwrap(), tier["missing_now"].as_f64().unwrap());
    assert!(now < 0.9 && (now - then).abs() < 0.2, "{tier}");
    assert!(v.get("warnings").is_none() || !out.contains("changed since training"), "{out}");

    // Regression: drift joined the recorded tables without checking them against what
    // training recorded (score and evaluate did). A table refreshed since is a note; one that
    // lost the joined column is refused, with the file named.
    fs::write(dir.path().join("tables/industries.csv"), INDUSTRIES.replace("Media,low", "Media,mid")).unwrap();
    let o = run(dir.path(), &["drift", "--model", "models/j.json", "--data", "data/open_leads.csv"]);
    let (out, err) = text(&o);
    assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{out}\n{err}");
    assert!(out.contains("note: join with tables/industries.csv: the table changed since training"), "{out}");
    fs::write(dir.path().join("tables/industries.csv"), "industry,segment_tier\nMedia,low\n").unwrap();
    let o = run(dir.path(), &["drift", "--model", "models/j.json", "--data", "data/open_leads.csv"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(err.contains("tables/industries.csv") && err.contains("industry_tier"), "{err}");
}

#[test]
fn export_sql_of_a_bundle_with_joins_says_which_columns_the_table_must_carry() {
    let dir = setup();
    config(dir.path(), "");
    let o =
        run(dir.path(), &["train", "--data", "data/history.csv", "--config", "leads.toml", "--out", "models/j.json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(
        dir.path(),
        &["export", "sql", "--model", "models/j.json", "--dialect", "duckdb", "--table", "leads", "--out", "s.sql"],
    );
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning: the bundle joined tables/industries.csv at training; the exported query reads its columns (industry_tier) from leads itself"),
        "{err}"
    );
    assert!(fs::read_to_string(dir.path().join("s.sql")).unwrap().contains("industry_tier"));
}
