//! Printers for the rules engine: the itemised breakdown of one lead (`rules explain`),
//! the summary of a checked file and its check against a data file (`rules check`).
//! The numbers come from [`Breakdown`]; nothing here computes a score.

use std::collections::BTreeSet;
use std::path::Path;

use polars::prelude::DataFrame;

use super::engine::{Breakdown, Kind};
use super::error::Problem;
use super::set::{RuleSet, Source};
use crate::data::typing::{column_list, parse_number};

/// `rules explain` as text.
pub fn render_breakdown(id: &str, b: &Breakdown) -> String {
    let mut s = format!("lead {id} (segment {})\n", b.segment);
    for (kind, title, raw, score) in [
        (Kind::Fit, "fit", b.fit_raw, b.fit_score),
        (Kind::Engagement, "engagement", b.engagement_raw, b.engagement_score),
    ] {
        s.push_str(&format!("{title}:\n"));
        let items: Vec<_> = b.items.iter().filter(|it| it.kind == kind).collect();
        if items.is_empty() {
            s.push_str("  (no rule fired)\n");
        }
        for it in items {
            let mut how = String::new();
            if it.decay < 1.0 {
                how.push_str(&format!(", {:+.1} before decay x{:.3}", it.base, it.decay));
            } else if it.base != it.points {
                how.push_str(&format!(", {:+.1} before cap", it.base));
            }
            if it.capped {
                how.push_str(", capped");
            }
            s.push_str(&format!("  {:+7.1}  {} [{}{}] (line {})\n", it.points, it.reason, it.value, how, it.line));
        }
        let clamp = if raw != score { format!(" (sum {raw:.1}, clamped to 0..100)") } else { String::new() };
        s.push_str(&format!("  {title} score {score:.1}{clamp}\n"));
    }
    let t = &b.thresholds;
    match &b.disqualified {
        Some(reason) => s.push_str(&format!("DISQUALIFIED: {reason}; total set to 0\n")),
        None => s.push_str(&format!(
            "total = {:.2} x fit {:.1} + {:.2} x engagement {:.1} = {:.1} (mql {}, sql {})\n",
            t.fit_weight,
            b.fit_score,
            1.0 - t.fit_weight,
            b.engagement_score,
            b.total,
            t.mql,
            t.sql
        )),
    }
    s.push_str(&format!("grade {}, status {}", b.grade, b.status));
    if !b.stage.is_empty() {
        s.push_str(&format!(", stage {}", b.stage));
    }
    s.push('\n');
    match &b.persona {
        Some((p, share)) => s.push_str(&format!("persona: {p} ({:.0}% of its conditions)\n", share * 100.0)),
        None => s.push_str("persona: none matched\n"),
    }
    if !b.products.is_empty() {
        let p: Vec<String> = b.products.iter().map(|(n, x)| format!("{n} {x:.1}")).collect();
        s.push_str(&format!("products: {}\n", p.join(", ")));
    }
    if !b.action.is_empty() {
        s.push_str(&format!("action: {}\n", b.action));
    }
    s
}

/// One line describing a checked file.
pub fn summary(r: &RuleSet) -> String {
    let from_log = r.engagement.iter().filter(|x| matches!(x.source, Source::Activity(_))).count();
    format!(
        "{}: ok: {} fit and {} engagement rules ({} from the activity log), {} disqualify, {} segment(s), {} persona(s), {} stage(s), {} action(s)",
        r.path.display(),
        r.fit.len(),
        r.engagement.len(),
        from_log,
        r.disqualify.len(),
        r.segments.len(),
        r.personas.len(),
        r.stages.len(),
        r.actions.len()
    )
}

/// Checks the rules against a data file: columns that do not exist are problems;
/// values looked for that never occur, and ranges on columns with no numbers, are warnings.
pub fn check_against(r: &RuleSet, data: &Path, df: &DataFrame) -> (Vec<Problem>, Vec<String>) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for (col, line) in r.lead_columns() {
        if df.column(&col).is_err() {
            problems.push(Problem {
                line,
                item: format!("column \"{col}\""),
                message: format!("not in {} (columns: {})", data.display(), column_list(df)),
            });
        }
    }
    for (field, line, cond) in &r.fields {
        let Some(ca) = df.column(field).ok().and_then(|c| c.str().ok()) else { continue };
        let seen: BTreeSet<String> =
            ca.iter().filter_map(|v| r.missing.clean(v)).map(str::to_lowercase).take(1_000_000).collect();
        for v in cond.values() {
            if !seen.contains(v) {
                warnings.push(format!("line {line}: \"{v}\" never occurs in column \"{field}\" of {}", data.display()));
            }
        }
        if cond.is_numeric() && !seen.iter().any(|v| parse_number(v).is_some()) {
            warnings.push(format!(
                "line {line}: column \"{field}\" has no numbers in {}; the range never matches",
                data.display()
            ));
        }
    }
    (problems, warnings)
}
