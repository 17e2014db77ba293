//! Property tests where fuzzing cannot reach: a trained bundle (logistic and boosted trees)
//! scoring arbitrary leads, extreme and malformed values included. Whatever the leads,
//! scoring either refuses them with an error about the data, or gives every model a
//! probability in 0..1 (never NaN); the same leads always get the same bits, alone or in
//! any batch; and a bundle survives save and load unchanged.

use std::path::Path;
use std::sync::OnceLock;

use polars::prelude::{Column, DataFrame};
use proptest::prelude::*;

use leadscore::bundle::Bundle;
use leadscore::config::TrainConfig;
use leadscore::data::typing::{ColumnKind, LeadFrame};
use leadscore::scorer::{BundleScorer, ScoreError, Scorer};
use leadscore::train::{train, ModelChoice, TrainPlan};

/// A bundle with both models, trained once on the generated sample.
fn bundle() -> &'static (tempfile::TempDir, Bundle) {
    static B: OnceLock<(tempfile::TempDir, Bundle)> = OnceLock::new();
    B.get_or_init(|| {
        let dir = crate::common::sample_dir();
        let mut config = TrainConfig::default();
        config.data.target = Some("converted".into());
        config.data.id = Some("lead_id".into());
        let plan = TrainPlan {
            data: dir.path().join("data/history.csv"),
            out: dir.path().join("models/both.json"),
            config: config.check("test").unwrap(),
            allow_leaky: false,
            models: ModelChoice::Both,
            primary: None,
            sign_key: None,
            dedupe: None,
            allow_weak: false,
        };
        let bundle = train(&plan, &mut |_| {}).unwrap().bundle;
        (dir, bundle)
    })
}

/// A cell of a column of `kind`: typical values, blanks, and the extremes a file can hold.
fn cell(kind: ColumnKind, levels: Vec<String>) -> BoxedStrategy<Option<String>> {
    let blank = prop_oneof![Just(None), Just(Some(String::new())), Just(Some("  ".into()))];
    match kind {
        ColumnKind::Numeric => prop_oneof![
            3 => (-1e3f64..1e6).prop_map(|v| Some(format!("{v}"))),
            1 => prop::sample::select(vec!["1e308", "-1e308", "1.7976931348623157e308", "5e-324", "-0", "0", "1e-300"])
                .prop_map(|v| Some(v.to_string())),
            1 => any::<f64>().prop_filter("finite", |v| v.is_finite()).prop_map(|v| Some(format!("{v:e}"))),
            1 => blank,
        ]
        .boxed(),
        ColumnKind::Boolean => prop_oneof![
            prop::sample::select(vec!["true", "false", "1", "0", "yes", "no", "Yes", "N"])
                .prop_map(|v| Some(v.to_string())),
            blank,
        ]
        .boxed(),
        ColumnKind::Date => prop_oneof![
            3 => (1900i32..2100, 1u32..13, 1u32..29).prop_map(|(y, m, d)| Some(format!("{y:04}-{m:02}-{d:02}"))),
            1 => prop::sample::select(vec!["0001-01-01", "9999-12-31", "1970-01-01"]).prop_map(|v| Some(v.to_string())),
            1 => blank,
        ]
        .boxed(),
        _ => {
            let known = if levels.is_empty() { vec!["x".to_string()] } else { levels };
            prop_oneof![
                3 => prop::sample::select(known).prop_map(Some),
                1 => "[a-zA-Z0-9 é\u{1F600}]{0,12}".prop_map(Some),
                1 => blank,
            ]
            .boxed()
        }
    }
}

/// Up to 12 leads with a value for every input column of the bundle.
fn leads() -> impl Strategy<Value = Vec<Vec<Option<String>>>> {
    let (_, b) = bundle();
    let columns: Vec<BoxedStrategy<Option<String>>> = b
        .pipeline
        .columns
        .iter()
        .map(|c| {
            let levels = match &c.encoding {
                leadscore::features::pipeline::Encoding::Categorical { levels, .. } => levels.clone(),
                _ => Vec::new(),
            };
            cell(c.kind, levels)
        })
        .collect();
    prop::collection::vec(columns, 1..12)
}

fn frame(rows: &[Vec<Option<String>>]) -> DataFrame {
    let (_, b) = bundle();
    let cols: Vec<Column> = b
        .pipeline
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| Column::new(c.name.as_str().into(), rows.iter().map(|r| r[j].clone()).collect::<Vec<_>>()))
        .collect();
    DataFrame::new_infer_height(cols).unwrap()
}

/// Every model's probabilities of each lead, or the error.
fn score(df: &DataFrame, explain: bool) -> Result<Vec<(String, Vec<f64>)>, ScoreError> {
    let (_, b) = bundle();
    let leads = LeadFrame { df, path: Path::new("leads.csv"), first_row: 1 };
    let scored = BundleScorer::new(b).score(&leads, explain)?;
    assert_eq!(scored.scores.len(), df.height());
    Ok(scored.components)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_score_is_a_probability_and_the_same_leads_get_the_same_bits(rows in leads()) {
        let df = frame(&rows);
        match score(&df, true) {
            Ok(models) => {
                prop_assert_eq!(models.len(), 2);
                for (name, probs) in &models {
                    for (i, p) in probs.iter().enumerate() {
                        prop_assert!((0.0..=1.0).contains(p), "{} gave lead {} {}", name, i + 1, p);
                    }
                }
                // Same input, same output: again, without explanations, and each lead alone.
                let again = score(&df, false).unwrap();
                prop_assert_eq!(&again, &models);
                for i in 0..rows.len() {
                    let alone = score(&frame(&rows[i..=i]), false).unwrap();
                    for (k, (name, probs)) in alone.iter().enumerate() {
                        prop_assert_eq!(probs[0].to_bits(), models[k].1[i].to_bits(), "{} lead {} alone", name, i + 1);
                    }
                }
            }
            // Refusing a value is fine when the message is about the data, naming file and row.
            Err(ScoreError::Typing(e)) => {
                let m = e.to_string();
                prop_assert!(m.contains("leads.csv") && m.contains("row"), "{}", m);
            }
            Err(e) => prop_assert!(false, "scoring failed for a reason other than the data: {}", e),
        }
    }
}

#[test]
fn a_trained_bundle_round_trips_through_save_and_load_unchanged() {
    let (dir, b) = bundle();
    let path = dir.path().join("models/both.json");
    let loaded = Bundle::load(&path).unwrap();
    assert_eq!(&loaded, b);
    let mut copy = loaded.clone();
    let again = dir.path().join("models/again.json");
    copy.save(&again).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&again).unwrap(), "saving is deterministic");
}
