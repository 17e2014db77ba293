//! The nightly batch: score every lead of a file with a bundle, a rules file or both, in
//! bounded memory, and hand each scored batch to the run's sinks.
//!
//! Data flows one way, each room entered once: read a batch ([`BatchReader`]) → every
//! scorer of the run through the one trait ([`Scorer`]: the bundle's [`BundleScorer`], which
//! encodes the batch once for all its models, and the rules' scorer) → one typed
//! [`ScoredBatch`] (ids, probabilities, percentiles, grades, chosen reasons as structured
//! contributions, every model's probabilities, rule breakdowns, the model id, context
//! columns) → every [`Sink`] of the run (the file of [`crate::sinks::FileSink`]; a ledger is
//! another). Formatting happens in the sink that needs it. The run commits every sink's
//! output together or none ([`batch::commit_all`]).
//!
//! `percentile` is the lead's position in the bundle's reference distribution
//! ([`crate::bundle::ScoreReference`]: the primary model's probabilities on history it did
//! not train on), so the file is read once and a lead gets the same percentile every night,
//! scored alone or with millions of others. A within-run rank is opt-in
//! ([`ScorePlan::rank_in_run`]); bundles without a reference (before format 1.1) rank within
//! the run too, with a note. A within-run rank needs a first pass over the file (one `f64`
//! per lead), so it refuses a pipe, which cannot be read twice.
//!
//! Reasons: with [`ScorePlan::reasons`] 0 nothing is explained (no TreeSHAP at all); with
//! [`ScorePlan::reasons_for`] only the leads of those grades are. A "(missing)" value is
//! never a reason for a column that was never missing in training (counted in the summary).
//!
//! Ids: the id column under its own name (the bundle's, else the rules file's `[score] id`, or
//! `--id`); without one, or, with a warning, when the file lacks the bundle's, leads are
//! numbered by their 1-based data row. An id column named with `--id` must exist.
//!
//! With a rules file ([`crate::rules`]) the activity log is aggregated once, before the
//! batches, into one entry per lead; without a bundle only the rules run.

pub mod availability;
pub mod batch;
mod error;
mod explain;
mod input;
mod money;
pub mod rejects;
pub mod reuse;
pub use error::ScoreRunError;
pub mod shadow;
pub mod stored;
pub mod summary;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;

pub use batch::{LeadIds, ModelScores, Money, Prepared, ScoredBatch, Sink, SinkError};
pub use reuse::{reuse_settings, Reuse};
pub use stored::{StoredLead, StoredLeads};
pub use summary::{RulesSummary, ScoreSummary};

use input::{context_columns, id_source, input_hashes, lead_ids, open_rows};

use crate::accounts::value::ValueSpec;
use crate::bundle::segments::{Route, Segmentation};
use crate::bundle::{Bundle, Grade, GradeCuts, ScoreReference, SignKey};
use crate::data::join::{specs_for, JoinSpec, Joiner};
use crate::data::load::{BatchReader, ReadOptions};
use crate::data::read_ahead::ReadAhead;
use crate::data::typing::LeadFrame;
use crate::rules::RulesPlan;
use crate::scorer::{BundleScorer, Probability, ScoreError, Scorer};

/// Contributions smaller than this (in log-odds) are never offered as reasons.
pub const MIN_REASON_EFFECT: f64 = 0.005;

/// The rules part of a scoring job.
#[derive(Debug, Clone)]
pub struct RulesInput {
    /// The rules file.
    pub file: PathBuf,
    /// The activity log, if any.
    pub activities: Option<PathBuf>,
    /// Date recency is measured from.
    pub as_of: NaiveDate,
}

