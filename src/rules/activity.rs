//! The activity log, aggregated per lead in one pass.
//!
//! The log is read by the lead loader ([`crate::data::load::BatchReader`]), so it gets the
//! same checks and row-naming errors as a lead file; a CSV log streams in batches, parsed on
//! a second thread while this one folds the previous batch.
//! Input: one row per event (lead id, activity type, timestamp, optional page and
//! product; column names from `[activities]`). Each event gets an age in days, measured
//! from the *end* of the as-of day (so an event on the as-of day is 0–1 days old); events
//! after that instant are ignored, so `--as-of` in the past replays history. For every
//! activity rule `r` the fold computes, per lead and per (lead, product):
//! - `count_r`: events matching the rule's filter and not expired (age ≤ `expire_after_days`);
//! - `weight_r`: the decay weights `0.5^(age / half_life_days)` (1 without decay) of those
//!   events, summed for `per = "each"` and the largest (the most recent event) for `once`.
//!
//! Only events some rule can count are folded (a rule's activity type, not after the as-of
//! day, not older than the longest expiry when every rule expires). The result is an
//! [`ActivityTable`]: a hash map lead id → slot, the per-rule aggregates of each lead, and
//! each lead's score per product (the rule points earned by that product's events, capped
//! per rule, once the whole log is in). Memory is one entry per lead that has
//! events; the raw log is never held.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use super::error::RulesError;
use super::items::ActivityColumns;
use super::set::{ActivityFilter, Per, RuleSet};
use crate::data::load::{BatchReader, FileFormat};

/// One rule's aggregate for one lead.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RuleAgg {
    /// Matching events that have not expired.
    pub count: u32,
    /// Sum (each) or max (once) of their decay weights.
    pub weight: f64,
}

/// Points of an activity rule from its aggregate: `(points, capped)`.
pub fn activity_points(f: &ActivityFilter, agg: RuleAgg) -> (f64, bool) {
    if agg.count == 0 {
        return (0.0, false);
    }
    cap(f.points * agg.weight, f.max)
}

/// Caps points at `max` in absolute value: `(points, capped)`.
pub fn cap(points: f64, max: Option<f64>) -> (f64, bool) {
    match max {
        Some(m) if points.abs() > m => (m.copysign(points), true),
        _ => (points, false),
    }
}

pub use crate::rng::FastMap;

/// What the timestamp parser saw.
#[derive(Debug, Clone, Default)]
struct Parsed {
    rows: usize,
    bad: usize,
    first_bad: Option<String>,
    first_bad_row: Option<usize>,
}

/// Per-lead aggregates of the activity log.
#[derive(Debug, Default)]
pub struct ActivityTable {
    index: FastMap<String, u32>,
    n_rules: usize,
    aggs: Vec<RuleAgg>,
    products: Vec<Vec<(u32, f64)>>,
    product_names: Vec<String>,
    /// The log.
    pub path: PathBuf,
    /// Events read (all rows of the log).
    pub events: usize,
}

impl ActivityTable {
    /// Reads and aggregates the log at `path` for the activity rules of `rules`, as of the end of `as_of`.
    ///
    /// The log is read by the lead loader ([`BatchReader`]), so a broken file gets the same
    /// errors naming its row (not UTF-8, wrong field counts, an unclosed quote, limits). A
    /// CSV log is read in batches on a second thread while this one folds the previous batch
    /// into the table, so the raw log is never held whole.
    pub fn load(path: &Path, rules: &RuleSet, as_of: NaiveDate) -> Result<ActivityTable, RulesError> {
        // NDJSON and Parquet come whole: an NDJSON batch's columns depend on its lines.
        let batch_rows = match FileFormat::from_path(path) {
            Ok(FileFormat::Csv { .. }) | Err(_) => ACTIVITY_BATCH_ROWS,
            Ok(_) => usize::MAX,
        };
        ActivityTable::load_in_batches(path, rules, as_of, batch_rows)
    }

