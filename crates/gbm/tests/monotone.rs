//! Property test: with monotone constraints, raising a +1 feature never lowers the score
//! and raising a -1 feature never raises it, for random data and random rows.

use leadscore_gbm::{ColMatrix, GbmParams};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn monotone_features_move_the_score_one_way(seed in 0u64..10_000, n in 200usize..600, probes in 1usize..20) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        // x0: +1, x1: -1, x2: free, x3: categorical. The label depends on all of them
        // non-monotonically, so the constraints have to bite.
        let mut d = vec![0.0; n * 4];
        let mut y = vec![0.0; n];
        for i in 0..n {
            let x0 = if rng.random::<f64>() < 0.1 { f64::NAN } else { rng.random::<f64>() * 4.0 - 2.0 };
            let x1 = rng.random::<f64>() * 4.0 - 2.0;
            let x2 = rng.random::<f64>();
            let x3 = rng.random_range(0..5u32) as f64;
            let logit = (3.0 * x0.max(0.0)).sin() * 2.0 + x1 * x1 - x2 + if x3 == 2.0 { 1.0 } else { 0.0 };
            y[i] = if rng.random::<f64>() < 1.0 / (1.0 + (-logit).exp()) { 1.0 } else { 0.0 };
            for (c, v) in [x0, x1, x2, x3].into_iter().enumerate() { d[c * n + i] = v; }
        }
        prop_assume!(y.contains(&1.0) && y.contains(&0.0));
        let p = GbmParams { num_trees: 30, num_leaves: 8, min_data_in_leaf: 5, learning_rate: 0.3,
            monotone: vec![1, -1, 0, 0], categorical: vec![3], max_cat_to_onehot: 8, min_data_per_group: 5, cat_smooth: 1.0, ..Default::default() };
        let m = p.check(4).unwrap().fit(&ColMatrix::new(&d, n, 4).unwrap(), &y, None).unwrap();
        for _ in 0..probes {
            let base: Vec<f64> = vec![rng.random::<f64>() * 5.0 - 2.5, rng.random::<f64>() * 5.0 - 2.5, rng.random::<f64>(), rng.random_range(0..6u32) as f64];
            let (lo, hi) = { let a = rng.random::<f64>() * 6.0 - 3.0; let b = rng.random::<f64>() * 6.0 - 3.0; (a.min(b), a.max(b)) };
            for (feat, dir) in [(0usize, 1.0), (1, -1.0)] {
                let mut rows = vec![0.0; 8];
                for (r, v) in [lo, hi].into_iter().enumerate() {
                    for c in 0..4 { rows[c * 2 + r] = if c == feat { v } else { base[c] }; }
                }
                let s = m.predict_margin(&ColMatrix::new(&rows, 2, 4).unwrap());
                prop_assert!(dir * (s[1] - s[0]) >= 0.0, "feature {} from {} to {}: {} -> {}", feat, lo, hi, s[0], s[1]);
            }
        }
    }
}