/// Everything `score` needs, checked by [`ScorePlan::new`].
#[derive(Debug, Clone)]
pub struct ScorePlan {
    /// The bundle (optional when rules are given).
    pub model: Option<PathBuf>,
    /// Rules to score with beside (or instead of) the model.
    pub rules: Option<RulesInput>,
    /// Id column overriding the bundle's and the rules file's.
    pub id: Option<String>,
    /// Leads to score.
    pub data: PathBuf,
    /// Rows per batch (at least 1).
    batch_rows: usize,
    /// Reasons each way per lead.
    pub reasons: usize,
    /// Grade cut-offs overriding the bundle's.
    pub grades: Option<GradeCuts>,
    /// Explain only the leads of these grades (empty: every lead).
    pub reasons_for: Vec<Grade>,
    /// Rank leads within this run instead of against the bundle's reference.
    pub rank_in_run: bool,
    /// Columns of the input passed through to the output (account, owner, stage, ...).
    pub keep_columns: Vec<String>,
    /// When the file carries the bundle's target column, score only the rows without an
    /// outcome (open leads).
    pub open_only: bool,
    /// Hash each lead's model inputs ([`ScoredBatch::input_hashes`]) and the input file
    /// ([`ScoreSummary::input_sha256`]), for a ledger.
    pub hash_inputs: bool,
    /// Incremental: stored scores to reuse for leads whose inputs are unchanged.
    pub reuse: Option<Reuse>,
    /// Refuse a bundle not signed with this key.
    pub sign_key: Option<SignKey>,
    /// A challenger bundle scoring the same leads beside the model ([`shadow`]).
    pub shadow: Option<PathBuf>,
    /// Rows that fail typing set aside before the run fails (0: the first fails it).
    pub max_bad_rows: usize,
    /// Where the set-aside rows are written (CSV: file, row, column, value, reason).
    pub rejects: Option<PathBuf>,
    /// Tables replacing the bundle's recorded joined tables of the same file name
    /// (`--join FILE`); the others are read from their recorded paths.
    pub join_tables: Vec<PathBuf>,
    /// Expected value: the value column and how it is read ([`crate::accounts::value`]).
    pub value: Option<ValueSpec>,
    /// The model and shadow bundles once read ([`ScorePlan::load_bundles`]).
    loaded: Option<(Option<Bundle>, Option<Bundle>)>,
}

impl ScorePlan {
    /// Reads the model bundle (checked with `sign_key`) and the shadow bundle, once: the run
    /// scores with these very bundles. A caller that needs them before scoring (a ledger
    /// records the model id) reads them here, so what it records is what scored even if a
    /// file is replaced in between.
    pub fn load_bundles(&mut self) -> Result<(Option<&Bundle>, Option<&Bundle>), ScoreRunError> {
        if self.loaded.is_none() {
            let model = self.model.as_deref().map(|p| Bundle::load_verified(p, self.sign_key.as_ref())).transpose()?;
            let shadow = self.shadow.as_deref().map(Bundle::load).transpose()?;
            self.loaded = Some((model, shadow));
        }
        let (model, shadow) = self.loaded.as_ref().expect("just loaded");
        Ok((model.as_ref(), shadow.as_ref()))
    }

    /// A plan scoring `data` with a bundle and/or rules; `batch_rows` must be at least 1.
    pub fn new(
        data: PathBuf,
        model: Option<PathBuf>,
        rules: Option<RulesInput>,
        batch_rows: usize,
    ) -> Result<ScorePlan, ScoreRunError> {
        if model.is_none() && rules.is_none() {
            return Err(ScoreRunError::NothingToScore);
        }
        if batch_rows == 0 {
            return Err(ScoreRunError::BatchRows);
        }
        Ok(ScorePlan {
            model,
            rules,
            id: None,
            data,
            batch_rows,
            reasons: 3,
            grades: None,
            reasons_for: Vec::new(),
            rank_in_run: false,
            keep_columns: Vec::new(),
            open_only: false,
            hash_inputs: false,
            reuse: None,
            sign_key: None,
            shadow: None,
            max_bad_rows: 0,
            rejects: None,
            join_tables: Vec::new(),
            value: None,
            loaded: None,
        })
    }

    /// Rows per batch.
    pub fn batch_rows(&self) -> usize {
        self.batch_rows
    }
}

/// The loaded parts of a run.
struct Run {
    bundle: Option<Bundle>,
    rules: Option<RulesPlan>,
    grades: Option<GradeCuts>,
    id_column: Option<String>,
    /// The bundle's joins, each table at its recorded path or `--join`'s.
    join_specs: Vec<JoinSpec>,
}

impl Run {
    fn load(plan: &ScorePlan) -> Result<Run, ScoreRunError> {
        let bundle = match &plan.loaded {
            Some((model, _)) => model.clone(),
            None => plan.model.as_deref().map(|p| Bundle::load_verified(p, plan.sign_key.as_ref())).transpose()?,
        };
        let rules = match &plan.rules {
            Some(r) => Some(RulesPlan::load(&r.file, r.activities.as_deref(), r.as_of, plan.id.clone())?),
            None => None,
        };
        let grades = bundle.as_ref().map(|b| plan.grades.clone().unwrap_or_else(|| b.grades.clone()));
        let id_column = plan
            .id
            .clone()
            .or_else(|| bundle.as_ref().and_then(|b| b.id_column.clone()))
            .or_else(|| rules.as_ref().and_then(|r| r.rules.id.clone()));
        let join_specs = match &bundle {
            Some(b) => specs_for(&b.joins, &plan.join_tables)?,
            None if !plan.join_tables.is_empty() => specs_for(&[], &plan.join_tables)?,
            None => Vec::new(),
        };
        Ok(Run { bundle, rules, grades, id_column, join_specs })
    }
}