    fn load_in_batches(
        path: &Path,
        rules: &RuleSet,
        as_of: NaiveDate,
        batch_rows: usize,
    ) -> Result<ActivityTable, RulesError> {
        let pe = |source| RulesError::Polars { path: path.to_path_buf(), source };
        let mut reader = BatchReader::open(path, batch_rows)?;
        let cols = &rules.activity_columns;
        if let Some(header) = reader.header() {
            check_columns(path, cols, &header)?;
        }
        let end =
            as_of.succ_opt().unwrap_or(as_of).and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0);
        let mut seen = Parsed::default();
        let mut fold = Fold::new(&rules.activity_rules);
        let mut checked = reader.header().is_some();
        std::thread::scope(|scope| -> Result<(), RulesError> {
            // One batch in flight: reading (CSV parsing) overlaps with aggregating.
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            scope.spawn(move || loop {
                let batch = reader.next_batch();
                let last = !matches!(batch, Ok(Some(_)));
                if tx.send(batch).is_err() || last {
                    break;
                }
            });
            for batch in rx {
                let Some(batch) = batch? else { break };
                if !checked {
                    let names: Vec<String> = batch.get_column_names().iter().map(|n| n.to_string()).collect();
                    check_columns(path, cols, &names)?;
                    checked = true;
                }
                let age = ages(&batch, cols, end, &mut seen).map_err(pe)?;
                if seen.bad > 0 {
                    // An error is coming: only count the remaining bad timestamps.
                    continue;
                }
                fold.add(&batch, cols, &age).map_err(pe)?;
            }
            Ok(())
        })?;
        if seen.bad > 0 {
            return Err(RulesError::BadTimestamps {
                path: path.to_path_buf(),
                column: cols.timestamp.clone(),
                format: cols.timestamp_format.clone(),
                count: seen.bad,
                example: seen.first_bad.unwrap_or_default(),
                row: seen.first_bad_row,
            });
        }
        let mut table = fold.finish();
        table.path = path.to_path_buf();
        table.events = seen.rows;
        Ok(table)
    }

    /// Leads with at least one event.
    pub fn leads(&self) -> usize {
        self.index.len()
    }

    /// The aggregates of `lead` (one per activity rule), if it has events.
    pub fn lead(&self, id: &str) -> Option<&[RuleAgg]> {
        let s = *self.index.get(id)? as usize;
        Some(&self.aggs[s * self.n_rules..(s + 1) * self.n_rules])
    }

    /// Points per product for `lead`, highest first.
    pub fn products(&self, id: &str) -> Vec<(&str, f64)> {
        let Some(&s) = self.index.get(id) else { return Vec::new() };
        let mut v: Vec<(&str, f64)> =
            self.products[s as usize].iter().map(|&(k, p)| (self.product_names[k as usize].as_str(), p)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }
}

/// Rows per batch of a CSV activity log (about 25 MB of text for a typical log).
const ACTIVITY_BATCH_ROWS: usize = 1 << 18;

/// Folds events into an [`ActivityTable`], batch by batch. Per lead it keeps the per-rule
/// aggregates, and per (lead, product) the same aggregates of that product's events, whose
/// points are computed once every batch is in (caps apply to the complete aggregate).
struct Fold<'a> {
    filters: &'a [ActivityFilter],
    /// Events older than this (days) count for no rule: every rule expires by then.
    longest_expiry: Option<f64>,
    table: ActivityTable,
    product_index: FastMap<String, u32>,
    /// Per lead slot: each product's per-rule aggregates.
    product_aggs: Vec<Vec<(u32, Vec<RuleAgg>)>>,
}

impl<'a> Fold<'a> {
    fn new(filters: &'a [ActivityFilter]) -> Self {
        let table = ActivityTable { n_rules: filters.len(), ..Default::default() };
        let expiries: Option<Vec<f64>> = filters.iter().map(|f| f.expire_after_days).collect();
        let longest_expiry = expiries.and_then(|e| e.into_iter().reduce(f64::max));
        Fold { filters, longest_expiry, table, product_index: FastMap::default(), product_aggs: Vec::new() }
    }

