//! The random distributions the generator draws from.
//!
//! Everything is built on [`RngCore::next_u64`] of a [`rand_chacha::ChaCha8Rng`] and plain
//! arithmetic, not on `rand`'s distribution types: ChaCha8's output stream is value-stable across
//! platforms and crate versions, while `rand`'s sampling algorithms (uniform ranges, floats) are
//! allowed to change between releases. Doing the last step here keeps a given seed producing the
//! same sample files for as long as this file does not change.
//!
//! Every function consumes a fixed number of draws for given arguments, except the ones whose
//! algorithm is a loop ([`poisson`], [`binomial`]); their draw count depends only on the outcome,
//! so the whole stream stays deterministic.

use rand::RngCore;

/// A uniform draw from [0, 1) with 53 bits of precision.
pub(crate) fn unit<R: RngCore>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw from 0..n (n > 0), by Lemire's multiply-shift (bias below 2^-32 for the small
/// n used here, which is irrelevant for sample data).
pub(crate) fn below<R: RngCore>(rng: &mut R, n: u32) -> u32 {
    debug_assert!(n > 0);
    (((rng.next_u64() >> 32) * u64::from(n)) >> 32) as u32
}

/// True with probability `p`.
pub(crate) fn chance<R: RngCore>(rng: &mut R, p: f64) -> bool {
    unit(rng) < p
}

/// A standard normal draw (Box–Muller, using one of the pair so each call takes two draws).
pub(crate) fn normal<R: RngCore>(rng: &mut R) -> f64 {
    let u1 = 1.0 - unit(rng); // (0, 1]: ln is finite
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// An exponential draw with the given mean.
pub(crate) fn exponential<R: RngCore>(rng: &mut R, mean: f64) -> f64 {
    -mean * (1.0 - unit(rng)).ln()
}

/// A Poisson draw with rate `lambda`, by Knuth's multiplication method. The generator only asks
/// for small rates; `lambda` is clamped to 0..=60 so a runaway rate cannot stall the loop.
pub(crate) fn poisson<R: RngCore>(rng: &mut R, lambda: f64) -> u32 {
    let lambda = lambda.clamp(0.0, 60.0);
    if lambda == 0.0 {
        return 0;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p = unit(rng);
    while p > limit {
        k += 1;
        p *= unit(rng);
    }
    k
}

/// The number of successes in `n` trials with success probability `p`.
pub(crate) fn binomial<R: RngCore>(rng: &mut R, n: u32, p: f64) -> u32 {
    (0..n).filter(|_| chance(rng, p)).count() as u32
}

/// One item of a weighted list (weights need not sum to one; they must not all be zero).
pub(crate) fn pick<R: RngCore, T: Copy>(rng: &mut R, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut target = unit(rng) * total;
    for &(item, weight) in items {
        if target < weight {
            return item;
        }
        target -= weight;
    }
    items[items.len() - 1].0
}

/// One item of an unweighted list.
pub(crate) fn pick_uniform<R: RngCore, T: Copy>(rng: &mut R, items: &[T]) -> T {
    items[below(rng, items.len() as u32) as usize]
}

/// The logistic function 1 / (1 + e^-x).
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    #[test]
    fn unit_and_below_stay_in_range() {
        let mut r = rng();
        for _ in 0..10_000 {
            let u = unit(&mut r);
            assert!((0.0..1.0).contains(&u));
            assert!(below(&mut r, 7) < 7);
        }
    }

    #[test]
    fn poisson_mean_and_variance_match_lambda() {
        let mut r = rng();
        let n = 50_000;
        let draws: Vec<f64> = (0..n).map(|_| f64::from(poisson(&mut r, 3.5))).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 3.5).abs() < 0.05, "mean {mean}");
        assert!((var - 3.5).abs() < 0.15, "variance {var}");
        assert_eq!(poisson(&mut r, 0.0), 0);
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut r = rng();
        let n = 50_000;
        let draws: Vec<f64> = (0..n).map(|_| normal(&mut r)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.03, "variance {var}");
    }

    #[test]
    fn pick_follows_weights() {
        let mut r = rng();
        let n = 40_000;
        let hits = (0..n).filter(|_| pick(&mut r, &[('a', 1.0), ('b', 3.0)]) == 'b').count();
        let share = hits as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.01, "share {share}");
    }

    #[test]
    fn sigmoid_reference_values() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) - 0.880_797_077_977_882_3).abs() < 1e-15);
        assert!((sigmoid(-2.0) - 0.119_202_922_022_117_6).abs() < 1e-15);
    }

    #[test]
    fn same_seed_same_stream() {
        let a: Vec<u32> = {
            let mut r = rng();
            (0..100).map(|_| below(&mut r, 1000)).collect()
        };
        let b: Vec<u32> = {
            let mut r = rng();
            (0..100).map(|_| below(&mut r, 1000)).collect()
        };
        assert_eq!(a, b);
    }
}
