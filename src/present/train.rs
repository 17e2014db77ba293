//! Plain-text reports printed by `train`: the leakage table, held-out metrics with the
//! decile lift table, the strongest model terms, and the grade cut-offs, then warnings:
//! the ones `train` found (a model that learned nothing) and grade cut-offs that collapse.

use super::text::render_deciles;
use crate::bundle::{Bundle, GradeCuts};
use crate::evaluation::{Evaluation, EvaluationMethod, Signal};
use crate::leakage::{evidence, ColumnCheck, Verdict};
use crate::models::FittedModel;

/// Columns in the order the guard's table shows them: stop, then review, then the highest
/// single-column AUCs.
fn guard_order(checks: &[ColumnCheck]) -> Vec<&ColumnCheck> {
    let mut rows: Vec<&ColumnCheck> = checks.iter().collect();
    rows.sort_by(|a, b| b.verdict().cmp(&a.verdict()).then(b.auc.total_cmp(&a.auc)));
    rows
}

/// The leakage guard's table: stopped and reviewed columns first, then the highest
/// single-column AUCs; each with its alone AUC, IV, share of the screening model's gain, verdict
/// and the kinds of evidence that fired.
pub fn leakage_table(checks: &[ColumnCheck], limit: usize) -> String {
    let rows = guard_order(checks);
    let mut s =
        String::from("  column                                    alone AUC     IV    gain  verdict  evidence\n");
    for c in rows.iter().take(limit) {
        let mut kinds: Vec<String> = Vec::new();
        for f in &c.reasons {
            let k = format!("{} ({})", evidence(&f.reason), f.level.as_str());
            if !kinds.iter().any(|x| x.starts_with(evidence(&f.reason))) {
                kinds.push(k);
            }
        }
        let name: String = c.column.chars().take(40).collect();
        let gain = c.gain_share.map(|g| format!("{:.1}%", 100.0 * g)).unwrap_or_else(|| "-".into());
        s.push_str(&format!(
            "  {:<40} {:>10.3} {:>6.2} {:>7}  {:<7}  {}\n",
            name,
            c.auc,
            c.iv,
            gain,
            c.verdict().as_str(),
            kinds.join(", ")
        ));
    }
    if rows.len() > limit {
        s.push_str(&format!("  ... {} more columns\n", rows.len() - limit));
    }
    s
}

/// Each stopped or reviewed column with every signal that fired and what to do.
pub fn leakage_details(checks: &[ColumnCheck]) -> String {
    let mut s = String::new();
    for c in guard_order(checks).into_iter().filter(|c| c.verdict() != Verdict::Ok) {
        s.push_str(&format!("  {} \"{}\":\n", c.verdict().as_str(), c.column));
        for f in &c.reasons {
            s.push_str(&format!("    {:<6}  {}: {}\n", f.level.as_str(), evidence(&f.reason), f.reason.describe()));
        }
        let id_like = c.reasons.iter().any(|f| evidence(&f.reason) == "identity");
        let todo = if id_like && c.reasons.len() == 1 {
            format!(
                "an identifier is never a feature: --types \"{0}=id\" (data.types) or --exclude \"{0}\" (data.exclude)",
                c.column
            )
        } else if c.verdict() == Verdict::Stop {
            format!(
                "--exclude \"{0}\" (or list it in data.exclude) if it is filled in during or after contact; --keep \"{0}\" (data.keep) if it is known when a lead arrives",
                c.column
            )
        } else {
            format!(
                "check when \"{0}\" is filled in; if during or after contact, --exclude \"{0}\" (data.exclude); training goes on",
                c.column
            )
        };
        s.push_str(&format!("    what to do: {todo}\n"));
    }
    s
}

/// What `train` prints when the guard stops it: the verdicts, every signal that fired and what
/// to do, then the table of every column.
pub fn guard_stop_report(flagged: &[ColumnCheck], checks: &[ColumnCheck]) -> String {
    let review = checks.iter().filter(|c| c.verdict() == Verdict::Review).count();
    let mut s = format!(
        "leakage guard: {} column(s) stop training, {review} to review (stop = one strong or two medium signals of different kinds):\n",
        flagged.len()
    );
    let shown: Vec<ColumnCheck> = checks
        .iter()
        .filter(|c| c.verdict() == Verdict::Review || flagged.iter().any(|f| f.column == c.column))
        .cloned()
        .collect();
    s.push_str(&leakage_details(&shown));
    s.push_str("\nevery column (alone AUC and IV out of fold, share of a screening model's split gain):\n");
    s.push_str(&leakage_table(checks, 15));
    s
}