    /// Adds the events of one batch (text columns), `age` in days per row.
    fn add(&mut self, batch: &DataFrame, cols: &ActivityColumns, age: &[f64]) -> PolarsResult<()> {
        let text = |name: &str| -> PolarsResult<Option<&StringChunked>> {
            match batch.column(name) {
                Ok(c) => Ok(Some(c.str()?)),
                Err(_) => Ok(None),
            }
        };
        let (ids, activities) = (batch.column(&cols.id)?.str()?, batch.column(&cols.activity)?.str()?);
        let (pages, products) = (text(&cols.page)?, text(&cols.product)?);
        let n_rules = self.filters.len();
        let mut row: Vec<RuleAgg> = vec![RuleAgg::default(); n_rules];
        for (i, (id, activity)) in ids.iter().zip(activities.iter()).enumerate() {
            let (Some(id), Some(activity), age) = (id, activity, age[i]) else { continue };
            // Only events some rule can count: a rule's activity type, not after the as-of
            // day, not older than the longest expiry when every rule expires.
            if age.is_nan() || age < 0.0 || self.longest_expiry.is_some_and(|l| age > l) {
                continue;
            }
            if n_rules > 0 && !self.filters.iter().any(|f| f.activity == activity) {
                continue;
            }
            let page = pages.and_then(|p| p.get(i));
            let product = products.and_then(|p| p.get(i));
            for (into, f) in row.iter_mut().zip(self.filters) {
                *into = if counts(f, activity, product, page, age) {
                    RuleAgg { count: 1, weight: f.half_life_days.map_or(1.0, |h| 0.5f64.powf(age / h)) }
                } else {
                    RuleAgg::default()
                };
            }
            let t = &mut self.table;
            let slot = match t.index.get(id) {
                Some(&s) => s as usize,
                None => {
                    let s = t.products.len();
                    t.index.insert(id.to_string(), s as u32);
                    t.aggs.extend(std::iter::repeat_n(RuleAgg::default(), n_rules));
                    t.products.push(Vec::new());
                    self.product_aggs.push(Vec::new());
                    s
                }
            };
            for ((into, &agg), f) in t.aggs[slot * n_rules..].iter_mut().zip(&row).zip(self.filters) {
                merge_agg(into, agg, f.per);
            }
            let Some(p) = product.filter(|p| !p.trim().is_empty()) else { continue };
            let k = match self.product_index.get(p) {
                Some(&k) => k,
                None => {
                    let k = t.product_names.len() as u32;
                    self.product_index.insert(p.to_string(), k);
                    t.product_names.push(p.to_string());
                    k
                }
            };
            let of_lead = &mut self.product_aggs[slot];
            match of_lead.iter_mut().find(|(j, _)| *j == k) {
                Some((_, aggs)) => {
                    for ((into, &agg), f) in aggs.iter_mut().zip(&row).zip(self.filters) {
                        merge_agg(into, agg, f.per);
                    }
                }
                None => of_lead.push((k, row.clone())),
            }
        }
        Ok(())
    }

    fn finish(mut self) -> ActivityTable {
        for (slot, of_lead) in self.product_aggs.into_iter().enumerate() {
            for (k, aggs) in of_lead {
                let points: f64 = self.filters.iter().zip(aggs).map(|(f, agg)| activity_points(f, agg).0).sum();
                if points != 0.0 {
                    self.table.products[slot].push((k, points));
                }
            }
        }
        self.table
    }
}

