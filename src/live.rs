//! As-scored evaluation: when outcomes arrive, judge each lead by the score it had *when it
//! was scored*, not by what a model says about it today. The honest production (and pilot)
//! metric: the model cannot have learned from outcomes that did not exist yet.
//!
//! For each labelled lead of the outcomes file, the ledger's runs are walked oldest first and
//! the lead keeps the score of its last run on or before its outcome date (with an outcome
//! date column), else of its last run. The model's probability and the rules' points become
//! two scorers ("model as scored", "rules as scored") for the usual comparison
//! ([`crate::evaluation::compare`]). Leads the ledger never scored, and leads scored only
//! after their outcome, are counted and left out.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::data::load::{read_table_hashed, LoadError};
use crate::data::typing::{read_dates, read_labels_with, Labels, LeadFrame, MissingTokens, TypingError};
use crate::evaluate::ScoredSet;
use crate::evaluation::compare::ScoreKind;
use crate::evaluation::compare::ScorerScores;
use crate::ledger::{Backend, LedgerError, RunRecord};

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct LivePlan {
    /// The outcomes file.
    pub data: PathBuf,
    /// Its lead id column.
    pub id: String,
    /// Its outcome column.
    pub target: String,
    /// Values meaning converted (empty: guessed as `evaluate` does).
    pub positive: Vec<String>,
    /// Values meaning dead (empty: every other value).
    pub negative: Vec<String>,
    /// A column with the date of each outcome.
    pub outcome_date: Option<String>,
}

/// What the join found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LiveCounts {
    /// Labelled leads in the outcomes file.
    pub labelled: usize,
    /// Of them, evaluated.
    pub evaluated: usize,
    /// Never scored in the ledger.
    pub not_in_ledger: usize,
    /// Scored only after their outcome date.
    pub scored_only_after: usize,
    /// Runs read.
    pub runs: usize,
    /// Evaluated leads with a rule score.
    pub with_rule_score: usize,
    /// Left out because a compared bundle learned from them (its training digest).
    pub trained_on: usize,
}

/// Errors.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// Reading.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Values.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// Ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Nothing to judge.
    #[error("{path}: none of its {labelled} labelled leads has a score in the ledger from before its outcome ({not_in_ledger} never scored, {after} scored only after); check --id and --ledger")]
    NoneScored {
        /// The outcomes file.
        path: PathBuf,
        /// Labelled leads.
        labelled: usize,
        /// Never scored.
        not_in_ledger: usize,
        /// Scored after.
        after: usize,
    },
    /// One outcome only.
    #[error("{path}: the {n} leads with a score are all {what}: no comparison is possible")]
    OneClass {
        /// The outcomes file.
        path: PathBuf,
        /// Leads.
        n: usize,
        /// Converted or dead.
        what: &'static str,
    },
}

/// As-scored values per wanted lead.
struct Walked {
    /// The model's probability from the last run on or before the lead's outcome date.
    model: Vec<Option<f64>>,
    /// The rule score from the same runs.
    rules: Vec<Option<f64>>,
    /// Whether a run after the outcome date scored the lead.
    later: Vec<bool>,
}

/// Walks `runs` (oldest first) for the wanted leads.
fn walk(
    backend: &mut dyn Backend,
    runs: &[RunRecord],
    wanted: &HashMap<String, (usize, Option<NaiveDate>)>,
    n: usize,
) -> Result<Walked, LiveError> {
    let mut w = Walked { model: vec![None; n], rules: vec![None; n], later: vec![false; n] };
    for run in runs {
        let as_of = NaiveDate::parse_from_str(&run.as_of, "%Y-%m-%d").ok();
        backend.scores(run.run_id, &mut |r| {
            let Some(&(k, outcome)) = wanted.get(&r.lead_id) else { return };
            if let (Some(o), Some(a)) = (outcome, as_of) {
                if a > o {
                    w.later[k] = true;
                    return;
                }
            }
            w.model[k] = r.probability.or(w.model[k]);
            w.rules[k] = r.rule_score.or(w.rules[k]);
        })?;
    }
    Ok(w)
}

