//! The drift report as text.

use crate::drift::{ColumnDrift, DriftReport};
use crate::present::html::escape;

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
        for w in &self.warnings {
            s.push_str(&format!("\nnote: {w}\n"));
        }
        s.push_str(&format!("\nverdict: {}\n", self.verdict.as_str()));
        s
    }
}

/// A horizontal bar of `share` (0..1) of `max`, as inline CSS.
fn bar(value: f64, max: f64, colour: &str) -> String {
    let w = if max > 0.0 { (100.0 * value / max).clamp(0.0, 100.0) } else { 0.0 };
    format!("<div class=\"bar\"><div style=\"width:{w:.1}%;background:{colour}\"></div></div>")
}

/// Expected vs observed share per bin: two bars per bin.
fn bins_table(c: &ColumnDrift) -> String {
    let max = c.bins.iter().map(|b| b.expected.max(b.observed)).fold(0.0, f64::max);
    let mut s = String::from("<table class=\"bins\"><tr><th>bin</th><th>training</th><th>now</th><th></th></tr>");
    for b in &c.bins {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
            escape(&b.label),
            pct(b.expected),
            pct(b.observed),
            bar(b.expected, max, "#9aa5b1"),
            bar(b.observed, max, "#2b6cb0")
        ));
    }
    s.push_str("</table>");
    s
}

impl DriftReport {
    /// A self-contained HTML page: the verdict, per-column PSI bars against the noise
    /// threshold, each column's bins (training vs now), and for a ledger the score's
    /// distribution over the recent runs.
    pub fn render_html(&self) -> String {
        let colour = |c: &ColumnDrift| match c.verdict {
            crate::drift::Verdict::Drift => "#c53030",
            crate::drift::Verdict::Shift => "#dd6b20",
            crate::drift::Verdict::Stable => "#2f855a",
        };
        let mut all: Vec<ColumnDrift> = self.score.iter().cloned().chain(self.columns.iter().cloned()).collect();
        all.extend(
            self.runs
                .iter()
                .map(|(run, as_of, c)| ColumnDrift { column: format!("score, run {run} ({as_of})"), ..c.clone() }),
        );
        let max = all.iter().map(|c| c.psi.max(c.noise_threshold).max(self.min_psi)).fold(0.0, f64::max);
        let mut rows = String::new();
        for c in &all {
            rows.push_str(&format!(
                "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td style=\"color:{}\">{}</td><td>{}{}</td><td>{} &rarr; {}</td><td>{}</td></tr>",
                escape(&c.column),
                c.psi,
                c.noise_threshold,
                colour(c),
                c.verdict.as_str(),
                bar(c.psi, max, colour(c)),
                bar(c.noise_threshold, max, "#cbd5e0"),
                pct(c.missing_then),
                pct(c.missing_now),
                escape(&c.new_values.iter().map(|(v, n)| format!("{v} ({n})")).collect::<Vec<_>>().join(", "))
            ));
        }
        let details: String = all
            .iter()
            .map(|c| {
                format!(
                    "<details><summary>{} &mdash; PSI {:.4}, {}</summary>{}</details>",
                    escape(&c.column),
                    c.psi,
                    c.verdict.as_str(),
                    bins_table(c)
                )
            })
            .collect();
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>leadscore drift</title><style>\
             body{{font-family:system-ui,sans-serif;margin:2em;color:#1a202c}}table{{border-collapse:collapse}}\
             td,th{{padding:2px 8px;text-align:left;border-bottom:1px solid #edf2f7}}\
             .bar{{width:160px;height:7px;background:#f7fafc;margin:1px 0}}.bar div{{height:7px}}</style></head><body>\
             <h1>Drift: {verdict}</h1><p>{data} ({leads} leads) against {model}. drift = PSI above what sampling noise passes \
             at this many leads ({alpha}% for all checks together) and at least {min}; shift = above noise, below {min}. \
             Bars: PSI (coloured) and the noise threshold (grey).</p>\
             <table><tr><th>column</th><th>PSI</th><th>noise</th><th>verdict</th><th>PSI vs noise</th><th>missing</th><th>new values</th></tr>{rows}</table>\
             <h2>Bins: training vs now</h2>{details}</body></html>\n",
            verdict = self.verdict.as_str(),
            data = escape(&self.data),
            leads = self.leads,
            model = escape(&self.model),
            alpha = 100.0 * self.alpha,
            min = self.min_psi,
        )
    }
}
