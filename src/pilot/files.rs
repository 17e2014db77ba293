//! The file side of the pilot: read leads, assign them and write the assignment file;
//! read assignment plus outcomes and turn them into per-arm outcomes for
//! [`super::analyze::analyze`].
//!
//! The assignment file has the id column (under its own name), `arm` (`treatment` /
//! `control`) and, with `--stratify`, the stratum column. `pilot analyze` reads the arm from
//! the data file itself, or joins a separate assignment file on the id.
//!
//! Impossible input is an error naming the file, column and row, never a silent number: a
//! lead id twice in the leads to assign (the repeat would silently share the first one's
//! arm) or in the pilot data (it would be counted twice, or in both arms), an id
//! assigned to both arms in the assignment file, a conversion dated before the lead's
//! creation (a negative sales cycle), an assignment that leaves an arm empty. An arm column
//! in the data that disagrees with `--assignment` is not an error (the assignment file is the
//! record of the randomisation and wins) but is reported in [`PilotOutcomes::warnings`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

use super::analyze::ArmOutcomes;
use super::assign::{assign, Arm, AssignError, StratumBalance};
use crate::data::load::{read_table, LoadError};
use crate::data::output::{BatchWriter, OutputError};
use crate::data::typing::{parse_date, read_labels, LeadFrame, MissingTokens, TypingError};

/// Errors of the pilot's file handling.
#[derive(Debug, thiserror::Error)]
pub enum PilotFileError {
    /// Reading failed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A column or value problem.
    #[error(transparent)]
    Typing(#[from] TypingError),
    /// Writing failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Assignment refused the input.
    #[error("{path}: {source}")]
    Assign {
        /// The data file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: AssignError,
    },
    /// Building the output frame failed.
    #[error("{path}: building the assignment: {source}")]
    Polars {
        /// The output file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: PolarsError,
    },
    /// The same lead id twice in the pilot data.
    #[error("{path}: lead \"{id}\" appears in rows {first_row} and {row} of column \"{column}\"{arms}; each lead must be counted once: remove the duplicate row")]
    DuplicateLead {
        /// Data file.
        path: PathBuf,
        /// The id column.
        column: String,
        /// The id.
        id: String,
        /// 1-based row of the first occurrence.
        first_row: usize,
        /// 1-based row of the repeat.
        row: usize,
        /// ", in both arms (treatment and control)" when the arms differ.
        arms: String,
    },
    /// The same lead id twice in the leads to assign.
    #[error("{path}: lead \"{id}\" appears in rows {first_row} and {row} of column \"{column}\"{extent}; a lead gets one arm, so each lead must appear once: remove the duplicate rows{hint}. No assignment was written")]
    DuplicateAssignment {
        /// Data file.
        path: PathBuf,
        /// The id column.
        column: String,
        /// The first repeated id.
        id: String,
        /// 1-based row of its first occurrence.
        first_row: usize,
        /// 1-based row of its repeat.
        row: usize,
        /// How widespread: " (and 4 more ids appear more than once)", or "".
        extent: String,
        /// When every row has the same id: advice about `--id`.
        hint: String,
    },
    /// The assignment file gives one id both arms.
    #[error("{path}: lead \"{id}\" is assigned to {first} in row {first_row} and to {second} in row {row}; a lead belongs to one arm: fix the assignment file (re-run `pilot assign`)")]
    ConflictingAssignment {
        /// Assignment file.
        path: PathBuf,
        /// The id.
        id: String,
        /// 1-based row of the first assignment.
        first_row: usize,
        /// Its arm.
        first: &'static str,
        /// 1-based row of the conflicting one.
        row: usize,
        /// Its arm.
        second: &'static str,
    },
    /// The assignment leaves an arm without leads.
    #[error("{path}: --treatment-share {share} puts {treatment} of {leads} leads in treatment and {control} in control: the {empty} arm is empty, so the pilot could compare nothing; choose a share that gives both arms leads (about {min_share:.4} to {max_share:.4} for {leads} leads). No assignment was written")]
    EmptyArm {
        /// The data file.
        path: PathBuf,
        /// Share asked.
        share: f64,
        /// Leads.
        leads: usize,
        /// In treatment.
        treatment: usize,
        /// In control.
        control: usize,
        /// "treatment" or "control".
        empty: &'static str,
        /// 1 / leads.
        min_share: f64,
        /// 1 − 1 / leads.
        max_share: f64,
    },
    /// A lead of the data has no assignment.
    #[error(
        "{path}: lead \"{id}\" (row {row}) is not in the assignment file {assignment}; analyse only assigned leads"
    )]
    Unassigned {
        /// Data file.
        path: PathBuf,
        /// The id.
        id: String,
        /// 1-based row.
        row: usize,
        /// Assignment file.
        assignment: PathBuf,
    },
}

