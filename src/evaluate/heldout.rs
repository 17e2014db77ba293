//! `evaluate --heldout`: the leads a bundle held out when it was trained on this very file,
//! rebuilt from the same rows, split the same way with the same seed.

use std::path::Path;

use super::{HeldoutDiffers, HeldoutSampleNotFlow, InputError, InputPlan, Labelled};
use crate::bundle::Bundle;
use crate::data::typing::{day_numbers, read_dates, LeadFrame};
use crate::evaluation::EvaluationMethod;

/// With `--heldout`: the positions (into the labelled rows) every bundle held out, which must
/// be the very same leads for every bundle, and how they were held out.
pub(super) fn heldout_positions(
    plan: &InputPlan,
    bundles: &[Bundle],
    sha: &str,
    frame: &LeadFrame,
    l: &Labelled,
) -> Result<(Vec<usize>, String), InputError> {
    let (first, first_path) = bundles.first().zip(plan.models.first()).ok_or(InputError::HeldoutNeedsBundle)?;
    let (test, how) = bundle_holdout(first, first_path, plan, sha, frame, l)?;
    // Every bundle must have held out exactly these leads, or it is judged on leads it
    // trained on.
    for (b, path) in bundles.iter().zip(&plan.models).skip(1) {
        let (other, other_how) = bundle_holdout(b, path, plan, sha, frame, l)?;
        if other != test {
            // Both lists are sorted (split indices are).
            let differ = test.iter().filter(|i| other.binary_search(i).is_err()).count();
            let reverse = other.iter().filter(|i| test.binary_search(i).is_err()).count();
            return Err(InputError::HeldoutDiffers(Box::new(HeldoutDiffers {
                data: plan.data.clone(),
                first: first_path.clone(),
                other: path.clone(),
                first_how: how,
                other_how,
                differ,
                reverse,
                held: test.len(),
            })));
        }
    }
    if let (Some(column), EvaluationMethod::Holdout { share }) =
        (&plan.date_column, &first.primary_entry().evaluation.method)
    {
        return Err(InputError::HeldoutSampleNotFlow(Box::new(HeldoutSampleNotFlow {
            data: plan.data.clone(),
            bundle: first_path.clone(),
            column: column.clone(),
            share_pct: 100.0 * share,
            inflate: 1.0 / share,
            how,
        })));
    }
    Ok((test, how))
}

/// Rebuilds the hold-out `train` made for `bundle` from the same file: the same labelled
/// rows, split the same way with the same seed, through the same function
/// ([`EvaluationMethod::holdout`]). Returns the held-out positions (into the labelled rows)
/// and a description.
fn bundle_holdout(
    bundle: &Bundle,
    path: &Path,
    plan: &InputPlan,
    sha: &str,
    frame: &LeadFrame,
    l: &Labelled,
) -> Result<(Vec<usize>, String), InputError> {
    if sha != bundle.training.data_sha256
        || l.target != bundle.target.column
        || l.rows.len() != bundle.training.labelled_rows
    {
        return Err(InputError::HeldoutOtherData {
            path: plan.data.clone(),
            bundle: path.to_path_buf(),
            trained_on: bundle.training.data_file.clone(),
            sha256: bundle.training.data_sha256.clone(),
        });
    }
    let seed = bundle.training.seed;
    let method = &bundle.primary_entry().evaluation.method;
    let (days, how) = match method {
        EvaluationMethod::Holdout { share } => {
            (None, format!("stratified {:.0}% hold-out, seed {seed}", 100.0 * share))
        }
        EvaluationMethod::TimeOrdered { share, column } => {
            let hint = "the bundle's date column must be in the file";
            let fix = "the bundle was trained on this file with every date valid; is it the same file?";
            let dates = read_dates(frame, column, &l.rows, &bundle.pipeline.missing, hint, fix)?;
            (Some(day_numbers(&dates)), format!("newest {:.0}% by \"{column}\"", 100.0 * share))
        }
        EvaluationMethod::CrossValidation { folds, .. } => {
            return Err(InputError::HeldoutNone {
                bundle: path.to_path_buf(),
                detail: format!("{folds}-fold cross-validation and refitted on all rows"),
            })
        }
    };
    match method.holdout(&l.y, days.as_deref(), seed) {
        Some(split) => Ok((split.test, how)),
        None => Err(InputError::HeldoutNone { bundle: path.to_path_buf(), detail: how }),
    }
}
