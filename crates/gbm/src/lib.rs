//! Histogram gradient-boosted trees for binary classification (LightGBM's algorithm), with
//! native missing values, native categorical features, monotone constraints, exact
//! TreeSHAP explanations and probability calibration.
//!
//! Data flow: [`GbmParams`] --[`GbmParams::check`]--> [`ValidGbmParams`] --[`ValidGbmParams::fit`]-->
//! [`GbmModel`]. Fitting bins each column ([`binning`]), then grows trees leaf-wise on gradient
//! histograms ([`histogram`], [`split`], [`categorical`], [`monotone`], [`grow`]) inside the
//! boosting loop ([`booster`]). The model stores flattened trees with raw thresholds ([`tree`]),
//! so scoring ([`predict`]) and explanations ([`ShapExplainer`], checked against the
//! reference recursion in [`treeshap`]) read the raw column-major matrix
//! ([`ColMatrix`]) directly. [`calibration`] maps held-out scores to calibrated probabilities;
//! [`lightgbm_import`] loads LightGBM models for cross-checks.
//!
//! ```
//! use leadscore_gbm::{ColMatrix, GbmParams};
//!
//! // 200 rows, 2 columns (column-major): the label follows column 0; column 1 is noise.
//! let n = 200;
//! let mut data = Vec::new();
//! data.extend((0..n).map(|i| (i % 10) as f64));
//! data.extend((0..n).map(|i| ((i * 7) % 13) as f64));
//! let y: Vec<f64> = (0..n).map(|i| if i % 10 >= 5 { 1.0 } else { 0.0 }).collect();
//! let x = ColMatrix::new(&data, n, 2)?;
//!
//! let params = GbmParams { num_trees: 30, learning_rate: 0.3, num_leaves: 4, ..Default::default() }.check(2)?;
//! let model = params.fit(&x, &y, None)?;
//! let p = model.predict_proba(&x);
//! assert!(p[7] > 0.9 && p[2] < 0.1);
//!
//! // Explanations: one row per input row, one column per feature plus the bias; rows sum to the margin.
//! let shap = model.shap(&x);
//! let margin = model.predict_margin(&x);
//! assert!((shap[..3].iter().sum::<f64>() - margin[0]).abs() < 1e-9);
//!
//! // Save and load: bit-identical predictions.
//! let loaded = leadscore_gbm::GbmModel::from_json(&model.to_json()?)?;
//! assert_eq!(loaded.predict_margin(&x), margin);
//! # Ok::<(), leadscore_gbm::GbmError>(())
//! ```

#![warn(missing_docs)]

pub mod binning;
pub mod booster;
pub mod calibration;
pub mod categorical;
pub mod error;
pub mod grow;
pub mod histogram;
pub mod lightgbm_import;
pub mod matrix;
pub mod model;
pub mod monotone;
pub mod objective;
pub mod params;
pub mod predict;
mod serde_float;
pub mod shap_explainer;
pub mod split;
pub mod tree;
pub mod treeshap;

pub use calibration::{CalibrationMethod, CalibrationReport, Calibrator};
pub use error::GbmError;
pub use matrix::ColMatrix;
pub use model::GbmModel;
pub use params::{GbmParams, ValidGbmParams};
pub use shap_explainer::ShapExplainer;
