//! Population stability: the PSI of observed counts against expected shares, and a drift
//! threshold that accounts for sample size.
//!
//! PSI = Σ (qᵢ − pᵢ) · ln(qᵢ / pᵢ) over the bins, with both shares floored at [`PSI_FLOOR`]
//! so an empty bin does not make it infinite. A fixed band ("PSI > 0.1 is a shift") ignores
//! that PSI of a sample from the *same* distribution shrinks like (bins − 1) / n: at 100 leads
//! it passes 0.1 most of the time, at 100,000 almost never. [`null_threshold`] is the
//! `quantile` of the PSI of `draws` samples of size n drawn from the expected shares
//! themselves (seeded): a PSI above it is unlikely to be sampling noise. When the expected
//! shares are themselves estimated from a sample (training rows, hold-out leads), each draw
//! also resamples a reference of that size and compares the two samples, so the noise of
//! both is in the threshold. `leadscore drift`
//! calls a column drifted when its PSI passes both that threshold and a size that matters
//! (0.1 by default).

use rand::Rng;

use crate::rng::chacha;

/// Shares below this count as this in the PSI.
pub const PSI_FLOOR: f64 = 1e-4;

/// PSI of `observed` counts against `expected` shares (same bins; shares add up to 1).
pub fn psi(expected: &[f64], observed: &[u64]) -> f64 {
    let n: u64 = observed.iter().sum();
    if n == 0 {
        return 0.0;
    }
    expected
        .iter()
        .zip(observed)
        .map(|(&p, &c)| {
            let (p, q) = (p.max(PSI_FLOOR), (c as f64 / n as f64).max(PSI_FLOOR));
            (q - p) * (q / p).ln()
        })
        .sum()
}

/// The `quantile` (e.g. 0.99) of the PSI of `draws` samples of `n` leads from `expected`;
/// with `reference_n`, of the PSI between two samples drawn from `expected`, one of
/// `reference_n` (standing for the reference) and one of `n`.
pub fn null_threshold(
    expected: &[f64],
    n: u64,
    reference_n: Option<u64>,
    draws: usize,
    quantile: f64,
    seed: u64,
) -> f64 {
    if n == 0 || draws == 0 {
        return f64::INFINITY;
    }
    let mut rng = chacha(seed, 0x5051);
    let mut values: Vec<f64> = (0..draws)
        .map(|_| {
            let counts = multinomial(&mut rng, n, expected);
            match reference_n.filter(|&m| m > 0) {
                Some(m) => {
                    let r = multinomial(&mut rng, m, expected);
                    let shares: Vec<f64> = r.iter().map(|&c| c as f64 / m as f64).collect();
                    psi(&shares, &counts)
                }
                None => psi(expected, &counts),
            }
        })
        .collect();
    values.sort_by(|a, b| a.total_cmp(b));
    let k = ((quantile.clamp(0.0, 1.0) * draws as f64).ceil() as usize).clamp(1, draws) - 1;
    values[k]
}

/// Counts of `n` draws over `shares`, by conditional binomials.
fn multinomial(rng: &mut impl Rng, n: u64, shares: &[f64]) -> Vec<u64> {
    let mut left = n;
    let mut mass: f64 = shares.iter().sum();
    let mut out = Vec::with_capacity(shares.len());
    for (i, &p) in shares.iter().enumerate() {
        if i + 1 == shares.len() {
            out.push(left);
            break;
        }
        let k = if mass <= 0.0 { 0 } else { binomial(rng, left, (p / mass).clamp(0.0, 1.0)) };
        out.push(k);
        left -= k;
        mass -= p;
    }
    out
}

/// A binomial(n, p) draw: exact for small n, normal when the variance is large, Poisson when
/// the expected count is small next to n.
fn binomial(rng: &mut impl Rng, n: u64, p: f64) -> u64 {
    if p <= 0.0 || n == 0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if n <= 1000 {
        return (0..n).filter(|_| rng.random::<f64>() < p).count() as u64;
    }
    let (mean, var) = (n as f64 * p, n as f64 * p * (1.0 - p));
    if var >= 25.0 {
        // Box–Muller.
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        return (mean + z * var.sqrt()).round().clamp(0.0, n as f64) as u64;
    }
    if p > 0.5 {
        return n - binomial(rng, n, 1.0 - p);
    }
    // Knuth's Poisson (mean < ~26 here).
    let limit = (-mean).exp();
    let (mut k, mut prod) = (0u64, rng.random::<f64>());
    while prod > limit {
        k += 1;
        prod *= rng.random::<f64>();
    }
    k.min(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psi_matches_a_hand_computation_and_is_zero_on_the_same_shares() {
        // Two bins 0.5/0.5 expected, observed 30/70: (0.3-0.5)ln(0.3/0.5) + (0.7-0.5)ln(0.7/0.5).
        let want = (0.3f64 - 0.5) * (0.3f64 / 0.5).ln() + (0.7f64 - 0.5) * (0.7f64 / 0.5).ln();
        assert!((psi(&[0.5, 0.5], &[30, 70]) - want).abs() < 1e-12);
        assert_eq!(psi(&[0.25, 0.75], &[25, 75]), 0.0);
        assert_eq!(psi(&[0.5, 0.5], &[0, 0]), 0.0);
    }

    #[test]
    fn the_null_threshold_shrinks_with_sample_size_like_bins_over_n() {
        let p = vec![0.1; 10];
        let t100 = null_threshold(&p, 100, None, 400, 0.99, 1);
        let t10k = null_threshold(&p, 10_000, None, 400, 0.99, 1);
        let t1m = null_threshold(&p, 1_000_000, None, 400, 0.99, 1);
        // Under the null, n·PSI is about chi-square with 9 degrees of freedom (99th pct 21.7).
        assert!(t100 > 0.1, "{t100}");
        assert!((t10k * 10_000.0 - 21.7).abs() < 6.0, "{t10k}");
        assert!((t1m * 1e6 - 21.7).abs() < 6.0, "{t1m}");
        assert_eq!(null_threshold(&p, 10_000, None, 400, 0.99, 1), t10k, "seeded");
        // A reference of 10,000 leads adds its own noise: about twice the threshold.
        let both = null_threshold(&p, 10_000, Some(10_000), 400, 0.99, 1);
        assert!((both / t10k - 2.0).abs() < 0.5, "{both} vs {t10k}");
    }

    #[test]
    fn a_fixed_band_fires_on_identical_data_at_100_rows_and_the_null_threshold_does_not() {
        let p = vec![0.1; 10];
        let mut rng = chacha(9, 9);
        let (mut band, mut null) = (0, 0);
        let t = null_threshold(&p, 100, None, 400, 0.99, 2);
        for _ in 0..200 {
            let c = multinomial(&mut rng, 100, &p);
            let v = psi(&p, &c);
            band += (v > 0.1) as usize;
            null += (v > t) as usize;
        }
        assert!(band > 60, "a 0.1 band fired {band} of 200 times"); // 84 with this seed
        assert!(null <= 8, "the null threshold fired {null} of 200 times");
    }
}
