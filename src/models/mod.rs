//! The models: logistic regression ([`logistic`]) and boosted trees ([`gbm`]), and
//! [`FittedModel`], either of them as stored in the bundle.
//!
//! Models see only the column-major feature matrices of [`crate::features::Encoded`]; pairing
//! a model with the bundle's feature pipeline to score raw leads is [`crate::scorer`]'s job.

pub mod calibrate;
pub mod gbm;
mod gbm_cv;
mod gbm_search;
mod gbm_settings;
pub mod logistic;

use leadscore_gbm::GbmError;
use serde::{Deserialize, Serialize};

use crate::features::{Encoded, FittedPipeline};

/// A model's explanation of a batch: per row, per input column, the effect on the log-odds;
/// with `base`, they add up to each row's log-odds.
#[derive(Debug, Clone, PartialEq)]
pub struct Effects {
    /// Per row, per input column (in pipeline order).
    pub per_column: Vec<Vec<f64>>,
    /// The log-odds of an average training lead, the same for every row.
    pub base: f64,
}

/// The kinds of model leadscore fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// L2-regularised logistic regression.
    Logistic,
    /// Calibrated gradient-boosted trees.
    Gbm,
}

impl ModelKind {
    /// Every kind, in the order `train --model both` fits them.
    pub const ALL: [ModelKind; 2] = [ModelKind::Logistic, ModelKind::Gbm];

    /// `"logistic"` or `"gbm"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Logistic => "logistic",
            ModelKind::Gbm => "gbm",
        }
    }

    /// Parses `logistic` or `gbm`.
    pub fn parse(s: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// What kind of model this is.
    pub fn kind(&self) -> ModelKind {
        match self {
            FittedModel::Logistic(_) => ModelKind::Logistic,
            FittedModel::Gbm(_) => ModelKind::Gbm,
        }
    }

    /// The model's short name.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// P(converted) for encoded rows.
    pub fn predict(&self, enc: &Encoded) -> Result<Vec<f64>, GbmError> {
        Ok(match self {
            FittedModel::Logistic(m) => m.predict_proba(&enc.design),
            FittedModel::Gbm(m) => m.predict_proba(&enc.tree)?,
        })
    }

    /// Per row, per input column: the effect on the log-odds, and the log-odds the effects
    /// add to (an average training lead's: the intercept, or TreeSHAP's expected value).
    pub fn effects(&self, pipeline: &FittedPipeline, enc: &Encoded) -> Result<Effects, GbmError> {
        let n = enc.design.n_rows;
        Ok(match self {
            FittedModel::Logistic(m) => Effects {
                per_column: (0..n)
                    .map(|i| m.contributions(pipeline, &enc.design, i).into_iter().map(|c| c.1).collect())
                    .collect(),
                base: m.intercept,
            },
            FittedModel::Gbm(m) => {
                let p = enc.tree.n_cols();
                let shap = m.shap(&enc.tree)?;
                let base = if n > 0 { shap[p] } else { m.trees.init_score() };
                Effects { per_column: (0..n).map(|i| shap[i * (p + 1)..i * (p + 1) + p].to_vec()).collect(), base }
            }
        })
    }

    /// P(converted) at log-odds `margin`: the logistic function, then the trees' calibrator.
    pub fn probability_at(&self, margin: f64) -> f64 {
        let p = if margin >= 0.0 {
            1.0 / (1.0 + (-margin).exp())
        } else {
            let e = margin.exp();
            e / (1.0 + e)
        };
        match self {
            FittedModel::Logistic(_) => p,
            FittedModel::Gbm(m) => m.calibrator.apply(p),
        }
    }
}
