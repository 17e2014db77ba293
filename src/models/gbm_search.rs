//! The boosted trees' time budget and the small seeded search it pays for.
//!
//! The budget (`gbm.time_budget`, `--time-budget`, seconds) is turned into a plan *before*
//! any tree is grown, from the size of the data alone, so that the same input and seed give
//! the same bundle whatever the machine's load: the work of one fit is estimated as rows ×
//! columns × `num_trees` cell visits at [`CELLS_PER_SECOND`]; the plan is the most inner folds
//! (up to `inner_folds`, at least 2) and then the most settings (up to `search_trials`) whose
//! cross-validation plus the refit fit in the budget.
//!
//! The settings tried: the configured ones first, then seeded draws from a small grid over
//! the leaves per tree, the rows per leaf, the L2 penalty on leaf values and the share of
//! columns per tree. A knob set away from its default (flag or config) is held where it was
//! set. Every trial is scored on the same folds by its mean validation log loss at its best
//! number of trees; the lowest wins (ties: the earlier trial).

use rand::seq::SliceRandom;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::gbm::GbmSettings;

/// Cell visits (rows × columns × trees) per second assumed for planning: the engine alone did
/// 4.6e8 on 2 idle cores (1M rows × 30 columns × 200 trees in 13 s); a whole default `train`
/// of 800,000 rows × 21 columns on the shared 2-core machine (load 3-5) ran at about 1.2e8
/// (4 inner folds took 198 s, over the 180 s budget), so plans assume 1.2e8.
pub const CELLS_PER_SECOND: f64 = 1.2e8;

/// One setting tried by the search, with its cross-validated score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchTrial {
    /// Maximum leaves per tree.
    pub num_leaves: usize,
    /// Minimum training rows per leaf.
    pub min_data_in_leaf: usize,
    /// L2 regularisation on leaf values.
    pub lambda_l2: f64,
    /// Share of columns sampled per tree.
    pub feature_fraction: f64,
    /// Its best number of trees (minimum of the mean validation log loss).
    pub trees: usize,
    /// Its mean validation log loss there.
    pub cv_log_loss: f64,
}

impl SearchTrial {
    /// The settings as a short text: `31 leaves, 20 rows/leaf, l2 0, 100% columns`.
    pub fn describe(&self) -> String {
        format!(
            "{} leaves, {} rows/leaf, l2 {}, {:.0}% columns",
            self.num_leaves,
            self.min_data_in_leaf,
            self.lambda_l2,
            100.0 * self.feature_fraction
        )
    }
}

/// What the budget allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Inner folds.
    pub folds: usize,
    /// Settings to try (the configured ones included).
    pub trials: usize,
}

/// The plan for `rows` × `cols` under `settings` (module docs); `max_folds` >= 2.
pub fn plan(settings: &GbmSettings, rows: usize, cols: usize, max_folds: usize) -> Plan {
    let one_fit = rows as f64 * cols.max(1) as f64 * settings.engine.num_trees.max(1) as f64;
    // A k-fold trial grows k fits on (k-1)/k of the rows: k-1 full fits of work; the refit one more.
    let units = settings.fitting.time_budget * CELLS_PER_SECOND / one_fit.max(1.0);
    let folds = (units.floor() as usize).clamp(2, max_folds.max(2));
    let trials =
        (((units - 1.0) / (folds - 1) as f64).floor().max(1.0) as usize).clamp(1, settings.fitting.search_trials.max(1));
    Plan { folds, trials }
}

/// The settings to try, the configured ones first (module docs).
pub fn trials(base: &GbmSettings, n: usize, seed: u64) -> Vec<GbmSettings> {
    let d = GbmSettings::default();
    let pick = |fixed: bool, at: usize, grid: &[usize]| if fixed { vec![at] } else { grid.to_vec() };
    let leaves = pick(base.engine.num_leaves != d.engine.num_leaves, base.engine.num_leaves, &[7, 15, 31, 63]);
    let per_leaf = pick(base.engine.min_data_in_leaf != d.engine.min_data_in_leaf, base.engine.min_data_in_leaf, &[10, 20, 50, 100]);
    let l2: Vec<f64> = if base.engine.lambda_l2 != d.engine.lambda_l2 { vec![base.engine.lambda_l2] } else { vec![0.0, 1.0, 10.0] };
    let ff: Vec<f64> =
        if base.engine.feature_fraction != d.engine.feature_fraction { vec![base.engine.feature_fraction] } else { vec![0.6, 0.8, 1.0] };
    let mut grid = Vec::new();
    for &a in &leaves {
        for &b in &per_leaf {
            for &c in &l2 {
                for &f in &ff {
                    let mut s = base.clone();
                    (s.engine.num_leaves, s.engine.min_data_in_leaf) = (a, b);
                    (s.engine.lambda_l2, s.engine.feature_fraction) = (c, f);
                    if !same_knobs(&s, base) {
                        grid.push(s);
                    }
                }
            }
        }
    }
    grid.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x7365_6172_6368));
    std::iter::once(base.clone()).chain(grid).take(n.max(1)).collect()
}

fn same_knobs(a: &GbmSettings, b: &GbmSettings) -> bool {
    a.engine.num_leaves == b.engine.num_leaves
        && a.engine.min_data_in_leaf == b.engine.min_data_in_leaf
        && a.engine.lambda_l2 == b.engine.lambda_l2
        && a.engine.feature_fraction == b.engine.feature_fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_follows_the_budget_by_size_alone() {
        // The defaults: 500 trees, 180 s, 8 trials.
        let s = GbmSettings::default();
        // Leads.csv-sized: 7,392 rows × 25 columns × 500 trees = 9.24e7 cells; the budget
        // buys 180 × 1.2e8 / 9.24e7 ≈ 234 fits: 5 folds and every trial.
        assert_eq!(plan(&s, 7392, 25, 5), Plan { folds: 5, trials: 8 });
        // 1M × 30 × 500 = 1.5e10 cells: 1.44 fits: 2 folds, one trial (the configured settings).
        assert_eq!(plan(&s, 1_000_000, 30, 5), Plan { folds: 2, trials: 1 });
        // 100k × 30: 14.4 fits: 5 folds (4 fits each), then (14.4 - 1) / 4 = 3 trials.
        assert_eq!(plan(&s, 100_000, 30, 5), Plan { folds: 5, trials: 3 });
        // A tiny budget still cross-validates with 2 folds and the configured settings.
        let mut tiny = s.clone();
        tiny.fitting.time_budget = 1.0;
        assert_eq!(plan(&tiny, 7392, 25, 5), Plan { folds: 2, trials: 1 });
    }

    #[test]
    fn trials_start_with_the_configured_settings_are_seeded_and_hold_set_knobs() {
        let base = GbmSettings::default();
        let t = trials(&base, 8, 42);
        assert_eq!(t.len(), 8);
        assert_eq!(t[0], base);
        assert_eq!(t, trials(&base, 8, 42));
        assert_ne!(t, trials(&base, 8, 43));
        assert!(t[1..].iter().all(|s| !same_knobs(s, &base)));
        // Distinct settings.
        for i in 0..t.len() {
            for j in 0..i {
                assert!(!same_knobs(&t[i], &t[j]), "{i} and {j}");
            }
        }
        let mut set = GbmSettings::default();
        set.engine.num_leaves = 12;
        assert!(trials(&set, 8, 42).iter().all(|s| s.engine.num_leaves == 12));
        assert_eq!(trials(&base, 1, 42), vec![base]);
    }
}
