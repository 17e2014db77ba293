//! Dominance: a quick screening model (small boosted trees from `crates/gbm`: 60 trees of up
//! to 15 leaves, learning rate 0.1, no early stopping or calibration) fitted on two thirds of
//! (at most [`MAX_SCREEN_ROWS`]) labelled rows and scored on the other third. Each column's
//! share of its split gain is recorded; the few columns with the largest shares are left out
//! one at a time and the model refitted, which says how much hold-out AUC each adds over
//! the model without it. A column recorded after contact typically takes most of the gain and
//! adds a lot of AUC. With fewer than [`MIN_SCREEN_COLUMNS`] columns there is no screen. A few seconds at most: the rows are capped and only
//! [`DROP_COLUMN_REFITS`] refits are made.

use leadscore_gbm::{ColMatrix, GbmError, GbmParams};

use crate::data::typing::{LeadFrame, MissingTokens, TypingError};
use crate::evaluation::metrics::roc_auc;
use crate::evaluation::split::stratified_holdout;
use crate::features::pipeline::PipelineSettings;
use crate::features::schema::InputColumn;
use crate::features::{FeatureMatrix, FittedPipeline};

/// Labelled rows the screening model sees at most (a stratified sample beyond).
pub const MAX_SCREEN_ROWS: usize = 30_000;
/// Columns left out one at a time (those with the largest gain shares).
pub const DROP_COLUMN_REFITS: usize = 3;
/// Columns the screening model needs: with fewer, one informative column takes all the gain
/// whether or not it leaks, and dominance says nothing.
pub const MIN_SCREEN_COLUMNS: usize = 4;
/// A column needs this share of the gain to be refitted without.
const MIN_SHARE_FOR_REFIT: f64 = 0.1;

/// What the screening model says of each input column.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Screen {
    /// Hold-out AUC of the screening model on every column.
    pub auc: f64,
    /// Per input column (by name): share of split gain, and the hold-out AUC lost without it
    /// (for the columns refitted without).
    pub columns: Vec<(String, f64, Option<f64>)>,
}

fn fit_auc(
    params: &GbmParams,
    train: &FeatureMatrix,
    yt: &[f64],
    test: &FeatureMatrix,
    ys: &[bool],
) -> Result<(f64, Vec<f64>), GbmError> {
    let valid = params.clone().check(train.n_cols())?;
    let model = valid.fit(&ColMatrix::new(&train.data, train.n_rows, train.n_cols())?, yt, None)?;
    let p = model.predict_proba(&ColMatrix::new(&test.data, test.n_rows, test.n_cols())?);
    Ok((roc_auc(&p, ys).unwrap_or(0.5), model.feature_importance_gain()))
}

/// `m` without column `j`.
fn without(m: &FeatureMatrix, j: usize) -> FeatureMatrix {
    let mut data = Vec::with_capacity(m.data.len() - m.n_rows);
    let mut names = Vec::new();
    for k in (0..m.n_cols()).filter(|&k| k != j) {
        data.extend_from_slice(m.column(k));
        names.push(m.names[k].clone());
    }
    FeatureMatrix { n_rows: m.n_rows, names, data }
}

/// Errors of the screening model.
#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    /// A value could not be read.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// The boosted-tree engine refused the matrix.
    #[error("leakage guard's screening model: {0}")]
    Engine(#[from] GbmError),
}

/// Runs the screen over the labelled `rows` (outcomes `labels`); `None` when there are too
/// few rows of either outcome to hold a third out.
pub(super) fn screen(
    frame: &LeadFrame,
    columns: &[InputColumn],
    rows: &[usize],
    labels: &[bool],
    missing: &MissingTokens,
    settings: &PipelineSettings,
    seed: u64,
) -> Result<Option<Screen>, ScreenError> {
    let positives = labels.iter().filter(|&&y| y).count();
    if positives.min(labels.len() - positives) < 30 {
        return Ok(None);
    }
    let sample: Vec<usize> = if rows.len() > MAX_SCREEN_ROWS {
        stratified_holdout(labels, MAX_SCREEN_ROWS as f64 / rows.len() as f64, seed ^ 0x5c7e).test
    } else {
        (0..rows.len()).collect()
    };
    let y: Vec<bool> = sample.iter().map(|&k| labels[k]).collect();
    let split = stratified_holdout(&y, 1.0 / 3.0, seed ^ 0x5c7e_0001);
    let tr_rows: Vec<usize> = split.train.iter().map(|&k| rows[sample[k]]).collect();
    let te_rows: Vec<usize> = split.test.iter().map(|&k| rows[sample[k]]).collect();
    let yt: Vec<f64> = split.train.iter().map(|&k| y[k] as u8 as f64).collect();
    let ys: Vec<bool> = split.test.iter().map(|&k| y[k]).collect();
    let pipeline = FittedPipeline::fit(frame, &tr_rows, columns, missing, settings)?;
    if pipeline.columns.len() < MIN_SCREEN_COLUMNS {
        return Ok(None);
    }
    let train = pipeline.transform(frame, Some(&tr_rows))?.tree;
    let test = pipeline.transform(frame, Some(&te_rows))?.tree;
    let cats = pipeline.categorical_columns();
    let params = GbmParams {
        num_trees: 60,
        learning_rate: 0.1,
        num_leaves: 15,
        min_data_in_leaf: 20,
        max_bins: 63,
        seed,
        categorical: cats.clone(),
        ..GbmParams::default()
    };
    let (auc, gain) = fit_auc(&params, &train, &yt, &test, &ys)?;
    let total: f64 = gain.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let share: Vec<f64> = gain.iter().map(|g| g / total).collect();
    let mut order: Vec<usize> = (0..share.len()).collect();
    order.sort_by(|&a, &b| share[b].total_cmp(&share[a]));
    let mut drop = vec![None; share.len()];
    for &j in order.iter().take(DROP_COLUMN_REFITS).filter(|&&j| share[j] >= MIN_SHARE_FOR_REFIT) {
        if share.len() < 2 {
            break;
        }
        let cats_j: Vec<usize> = cats.iter().filter(|&&c| c != j).map(|&c| if c > j { c - 1 } else { c }).collect();
        let p = GbmParams { categorical: cats_j, ..params.clone() };
        let (auc_j, _) = fit_auc(&p, &without(&train, j), &yt, &without(&test, j), &ys)?;
        drop[j] = Some(auc - auc_j);
    }
    let columns = pipeline.columns.iter().zip(share).zip(drop).map(|((c, s), d)| (c.name.clone(), s, d)).collect();
    Ok(Some(Screen { auc, columns }))
}
