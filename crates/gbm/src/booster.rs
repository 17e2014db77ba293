//! The boosting loop: [`ValidGbmParams::fit`].
//!
//! Data flow: check inputs -> bin the training matrix -> start every score at the log-odds
//! of the base rate -> per round: gradients, bagging / column sampling (seeded), grow a tree
//! on bins ([`crate::grow`]), add its leaf values to the in-bag scores through the row
//! partition and to out-of-bag and validation scores through raw-threshold prediction ->
//! early stopping on validation log loss, truncating to the best round.

use rand::seq::index::sample;
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::binning::bin_training;
use crate::error::GbmError;
use crate::grow::{grow, GrowConfig};
use crate::matrix::ColMatrix;
use crate::model::{GbmModel, MODEL_FORMAT_VERSION};
use crate::objective::{base_log_odds, grad_hess, log_loss_from_margin};
use crate::params::ValidGbmParams;
use crate::predict::{add_tree, gather_rows};
use crate::split::SplitConfig;

fn check_labels(what: &'static str, y: &[f64], n_rows: usize) -> Result<(), GbmError> {
    if y.len() != n_rows {
        return Err(GbmError::LabelCount { what, expected: n_rows, found: y.len() });
    }
    if let Some((row, &value)) = y.iter().enumerate().find(|(_, &v)| v != 0.0 && v != 1.0) {
        return Err(GbmError::BadLabel { what, row, value });
    }
    Ok(())
}

fn check_matrix(what: &'static str, x: &ColMatrix, n_features: usize) -> Result<(), GbmError> {
    x.check_shape(what)?;
    if x.n_cols != n_features {
        return Err(GbmError::ColumnCount { what, expected: n_features, found: x.n_cols });
    }
    Ok(())
}

impl ValidGbmParams {
    /// Fits a model on `x` with 0/1 labels `y`. With `valid = Some((x_valid, y_valid))` the
    /// validation log loss is tracked every round and drives `early_stopping_rounds`.
    ///
    /// Deterministic for a fixed `seed`, whatever the thread count.
    pub fn fit(&self, x: &ColMatrix, y: &[f64], valid: Option<(&ColMatrix, &[f64])>) -> Result<GbmModel, GbmError> {
        self.fit_with(x, y, valid, true)
    }

    /// As [`ValidGbmParams::fit`], but keeps every tree grown: early stopping still ends the
    /// loop `early_stopping_rounds` after the best round, but the trees after it are not
    /// dropped (and `best_iteration` is `None`: the validation curve in
    /// [`GbmModel::valid_log_loss`] says where it was). Cross-validation uses this to read
    /// each fold's validation curve past its own best round and to predict its fold at the
    /// number of trees chosen over all folds ([`GbmModel::truncated`]).
    pub fn fit_keeping_all_trees(
        &self,
        x: &ColMatrix,
        y: &[f64],
        valid: Option<(&ColMatrix, &[f64])>,
    ) -> Result<GbmModel, GbmError> {
        self.fit_with(x, y, valid, false)
    }