/// Per labelled lead: its as-scored probability and rule score over the nightly runs, whether
/// a later run scored it, and the runs read.
#[allow(clippy::type_complexity)]
fn walk_runs(
    backend: &mut dyn Backend,
    wanted: &HashMap<String, (usize, Option<NaiveDate>)>,
    n: usize,
) -> Result<(Vec<Option<f64>>, Vec<Option<f64>>, Vec<bool>, usize), LiveError> {
    let runs = backend.runs()?;
    let w = walk(backend, &runs, wanted, n)?;
    Ok((w.model, w.rules, w.later, runs.len()))
}

/// The labelled leads of the outcomes file, and by lead id its labelled position and outcome date.
#[allow(clippy::type_complexity)]
fn wanted_leads(plan: &LivePlan) -> Result<(Labels, HashMap<String, (usize, Option<NaiveDate>)>, String), LiveError> {
    let (df, sha) = read_table_hashed(&plan.data)?;
    let frame = LeadFrame { df: &df, path: &plan.data, first_row: 1 };
    let missing = MissingTokens::default();
    let labels = read_labels_with(&frame, &plan.target, &plan.positive, &plan.negative, &missing)?;
    let ids = frame.text(&plan.id, "pass --id with the outcomes file's lead id column")?;
    let dates: Option<Vec<Option<NaiveDate>>> = match &plan.outcome_date {
        Some(c) => {
            let all: Vec<usize> = (0..df.height()).collect();
            Some(read_dates(
                &frame,
                c,
                &all,
                &missing,
                "pass --outcome-date-column with the outcomes file's date column",
                "fix the date (YYYY-MM-DD) or blank it",
            )?)
        }
        None => None,
    };
    // Lead id -> (labelled position, outcome date).
    let mut wanted: HashMap<String, (usize, Option<NaiveDate>)> = HashMap::new();
    for (k, &(row, _)) in labels.rows.iter().enumerate() {
        if let Some(id) = ids.get(row).map(str::trim).filter(|s| !s.is_empty()) {
            wanted.insert(id.to_string(), (k, dates.as_ref().and_then(|d| d[row])));
        }
    }
    Ok((labels, wanted, sha))
}

/// The labelled positions with a score (`scored`), counting the others that `counted` admits
/// as scored only after their outcome (`later`) or never; an error when none is left or
/// those left are all of one outcome.
fn evaluable(
    plan: &LivePlan,
    labels: &Labels,
    scored: &dyn Fn(usize) -> bool,
    later: &dyn Fn(usize) -> bool,
    counted: &dyn Fn(usize) -> bool,
    counts: &mut LiveCounts,
) -> Result<Vec<usize>, LiveError> {
    let n = labels.rows.len();
    let keep: Vec<usize> = (0..n).filter(|&k| scored(k)).collect();
    for k in (0..n).filter(|&k| !scored(k) && counted(k)) {
        if later(k) {
            counts.scored_only_after += 1;
        } else {
            counts.not_in_ledger += 1;
        }
    }
    counts.evaluated = keep.len();
    if keep.is_empty() {
        return Err(LiveError::NoneScored {
            path: plan.data.clone(),
            labelled: counts.labelled,
            not_in_ledger: counts.not_in_ledger,
            after: counts.scored_only_after,
        });
    }
    let positives = keep.iter().filter(|&&k| labels.rows[k].1).count();
    if positives == 0 || positives == keep.len() {
        let what = if positives == 0 { "dead" } else { "converted" };
        return Err(LiveError::OneClass { path: plan.data.clone(), n: keep.len(), what });
    }
    Ok(keep)
}

