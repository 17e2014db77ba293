//! The self-contained HTML report of `leadscore evaluate --report FILE.html`: one page,
//! inline CSS and inline SVG charts ([`super::charts`]), no script and no network access,
//! so it can be mailed or opened offline.
//!
//! Layout: headline table (AUC with interval, PR-AUC, log loss, Brier, ECE per scorer),
//! the paired-test verdicts, the comparison charts (ROC, cumulative gains, lift by decile,
//! calibration) with every scorer on the same axes, the score distributions of each
//! scorer side by side, then each scorer's decile and band tables. Every chart sits in a
//! `<figure class="chart" id="...">` so a headless browser check can find it.

use super::charts::{calibration_chart, distribution_chart, gains_chart, lift_chart, roc_chart, ChartError};
use crate::evaluation::compare::{Comparison, ScorerScores};
use crate::evaluation::metrics::{roc_curve, MetricError};

/// Errors while building the page.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// A chart failed.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// A curve could not be computed.
    #[error("scorer \"{scorer}\": {source}")]
    Metric {
        /// The scorer.
        scorer: String,
        /// The cause.
        #[source]
        source: MetricError,
    },
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;max-width:1200px}\
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}\
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}\
.grid{display:flex;flex-wrap:wrap;gap:12px}figure.chart{margin:0}figure.chart svg{display:block}\
.verdict{padding:6px 10px;margin:4px 0;background:#f7f7f7;border-left:4px solid #0072b2}.meta{color:#555}";

fn opt(v: Option<f64>) -> String {
    v.map_or("–".to_string(), |x| format!("{x:.4}"))
}

fn figure(id: &str, svg: &str) -> String {
    format!("<figure class=\"chart\" id=\"{}\">{svg}</figure>\n", escape(id))
}

/// Builds the page. `meta` are `(label, value)` lines shown under the title (data file,
/// window, ...); `scorers` and `labels` are the inputs `cmp` was computed from.
pub fn render_report(
    title: &str,
    meta: &[(String, String)],
    cmp: &Comparison,
    scorers: &[ScorerScores],
    labels: &[bool],
) -> Result<String, HtmlError> {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n",
        t = escape(title)
    );
    h.push_str("<p class=\"meta\">");
    for (k, v) in meta {
        h.push_str(&format!("{}: {}<br>", escape(k), escape(v)));
    }
    h.push_str(&format!(
        "{} leads evaluated, {} converted ({:.1}%).</p>\n",
        cmp.leads,
        cmp.conversions,
        100.0 * cmp.conversions as f64 / cmp.leads.max(1) as f64
    ));

    h.push_str("<h2>Headline</h2>\n<table id=\"headline\"><tr><th>scorer</th><th>kind</th><th>AUC</th>");
    h.push_str(&format!(
        "<th>{:.0}% interval</th><th>PR-AUC</th><th>log loss</th><th>Brier</th><th>ECE</th></tr>\n",
        cmp.level * 100.0
    ));
    for r in &cmp.scorers {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>{}</td><td>{:.4}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&r.name),
            r.kind.as_str(),
            r.auc,
            super::text::fmt_interval(r.auc_ci),
            r.pr_auc,
            opt(r.log_loss),
            opt(r.brier),
            opt(r.calibration.as_ref().map(|c| c.ece))
        ));
    }
    h.push_str("</table>\n");
    if !cmp.comparisons.is_empty() {
        h.push_str("<h2>Is the difference real?</h2>\n");
        for c in &cmp.comparisons {
            h.push_str(&format!(
                "<p class=\"verdict\"><b>{} vs {}</b>: {} <span class=\"meta\">(DeLong test)</span></p>\n",
                escape(&c.a),
                escape(&c.b),
                escape(&c.verdict),
            ));
        }
    }

    let rocs = scorers
        .iter()
        .map(|s| {
            roc_curve(&s.scores, labels)
                .map(|r| (s.name.clone(), r))
                .map_err(|source| HtmlError::Metric { scorer: s.name.clone(), source })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let roc_refs: Vec<(String, &_)> = rocs.iter().map(|(n, r)| (n.clone(), r)).collect();
    let deciles: Vec<(String, &[_])> = cmp.scorers.iter().map(|r| (r.name.clone(), r.deciles.as_slice())).collect();
    let calib: Vec<(String, &_)> =
        cmp.scorers.iter().filter_map(|r| r.calibration.as_ref().map(|c| (r.name.clone(), c))).collect();
    h.push_str("<h2>Charts</h2>\n<div class=\"grid\">\n");
    h.push_str(&figure("roc", &roc_chart(&roc_refs)?));
    h.push_str(&figure("gains", &gains_chart(&deciles)?));
    h.push_str(&figure("lift", &lift_chart(&deciles)?));
    if !calib.is_empty() {
        h.push_str(&figure("calibration", &calibration_chart(&calib)?));
    }
    h.push_str("</div>\n<h2>Score distributions: converted vs dead</h2>\n<div class=\"grid\">\n");
    for (i, s) in scorers.iter().enumerate() {
        let pts: Vec<f64> = s.scores.iter().map(|&x| s.kind.to_points(x)).collect();
        h.push_str(&figure(&format!("distribution-{i}"), &distribution_chart(&s.name, i, &pts, labels)?));
    }
    h.push_str("</div>\n");

    for r in &cmp.scorers {
        h.push_str(&format!("<h2>{} <span class=\"meta\">({})</span></h2>\n", escape(&r.name), escape(&r.source)));
        for w in &r.warnings {
            h.push_str(&format!("<p class=\"warning\">warning: {}</p>\n", escape(w)));
        }
        h.push_str("<table><tr><th>decile</th><th>leads</th><th>converted</th><th>rate</th><th>lift</th><th>cumulative gain</th><th>scores</th></tr>\n");
        for d in &r.deciles {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.2}</td><td>{:.1}%</td><td>{:.3}–{:.3}</td></tr>\n",
                d.bin,
                d.leads,
                super::text::fmt_count(d.conversions),
                100.0 * d.conversion_rate,
                d.lift,
                100.0 * d.cumulative_gain,
                d.min_score,
                d.max_score
            ));
        }
        h.push_str("</table>\n<table><tr><th>score band</th><th>leads</th><th>converted</th><th>rate</th></tr>\n");
        for b in &r.bands {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&b.label),
                b.leads,
                b.conversions,
                b.conversion_rate.map_or("–".to_string(), |x| format!("{:.1}%", 100.0 * x))
            ));
        }
        h.push_str("</table>\n<table><tr><th>worked</th><th>leads</th><th>precision</th><th>recall</th></tr>\n");
        for t in r.top_k.iter().chain(r.capacity.iter()) {
            let what = t.share.map_or(format!("capacity {}", t.leads), |s| format!("top {:.0}%", 100.0 * s));
            h.push_str(&format!(
                "<tr><td>{what}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td></tr>\n",
                t.leads,
                100.0 * t.precision,
                100.0 * t.recall
            ));
        }
        h.push_str("</table>\n");
    }
    h.push_str("<p class=\"meta\">Generated by leadscore evaluate. AUC intervals: stratified bootstrap; paired test: DeLong.</p>\n</body></html>\n");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::compare::{compare, CompareOptions, ScoreKind};

    #[test]
    fn escape_covers_markup() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    }

    #[test]
    fn page_holds_every_chart_and_escapes_names() {
        let y: Vec<bool> = (0..30).map(|i| i % 3 == 0).collect();
        let a: Vec<f64> = (0..30).map(|i| if i % 3 == 0 { 0.7 } else { 0.2 } + i as f64 * 1e-3).collect();
        let b: Vec<f64> = (0..30).map(|i| ((i * 7) % 30) as f64 * 3.0).collect();
        let s = vec![
            ScorerScores {
                name: "m<1>".into(),
                source: "m.json".into(),
                kind: ScoreKind::Probability,
                scores: a,
                warnings: vec![],
            },
            ScorerScores {
                name: "rules".into(),
                source: "r.toml".into(),
                kind: ScoreKind::Points,
                scores: b,
                warnings: vec![],
            },
        ];
        let cmp = compare(&s, &y, &CompareOptions { n_boot: 50, ..Default::default() }).unwrap();
        let page = render_report("Report", &[("data".into(), "x.csv".into())], &cmp, &s, &y).unwrap();
        for id in ["roc", "gains", "lift", "calibration", "distribution-0", "distribution-1"] {
            assert!(page.contains(&format!("id=\"{id}\"")), "missing {id}");
        }
        assert_eq!(page.matches("<svg").count(), 6);
        assert!(page.contains("m&lt;1&gt;") && !page.contains("<td>m<1>"));
        // Self-contained: nothing is fetched (the only URL is the SVG namespace).
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
        assert!(!page.contains("<script"));
    }
}
