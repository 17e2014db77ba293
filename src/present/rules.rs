//! Printers for the rules engine: the itemised breakdown of one lead (`rules explain`), the
//! `rule_reasons` text of a lead, and the summary of a checked file (`rules check`).
//! The numbers come from [`Breakdown`]; nothing here computes a score.

use super::text::signed;
use crate::rules::engine::{Breakdown, Kind};
use crate::rules::set::{RuleSet, Source};

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
                how.push_str(&format!(", {} before decay x{:.3}", signed(it.base, 1), it.decay));
            } else if it.base != it.points {
                how.push_str(&format!(", {} before cap", signed(it.base, 1)));
            }
            if it.capped {
                how.push_str(", capped");
            }
            s.push_str(&format!(
                "  {:>7}  {} [{}{}] (line {})\n",
                signed(it.points, 1),
                it.reason,
                it.value,
                how,
                it.line
            ));
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

/// `rule_reasons`: each rule that fired with its points, decay and cap noted, and for a rule
/// with `or` the alternative that held (`director (+25.0, job_title: Sales Director)`).
pub fn render_items(b: &Breakdown) -> String {
    let mut parts: Vec<String> = b
        .items
        .iter()
        .map(|it| {
            let mut s = format!("{} ({}", it.reason, signed(it.points, 1));
            if it.decay < 1.0 {
                s.push_str(&format!(", decay x{:.2}", it.decay));
            }
            if it.capped {
                s.push_str(", capped");
            }
            if let Some(a) = &it.alternative {
                s.push_str(&format!(", {a}"));
            }
            s.push(')');
            s
        })
        .collect();
    if let Some(d) = &b.disqualified {
        parts.insert(0, format!("disqualified: {d}"));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use polars::prelude::*;

    use super::*;
    use crate::data::typing::LeadFrame;
    use crate::rules::engine::Item;
    use crate::rules::gate::Alternative;
    use crate::rules::RulesScorer;

    const RULES: &str = r#"
[[fit]]
name = "director"
when = { field = "job_title", matches = "(?i)director" }
or = [{ field = "seniority", equals = "director" }]
points = 25
reason = "director-level"

[[fit]]
when = { field = "seniority", equals = "vp" }
points = 30
reason = "vp"

[[engagement]]
count = "visits"
or = [{ field = "seniority", missing = true }, { field = "seniority", equals = "vp" }]
points = 2
per = "each"

[[disqualify]]
when = { field = "job_title", equals = "test" }
or = [{ field = "seniority", equals = "none" }]
reason = "junk"
"#;

    /// Leads: the `when` alternative; the `or` alternative; a rule without `or`, and a count
    /// rule's second alternative; disqualified, and a count rule's alternative on a missing cell.
    fn breakdowns() -> Vec<Breakdown> {
        let rules = RuleSet::parse(RULES, Path::new("r.toml")).unwrap();
        let col = |n: &str, v: [&str; 4]| Column::new(n.into(), v);
        let df = DataFrame::new_infer_height(vec![
            col("job_title", ["Sales Director", "Head of Sales", "VP Sales", "test"]),
            col("seniority", ["manager", "Director", "vp", ""]),
            col("visits", ["3", "", "4", "1"]),
        ])
        .unwrap();
        let s = RulesScorer { rules: &rules, activities: None };
        s.evaluate(&LeadFrame { df: &df, path: Path::new("leads.csv"), first_row: 1 }).unwrap()
    }

    fn evidence(items: &[Item]) -> Vec<(&str, &str, Option<&Alternative>)> {
        items.iter().map(|it| (it.reason.as_str(), it.value.as_str(), it.alternative.as_ref())).collect()
    }

    #[test]
    fn explanations_name_the_alternative_that_held() {
        let b = breakdowns();
        let alt = |f: &str, v: Option<&str>| Alternative { field: f.into(), value: v.map(str::to_string) };
        // `when` held; the count rule's alternatives did not (seniority is neither missing nor vp).
        assert_eq!(
            evidence(&b[0].items),
            vec![("director-level", "job_title: Sales Director", Some(&alt("job_title", Some("Sales Director"))))]
        );
        // The `or` alternative held, with the lead's value as written; one `director-level` item.
        assert_eq!(
            evidence(&b[1].items),
            vec![("director-level", "seniority: Director", Some(&alt("seniority", Some("Director"))))]
        );
        assert_eq!(b[1].fit_score, 25.0);
        // A rule without `or` is explained as before; the count rule's second alternative held.
        assert_eq!(
            evidence(&b[2].items),
            vec![("vp", "vp", None), ("visits", "seniority: vp; 4", Some(&alt("seniority", Some("vp"))))]
        );
        assert_eq!((b[2].fit_score, b[2].engagement_score), (30.0, 8.0));
        assert_eq!(b[3].disqualified.as_deref(), Some("junk (job_title: test)"));
        assert_eq!(render_items(&b[3]), "disqualified: junk (job_title: test); visits (+2.0, seniority: (missing))");
        assert_eq!(render_items(&b[1]), "director-level (+25.0, seniority: Director)");
        assert_eq!(render_items(&b[2]), "vp (+30.0); visits (+8.0, seniority: vp)");
    }

    #[test]
    fn rules_explain_shows_the_alternative_in_brackets() {
        let b = breakdowns();
        let text = render_breakdown("L2", &b[1]);
        assert!(
            text.contains("fit:\n    +25.0  director-level [seniority: Director] (line 2)\n  fit score 25.0\n"),
            "{text}"
        );
        let text = render_breakdown("L3", &b[2]);
        assert!(text.contains("    +30.0  vp [vp] (line 9)\n"), "{text}");
        assert!(text.contains("engagement:\n     +8.0  visits [seniority: vp; 4] (line 14)\n"), "{text}");
        let text = render_breakdown("L4", &b[3]);
        assert!(text.contains("     +2.0  visits [seniority: (missing); 1] (line 14)\n"), "{text}");
        assert!(text.contains("DISQUALIFIED: junk (job_title: test); total set to 0\n"), "{text}");
    }
}
