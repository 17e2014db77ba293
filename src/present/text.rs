//! Text pieces shared by every printer and sink: signed numbers, reasons, counts, intervals
//! and the decile table.

use crate::evaluation::metrics::Decile;
use crate::explain::Contribution;

/// Renders reasons as `A = x (+0.80); B = y (-0.45)`.
pub fn render_reasons(reasons: &[&Contribution]) -> String {
    reasons
        .iter()
        .map(|c| format!("{} = {} ({})", c.column, c.value, signed(c.effect, 2)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Renders model reasons as `A = x (+4.1 pp); B = y (-2.0 pp)`: each reason's change in
/// percentage points of conversion probability (its log-odds effect when a contribution has
/// no percentage points).
pub fn render_reasons_pp(reasons: &[Contribution]) -> String {
    reasons
        .iter()
        .map(|c| match c.pp {
            Some(pp) => format!("{} = {} ({} pp)", c.column, c.value, signed(pp, 1)),
            None => format!("{} = {} ({})", c.column, c.value, signed(c.effect, 2)),
        })
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

/// A count that may be an expected value: whole numbers without decimals, others with one
/// (a tie group straddling a cut counts fractionally; see [`crate::evaluation::metrics::conversions_at_k`]).
pub fn fmt_count(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// An AUC interval as "lo–hi", or "n/a (too few)" when none was computed (too few leads of
/// a class for a bootstrap; see [`crate::evaluation::compare::MIN_CLASS_FOR_INTERVAL`]).
pub fn fmt_interval(ci: Option<[f64; 2]>) -> String {
    ci.map_or_else(|| "n/a (too few)".to_string(), |[lo, hi]| format!("{lo:.4}–{hi:.4}"))
}

/// The decile lift table as indented plain text, top decile first.
pub fn render_deciles(deciles: &[Decile]) -> String {
    let mut s = String::from("  decile  leads  converted   rate    lift  cum. gain\n");
    for d in deciles {
        s.push_str(&format!(
            "  {:>6} {:>6} {:>10} {:>6.1}% {:>6.2} {:>9.1}%\n",
            d.bin,
            d.leads,
            fmt_count(d.conversions),
            100.0 * d.conversion_rate,
            d.lift,
            100.0 * d.cumulative_gain
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::{Evaluation, EvaluationMethod};

    #[test]
    fn reasons_render_with_signed_effects() {
        let c = |col: &str, v: &str, e: f64| Contribution { column: col.into(), value: v.into(), effect: e, pp: None };
        let (a, b) = (c("Lead Source", "Reference", 0.8), c("Last Activity", "Email Bounced", -0.45));
        assert_eq!(render_reasons(&[&a, &b]), "Lead Source = Reference (+0.80); Last Activity = Email Bounced (-0.45)");
        assert_eq!(signed(0.8, 2), "+0.80");
        assert_eq!(signed(-2.5e300, 2), "-2.50e300");
        assert_eq!(signed(999_999.94, 1), "+999999.9");
    }

    #[test]
    fn stored_deciles_of_a_constant_model_do_not_depend_on_row_order() {
        // Regression: train stored deciles cut by row order, so a model giving every lead the
        // same probability showed lift in the top decile when converted rows came first.
        let y: Vec<bool> = (0..50).map(|i| i < 10).collect();
        let e = Evaluation::compute(EvaluationMethod::Holdout { share: 0.2 }, &[0.2; 50], &y).unwrap();
        assert!(e.deciles.iter().all(|d| d.conversions == 1.0 && d.lift == 1.0), "{:?}", e.deciles);
        assert!(render_deciles(&e.deciles).contains("       1      5          1   20.0%   1.00      10.0%"));
    }
}
