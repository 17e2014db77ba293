//! Save → load → predict is bit-identical, through the library API.

mod common;

use leadscore::bundle::Bundle;
use leadscore::config::TrainConfig;
use leadscore::data::load::read_table;
use leadscore::data::typing::LeadFrame;
use leadscore::models::{ModelScorer, Scorer};
use leadscore::train::{train, ModelChoice, TrainPlan};

#[test]
fn save_load_predict_is_bit_identical() {
    let dir = common::sample_dir();
    let mut config = TrainConfig::default();
    config.data.target = Some("converted".into());
    config.data.id = Some("lead_id".into());
    let plan = TrainPlan {
        data: dir.path().join("data/history.csv"),
        out: dir.path().join("models/rt.json"),
        config,
        allow_leaky: false,
        models: ModelChoice::Both,
        primary: None,
    };
    let outcome = train(&plan, &mut |_| {}).unwrap();
    let loaded = Bundle::load(&plan.out).unwrap();
    assert_eq!(loaded, outcome.bundle, "every field survives the round trip");

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
