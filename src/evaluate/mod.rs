//! The application side of `evaluate` and `thresholds`: reading the labelled leads they work
//! on and scoring them with every scorer asked for. The maths is [`crate::evaluation`]'s.
//!
//! Flow: read the whole file as text ([`crate::data::load::read_table`]); read the outcome
//! column (the `--target` given, else the first bundle's target); score every row with each
//! model kind of each bundle ([`crate::scorer::KindScorer`]: routed by segment for a bundle with segment models) and each rules file ([`RulesPlan`], with the
//! activity log when given; points 0–100), all through the same [`Scorer`] trait; keep the labelled rows; optionally keep only the newest share by a
//! date column (time-ordered evaluation: the model is judged on leads newer than the ones
//! it could have learned from), or, with `heldout`, only the leads the bundle held out when
//! it was trained on this very file (checked by its SHA-256; the split is rebuilt with the
//! bundle's seed and method). The result, a [`ScoredSet`], is plain vectors.
//!
//! Honesty checks:
//! - With `heldout` and several bundles, every bundle's hold-out is rebuilt and they must be
//!   the very same leads; otherwise one bundle would be judged on leads it trained on and
//!   a comparison would declare a false winner ([`InputError::HeldoutDiffers`]).
//! - Without `heldout`, a bundle trained on this very file (same SHA-256) is scored on rows
//!   it learned from: its scorers carry a warning that the numbers are in-sample.
//! - A stratified hold-out is a random sample of the lead flow, not the whole flow of any
//!   period, so it cannot be combined with a date column (which `thresholds` uses for a
//!   per-period capacity: the cut-off would pass several times the capacity on the real flow);
//!   see [`InputError::HeldoutSampleNotFlow`]. A time-ordered hold-out is the full flow of
//!   its period and is accepted.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::accounts::value::{read_values, LeadValues, ValueError, ValueSpec};
use crate::bundle::{Bundle, BundleError, SignKey};
use crate::data::join::{JoinError, Joiner};
use crate::data::load::{read_table_hashed, LoadError};
use crate::data::typing::{day_numbers, read_dates, read_labels_with, LeadFrame, MissingTokens, TypingError};
use crate::evaluation::compare::ScorerScores;
use crate::evaluation::split::time_ordered_holdout;
use crate::evaluation::EvaluationMethod;
use crate::rules::{RulesError, RulesPlan};
use crate::scorer::{BundleScorer, ScoreError, Scorer};
use crate::unseen::{unseen_positions, UnseenCounts, UnseenError};

mod heldout;
use heldout::heldout_positions;

/// What to read and score.
#[derive(Debug, Clone, Default)]
pub struct InputPlan {
    /// Labelled leads.
    pub data: PathBuf,
    /// Outcome column (default: the first bundle's).
    pub target: Option<String>,
    /// Values meaning converted (default: the bundle's, or guessed).
    pub positive: Vec<String>,
    /// Values meaning dead; other values are skipped as still open (default: the bundle's).
    pub negative: Vec<String>,
    /// Model bundles.
    pub models: Vec<PathBuf>,
    /// Rules files.
    pub rules: Vec<PathBuf>,
    /// Activity log for the rules' engagement points.
    pub activities: Option<PathBuf>,
    /// Date the rules' activity decay is computed at.
    pub as_of: Option<NaiveDate>,
    /// Date column (for time-ordered evaluation or capacity periods).
    pub date_column: Option<String>,
    /// With a date column: keep only the newest share of labelled leads.
    pub newest_share: Option<f64>,
    /// Keep only the leads the (first) bundle held out when it was trained on this file.
    pub heldout: bool,
    /// Refuse bundles not signed with this key.
    pub sign_key: Option<SignKey>,
    /// Keep only the leads no bundle learned from ([`crate::unseen`]); with `Some(column)`,
    /// also only those created after every bundle's training window by that date column.
    pub unseen: Option<Option<String>>,
    /// Money calibration: the deal-value column (and currency) read for each evaluated lead.
    pub value: Option<ValueSpec>,
}

