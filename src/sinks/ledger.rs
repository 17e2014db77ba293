//! The ledger sink: every lead of the run into the score ledger ([`crate::ledger`]), in the
//! run's one transaction. [`LedgerSink::begin`] takes the ledger's write lock and checks the
//! run key before a single lead is scored; batches stream in as they are scored; the
//! transaction commits as the run's last step, after the files are in place (if it fails, the
//! files are moved back), so a night is in the ledger and in its output file, or in neither.
//!
//! Context (ledger schema 3, [`crate::ledger::context`]): a run records the columns of its
//! scored file that reads without the file need ([`run_context`]: the `--keep-columns`
//! columns, and with rules [`RULES_CONTEXT`]), as the file shows them, and each lead's row in
//! the file.
//!
//! Also here, because it joins the ledger to the scoring job: [`previous_scores`], the stored
//! scores an `--incremental` run may reuse.

use std::cell::RefCell;
use std::rc::Rc;

use std::sync::Arc;

use super::file::round_points;
use crate::ledger::{Backend, LedgerError, NewReasons, NewRun, NewScore, RunContext, RunFinish, StoredScore};
use crate::rules::Breakdown;
use crate::score::reuse::ReasonNames;
use crate::score::{
    LeadIds, Prepared, Reuse, ScorePlan, ScoreSummary, ScoredBatch, Sink, SinkError, StoredLead, StoredLeads,
};
use crate::scorer::Probability;

/// Records a run into a ledger.
pub struct LedgerSink {
    backend: Rc<RefCell<Box<dyn Backend>>>,
    run_id: i64,
    leads: u64,
    /// The shadow run (`--shadow`) recorded beside this one, and its leads.
    shadow: Option<(i64, u64)>,
    /// The context columns recorded per lead.
    context: RunContext,
}

/// The rules' columns of the scored file a run records when it scored with rules (the
/// roll-up's buying groups read them).
pub const RULES_CONTEXT: [&str; 3] = ["persona", "stage", "engagement_score"];

/// The context a run of `plan` records: its `--keep-columns` (which hold the value, currency
/// and stage columns of `--value-column`), then with rules [`RULES_CONTEXT`];
/// `probability_decimals` as the scored file shows them.
pub fn run_context(plan: &ScorePlan, probability_decimals: u32) -> RunContext {
    let mut columns = plan.keep_columns.clone();
    if plan.rules.is_some() {
        columns.extend(RULES_CONTEXT.iter().map(|c| c.to_string()).filter(|c| !plan.keep_columns.contains(c)));
    }
    RunContext { columns, probability_decimals }
}

impl LedgerSink {
    /// Opens the run in the ledger (see [`Backend::begin`]): refused when the same night is
    /// recorded (unless `replace`) or another run holds the ledger.
    pub fn begin(backend: Box<dyn Backend>, run: &NewRun, replace: bool) -> Result<LedgerSink, LedgerError> {
        LedgerSink::begin_with_shadow(backend, run, None, replace)
    }

    /// [`LedgerSink::begin`], with a shadow run of the challenger's scores in the same
    /// transaction (both are recorded, or neither).
    pub fn begin_with_shadow(
        mut backend: Box<dyn Backend>,
        run: &NewRun,
        shadow: Option<&NewRun>,
        replace: bool,
    ) -> Result<LedgerSink, LedgerError> {
        let run_id = backend.begin(run, replace)?;
        let shadow = match shadow {
            Some(s) => Some((backend.begin_shadow(s, run_id, replace)?, 0)),
            None => None,
        };
        Ok(LedgerSink {
            backend: Rc::new(RefCell::new(backend)),
            run_id,
            leads: 0,
            shadow,
            context: run.context.clone(),
        })
    }

    /// The run id this sink records.
    pub fn run_id(&self) -> i64 {
        self.run_id
    }
}

fn sink_error(e: LedgerError) -> SinkError {
    match e {
        LedgerError::Database { ledger, message } => SinkError::Other { sink: format!("ledger {ledger}"), message },
        other => SinkError::Other { sink: "ledger".into(), message: other.to_string() },
    }
}

/// A rules column of the scored file, as it shows it (blank as none).
fn rules_value(b: &Breakdown, column: &str) -> Option<String> {
    let text = match column {
        "persona" => b.persona.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
        "stage" => b.stage.clone(),
        _ => round_points(b.engagement_score).to_string(),
    };
    (!text.is_empty()).then_some(text)
}

/// Lead `i`'s values of the recorded context columns.
fn context_of(batch: &ScoredBatch, context: &RunContext, i: usize) -> Vec<Option<String>> {
    context
        .columns
        .iter()
        .map(|c| match batch.context.iter().find(|(name, _)| name == c) {
            Some((_, values)) => values[i].clone(),
            None => batch.rules.as_ref().and_then(|r| rules_value(&r[i], c)),
        })
        .collect()
}