/// Each labelled lead of `plan.data` with its as-scored model probability and rule score.
pub fn load_as_scored(backend: &mut dyn Backend, plan: &LivePlan) -> Result<(ScoredSet, LiveCounts), LiveError> {
    let (labels, wanted, _) = wanted_leads(plan)?;
    let (model, rules, seen_later, runs) = walk_runs(backend, &wanted, labels.rows.len())?;
    let mut counts = LiveCounts { labelled: labels.rows.len(), runs, ..LiveCounts::default() };
    let scored = |k: usize| model[k].is_some() || rules[k].is_some();
    let keep = evaluable(plan, &labels, &scored, &|k| seen_later[k], &|_| true, &mut counts)?;
    let mut scorers = Vec::new();
    // A scorer needs a score for every evaluated lead: a lead scored by rules only (or by the
    // model only) is left out of that scorer's comparison by keeping the leads both have.
    let both: Vec<usize> = keep.iter().copied().filter(|&k| model[k].is_some() && rules[k].is_some()).collect();
    let (chosen, with_rules) =
        if both.len() == keep.len() || both.is_empty() { (keep.clone(), !both.is_empty()) } else { (both, true) };
    counts.with_rule_score = if with_rules { chosen.len() } else { 0 };
    let labels_out: Vec<bool> = chosen.iter().map(|&k| labels.rows[k].1).collect();
    if chosen.iter().all(|&k| model[k].is_some()) {
        scorers.push(ScorerScores {
            name: "model as scored".into(),
            source: backend.ledger(),
            kind: ScoreKind::Probability,
            scores: chosen.iter().map(|&k| model[k].unwrap_or(0.0)).collect(),
            warnings: Vec::new(),
        });
    }
    if with_rules {
        scorers.push(ScorerScores {
            name: "rules as scored".into(),
            source: backend.ledger(),
            kind: ScoreKind::Points,
            scores: chosen.iter().map(|&k| rules[k].unwrap_or(0.0)).collect(),
            warnings: Vec::new(),
        });
    }
    counts.evaluated = chosen.len();
    Ok((
        ScoredSet {
            data: plan.data.clone(),
            target: plan.target.clone(),
            labels: labels_out,
            dates: None,
            skipped_unlabelled: labels.skipped,
            window: None,
            heldout: None,
            scorers,
            warnings: Vec::new(),
            unseen: None,
            data_sha256: None,
            values: None,
            bundle_checksums: Vec::new(),
        },
        counts,
    ))
}

/// Champion and shadowed challenger as scored: the champion's probabilities from the
/// ledger's runs of model `champion` and the challenger's from its shadow runs (`score
/// --shadow`) of model `challenger`, on the labelled leads both scored before their outcome.
/// Returns the outcomes, the two probability lists in the same order, the counts, and the
/// SHA-256 of the outcomes file (from the same read).
#[allow(clippy::type_complexity)]
pub fn load_shadow_pair(
    backend: &mut dyn Backend,
    plan: &LivePlan,
    champion: &str,
    challenger: &str,
    learned_from: &dyn Fn(&str) -> bool,
) -> Result<(Vec<bool>, Vec<f64>, Vec<f64>, LiveCounts, String), LiveError> {
    let (labels, mut wanted, sha) = wanted_leads(plan)?;
    let before = wanted.len();
    wanted.retain(|id, _| !learned_from(id));
    let trained_on = before - wanted.len();
    let n = labels.rows.len();
    let primary: Vec<RunRecord> =
        backend.runs()?.into_iter().filter(|r| r.model_id.as_deref() == Some(champion)).collect();
    let shadow: Vec<RunRecord> =
        backend.shadow_runs()?.into_iter().filter(|r| r.model_id.as_deref() == Some(challenger)).collect();
    let Walked { model: a, later: later_a, .. } = walk(backend, &primary, &wanted, n)?;
    let Walked { model: b, later: later_b, .. } = walk(backend, &shadow, &wanted, n)?;
    let mut counts =
        LiveCounts { labelled: n, runs: primary.len() + shadow.len(), trained_on, ..LiveCounts::default() };
    // Leads a bundle learned from were taken out of `wanted`: counted there, not as unscored.
    let listed: std::collections::HashSet<usize> = wanted.values().map(|w| w.0).collect();
    let scored = |k: usize| a[k].is_some() && b[k].is_some();
    let later = |k: usize| later_a[k] || later_b[k];
    let keep = evaluable(plan, &labels, &scored, &later, &|k| listed.contains(&k), &mut counts)?;
    let y: Vec<bool> = keep.iter().map(|&k| labels.rows[k].1).collect();
    let pick = |v: &[Option<f64>]| keep.iter().map(|&k| v[k].unwrap_or(0.0)).collect();
    Ok((y, pick(&a), pick(&b), counts, sha))
}
