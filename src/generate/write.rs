//! Writing the sample files: RFC 4180 CSV rows into a buffered temporary file in the output
//! directory, renamed over the final name only once every file is complete.
//!
//! Rows are formatted into a reused byte buffer (integers, fixed-decimal floats and dates by hand,
//! no allocation per cell), so generating millions of rows is bounded by the disk, not by
//! formatting. A [`PendingFile`] or [`FinishedFile`] that is dropped before it is committed
//! deletes its temporary file, and [`FinishedFile::commit_all`] moves the files into place
//! all or none, so a failed run leaves nothing half-written behind. [`push_lead_row`] is the
//! one place that turns a lead into its CSV cells (blanked cells become empty).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use tempfile::NamedTempFile;

use super::lead::Lead;
use super::GenerateError;
use crate::data::output::{commit_all, stage_file, Staged};

/// One CSV cell before formatting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Text, quoted if it contains a comma, quote, CR or LF.
    Text(&'a str),
    /// A non-negative integer.
    Int(u64),
    /// A non-negative number with one decimal.
    Dec1(f64),
    /// A non-negative number with two decimals.
    Dec2(f64),
    /// An empty cell.
    Empty,
}

/// Appends `field` to `out`, quoting it (and doubling its quotes) when CSV requires it.
pub fn push_text(out: &mut Vec<u8>, field: &str) {
    if field.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// Appends the decimal digits of `n`.
pub fn push_int(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends `n` zero-padded to `width` digits.
fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let start = out.len();
    push_int(out, n);
    let len = out.len() - start;
    if len < width {
        out.splice(start..start, std::iter::repeat_n(b'0', width - len));
    }
}

/// Appends a non-negative `x` with exactly `decimals` decimals (rounded half away from zero).
pub fn push_fixed(out: &mut Vec<u8>, x: f64, decimals: u32) {
    let scale = 10u64.pow(decimals);
    let scaled = (x.max(0.0) * scale as f64).round() as u64;
    push_int(out, scaled / scale);
    out.push(b'.');
    push_padded(out, scaled % scale, decimals as usize);
}

/// Appends one CSV row (cells separated by commas, ending in `\n`).
pub fn push_row(out: &mut Vec<u8>, cells: &[Cell<'_>]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match *cell {
            Cell::Text(s) => push_text(out, s),
            Cell::Int(n) => push_int(out, n),
            Cell::Dec1(x) => push_fixed(out, x, 1),
            Cell::Dec2(x) => push_fixed(out, x, 2),
            Cell::Empty => {}
        }
    }
    out.push(b'\n');
}

/// `YYYY-MM-DD` for every day from `as_of - max_back` to `as_of`, computed once so that dates and
/// timestamps are copied, not formatted, per row.
#[derive(Debug)]
pub struct DayTable {
    days: Vec<[u8; 10]>,
}

impl DayTable {
    /// Builds the table. The caller guarantees the dates have four-digit years.
    pub fn new(as_of: NaiveDate, max_back: u32) -> Self {
        let days = (0..=max_back)
            .map(|back| {
                let d = as_of - chrono::Days::new(u64::from(back));
                let mut text = Vec::with_capacity(10);
                push_padded(&mut text, d.year() as u64, 4);
                text.push(b'-');
                push_padded(&mut text, u64::from(d.month()), 2);
                text.push(b'-');
                push_padded(&mut text, u64::from(d.day()), 2);
                let mut fixed = [0u8; 10];
                fixed.copy_from_slice(&text);
                fixed
            })
            .collect();
        Self { days }
    }

    /// The date `back` days before the as-of date.
    pub fn date(&self, back: u32) -> &str {
        std::str::from_utf8(&self.days[back as usize]).expect("dates are ASCII")
    }

