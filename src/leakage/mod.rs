//! The leakage guard: before fitting, find columns that were recorded during or after
//! contact, by several kinds of evidence, and give each column a verdict: stop, review or ok.
//!
//! Real lead exports mix columns known when the lead arrived with columns the sales team
//! filled in later (call notes, lead quality, tags, close dates and amounts). A model trained
//! on the latter shows a splendid hold-out AUC that means nothing on new leads. No single
//! figure tells them apart (a good engagement column is strong too), so the guard reads
//! several, each a *signal* of level medium or strong:
//! - **availability** ([`signals`]): present in labelled rows but missing in the rows skipped
//!   as "no outcome yet" (a close date exists once a deal closed); or missingness that by
//!   itself predicts the outcome (medium at most);
//! - **strength** ([`strength`]): the column alone, target-encoded out of fold (AUC), its
//!   information value, and near-pure values: a value held by a sizeable share of leads who
//!   almost all converted (strong) or almost all died (medium at most: junk leads
//!   legitimately look like that);
//! - **dominance** ([`screen`]): its share of a quick screening model's split gain and the
//!   hold-out AUC it adds over the model without it (medium at most: a good column may
//!   dominate honestly; not judged with fewer than four columns);
//! - **wording** ([`signals`]): a name or values that say "recorded during or after contact"
//!   (status, stage, quality, tags, notes, outcome, duration, last activity, close/won/lost,
//!   in six languages; values such as "Closed by …", "Ringing", "Will revert …"), medium;
//! - **drift**, when a date column orders history: a relation to the outcome much stronger on
//!   the older half of the leads than on the newer half (a field filled in as leads are worked);
//! - **identity**: (almost) every value distinct: an identifier, not a lead attribute (strong).
//!
//! Within one kind of evidence the strongest signal counts. A column **stops** training when
//! one strong signal or two medium ones (of different kinds) agree, is to **review** with one
//! medium signal, and is **ok** otherwise. `train` refuses to fit while a column stops, until
//! the analyst excludes it, keeps it on purpose (`--keep`), or passes `--allow-leaky`.

pub mod screen;
pub mod signals;
mod strength;

use serde::{Deserialize, Serialize};

use crate::data::typing::{LeadFrame, MissingTokens};
use crate::features::pipeline::PipelineSettings;
use crate::features::schema::InputColumn;
use crate::params::ParamError;
use crate::rng::splitmix;

pub use screen::ScreenError as LeakageError;

/// How much a signal weighs: one strong or two medium signals stop training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Worth a look; stops only with another medium signal.
    Medium,
    /// Stops on its own (every flag of bundles before format 1.2 was one).
    #[default]
    Strong,
}

impl Level {
    fn is_strong(&self) -> bool {
        *self == Level::Strong
    }

    /// `"medium"` or `"strong"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Medium => "medium",
            Level::Strong => "strong",
        }
    }
}

/// One piece of evidence, with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum LeakReason {
    /// The column alone separates converted from dead too well.
    SeparatesAlone {
        /// Its out-of-fold single-column AUC.
        auc: f64,
    },
    /// A value with an almost pure conversion covers many rows.
    PureLevel {
        /// The value.
        value: String,
        /// Share of labelled rows holding it.
        share: f64,
        /// Conversion rate among them.
        conversion_rate: f64,
    },
    /// Almost every value is distinct: an identifier, not a lead attribute.
    IdLike {
        /// Distinct values / non-missing rows.
        distinct_ratio: f64,
    },
    /// Information value above the review level.
    Informative {
        /// The information value.
        iv: f64,
    },
    /// A value whose leads almost never convert covers many rows.
    PureDeath {
        /// The value.
        value: String,
        /// Share of labelled rows holding it.
        share: f64,
        /// Conversion rate among them.
        conversion_rate: f64,
    },
    /// Present in labelled rows, missing in rows without an outcome yet.
    Unavailable {
        /// Share of labelled rows with a value.
        labelled_present: f64,
        /// Share of unlabelled rows with a value.
        unlabelled_present: f64,
        /// Unlabelled rows compared.
        unlabelled_rows: usize,
    },
    /// Whether the value is missing predicts the outcome by itself.
    MissingPredicts {
        /// Share of labelled rows where it is missing.
        missing_share: f64,
        /// Conversion rate where it is missing.
        rate_missing: f64,
        /// Conversion rate where it is present.
        rate_present: f64,
    },
    /// Dominates a quick screening model.
    Dominates {
        /// Share of the screening model's split gain.
        gain_share: f64,
        /// Hold-out AUC the column adds over the screening model without it.
        auc_added: Option<f64>,
        /// The screening model's hold-out AUC with every column.
        screen_auc: f64,
    },
    /// The name or the values say "recorded during or after contact".
    Wording {
        /// Words of the name that say so.
        name_words: Vec<String>,
        /// Share of the labelled rows with a value whose value reads as a note or outcome.
        value_share: f64,
        /// The commonest such value.
        example: Option<String>,
    },
    /// Much stronger on older leads than on newer ones.
    Drifts {
        /// Alone AUC on the older half (by the date column).
        old_auc: f64,
        /// Alone AUC on the newer half.
        new_auc: f64,
        /// The date column.
        date_column: String,
    },
}

