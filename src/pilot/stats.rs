//! The statistics a pilot needs: Wilson score intervals for a conversion rate, the
//! two-proportion z-test for the difference between arms, the sample size per arm for a
//! given power, and a distribution-free interval for a median (sales-cycle length).
//!
//! Normal tail probabilities come from [`crate::evaluation::stats::normal_sf`]; its inverse
//! ([`normal_quantile`]) is found by bisection, which is exact to the last bits that matter
//! here and needs no further approximation to be trusted.

use serde::Serialize;

use crate::evaluation::stats::normal_sf;

/// Why a pilot statistic could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PilotStatsError {
    /// An arm has no leads.
    #[error("arm \"{arm}\" has no leads with a known outcome; a comparison needs leads in both arms")]
    EmptyArm {
        /// The arm.
        arm: String,
    },
    /// A parameter is outside its range.
    #[error("{name} = {value}: expected {expected}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What is allowed.
        expected: &'static str,
    },
}

/// `z` such that `P(Z <= z) = p` for standard normal `Z`, `0 < p < 1`.
pub fn normal_quantile(p: f64) -> Result<f64, PilotStatsError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(PilotStatsError::InvalidParameter { name: "p", value: p, expected: "strictly between 0 and 1" });
    }
    // P(Z <= z) = 1 - sf(z) is increasing in z; bisect on [-40, 40].
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if 1.0 - normal_sf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// A conversion rate with its Wilson score interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    /// Converted leads.
    pub conversions: usize,
    /// Leads.
    pub leads: usize,
    /// `conversions / leads`.
    pub rate: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
}

/// Wilson score interval for `k` successes in `n` trials at confidence `level`
/// (Wilson 1927; the interval `statsmodels.proportion_confint(method="wilson")` gives).
pub fn wilson(k: usize, n: usize, level: f64) -> Result<Rate, PilotStatsError> {
    if n == 0 || k > n {
        return Err(PilotStatsError::InvalidParameter {
            name: "n",
            value: n as f64,
            expected: "at least 1 and at least the number of conversions",
        });
    }
    let z = normal_quantile(0.5 + level / 2.0)?;
    let (nf, p) = (n as f64, k as f64 / n as f64);
    let denom = 1.0 + z * z / nf;
    let centre = (p + z * z / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt();
    Ok(Rate { conversions: k, leads: n, rate: p, lower: (centre - half).max(0.0), upper: (centre + half).min(1.0) })
}

/// Two-proportion z-test of `H0: p_treatment = p_control`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwoProportion {
    /// `p_treatment − p_control`.
    pub diff: f64,
    /// Confidence interval of the difference (unpooled Wald).
    pub diff_ci: [f64; 2],
    /// z statistic with the pooled standard error.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// The pooled two-proportion z-test (as `statsmodels.proportions_ztest`), with an unpooled
/// Wald interval for the difference at `level`. When both arms convert all or none of
/// their leads the pooled variance is zero: then `z = 0` and `p = 1`.
pub fn two_proportion_test(
    k_t: usize,
    n_t: usize,
    k_c: usize,
    n_c: usize,
    level: f64,
) -> Result<TwoProportion, PilotStatsError> {
    for (arm, n) in [("treatment", n_t), ("control", n_c)] {
        if n == 0 {
            return Err(PilotStatsError::EmptyArm { arm: arm.to_string() });
        }
    }
    let (nt, nc) = (n_t as f64, n_c as f64);
    let (pt, pc) = (k_t as f64 / nt, k_c as f64 / nc);
    let pooled = (k_t + k_c) as f64 / (nt + nc);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / nt + 1.0 / nc)).sqrt();
    let diff = pt - pc;
    let (z, p_value) = if se0 > 0.0 {
        let z = diff / se0;
        (z, (2.0 * normal_sf(z.abs())).min(1.0))
    } else {
        (0.0, 1.0)
    };
    let zq = normal_quantile(0.5 + level / 2.0)?;
    let se = (pt * (1.0 - pt) / nt + pc * (1.0 - pc) / nc).sqrt();
    Ok(TwoProportion { diff, diff_ci: [diff - zq * se, diff + zq * se], z, p_value })
}

/// Leads per arm needed to detect conversion rates `p1` vs `p2` with a two-sided test at
/// `alpha` and the given `power` (equal arms, normal approximation without continuity
/// correction; Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions*, 4.14):
///
/// `n = (z_{1−α/2} √(2 p̄ q̄) + z_{power} √(p1 q1 + p2 q2))² / (p1 − p2)²`, rounded up.
pub fn sample_size_per_arm(p1: f64, p2: f64, alpha: f64, power: f64) -> Result<u64, PilotStatsError> {
    for (name, v) in [("p1", p1), ("p2", p2)] {
        if !(v > 0.0 && v < 1.0) {
            return Err(PilotStatsError::InvalidParameter {
                name,
                value: v,
                expected: "a rate strictly between 0 and 1",
            });
        }
    }
    if p1 == p2 {
        return Err(PilotStatsError::InvalidParameter {
            name: "p2",
            value: p2,
            expected: "a rate different from p1 (no sample detects a zero difference)",
        });
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(PilotStatsError::InvalidParameter { name: "alpha", value: alpha, expected: "between 0 and 1" });
    }
    let za = normal_quantile(1.0 - alpha / 2.0)?;
    let zb = normal_quantile(power)?;
    let pbar = (p1 + p2) / 2.0;
    let num = za * (2.0 * pbar * (1.0 - pbar)).sqrt() + zb * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    Ok((num * num / ((p1 - p2) * (p1 - p2))).ceil() as u64)
}