    /// Appends `YYYY-MM-DDTHH:MM:SSZ` for the second `second_of_day` of the day `back` days before
    /// the as-of date.
    pub fn push_timestamp(&self, out: &mut Vec<u8>, back: u32, second_of_day: u32) {
        out.extend_from_slice(&self.days[back as usize]);
        out.push(b'T');
        push_padded(out, u64::from(second_of_day / 3600), 2);
        out.push(b':');
        push_padded(out, u64::from(second_of_day / 60 % 60), 2);
        out.push(b':');
        push_padded(out, u64::from(second_of_day % 60), 2);
        out.push(b'Z');
    }
}

/// An output file being written: a buffered temporary file next to its final path (see
/// [`crate::data::output::stage_file`]), removed if dropped before it is committed.
#[derive(Debug)]
pub struct PendingFile {
    temp: NamedTempFile,
    path: PathBuf,
    writer: BufWriter<File>,
    rows: u64,
}

impl PendingFile {
    /// Creates a temporary file in the same directory as `path` and writes the `header` row.
    pub fn create(path: PathBuf, header: &[&str]) -> Result<Self, GenerateError> {
        let temp = stage_file(&path)?;
        let file = temp.reopen().map_err(|source| GenerateError::Write { path: temp.path().to_path_buf(), source })?;
        let mut pending = Self { temp, path, writer: BufWriter::with_capacity(1 << 20, file), rows: 0 };
        let mut line = Vec::new();
        let cells: Vec<Cell<'_>> = header.iter().map(|h| Cell::Text(h)).collect();
        push_row(&mut line, &cells);
        pending.write_raw(&line)?;
        Ok(pending)
    }

    /// Writes pre-formatted rows (`rows` of them) from `bytes`.
    pub fn write_rows(&mut self, bytes: &[u8], rows: u64) -> Result<(), GenerateError> {
        self.write_raw(bytes)?;
        self.rows += rows;
        Ok(())
    }

    fn write_raw(&mut self, bytes: &[u8]) -> Result<(), GenerateError> {
        self.writer
            .write_all(bytes)
            .map_err(|source| GenerateError::Write { path: self.temp.path().to_path_buf(), source })
    }

    /// Data rows written so far (the header is not counted).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and syncs the temporary file; it stays temporary until committed.
    pub fn finish(self) -> Result<FinishedFile, GenerateError> {
        let temp_path = self.temp.path().to_path_buf();
        let file = self
            .writer
            .into_inner()
            .map_err(|e| GenerateError::Write { path: temp_path.clone(), source: e.into_error() })?;
        file.sync_all().map_err(|source| GenerateError::Write { path: temp_path, source })?;
        Ok(FinishedFile { staged: Staged::new(self.temp, &self.path), rows: self.rows })
    }
}

/// A complete temporary file waiting to be renamed into place; dropping it removes it.
#[derive(Debug)]
pub struct FinishedFile {
    staged: Staged,
    rows: u64,
}

impl FinishedFile {
    /// Renames the temporary file over the final path; returns the path and the row count.
    pub fn commit(self) -> Result<(PathBuf, u64), GenerateError> {
        let path = self.staged.target().to_path_buf();
        self.staged.commit()?;
        Ok((path, self.rows))
    }

    /// Renames every file into place, all or none (see [`commit_all`]); returns each path
    /// and row count, in order.
    pub fn commit_all(files: Vec<FinishedFile>) -> Result<Vec<(PathBuf, u64)>, GenerateError> {
        let done: Vec<(PathBuf, u64)> = files.iter().map(|f| (f.staged.target().to_path_buf(), f.rows)).collect();
        commit_all(files.into_iter().map(|f| f.staged).collect())?;
        Ok(done)
    }

    /// The temporary file's path.
    pub fn temp_path(&self) -> &Path {
        self.staged.temp_path()
    }
}

