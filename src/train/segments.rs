//! Per-segment models at training ([`crate::bundle::segments`]), checked the way the global
//! models were: on the same hold-out, or across the same cross-validation folds. Each
//! segment with enough outcomes gets every chosen model kind fitted on its training leads
//! (through the global feature pipeline; with cross-validation, through each fold's pipeline
//! for its out-of-fold probabilities, then refitted on all its leads), is evaluated on its
//! held-out (out-of-fold) leads, and keeps its models only when its primary model shows a
//! usable signal there. Then the routed bundle (each lead scored by its segment's model, the
//! rest by the global one) is compared with the global model alone on the same leads, and
//! routes leads only when it wins (or `segments.keep` says so).

use std::collections::BTreeMap;

use super::history::History;
use super::{fit_kinds, holdout_method, Fitted, TrainError, TrainPlan};
use crate::bundle::segments::{SegmentCheck, SegmentFallback, SegmentModel, Segmentation, MAX_SEGMENTS, SIGNIFICANT};
use crate::bundle::{Bundle, GradeCuts, ScoreReference};
use crate::evaluation::calibration::LOG_LOSS_EPS;
use crate::evaluation::metrics::{log_loss, roc_auc};
use crate::evaluation::split::Split;
use crate::evaluation::stats::erfc;
use crate::evaluation::{Evaluation, EvaluationMethod, Signal};
use crate::features::FittedPipeline;

/// One segment's leads: positions (into the labelled rows) its models are fitted on (the
/// hold-out's training side, or every lead with cross-validation, whose refit learns from
/// all) and evaluated on (the hold-out, or every lead out of fold).
#[derive(Default)]
struct Leads {
    train: Vec<usize>,
    test: Vec<usize>,
}

impl Leads {
    fn conversions(&self, h: &History) -> usize {
        self.train.iter().filter(|&&k| h.y[k]).count()
    }
}