    fn fit_with(
        &self,
        x: &ColMatrix,
        y: &[f64],
        valid: Option<(&ColMatrix, &[f64])>,
        truncate: bool,
    ) -> Result<GbmModel, GbmError> {
        check_matrix("training matrix", x, self.n_features)?;
        check_labels("training labels", y, x.n_rows)?;
        if x.n_rows == 0 {
            return Err(GbmError::NoRows);
        }
        if y.iter().all(|&v| v == y[0]) {
            return Err(GbmError::SingleClass { value: y[0] });
        }
        if let Some((vx, vy)) = valid {
            check_matrix("validation matrix", vx, self.n_features)?;
            check_labels("validation labels", vy, vx.n_rows)?;
        } else if let Some(rounds) = self.params.early_stopping_rounds {
            return Err(GbmError::EarlyStoppingWithoutValidation { rounds });
        }
        if self.params.n_threads > 0 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(self.params.n_threads)
                .build()
                .map_err(|source| GbmError::ThreadPool { n_threads: self.params.n_threads, source })?;
            Ok(pool.install(|| self.fit_inner(x, y, valid, truncate)))
        } else {
            Ok(self.fit_inner(x, y, valid, truncate))
        }
    }

    fn fit_inner(&self, x: &ColMatrix, y: &[f64], valid: Option<(&ColMatrix, &[f64])>, truncate: bool) -> GbmModel {
        let p = &self.params;
        let n = x.n_rows;
        let data = bin_training(x, &self.is_categorical, p.max_bins, p.seed);
        let init = base_log_odds(y);
        let mut scores = vec![init; n];
        let mut valid_scores = valid.map(|(vx, _)| vec![init; vx.n_rows]);
        let split = SplitConfig {
            l2: p.lambda_l2,
            min_data_in_leaf: p.min_data_in_leaf as f64,
            min_sum_hessian: p.min_sum_hessian_in_leaf,
            min_gain_to_split: p.min_gain_to_split,
            max_cat_to_onehot: p.max_cat_to_onehot,
            max_cat_threshold: p.max_cat_threshold,
            cat_smooth: p.cat_smooth,
            cat_l2: p.cat_l2,
            min_data_per_group: p.min_data_per_group as f64,
        };
        let cfg = GrowConfig {
            split: &split,
            monotone: &self.monotone,
            num_leaves: p.num_leaves,
            depth_limit: self.depth_limit,
            learning_rate: p.learning_rate,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
        let bagging = p.bagging_freq > 0 && p.bagging_fraction < 1.0;
        let n_used = ((p.feature_fraction * self.n_features as f64).round() as usize).clamp(1, self.n_features);
        // Gradients and hessians are stored in single precision, as LightGBM stores them
        // (`score_t`): half the memory traffic for histograms, which sum them in f64.
        let mut gh = vec![[0.0f32; 2]; n];
        let mut bag: Vec<u32> = (0..n as u32).collect();
        let mut in_bag = vec![true; n];
        let mut rows: Vec<u32> = Vec::with_capacity(n);
        let mut trees = Vec::new();
        let mut valid_loss = Vec::new();
        let (mut best_loss, mut best_iter) = (f64::INFINITY, 0usize);

        for iter in 0..p.num_trees {
            gh.par_iter_mut()
                .zip(scores.par_iter().zip(y.par_iter()))
                .for_each(|(o, (&s, &t))| *o = grad_hess(s, t).map(|v| v as f32));
            if bagging && iter % p.bagging_freq == 0 {
                bag.clear();
                for (r, ib) in in_bag.iter_mut().enumerate() {
                    *ib = rng.random::<f64>() < p.bagging_fraction;
                    if *ib {
                        bag.push(r as u32);
                    }
                }
                if bag.is_empty() {
                    bag.push(rng.random_range(0..n as u32));
                    in_bag[bag[0] as usize] = true;
                }
            }
            let used: Vec<bool> = if n_used < self.n_features {
                let mut u = vec![false; self.n_features];
                for j in sample(&mut rng, self.n_features, n_used) {
                    u[j] = true;
                }
                u
            } else {
                vec![true; self.n_features]
            };
            rows.clear();
            rows.extend_from_slice(&bag);
            let Some(grown) = grow(&data, &gh, &mut rows, !bagging, &used, &cfg) else {
                break; // nothing left to split: further rounds would add empty trees
            };
            for (leaf, &(start, len)) in grown.leaf_ranges.iter().enumerate() {
                let v = grown.tree.leaf_value[leaf];
                for &r in &rows[start..start + len] {
                    scores[r as usize] += v;
                }
            }
            if bagging {
                let tree = &grown.tree;
                scores
                    .par_iter_mut()
                    .enumerate()
                    .filter(|(r, _)| !in_bag[*r])
                    .for_each(|(r, s)| *s += tree.predict(|c| x.data[c * n + r]));
            }
            if let (Some((vx, vy)), Some(vs)) = (valid, valid_scores.as_mut()) {
                let width = self.n_features;
                vs.par_chunks_mut(512).enumerate().for_each_init(Vec::new, |buf, (b, chunk)| {
                    gather_rows(vx, b * 512, chunk.len(), width, buf);
                    add_tree(&grown.tree, buf, width, chunk);
                });
                let loss = log_loss_from_margin(vs, vy);
                valid_loss.push(loss);
                if loss < best_loss {
                    best_loss = loss;
                    best_iter = iter;
                }
            }
            trees.push(grown.tree);
            if let Some(rounds) = p.early_stopping_rounds {
                if iter - best_iter >= rounds {
                    break;
                }
            }
        }
        let best_iteration = if truncate && p.early_stopping_rounds.is_some() && !trees.is_empty() {
            trees.truncate(best_iter + 1);
            Some(best_iter + 1)
        } else {
            None
        };
        GbmModel {
            format_version: MODEL_FORMAT_VERSION,
            n_features: self.n_features,
            categorical: self.is_categorical.clone(),
            init_score: init,
            trees,
            best_iteration,
            valid_log_loss: valid_loss,
            params: Some(p.clone()),
            bins: data.bins,
        }
    }
}