/// A signal: evidence and its level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// What fired, with its figures.
    #[serde(flatten)]
    pub reason: LeakReason,
    /// Its level (absent = strong, as every flag of older bundles).
    #[serde(default, skip_serializing_if = "Level::is_strong")]
    pub level: Level,
}

/// The guard's verdict on a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No signal.
    Ok,
    /// One medium signal: look at it; training goes on.
    Review,
    /// One strong or two medium signals: training stops until the column is excluded or kept.
    Stop,
}

impl Verdict {
    /// `"ok"`, `"review"` or `"stop"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Review => "review",
            Verdict::Stop => "stop",
        }
    }
}

/// Figures and verdict for one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnCheck {
    /// Column name.
    pub column: String,
    /// Out-of-fold single-column AUC.
    pub auc: f64,
    /// Information value.
    pub iv: f64,
    /// The signals that fired, strongest first (empty = fine).
    pub reasons: Vec<Flag>,
    /// The verdict (absent in bundles before format 1.2: any reason stopped training).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Share of the screening model's split gain (absent before format 1.2, or unscreened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gain_share: Option<f64>,
}

impl ColumnCheck {
    /// The verdict, also for bundles that did not record one.
    pub fn verdict(&self) -> Verdict {
        self.verdict.unwrap_or(if self.reasons.is_empty() { Verdict::Ok } else { Verdict::Stop })
    }
}

/// The kind of evidence a reason is: within one kind, only the strongest signal counts.
pub fn evidence(r: &LeakReason) -> &'static str {
    match r {
        LeakReason::SeparatesAlone { .. }
        | LeakReason::PureLevel { .. }
        | LeakReason::Informative { .. }
        | LeakReason::PureDeath { .. } => "strength",
        LeakReason::Unavailable { .. } | LeakReason::MissingPredicts { .. } => "availability",
        LeakReason::Dominates { .. } => "dominance",
        LeakReason::Wording { .. } => "wording",
        LeakReason::Drifts { .. } => "drift",
        LeakReason::IdLike { .. } => "identity",
    }
}

/// Stop on one strong or two medium kinds of evidence, review on one medium.
pub fn verdict_of(flags: &[Flag]) -> Verdict {
    let mut best: std::collections::BTreeMap<&str, Level> = std::collections::BTreeMap::new();
    for f in flags {
        let e = best.entry(evidence(&f.reason)).or_insert(f.level);
        *e = (*e).max(f.level);
    }
    let strong = best.values().filter(|l| **l == Level::Strong).count();
    match (strong, best.len()) {
        (s, _) if s > 0 => Verdict::Stop,
        (_, m) if m >= 2 => Verdict::Stop,
        (_, 1) => Verdict::Review,
        _ => Verdict::Ok,
    }
}

/// Thresholds of the leakage guard (`[leakage]` in the config), unchecked.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeakageParams {
    /// A column whose own cross-validated AUC reaches this is a strong signal.
    pub max_auc: f64,
    /// ... and one reaching this a medium signal.
    pub review_auc: f64,
    /// An information value reaching this is a medium signal.
    pub review_iv: f64,
    /// A value held by at least this share of labelled rows ...
    pub pure_level_share: f64,
    /// ... whose leads convert at this rate or more is a strong signal: nothing known before
    /// contact makes conversion near-certain. One whose leads convert at half of 1 minus this
    /// rate or less (1.5%) is a medium signal only (junk leads legitimately look like that).
    pub pure_level_rate: f64,
    /// Present in this share more of the labelled rows than of the unlabelled ones: strong
    /// (half of it: medium).
    pub availability_gap: f64,
    /// Missingness alone reaching this AUC is a medium signal.
    pub missing_auc: f64,
    /// This share of the screening model's gain ...
    pub dominant_gain: f64,
    /// ... or this much hold-out AUC added over the model without the column: medium.
    pub dominant_auc: f64,
    /// Alone AUC on older leads this much above newer ones: medium (twice this: strong).
    pub drift_auc: f64,
    /// Run the screening model (dominance); off saves its few seconds.
    pub screen: bool,
}