/// The ledger's rows for a batch, borrowed from it; `first` is the scored file's row of its
/// first lead. A lead that kept its stored score (`--incremental`) keeps its stored reasons
/// as they are.
fn rows_of<'a>(
    batch: &'a ScoredBatch,
    ledger: &str,
    context: &RunContext,
    first: u64,
) -> Result<Vec<NewScore<'a>>, LedgerError> {
    let LeadIds::Column { values, .. } = &batch.ids else {
        return Err(LedgerError::Database {
            ledger: ledger.to_string(),
            message: "the ledger tracks leads by id, but this run has no id column (leads are numbered by row): pass --id COLUMN".into(),
        });
    };
    let m = batch.model.as_ref();
    let stored = m.and_then(|m| m.stored_reasons.as_ref());
    let mut rows = Vec::with_capacity(batch.len());
    for (i, id) in values.iter().enumerate() {
        let lead_id = match id.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => v,
            _ => return Err(LedgerError::BlankId { ledger: ledger.to_string(), row: batch.rows[i] }),
        };
        let b = batch.rules.as_ref().map(|r| &r[i]);
        let reasons = match (stored.and_then(|s| s.text(i)), m.and_then(|m| m.reasons.get(i))) {
            (Some(text), _) => NewReasons::Encoded(text),
            (None, Some(rs)) if !rs.is_empty() => NewReasons::Pairs(
                rs.iter().map(|c| (c.column.as_str(), c.value.as_str(), c.pp.unwrap_or(c.effect))).collect(),
            ),
            _ => NewReasons::None,
        };
        rows.push(NewScore {
            lead_id,
            input_hash: batch.input_hashes.get(i).map(|&h| h as i64),
            probability: m.map(|m| m.probabilities[i].get()),
            percentile: m.map(|m| m.percentiles[i]),
            grade: m.map(|m| m.grades[i]),
            rule_score: b.map(|b| b.total),
            rule_grade: b.map(|b| b.grade.to_string()),
            status: b.map(|b| b.status.as_str()),
            reasons,
            position: (!context.is_empty()).then_some(first + i as u64),
            context: if context.is_empty() { Vec::new() } else { context_of(batch, context, i) },
        });
    }
    Ok(rows)
}

impl Sink for LedgerSink {
    fn name(&self) -> String {
        format!("ledger {} (run {})", self.backend.borrow().ledger(), self.run_id)
    }

    fn write(&mut self, batch: &ScoredBatch) -> Result<(), SinkError> {
        let ledger = self.backend.borrow().ledger();
        let rows = rows_of(batch, &ledger, &self.context, self.leads + 1).map_err(sink_error)?;
        self.backend.borrow_mut().append(self.run_id, &rows, &batch.rows).map_err(sink_error)?;
        self.leads += rows.len() as u64;
        if let (Some((shadow_id, n)), Some(s)) = (self.shadow.as_mut(), &batch.shadow) {
            let shadow_rows: Vec<NewScore> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| NewScore {
                    lead_id: r.lead_id,
                    input_hash: r.input_hash,
                    probability: Some(s.probabilities[i].get()),
                    percentile: Some(s.percentiles[i]),
                    grade: Some(s.grades[i]),
                    rule_score: None,
                    rule_grade: None,
                    status: None,
                    reasons: NewReasons::None,
                    position: None,
                    context: Vec::new(),
                })
                .collect();
            self.backend.borrow_mut().append(*shadow_id, &shadow_rows, &batch.rows).map_err(sink_error)?;
            *n += shadow_rows.len() as u64;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, summary: &ScoreSummary) -> Result<Prepared, SinkError> {
        let finish = RunFinish {
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            input_sha256: summary.input_sha256.clone(),
            leads: self.leads,
            rejects: summary.rejects as u64,
            reused: summary.reused as u64,
            summary: serde_json::to_string(summary).unwrap_or_default(),
        };
        let (backend, run_id, shadow) = (self.backend, self.run_id, self.shadow);
        Ok(Prepared {
            files: Vec::new(),
            commit: Some(Box::new(move || {
                let mut b = backend.borrow_mut();
                if let Some((shadow_id, leads)) = shadow {
                    let s = RunFinish { leads, reused: 0, ..finish.clone() };
                    b.finish_shadow(shadow_id, &s).map_err(sink_error)?;
                }
                b.commit(run_id, &finish).map_err(sink_error)
            })),
        })
    }
}

/// The scores an incremental run may reuse: those of the latest run recorded with the same
/// `settings` ([`crate::score::reuse_settings`]); `None` when there is no such run. Their
/// reasons stay encoded ([`crate::score::reuse::StoredReasons`]).
pub fn previous_scores(backend: &mut dyn Backend, settings: &str) -> Result<Option<Reuse>, LedgerError> {
    let start = std::time::Instant::now();
    let runs = backend.runs()?;
    let Some(run) = runs.iter().rev().find(|r| r.settings == settings) else { return Ok(None) };
    let names = Arc::new(ReasonNames::new(backend.reason_entries()?));
    // ~10 bytes of id and ~50 of reasons per lead with 3 each way; the buffer grows if not.
    // The run's lead count is only a hint (a hand-edited ledger may say anything), so at
    // most 16M leads (~1.8 GB) are reserved up front.
    let leads = usize::try_from(run.leads).unwrap_or(0).min(1 << 24);
    let mut store = StoredLeads::with_capacity(leads, leads * 64);
    backend.stored_scores(run.run_id, &mut |row: StoredScore| {
        let (Some(h), Some(p), Some(pct), Some(g)) = (row.input_hash, row.probability, row.percentile, row.grade)
        else {
            return;
        };
        let Some(probability) = Probability::new(p) else { return };
        let lead = StoredLead { input_hash: h as u64, probability, percentile: pct, grade: g };
        store.push(row.lead_id, lead, row.reasons.filter(|t| !t.is_empty()));
    })?;
    store.index();
    Ok(Some(Reuse {
        source: format!("run {} of {} ({})", run.run_id, backend.ledger(), run.as_of),
        leads: Arc::new(store),
        names,
        seconds: start.elapsed().as_secs_f64(),
    }))
}
