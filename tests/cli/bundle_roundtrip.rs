//! Save → load → predict is bit-identical, through the library API.

use leadscore::bundle::Bundle;
use leadscore::config::TrainConfig;
use leadscore::data::load::read_table;
use leadscore::data::typing::LeadFrame;
use leadscore::scorer::{ModelScorer, Scorer};
use leadscore::train::{train, ModelChoice, TrainPlan};

/// Training on the sample history (target `converted`, id `lead_id`) into `dir/out`.
fn sample_plan(dir: &std::path::Path, out: &str, models: ModelChoice) -> TrainPlan {
    let mut config = TrainConfig::default();
    config.data.target = Some("converted".into());
    config.data.id = Some("lead_id".into());
    TrainPlan {
        data: dir.join("data/history.csv"),
        out: dir.join(out),
        config: config.check("test").unwrap(),
        allow_leaky: false,
        models,
        primary: None,
        dedupe: None,
        allow_weak: false,
        sign_key: None,
    }
}

#[test]
fn save_load_predict_is_bit_identical() {
    let dir = crate::common::sample_dir();
    let plan = sample_plan(dir.path(), "models/rt.json", ModelChoice::Both);
    let outcome = train(&plan, &mut |_| {}).unwrap();
    let loaded = Bundle::load(&plan.out).unwrap();
    assert_eq!(loaded, outcome.bundle, "every field survives the round trip");
    // The crates that decide the numbers are recorded, rand and rand_chacha (every split) among them.
    let versions = &loaded.training.crate_versions;
    for name in ["polars", "linfa-logistic", "rand", "rand_chacha"] {
        let v: Vec<&String> = versions.iter().filter(|(n, _)| n == name).map(|(_, v)| v).collect();
        assert_eq!(v.len(), 1, "{name}: {versions:?}");
    }
    assert!(versions.iter().any(|(n, v)| n == "rand" && v.starts_with("0.9.")), "{versions:?}");

    let path = dir.path().join("data/open_leads.csv");
    let df = read_table(&path).unwrap();
    let frame = LeadFrame { df: &df, path: &path, first_row: 1 };
    assert_eq!(loaded.models.len(), 2, "logistic and gbm");
    for k in 0..2 {
        let before = ModelScorer { pipeline: &outcome.bundle.pipeline, model: &outcome.bundle.models[k].model }
            .score(&frame, true)
            .unwrap();
        let after =
            ModelScorer { pipeline: &loaded.pipeline, model: &loaded.models[k].model }.score(&frame, true).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&before.scores), bits(&after.scores), "model {k}");
        assert_eq!(before.contributions, after.contributions, "model {k}");
        assert_eq!(before.scores.len(), 200);
    }
}

#[test]
fn save_refuses_a_bundle_it_could_not_load_back() {
    // Regression: a standard deviation that overflowed to inf was written as JSON null, and
    // the bundle then failed to load. Save now reads its own text back before writing.
    let dir = crate::common::sample_dir();
    let plan = sample_plan(dir.path(), "models/ok.json", ModelChoice::Logistic);
    let good = train(&plan, &mut |_| {}).unwrap().bundle;
    let before = std::fs::read(&plan.out).unwrap();
    for (what, mut bad) in [
        ("infinite std", {
            let mut b = good.clone();
            b.pipeline.design[0].std = f64::INFINITY;
            b
        }),
        ("NaN grade cut", {
            let mut b = good.clone();
            b.grades.a = f64::NAN;
            b
        }),
        ("inverted grade cuts", {
            let mut b = good.clone();
            (b.grades.a, b.grades.c) = (b.grades.c, b.grades.a);
            b
        }),
        ("absurd coefficient", {
            let mut b = good.clone();
            if let leadscore::models::FittedModel::Logistic(m) = &mut b.models[0].model {
                m.coefficients[0] = 1e308;
            }
            b
        }),
    ] {
        let e = bad.save(&plan.out).unwrap_err().to_string();
        assert!(e.contains("models/ok.json: not written: the trained bundle would not load back"), "{what}: {e}");
        assert_eq!(std::fs::read(&plan.out).unwrap(), before, "{what}: the old bundle is untouched");
        let fresh = dir.path().join("models/fresh.json");
        assert!(bad.save(&fresh).is_err());
        assert!(!fresh.exists(), "{what}: nothing written");
    }
    let names: Vec<String> = std::fs::read_dir(dir.path().join("models"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ok.json"], "no temporary file left behind");
}

#[test]
fn a_bundle_saved_before_counts_could_be_fractional_still_loads() {
    // Saved by leadscore before decile counts became expected values (f64): its counts are
    // JSON integers and its checksum is over that text, so whole counts must re-serialise
    // as integers for the checksum to match.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bundle_saved_by_0.1_before_fractional_counts.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"conversions\":") && !text.contains("\"cumulative_conversions\":0.0"));
    let b = leadscore::bundle::Bundle::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.primary, leadscore::models::ModelKind::Logistic);
}
