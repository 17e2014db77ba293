//! The boosted trees' settings: the engine's own parameters ([`GbmParams`], LightGBM's names
//! and meanings) with leadscore's defaults, beside what leadscore does around the engine
//! ([`FittingSettings`]: the inner cross-validation, the time budget, the search, monotone
//! constraints by column name).
//!
//! On the wire (`[gbm]` in the config, `settings` of a boosted-tree model in the bundle) both
//! are one flat table, as they always were: `num_trees = 500`, `inner_folds = 5`, ... Every
//! engine parameter can be set there (`min_sum_hessian_in_leaf`, `min_gain_to_split`,
//! `cat_smooth`, `n_threads`, ...), except the two leadscore sets for each fit: `seed` (the
//! run's seed) and `categorical` (the features' categorical columns); the engine's per-column
//! `monotone` vector is built from [`FittingSettings::monotone`]'s names. A key that is neither
//! is refused with the list of keys. `early_stopping_rounds = 0` means off (the engine's
//! `None`). Bundles before format 1.4 hold only twelve of the engine's parameters; the others
//! read as the engine's defaults, which is what those bundles were trained with.

use std::collections::BTreeMap;

use leadscore_gbm::GbmParams;
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::data::ordered_json::OrderedJson;

/// Hyper-parameters of the boosted trees as leadscore exposes them (`[gbm]` in the config).
/// Defaults suit lead histories of thousands to millions of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct GbmSettings {
    /// The engine's parameters. leadscore's defaults differ from the engine's (LightGBM's) in
    /// three: 500 trees (cross-validated early stopping keeps fewer), learning rate 0.05, and
    /// early stopping after 50 rounds without improvement. `seed`, `categorical` and
    /// `monotone` here are ignored: each fit sets them ([`GbmSettings::engine_params`]).
    pub engine: GbmParams,
    /// What leadscore does around the engine.
    pub fitting: FittingSettings,
}

/// The settings of the fitting leadscore does around the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FittingSettings {
    /// Folds of the cross-validation inside the training rows that chooses the number of
    /// trees and the calibrator before one refit on all of them (0 = one inner hold-out of
    /// `inner_share`, no refit: the behaviour before).
    pub inner_folds: usize,
    /// With `inner_folds = 0`: share of the training rows held out for early stopping and calibration.
    pub inner_share: f64,
    /// Seconds the cross-validation and search may take, planned from the data's size before
    /// fitting (so the bundle does not depend on the machine's load; see `gbm_search`).
    pub time_budget: f64,
    /// Most settings the search tries, the configured ones included (1 = no search).
    pub search_trials: usize,
    /// Monotone constraints by column name: +1 never lowers the score as the value grows, -1 never raises it.
    pub monotone: BTreeMap<String, i8>,
}

impl Default for FittingSettings {
    fn default() -> Self {
        FittingSettings { inner_folds: 5, inner_share: 0.2, time_budget: 180.0, search_trials: 8, monotone: BTreeMap::new() }
    }
}

impl Default for GbmSettings {
    fn default() -> Self {
        GbmSettings {
            engine: GbmParams {
                num_trees: 500,
                learning_rate: 0.05,
                early_stopping_rounds: Some(50),
                ..GbmParams::default()
            },
            fitting: FittingSettings::default(),
        }
    }
}

/// Engine parameters leadscore sets for each fit, with why they cannot be set in `[gbm]`.
const SET_PER_FIT: [(&str, &str); 2] = [
    ("seed", "the trees are seeded from the run's `seed` (--seed); set it there"),
    ("categorical", "the categorical columns are the features' own; declare a column's type in [features] instead"),
];

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl GbmSettings {
    /// Every key `[gbm]` accepts, the engine's first.
    pub fn keys() -> Vec<String> {
        let d = GbmSettings::default();
        let engine = object(serde_json::to_value(&d.engine).unwrap_or_default());
        let fit = object(serde_json::to_value(&d.fitting).unwrap_or_default());
        let per_fit = |k: &String| SET_PER_FIT.iter().any(|(n, _)| n == k) || fit.contains_key(k);
        engine.keys().filter(|k| !per_fit(k)).chain(fit.keys()).cloned().collect()
    }

    /// The settings from a flat table (module docs).
    fn from_table(table: Map<String, Value>) -> Result<GbmSettings, String> {
        let d = GbmSettings::default();
        let mut engine = object(serde_json::to_value(&d.engine).map_err(|e| e.to_string())?);
        let fit_keys = object(serde_json::to_value(&d.fitting).map_err(|e| e.to_string())?);
        let mut fit = Map::new();
        for (k, v) in table {
            if let Some((_, why)) = SET_PER_FIT.iter().find(|(n, _)| *n == k) {
                return Err(format!("gbm.{k} cannot be set: {why}"));
            } else if fit_keys.contains_key(&k) {
                fit.insert(k, v);
            } else if engine.contains_key(&k) {
                let off = k == "early_stopping_rounds" && v == 0;
                engine.insert(k, if off { Value::Null } else { v });
            } else {
                return Err(format!("unknown key gbm.{k}; the keys are: {}", GbmSettings::keys().join(", ")));
            }
        }
        Ok(GbmSettings {
            engine: serde_json::from_value(Value::Object(engine)).map_err(|e| format!("gbm: {e}"))?,
            fitting: serde_json::from_value(Value::Object(fit)).map_err(|e| format!("gbm: {e}"))?,
        })
    }

    /// The flat table, keys in the engine's order then leadscore's.
    fn to_table(&self) -> Result<OrderedJson, serde_json::Error> {
        let fit = entries(&self.fitting)?;
        let mut table: Vec<(String, OrderedJson)> = entries(&self.engine)?
            .into_iter()
            .filter(|(k, _)| !SET_PER_FIT.iter().any(|(n, _)| n == k) && !fit.iter().any(|(f, _)| f == k))
            .map(|(k, v)| match (k.as_str(), v) {
                ("early_stopping_rounds", OrderedJson::Null) => (k, OrderedJson::Number(0.into())),
                (_, v) => (k, v),
            })
            .collect();
        table.extend(fit);
        Ok(OrderedJson::Object(table))
    }
}

