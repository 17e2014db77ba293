//! Turning per-column contributions into the `reasons` a salesperson reads.
//!
//! Contributions are data ([`crate::models::Contribution`]); this module only chooses and
//! renders them: the `k` largest positive pushes, then the `k` largest negative ones, each
//! as `Column = value (+0.80)` with the effect on the log-odds.

use crate::models::Contribution;

/// The strongest positive and negative contributions: up to `k` of each, strongest first.
/// Contributions smaller than `min_effect` in absolute value are left out.
pub fn top_reasons(contribs: &[Contribution], k: usize, min_effect: f64) -> Vec<&Contribution> {
    let mut pos: Vec<&Contribution> = contribs.iter().filter(|c| c.effect >= min_effect && c.effect > 0.0).collect();
    let mut neg: Vec<&Contribution> = contribs.iter().filter(|c| c.effect <= -min_effect && c.effect < 0.0).collect();
    pos.sort_by(|a, b| b.effect.total_cmp(&a.effect).then_with(|| a.column.cmp(&b.column)));
    neg.sort_by(|a, b| a.effect.total_cmp(&b.effect).then_with(|| a.column.cmp(&b.column)));
    pos.truncate(k);
    neg.truncate(k);
    pos.into_iter().chain(neg).collect()
}

/// Renders reasons as `A = x (+0.80); B = y (-0.45)`.
pub fn render_reasons(reasons: &[&Contribution]) -> String {
    reasons
        .iter()
        .map(|c| format!("{} = {} ({})", c.column, c.value, signed(c.effect, 2)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `v` with a sign and `decimals` decimals (`+0.80`); beyond ±1e6 in scientific notation
/// (`+2.71e308`), so an absurd input value cannot print a 300-digit number.
pub fn signed(v: f64, decimals: usize) -> String {
    if v.abs() < 1e6 || !v.is_finite() {
        format!("{v:+.decimals$}")
    } else {
        format!("{v:+.decimals$e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(col: &str, v: &str, e: f64) -> Contribution {
        Contribution { column: col.into(), value: v.into(), effect: e }
    }

    #[test]
    fn picks_strongest_each_way_and_renders() {
        let all = vec![
            c("Lead Source", "Reference", 0.8),
            c("Visits", "5", 0.31),
            c("Country", "(missing)", -0.12),
            c("Last Activity", "Email Bounced", -0.45),
            c("Tiny", "x", 0.001),
        ];
        let r = top_reasons(&all, 1, 0.01);
        assert_eq!(render_reasons(&r), "Lead Source = Reference (+0.80); Last Activity = Email Bounced (-0.45)");
        let r = top_reasons(&all, 3, 0.01);
        assert_eq!(r.len(), 4);
        assert_eq!(signed(0.8, 2), "+0.80");
        assert_eq!(signed(-2.5e300, 2), "-2.50e300");
        assert_eq!(signed(999_999.94, 1), "+999999.9");
    }
}