/// What `pilot assign` does.
#[derive(Debug, Clone)]
pub struct AssignPlan {
    /// Open leads.
    pub data: PathBuf,
    /// Output file (.csv, .parquet, .ndjson).
    pub out: PathBuf,
    /// Id column.
    pub id: String,
    /// Share of leads in treatment.
    pub share: f64,
    /// Stratum column.
    pub stratify: Option<String>,
    /// Seed.
    pub seed: u64,
}

/// What `pilot assign` did.
#[derive(Debug, Clone, Serialize)]
pub struct AssignSummary {
    /// Leads assigned.
    pub leads: usize,
    /// In treatment.
    pub treatment: usize,
    /// In control.
    pub control: usize,
    /// Balance per stratum (one "(all)" row without --stratify).
    pub strata: Vec<StratumBalance>,
}

/// Reads the leads, assigns them and writes the assignment file atomically.
pub fn assign_file(plan: &AssignPlan) -> Result<AssignSummary, PilotFileError> {
    let df = read_table(&plan.data)?;
    let frame = LeadFrame { df: &df, path: &plan.data, first_row: 1 };
    let ids = frame.text(&plan.id, "pass --id COLUMN naming the lead id column")?;
    let id_vals: Vec<Option<&str>> = ids.iter().collect();
    let strata_col = match &plan.stratify {
        Some(c) => Some(frame.text(c, "pass --stratify with a column of the file")?),
        None => None,
    };
    let strata: Option<Vec<Option<&str>>> = strata_col.map(|c| c.iter().collect());
    refuse_duplicate_ids(plan, &id_vals)?;
    let (arms, balance) = assign(&id_vals, strata.as_deref(), plan.share, plan.seed)
        .map_err(|source| PilotFileError::Assign { path: plan.data.clone(), source })?;
    let mut cols = vec![
        Column::new(plan.id.as_str().into(), id_vals.iter().map(|s| s.map(str::trim)).collect::<Vec<_>>()),
        Column::new("arm".into(), arms.iter().map(|a| a.as_str()).collect::<Vec<_>>()),
    ];
    if let (Some(name), Some(s)) = (&plan.stratify, &strata) {
        if name != &plan.id {
            cols.push(Column::new(name.as_str().into(), s.clone()));
        }
    }
    let treatment = arms.iter().filter(|&&a| a == Arm::Treatment).count();
    let control = arms.len() - treatment;
    // An empty arm makes the pilot meaningless: refuse before writing anything.
    if treatment == 0 || control == 0 {
        return Err(PilotFileError::EmptyArm {
            path: plan.data.clone(),
            share: plan.share,
            leads: arms.len(),
            treatment,
            control,
            empty: if treatment == 0 { "treatment" } else { "control" },
            min_share: 1.0 / arms.len().max(1) as f64,
            max_share: 1.0 - 1.0 / arms.len().max(1) as f64,
        });
    }
    let pe = |source| PilotFileError::Polars { path: plan.out.clone(), source };
    let mut out = DataFrame::new_infer_height(cols).map_err(pe)?;
    let mut w = BatchWriter::create(&plan.out)?;
    w.write(&mut out)?;
    w.finish()?;
    Ok(AssignSummary { leads: arms.len(), treatment, control, strata: balance })
}

/// Refuses an id on two rows (blank ids are left to [`assign`], which names them): the second
/// row would silently get the first one's arm, and a pilot counting both would count the lead
/// twice. When every row has one id, `--id` probably names the wrong column.
fn refuse_duplicate_ids(plan: &AssignPlan, ids: &[Option<&str>]) -> Result<(), PilotFileError> {
    let mut first_row: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    let mut first_repeat: Option<(&str, usize, usize)> = None;
    let mut repeated: HashMap<&str, ()> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) else { continue };
        match first_row.get(id) {
            Some(&first) => {
                first_repeat.get_or_insert((id, first, i + 1));
                repeated.insert(id, ());
            }
            None => {
                first_row.insert(id, i + 1);
            }
        }
    }
    let Some((id, first, row)) = first_repeat else { return Ok(()) };
    let extent = match repeated.len() - 1 {
        0 => String::new(),
        1 => " (and 1 more id appears more than once)".to_string(),
        n => format!(" (and {n} more ids appear more than once)"),
    };
    let hint = if first_row.len() == 1 && ids.len() > 1 {
        format!(
            "; every one of the {} rows has this id: check that --id {} names the lead id column",
            ids.len(),
            plan.id
        )
    } else {
        String::new()
    };
    Err(PilotFileError::DuplicateAssignment {
        path: plan.data.clone(),
        column: plan.id.clone(),
        id: id.to_string(),
        first_row: first,
        row,
        extent,
        hint,
    })
}

