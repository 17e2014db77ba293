//! Synthetic lead data: a seeded generator of realistic B2B/B2C software leads, their conversion
//! outcome and their activity log, for demos, tests and benchmarks of the scoring pipeline.
//!
//! # Data flow
//!
//! [`write_sample`] streams leads one at a time (memory does not grow with the row count):
//!
//! 1. [`lead::draw_lead`] draws who the lead is (segment, company size, seniority, industry,
//!    e-mail type, source, country, name, title), a latent buying intent that depends on that fit,
//!    and engagement counts driven by the intent (see the [`lead`] module for the formulas).
//!    About 4% are junk sign-ups with placeholder names and no engagement.
//! 2. [`outcome::conversion_probability`] turns the lead into its true conversion probability
//!    through a documented nonlinear logit (fit interaction, diminishing returns, pricing × demo,
//!    recency decay, a time-on-site threshold; see the [`outcome`] module); history leads draw
//!    `converted` from it.
//! 3. [`activity::draw_events`] expands the counts into time-stamped events whose per-kind counts
//!    equal the count columns.
//! 4. [`mod@write`] formats rows into buffered temporary files that are renamed into place only when
//!    all files are complete.
//!
//! # Reproducibility
//!
//! Randomness comes from [`rand_chacha::ChaCha8Rng`] seeded with [`GeneratorParams::seed`], with
//! separate streams for history leads (0), open leads (1), history activities (2) and open-lead
//! activities (3), and with the last step of every distribution done in the private `dist` module. The same
//! parameters therefore give byte-identical files on every platform; history leads do not depend
//! on `open_rows` or `activities`, and the first N history rows are the same for any
//! `history_rows` ≥ N.
//!
//! # Example
//!
//! ```no_run
//! use leadscore::generate::{write_sample, GeneratorParams};
//!
//! let params = GeneratorParams { history_rows: 500, open_rows: 100, ..GeneratorParams::default() };
//! let files = write_sample(std::path::Path::new("data"), &params)?;
//! println!("{} history rows, {:?} converted", files.history_rows, files.conversion_rate);
//! # Ok::<(), leadscore::generate::GenerateError>(())
//! ```

pub mod activity;
pub mod contacts;
mod dist;
pub mod lead;
pub mod outcome;
pub mod sample;
pub mod vocab;
pub mod write;

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

pub use lead::{Lead, LeadId};
pub use outcome::{conversion_logit, conversion_probability};
pub use sample::{history_leads, open_leads, Sample, SampledLead};

use activity::{draw_events, push_events, Event, ACTIVITY_HEADER};
use write::{push_lead_row, DayTable, FinishedFile, PendingFile};

/// Columns of `open_leads.csv`; `history.csv` has these plus `converted`.
pub const LEAD_COLUMNS: [&str; 23] = [
    "lead_id",
    "created_date",
    "first_name",
    "email_domain_type",
    "job_title",
    "seniority",
    "industry",
    "company_size",
    "country",
    "lead_source",
    "segment",
    "visits",
    "time_on_site_min",
    "pages_per_visit",
    "downloads",
    "webinars_attended",
    "email_opens",
    "email_clicks",
    "pricing_page_visits",
    "careers_page_visits",
    "unsubscribed",
    "days_since_last_activity",
    "demo_requested",
];

/// The label column of `history.csv`.
pub const TARGET_COLUMN: &str = "converted";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorParams {
    /// Rows of `history.csv` (leads with a known outcome).
    pub history_rows: usize,
    /// Rows of `open_leads.csv` (leads to score).
    pub open_rows: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// The day the data is extracted; ages and recency are measured from it.
    pub as_of: NaiveDate,
    /// Whether to write `activities.csv`.
    pub activities: bool,
}

impl Default for GeneratorParams {
    /// 3000 history rows, 1000 open rows, seed 42, as of 2026-06-30, with activities.
    fn default() -> Self {
        Self {
            history_rows: 3000,
            open_rows: 1000,
            seed: 42,
            as_of: NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid date"),
            activities: true,
        }
    }
}

/// What [`write_sample`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedFiles {
    /// Path of `history.csv`.
    pub history: PathBuf,
    /// Path of `open_leads.csv`.
    pub open_leads: PathBuf,
    /// Path of `activities.csv`, if activities were requested.
    pub activities: Option<PathBuf>,
    /// Data rows in `history.csv`.
    pub history_rows: u64,
    /// Data rows in `open_leads.csv`.
    pub open_rows: u64,
    /// Data rows in `activities.csv` (0 if not written).
    pub activity_rows: u64,
    /// Share of history rows with `converted = 1` (`None` without history rows).
    pub conversion_rate: Option<f64>,
}