/// Whether an event (not after the as-of day) counts for rule `f`: its activity type, and
/// its product, page (exact or prefix) and age within the expiry when the rule says so.
fn counts(f: &ActivityFilter, activity: &str, product: Option<&str>, page: Option<&str>, age: f64) -> bool {
    f.activity == activity
        && f.product.as_deref().is_none_or(|p| product == Some(p))
        && f.page
            .as_deref()
            .is_none_or(|pg| page.is_some_and(|v| if f.page_prefix { v.starts_with(pg) } else { v == pg }))
        && f.expire_after_days.is_none_or(|e| age <= e)
}

/// Adds `agg` into `into`: counts add up; weights add up (`each`) or take the largest (`once`).
fn merge_agg(into: &mut RuleAgg, agg: RuleAgg, per: Per) {
    into.count += agg.count;
    into.weight = match per {
        Per::Each => into.weight + agg.weight,
        Per::Once => into.weight.max(agg.weight),
    };
}

/// The ages in days of a batch's events (NaN where the timestamp does not read), counting
/// rows and unreadable timestamps (with the first, and its 1-based data row) in `seen`.
fn ages(batch: &DataFrame, cols: &ActivityColumns, end_ms: i64, seen: &mut Parsed) -> PolarsResult<Vec<f64>> {
    let ts = batch.column(&cols.timestamp)?.str()?;
    let fmt = cols.timestamp_format.as_str();
    let first_row = seen.rows + 1;
    let out = ts
        .iter()
        .enumerate()
        .map(|(i, v)| {
            // A blank timestamp cannot be aged: it is as wrong as an unreadable one.
            let v = v.unwrap_or("");
            age_days(v, fmt, end_ms).unwrap_or_else(|| {
                seen.bad += 1;
                if seen.first_bad.is_none() {
                    seen.first_bad = Some(v.chars().take(80).collect());
                    seen.first_bad_row = Some(first_row + i);
                }
                f64::NAN
            })
        })
        .collect();
    seen.rows += ts.len();
    Ok(out)
}

/// The id, activity and timestamp columns must be in the log.
fn check_columns(path: &Path, cols: &ActivityColumns, names: &[String]) -> Result<(), RulesError> {
    for c in [&cols.id, &cols.activity, &cols.timestamp] {
        if !names.iter().any(|n| n == c) {
            let available = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
            return Err(RulesError::ActivityColumn { path: path.to_path_buf(), column: c.clone(), available });
        }
    }
    Ok(())
}

/// Milliseconds since the Unix epoch of a timestamp in `fmt` (a date-only format is midnight).
/// The default ISO form `YYYY-MM-DDTHH:MM:SSZ` is read without chrono's format parser.
pub fn timestamp_millis(v: &str, fmt: &str) -> Option<i64> {
    let v = v.trim();
    if fmt == "%Y-%m-%dT%H:%M:%SZ" {
        let b = v.as_bytes();
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + (d - b'0') as u32))
        };
        let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
        let t = date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
        return Some(t.and_utc().timestamp_millis());
    }
    chrono::NaiveDateTime::parse_from_str(v, fmt)
        .ok()
        .or_else(|| NaiveDate::parse_from_str(v, fmt).ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
        .map(|t| t.and_utc().timestamp_millis())
}

