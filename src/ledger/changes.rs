//! What changed between two runs of a ledger: leads whose probability moved by at least a
//! number of percentage points, whose grade or rule status changed (lead → MQL → SQL
//! hand-offs), new leads and leads that disappeared, each with the reasons that moved most.
//!
//! "Why changed" compares the two runs' stored top reasons column by column: for each column
//! that is a top reason in either run, its push in percentage points then and now (a column
//! outside a run's top reasons counts as 0 there, and is marked "not a top reason"), largest
//! move first. It is the difference of the explanations the leads were given, not a new
//! explanation of the difference.

use serde::Serialize;

use super::{ScoreKey, ScoreRow, StoredReason};

/// Which changes to report.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeOptions {
    /// Report a probability move of at least this many percentage points (`None`: not).
    pub min_jump: Option<f64>,
    /// Report grade changes.
    pub grades: bool,
    /// Report rule status changes.
    pub status: bool,
    /// Report new leads and leads that disappeared.
    pub new_and_gone: bool,
    /// Reasons in "why changed".
    pub why: usize,
}

impl Default for ChangeOptions {
    fn default() -> Self {
        ChangeOptions { min_jump: Some(5.0), grades: true, status: true, new_and_gone: true, why: 3 }
    }
}

/// One kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// In the later run only.
    New,
    /// In the earlier run only.
    Gone,
    /// Probability moved up by at least the threshold.
    Up,
    /// Probability moved down by at least the threshold.
    Down,
    /// Grade changed.
    Grade,
    /// Rule status changed.
    Status,
}

impl ChangeKind {
    /// `new`, `gone`, `up`, `down`, `grade`, `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::Gone => "gone",
            ChangeKind::Up => "up",
            ChangeKind::Down => "down",
            ChangeKind::Grade => "grade",
            ChangeKind::Status => "status",
        }
    }
}

/// One lead's change between the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The lead.
    pub lead_id: String,
    /// What changed (one or more).
    pub kinds: Vec<ChangeKind>,
    /// Its score in the earlier run.
    pub from: Option<ScoreRow>,
    /// Its score in the later run.
    pub to: Option<ScoreRow>,
    /// The reasons that moved most: (column, value then, value now, pp then, pp now).
    pub why: Vec<ReasonMove>,
}

impl Change {
    /// The probability's move in percentage points (when both runs have one).
    pub fn delta_pp(&self) -> Option<f64> {
        match (self.from.as_ref()?.probability, self.to.as_ref()?.probability) {
            (Some(a), Some(b)) => Some(100.0 * (b - a)),
            _ => None,
        }
    }
}

/// How one column's reason moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonMove {
    /// The column.
    pub column: String,
    /// Its value in the earlier run's reasons (`None`: not a top reason then).
    pub value_from: Option<String>,
    /// Its value in the later run's reasons (`None`: not a top reason now).
    pub value_to: Option<String>,
    /// Its push then, pp (0 when not a top reason).
    pub pp_from: f64,
    /// Its push now, pp.
    pub pp_to: f64,
}

/// Counts of a diff.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChangeCounts {
    /// Leads in the earlier run.
    pub leads_from: u64,
    /// Leads in the later run.
    pub leads_to: u64,
    /// Leads reported.
    pub reported: u64,
    /// Per kind.
    pub by_kind: std::collections::BTreeMap<String, u64>,
}

/// Counts a reported change.
fn tally(counts: &mut ChangeCounts, change: &Change) {
    counts.reported += 1;
    for k in &change.kinds {
        *counts.by_kind.entry(k.as_str().to_string()).or_default() += 1;
    }
}

/// Diffs two whole runs held in memory (any order), as [`changes_between`] does for runs in
/// a ledger; for tests and small ledgers.
pub fn diff_runs(from: Vec<ScoreRow>, to: Vec<ScoreRow>, options: &ChangeOptions) -> (Vec<Change>, ChangeCounts) {
    let mut counts =
        ChangeCounts { leads_from: from.len() as u64, leads_to: to.len() as u64, ..ChangeCounts::default() };
    let mut later: std::collections::HashMap<String, ScoreRow> =
        to.into_iter().map(|r| (r.lead_id.clone(), r)).collect();
    let mut pairs: Vec<(Option<ScoreRow>, Option<ScoreRow>)> = Vec::new();
    for a in from {
        let b = later.remove(&a.lead_id);
        pairs.push((Some(a), b));
    }
    pairs.extend(later.into_values().map(|b| (None, Some(b))));
    let mut changes: Vec<Change> = pairs.into_iter().filter_map(|(a, b)| compare(a, b, options)).collect();
    changes.iter().for_each(|c| tally(&mut counts, c));
    changes.sort_by(|x, y| x.lead_id.as_bytes().cmp(y.lead_id.as_bytes()));
    (changes, counts)
}

