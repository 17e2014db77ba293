//! The table `leadscore thresholds` prints: every method's cut-off with what it passes,
//! then the recommended MQL and SQL cut-offs.

use crate::evaluation::thresholds::{Method, ThresholdReport};

impl ThresholdReport {
    /// The table `thresholds` prints; `fmt` renders a score (probability or points).
    pub fn render(&self, scorer: &str, fmt: &dyn Fn(f64) -> String) -> String {
        let mut s = format!("{scorer}: {} leads, {} converted\n", self.leads, self.conversions);
        s.push_str(&format!(
            "  {:<34} {:>9} {:>12} {:>13} {:>8} {:>10}\n",
            "method", "cut-off", "leads passed", "conversions", "recall", "precision"
        ));
        for c in &self.cutoffs {
            s.push_str(&format!(
                "  {:<34} {:>9} {:>6} ({:>3.0}%) {:>13} {:>7.1}% {:>9.1}%\n",
                c.method.describe(),
                c.threshold.map_or("none".to_string(), fmt),
                c.leads_passed,
                100.0 * c.share_passed,
                c.conversions_captured,
                100.0 * c.recall,
                100.0 * c.precision
            ));
        }
        let describe = |t: Option<f64>| match t {
            None => "none (no cut-off meets the method)".to_string(),
            Some(t) => match self.cutoffs.iter().find(|c| c.threshold == Some(t)) {
                Some(c) => format!(
                    "{} (passes {:.0}% of leads, keeps {:.1}% of conversions, precision {:.1}%)",
                    fmt(t),
                    100.0 * c.share_passed,
                    100.0 * c.recall,
                    100.0 * c.precision
                ),
                None => fmt(t),
            },
        };
        s.push_str(&format!("  recommended: MQL at {}\n", describe(self.mql)));
        s.push_str(&format!("               SQL at {}\n", describe(self.sql)));
        if let Some(m) = self.mql_above_sql {
            let pct = self.cutoffs.iter().find_map(|c| match c.method {
                Method::ConvertedPercentile { percentile } => Some(percentile),
                _ => None,
            });
            s.push_str(&format!(
                "  note: the {}th percentile of converted leads' scores ({}) lies above the SQL cut-off, so MQL is set to the SQL cut-off; lower --percentile for a looser MQL gate\n",
                pct.unwrap_or(f64::NAN),
                fmt(m)
            ));
        }
        s
    }
}
