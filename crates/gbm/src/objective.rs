//! Binary log-loss: sigmoid, gradients/hessians of the raw score, and the loss itself.

/// `1 / (1 + exp(-m))`.
#[inline]
pub fn sigmoid(m: f64) -> f64 {
    1.0 / (1.0 + (-m).exp())
}

/// Gradient and hessian of the log loss at raw score `score` for label `y` (0 or 1),
/// in LightGBM's form: `r = -s / (1 + exp(s * score))` with `s = +1/-1`, `g = r`, `h = |r| (1 - |r|)`.
#[inline]
pub(crate) fn grad_hess(score: f64, y: f64) -> [f64; 2] {
    let s = if y > 0.5 { 1.0 } else { -1.0 };
    let r = -s / (1.0 + (s * score).exp());
    let a = r.abs();
    [r, a * (1.0 - a)]
}

/// Log-odds of the base rate (the initial score).
pub(crate) fn base_log_odds(y: &[f64]) -> f64 {
    let p = y.iter().sum::<f64>() / y.len() as f64;
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).ln()
}

/// Mean log loss of raw scores against labels, computed stably from the margin.
pub fn log_loss_from_margin(margin: &[f64], y: &[f64]) -> f64 {
    let total: f64 = margin
        .iter()
        .zip(y)
        .map(|(&m, &t)| {
            // -[t log p + (1-t) log(1-p)] = log(1 + exp(m)) - t m, computed without overflow
            let softplus = if m > 0.0 { m + (-m).exp().ln_1p() } else { m.exp().ln_1p() };
            softplus - t * m
        })
        .sum();
    total / margin.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradients_match_p_minus_y() {
        let p = sigmoid(0.3);
        let [g, h] = grad_hess(0.3, 1.0);
        assert!((g - (p - 1.0)).abs() < 1e-15 && (h - p * (1.0 - p)).abs() < 1e-15);
        let [g, h] = grad_hess(0.3, 0.0);
        assert!((g - p).abs() < 1e-15 && (h - p * (1.0 - p)).abs() < 1e-15);
        assert!((base_log_odds(&[1.0, 0.0, 0.0, 0.0]) - (1.0f64 / 3.0).ln()).abs() < 1e-15);
        // log loss of margin 0 is ln 2; of margin ln 3 for label 1 is ln(4/3)
        assert!((log_loss_from_margin(&[0.0], &[1.0]) - 2f64.ln()).abs() < 1e-15);
        assert!((log_loss_from_margin(&[3f64.ln()], &[1.0]) - (4.0f64 / 3.0).ln()).abs() < 1e-15);
        assert!(log_loss_from_margin(&[800.0], &[0.0]).is_finite());
    }
}