/// Errors of [`write_sample`].
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The as-of date leaves the four-digit years the files are written with.
    #[error("as-of date {as_of} is out of range: it and the 547 days before it must be in years 1000-9999; pass a date such as 2026-06-30")]
    AsOfOutOfRange {
        /// The rejected date.
        as_of: NaiveDate,
    },
    /// An output file could not be created or moved into place.
    #[error(transparent)]
    Output(#[from] crate::data::output::OutputError),
    /// Writing or flushing a temporary output file failed.
    #[error("{path}: write failed (is the disk full?)")]
    Write {
        /// The temporary file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Flush the row buffer to the file when it grows past this many bytes.
const FLUSH_BYTES: usize = 1 << 16;

/// Writes `history.csv`, `open_leads.csv` and (if `params.activities`) `activities.csv` into
/// `dir` (created if needed). Rows stream through temporary files in `dir`; the files are moved
/// into place together only once all of them are complete, all or none (a failed move rolls
/// back the ones already made). On error no temporary file is left behind. Without
/// activities, an existing `activities.csv` is left alone.
pub fn write_sample(dir: &Path, params: &GeneratorParams) -> Result<GeneratedFiles, GenerateError> {
    check_as_of(params.as_of)?;
    let days = DayTable::new(params.as_of, Sample::History.age_days().1.max(Sample::Open.age_days().1));
    let mut history_header = LEAD_COLUMNS.to_vec();
    history_header.push(TARGET_COLUMN);
    let mut history = PendingFile::create(dir.join("history.csv"), &history_header)?;
    let mut open = PendingFile::create(dir.join("open_leads.csv"), &LEAD_COLUMNS)?;
    let mut activities =
        if params.activities { Some(PendingFile::create(dir.join("activities.csv"), &ACTIVITY_HEADER)?) } else { None };

    let mut buffers = Buffers { days: &days, rows: Vec::new(), event_rows: Vec::new(), events: Vec::new() };
    let converted = buffers.write_leads(params, Sample::History, &mut history, activities.as_mut())?;
    buffers.write_leads(params, Sample::Open, &mut open, activities.as_mut())?;

    let mut finished = vec![history.finish()?, open.finish()?];
    if let Some(a) = activities {
        finished.push(a.finish()?);
    }
    let mut done = FinishedFile::commit_all(finished)?.into_iter();
    let (history_path, history_rows) = done.next().expect("history was committed");
    let (open_path, open_rows) = done.next().expect("open leads were committed");
    let (activities_path, activity_rows) = match done.next() {
        Some((path, rows)) => (Some(path), rows),
        None => (None, 0),
    };
    Ok(GeneratedFiles {
        history: history_path,
        open_leads: open_path,
        activities: activities_path,
        history_rows,
        open_rows,
        activity_rows,
        conversion_rate: (history_rows > 0).then(|| converted as f64 / history_rows as f64),
    })
}

fn check_as_of(as_of: NaiveDate) -> Result<(), GenerateError> {
    let earliest = as_of.checked_sub_days(chrono::Days::new(u64::from(Sample::History.age_days().1)));
    match earliest {
        Some(earliest) if earliest.year() >= 1000 && as_of.year() <= 9999 => Ok(()),
        _ => Err(GenerateError::AsOfOutOfRange { as_of }),
    }
}

/// Reused buffers for streaming rows.
struct Buffers<'a> {
    days: &'a DayTable,
    rows: Vec<u8>,
    event_rows: Vec<u8>,
    events: Vec<Event>,
}

impl Buffers<'_> {
    /// Writes the leads of `sample` to `file` (and their events to `activities`); returns how
    /// many converted (0 for open leads).
    fn write_leads(
        &mut self,
        params: &GeneratorParams,
        sample: Sample,
        file: &mut PendingFile,
        mut activities: Option<&mut PendingFile>,
    ) -> Result<u64, GenerateError> {
        let mut event_rng = sample::rng(params.seed, sample.activity_stream());
        let (mut converted, mut pending_rows, mut pending_events) = (0, 0, 0);
        for SampledLead { lead, converted: outcome } in sample::leads(params, sample) {
            converted += u64::from(outcome == Some(true));
            push_lead_row(&mut self.rows, self.days, &lead, outcome);
            pending_rows += 1;
            if self.rows.len() >= FLUSH_BYTES {
                file.write_rows(&self.rows, pending_rows)?;
                self.rows.clear();
                pending_rows = 0;
            }
            if let Some(act) = activities.as_deref_mut() {
                draw_events(&mut event_rng, &lead, &mut self.events);
                pending_events += push_events(&mut self.event_rows, self.days, &lead, &self.events);
                if self.event_rows.len() >= FLUSH_BYTES {
                    act.write_rows(&self.event_rows, pending_events)?;
                    self.event_rows.clear();
                    pending_events = 0;
                }
            }
        }
        file.write_rows(&self.rows, pending_rows)?;
        self.rows.clear();
        if let Some(act) = activities {
            act.write_rows(&self.event_rows, pending_events)?;
            self.event_rows.clear();
        }
        Ok(converted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A fresh empty directory under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("leadscore-gen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Splits CSV text into records of fields (RFC 4180: quoted fields, doubled quotes).
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let (mut record, mut field) = (Vec::new(), String::new());
        let (mut quoted, mut chars) = (false, text.chars().peekable());
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, c) => field.push(c),
            }
        }
        records
    }

    fn small(seed: u64) -> GeneratorParams {
        GeneratorParams { history_rows: 1500, open_rows: 400, seed, ..GeneratorParams::default() }
    }

    fn read(path: &Path) -> Vec<u8> {
        std::fs::read(path).unwrap()
    }

    #[test]
    fn same_seed_gives_identical_files_and_another_seed_does_not() {
        let (a, b, c) = (temp_dir("seed-a"), temp_dir("seed-b"), temp_dir("seed-c"));
        let fa = write_sample(&a, &small(7)).unwrap();
        let fb = write_sample(&b, &small(7)).unwrap();
        let fc = write_sample(&c, &small(8)).unwrap();
        for name in ["history.csv", "open_leads.csv", "activities.csv"] {
            assert_eq!(read(&a.join(name)), read(&b.join(name)), "{name}");
            assert_ne!(read(&a.join(name)), read(&c.join(name)), "{name}");
        }
        assert_eq!(fa.conversion_rate, fb.conversion_rate);
        assert_ne!(fa.conversion_rate, fc.conversion_rate);
        for dir in [a, b, c] {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn history_does_not_depend_on_open_rows_or_activities() {
        let (a, b) = (temp_dir("prefix-a"), temp_dir("prefix-b"));
        write_sample(&a, &small(5)).unwrap();
        let other = GeneratorParams { history_rows: 2000, open_rows: 10, activities: false, ..small(5) };
        write_sample(&b, &other).unwrap();
        let (ha, hb) = (read(&a.join("history.csv")), read(&b.join("history.csv")));
        assert!(hb.starts_with(&ha));
        assert!(!b.join("activities.csv").exists());
        std::fs::remove_dir_all(a).unwrap();
        std::fs::remove_dir_all(b).unwrap();
    }

    #[test]
    fn files_have_the_documented_shape() {
        let dir = temp_dir("shape");
        let files = write_sample(&dir, &small(1)).unwrap();
        let history = parse_csv(&String::from_utf8(read(&files.history)).unwrap());
        let open = parse_csv(&String::from_utf8(read(&files.open_leads)).unwrap());
        assert_eq!(history[0].last().unwrap(), "converted");
        assert_eq!(history[0][..23], LEAD_COLUMNS.map(String::from));
        assert_eq!(open[0], LEAD_COLUMNS.map(String::from));
        assert_eq!((history.len() - 1, open.len() - 1), (1500, 400));
        assert_eq!((files.history_rows, files.open_rows), (1500, 400));
        assert!(history.iter().all(|r| r.len() == 24) && open.iter().all(|r| r.len() == 23));
        assert_eq!(history[1][0], "L0000001");
        assert_eq!(open[1][0], "L0001501");
        // History spans 2024-12-30 (547 days back) to 2026-05-31; open leads the last 90 days.
        let dates = |rows: &[Vec<String>]| {
            let mut d: Vec<String> = rows[1..].iter().map(|r| r[1].clone()).collect();
            d.sort();
            (d[0].clone(), d[d.len() - 1].clone())
        };
        let (h_min, h_max) = dates(&history);
        assert!(h_min.as_str() >= "2024-12-30" && h_max.as_str() <= "2026-05-31", "{h_min} {h_max}");
        let (o_min, o_max) = dates(&open);
        assert!(o_min.as_str() >= "2026-04-02" && o_max.as_str() <= "2026-06-30", "{o_min} {o_max}");
        // Quoted titles survive: "Marketing Manager, EMEA" contains the separator.
        assert!(history.iter().any(|r| r[4] == "Marketing Manager, EMEA"));
        // The in-memory stream yields the very leads and outcomes of the file.
        for (row, drawn) in history[1..].iter().zip(history_leads(&small(1))) {
            assert_eq!(row[0], drawn.lead.id.to_string());
            assert_eq!(row[23], if drawn.converted == Some(true) { "1" } else { "0" });
            assert_eq!(row[11], drawn.lead.engagement.visits.to_string());
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn realised_conversion_rate_is_in_the_documented_band() {
        let dir = temp_dir("rate");
        let params =
            GeneratorParams { history_rows: 20_000, open_rows: 0, activities: false, ..GeneratorParams::default() };
        let rate = write_sample(&dir, &params).unwrap().conversion_rate.unwrap();
        assert!((0.15..=0.25).contains(&rate), "rate {rate}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn junk_leads_almost_never_convert() {
        let params = GeneratorParams { history_rows: 50_000, ..GeneratorParams::default() };
        let (mut junk, mut converted) = (0, 0);
        for SampledLead { lead, converted: c } in history_leads(&params) {
            if lead.junk {
                junk += 1;
                converted += u32::from(c == Some(true));
            }
        }
        assert!(junk > 1_800, "{junk} junk leads");
        assert!(f64::from(converted) / f64::from(junk) < 0.02, "{converted} of {junk}");
    }

    #[test]
    fn activity_log_matches_count_columns_for_every_lead() {
        let dir = temp_dir("activity");
        let files = write_sample(&dir, &small(3)).unwrap();
        let log = parse_csv(&String::from_utf8(read(files.activities.as_ref().unwrap())).unwrap());
        assert_eq!(log[0], ACTIVITY_HEADER.map(String::from));
        assert_eq!(log.len() as u64 - 1, files.activity_rows);
        let mut counts: HashMap<(String, String), u32> = HashMap::new();
        let mut newest: HashMap<String, String> = HashMap::new();
        for row in &log[1..] {
            *counts.entry((row[0].clone(), row[1].clone())).or_default() += 1;
            let ts = newest.entry(row[0].clone()).or_default();
            if row[2] > *ts {
                *ts = row[2].clone();
            }
        }
        let columns = [
            ("web_visit", 11),
            ("content_download", 14),
            ("webinar_attended", 15),
            ("email_open", 16),
            ("email_click", 17),
            ("pricing_page_visit", 18),
            ("careers_page_visit", 19),
        ];
        let as_of = GeneratorParams::default().as_of;
        for path in [&files.history, &files.open_leads] {
            let leads = parse_csv(&String::from_utf8(read(path)).unwrap());
            for row in &leads[1..] {
                let n = |activity: &str| counts.get(&(row[0].clone(), activity.to_string())).copied().unwrap_or(0);
                for (activity, col) in columns {
                    assert_eq!(n(activity).to_string(), row[col], "{} {activity}", row[0]);
                }
                assert_eq!(n("unsubscribe"), u32::from(row[20] == "Yes"), "{}", row[0]);
                assert_eq!(n("demo_request"), u32::from(row[22] == "Yes"), "{}", row[0]);
                if let Some(ts) = newest.get(&row[0]) {
                    let day = NaiveDate::parse_from_str(&ts[..10], "%Y-%m-%d").unwrap();
                    assert_eq!((as_of - day).num_days().to_string(), row[21], "{}", row[0]);
                    assert!(ts.as_str() >= row[1].as_str(), "{} before creation", row[0]);
                }
            }
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn failure_leaves_no_files_behind() {
        let dir = temp_dir("fail");
        let names = |dir: &Path| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        // A "directory" that is a file cannot hold the output.
        std::fs::write(dir.join("plain-file"), "x").unwrap();
        let err = write_sample(&dir.join("plain-file"), &small(1)).unwrap_err();
        assert!(matches!(&err, GenerateError::Output(_)), "{err}");
        assert!(err.to_string().contains("plain-file/history.csv"), "{err}");
        // Regression (generate left history.csv and open_leads.csv behind when activities.csv
        // could not be written): activities.csv is a directory, so nothing is written at all.
        std::fs::create_dir(dir.join("activities.csv")).unwrap();
        std::fs::write(dir.join("activities.csv").join("keep"), "x").unwrap();
        let err = write_sample(&dir, &small(1)).unwrap_err();
        assert!(err.to_string().contains("activities.csv: is a directory"), "{err}");
        assert_eq!(names(&dir), ["activities.csv", "plain-file"], "no output and no temporary file");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn as_of_must_keep_four_digit_years() {
        let params = GeneratorParams { as_of: NaiveDate::from_ymd_opt(1000, 6, 1).unwrap(), ..small(1) };
        let err = write_sample(&std::env::temp_dir(), &params).unwrap_err();
        assert!(matches!(err, GenerateError::AsOfOutOfRange { .. }), "{err}");
    }
}