/// The changes between two runs of a ledger, in lead id order: the database streams the two
/// runs side by side (memory stays flat however many leads they hold), the probabilities,
/// grades and statuses decide which leads are reported ([`reported`]), and only those leads'
/// rows are read whole and their reasons decoded.
pub fn changes_between(
    backend: &mut dyn super::Backend,
    from: i64,
    to: i64,
    options: &ChangeOptions,
) -> Result<(Vec<Change>, ChangeCounts), super::LedgerError> {
    let mut picked: Vec<(Option<super::RawScore>, Option<super::RawScore>)> = Vec::new();
    let (leads_from, leads_to) = backend.score_pairs(from, to, options, &mut |a, b| picked.push((a, b)))?;
    let mut counts = ChangeCounts { leads_from, leads_to, ..ChangeCounts::default() };
    let mut changes = Vec::with_capacity(picked.len());
    for (a, b) in picked {
        let a = a.map(|r| backend.decode(r)).transpose()?;
        let b = b.map(|r| backend.decode(r)).transpose()?;
        if let Some(c) = compare(a, b, options) {
            tally(&mut counts, &c);
            changes.push(c);
        }
    }
    changes.sort_by(|x, y| x.lead_id.as_bytes().cmp(y.lead_id.as_bytes()));
    Ok((changes, counts))
}

/// What changed of one lead between the runs, among the kinds the options report (empty: the
/// lead is not reported). Reads only the compared fields, so a backend can decide on the
/// database's row before reading the rest of it.
pub fn reported(from: Option<ScoreKey>, to: Option<ScoreKey>, o: &ChangeOptions) -> Vec<ChangeKind> {
    let mut kinds = Vec::new();
    match (&from, &to) {
        (None, Some(_)) if o.new_and_gone => kinds.push(ChangeKind::New),
        (Some(_), None) if o.new_and_gone => kinds.push(ChangeKind::Gone),
        (Some(a), Some(b)) => {
            if let (Some(min), Some(pa), Some(pb)) = (o.min_jump, a.probability, b.probability) {
                let d = 100.0 * (pb - pa);
                // Compared in hundredths of a point, so a 5-point threshold is met by 5.00.
                if (d.abs() * 100.0).round() >= (min * 100.0).round() && d != 0.0 {
                    kinds.push(if d > 0.0 { ChangeKind::Up } else { ChangeKind::Down });
                }
            }
            if o.grades && a.grade != b.grade {
                kinds.push(ChangeKind::Grade);
            }
            if o.status && a.status != b.status {
                kinds.push(ChangeKind::Status);
            }
        }
        _ => {}
    }
    kinds
}

/// The change of one lead, if it is one the options report.
fn compare(from: Option<ScoreRow>, to: Option<ScoreRow>, o: &ChangeOptions) -> Option<Change> {
    let kinds = reported(from.as_ref().map(ScoreRow::key), to.as_ref().map(ScoreRow::key), o);
    if kinds.is_empty() {
        return None;
    }
    let why = match (&from, &to) {
        (Some(a), Some(b)) => reason_moves(&a.reasons, &b.reasons, o.why),
        _ => Vec::new(),
    };
    let lead_id = from.as_ref().or(to.as_ref()).map(|r| r.lead_id.clone()).unwrap_or_default();
    Some(Change { lead_id, kinds, from, to, why })
}