/// Appends the CSV row of `lead` in [`super::LEAD_COLUMNS`] order, plus `converted` if given.
pub fn push_lead_row(out: &mut Vec<u8>, days: &DayTable, lead: &Lead, converted: Option<bool>) {
    let e = &lead.engagement;
    let b = &lead.blanks;
    let id = lead.id.to_string();
    let text_or_blank = |blank: bool, text: Option<&'static str>| match (blank, text) {
        (false, Some(t)) => Cell::Text(t),
        _ => Cell::Empty,
    };
    let yes_no = |flag: bool| Cell::Text(if flag { "Yes" } else { "No" });
    let int = |n: u32| Cell::Int(u64::from(n));
    let mut cells = vec![
        Cell::Text(&id),
        Cell::Text(days.date(lead.age_days)),
        Cell::Text(lead.first_name),
        Cell::Text(lead.email.label()),
        text_or_blank(b.job_title, Some(lead.job_title)),
        text_or_blank(b.seniority, lead.seniority.map(|s| s.label())),
        text_or_blank(b.industry, lead.industry.map(|i| i.label())),
        text_or_blank(b.company_size, lead.company_size.map(|s| s.label())),
        text_or_blank(b.country, lead.country),
        Cell::Text(lead.source.label()),
        Cell::Text(lead.segment.label()),
        int(e.visits),
        if b.time_on_site { Cell::Empty } else { Cell::Dec1(e.time_on_site_min) },
        if b.pages_per_visit { Cell::Empty } else { Cell::Dec2(e.pages_per_visit) },
        int(e.downloads),
        int(e.webinars_attended),
        int(e.email_opens),
        int(e.email_clicks),
        int(e.pricing_page_visits),
        int(e.careers_page_visits),
        yes_no(e.unsubscribed),
        int(e.days_since_last_activity),
        yes_no(e.demo_requested),
    ];
    if let Some(c) = converted {
        cells.push(Cell::Int(u64::from(c)));
    }
    push_row(out, &cells);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[Cell<'_>]) -> String {
        let mut out = Vec::new();
        push_row(&mut out, cells);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_commas_and_doubles_quotes() {
        assert_eq!(
            row(&[Cell::Text("Marketing Manager, EMEA"), Cell::Text("Head of \"Everything\""), Cell::Text("plain")]),
            "\"Marketing Manager, EMEA\",\"Head of \"\"Everything\"\"\",plain\n"
        );
        assert_eq!(row(&[Cell::Text("two\nlines"), Cell::Empty, Cell::Text("Zoë")]), "\"two\nlines\",,Zoë\n");
    }

    #[test]
    fn numbers_have_fixed_decimals() {
        assert_eq!(
            row(&[
                Cell::Int(0),
                Cell::Int(1_234_567),
                Cell::Dec1(12.25),
                Cell::Dec1(0.0),
                Cell::Dec2(2.5),
                Cell::Dec2(10.1)
            ]),
            "0,1234567,12.3,0.0,2.50,10.10\n"
        );
        assert_eq!(row(&[Cell::Dec2(3.0), Cell::Dec1(99.95)]), "3.00,100.0\n");
    }

    #[test]
    fn day_table_formats_dates_and_timestamps() {
        let table = DayTable::new(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), 400);
        assert_eq!(table.date(0), "2026-03-01");
        assert_eq!(table.date(1), "2026-02-28");
        assert_eq!(table.date(366), "2025-02-28");
        let mut out = Vec::new();
        table.push_timestamp(&mut out, 1, 13 * 3600 + 5 * 60 + 9);
        assert_eq!(out, b"2026-02-28T13:05:09Z");
    }

    #[test]
    fn dropped_file_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let path = dir.join("out.csv");
        let mut pending = PendingFile::create(path.clone(), &["a", "b"]).unwrap();
        pending.write_rows(b"1,2\n", 1).unwrap();
        drop(pending);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

        let mut pending = PendingFile::create(path.clone(), &["a", "b"]).unwrap();
        pending.write_rows(b"1,2\n", 1).unwrap();
        let (done, rows) = pending.finish().unwrap().commit().unwrap();
        assert_eq!((done, rows), (path.clone(), 1));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n1,2\n");
    }
}
