//! Tests of the explainer against the recursion, brute-force Shapley values and LightGBM.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::model::MODEL_FORMAT_VERSION;
use crate::tree::Node;
use crate::treeshap::tests::mixed_model;

/// A random tree grown by splitting random leaves: numeric splits on `[0, 1)` thresholds
/// with a random missing-value side, categorical splits (codes 0..6) on the columns
/// `is_cat` marks, random positive leaf covers and internal covers that add up.
pub(crate) fn random_tree(rng: &mut ChaCha8Rng, is_cat: &[bool], n_leaves: usize, chain: bool) -> Tree {
    let k = is_cat.len();
    let mut t = Tree::leaf(rng.random::<f64>() * 2.0 - 1.0, 1.0);
    // Parent (node, is_left) of each leaf; the root leaf has none.
    let mut leaf_parent: Vec<Option<(usize, bool)>> = vec![None];
    while t.leaf_value.len() < n_leaves {
        // `chain`: always split the newest leaf, giving one long path.
        let l = if chain { t.leaf_value.len() - 1 } else { rng.random_range(0..t.leaf_value.len()) };
        let i = t.nodes.len();
        let feature = if chain { (i % k) as u32 } else { rng.random_range(0..k) as u32 };
        let cat = is_cat[feature as usize].then(|| {
            let codes: Vec<u32> = (0..6).filter(|_| rng.random::<bool>()).collect();
            t.push_categories(codes)
        });
        let new_leaf = t.leaf_value.len();
        t.nodes.push(Node {
            feature,
            threshold: rng.random::<f64>(),
            left: !(l as i32),
            right: !(new_leaf as i32),
            default_left: rng.random::<bool>(),
            cat,
        });
        t.split_gain.push(1.0);
        t.internal_count.push(0.0);
        t.leaf_value.push(rng.random::<f64>() * 2.0 - 1.0);
        t.leaf_count.push(0.0);
        if let Some((p, left)) = leaf_parent[l] {
            if left {
                t.nodes[p].left = i as i32;
            } else {
                t.nodes[p].right = i as i32;
            }
        }
        leaf_parent[l] = Some((i, true));
        leaf_parent.push(Some((i, false)));
    }
    for c in &mut t.leaf_count {
        *c = rng.random_range(1..20) as f64;
    }
    fn cover(t: &mut Tree, link: i32) -> f64 {
        if link < 0 {
            return t.leaf_count[!link as usize];
        }
        let n = t.nodes[link as usize];
        let c = cover(t, n.left) + cover(t, n.right);
        t.internal_count[link as usize] = c;
        c
    }
    if !t.nodes.is_empty() {
        cover(&mut t, 0);
    }
    assert_eq!(t.validate(k), Ok(()));
    t
}

pub(crate) fn model_of(trees: Vec<Tree>, is_cat: &[bool]) -> GbmModel {
    GbmModel {
        format_version: MODEL_FORMAT_VERSION,
        n_features: is_cat.len(),
        categorical: is_cat.to_vec(),
        init_score: 0.1,
        trees,
        best_iteration: None,
        valid_log_loss: vec![],
        params: None,
        bins: vec![],
    }
}

/// Column-major rows: numeric columns uniform on `[0, 1)`, categorical codes 0..7, 15% missing.
pub(crate) fn random_rows(rng: &mut ChaCha8Rng, is_cat: &[bool], n: usize) -> Vec<f64> {
    let mut x = Vec::with_capacity(n * is_cat.len());
    for &cat in is_cat {
        for _ in 0..n {
            x.push(match (rng.random::<f64>() < 0.15, cat) {
                (true, _) => f64::NAN,
                (false, true) => rng.random_range(0..7) as f64,
                (false, false) => rng.random::<f64>(),
            });
        }
    }
    x
}

/// `E[f(x) | x_S]` with path-dependent expectations: features in `set` follow the row,
/// the others average their children by cover.
fn conditional(t: &Tree, link: i32, row: &[f64], set: u32) -> f64 {
    if link < 0 {
        return t.leaf_value[!link as usize];
    }
    let n = &t.nodes[link as usize];
    if set >> n.feature & 1 == 1 {
        let next = if t.goes_left(n, row[n.feature as usize]) { n.left } else { n.right };
        conditional(t, next, row, set)
    } else {
        (t.cover(n.left) * conditional(t, n.left, row, set) + t.cover(n.right) * conditional(t, n.right, row, set))
            / t.internal_count[link as usize]
    }
}