/// Per column in either run's reasons, its push then and now; the `k` largest moves.
fn reason_moves(from: &[StoredReason], to: &[StoredReason], k: usize) -> Vec<ReasonMove> {
    let mut columns: Vec<&str> = from.iter().chain(to).map(|r| r.column.as_str()).collect();
    columns.sort_unstable();
    columns.dedup();
    let find = |rs: &[StoredReason], c: &str| rs.iter().find(|r| r.column == c).map(|r| (r.value.clone(), r.pp));
    let mut moves: Vec<ReasonMove> = columns
        .into_iter()
        .map(|c| {
            let (a, b) = (find(from, c), find(to, c));
            ReasonMove {
                column: c.to_string(),
                pp_from: a.as_ref().map_or(0.0, |x| x.1),
                pp_to: b.as_ref().map_or(0.0, |x| x.1),
                value_from: a.map(|x| x.0),
                value_to: b.map(|x| x.0),
            }
        })
        .filter(|m| m.pp_from != m.pp_to || m.value_from != m.value_to)
        .collect();
    moves.sort_by(|x, y| {
        (y.pp_to - y.pp_from).abs().total_cmp(&(x.pp_to - x.pp_from).abs()).then(x.column.cmp(&y.column))
    });
    moves.truncate(k);
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Grade;

    fn row(id: &str, p: f64, grade: Grade, status: &str, reasons: &[(&str, &str, f64)]) -> ScoreRow {
        ScoreRow {
            lead_id: id.into(),
            input_hash: Some(1),
            probability: Some(p),
            percentile: Some(50.0),
            grade: Some(grade),
            rule_score: None,
            rule_grade: None,
            status: Some(status.into()),
            reasons: reasons
                .iter()
                .map(|(c, v, pp)| StoredReason { column: (*c).into(), value: (*v).into(), pp: *pp })
                .collect(),
            position: None,
            context: Vec::new(),
        }
    }

    #[test]
    fn jumps_grades_statuses_new_and_gone_are_reported_with_why() {
        let from = vec![
            row("a", 0.20, Grade::C, "lead", &[("webinars", "1", 2.0), ("title", "Manager", 1.0)]),
            row("b", 0.50, Grade::B, "mql", &[]),
            row("c", 0.30, Grade::C, "lead", &[]),
            row("gone", 0.1, Grade::D, "lead", &[]),
        ];
        let to = vec![
            row("new", 0.4, Grade::B, "lead", &[]),
            row("c", 0.3499, Grade::C, "lead", &[]),
            row("b", 0.52, Grade::B, "sql", &[]),
            row("a", 0.31, Grade::B, "lead", &[("webinars", "5", 9.5), ("country", "DE", -1.0)]),
        ];
        let (changes, counts) = diff_runs(from, to, &ChangeOptions::default());
        let got: Vec<(&str, Vec<ChangeKind>)> = changes.iter().map(|c| (c.lead_id.as_str(), c.kinds.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("a", vec![ChangeKind::Up, ChangeKind::Grade]),
                ("b", vec![ChangeKind::Status]),
                ("gone", vec![ChangeKind::Gone]),
                ("new", vec![ChangeKind::New]),
            ]
        );
        assert!((changes[0].delta_pp().unwrap() - 11.0).abs() < 1e-9);
        let why = &changes[0].why;
        assert_eq!(why[0].column, "webinars");
        assert_eq!((why[0].pp_from, why[0].pp_to), (2.0, 9.5));
        assert_eq!(why[1].column, "country");
        assert_eq!(why[1].value_from, None);
        assert_eq!(why[2].column, "title");
        assert_eq!(why[2].value_to, None);
        assert_eq!((counts.leads_from, counts.leads_to, counts.reported), (4, 4, 4));
        assert_eq!(counts.by_kind["up"], 1);
    }

    #[test]
    fn the_jump_threshold_is_inclusive_and_kinds_can_be_turned_off() {
        let from = vec![row("a", 0.20, Grade::C, "lead", &[])];
        let to = vec![row("a", 0.25, Grade::B, "mql", &[])];
        let only_jumps = ChangeOptions { grades: false, status: false, ..ChangeOptions::default() };
        let (c, _) = diff_runs(from.clone(), to.clone(), &only_jumps);
        assert_eq!(c[0].kinds, vec![ChangeKind::Up]);
        let high = ChangeOptions { min_jump: Some(5.01), grades: false, status: false, ..ChangeOptions::default() };
        assert!(diff_runs(from, to, &high).0.is_empty());
    }
}
