//! The drift report as text.

use crate::drift::{ColumnDrift, DriftReport};

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn line(c: &ColumnDrift) -> String {
    let new = if c.new_value_leads > 0 {
        let top: Vec<String> = c.new_values.iter().map(|(v, n)| format!("{v} ({n})")).collect();
        format!("{} leads with new values: {}", c.new_value_leads, top.join(", "))
    } else {
        String::new()
    };
    format!(
        "  {:<28} {:>7.4} {:>8.4}  {:<6}  missing {:>6} -> {:<6} {new}\n",
        c.column,
        c.psi,
        c.noise_threshold,
        c.verdict.as_str(),
        pct(c.missing_then),
        pct(c.missing_now)
    )
}

impl DriftReport {
    /// Human-readable report.
    pub fn render(&self) -> String {
        let mut s = format!("drift of {} ({} leads) against {}\n", self.data, self.leads, self.model);
        s.push_str(&format!(
            "drift = PSI above what sampling noise passes {:.3}% of the time at this many leads (all checks together: {}%), and at least {}; shift = above noise, below {}\n\n",
            100.0 * (1.0 - self.quantile),
            100.0 * self.alpha,
            self.min_psi,
            self.min_psi
        ));
        s.push_str(&format!("  {:<28} {:>7} {:>8}  {:<6}\n", "column", "PSI", "noise", "verdict"));
        if let Some(c) = &self.score {
            s.push_str(&line(c));
        }
        for c in &self.columns {
            s.push_str(&line(c));
        }
        for (run, as_of, c) in &self.runs {
            s.push_str(&line(&ColumnDrift { column: format!("score, run {run} ({as_of})"), ..c.clone() }));
        }
        if !self.unprofiled.is_empty() {
            s.push_str(&format!(
                "\nno training distribution for {} (bundle saved before format 1.2): retrain for per-column drift\n",
                self.unprofiled.join(", ")
            ));
        }
        s.push_str(&format!("\nverdict: {}\n", self.verdict.as_str()));
        s
    }
}