/// Errors while reading and scoring.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading the data failed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A bundle could not be loaded.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A column or value problem.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// A scorer failed.
    #[error("{scorer}: {source}")]
    Score {
        /// The scorer.
        scorer: String,
        /// The cause.
        #[source]
        source: Box<ScoreError>,
    },
    /// A joined table problem.
    #[error(transparent)]
    Join(#[from] JoinError),
    /// A value column problem.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// Bundles that join different tables.
    #[error("bundles {first} and {other} join different tables; evaluate them separately")]
    JoinsDiffer {
        /// The first bundle with joins.
        first: String,
        /// One that differs.
        other: String,
    },
    /// Nothing to evaluate.
    #[error("no scorer given; pass --model BUNDLE and/or --rules FILE")]
    NoScorer,
    /// The unseen filter failed.
    #[error(transparent)]
    Unseen(#[from] UnseenError),
    /// Every labelled lead was seen by a bundle.
    #[error("{path}: no labelled lead is one that neither bundle learned from ({why}); compare on leads that closed after both bundles were trained")]
    NoneUnseen {
        /// The data file.
        path: PathBuf,
        /// The counts.
        why: String,
    },
    /// The target cannot be known.
    #[error("{path}: no target column: pass --target COLUMN (no model bundle to take it from)")]
    NoTarget {
        /// The data file.
        path: PathBuf,
    },
    /// A rules file could not be loaded.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The evaluated leads are all of one outcome.
    #[error("{path}: the evaluated leads have {positives} converted and {negatives} dead; evaluation needs both (check --target / --positive{window})")]
    OneClass {
        /// The data file.
        path: PathBuf,
        /// Converted leads.
        positives: usize,
        /// Dead leads.
        negatives: usize,
        /// A hint about the time window, if one was applied.
        window: String,
    },
    /// `--heldout` without a bundle.
    #[error("--heldout needs --model: it keeps the leads a bundle held out from training")]
    HeldoutNeedsBundle,
    /// `--heldout` on another file than the bundle was trained on.
    #[error("{path}: --heldout needs the very file {bundle} was trained on ({trained_on}, sha256 {sha256}); this file differs")]
    HeldoutOtherData {
        /// The data file.
        path: PathBuf,
        /// The bundle.
        bundle: PathBuf,
        /// The file it was trained on.
        trained_on: String,
        /// Its checksum.
        sha256: String,
    },
    /// `--heldout` with a bundle whose model saw every row.
    #[error("{bundle}: trained with {detail}, so no lead was held out from the bundled model; evaluate on newer leads instead")]
    HeldoutNone {
        /// The bundle.
        bundle: PathBuf,
        /// Why.
        detail: String,
    },
    /// `--heldout` with bundles that held out different leads.
    #[error(transparent)]
    HeldoutDiffers(Box<HeldoutDiffers>),
    /// `--heldout` with a stratified hold-out and a date column (per-period capacity).
    #[error(transparent)]
    HeldoutSampleNotFlow(Box<HeldoutSampleNotFlow>),
    /// The data file could not be read for its checksum.
    #[error("{path}: cannot read the file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `--newest-share` out of range.
    #[error("--newest-share {share}: expected a share in (0, 1], e.g. 0.3")]
    Share {
        /// The share given.
        share: f64,
    },
}

/// `--heldout` with bundles that held out different leads: each would be judged partly on
/// leads it trained on.
#[derive(Debug, thiserror::Error)]
#[error("--heldout: {first} and {other} held out different leads from {data} ({first_how} vs {other_how}: {differ} of the {held} leads {first} held out were training rows of {other}, and {reverse} leads {other} held out were training rows of {first}), so the bundles cannot be judged on the same unseen leads; compare bundles trained with the same split settings (--seed, --holdout, --date-column), or evaluate them on leads newer than both without --heldout")]
pub struct HeldoutDiffers {
    /// The data file.
    pub data: PathBuf,
    /// The first bundle.
    pub first: PathBuf,
    /// The bundle whose hold-out differs.
    pub other: PathBuf,
    /// How the first bundle held out leads.
    pub first_how: String,
    /// How the other did.
    pub other_how: String,
    /// Held-out leads of the first bundle that the other trained on.
    pub differ: usize,
    /// Held-out leads of the other bundle that the first trained on.
    pub reverse: usize,
    /// Held-out leads of the first bundle.
    pub held: usize,
}

/// `--heldout` with a stratified hold-out and a date column: a per-period capacity would be
/// measured against a random sample of the lead flow.
#[derive(Debug, thiserror::Error)]
#[error("--heldout with --date-column {column}: {bundle} held out a random {share_pct:.0}% sample of {data} ({how}), not the whole lead flow of any period, so a per-period --capacity would be measured against {share_pct:.0}% of the leads that arrived and the cut-off would pass about {inflate:.0}x the capacity on the real flow; drop --date-column and give --capacity as the number of leads to work among these held-out leads, or train with --date-column so the hold-out is the newest leads (the whole flow of their period)")]
pub struct HeldoutSampleNotFlow {
    /// The data file.
    pub data: PathBuf,
    /// The bundle.
    pub bundle: PathBuf,
    /// The date column given.
    pub column: String,
    /// Held-out share, in percent.
    pub share_pct: f64,
    /// 1 / share.
    pub inflate: f64,
    /// How the bundle held out leads.
    pub how: String,
}

/// The time window evaluated, when a date column was given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeWindow {
    /// The date column.
    pub column: String,
    /// Share of labelled leads kept (the newest).
    pub share: f64,
    /// Earliest date kept.
    pub from: String,
    /// Latest date kept.
    pub to: String,
    /// Older labelled leads left out.
    pub older_left_out: usize,
}