/// What `pilot analyze` reads.
#[derive(Debug, Clone)]
pub struct AnalyzeFiles {
    /// Leads with outcomes (and the arm column, unless `assignment` is given).
    pub data: PathBuf,
    /// A separate assignment file, joined on `id`.
    pub assignment: Option<PathBuf>,
    /// Id column (for the join).
    pub id: String,
    /// Arm column.
    pub arm: String,
    /// Outcome column.
    pub target: String,
    /// Values meaning converted (guessed when empty).
    pub positive: Vec<String>,
    /// Creation date column.
    pub created: String,
    /// Conversion date column.
    pub converted_date: String,
}

/// Per-arm outcomes, and the leads left out for a blank outcome.
#[derive(Debug, Clone, Default)]
pub struct PilotOutcomes {
    /// Treatment arm.
    pub treatment: ArmOutcomes,
    /// Control arm.
    pub control: ArmOutcomes,
    /// Rows with a blank outcome (still open).
    pub open: usize,
    /// Converted leads without both dates (no cycle length).
    pub undated_conversions: usize,
    /// Caveats, e.g. the data's arm column disagreeing with the assignment file.
    pub warnings: Vec<String>,
}

/// Reads assignment and outcomes into per-arm outcomes.
pub fn read_outcomes(f: &AnalyzeFiles) -> Result<PilotOutcomes, PilotFileError> {
    let df = read_table(&f.data)?;
    let frame = LeadFrame { df: &df, path: &f.data, first_row: 1 };
    let missing = MissingTokens::default();
    // The arm of each row: from the assignment file by id, or from the arm column.
    let arms: Vec<(usize, Arm)> = match &f.assignment {
        Some(apath) => arms_from_assignment(f, apath, &frame, &missing)?,
        None => arms_from_column(f, &frame, &missing)?,
    };
    let labels = read_labels(&frame, &f.target, &f.positive, &missing).or_else(|e| match e {
        // A pilot may have no conversion yet in one class: analyse anyway.
        TypingError::OneClass { .. } if !f.positive.is_empty() => {
            let text = frame.text(&f.target, "")?;
            let rows = text
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    missing.clean(c).map(|v| (i, f.positive.iter().any(|p| p.trim().eq_ignore_ascii_case(v))))
                })
                .collect();
            Ok(crate::data::typing::Labels { rows, skipped: 0, positive: f.positive.clone() })
        }
        e => Err(e),
    })?;
    let mut warnings = Vec::new();
    warnings.extend(arm_disagreement(f, &frame, &missing, &arms)?);
    check_unique_leads(f, &frame, &missing, &arms)?;
    let outcome: HashMap<usize, bool> = labels.rows.iter().copied().collect();
    let created = frame.text(&f.created, "pass --created-column naming the creation date column")?;
    let conv_date = frame.text(&f.converted_date, "pass --converted-date-column naming the conversion date column")?;
    let date = |col: &str, i: usize, cell: Option<&str>| -> Result<Option<chrono::NaiveDate>, TypingError> {
        match missing.clean(cell) {
            None => Ok(None),
            Some(v) => {
                parse_date(v).map(Some).ok_or_else(|| frame.bad_value(col, i, v, "a date", "use YYYY-MM-DD".into()))
            }
        }
    };
    let mut out = PilotOutcomes { warnings, ..Default::default() };
    for (i, arm) in arms {
        let Some(&y) = outcome.get(&i) else {
            out.open += 1;
            continue;
        };
        let o = match arm {
            Arm::Treatment => &mut out.treatment,
            Arm::Control => &mut out.control,
        };
        o.converted.push(y);
        if y {
            match (date(&f.created, i, created.get(i))?, date(&f.converted_date, i, conv_date.get(i))?) {
                (Some(a), Some(b)) if b < a => {
                    let v = missing.clean(conv_date.get(i)).unwrap_or_default();
                    return Err(frame
                        .bad_value(
                            &f.converted_date,
                            i,
                            v,
                            "a conversion date on or after the lead's creation date",
                            format!(
                                "the lead was created on {a} (column \"{}\"); fix the dates, or leave the conversion date blank when unknown",
                                f.created
                            ),
                        )
                        .into());
                }
                (Some(a), Some(b)) => o.cycle_days.push((b - a).num_days() as f64),
                _ => out.undated_conversions += 1,
            }
        }
    }
    Ok(out)
}

