//! Explanations as data: a [`Contribution`] is one column's (or one rule's) push on a lead's
//! score, and [`top_reasons`] chooses the `reasons` a salesperson reads: the `k` largest
//! positive pushes, then the `k` largest negative ones. Rendering them as text is
//! [`crate::present::text`]'s job.

use serde::{Deserialize, Serialize};

/// One item of an explanation: a feature (in the user's terms) and its effect on the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The input column (or, for rules, the rule's reason).
    pub column: String,
    /// The lead's value of it, as text ("(missing)" when missing).
    pub value: String,
    /// Effect on the score (log-odds for models, points for rules).
    pub effect: f64,
    /// For models: the change in conversion probability the effect makes, in percentage
    /// points (see [`crate::scorer`] for how it is computed; the effects of all columns of a
    /// lead add up to its probability minus an average lead's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pp: Option<f64>,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn c(col: &str, v: &str, e: f64) -> Contribution {
        Contribution { column: col.into(), value: v.into(), effect: e, pp: None }
    }

    #[test]
    fn picks_strongest_each_way() {
        let all = vec![
            c("Lead Source", "Reference", 0.8),
            c("Visits", "5", 0.31),
            c("Country", "(missing)", -0.12),
            c("Last Activity", "Email Bounced", -0.45),
            c("Tiny", "x", 0.001),
        ];
        let r = top_reasons(&all, 1, 0.01);
        assert_eq!(r, vec![&all[0], &all[3]]);
        let r = top_reasons(&all, 3, 0.01);
        assert_eq!(r, vec![&all[0], &all[1], &all[3], &all[2]]);
    }
}
