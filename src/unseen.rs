//! Which labelled leads no bundle learned from: the leads on which two bundles (a champion
//! and a retrained challenger) can be compared fairly.
//!
//! A lead is *seen* by a bundle when its key ([`crate::bundle::digest::lead_keys`]: its id,
//! else its row's input values) is in the bundle's training digest: the labelled leads of
//! the file it was trained on, whose outcomes shaped it (fitted, held out to choose the
//! primary model and grade cuts, or calibrated on). The digest never misses a lead it holds;
//! it may report an unseen lead as seen with the probability it states (at most 1 in 2^20),
//! which only leaves that lead out. With a date column, a lead must also have been created
//! after the latest training window of every bundle (blank dates are left out).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::bundle::digest::lead_keys;
use crate::bundle::Bundle;
use crate::data::typing::{parse_date, LeadFrame, MissingTokens, TypingError};

/// How many leads each filter left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnseenCounts {
    /// Labelled leads in the file.
    pub labelled: usize,
    /// Per bundle: its path, the leads it saw, and the digest's false-positive rate.
    pub seen_by: Vec<(String, usize, f64)>,
    /// Leads seen by at least one bundle.
    pub seen_by_any: usize,
    /// With a date column: the latest training date of the bundles, and the unseen leads
    /// created on or before it (or with a blank date), left out too.
    pub not_after: Option<(String, usize)>,
    /// Leads kept: seen by no bundle (and newer than every training window).
    pub kept: usize,
}

/// Errors of the unseen filter.
#[derive(Debug, thiserror::Error)]
pub enum UnseenError {
    /// A bundle from before format 1.3 records no training leads.
    #[error("{bundle}: the bundle does not record which leads it was trained on (trained by leadscore before bundle format 1.3); retrain it with this version to compare it on leads it did not see")]
    NoDigest {
        /// The bundle.
        bundle: PathBuf,
    },
    /// The date column's window is not recorded.
    #[error("{bundle}: the bundle records no training date window for --date-column \"{column}\" (it was trained without --date-column {column}); drop --date-column or retrain with it")]
    NoWindow {
        /// The bundle.
        bundle: PathBuf,
        /// The column asked for.
        column: String,
    },
    /// A cell could not be read.
    #[error(transparent)]
    Typing(#[from] TypingError),
}

/// Positions (into `rows`) of the leads no bundle saw, with the counts. `date_column`, when
/// given, also requires a creation date after every bundle's training window.
pub fn unseen_positions(
    frame: &LeadFrame,
    rows: &[usize],
    missing: &MissingTokens,
    bundles: &[(&Bundle, &Path)],
    date_column: Option<&str>,
) -> Result<(Vec<usize>, UnseenCounts), UnseenError> {
    let mut seen = vec![false; rows.len()];
    let mut seen_by = Vec::new();
    for &(b, path) in bundles {
        let digest =
            b.training.trained_leads.as_ref().ok_or_else(|| UnseenError::NoDigest { bundle: path.to_path_buf() })?;
        let columns: Vec<&str> = b.schema.iter().map(|c| c.name.as_str()).collect();
        let keys = lead_keys(frame, b.id_column.as_deref(), &columns, rows, missing)?;
        let mut n = 0;
        for (k, key) in keys.iter().enumerate() {
            if digest.contains(key) {
                seen[k] = true;
                n += 1;
            }
        }
        seen_by.push((path.display().to_string(), n, digest.false_positive_rate));
    }
    let seen_by_any = seen.iter().filter(|&&s| s).count();
    let mut keep: Vec<usize> = (0..rows.len()).filter(|&k| !seen[k]).collect();
    let mut not_after = None;
    if let Some(column) = date_column {
        let mut latest: Option<NaiveDate> = None;
        for &(b, path) in bundles {
            let w = b
                .training
                .date_window
                .as_ref()
                .filter(|w| w.column == column)
                .ok_or_else(|| UnseenError::NoWindow { bundle: path.to_path_buf(), column: column.to_string() })?;
            let last = parse_date(&w.last)
                .ok_or_else(|| UnseenError::NoWindow { bundle: path.to_path_buf(), column: column.to_string() })?;
            latest = Some(latest.map_or(last, |l| l.max(last)));
        }
        if let Some(latest) = latest {
            let text = frame.text(column, "pass --date-column with a column of creation dates")?;
            let before = keep.len();
            let mut kept = Vec::with_capacity(keep.len());
            for k in keep {
                let i = rows[k];
                match missing.clean(text.get(i)) {
                    None => {}
                    Some(v) => match parse_date(v) {
                        Some(d) if d > latest => kept.push(k),
                        Some(_) => {}
                        None => {
                            return Err(frame
                                .bad_value(
                                    column,
                                    i,
                                    v,
                                    "a date",
                                    "use YYYY-MM-DD (or leave blank when unknown)".into(),
                                )
                                .into())
                        }
                    },
                }
            }
            not_after = Some((latest.format("%Y-%m-%d").to_string(), before - kept.len()));
            keep = kept;
        }
    }
    let counts = UnseenCounts { labelled: rows.len(), seen_by, seen_by_any, not_after, kept: keep.len() };
    Ok((keep, counts))
}

impl UnseenCounts {
    /// One line per filter, for the report: "left out 1,840 of 2,300 labelled leads: ...".
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (path, n, fpr) in &self.seen_by {
            lines.push(format!(
                "{n} of {} labelled leads were in the training data of {path} (its digest may also match an unseen lead with probability {fpr:.1e}): left out",
                self.labelled
            ));
        }
        if let Some((date, n)) = &self.not_after {
            lines.push(format!(
                "{n} more were created on or before {date} (the latest training date) or have no date: left out"
            ));
        }
        lines.push(format!("{} of {} labelled leads evaluated: seen by no bundle", self.kept, self.labelled));
        lines
    }
}
