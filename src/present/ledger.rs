//! The ledger's text: the list of runs, one lead's timeline, a summary of changes, and the
//! `why_changed` column.

use crate::ledger::changes::{ChangeCounts, ReasonMove};
use crate::ledger::{RunRecord, ScoreRow};
use crate::present::text::signed;

/// `leadscore ledger runs`.
pub fn render_runs(ledger: &str, runs: &[RunRecord]) -> String {
    if runs.is_empty() {
        return format!("ledger {ledger}: no runs yet\n");
    }
    let mut s = format!("ledger {ledger}: {} runs\n\n", runs.len());
    s.push_str(&format!(
        "{:>5}  {:<10}  {:<20}  {:<12}  {:>10}  {:>10}  {}\n",
        "run", "as of", "finished (UTC)", "model", "leads", "reused", "input"
    ));
    for r in runs {
        s.push_str(&format!(
            "{:>5}  {:<10}  {:<20}  {:<12}  {:>10}  {:>10}  {}\n",
            r.run_id,
            r.as_of,
            r.finished_at,
            r.model_id.as_deref().unwrap_or("(rules)"),
            r.leads,
            r.reused,
            r.input_path
        ));
    }
    s
}

/// `leadscore history`: one lead's score in every run that has it.
pub fn render_history(ledger: &str, lead: &str, rows: &[(RunRecord, ScoreRow)]) -> String {
    if rows.is_empty() {
        return format!("ledger {ledger}: lead \"{lead}\" is in no run\n");
    }
    let mut s = format!("lead {lead} in ledger {ledger}: {} runs\n\n", rows.len());
    s.push_str(&format!(
        "{:>5}  {:<10}  {:>20}  {:>10}  {:>5}  {:>10}  {:<12}  {}\n",
        "run", "as of", "probability", "percentile", "grade", "rule score", "status", "reasons"
    ));
    let mut last: Option<f64> = None;
    for (run, r) in rows {
        let p = r.probability.map(|p| {
            let moved = last.map(|l| format!(" ({} pp)", signed(100.0 * (p - l), 1))).unwrap_or_default();
            format!("{p:.4}{moved}")
        });
        last = r.probability.or(last);
        s.push_str(&format!(
            "{:>5}  {:<10}  {:>20}  {:>10}  {:>5}  {:>10}  {:<12}  {}\n",
            run.run_id,
            run.as_of,
            p.unwrap_or_else(|| "-".into()),
            r.percentile.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into()),
            r.grade.map(|g| g.as_str()).unwrap_or("-"),
            r.rule_score.map(|x| format!("{x:.2}")).unwrap_or_else(|| "-".into()),
            r.status.as_deref().unwrap_or("-"),
            r.reasons
                .iter()
                .map(|x| format!("{} = {} ({} pp)", x.column, x.value, signed(x.pp, 1)))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    s
}

/// The summary `leadscore changes` prints.
pub fn render_changes(
    ledger: &str,
    from: &RunRecord,
    to: &RunRecord,
    counts: &ChangeCounts,
    out: Option<&str>,
) -> String {
    let mut s = format!(
        "ledger {ledger}: run {} ({}, {} leads) -> run {} ({}, {} leads)\n",
        from.run_id, from.as_of, counts.leads_from, to.run_id, to.as_of, counts.leads_to
    );
    s.push_str(&format!("leads with a change: {}\n", counts.reported));
    for (k, n) in &counts.by_kind {
        s.push_str(&format!("  {k:<7} {n}\n"));
    }
    if let Some(o) = out {
        s.push_str(&format!("written: {o}\n"));
    }
    s
}

/// The `why_changed` text: `webinars 1 -> 5: +2.0 -> +9.5 pp; country (not a top reason) -> DE: ...`.
pub fn render_moves(moves: &[ReasonMove]) -> String {
    let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not a top reason)".to_string());
    moves
        .iter()
        .map(|m| {
            let values = if m.value_from == m.value_to {
                side(&m.value_to)
            } else {
                format!("{} -> {}", side(&m.value_from), side(&m.value_to))
            };
            format!("{} {values}: {} -> {} pp", m.column, signed(m.pp_from, 1), signed(m.pp_to, 1))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The `changes` file: one row per lead with a change.
pub fn changes_frame(changes: &[crate::ledger::Change]) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let from = |f: &dyn Fn(&ScoreRow) -> Option<f64>| -> Vec<Option<f64>> {
        changes.iter().map(|c| c.from.as_ref().and_then(f)).collect()
    };
    let to = |f: &dyn Fn(&ScoreRow) -> Option<f64>| -> Vec<Option<f64>> {
        changes.iter().map(|c| c.to.as_ref().and_then(f)).collect()
    };
    let text_from = |f: &dyn Fn(&ScoreRow) -> Option<String>| -> Vec<Option<String>> {
        changes.iter().map(|c| c.from.as_ref().and_then(f)).collect()
    };
    let text_to = |f: &dyn Fn(&ScoreRow) -> Option<String>| -> Vec<Option<String>> {
        changes.iter().map(|c| c.to.as_ref().and_then(f)).collect()
    };
    let round = |v: Option<f64>, d: i32| v.map(|x| (x * 10f64.powi(d)).round() / 10f64.powi(d));
    let prob = |r: &ScoreRow| round(r.probability, 4);
    let grade = |r: &ScoreRow| r.grade.map(|g| g.as_str().to_string());
    let status = |r: &ScoreRow| r.status.clone();
    let rule = |r: &ScoreRow| round(r.rule_score, 2);
    DataFrame::new_infer_height(vec![
        Column::new("lead_id".into(), changes.iter().map(|c| c.lead_id.as_str()).collect::<Vec<_>>()),
        Column::new(
            "change".into(),
            changes
                .iter()
                .map(|c| c.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("+"))
                .collect::<Vec<_>>(),
        ),
        Column::new("probability_from".into(), from(&prob)),
        Column::new("probability_to".into(), to(&prob)),
        Column::new("delta_pp".into(), changes.iter().map(|c| round(c.delta_pp(), 1)).collect::<Vec<_>>()),
        Column::new("grade_from".into(), text_from(&grade)),
        Column::new("grade_to".into(), text_to(&grade)),
        Column::new("status_from".into(), text_from(&status)),
        Column::new("status_to".into(), text_to(&status)),
        Column::new("rule_score_from".into(), from(&rule)),
        Column::new("rule_score_to".into(), to(&rule)),
        Column::new("why_changed".into(), changes.iter().map(|c| render_moves(&c.why)).collect::<Vec<_>>()),
    ])
}