/// How `percentile` is computed.
enum Ranking {
    /// Against the bundle's reference distributions: the global one first, then each routed
    /// segment's (its leads rank among the segment's held-out leads).
    Reference(Vec<ScoreReference>),
    /// Within this run: every lead's primary probability, sorted.
    InRun(Vec<f64>),
}

impl Ranking {
    /// The percentile of probability `p` for a lead on `route`.
    fn percentile(&self, p: f64, route: Route) -> f64 {
        match self {
            Ranking::Reference(r) => r[route.map_or(0, |k| k + 1)].percentile(p),
            Ranking::InRun(all) => 100.0 * all.partition_point(|x| *x <= p) as f64 / all.len().max(1) as f64,
        }
    }
}

/// Seconds spent per stage.
#[derive(Default)]
struct Clock(BTreeMap<String, f64>);

impl Clock {
    fn time<T>(&mut self, stage: &str, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = f();
        *self.0.entry(stage.to_string()).or_default() += started.elapsed().as_secs_f64();
        out
    }
}

/// Runs a scoring job into `sinks`, committing their outputs together when every batch was
/// scored and written. `tick(pass, rows_so_far)` reports progress (pass 1 only for a
/// within-run rank).
pub fn score(
    plan: &ScorePlan,
    sinks: Vec<Box<dyn Sink>>,
    tick: &mut dyn FnMut(u8, usize),
) -> Result<ScoreSummary, ScoreRunError> {
    let run = Run::load(plan)?;
    let bundle_scorer = run.bundle.as_ref().map(BundleScorer::new);
    let shadow = match (&plan.shadow, plan.loaded.as_ref().and_then(|l| l.1.clone())) {
        (Some(p), Some(b)) => Some(shadow::Shadow::new(p, b, run.bundle.as_ref())?),
        (Some(p), None) => Some(shadow::Shadow::new(p, Bundle::load(p)?, run.bundle.as_ref())?),
        (None, _) => None,
    };
    let shadow_scorer = shadow.as_ref().map(|s| BundleScorer::new(&s.bundle));
    let rules_scorer = run.rules.as_ref().map(|r| r.scorer());
    let mut clock = Clock(plan.reuse.iter().map(|r| ("ledger_read".to_string(), r.seconds)).collect());
    let mut summary = summary::new_summary(plan, run.bundle.as_ref(), run.rules.as_ref(), &sinks);
    summary.shadow = shadow.as_ref().map(shadow::Shadow::summary);
    reuse::check(plan, run.bundle.as_ref())?;
    let options = ReadOptions { sha256: plan.hash_inputs, ..ReadOptions::default() };
    let mut joiner = clock.time("join", || money::joiner(&run.join_specs, run.bundle.as_ref(), &mut summary))?;
    let reader = clock.time("read", || BatchReader::open_with(&plan.data, plan.batch_rows, &options))?;
    let ranking = match (&bundle_scorer, &run.bundle) {
        (Some(s), Some(_)) => Some(ranking(plan, &run, s, &reader, &mut summary, tick)?),
        _ => None,
    };
    let mut pipeline = money::pipeline(plan, run.bundle.as_ref())?;
    let mut sinks = sinks;
    let mut availability = run.bundle.as_ref().map(availability::Availability::new);
    let (mut sum_p, mut sum_rules) = (0.0, 0.0);
    let mut seen = 0usize;
    let scorers = Scorers {
        run: &run,
        bundle: bundle_scorer.as_ref(),
        rules: rules_scorer.as_ref().map(|r| r as &dyn Scorer),
        shadow: shadow.as_ref().zip(shadow_scorer.as_ref()),
        ranking: ranking.as_ref(),
    };
    let mut rejects = rejects::Rejects::new(plan.max_bad_rows);
    let mut reader = ReadAhead::new(reader);
    while let Some(whole) = clock.time("read", || reader.next_batch())? {
        let whole = clock.time("join", || money::joined(joiner.as_mut(), whole, &plan.data, seen + 1))?;
        let first = seen + 1;
        seen += whole.height();
        // A row that fails typing is set aside (up to --max-bad-rows) and the rows around it
        // are scored as their own segments, in file order, with their own row numbers.
        let mut segments = vec![(0usize, whole.height())];
        while let Some((start, len)) = segments.pop() {
            let df = whole.slice(start as i64, len);
            let frame = LeadFrame { df: &df, path: &plan.data, first_row: first + start };
            // What a failed segment counted is undone; only worth keeping when rows may be set aside.
            let before = (plan.max_bad_rows > 0).then(|| (summary.clone(), sum_rules));
            let mut batch = match score_frame(plan, &scorers, &frame, &mut summary, &mut sum_rules, &mut clock) {
                Ok(b) => b,
                Err(e) => {
                    let k = rejects.take(e, &plan.data, frame.first_row..frame.first_row + len)? - frame.first_row;
                    if let Some(b) = before {
                        (summary, sum_rules) = b;
                    }
                    segments.push((start + k + 1, len - k - 1));
                    segments.push((start, k));
                    continue;
                }
            };
            let open = open_rows(plan, run.bundle.as_ref(), &frame, &mut summary)?;
            if let Some(a) = availability.as_mut() {
                a.count(&frame, open.as_deref());
            }
            if let Some(open) = open {
                summary.closed_rows_skipped += open.iter().filter(|&&o| !o).count();
                batch = batch.retain(&open);
            }
            sum_p += summary::count_grades(&mut summary, &batch);
            money::add(pipeline.as_mut(), &batch);
            clock.time("write", || sinks.iter_mut().try_for_each(|sink| sink.write(&batch)))?;
            summary.leads += batch.len();
        }
        summary.batches += 1;
        tick(2, seen);
    }
    if seen == 0 {
        return Err(ScoreRunError::Empty { path: plan.data.clone() });
    }
    summary.warnings.extend(availability.iter().flat_map(|a| a.warnings()));
    summary.missing_rate_moved = availability.iter().flat_map(|a| a.moved()).collect();
    money::finish(&mut summary, joiner.as_ref(), pipeline, run.rules.is_some());
    let rejects_file = rejects.finish(plan.rejects.as_deref(), &mut summary)?;
    summary::means(&mut summary, sum_p, sum_rules, seen);
    summary.input_sha256 = reader.finish().and_then(|r| r.sha256().map(str::to_string));
    summary.seconds = clock.0.clone();
    clock.time("commit", || -> Result<(), ScoreRunError> {
        let mut prepared = sinks.into_iter().map(|s| s.finish(&summary)).collect::<Result<Vec<_>, _>>()?;
        prepared.extend(rejects_file.map(|f| Prepared { files: vec![f], commit: None }));
        Ok(batch::commit_all(prepared)?)
    })?;
    summary.seconds = clock.0;
    Ok(summary)
}