/// Age in days of a timestamp relative to `end_ms` (negative: after it).
fn age_days(v: &str, fmt: &str, end_ms: i64) -> Option<f64> {
    timestamp_millis(v, fmt).map(|t| (end_ms - t) as f64 / 86_400_000.0)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules").join(name)
    }

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
    }

    #[test]
    fn aggregates_the_hand_made_log() {
        let rules = RuleSet::load(&fixture("rules.toml")).unwrap();
        let t = ActivityTable::load(&fixture("activities.csv"), &rules, as_of()).unwrap();
        assert_eq!((t.events, t.leads()), (8, 3));
        // Rules in order: webinar (each, half-life 30, expires 90), docs (/docs/* each),
        // demo (once), unsubscribe (once).
        let a1 = t.lead("A1").unwrap();
        assert_eq!(a1[0].count, 2);
        assert!((a1[0].weight - (0.5f64.powf(0.5 / 30.0) + 0.5f64.powf(30.5 / 30.0))).abs() < 1e-12);
        assert_eq!(a1[1], RuleAgg { count: 1, weight: 1.0 });
        assert_eq!(a1[2], RuleAgg { count: 0, weight: 0.0 }, "a demo after the as-of day does not count");
        assert_eq!(t.lead("B2").unwrap()[3], RuleAgg { count: 1, weight: 1.0 });
        assert!(t.lead("C3").is_none());
        let p = t.products("A1");
        assert_eq!(p.len(), 1, "the expired analytics webinar earns nothing: {p:?}");
        assert_eq!(p[0].0, "crm");
    }

    fn log(lines: &[&str]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        writeln!(f, "lead_id,activity,timestamp").unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
        f
    }

    #[test]
    fn decay_and_expiry_match_hand_computation() {
        let rules = RuleSet::parse(
            "[score]\nid = 'id'\n[[engagement]]\nactivity = 'x'\npoints = 8\nper = 'each'\nhalf_life_days = 10\nexpire_after_days = 20\n\
             [[engagement]]\nactivity = 'x'\npoints = 8\nhalf_life_days = 10\n",
            Path::new("r.toml"),
        )
        .unwrap();
        // Ages from the end of 2026-06-30: 10, 20 (kept: expiry is inclusive), 20.5 (expired).
        let f = log(&["L,x,2026-06-21T00:00:00Z", "L,x,2026-06-11T00:00:00Z", "L,x,2026-06-10T12:00:00Z"]);
        let t = ActivityTable::load(f.path(), &rules, as_of()).unwrap();
        let a = t.lead("L").unwrap();
        assert_eq!(a[0].count, 2);
        assert!((a[0].weight - 0.75).abs() < 1e-12, "0.5 + 0.25 = {}", a[0].weight);
        assert_eq!(activity_points(&rules.activity_rules[0], a[0]), (6.0, false));
        // `once` takes the most recent event: 8 × 0.5^(10/10) = 4.
        assert_eq!(a[1].count, 3);
        assert_eq!(activity_points(&rules.activity_rules[1], a[1]), (4.0, false));
    }

    #[test]
    fn bad_timestamps_are_an_error_naming_the_first() {
        let rules =
            RuleSet::parse("[score]\nid = 'id'\n[[engagement]]\nactivity = 'x'\npoints = 1\n", Path::new("r.toml"))
                .unwrap();
        let f = log(&["L,x,2026-06-21T00:00:00Z", "L,x,21/06/2026", "L,x,yesterday"]);
        let e = ActivityTable::load(f.path(), &rules, as_of()).unwrap_err().to_string();
        assert!(e.ends_with(
            "2 timestamp(s) in column \"timestamp\" are blank or do not read as \"%Y-%m-%dT%H:%M:%SZ\" (first: \"21/06/2026\", row 2); fix those rows, or set [activities] timestamp_format"
        ), "{e}");
        // A blank timestamp is an error too, not a silently dropped event.
        let f = log(&["L,x,2026-06-21T00:00:00Z", "L,x,2026-06-22T00:00:00Z", "L,x,"]);
        let e = ActivityTable::load(f.path(), &rules, as_of()).unwrap_err().to_string();
        assert!(e.contains("1 timestamp(s)") && e.contains("(first: \"\", row 3)"), "{e}");
    }

    #[test]
    fn a_log_read_in_batches_aggregates_like_one_read_whole() {
        let rules = RuleSet::load(&fixture("rules.toml")).unwrap();
        let whole = ActivityTable::load(&fixture("activities.csv"), &rules, as_of()).unwrap();
        for rows in [1, 2, 3] {
            let t = ActivityTable::load_in_batches(&fixture("activities.csv"), &rules, as_of(), rows).unwrap();
            assert_eq!((t.events, t.leads()), (whole.events, whole.leads()), "{rows} row(s) per batch");
            for id in ["A1", "B2", "C3"] {
                assert_eq!(t.lead(id), whole.lead(id), "{id}, {rows} row(s) per batch");
                assert_eq!(t.products(id), whole.products(id), "{id}, {rows} row(s) per batch");
            }
        }
        // Bad timestamps in several batches: all counted, the first named by its row.
        let one =
            RuleSet::parse("[score]\nid = 'id'\n[[engagement]]\nactivity = 'x'\npoints = 1\n", Path::new("r.toml"))
                .unwrap();
        let f = log(&["L,x,2026-06-21T00:00:00Z", "L,x,2026-06-22T00:00:00Z", "L,x,soon", "L,x,later"]);
        let e = ActivityTable::load_in_batches(f.path(), &one, as_of(), 2).unwrap_err().to_string();
        assert!(e.contains("2 timestamp(s)") && e.contains("(first: \"soon\", row 3)"), "{e}");
    }

    #[test]
    fn a_broken_log_gets_the_lead_loaders_errors_naming_file_and_row() {
        let rules =
            RuleSet::parse("[score]\nid = 'id'\n[[engagement]]\nactivity = 'x'\npoints = 1\n", Path::new("r.toml"))
                .unwrap();
        let mut latin1 = log(&["L1,x,2026-06-21T00:00:00Z"]);
        latin1.write_all(b"Jos\xe9,x,2026-06-21T00:00:00Z\n").unwrap();
        let e = ActivityTable::load(latin1.path(), &rules, as_of()).unwrap_err().to_string();
        let name = latin1.path().display().to_string();
        assert!(e.contains(&format!("{name}: data row 2 is not UTF-8 text (byte 0xe9)")), "{e}");
        let f = log(&["L1,x,2026-06-21T00:00:00Z", "L2,x"]);
        let e = ActivityTable::load(f.path(), &rules, as_of()).unwrap_err().to_string();
        assert!(e.contains("data row 2 has 2 field(s) but the header has 3"), "{e}");
        let f = log(&["L1,x,2026-06-21T00:00:00Z", "L2,\"x,2026-06-21T00:00:00Z"]);
        let e = ActivityTable::load(f.path(), &rules, as_of()).unwrap_err().to_string();
        assert!(e.contains("data row 2 opens a quote (\") that is never closed"), "{e}");
    }

    #[test]
    fn a_log_with_a_header_and_no_events_is_an_empty_table_and_missing_columns_are_named() {
        let rules =
            RuleSet::parse("[score]\nid = 'id'\n[[engagement]]\nactivity = 'x'\npoints = 1\n", Path::new("r.toml"))
                .unwrap();
        let t = ActivityTable::load(log(&[]).path(), &rules, as_of()).unwrap();
        assert_eq!((t.events, t.leads()), (0, 0));
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        writeln!(f, "lead_id,what,timestamp\nL,x,2026-06-21T00:00:00Z").unwrap();
        let e = ActivityTable::load(f.path(), &rules, as_of()).unwrap_err().to_string();
        assert!(e.contains("\"activity\"") && e.contains("\"what\""), "{e}");
    }

    #[test]
    fn timestamps_in_the_default_and_custom_formats() {
        assert_eq!(timestamp_millis("1970-01-02T00:00:01Z", "%Y-%m-%dT%H:%M:%SZ"), Some(86_401_000));
        assert_eq!(timestamp_millis("1970-13-02T00:00:01Z", "%Y-%m-%dT%H:%M:%SZ"), None);
        assert_eq!(timestamp_millis("02/01/1970 00:00", "%d/%m/%Y %H:%M"), Some(86_400_000));
        assert_eq!(timestamp_millis("1970-01-02", "%Y-%m-%d"), Some(86_400_000));
    }

    #[test]
    fn caps_keep_the_sign() {
        assert_eq!(cap(-45.0, Some(30.0)), (-30.0, true));
        assert_eq!(cap(12.0, Some(30.0)), (12.0, false));
    }
}