/// Shapley values by enumerating every subset of the model's features.
fn brute_force(m: &GbmModel, row: &[f64]) -> Vec<f64> {
    let k = m.n_features;
    let v = |set: u32| {
        m.trees
            .iter()
            .map(|t| if t.nodes.is_empty() { t.leaf_value[0] } else { conditional(t, 0, row, set) })
            .sum::<f64>()
    };
    let fact = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
    let mut phi = vec![0.0; k + 1];
    for (i, p) in phi.iter_mut().enumerate().take(k) {
        for set in 0..1u32 << k {
            if set >> i & 1 == 0 {
                let s = set.count_ones() as usize;
                *p += fact(s) * fact(k - s - 1) / fact(k) * (v(set | 1 << i) - v(set));
            }
        }
    }
    phi[k] = m.init_score + v(0);
    phi
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn quadrature_integrates_polynomials_of_degree_up_to_2m_minus_1_exactly() {
    for m in [1, 2, 4, 8, 16] {
        let (t, w) = gauss_legendre(m);
        for d in 0..2 * m {
            let q: f64 = t.iter().zip(&w).map(|(t, w)| w * t.powi(d as i32)).sum();
            assert!((q - 1.0 / (d + 1) as f64).abs() < 1e-14, "m {m} degree {d}: {q}");
        }
    }
}

#[test]
fn matches_brute_force_shapley_values_on_small_random_trees() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for case in 0..40 {
        let k = rng.random_range(1..=8);
        let is_cat: Vec<bool> = (0..k).map(|_| rng.random::<f64>() < 0.3).collect();
        let trees = (0..rng.random_range(1..4)).map(|_| {
            let leaves = rng.random_range(1..14);
            random_tree(&mut rng, &is_cat, leaves, false)
        });
        let model = model_of(trees.collect(), &is_cat);
        let n = 12;
        let x = random_rows(&mut rng, &is_cat, n);
        let xm = ColMatrix::new(&x, n, k).unwrap();
        let (fast, reference) = (model.shap(&xm), model.shap_reference(&xm));
        for i in 0..n {
            let row: Vec<f64> = (0..k).map(|c| x[c * n + i]).collect();
            let want = brute_force(&model, &row);
            let d = max_diff(&fast[i * (k + 1)..(i + 1) * (k + 1)], &want);
            assert!(d < 1e-9, "case {case} row {row:?}: {d:e}");
            let d = max_diff(&reference[i * (k + 1)..(i + 1) * (k + 1)], &want);
            assert!(d < 1e-9, "case {case} row {row:?}: reference off by {d:e}");
        }
    }
}

#[test]
fn matches_the_recursion_on_random_forests_of_every_path_width() {
    // Leaf counts up to 60 (paths with up to ~20 distinct features: 8 and 16 points) and
    // chains over 40 features (deeper than the quadrature covers: the recursion fallback).
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for (case, (k, leaves, chain)) in
        [(5, 31, false), (12, 31, false), (30, 60, false), (40, 45, true), (40, 20, true)].into_iter().enumerate()
    {
        let is_cat: Vec<bool> = (0..k).map(|c| c % 7 == 3).collect();
        let trees = (0..20).map(|i| random_tree(&mut rng, &is_cat, if i % 5 == 4 { 1 } else { leaves }, chain));
        let model = model_of(trees.collect(), &is_cat);
        let n = 300;
        let x = random_rows(&mut rng, &is_cat, n);
        let xm = ColMatrix::new(&x, n, k).unwrap();
        let mut explainer = ShapExplainer::new(&model);
        let want = model.shap_reference(&xm);
        for simd in Simd::available() {
            explainer.simd = simd;
            let d = max_diff(&explainer.shap(&xm), &want);
            assert!(d < 1e-9, "case {case}, {simd:?}: points {} diff {d:e}", explainer.points);
        }
        let fallback = explainer.plans.iter().filter(|p| matches!(p, Plan::Recursion { .. })).count();
        assert_eq!(fallback > 0, leaves > 33 && chain, "case {case}");
    }
}

#[test]
fn matches_the_recursion_on_a_trained_model_with_missing_values_categories_and_repeats() {
    let (model, probe, k) = mixed_model();
    let n = probe.len() / k;
    let cols: Vec<f64> = (0..k).flat_map(|c| probe.chunks(k).map(move |r| r[c])).collect();
    let x = ColMatrix::new(&cols, n, k).unwrap();
    let (fast, reference) = (model.shap(&x), model.shap_reference(&x));
    assert!(max_diff(&fast, &reference) < 1e-9);
    let margin = model.predict_margin(&x);
    for (row, m) in fast.chunks(k + 1).zip(&margin) {
        assert!((row.iter().sum::<f64>() - m).abs() < 1e-9);
    }
}

#[test]
fn shap_rows_explains_the_rows_asked_for_in_order() {
    let (model, probe, k) = mixed_model();
    let n = probe.len() / k;
    let cols: Vec<f64> = (0..k).flat_map(|c| probe.chunks(k).map(move |r| r[c])).collect();
    let x = ColMatrix::new(&cols, n, k).unwrap();
    let explainer = model.explainer();
    let all = explainer.shap(&x);
    let rows = [n - 1, 0, 17, 17, n - 2];
    let some = explainer.shap_rows(&x, &rows).unwrap();
    for (j, &r) in rows.iter().enumerate() {
        assert_eq!(&some[j * (k + 1)..(j + 1) * (k + 1)], &all[r * (k + 1)..(r + 1) * (k + 1)]);
    }
    assert!(explainer.shap_rows(&x, &[]).unwrap().is_empty());
    let e = explainer.shap_rows(&x, &[3, n]).unwrap_err();
    assert!(e.to_string().contains(&format!("row {n} was asked for but the matrix has {n} rows")), "{e}");
}