impl Default for LeakageParams {
    fn default() -> Self {
        LeakageParams {
            max_auc: 0.85,
            review_auc: 0.82,
            review_iv: 1.75,
            pure_level_share: 0.02,
            pure_level_rate: 0.97,
            availability_gap: 0.8,
            missing_auc: 0.7,
            dominant_gain: 0.5,
            dominant_auc: 0.05,
            drift_auc: 0.15,
            screen: true,
        }
    }
}

impl LeakageParams {
    /// Checks every range.
    pub fn check(self) -> Result<ValidLeakageParams, ParamError> {
        let within = |key: &'static str, v: f64, lo: f64, hi: f64, allowed: &'static str| {
            if v > lo && v <= hi {
                Ok(())
            } else {
                Err(ParamError::new(key, v, allowed))
            }
        };
        within("max_auc", self.max_auc, 0.5, 1.0, "must be in (0.5, 1]")?;
        within("review_auc", self.review_auc, 0.5, self.max_auc, "must be in (0.5, max_auc]")?;
        within("review_iv", self.review_iv, 0.0, f64::MAX, "must be above 0")?;
        within("pure_level_share", self.pure_level_share, 0.0, 1.0, "must be in (0, 1]")?;
        within("pure_level_rate", self.pure_level_rate, 0.5, 1.0, "must be in (0.5, 1]")?;
        within("availability_gap", self.availability_gap, 0.0, 1.0, "must be in (0, 1]")?;
        within("missing_auc", self.missing_auc, 0.5, 1.0, "must be in (0.5, 1]")?;
        within("dominant_gain", self.dominant_gain, 0.0, 1.0, "must be in (0, 1]")?;
        within("dominant_auc", self.dominant_auc, 0.0, 0.5, "must be in (0, 0.5]")?;
        within("drift_auc", self.drift_auc, 0.0, 0.5, "must be in (0, 0.5]")?;
        Ok(ValidLeakageParams(self))
    }
}

/// Checked leakage thresholds: what [`check_columns`] takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidLeakageParams(LeakageParams);

impl std::ops::Deref for ValidLeakageParams {
    type Target = LeakageParams;
    fn deref(&self) -> &LeakageParams {
        &self.0
    }
}

/// What the guard reads.
pub struct GuardInput<'a> {
    /// The history file's rows.
    pub frame: &'a LeadFrame<'a>,
    /// The candidate columns.
    pub columns: &'a [InputColumn],
    /// Labelled rows (indices into the frame).
    pub rows: &'a [usize],
    /// `labels[k]` is the outcome of `rows[k]`.
    pub labels: &'a [bool],
    /// Rows without an outcome (skipped by training).
    pub unlabelled: &'a [usize],
    /// The date column and one day number per labelled row (NaN = unknown), when history has one.
    pub days: Option<(&'a str, &'a [f64])>,
    /// Missing tokens.
    pub missing: &'a MissingTokens,
    /// How the screening model's features are built.
    pub pipeline: &'a PipelineSettings,
}

mod check;
pub use check::check_columns;

