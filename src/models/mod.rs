//! The models: logistic regression ([`logistic`]) and boosted trees ([`gbm`]), and
//! [`FittedModel`], either of them as stored in the bundle.
//!
//! Models see only the column-major feature matrices of [`crate::features::Encoded`]; pairing
//! a model with the bundle's feature pipeline to score raw leads is [`crate::scorer`]'s job.

pub mod gbm;
pub mod logistic;

use leadscore_gbm::GbmError;
use serde::{Deserialize, Serialize};

use crate::features::{Encoded, FittedPipeline};

/// A fitted model of any kind, as stored in the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FittedModel {
    /// L2-regularised logistic regression on the design matrix.
    Logistic(logistic::LogisticModel),
    /// Calibrated gradient-boosted trees on the tree matrix.
    Gbm(Box<gbm::GbmScorerModel>),
}

impl FittedModel {
    /// The model's short name.
    pub fn name(&self) -> &'static str {
        match self {
            FittedModel::Logistic(_) => "logistic",
            FittedModel::Gbm(_) => "gbm",
        }
    }

    /// P(converted) for encoded rows.
    pub fn predict(&self, enc: &Encoded) -> Result<Vec<f64>, GbmError> {
        Ok(match self {
            FittedModel::Logistic(m) => m.predict_proba(&enc.design),
            FittedModel::Gbm(m) => m.predict_proba(&enc.tree)?,
        })
    }

    /// Per row, per input column: the effect on the log-odds.
    pub fn effects(&self, pipeline: &FittedPipeline, enc: &Encoded) -> Result<Vec<Vec<f64>>, GbmError> {
        let n = enc.design.n_rows;
        Ok(match self {
            FittedModel::Logistic(m) => {
                (0..n).map(|i| m.contributions(pipeline, &enc.design, i).into_iter().map(|c| c.1).collect()).collect()
            }
            FittedModel::Gbm(m) => {
                let p = enc.tree.n_cols();
                let shap = m.shap(&enc.tree)?;
                (0..n).map(|i| shap[i * (p + 1)..i * (p + 1) + p].to_vec()).collect()
            }
        })
    }
}