/// The scorers of a run.
struct Scorers<'a> {
    run: &'a Run,
    bundle: Option<&'a BundleScorer<'a>>,
    rules: Option<&'a dyn Scorer>,
    shadow: Option<(&'a shadow::Shadow, &'a BundleScorer<'a>)>,
    ranking: Option<&'a Ranking>,
}

/// One frame of leads through every scorer of the run.
fn score_frame(
    plan: &ScorePlan,
    s: &Scorers,
    frame: &LeadFrame,
    summary: &mut ScoreSummary,
    sum_rules: &mut f64,
    clock: &mut Clock,
) -> Result<ScoredBatch, ScoreRunError> {
    let values = money::values(plan, frame)?;
    let mut batch = new_batch(plan, s.run, frame, summary, clock)?;
    if let Some((sh, scorer)) = s.shadow {
        batch.shadow = Some(clock.time("shadow", || sh.scores(scorer, frame))?);
    }
    if let (Some(scorer), Some(bundle), Some(grades), Some(ranking)) =
        (s.bundle, &s.run.bundle, &s.run.grades, s.ranking)
    {
        let mut m = match &plan.reuse {
            Some(r) => reuse::incremental(plan, bundle, scorer, grades, ranking, frame, r, &batch, summary, clock)?,
            None => model_scores(plan, bundle, scorer, grades, ranking, frame, summary, clock)?,
        };
        if let Some(seg) = bundle.routing() {
            m.segments = segment_names(seg, &bundle.pipeline.missing, frame, summary)?;
        }
        batch.model = Some(m);
    }
    if let Some(rs) = s.rules {
        batch.rules = Some(rules_part(rs, frame, summary, sum_rules, clock)?);
    }
    batch.money = money::of_batch(values, &batch);
    Ok(batch)
}