/// A struct's fields as JSON entries, in its declaration order.
fn entries<T: Serialize>(v: &T) -> Result<Vec<(String, OrderedJson)>, serde_json::Error> {
    Ok(match serde_json::from_str(&serde_json::to_string(v)?)? {
        OrderedJson::Object(entries) => entries,
        _ => Vec::new(),
    })
}

impl Serialize for GbmSettings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_table().map_err(S::Error::custom)?.serialize(s)
    }
}

impl<'de> Deserialize<'de> for GbmSettings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<GbmSettings, D::Error> {
        GbmSettings::from_table(Map::deserialize(d)?).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_is_the_flat_table_of_before_with_every_engine_parameter_added() {
        let s = GbmSettings::default();
        let json = serde_json::to_string(&s).unwrap();
        // The twelve keys bundles have always had come in their old order, with the old
        // meaning of early_stopping_rounds (a number, 0 = off)...
        let old = [
            "num_trees",
            "learning_rate",
            "num_leaves",
            "max_depth",
            "min_data_in_leaf",
            "lambda_l2",
            "feature_fraction",
            "bagging_fraction",
            "bagging_freq",
            "max_bins",
            "early_stopping_rounds",
            "inner_folds",
        ];
        let at: Vec<usize> = old.iter().map(|k| json.find(&format!("\"{k}\":")).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
        assert!(json.starts_with(r#"{"num_trees":500,"learning_rate":0.05,"#), "{json}");
        assert!(json.contains(r#""early_stopping_rounds":50,"#), "{json}");
        // ...the engine's others beside them, and neither seed nor categorical.
        for k in ["min_sum_hessian_in_leaf", "min_gain_to_split", "cat_smooth", "cat_l2", "n_threads"] {
            assert!(json.contains(&format!("\"{k}\":")), "{k}: {json}");
        }
        assert!(!json.contains("\"seed\"") && !json.contains("\"categorical\""), "{json}");
        assert_eq!(json.matches("\"monotone\"").count(), 1, "{json}");
        let back: GbmSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        let off = GbmSettings { engine: GbmParams { early_stopping_rounds: None, ..s.engine.clone() }, ..s };
        let json = serde_json::to_string(&off).unwrap();
        assert!(json.contains(r#""early_stopping_rounds":0,"#), "{json}");
        assert_eq!(serde_json::from_str::<GbmSettings>(&json).unwrap(), off);
    }

    #[test]
    fn a_table_of_before_reads_with_the_engines_defaults_for_what_it_lacks() {
        // The settings of a format-1.0 bundle (12 keys, then inner_share and monotone).
        let old = r#"{"num_trees": 8, "learning_rate": 0.05, "num_leaves": 4, "max_depth": -1, "min_data_in_leaf": 20, "lambda_l2": 0.0, "feature_fraction": 1.0, "bagging_fraction": 1.0, "bagging_freq": 0, "max_bins": 255, "early_stopping_rounds": 0, "inner_share": 0.2, "monotone": {"visits": 1}}"#;
        let s: GbmSettings = serde_json::from_str(old).unwrap();
        let want = GbmParams { num_trees: 8, learning_rate: 0.05, num_leaves: 4, ..GbmParams::default() };
        assert_eq!(s.engine, want);
        assert_eq!(s.engine.early_stopping_rounds, None);
        assert_eq!(s.fitting.monotone.get("visits"), Some(&1));
        assert_eq!(s.fitting.inner_folds, 5);
    }

    #[test]
    fn config_tables_set_any_engine_parameter_and_refuse_the_per_fit_ones_and_typos() {
        let s: GbmSettings = toml::from_str("min_gain_to_split = 0.5\ncat_smooth = 3\ninner_folds = 3").unwrap();
        assert_eq!((s.engine.min_gain_to_split, s.engine.cat_smooth, s.fitting.inner_folds), (0.5, 3.0, 3));
        assert_eq!(s.engine.num_trees, 500, "leadscore's default, not the engine's 200");
        let e = toml::from_str::<GbmSettings>("seed = 3").unwrap_err().to_string();
        assert!(e.contains("gbm.seed cannot be set") && e.contains("--seed"), "{e}");
        let e = toml::from_str::<GbmSettings>("categorical = [1]").unwrap_err().to_string();
        assert!(e.contains("gbm.categorical cannot be set"), "{e}");
        let e = toml::from_str::<GbmSettings>("num_tress = 3").unwrap_err().to_string();
        assert!(e.contains("unknown key gbm.num_tress") && e.contains("num_trees") && e.contains("inner_folds"), "{e}");
        let e = toml::from_str::<GbmSettings>("num_leaves = \"many\"").unwrap_err().to_string();
        assert!(e.contains("gbm: invalid type"), "{e}");
    }
}