/// Warns when grade cut-offs coincide, which leaves a grade empty: with A == B == C every
/// lead is A or D. `None` when the cut-offs are distinct.
pub fn grade_collapse_warning(g: &GradeCuts) -> Option<String> {
    let empty: Vec<&str> =
        [(g.a == g.b, "B"), (g.b == g.c, "C")].iter().filter(|(eq, _)| *eq).map(|(_, n)| *n).collect();
    if empty.is_empty() {
        return None;
    }
    let what = if empty.len() == 2 {
        format!("A, B and C all start at {:.3}, so grades B and C are empty: a lead is A (>= {:.3}) or D", g.a, g.a)
    } else if empty[0] == "B" {
        format!("A and B both start at {:.3}, so grade B is empty", g.a)
    } else {
        format!("B and C both start at {:.3}, so grade C is empty", g.b)
    };
    Some(format!(
        "grade cut-offs collapse: {what} ({}); the probabilities take too few distinct values for four grades: fix the model, or set grades.a, grades.b and grades.c in the config",
        g.source
    ))
}

/// The full training report; `notes` (what training decided about the data) follow the
/// feature line. Its warnings are [`train_warnings`], printed apart (stderr).
pub fn train_report(b: &Bundle, notes: &[String]) -> String {
    let t = &b.training;
    let mut s = format!(
        "trained \"{}\" on {} ({} rows; {} labelled, {} without outcome skipped; {} converted = {:.1}%)\n",
        b.name,
        t.data_file,
        t.rows_in_file,
        t.labelled_rows,
        t.skipped_unlabelled,
        t.conversions,
        100.0 * t.conversions as f64 / t.labelled_rows.max(1) as f64
    );
    let kinds = b.schema.iter().fold(std::collections::BTreeMap::new(), |mut m, c| {
        *m.entry(c.kind.as_str()).or_insert(0) += 1;
        m
    });
    s.push_str(&format!(
        "features: {} input columns ({}), {} model columns\n",
        b.pipeline.columns.len(),
        kinds.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", "),
        b.pipeline.design.len()
    ));
    for n in notes {
        s.push_str(&format!("{n}\n"));
    }
    s.push_str("\nleakage guard (alone AUC and IV out of fold, share of a screening model's split gain, verdict):\n");
    s.push_str(&leakage_table(&b.leakage, 12));
    s.push_str(&leakage_details(&b.leakage));
    for e in &b.models {
        s.push('\n');
        s.push_str(&e.evaluation.render(e.model.name()));
        if let FittedModel::Logistic(m) = &e.model {
            let mut terms: Vec<(f64, String)> =
                m.coefficients.iter().zip(&b.pipeline.design).map(|(w, d)| (*w, b.pipeline.design_name(d))).collect();
            terms.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
            s.push_str("  strongest terms (log-odds per standard deviation of a number, per category present):\n");
            for (w, n) in terms.iter().take(10) {
                s.push_str(&format!("    {w:+.3}  {n}\n"));
            }
        }
        if let FittedModel::Gbm(m) = &e.model {
            s.push_str(&gbm_choices(m));
            let total: f64 = m.importance.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let mut imp: Vec<(f64, &str)> =
                m.importance.iter().zip(&b.pipeline.columns).map(|(g, c)| (*g / total, c.name.as_str())).collect();
            imp.sort_by(|a, b| b.0.total_cmp(&a.0));
            s.push_str("  feature importance (share of split gain):\n");
            for (g, n) in imp.iter().take(10) {
                s.push_str(&format!("    {:>5.1}%  {n}\n", 100.0 * g));
            }
        }
    }
    if b.models.len() > 1 {
        s.push_str(&format!("\nprimary model (reported as `probability`): {}\n", b.primary));
    }
    let g = &b.grades;
    s.push_str(&format!("\ngrades: A >= {:.3}, B >= {:.3}, C >= {:.3}, else D ({})\n", g.a, g.b, g.c, g.source));
    s.push_str(&super::segments::segments_report(b));
    s
}