/// A median with a distribution-free confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Median {
    /// Observations.
    pub n: usize,
    /// The sample median (mean of the two middle values for even `n`).
    pub median: f64,
    /// Lower end of the interval (an order statistic), `None` when `n` is too small.
    pub lower: Option<f64>,
    /// Upper end of the interval, `None` when `n` is too small.
    pub upper: Option<f64>,
}

/// Median of `values` with the order-statistic interval: the `j`-th and `k`-th smallest
/// values, `j = ⌊n/2 − z √n / 2⌋`, `k = ⌈1 + n/2 + z √n / 2⌉` (the normal approximation to
/// the binomial(n, ½) count below the median; Conover, *Practical Nonparametric Statistics*).
/// `None` for an empty input; no interval when `j < 1` or `k > n`.
pub fn median_interval(values: &[f64], level: f64) -> Result<Option<Median>, PilotStatsError> {
    if values.is_empty() {
        return Ok(None);
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) };
    let z = normal_quantile(0.5 + level / 2.0)?;
    let nf = n as f64;
    let j = (nf / 2.0 - z * nf.sqrt() / 2.0).floor();
    let k = (1.0 + nf / 2.0 + z * nf.sqrt() / 2.0).ceil();
    let (lower, upper) =
        if j >= 1.0 && k <= nf { (Some(v[j as usize - 1]), Some(v[k as usize - 1])) } else { (None, None) };
    Ok(Some(Median { n, median, lower, upper }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_matches_tables() {
        assert!((normal_quantile(0.975).unwrap() - 1.959_963_984_540_054).abs() < 1e-9);
        assert!((normal_quantile(0.8).unwrap() - 0.841_621_233_572_914_3).abs() < 1e-9);
        assert!((normal_quantile(0.5).unwrap()).abs() < 1e-12);
        assert!(normal_quantile(1.0).is_err());
    }

    #[test]
    fn wilson_matches_hand_computation() {
        // 20 of 100 at 95%: Wilson (0.13337, 0.28883), computed with scipy's norm.ppf.
        let r = wilson(20, 100, 0.95).unwrap();
        assert!((r.lower - 0.133_366_93).abs() < 1e-6, "{r:?}");
        assert!((r.upper - 0.288_829_17).abs() < 1e-6, "{r:?}");
        // 0 of 10: lower bound exactly 0, upper 0.2775.
        let r = wilson(0, 10, 0.95).unwrap();
        assert_eq!(r.lower, 0.0);
        assert!((r.upper - 0.277_532_80).abs() < 1e-6, "{r:?}");
        assert!(wilson(1, 0, 0.95).is_err());
    }

    #[test]
    fn two_proportion_z_known_case() {
        // 60/200 vs 40/200: pooled p = 0.25, se = sqrt(0.25*0.75*0.01) = 0.0433013, z = 2.3094.
        let t = two_proportion_test(60, 200, 40, 200, 0.95).unwrap();
        assert!((t.diff - 0.1).abs() < 1e-12);
        assert!((t.z - 2.309_401_076_758_503).abs() < 1e-9, "{t:?}");
        assert!((t.p_value - 0.020_921_335_337_794).abs() < 1e-6, "{t:?}");
        // Unpooled se = sqrt(.3*.7/200 + .2*.8/200) = 0.0430116.
        assert!((t.diff_ci[0] - (0.1 - 1.959_964 * 0.043_011_626)).abs() < 1e-5);
        // Identical arms: z = 0, p = 1.
        let t = two_proportion_test(10, 50, 10, 50, 0.95).unwrap();
        assert_eq!((t.z, t.p_value), (0.0, 1.0));
        assert!(matches!(two_proportion_test(0, 0, 1, 5, 0.95), Err(PilotStatsError::EmptyArm { .. })));
    }

    #[test]
    fn sample_size_matches_textbook() {
        // Fleiss formula without continuity correction: 0.10 vs 0.15, alpha 0.05, power 0.8
        // gives 685.6 -> 686 per arm (the figure G*Power and pwr-style calculators print).
        assert_eq!(sample_size_per_arm(0.10, 0.15, 0.05, 0.8).unwrap(), 686);
        // 0.5 vs 0.6: 387.34 -> 388.
        assert_eq!(sample_size_per_arm(0.5, 0.6, 0.05, 0.8).unwrap(), 388);
        assert!(sample_size_per_arm(0.2, 0.2, 0.05, 0.8).is_err());
    }

    #[test]
    fn median_interval_order_statistics() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let m = median_interval(&v, 0.95).unwrap().unwrap();
        assert_eq!(m.median, 50.5);
        // j = floor(50 - 9.8) = 40, k = ceil(1 + 50 + 9.8) = 61.
        assert_eq!((m.lower, m.upper), (Some(40.0), Some(61.0)));
        let m = median_interval(&[3.0, 1.0, 2.0], 0.95).unwrap().unwrap();
        assert_eq!((m.median, m.lower), (2.0, None));
        assert!(median_interval(&[], 0.95).unwrap().is_none());
    }
}
