//! The plain-text summary `leadscore evaluate` prints: headline metrics per scorer, then
//! per scorer precision/recall at the top and at capacity, the decile table and the score
//! bands, and the verdict of each paired test.

use crate::evaluation::compare::Comparison;

impl Comparison {
    /// Every scorer's warnings, each distinct one once (the command prints them to stderr).
    pub fn warnings(&self) -> Vec<&String> {
        let mut seen = Vec::new();
        for w in self.scorers.iter().flat_map(|r| &r.warnings) {
            if !seen.contains(&w) {
                seen.push(w);
            }
        }
        seen
    }

    /// The plain-text summary `evaluate` prints (without [`Comparison::warnings`]).
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "{} leads, {} converted ({:.1}%)\n\n",
            self.leads,
            self.conversions,
            100.0 * self.conversions as f64 / self.leads.max(1) as f64
        ));
        let pct = (self.level * 100.0).round();
        s.push_str(&format!(
            "{:<24} {:>7} {:>17} {:>7} {:>9} {:>7} {:>7}\n",
            "scorer",
            "AUC",
            format!("{pct:.0}% interval"),
            "PR-AUC",
            "log loss",
            "Brier",
            "ECE"
        ));
        let opt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.4}"));
        for r in &self.scorers {
            s.push_str(&format!(
                "{:<24} {:>7.4} {:>17} {:>7.4} {:>9} {:>7} {:>7}\n",
                r.name,
                r.auc,
                super::text::fmt_interval(r.auc_ci),
                r.pr_auc,
                opt(r.log_loss),
                opt(r.brier),
                opt(r.calibration.as_ref().map(|c| c.ece))
            ));
        }
        if self.scorers.iter().any(|r| r.auc_ci.is_none()) {
            s.push_str(&format!(
                "n/a (too few): fewer than {} converted or {} dead leads; a bootstrap interval over so few means nothing\n",
                crate::evaluation::compare::MIN_CLASS_FOR_INTERVAL,
                crate::evaluation::compare::MIN_CLASS_FOR_INTERVAL
            ));
        }
        for r in &self.scorers {
            s.push_str(&format!("\n{} ({}):\n", r.name, r.source));
            let mut tops: Vec<String> = r
                .top_k
                .iter()
                .map(|t| {
                    format!(
                        "top {:.0}% ({} leads): precision {:.1}%, recall {:.1}%",
                        100.0 * t.share.unwrap_or(0.0),
                        t.leads,
                        100.0 * t.precision,
                        100.0 * t.recall
                    )
                })
                .collect();
            if let Some(t) = &r.capacity {
                tops.push(format!(
                    "capacity {} leads: precision {:.1}%, recall {:.1}%",
                    t.leads,
                    100.0 * t.precision,
                    100.0 * t.recall
                ));
            }
            for t in tops {
                s.push_str(&format!("  {t}\n"));
            }
            s.push_str(&super::text::render_deciles(&r.deciles));
            s.push_str("  band     leads  converted   rate\n");
            for b in &r.bands {
                let rate = b.conversion_rate.map_or("-".to_string(), |x| format!("{:.1}%", 100.0 * x));
                s.push_str(&format!("  {:<7} {:>6} {:>10} {:>6}\n", b.label, b.leads, b.conversions, rate));
            }
        }
        if !self.comparisons.is_empty() {
            if self.comparisons.len() > 1 {
                s.push_str(&format!(
                    "\nPaired comparison (DeLong test of the AUCs; p-values Holm-adjusted for the {} pairs compared):\n",
                    self.comparisons.len()
                ));
            } else {
                s.push_str("\nPaired comparison (DeLong test of the AUCs):\n");
            }
            for c in &self.comparisons {
                s.push_str(&format!("  {} vs {}: {}\n", c.a, c.b, c.verdict));
            }
        }
        s
    }
}