/// Each lead's segment model by name (a reused lead's too: its inputs, segment included, are
/// unchanged), counting values training never saw into the summary.
fn segment_names(
    seg: &Segmentation,
    missing: &crate::data::typing::MissingTokens,
    frame: &LeadFrame,
    summary: &mut ScoreSummary,
) -> Result<Vec<String>, ScoreRunError> {
    let text = frame.text(&seg.column, "the bundle routes leads by this column")?;
    let mut names = Vec::with_capacity(text.len());
    for v in text.iter() {
        let v = missing.clean(v);
        let route = v.and_then(|v| seg.index_of(v));
        if let Some(v) = v.filter(|v| route.is_none() && !seg.known(v)) {
            let unseen = &mut summary.unseen_segments;
            let key = if unseen.contains_key(v) || unseen.len() < summary::MAX_UNSEEN_SEGMENTS {
                v
            } else {
                "(other values)"
            };
            *unseen.entry(key.to_string()).or_default() += 1;
        }
        names.push(seg.route_name(route).to_string());
    }
    Ok(names)
}

/// A batch's leads (rows, ids, context columns, input hashes) before any scorer ran.
fn new_batch(
    plan: &ScorePlan,
    run: &Run,
    frame: &LeadFrame,
    summary: &mut ScoreSummary,
    clock: &mut Clock,
) -> Result<ScoredBatch, ScoreRunError> {
    let df = frame.df;
    Ok(ScoredBatch {
        rows: (frame.first_row..frame.first_row + df.height()).map(|r| r as u64).collect(),
        ids: lead_ids(df, plan, run.id_column.as_deref(), summary)?,
        context: context_columns(frame, plan)?,
        input_hashes: match run.bundle.as_ref().filter(|_| plan.hash_inputs) {
            Some(b) => clock.time("hash", || input_hashes(frame, &b.pipeline.input_names())),
            None => Vec::new(),
        },
        model: None,
        rules: None,
        shadow: None,
        money: None,
        scored_at: summary.scored_at.clone(),
    })
}

/// The rules' breakdown of a batch, counted into the summary.
fn rules_part(
    rs: &dyn Scorer,
    frame: &LeadFrame,
    summary: &mut ScoreSummary,
    sum_rules: &mut f64,
    clock: &mut Clock,
) -> Result<Vec<crate::rules::Breakdown>, ScoreRunError> {
    let breakdowns = clock.time("score", || rs.score(frame, false))?.breakdowns;
    if let Some(r) = summary.rules.as_mut() {
        for b in &breakdowns {
            *r.status.entry(b.status.to_string()).or_default() += 1;
            *r.grades.entry(b.grade.to_string()).or_default() += 1;
            *sum_rules += b.total;
        }
    }
    Ok(breakdowns)
}

/// How this run ranks leads: the bundle's reference, unless a within-run rank is asked for
/// or the bundle has none (then a first pass over the file, which a pipe cannot give).
fn ranking(
    plan: &ScorePlan,
    run: &Run,
    scorer: &BundleScorer,
    reader: &BatchReader,
    summary: &mut ScoreSummary,
    tick: &mut dyn FnMut(u8, usize),
) -> Result<Ranking, ScoreRunError> {
    let bundle = run.bundle.as_ref().expect("ranking is asked for with a bundle");
    if let (Some(r), false) = (&bundle.reference, plan.rank_in_run) {
        summary.percentiles = format!("against the bundle's reference: its {} {} leads", r.leads, r.source);
        let mut refs = vec![r.clone()];
        if let Some(s) = bundle.routing() {
            refs.extend(s.segments.iter().map(|g| g.reference.clone().unwrap_or_else(|| r.clone())));
            summary.percentiles.push_str("; a segment model's leads against their segment's held-out leads");
        }
        return Ok(Ranking::Reference(refs));
    }
    let why = if plan.rank_in_run {
        "--rank-in-run".to_string()
    } else {
        format!("the bundle {} has no reference distribution (saved before format 1.1), so ranking", bundle.name)
    };
    if !reader.is_rewindable() {
        let hint = if plan.rank_in_run { "" } else { ", or retrain the bundle for stable percentiles" };
        return Err(ScoreRunError::TwoPassesOnPipe { path: plan.data.clone(), why, hint: hint.to_string() });
    }
    if !plan.rank_in_run {
        summary.warnings.push(format!(
            "{}: no reference distribution (trained before format 1.1): percentiles rank leads within this run (two passes over the file) and change from night to night; retrain for stable percentiles",
            plan.model.as_ref().map(|m| m.display().to_string()).unwrap_or_default()
        ));
    }
    summary.percentiles = "within this run".to_string();
    Ok(Ranking::InRun(run_distribution(plan, run, &scorer.primary(), tick)?))
}

