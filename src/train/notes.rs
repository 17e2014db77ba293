//! What training tells the analyst beside the metrics: warnings (blank columns left out,
//! models that learned nothing) and notes on what it decided about the data.

use super::history::History;
use super::{flat_model_warning, predict_all, Fitted, TrainError, TrainPlan};

/// What the analyst should know: blank columns left out, and models that learned nothing
/// (judged on the bundled model's own predictions: for CV, the refitted model on every
/// labelled row; fold models may differ by their intercepts).
pub(super) fn fit_warnings(plan: &TrainPlan, h: &History, fitted: &Fitted) -> Result<Vec<String>, TrainError> {
    let cfg = &plan.config;
    let mut warnings: Vec<String> = h.join_reports.iter().flat_map(|r| r.warnings()).collect();
    warnings.extend(
        h.blank_columns
            .iter()
            .map(|c| format!("column \"{c}\" is blank in every labelled row: left out of the models")),
    );
    let refit = if cfg.evaluation.cv >= 2 {
        Some(predict_all(&h.frame(&plan.data), &h.rows, &fitted.pipeline, &fitted.models)?)
    } else {
        None
    };
    for (k, model) in fitted.models.iter().enumerate() {
        let (probs, on) = match &refit {
            Some(p) => (&p[k], "labelled leads"),
            None => (&fitted.heldout[k], "held-out leads"),
        };
        warnings.extend(flat_model_warning(model, probs, on, cfg));
    }
    Ok(warnings)
}

/// What training decided about the data, for the report.
pub(super) fn data_notes(plan: &TrainPlan, h: &History, fitted: &Fitted) -> Vec<String> {
    let mut notes = Vec::new();
    if !h.personal.is_empty() {
        let list: Vec<String> = h.personal.iter().map(|(c, why)| format!("\"{c}\" ({})", why.describe())).collect();
        notes.push(format!(
            "personal data left out of the models (--keep COLUMN to use one anyway): {}",
            list.join(", ")
        ));
    }
    if let (Some((ids, extra)), Some(how)) = (h.deduped, plan.dedupe) {
        notes.push(format!(
            "--dedupe {}: {ids} lead id(s) appeared more than once; kept each one's {} row, dropped {extra} row(s)",
            how.as_str(),
            how.as_str()
        ));
    }
    let held = fitted.heldout.first().map_or(0, Vec::len);
    let (what, whose) = if plan.config.evaluation.cv >= 2 {
        ("out-of-fold", "a lead in another fold")
    } else {
        ("held-out", "a lead the models were fitted on")
    };
    notes.push(format!(
        "identical rows across the split: {} of {held} {what} leads ({:.1}%) have exactly the feature values of {whose}",
        fitted.straddling,
        100.0 * fitted.straddling as f64 / held.max(1) as f64
    ));
    notes
}