/// How the boosted trees' number of trees and calibrator were chosen, one line each.
pub fn gbm_choices(m: &crate::models::gbm::GbmScorerModel) -> String {
    let c = &m.calibration;
    let Some(t) = &m.tree_choice else {
        let fmt = |v: Option<f64>| v.map(|b| format!("{b:.4}")).unwrap_or_else(|| "-".into());
        return format!(
            "  {} trees kept (early stopping{}); calibration: {} (inner hold-out Brier: raw {:.4}, Platt {}, isotonic {})\n",
            m.trees.num_trees(),
            m.trees.best_iteration().map(|b| format!(" chose {b}")).unwrap_or_else(|| " off or not triggered".into()),
            c.chosen,
            c.uncalibrated_brier,
            fmt(c.platt_brier),
            fmt(c.isotonic_brier)
        );
    };
    let how = if m.settings.engine.early_stopping_rounds.is_some_and(|r| r > 0) {
        format!(
            "chosen by {}-fold cross-validated early stopping on the training rows (mean validation log loss {:.4}; the folds' own bests {})",
            t.folds,
            t.cv_log_loss,
            t.fold_best.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ")
        )
    } else {
        "as configured (early stopping off)".to_string()
    };
    let mut s = String::new();
    if t.trials.len() > 1 {
        let won = &t.trials[t.chosen_trial.min(t.trials.len() - 1)];
        let first = &t.trials[0];
        let vs = if t.chosen_trial == 0 {
            "the configured settings won".to_string()
        } else {
            format!("configured {}: {:.4}", first.describe(), first.cv_log_loss)
        };
        s.push_str(&format!(
            "  search: {} settings tried on the same {} folds (time budget {} s); chosen {} (CV log loss {:.4}; {vs})\n",
            t.trials.len(),
            t.folds,
            t.time_budget,
            won.describe(),
            won.cv_log_loss
        ));
    } else if t.time_budget > 0.0 {
        s.push_str(&format!(
            "  search: none (time budget {} s covers {}-fold cross-validation of the configured settings only)\n",
            t.time_budget, t.folds
        ));
    }
    s.push_str(&format!("  trees: {} {how}, refitted on all {} training rows\n", t.chosen, t.refit_rows));
    let name = |m: &str| match m {
        "platt" => "Platt".to_string(),
        other => other.to_string(),
    };
    let others: Vec<String> = c
        .candidates
        .iter()
        .filter(|k| k.method != c.chosen)
        .map(|k| format!("{} {:.4} / {:.4}", name(&k.method), k.log_loss, k.brier))
        .collect();
    let mine = c.candidates.iter().find(|k| k.method == c.chosen);
    let why = if c.chosen == "none" {
        "no calibrator lowers both"
    } else {
        "lowest log loss of those that lower both against none"
    };
    s.push_str(&format!(
        "  calibration: {} ({}-fold CV log loss / Brier on out-of-fold probabilities: {}{}; {why})\n",
        name(&c.chosen),
        c.folds,
        mine.map(|k| format!("{:.4} / {:.4} vs ", k.log_loss, k.brier)).unwrap_or_default(),
        others.join(", ")
    ));
    s
}

/// The warnings of a training run, for stderr: columns the leakage guard flagged that were
/// kept, training's own (`warnings`), and collapsed grade cut-offs.
pub fn train_warnings(b: &Bundle, warnings: &[String]) -> Vec<String> {
    let kept = &b.training.kept_flagged_columns;
    let kept = (!kept.is_empty()).then(|| format!("kept columns the leakage guard flagged: {}", kept.join(", ")));
    kept.into_iter().chain(warnings.iter().cloned()).chain(grade_collapse_warning(&b.grades)).collect()
}

impl Evaluation {
    /// A plain-text report: headline metrics and the decile lift table.
    pub fn render(&self, model: &str) -> String {
        let how = match &self.method {
            EvaluationMethod::Holdout { share } => format!("stratified hold-out, {:.0}% of history", share * 100.0),
            EvaluationMethod::TimeOrdered { share, column } => {
                format!("time-ordered hold-out: newest {:.0}% by \"{column}\"", share * 100.0)
            }
            EvaluationMethod::CrossValidation { folds, fold_auc } => {
                let mean = fold_auc.iter().sum::<f64>() / fold_auc.len() as f64;
                let sd = (fold_auc.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / fold_auc.len() as f64).sqrt();
                format!("{folds}-fold cross-validation (fold AUC {mean:.4} ± {sd:.4})")
            }
        };
        let ci = self.auc_ci.map(|[lo, hi]| format!(" (95% interval {lo:.4}–{hi:.4})")).unwrap_or_default();
        let mut s = format!(
            "{model}: {how}; {} leads, {} converted ({:.1}%)\n  AUC {:.4}{ci}   PR-AUC {:.4}   log loss {:.4}   Brier {:.4}\n",
            self.rows,
            self.conversions,
            100.0 * self.conversions as f64 / self.rows.max(1) as f64,
            self.auc,
            self.pr_auc,
            self.log_loss,
            self.brier
        );
        if let Some(b) = &self.base_rate {
            let verdict = match self.signal() {
                Signal::Weak(why) => format!("no usable signal: {}", why.join("; ")),
                _ => "beats it".to_string(),
            };
            s.push_str(&format!(
                "  predicting the base rate ({:.1}%) for every lead: log loss {:.4}, Brier {:.4}; {verdict}\n",
                100.0 * b.rate,
                b.log_loss,
                b.brier
            ));
        }
        s.push_str(&render_deciles(&self.deciles));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cuts(a: f64, b: f64, c: f64) -> GradeCuts {
        GradeCuts { a, b, c, source: "hold-out quantiles".into() }
    }

    #[test]
    fn collapsed_grade_cuts_are_reported() {
        assert_eq!(grade_collapse_warning(&cuts(0.6, 0.4, 0.2)), None);
        let all = grade_collapse_warning(&cuts(0.206, 0.206, 0.206)).unwrap();
        assert!(all.starts_with("grade cut-offs collapse: A, B and C all start at 0.206"), "{all}");
        assert!(all.contains("a lead is A (>= 0.206) or D"), "{all}");
        assert!(grade_collapse_warning(&cuts(0.5, 0.5, 0.2)).unwrap().contains("grade B is empty"));
        assert!(grade_collapse_warning(&cuts(0.5, 0.3, 0.3)).unwrap().contains("grade C is empty"));
    }
}
