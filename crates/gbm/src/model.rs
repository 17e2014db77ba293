//! [`GbmModel`]: the fitted booster, its serde form and its structural validation.
//!
//! A model is an initial score (log-odds of the training base rate) plus trees whose leaf
//! values already include the learning rate. Deserializing a model always validates it, so a
//! corrupted file is an error, never a panic or an endless loop in `predict`.

use serde::{Deserialize, Serialize};

use crate::binning::FeatureBins;
use crate::error::GbmError;
use crate::params::GbmParams;
use crate::tree::Tree;

/// Version of the serialized model layout; a different version is refused.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// A fitted gradient-boosted tree model for binary classification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelRepr")]
pub struct GbmModel {
    pub(crate) format_version: u32,
    pub(crate) n_features: usize,
    pub(crate) categorical: Vec<bool>,
    pub(crate) init_score: f64,
    pub(crate) trees: Vec<Tree>,
    pub(crate) best_iteration: Option<usize>,
    /// Validation log loss after each tree (empty without a validation set).
    #[serde(default)]
    pub(crate) valid_log_loss: Vec<f64>,
    /// Parameters the model was trained with (`None` for imported models).
    #[serde(default)]
    pub(crate) params: Option<GbmParams>,
    /// Bin bounds fitted on the training rows (empty for imported models).
    #[serde(default)]
    pub(crate) bins: Vec<FeatureBins>,
}

/// The unchecked serde form of [`GbmModel`].
#[derive(Deserialize)]
struct ModelRepr {
    format_version: u32,
    n_features: usize,
    categorical: Vec<bool>,
    init_score: f64,
    trees: Vec<Tree>,
    best_iteration: Option<usize>,
    #[serde(default)]
    valid_log_loss: Vec<f64>,
    #[serde(default)]
    params: Option<GbmParams>,
    #[serde(default)]
    bins: Vec<FeatureBins>,
}

impl TryFrom<ModelRepr> for GbmModel {
    type Error = GbmError;
    fn try_from(r: ModelRepr) -> Result<Self, GbmError> {
        let m = GbmModel {
            format_version: r.format_version,
            n_features: r.n_features,
            categorical: r.categorical,
            init_score: r.init_score,
            trees: r.trees,
            best_iteration: r.best_iteration,
            valid_log_loss: r.valid_log_loss,
            params: r.params,
            bins: r.bins,
        };
        m.check_structure()?;
        Ok(m)
    }
}

impl GbmModel {
    fn check_structure(&self) -> Result<(), GbmError> {
        if self.format_version != MODEL_FORMAT_VERSION {
            return Err(GbmError::InvalidModel {
                reason: format!("format version {} is not supported (this build reads version {MODEL_FORMAT_VERSION}); retrain or use a matching leadscore", self.format_version),
            });
        }
        if self.categorical.len() != self.n_features {
            return Err(GbmError::InvalidModel {
                reason: format!("{} categorical flags for {} columns", self.categorical.len(), self.n_features),
            });
        }
        if !self.init_score.is_finite() {
            return Err(GbmError::InvalidModel { reason: format!("initial score {} is not finite", self.init_score) });
        }
        if !self.bins.is_empty() && self.bins.len() != self.n_features {
            return Err(GbmError::InvalidModel {
                reason: format!("{} bin mappers for {} columns", self.bins.len(), self.n_features),
            });
        }
        if let Some(b) = self.best_iteration {
            if b != self.trees.len() {
                return Err(GbmError::InvalidModel {
                    reason: format!("best_iteration {b} but the model holds {} trees", self.trees.len()),
                });
            }
        }
        for (i, t) in self.trees.iter().enumerate() {
            t.validate(self.n_features).map_err(|reason| GbmError::InvalidTree { tree: i, reason })?;
        }
        Ok(())
    }

    /// Structural check of a model against the number of columns it will score: every tree
    /// well-formed (links in range, no cycles, bounded depth, finite values) and every split
    /// column `< n_features`.
    pub fn validate(&self, n_features: usize) -> Result<(), GbmError> {
        if self.n_features != n_features {
            return Err(GbmError::InvalidModel {
                reason: format!("model was trained on {} columns but the data has {n_features}", self.n_features),
            });
        }
        self.check_structure()
    }

