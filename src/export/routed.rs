//! Routed bundles (`train --segment-column`, [`crate::bundle::segments`]) in SQL: one branch
//! per route, each the whole single-model statement over the rows of its route, joined by
//! `UNION ALL`.
//!
//! A lead's route is what `score` takes: its value in the segment column trimmed, blank and
//! missing tokens as none ([`super::pipeline::cleaned`]), compared exactly; a segment with
//! models of its own takes its leads, and the global model every other lead (no value, a value
//! without models, a value training never saw). Each branch uses its route's primary model,
//! grade cut-offs and reference distribution (the bundle's when the segment has none, as in
//! `score`), and writes the route's name in `segment_model` (`(global)` for the global model),
//! as the score file does. The segment models share the bundle's feature pipeline, so every
//! branch computes the same features; the branch filters the table's rows before them.

use super::pipeline::cleaned;
use super::{Dialect, ExportError};
use crate::bundle::{Bundle, GradeCuts, ScoreReference};
use crate::models::FittedModel;

/// One route's part of the statement.
pub(super) struct Branch<'a> {
    /// The route's primary model.
    pub model: &'a FittedModel,
    /// What its percentiles rank against.
    pub reference: &'a ScoreReference,
    /// Its grade cut-offs.
    pub grades: &'a GradeCuts,
    /// The condition on a row of the table (`ls_in`, beside `ls_ws`) that puts it on this
    /// route (none: every row, for a bundle that does not route).
    pub filter: Option<String>,
    /// The route's name in `segment_model` (none for a bundle that does not route).
    pub name: Option<String>,
}

/// The bundle's branches: its primary model alone, or for a routed bundle each segment's
/// (by value, ascending) then the global model's.
pub(super) fn branches<'a>(
    bundle: &'a Bundle,
    d: Dialect,
    reference: &'a ScoreReference,
) -> Result<Vec<Branch<'a>>, ExportError> {
    let primary = &bundle.primary_entry().model;
    let Some(s) = bundle.routing() else {
        return Ok(vec![Branch { model: primary, reference, grades: &bundle.grades, filter: None, name: None }]);
    };
    let k = bundle.models.iter().position(|m| m.model.kind() == primary.kind()).unwrap_or(0);
    let value = route_value(d, bundle, &s.column);
    let mut out = Vec::with_capacity(s.segments.len() + 1);
    for seg in &s.segments {
        let model = seg.models.get(k).filter(|m| m.kind() == primary.kind()).ok_or_else(|| {
            ExportError::Inconsistent { what: format!("segment \"{}\" has no {} model", seg.value, primary.name()) }
        })?;
        out.push(Branch {
            model,
            reference: seg.reference.as_ref().unwrap_or(reference),
            grades: &seg.grades,
            filter: Some(format!("{value} = {}", d.string(&seg.value))),
            name: Some(seg.value.clone()),
        });
    }
    let values: Vec<String> = s.segments.iter().map(|g| d.string(&g.value)).collect();
    out.push(Branch {
        model: primary,
        reference,
        grades: &bundle.grades,
        filter: (!values.is_empty()).then(|| format!("{value} IS NULL OR {value} NOT IN ({})", values.join(", "))),
        name: Some(s.route_name(None).to_string()),
    });
    Ok(out)
}

/// The route value of a row of `ls_in`: the segment column's text, trimmed, NULL when blank or
/// a missing token.
fn route_value(d: Dialect, bundle: &Bundle, column: &str) -> String {
    let text = d.trim(&format!("CAST(ls_in.{} AS {})", d.ident(column), d.text_type()), "ls_ws.ws");
    format!("({})", cleaned(d, &bundle.pipeline, &text))
}

/// `table` narrowed to the rows that satisfy `filter`, as a FROM item the feature chain reads
/// in place of the table.
pub(super) fn filtered(table: &str, filter: &str) -> String {
    format!("(SELECT ls_in.* FROM {table} AS ls_in CROSS JOIN ls_ws WHERE {filter})")
}

/// The branches' statements as one: the only one as it is, or each as a subquery, joined by
/// `UNION ALL`. `bodies` are [`super::query::body`]s; the result has no `;`.
pub(super) fn union(bodies: &[String]) -> String {
    if let [one] = bodies {
        return one.clone();
    }
    let parts: Vec<String> =
        bodies.iter().enumerate().map(|(i, b)| format!("SELECT * FROM (\n{b}\n) AS ls_route_{i}")).collect();
    parts.join("\nUNION ALL\n")
}