/// Scores and outcomes of the evaluated leads.
#[derive(Debug, Clone)]
pub struct ScoredSet {
    /// The data file.
    pub data: PathBuf,
    /// Target column used.
    pub target: String,
    /// Outcome per evaluated lead.
    pub labels: Vec<bool>,
    /// Date per evaluated lead, when a date column was given (None = unparseable/blank).
    pub dates: Option<Vec<Option<NaiveDate>>>,
    /// Rows skipped because the outcome was blank.
    pub skipped_unlabelled: usize,
    /// The time window, for time-ordered evaluation.
    pub window: Option<TimeWindow>,
    /// With `--heldout`: how the bundle's hold-out was rebuilt, e.g. "stratified 20% hold-out, seed 42".
    pub heldout: Option<String>,
    /// One entry per scorer.
    pub scorers: Vec<ScorerScores>,
    /// Caveats about the whole set (also attached to the scorers they concern), e.g. that
    /// the leads include rows a bundle was trained on.
    pub warnings: Vec<String>,
    /// With [`InputPlan::unseen`]: how many leads each bundle had seen, left out.
    pub unseen: Option<UnseenCounts>,
    /// SHA-256 of the data file, from the read that scored it (`None` when not hashed).
    pub data_sha256: Option<String>,
    /// With a value column: each evaluated lead's value and currency.
    pub values: Option<LeadValues>,
    /// Checksums of the bundles that scored, in [`InputPlan::models`] order (empty for scores
    /// read from a ledger), so a caller that read a bundle before can tell it is the same.
    pub bundle_checksums: Vec<String>,
}

fn stem(p: &Path) -> String {
    p.file_stem().map_or_else(|| p.display().to_string(), |s| s.to_string_lossy().into_owned())
}

/// The labelled rows of the file: the target column, its missing tokens, and per labelled
/// row its index and outcome, with the number of rows skipped for a blank outcome.
struct Labelled {
    target: String,
    missing: MissingTokens,
    rows: Vec<usize>,
    y: Vec<bool>,
    skipped: usize,
}