impl LeakReason {
    /// One-line description of the evidence, with its figures.
    pub fn describe(&self) -> String {
        let pct = |x: f64| format!("{:.1}%", 100.0 * x);
        match self {
            LeakReason::SeparatesAlone { auc } => format!("alone reaches AUC {auc:.3}"),
            LeakReason::PureLevel { value, share, conversion_rate } => {
                format!("value \"{value}\" ({} of leads) converts at {}", pct(*share), pct(*conversion_rate))
            }
            LeakReason::PureDeath { value, share, conversion_rate } => {
                format!("value \"{value}\" ({} of leads) converts at only {}", pct(*share), pct(*conversion_rate))
            }
            LeakReason::Informative { iv } => format!("information value {iv:.2}"),
            LeakReason::IdLike { distinct_ratio } => {
                format!("looks like an identifier ({:.0}% distinct values)", distinct_ratio * 100.0)
            }
            LeakReason::Unavailable { labelled_present, unlabelled_present, unlabelled_rows } => format!(
                "present in {} of leads with an outcome but {} of the {unlabelled_rows} without one",
                pct(*labelled_present),
                pct(*unlabelled_present)
            ),
            LeakReason::MissingPredicts { missing_share, rate_missing, rate_present } => format!(
                "missing in {} of leads, who convert at {} (present: {})",
                pct(*missing_share),
                pct(*rate_missing),
                pct(*rate_present)
            ),
            LeakReason::Dominates { gain_share, auc_added, screen_auc } => {
                let added = auc_added.map(|a| format!(", adds {a:+.3} AUC over the model without it")).unwrap_or_default();
                format!("{} of a screening model's split gain (its AUC {screen_auc:.3}){added}", pct(*gain_share))
            }
            LeakReason::Wording { name_words, value_share, example } => {
                let mut parts = Vec::new();
                if !name_words.is_empty() {
                    parts.push(format!("name says \"{}\"", name_words.join("\", \"")));
                }
                if let Some(e) = example {
                    parts.push(format!("{} of values read as notes or outcomes (\"{e}\")", pct(*value_share)));
                }
                parts.join("; ")
            }
            LeakReason::Drifts { old_auc, new_auc, date_column } => format!(
                "alone AUC {old_auc:.3} on the older half of leads by \"{date_column}\" but {new_auc:.3} on the newer half"
            ),
        }
    }
}