    /// Number of trees.
    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The trees, in the order their outputs are added to the initial score (read-only: for
    /// exporters that translate the model to another language, e.g. SQL).
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// With early stopping: the number of trees of the best validation round (the model is
    /// truncated to it, so this equals [`GbmModel::num_trees`]).
    pub fn best_iteration(&self) -> Option<usize> {
        self.best_iteration
    }

    /// Number of columns the model expects.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Which columns the model treats as categorical.
    pub fn is_categorical(&self) -> &[bool] {
        &self.categorical
    }

    /// Initial raw score (log-odds of the training base rate).
    pub fn init_score(&self) -> f64 {
        self.init_score
    }

    /// Every leaf value as `(tree, leaf, value)`, tree by tree (raw scores, after the learning
    /// rate): for checking a loaded model's magnitudes.
    pub fn leaves(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        self.trees
            .iter()
            .enumerate()
            .flat_map(|(t, tree)| tree.leaf_value.iter().enumerate().map(move |(l, &v)| (t, l, v)))
    }

    /// Validation log loss after each boosting round (empty without a validation set).
    pub fn valid_log_loss(&self) -> &[f64] {
        &self.valid_log_loss
    }

    /// Parameters used for training (`None` for imported models).
    pub fn params(&self) -> Option<&GbmParams> {
        self.params.as_ref()
    }

    /// Fitted bins per column (empty for imported models).
    pub fn bins(&self) -> &[FeatureBins] {
        &self.bins
    }

    /// Total split gain per column over all trees.
    pub fn feature_importance_gain(&self) -> Vec<f64> {
        let mut imp = vec![0.0; self.n_features];
        for t in &self.trees {
            for (n, g) in t.nodes.iter().zip(&t.split_gain) {
                imp[n.feature as usize] += g;
            }
        }
        imp
    }

    /// The model restricted to its first `k` trees (all of them if `k >= num_trees`).
    pub fn truncated(&self, k: usize) -> GbmModel {
        let mut m = self.clone();
        m.trees.truncate(k);
        if m.best_iteration.is_some() {
            m.best_iteration = Some(m.trees.len());
        }
        m
    }

    /// Serializes to JSON.
    pub fn to_json(&self) -> Result<String, GbmError> {
        Ok(serde_json::to_string(self)?)
    }

    /// Reads a model from JSON, checking its structure (see [`GbmModel::validate`]).
    pub fn from_json(s: &str) -> Result<GbmModel, GbmError> {
        Ok(serde_json::from_str(s)?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tree::tests::sample_tree;

    pub(crate) fn sample_model() -> GbmModel {
        GbmModel {
            format_version: MODEL_FORMAT_VERSION,
            n_features: 2,
            categorical: vec![false, true],
            init_score: 0.25,
            trees: vec![sample_tree()],
            best_iteration: None,
            valid_log_loss: vec![],
            params: None,
            bins: vec![],
        }
    }

    #[test]
    fn json_round_trip_and_corruption_is_an_error() {
        let m = sample_model();
        let s = m.to_json().unwrap();
        assert_eq!(GbmModel::from_json(&s).unwrap(), m);
        assert_eq!(m.feature_importance_gain(), vec![2.0, 1.0]);
        // A child link pointing back at the root: rejected at load time.
        let bad = s.replacen("\"right\":1", "\"right\":0", 1);
        assert_ne!(bad, s);
        let e = GbmModel::from_json(&bad).unwrap_err();
        assert!(format!("{:?}", e).contains("reached twice"), "{e:?}");
        let bad = s.replacen("\"feature\":1", "\"feature\":9", 1);
        assert!(GbmModel::from_json(&bad).is_err());
        let bad = s.replacen("\"format_version\":1", "\"format_version\":7", 1);
        assert!(format!("{:?}", GbmModel::from_json(&bad).unwrap_err()).contains("format version 7"));
        assert!(GbmModel::from_json("{\"trees\": 3}").is_err());
        assert!(m.validate(3).unwrap_err().to_string().contains("trained on 2 columns but the data has 3"));
        assert!(m.validate(2).is_ok());
    }
}