/// Reads the outcome: the `--target` given, else the first bundle's; the values meaning
/// converted and dead as given, else the bundle's when it was trained on the same column.
fn labelled(plan: &InputPlan, frame: &LeadFrame, first: Option<&Bundle>) -> Result<Labelled, InputError> {
    let target = match (&plan.target, first) {
        (Some(t), _) => t.clone(),
        (None, Some(b)) => b.target.column.clone(),
        (None, None) => return Err(InputError::NoTarget { path: plan.data.clone() }),
    };
    let missing = first.map(|b| b.pipeline.missing.clone()).unwrap_or_default();
    let same_target = first.filter(|b| b.target.column == target);
    let or_bundle = |given: &Vec<String>, of_bundle: fn(&Bundle) -> &Vec<String>| {
        if given.is_empty() {
            same_target.map(|b| of_bundle(b).clone()).unwrap_or_default()
        } else {
            given.clone()
        }
    };
    let positive = or_bundle(&plan.positive, |b| &b.target.positive);
    let negative = or_bundle(&plan.negative, |b| &b.target.negative);
    let labels = match read_labels_with(frame, &target, &positive, &negative, &missing) {
        Ok(l) => l,
        Err(TypingError::OneClass { positives, negatives, values, .. }) => {
            return Err(InputError::OneClass {
                path: plan.data.clone(),
                positives,
                negatives,
                window: format!("; the values found are {values}"),
            })
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Labelled {
        rows: labels.rows.iter().map(|r| r.0).collect(),
        y: labels.rows.iter().map(|r| r.1).collect(),
        skipped: labels.skipped,
        target,
        missing,
    })
}

/// Per bundle, the in-sample warning when some of the leads are ones it learned from without
/// `--heldout`: counted through its training digest (format 1.3), else when the file is the
/// very file it was trained on.
fn in_sample_warnings(
    plan: &InputPlan,
    bundles: &[Bundle],
    data_sha: Option<&str>,
    frame: &LeadFrame,
    l: &Labelled,
) -> Vec<Option<String>> {
    bundles
        .iter()
        .zip(&plan.models)
        .map(|(b, path)| {
            if plan.heldout {
                return None;
            }
            let same_file = data_sha == Some(b.training.data_sha256.as_str());
            let what_to_do = match (same_file, &b.primary_entry().evaluation.method) {
                (true, EvaluationMethod::CrossValidation { .. }) => {
                    "it was refitted on every row after cross-validation, so evaluate it on leads newer than the bundle"
                }
                (true, _) => "pass --heldout to use only the leads it held out",
                (false, _) => "compare bundles with `leadscore models compare`, which evaluates only leads neither learned from",
            };
            if same_file {
                return Some(format!(
                    "these leads include the rows bundle {} was trained on ({} of them): in-sample numbers, better than it will do on new leads; {what_to_do}",
                    path.display(),
                    b.training.fit_rows
                ));
            }
            let seen = b.training.trained_leads.as_ref().and_then(|_| {
                unseen_positions(frame, &l.rows, &l.missing, &[(b, path.as_path())], None).ok().map(|(_, c)| c.seen_by_any)
            })?;
            (seen > 0).then(|| {
                format!(
                    "these leads include {seen} that bundle {} learned from (they were in its training file): in-sample numbers for those; {what_to_do}",
                    path.display()
                )
            })
        })
        .collect()
}

/// With a date column: the dates of the labelled rows and, with `--newest-share`, only the
/// newest share of them (the rows and outcomes of `l` are cut to it) and the window kept.
fn dated(
    plan: &InputPlan,
    frame: &LeadFrame,
    l: &mut Labelled,
    column: &str,
) -> Result<(Vec<Option<NaiveDate>>, Option<TimeWindow>), InputError> {
    let hint = "pass --date-column with a column of dates, e.g. created_date";
    let fix = "use YYYY-MM-DD (or leave blank when unknown)";
    let d = read_dates(frame, column, &l.rows, &l.missing, hint, fix)?;
    let Some(share) = plan.newest_share else { return Ok((d, None)) };
    let split = time_ordered_holdout(&day_numbers(&d), share);
    let kept: Vec<Option<NaiveDate>> = split.test.iter().map(|&i| d[i]).collect();
    let known = kept.iter().flatten();
    let from = known.clone().min().map_or("unknown".to_string(), |x| x.to_string());
    let to = known.max().map_or("unknown".to_string(), |x| x.to_string());
    let window = TimeWindow { column: column.to_string(), share, from, to, older_left_out: split.train.len() };
    l.rows = split.test.iter().map(|&i| l.rows[i]).collect();
    l.y = split.test.iter().map(|&i| l.y[i]).collect();
    Ok((kept, Some(window)))
}

/// Reads, scores and filters; see the module docs.
pub fn load_scored(plan: &InputPlan) -> Result<ScoredSet, InputError> {
    if plan.models.is_empty() && plan.rules.is_empty() {
        return Err(InputError::NoScorer);
    }
    if let Some(share) = plan.newest_share {
        if !(share > 0.0 && share <= 1.0) {
            return Err(InputError::Share { share });
        }
    }
    let bundles: Vec<Bundle> =
        plan.models.iter().map(|p| Bundle::load_verified(p, plan.sign_key.as_ref())).collect::<Result<_, _>>()?;
    let as_of = plan.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let rules: Vec<RulesPlan> = plan
        .rules
        .iter()
        .map(|p| RulesPlan::load(p, plan.activities.as_deref(), as_of, None))
        .collect::<Result<_, _>>()?;
    // One read gives the rows and the SHA-256 (to rebuild hold-outs and to spot in-sample
    // evaluation), so a pipe works.
    let (df, sha) = read_table_hashed(&plan.data)?;
    // The first bundle with joins joins its recorded tables (every bundle must join the same).
    let (df, join_warnings) = join_tables(plan, &bundles, df)?;
    let frame = LeadFrame { df: &df, path: &plan.data, first_row: 1 };
    let mut l = labelled(plan, &frame, bundles.first())?;
    let data_sha = (!bundles.is_empty()).then(|| sha.clone());
    let heldout = if plan.heldout {
        let (test, how) = heldout_positions(plan, &bundles, data_sha.as_deref().unwrap_or_default(), &frame, &l)?;
        l.rows = test.iter().map(|&i| l.rows[i]).collect();
        l.y = test.iter().map(|&i| l.y[i]).collect();
        Some(how)
    } else {
        None
    };
    let unseen = match &plan.unseen {
        Some(date_column) => {
            let pairs: Vec<(&Bundle, &Path)> =
                bundles.iter().zip(&plan.models).map(|(b, p)| (b, p.as_path())).collect();
            let (keep, counts) = unseen_positions(&frame, &l.rows, &l.missing, &pairs, date_column.as_deref())?;
            if keep.is_empty() {
                return Err(InputError::NoneUnseen { path: plan.data.clone(), why: counts.describe().join("; ") });
            }
            l.rows = keep.iter().map(|&k| l.rows[k]).collect();
            l.y = keep.iter().map(|&k| l.y[k]).collect();
            Some(counts)
        }
        None => None,
    };
    let in_sample = if unseen.is_some() {
        vec![None; bundles.len()]
    } else {
        in_sample_warnings(plan, &bundles, data_sha.as_deref(), &frame, &l)
    };
    let (dates, window) = match &plan.date_column {
        Some(col) => {
            let (d, w) = dated(plan, &frame, &mut l, col)?;
            (Some(d), w)
        }
        None => (None, None),
    };
    let positives = l.y.iter().filter(|&&v| v).count();
    if positives == 0 || positives == l.y.len() {
        return Err(InputError::OneClass {
            path: plan.data.clone(),
            positives,
            negatives: l.y.len() - positives,
            window: window.as_ref().map_or(String::new(), |w| {
                format!("; only the newest {:.0}% by \"{}\" were kept: raise --newest-share", 100.0 * w.share, w.column)
            }),
        });
    }
    let scorers = score_every(plan, &frame, &l.rows, &bundles, &rules, &in_sample)?;
    let values = match &plan.value {
        Some(spec) => {
            let all = read_values(&frame, spec)?;
            Some(LeadValues {
                column: all.column.clone(),
                values: l.rows.iter().map(|&i| all.values[i]).collect(),
                currencies: l.rows.iter().map(|&i| all.currencies[i].clone()).collect(),
                stages: Vec::new(),
            })
        }
        None => None,
    };
    Ok(ScoredSet {
        data: plan.data.clone(),
        target: l.target,
        labels: l.y,
        dates,
        skipped_unlabelled: l.skipped,
        window,
        heldout,
        scorers,
        warnings: join_warnings.into_iter().chain(in_sample.into_iter().flatten()).collect(),
        unseen,
        values,
        data_sha256: Some(sha),
        bundle_checksums: bundles.iter().map(|b| b.checksum.clone()).collect(),
    })
}

/// The leads with the bundles' joined tables (from their recorded paths), and the joins'
/// warnings. Bundles that join different tables cannot be evaluated on one set of columns.
fn join_tables(
    plan: &InputPlan,
    bundles: &[Bundle],
    df: polars::prelude::DataFrame,
) -> Result<(polars::prelude::DataFrame, Vec<String>), InputError> {
    let Some(first) = bundles.iter().find(|b| !b.joins.is_empty()) else { return Ok((df, Vec::new())) };
    let specs = first.joins.iter().map(|r| &r.spec);
    if let Some(other) = bundles.iter().find(|b| b.joins.iter().map(|r| &r.spec).ne(specs.clone())) {
        return Err(InputError::JoinsDiffer { first: first.name.clone(), other: other.name.clone() });
    }
    let Some((mut joiner, mut warnings)) = Joiner::load_recorded(&first.joins)? else { return Ok((df, Vec::new())) };
    let df = joiner.apply(df, &plan.data, 1)?;
    warnings.extend(joiner.reports().iter().flat_map(|r| r.warnings()));
    Ok((df, warnings))
}

/// Every row scored by every model of every bundle and every rules file, all through the
/// [`Scorer`] trait; the evaluated `rows` kept.
fn score_every(
    plan: &InputPlan,
    frame: &LeadFrame,
    rows: &[usize],
    bundles: &[Bundle],
    rules: &[RulesPlan],
    in_sample: &[Option<String>],
) -> Result<Vec<ScorerScores>, InputError> {
    let mut scorers = Vec::new();
    let mut push = |name: String, source: String, s: &dyn Scorer, warnings: Vec<String>| -> Result<(), InputError> {
        let scored = s
            .score(frame, false)
            .map_err(|source| InputError::Score { scorer: name.clone(), source: Box::new(source) })?;
        let scores = rows.iter().map(|&r| scored.scores[r]).collect();
        scorers.push(ScorerScores { name, source, kind: s.kind(), scores, warnings });
        Ok(())
    };
    let many = bundles.len() > 1;
    for ((b, path), warning) in bundles.iter().zip(&plan.models).zip(in_sample) {
        for scorer in BundleScorer::new(b).models() {
            let name = if many { format!("{}:{}", stem(path), scorer.name()) } else { scorer.name().to_string() };
            push(name, path.display().to_string(), &scorer, warning.iter().cloned().collect())?;
        }
    }
    for (r, path) in rules.iter().zip(&plan.rules) {
        let name = if plan.rules.len() > 1 { format!("rules:{}", stem(path)) } else { "rules".to_string() };
        push(name, path.display().to_string(), &r.scorer(), Vec::new())?;
    }
    Ok(scorers)
}