/// Seeded 2-fold assignment of `n` labelled rows (SplitMix64 of the row position).
fn folds(n: usize, seed: u64) -> Vec<usize> {
    (0..n).map(|k| (splitmix(seed ^ k as u64) & 1) as usize).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::typing::ColumnKind;
    use polars::prelude::*;
    use std::path::Path;

    fn settings() -> PipelineSettings {
        PipelineSettings { min_category_count: 10, max_categories: 50, reference_date: None }
    }

    fn col(name: &str, kind: ColumnKind) -> InputColumn {
        InputColumn { name: name.into(), kind, inferred: true }
    }

    #[test]
    fn leaky_tag_and_id_stop_but_an_honest_column_is_ok() {
        let n = 400;
        let y: Vec<bool> = (0..n).map(|i| splitmix(i as u64) % 3 == 0).collect();
        // "tag" copies the outcome; "visits" is mildly informative; "lead_no" is an id.
        let tag: Vec<String> = y.iter().map(|&c| if c { "Closed won".into() } else { "Ringing".into() }).collect();
        let visits: Vec<String> = (0..n).map(|i| ((i % 7) + if y[i] { 1 } else { 0 }).to_string()).collect();
        let id: Vec<String> = (0..n).map(|i| (660000 + i).to_string()).collect();
        // Two noise columns: the screening model needs four columns.
        let noise: Vec<String> = (0..n).map(|i| (splitmix(i as u64 ^ 99) % 5).to_string()).collect();
        let df = DataFrame::new_infer_height(vec![
            Column::new("tag".into(), tag),
            Column::new("visits".into(), visits),
            Column::new("lead_no".into(), id),
            Column::new("n1".into(), noise.clone()),
            Column::new("n2".into(), noise),
        ])
        .unwrap();
        let frame = LeadFrame { df: &df, path: Path::new("t.csv"), first_row: 1 };
        let cols = vec![
            col("tag", ColumnKind::Categorical),
            col("visits", ColumnKind::Numeric),
            col("lead_no", ColumnKind::Numeric),
            col("n1", ColumnKind::Numeric),
            col("n2", ColumnKind::Numeric),
        ];
        let rows: Vec<usize> = (0..n).collect();
        let g = GuardInput {
            frame: &frame,
            columns: &cols,
            rows: &rows,
            labels: &y,
            unlabelled: &[],
            days: None,
            missing: &MissingTokens::default(),
            pipeline: &settings(),
        };
        let checks = check_columns(&g, &LeakageParams::default().check().unwrap(), 7).unwrap();
        assert!(checks[0].auc > 0.99, "{:?}", checks[0]);
        assert_eq!(
            checks[0].reasons[0],
            Flag { reason: LeakReason::SeparatesAlone { auc: checks[0].auc }, level: Level::Strong }
        );
        assert!(checks[0].iv > 3.0);
        assert_eq!(checks[0].verdict, Some(Verdict::Stop));
        assert!(checks[0].reasons.iter().any(|f| matches!(&f.reason, LeakReason::Wording { example: Some(_), .. })));
        assert_eq!(checks[1].verdict(), Verdict::Ok, "{:?}", checks[1]);
        assert!(checks[1].auc > 0.5 && checks[1].auc < 0.8);
        assert!(checks[2].reasons.iter().any(|f| matches!(f.reason, LeakReason::IdLike { .. })));
        assert!(checks[2].stops());
        // An id carries no signal out of fold.
        assert!(checks[2].auc < 0.6, "{:?}", checks[2]);
        // The screening model sees the tag take (almost) all of the gain.
        assert!(checks[0].gain_share.unwrap() > 0.9, "{:?}", checks[0]);
    }

    #[test]
    fn a_column_present_only_once_the_outcome_is_known_stops() {
        // 300 closed rows with a close date, 100 open rows without: nothing else to go on.
        let n = 400;
        let closed = 300;
        let y: Vec<bool> = (0..closed).map(|i| splitmix(i as u64) % 2 == 0).collect();
        let date: Vec<Option<String>> =
            (0..n).map(|i| (i < closed).then(|| format!("2024-01-{:02}", 1 + i % 28))).collect();
        let df = DataFrame::new_infer_height(vec![Column::new("closed_on".into(), date)]).unwrap();
        let frame = LeadFrame { df: &df, path: Path::new("t.csv"), first_row: 1 };
        let cols = vec![col("closed_on", ColumnKind::Date)];
        let rows: Vec<usize> = (0..closed).collect();
        let open: Vec<usize> = (closed..n).collect();
        let g = GuardInput {
            frame: &frame,
            columns: &cols,
            rows: &rows,
            labels: &y,
            unlabelled: &open,
            days: None,
            missing: &MissingTokens::default(),
            pipeline: &settings(),
        };
        let c = &check_columns(&g, &LeakageParams::default().check().unwrap(), 7).unwrap()[0];
        let want = LeakReason::Unavailable { labelled_present: 1.0, unlabelled_present: 0.0, unlabelled_rows: 100 };
        let got = c.reasons.iter().find(|f| matches!(f.reason, LeakReason::Unavailable { .. })).unwrap();
        assert_eq!(got, &Flag { reason: want, level: Level::Strong }, "{c:?}");
        // By itself the date says nothing of the outcome.
        assert!(c.auc < 0.6, "{c:?}");
        assert!(c.stops());
        assert!(got
            .reason
            .describe()
            .contains("present in 100.0% of leads with an outcome but 0.0% of the 100 without one"));
    }

    #[test]
    fn one_medium_signal_is_review_two_of_different_kinds_stop() {
        let m = |reason| Flag { reason, level: Level::Medium };
        let name = m(LeakReason::Wording { name_words: vec!["quality".into()], value_share: 0.0, example: None });
        let auc = m(LeakReason::SeparatesAlone { auc: 0.8 });
        let iv = m(LeakReason::Informative { iv: 1.9 });
        assert_eq!(verdict_of(&[]), Verdict::Ok);
        assert_eq!(verdict_of(std::slice::from_ref(&name)), Verdict::Review);
        // Two figures of the same kind of evidence (strength) are one signal.
        assert_eq!(verdict_of(&[auc.clone(), iv]), Verdict::Review);
        assert_eq!(verdict_of(&[auc, name]), Verdict::Stop);
        let id = Flag { reason: LeakReason::IdLike { distinct_ratio: 1.0 }, level: Level::Strong };
        assert_eq!(verdict_of(&[id]), Verdict::Stop);
    }

    #[test]
    fn flags_of_older_bundles_read_as_strong_and_write_back_unchanged() {
        // A bundle before format 1.2 recorded reasons without a level; its checksum covers the
        // text as written, so reading and writing must give the same JSON.
        let old = r#"{"column":"Tags","auc":0.92,"iv":4.7,"reasons":[{"reason":"separates_alone","auc":0.92}]}"#;
        let c: ColumnCheck = serde_json::from_str(old).unwrap();
        assert_eq!(c.reasons[0].level, Level::Strong);
        assert_eq!(c.verdict(), Verdict::Stop);
        assert_eq!(serde_json::to_string(&c).unwrap(), old);
        let medium = Flag { reason: LeakReason::Informative { iv: 1.6 }, level: Level::Medium };
        let text = serde_json::to_string(&medium).unwrap();
        assert_eq!(text, r#"{"reason":"informative","iv":1.6,"level":"medium"}"#);
        assert_eq!(serde_json::from_str::<Flag>(&text).unwrap(), medium);
    }
}