/// Each row's arm from the assignment file, by id (an id assigned both arms is an error, one
/// with no assignment too).
fn arms_from_assignment(
    f: &AnalyzeFiles,
    apath: &Path,
    frame: &LeadFrame,
    missing: &MissingTokens,
) -> Result<Vec<(usize, Arm)>, PilotFileError> {
    let adf = read_table(apath)?;
    let aframe = LeadFrame { df: &adf, path: apath, first_row: 1 };
    let aid = aframe.text(&f.id, "the assignment file needs the id column (pass --id)")?;
    let aarm = aframe.text(&f.arm, "the assignment file needs the arm column (pass --arm-column)")?;
    let mut map: HashMap<&str, (Arm, usize)> = HashMap::new();
    for (i, (id, a)) in aid.iter().zip(aarm.iter()).enumerate() {
        let (Some(id), Some(a)) = (missing.clean(id), missing.clean(a)) else { continue };
        let arm = Arm::parse(a)
            .ok_or_else(|| aframe.bad_value(&f.arm, i, a, "an arm", "use \"treatment\" or \"control\"".into()))?;
        match map.get(id) {
            Some(&(before, j)) if before != arm => {
                return Err(PilotFileError::ConflictingAssignment {
                    path: apath.to_path_buf(),
                    id: id.to_string(),
                    first_row: aframe.first_row + j,
                    first: before.as_str(),
                    row: aframe.first_row + i,
                    second: arm.as_str(),
                })
            }
            // The same arm twice is the same assignment.
            Some(_) => {}
            None => {
                map.insert(id, (arm, i));
            }
        }
    }
    let ids = frame.text(&f.id, "pass --id COLUMN naming the lead id column")?;
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let id = missing.clean(id).unwrap_or("");
        match map.get(id) {
            Some(&(a, _)) => out.push((i, a)),
            None => {
                return Err(PilotFileError::Unassigned {
                    path: f.data.clone(),
                    id: id.to_string(),
                    row: i + 1,
                    assignment: apath.to_path_buf(),
                })
            }
        }
    }
    Ok(out)
}

/// Each row's arm from the data's arm column.
fn arms_from_column(
    f: &AnalyzeFiles,
    frame: &LeadFrame,
    missing: &MissingTokens,
) -> Result<Vec<(usize, Arm)>, PilotFileError> {
    let col = frame.text(&f.arm, "pass --arm-column, or --assignment FILE written by `pilot assign`")?;
    let mut out = Vec::with_capacity(col.len());
    for (i, a) in col.iter().enumerate() {
        let v = missing.clean(a).unwrap_or("");
        let arm = Arm::parse(v)
            .ok_or_else(|| frame.bad_value(&f.arm, i, v, "an arm", "use \"treatment\" or \"control\"".into()))?;
        out.push((i, arm));
    }
    Ok(out)
}

/// An arm column in the data that disagrees with the assignment file: the assignment is the
/// record of the randomisation and wins, but say how often they disagree.
fn arm_disagreement(
    f: &AnalyzeFiles,
    frame: &LeadFrame,
    missing: &MissingTokens,
    arms: &[(usize, Arm)],
) -> Result<Option<String>, PilotFileError> {
    if f.assignment.is_none() || !has_column(frame, &f.arm) {
        return Ok(None);
    }
    let col = frame.text(&f.arm, "")?;
    let (mut disagree, mut example) = (0usize, None);
    for &(i, arm) in arms {
        if let Some(own) = missing.clean(col.get(i)).and_then(Arm::parse) {
            if own != arm {
                disagree += 1;
                example.get_or_insert((i, own, arm));
            }
        }
    }
    Ok(example.map(|(i, own, arm)| {
        format!(
            "{}: column \"{}\" disagrees with the assignment file {} for {disagree} of {} leads (first at row {}: {} in the data, {} in the assignment); the assignment file was used",
            f.data.display(),
            f.arm,
            f.assignment.as_ref().map_or(String::new(), |p| p.display().to_string()),
            arms.len(),
            frame.first_row + i,
            own.as_str(),
            arm.as_str()
        )
    }))
}

/// Each lead once: a repeated id would be counted twice (or in both arms).
fn check_unique_leads(
    f: &AnalyzeFiles,
    frame: &LeadFrame,
    missing: &MissingTokens,
    arms: &[(usize, Arm)],
) -> Result<(), PilotFileError> {
    if !has_column(frame, &f.id) {
        return Ok(());
    }
    let ids = frame.text(&f.id, "")?;
    let arm_of: HashMap<usize, Arm> = arms.iter().copied().collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = missing.clean(id) else { continue };
        if let Some(&j) = seen.get(id) {
            let both = arm_of.get(&i) != arm_of.get(&j);
            return Err(PilotFileError::DuplicateLead {
                path: f.data.clone(),
                column: f.id.clone(),
                id: id.to_string(),
                first_row: frame.first_row + j,
                row: frame.first_row + i,
                arms: if both { ", in both arms (treatment and control)".into() } else { String::new() },
            });
        }
        seen.insert(id, i);
    }
    Ok(())
}

/// Whether the frame has a column of this name.
fn has_column(frame: &LeadFrame, name: &str) -> bool {
    frame.df.get_column_names().iter().any(|c| c.as_str() == name)
}
