//! `export sql` of a routed bundle (per-segment models, `train --segment-column`): one
//! `UNION ALL` branch per route, each with its segment's model, grade cut-offs and percentile
//! reference. Golden against `leadscore score --precision 17` on the shipped sample routed by
//! `lead_source`, on SQLite and PostgreSQL: every lead's probability within 1e-9, the same
//! percentile, grade and `segment_model`, and (logistic) the same reasons text.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::common::{read_csv, run, text};
use crate::export::{
    assert_same, assert_same_reasons, export, postgres_reasons, postgres_rows, postgres_url, postgres_with, score_file,
    score_reasons, sqlite_reasons, sqlite_rows, sqlite_with,
};

/// Trains `out` on the sample routed by `lead_source` (kept routed whatever the hold-out
/// check says, so that both kinds of model are exported routed); returns the bundle.
fn train_routed(d: &Path, out: &str, model: &str) -> Value {
    let args = [
        "train",
        "--data",
        "data/history.csv",
        "--target",
        "converted",
        "--id",
        "lead_id",
        "--model",
        model,
        "--segment-column",
        "lead_source",
        "--min-segment-outcomes",
        "40",
        "--keep-segments",
        "--out",
        out,
    ];
    let o = run(d, &args);
    assert!(o.status.success(), "{:?}", text(&o));
    let b: Value = serde_json::from_str(&std::fs::read_to_string(d.join(out)).unwrap()).unwrap();
    assert_eq!(b["segments"]["routed"], true);
    b
}

/// Each lead's `segment_model` as `score` writes it.
fn score_routes(d: &Path, bundle: &str) -> HashMap<String, String> {
    let o = run(d, &["score", "--model", bundle, "--data", "data/open_leads.csv", "--out", "routes.csv", "--quiet"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let (h, rows) = read_csv(&d.join("routes.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap_or_else(|| panic!("no {n} in {h:?}"));
    let (i, s) = (col("lead_id"), col("segment_model"));
    rows.iter().map(|r| (r[i].clone(), r[s].clone())).collect()
}

fn assert_same_routes(engine: &str, got: &[(String, String)], want: &HashMap<String, String>) {
    assert_eq!(got.len(), want.len(), "{engine}: lead count");
    for (id, route) in got {
        assert_eq!(route, &want[id], "{engine}: lead {id}: segment_model");
    }
}

/// A temp dir holding the shipped sample (`data/history.csv`, 3,000 leads; `data/open_leads.csv`):
/// enough outcomes per lead source for segments of their own.
fn shipped_sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for f in ["history.csv", "open_leads.csv"] {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(f);
        std::fs::copy(from, dir.path().join("data").join(f)).unwrap();
    }
    dir
}

#[test]
fn a_routed_bundle_scores_each_lead_with_its_segment_s_model_on_sqlite_and_postgres() {
    let dir = shipped_sample();
    let d = dir.path();
    let mut pg = postgres_url().map(|u| postgres_with(&u, "export_routed", &d.join("data/open_leads.csv")));
    let db = sqlite_with(&d.join("data/open_leads.csv"));
    for (bundle, model) in [("models/routed_lr.json", "logistic"), ("models/routed_gbm.json", "gbm")] {
        let b = train_routed(d, bundle, model);
        assert_eq!(b["primary"], model, "{bundle}: the primary model is the one asked for");
        let values: Vec<&str> =
            b["segments"]["segments"].as_array().unwrap().iter().map(|g| g["value"].as_str().unwrap()).collect();
        assert!(values.len() >= 2, "{bundle}: segments with their own models: {values:?}");
        let want = score_file(d, bundle, "data/open_leads.csv", "lead_id");
        let routes = score_routes(d, bundle);
        // The sample's open leads take every route, the global model's too.
        for v in values.iter().copied().chain(["(global)"]) {
            assert!(routes.values().any(|r| r == v), "{bundle}: no open lead on route {v}");
        }
        let sql = export(d, bundle, "sqlite", &[]);
        assert!(sql.contains("-- routed by segment column \"lead_source\""), "{sql:.2000}");
        assert_eq!(sql.matches("\nUNION ALL\n").count(), values.len(), "one branch per route");
        assert_same(&format!("SQLite, {bundle}"), &sqlite_rows(&db, &sql), &want);
        let mut st = db.prepare(&sql).unwrap();
        let got: Vec<(String, String)> =
            st.query_map([], |r| Ok((r.get(0)?, r.get("segment_model")?))).unwrap().map(|r| r.unwrap()).collect();
        assert_same_routes(&format!("SQLite, {bundle}"), &got, &routes);
        if let Some(pg) = pg.as_mut() {
            let sql = export(d, bundle, "postgres", &[]);
            assert_same(&format!("PostgreSQL, {bundle}"), &postgres_rows(pg, &sql), &want);
            let got: Vec<(String, String)> =
                pg.query(&sql, &[]).unwrap().iter().map(|r| (r.get(0), r.get("segment_model"))).collect();
            assert_same_routes(&format!("PostgreSQL, {bundle}"), &got, &routes);
        }
    }
    // The logistic bundle's reasons are each lead's segment model's, exactly as score's.
    let want = score_reasons(d, "models/routed_lr.json", "data/open_leads.csv", "lead_id", 3);
    let sql = export(d, "models/routed_lr.json", "sqlite", &["--reasons", "3"]);
    assert_same_reasons("SQLite, routed, --reasons 3", &sqlite_reasons(&db, &sql), &want);
    if let Some(pg) = pg.as_mut() {
        let sql = export(d, "models/routed_lr.json", "postgres", &["--reasons", "3"]);
        assert_same_reasons("PostgreSQL, routed, --reasons 3", &postgres_reasons(pg, &sql), &want);
    }
    // As a view: the same rows.
    let sql = export(d, "models/routed_gbm.json", "sqlite", &["--view", "scored leads"]);
    db.execute_batch(&sql).unwrap();
    let want = score_file(d, "models/routed_gbm.json", "data/open_leads.csv", "lead_id");
    assert_same("SQLite view, routed", &sqlite_rows(&db, "SELECT * FROM \"scored leads\""), &want);
}