/// How the global models were checked, and so the segments: one hold-out, or
/// cross-validation's folds (each lead's fold, by position).
enum Protocol<'a> {
    Holdout(&'a Split),
    Folds { folds: &'a [(Split, FittedPipeline)], fold_of: Vec<usize> },
}

impl<'a> Protocol<'a> {
    fn of(fitted: &'a Fitted, n: usize) -> Protocol<'a> {
        match &fitted.split {
            Some(split) => Protocol::Holdout(split),
            None => {
                let mut fold_of = vec![usize::MAX; n];
                for (f, (split, _)) in fitted.folds.iter().enumerate() {
                    split.test.iter().for_each(|&k| fold_of[k] = f);
                }
                Protocol::Folds { folds: &fitted.folds, fold_of }
            }
        }
    }

    /// Positions fitted on and evaluated on, for the whole history.
    fn sides(&self, n: usize) -> (Vec<usize>, Vec<usize>) {
        match self {
            Protocol::Holdout(split) => (split.train.clone(), split.test.clone()),
            Protocol::Folds { .. } => ((0..n).collect(), (0..n).collect()),
        }
    }

    /// How probabilities on `test` (with outcomes `y`) were evaluated: the hold-out's
    /// method, or cross-validation with each fold's AUC where a fold holds both outcomes.
    fn method(&self, plan: &TrainPlan, test: &[usize], probs: &[f64], y: &[bool]) -> EvaluationMethod {
        match self {
            Protocol::Holdout(_) => holdout_method(plan),
            Protocol::Folds { folds, fold_of } => {
                let fold_auc = (0..folds.len())
                    .filter_map(|f| {
                        let at: Vec<usize> = (0..test.len()).filter(|&i| fold_of[test[i]] == f).collect();
                        let (p, yy): (Vec<f64>, Vec<bool>) = at.iter().map(|&i| (probs[i], y[i])).unzip();
                        roc_auc(&p, &yy).ok()
                    })
                    .collect();
                EvaluationMethod::CrossValidation { folds: folds.len(), fold_auc }
            }
        }
    }

    fn source(&self) -> &'static str {
        match self {
            Protocol::Holdout(_) => "hold-out",
            Protocol::Folds { .. } => "out-of-fold",
        }
    }
}

/// Fits, checks and decides the segments of `column` the way `fitted`'s global models were
/// checked (its hold-out, or its cross-validation folds).
pub(super) fn fit(
    plan: &TrainPlan,
    h: &History,
    column: &str,
    fitted: &Fitted,
    primary: usize,
    progress: &mut dyn FnMut(&str),
) -> Result<Segmentation, TrainError> {
    let min = plan.config.segments.min_outcomes;
    let protocol = Protocol::of(fitted, h.y.len());
    let (train, test) = protocol.sides(h.y.len());
    let by_value = segment_leads(plan, h, column, &train, &test)?;
    let (candidates, mut fallback) = candidates(h, &by_value, min);
    // Global held-out (or out-of-fold) probabilities by position in the labelled rows.
    let mut global_at = vec![f64::NAN; h.y.len()];
    match &protocol {
        Protocol::Holdout(split) => {
            split.test.iter().zip(&fitted.heldout[primary]).for_each(|(&k, &p)| global_at[k] = p)
        }
        Protocol::Folds { .. } => global_at.clone_from(&fitted.heldout[primary]),
    }
    let mut routed_at = global_at.clone();
    let mut segments = Vec::new();
    for value in candidates {
        let leads = &by_value[&value];
        match fit_segment(plan, h, &value, leads, fitted, &protocol, primary, &global_at, progress)? {
            Ok((segment, probs)) => {
                for (&k, p) in leads.test.iter().zip(probs) {
                    routed_at[k] = p;
                }
                segments.push(segment);
            }
            Err(why) => fallback.push(SegmentFallback {
                value: value.clone(),
                train_rows: leads.train.len(),
                train_conversions: leads.conversions(h),
                why,
            }),
        }
    }
    fallback.sort_by(|a, b| a.value.cmp(&b.value));
    let single: Vec<f64> = test.iter().map(|&k| global_at[k]).collect();
    let routed: Vec<f64> = test.iter().map(|&k| routed_at[k]).collect();
    let y: Vec<bool> = test.iter().map(|&k| h.y[k]).collect();
    let check = check(&single, &routed, &y)?;
    let rate = train.iter().filter(|&&k| h.y[k]).count() as f64 / train.len().max(1) as f64;
    let method = protocol.method(plan, &test, &routed, &y);
    let evaluation = Evaluation::compute(method, &routed, &y)?.with_base_rate(rate, &y)?;
    let keep = plan.config.segments.keep;
    let (routed_flag, decision) = decide(&check, segments.len(), keep, min);
    progress(&format!("segments by \"{column}\": {} with their own models; {decision}", segments.len()));
    if !routed_flag {
        segments.iter_mut().for_each(|s| s.models.clear());
    }
    Ok(Segmentation {
        column: column.to_string(),
        min_outcomes: min,
        routed: routed_flag,
        decision,
        segments,
        fallback,
        check,
        evaluation,
        reference: ScoreReference::new(&routed, protocol.source()),
    })
}

/// Each segment value's leads on both sides (blank and missing values are no segment).
fn segment_leads(
    plan: &TrainPlan,
    h: &History,
    column: &str,
    train: &[usize],
    test: &[usize],
) -> Result<BTreeMap<String, Leads>, TrainError> {
    let frame = h.frame(&plan.data);
    let hint = "--segment-column (segments.column) must name a column of the history file";
    let text = frame.text(column, hint)?;
    let mut by_value: BTreeMap<String, Leads> = BTreeMap::new();
    for (side, positions) in [(0, train), (1, test)] {
        for &k in positions {
            let Some(v) = h.missing.clean(text.get(h.rows[k])) else { continue };
            let leads = by_value.entry(v.to_string()).or_default();
            if side == 0 {
                leads.train.push(k)
            } else {
                leads.test.push(k)
            }
        }
    }
    Ok(by_value)
}

/// The values with enough outcomes for their own models (at most [`MAX_SEGMENTS`], the
/// largest by their rarer outcome), and the others with why not.
fn candidates(h: &History, by_value: &BTreeMap<String, Leads>, min: usize) -> (Vec<String>, Vec<SegmentFallback>) {
    let mut fallback = Vec::new();
    let mut enough: Vec<(usize, String)> = Vec::new();
    for (value, leads) in by_value {
        let conv = leads.conversions(h);
        let dead = leads.train.len() - conv;
        if conv >= min && dead >= min {
            enough.push((conv.min(dead), value.clone()));
        } else {
            fallback.push(SegmentFallback {
                value: value.clone(),
                train_rows: leads.train.len(),
                train_conversions: conv,
                why: format!("{conv} converted and {dead} dead training leads; a segment needs at least {min} of each"),
            });
        }
    }
    enough.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    for (_, value) in enough.iter().skip(MAX_SEGMENTS) {
        let leads = &by_value[value];
        fallback.push(SegmentFallback {
            value: value.clone(),
            train_rows: leads.train.len(),
            train_conversions: leads.conversions(h),
            why: format!("more than {MAX_SEGMENTS} segments have enough outcomes; only the {MAX_SEGMENTS} largest get their own models"),
        });
    }
    let mut chosen: Vec<String> = enough.into_iter().take(MAX_SEGMENTS).map(|(_, v)| v).collect();
    chosen.sort();
    (chosen, fallback)
}

/// One segment's models fitted and evaluated: the segment with its routed held-out (or
/// out-of-fold) primary probabilities, or why it falls back to the global model
/// (`Ok(Err(why))`).
#[allow(clippy::too_many_arguments)]
fn fit_segment(
    plan: &TrainPlan,
    h: &History,
    value: &str,
    leads: &Leads,
    fitted: &Fitted,
    protocol: &Protocol,
    primary: usize,
    global_at: &[f64],
    progress: &mut dyn FnMut(&str),
) -> Result<Result<(SegmentModel, Vec<f64>), String>, TrainError> {
    let (_, tr_y) = h.pick(&leads.train);
    let (_, te_y) = h.pick(&leads.test);
    let te_conv = te_y.iter().filter(|&&y| y).count();
    if te_conv < 2 || te_y.len() - te_conv < 2 {
        return Ok(Err(format!(
            "its {} leads hold {te_conv} converted and {} dead; checking its model needs at least 2 of each",
            protocol.source(),
            te_y.len() - te_conv
        )));
    }
    let what = format!(" of segment \"{value}\"");
    let heldout = match protocol {
        Protocol::Holdout(_) => None,
        Protocol::Folds { folds, fold_of } => match out_of_fold(plan, h, leads, folds, fold_of, &what, progress)? {
            Ok(oof) => Some(oof),
            Err(why) => return Ok(Err(why)),
        },
    };
    // The segment's bundled models: fitted on its training side through the bundle's pipeline.
    let frame = h.frame(&plan.data);
    let (tr_rows, _) = h.pick(&leads.train);
    let enc = fitted.pipeline.transform(&frame, Some(&tr_rows))?;
    let models = fit_kinds(plan, &fitted.pipeline, &enc, &tr_y, &what, progress)?;
    let heldout = match heldout {
        Some(oof) => oof,
        None => {
            let (te_rows, _) = h.pick(&leads.test);
            let te_enc = fitted.pipeline.transform(&frame, Some(&te_rows))?;
            models.iter().map(|m| m.predict(&te_enc)).collect::<Result<_, _>>()?
        }
    };
    let rate = tr_y.iter().filter(|&&y| y).count() as f64 / tr_y.len() as f64;
    let mut evaluations = Vec::new();
    for probs in &heldout {
        let method = protocol.method(plan, &leads.test, probs, &te_y);
        evaluations.push(Evaluation::compute(method, probs, &te_y)?.with_base_rate(rate, &te_y)?);
    }
    if let Signal::Weak(why) = evaluations[primary].signal() {
        let on = protocol.source();
        return Ok(Err(format!("its own model shows no usable signal on its {on} leads ({})", why.join("; "))));
    }
    let global_probs: Vec<f64> = leads.test.iter().map(|&k| global_at[k]).collect();
    let method = protocol.method(plan, &leads.test, &global_probs, &te_y);
    let global = Evaluation::compute(method, &global_probs, &te_y)?.with_base_rate(rate, &te_y)?;
    let cfg = &plan.config;
    let grades = match (cfg.grades.a, cfg.grades.b, cfg.grades.c) {
        (Some(a), Some(b), Some(c)) => GradeCuts { a, b, c, source: "configured".into() },
        _ => match GradeCuts::from_quantiles(&heldout[primary]) {
            Some(g) => g,
            None => return Ok(Err(format!("its {} probabilities give no grade cut-offs", protocol.source()))),
        },
    };
    let segment = SegmentModel {
        value: value.to_string(),
        train_rows: tr_y.len(),
        train_conversions: tr_y.iter().filter(|&&y| y).count(),
        models,
        evaluations,
        global,
        grades,
        reference: ScoreReference::new(&heldout[primary], protocol.source()),
    };
    let mut heldout = heldout;
    Ok(Ok((segment, heldout.swap_remove(primary))))
}

/// A segment's out-of-fold probabilities per model kind (aligned with `leads.test`): in each
/// fold, its models fitted on its leads outside the fold through that fold's pipeline, then
/// applied to its leads in the fold; or why not (a fold whose training side holds one
/// outcome only).
fn out_of_fold(
    plan: &TrainPlan,
    h: &History,
    leads: &Leads,
    folds: &[(Split, FittedPipeline)],
    fold_of: &[usize],
    what: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<Result<Vec<Vec<f64>>, String>, TrainError> {
    let frame = h.frame(&plan.data);
    let mut oof = vec![vec![f64::NAN; leads.test.len()]; plan.models.kinds().len()];
    for (f, (_, pipeline)) in folds.iter().enumerate() {
        let inside: Vec<usize> = (0..leads.test.len()).filter(|&i| fold_of[leads.test[i]] == f).collect();
        let outside: Vec<usize> = leads.train.iter().copied().filter(|&k| fold_of[k] != f).collect();
        let (tr_rows, tr_y) = h.pick(&outside);
        let conv = tr_y.iter().filter(|&&y| y).count();
        if conv == 0 || conv == tr_y.len() {
            return Ok(Err(format!("outside fold {} its leads hold one outcome only", f + 1)));
        }
        if inside.is_empty() {
            continue;
        }
        let enc = pipeline.transform(&frame, Some(&tr_rows))?;
        let models = fit_kinds(plan, pipeline, &enc, &tr_y, &format!("{what} (fold {})", f + 1), progress)?;
        let te: Vec<usize> = inside.iter().map(|&i| leads.test[i]).collect();
        let (te_rows, _) = h.pick(&te);
        let te_enc = pipeline.transform(&frame, Some(&te_rows))?;
        for (k, m) in models.iter().enumerate() {
            for (&i, p) in inside.iter().zip(m.predict(&te_enc)?) {
                oof[k][i] = p;
            }
        }
    }
    Ok(Ok(oof))
}

/// The routed probabilities against the global model's on the same held-out leads.
fn check(single: &[f64], routed: &[f64], y: &[bool]) -> Result<SegmentCheck, TrainError> {
    let (single_auc, segmented_auc) = (roc_auc(single, y)?, roc_auc(routed, y)?);
    let (single_log_loss, segmented_log_loss) = (log_loss(single, y)?, log_loss(routed, y)?);
    let p_value = crate::evaluation::stats::delong_test(routed, single, y).ok().map(|d| d.p_value);
    let log_loss_p_value = paired_log_loss_test(single, routed, y);
    let wins = segmented_auc > single_auc && segmented_log_loss < single_log_loss;
    let significant = [p_value, log_loss_p_value].iter().flatten().any(|&p| p < SIGNIFICANT);
    Ok(SegmentCheck {
        rows: y.len(),
        conversions: y.iter().filter(|&&c| c).count(),
        single_auc,
        segmented_auc,
        p_value,
        single_log_loss,
        segmented_log_loss,
        log_loss_p_value,
        beats: wins && significant,
    })
}

/// Two-sided p-value of the paired z-test of per-lead log losses (`a` against `b`): the mean
/// difference over its standard error. `None` when every lead's loss is the same under both
/// (nothing to test) or there are fewer than two leads.
pub(super) fn paired_log_loss_test(a: &[f64], b: &[f64], y: &[bool]) -> Option<f64> {
    let loss = |p: f64, y: bool| {
        let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
        if y {
            -p.ln()
        } else {
            -(1.0 - p).ln()
        }
    };
    let d: Vec<f64> = a.iter().zip(b).zip(y).map(|((&pa, &pb), &yy)| loss(pa, yy) - loss(pb, yy)).collect();
    let n = d.len() as f64;
    if d.len() < 2 {
        return None;
    }
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    (se > 0.0).then(|| erfc((mean / se).abs() / std::f64::consts::SQRT_2))
}

/// Whether to route, and why in words.
fn decide(check: &SegmentCheck, with_models: usize, keep: bool, min: usize) -> (bool, String) {
    if with_models == 0 {
        let why = format!(
            "no segment has a usable model of its own (each needs {min} converted and {min} dead training leads): every lead is scored by the single model"
        );
        return (false, why);
    }
    match (check.beats, keep) {
        (true, _) => (true, check.describe()),
        (false, true) => (true, format!("because of --keep-segments, although {}", check.describe())),
        (false, false) => (false, format!("{}; pass --keep-segments to route by segment anyway", check.describe())),
    }
}

/// The warning for a routed bundle whose global model shows no usable signal: it still
/// scores the leads outside the segments with their own models.
pub(super) fn global_warning(b: &Bundle, s: &Segmentation) -> Option<String> {
    let Signal::Weak(why) = b.primary_entry().evaluation.signal() else { return None };
    let own: Vec<String> = s.segments.iter().map(|g| format!("{:?}", g.value)).collect();
    Some(format!(
        "the global model shows no usable signal on the hold-out ({}), yet it scores every lead outside the segments with their own models ({}): leads with a blank segment, a value training never saw{}; their grades and percentiles are arbitrary",
        why.join("; "),
        own.join(", "),
        if s.fallback.is_empty() {
            String::new()
        } else {
            format!(" or one of {}", s.fallback.iter().map(|f| format!("{:?}", f.value)).collect::<Vec<_>>().join(", "))
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_log_loss_test_matches_a_hand_computation() {
        // Per-lead losses of a minus b, their mean over the standard error (z = 0.26329...),
        // two-sided normal p-value: computed independently with Python's math module.
        let a = [0.8, 0.3, 0.6, 0.2, 0.9];
        let b = [0.6, 0.4, 0.5, 0.3, 0.7];
        let y = [true, false, true, false, false];
        let p = paired_log_loss_test(&a, &b, &y).unwrap();
        assert!((p - 0.7923229235757262).abs() < 1e-12, "{p}");
        assert_eq!(paired_log_loss_test(&a, &a, &y), None, "identical losses: nothing to test");
    }

    #[test]
    fn the_check_needs_both_counts_and_one_of_them_significant() {
        // The routed scores rank perfectly and the single ones at random: a real win.
        let y: Vec<bool> = (0..200).map(|i| i % 2 == 0).collect();
        let routed: Vec<f64> = y.iter().map(|&c| if c { 0.8 } else { 0.2 }).collect();
        let single: Vec<f64> = (0..200).map(|i| 0.4 + 0.2 * ((i * 37 % 200) as f64 / 200.0)).collect();
        let c = check(&single, &routed, &y).unwrap();
        assert!(c.beats && c.p_value.unwrap() < 1e-6, "{c:?}");
        // A hair more spread around the same ranking: the AUCs tie, so no win.
        let nudged: Vec<f64> = single.iter().map(|p| 0.5 + (p - 0.5) * 1.0001).collect();
        let c = check(&single, &nudged, &y).unwrap();
        assert!(!c.beats, "{c:?}");
        let (keep, why) = decide(&c, 2, true, 50);
        assert!(keep && why.contains("--keep-segments"), "{why}");
        let (keep, why) = decide(&c, 0, true, 50);
        assert!(!keep && why.contains("no segment has a usable model"), "{why}");
    }
}