/// Pass 1 (within-run rank only): the primary model's probability of every lead of the
/// file, sorted.
fn run_distribution(
    plan: &ScorePlan,
    run: &Run,
    primary: &dyn Scorer,
    tick: &mut dyn FnMut(u8, usize),
) -> Result<Vec<f64>, ScoreRunError> {
    let id_column = run.id_column.as_deref();
    let mut all = Vec::new();
    let mut reader = BatchReader::open(&plan.data, plan.batch_rows)?;
    // This pass's own joiner: its counts are not the run's (pass 2 counts every lead).
    let mut joiner = (!run.join_specs.is_empty()).then(|| Joiner::load(&run.join_specs)).transpose()?;
    while let Some(df) = reader.next_batch()? {
        let df = match joiner.as_mut() {
            Some(j) => j.apply(df, &plan.data, all.len() + 1)?,
            None => df,
        };
        if all.is_empty() {
            // Fail on a wrong --id before a whole pass over the file.
            id_source(&df, plan, id_column)?;
        }
        let frame = LeadFrame { df: &df, path: &plan.data, first_row: all.len() + 1 };
        all.extend(primary.score(&frame, false)?.scores);
        tick(1, all.len());
    }
    if all.is_empty() {
        return Err(ScoreRunError::Empty { path: plan.data.clone() });
    }
    all.sort_by(|a, b| a.total_cmp(b));
    Ok(all)
}

/// The bundle's part of a batch: probabilities of every model, percentiles and grades, then
/// reasons for the leads to explain (all, or those of `plan.reasons_for`).
#[allow(clippy::too_many_arguments)]
fn model_scores(
    plan: &ScorePlan,
    bundle: &Bundle,
    scorer: &BundleScorer,
    grades: &GradeCuts,
    ranking: &Ranking,
    frame: &LeadFrame,
    summary: &mut ScoreSummary,
    clock: &mut Clock,
) -> Result<ModelScores, ScoreRunError> {
    // Explaining every lead: one call scores and explains (timed as `explain`); otherwise the
    // scores first, then reasons for the chosen grades only.
    let explain_all = plan.reasons > 0 && plan.reasons_for.is_empty();
    let mut scored = clock.time(if explain_all { "explain" } else { "score" }, || scorer.score(frame, explain_all))?;
    let all_contributions = std::mem::take(&mut scored.contributions);
    for (col, levels) in &scored.unseen {
        *summary.unseen_categories.entry(col.clone()).or_default() += levels.count;
        summary.unseen_values.entry(col.clone()).or_default().merge(levels);
    }
    let probabilities = scored
        .scores
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            Probability::new(p).ok_or_else(|| ScoreError::NotAProbability {
                model: bundle.primary.to_string(),
                row: frame.first_row + i,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let route = |i: usize| scored.routes.get(i).copied().flatten();
    let percentiles = scored.scores.iter().enumerate().map(|(i, &p)| ranking.percentile(p, route(i))).collect();
    // Configured cut-offs (`--grade-cuts`) hold for every lead; else each route's own.
    let cuts = |i: usize| if plan.grades.is_some() { grades } else { bundle.grades_for(route(i)) };
    let lead_grades: Vec<Grade> = scored.scores.iter().enumerate().map(|(i, &p)| cuts(i).grade(p)).collect();

    let reasons = clock
        .time("explain", || explain::explain(plan, bundle, scorer, frame, &lead_grades, all_contributions, summary))?;
    Ok(ModelScores {
        model_id: short_id(&bundle.checksum),
        primary: bundle.primary.to_string(),
        probabilities,
        percentiles,
        grades: lead_grades,
        reasons,
        by_model: scored.components,
        segments: Vec::new(),
        stored_reasons: None,
    })
}

/// The bundle's short id: the first 12 hex digits of its checksum.
pub fn short_id(checksum: &str) -> String {
    checksum.chars().take(12).collect()
}
