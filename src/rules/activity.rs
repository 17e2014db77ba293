//! The activity log, aggregated per lead with one Polars lazy `group_by`.
//!
//! Input: one row per event (lead id, activity type, timestamp, optional page and
//! product; column names from `[activities]`). Each event gets an age in days, measured
//! from the *end* of the as-of day (so an event on the as-of day is 0–1 days old); events
//! after that instant are ignored, so `--as-of` in the past replays history. For every
//! activity rule `r` the query computes, per (lead, product):
//! - `count_r`: events matching the rule's filter and not expired (age ≤ `expire_after_days`);
//! - `weight_r`: the decay weights `0.5^(age / half_life_days)` (1 without decay) of those
//!   events, summed for `per = "each"` and the largest (the most recent event) for `once`.
//!
//! The grouped frame is then folded into an [`ActivityTable`]: a hash map lead id → slot,
//! the per-rule aggregates of each lead, and each lead's score per product (the rule points
//! earned by that product's events, capped per rule). Memory is one entry per lead that has
//! events; the raw log is never held.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use polars::prelude::*;

use super::error::RulesError;
use super::set::{ActivityFilter, Per, RuleSet};
use crate::data::load::{read_table, FileFormat};

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
    pub fn load(path: &Path, rules: &RuleSet, as_of: NaiveDate) -> Result<ActivityTable, RulesError> {
        let pe = |source| RulesError::Polars { path: path.to_path_buf(), source };
        let lf = match FileFormat::from_path(path)? {
            FileFormat::Csv { separator } => LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref()))
                .with_separator(separator)
                .with_infer_schema_length(Some(0))
                .finish()
                .map_err(pe)?,
            _ => read_table(path)?.lazy(),
        };
        let schema = lf.clone().collect_schema().map_err(pe)?;
        let cols = &rules.activity_columns;
        for c in [&cols.id, &cols.activity, &cols.timestamp] {
            if schema.get(c).is_none() {
                let available = schema.iter_names().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
                return Err(RulesError::ActivityColumn { path: path.to_path_buf(), column: c.clone(), available });
            }
        }
        let text = |name: &str| {
            if schema.get(name).is_some() {
                col(name).cast(DataType::String)
            } else {
                lit(NULL).cast(DataType::String)
            }
        };
        let end =
            as_of.succ_opt().unwrap_or(as_of).and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0);
        // Parsing in a UDF lets us count every row and every unparseable timestamp (with the
        // first one for the message) before rows are filtered away.
        let seen = Arc::new(Mutex::new(Parsed::default()));
        let (fmt, seen_udf) = (cols.timestamp_format.clone(), Arc::clone(&seen));
        let age = text(&cols.timestamp).map(
            move |c| {
                let ca = c.str()?;
                let mut bad = 0;
                let mut first = None;
                let out: Float64Chunked = ca
                    .iter()
                    .map(|v| {
                        // A blank timestamp cannot be aged: it is as wrong as an unreadable one.
                        let v = v.unwrap_or("");
                        let a = age_days(v, &fmt, end);
                        if a.is_none() {
                            bad += 1;
                            first.get_or_insert_with(|| v.chars().take(80).collect::<String>());
                        }
                        a
                    })
                    .collect();
                if let Ok(mut p) = seen_udf.lock() {
                    p.rows += ca.len();
                    p.bad += bad;
                    if p.first_bad.is_none() {
                        p.first_bad = first;
                    }
                }
                Ok(out.with_name(c.name().clone()).into_column())
            },
            |_, f| Ok(Field::new(f.name().clone(), DataType::Float64)),
        );
        // Only events some rule can count: a rule's activity type, not after the as-of day,
        // and (when every rule expires) not older than the longest expiry.
        let mut keep = col("age").is_not_null().and(col("age").gt_eq(lit(0.0)));
        let expiries: Option<Vec<f64>> = rules.activity_rules.iter().map(|f| f.expire_after_days).collect();
        if let Some(longest) = expiries.and_then(|e| e.into_iter().reduce(f64::max)) {
            keep = keep.and(col("age").lt_eq(lit(longest)));
        }
        let any_type =
            rules.activity_rules.iter().map(|f| col("activity").eq(lit(f.activity.as_str()))).reduce(|a, b| a.or(b));
        if let Some(t) = any_type {
            keep = keep.and(t.fill_null(lit(false)));
        }
        let mut select = vec![text(&cols.id).alias("id"), text(&cols.activity).alias("activity"), age.alias("age")];
        select.push(text(&cols.product).alias("product"));
        if rules.activity_rules.iter().any(|f| f.page.is_some()) {
            select.push(text(&cols.page).alias("page"));
        }
        let base = lf.select(select).filter(keep);
        let mut aggs = vec![len().cast(DataType::Float64).alias("n")];
        let mut per_row = Vec::new();
        for (r, f) in rules.activity_rules.iter().enumerate() {
            let mut mask = col("activity").eq(lit(f.activity.as_str())).and(col("age").gt_eq(lit(0.0)));
            if let Some(p) = &f.product {
                mask = mask.and(col("product").eq(lit(p.as_str())));
            }
            if let Some(pg) = &f.page {
                mask = mask.and(if f.page_prefix {
                    let prefix = pg.clone();
                    col("page").map(
                        move |c| {
                            let out: BooleanChunked = c
                                .str()?
                                .iter()
                                .map(|v| Some(v.is_some_and(|v| v.starts_with(prefix.as_str()))))
                                .collect();
                            Ok(out.with_name(c.name().clone()).into_column())
                        },
                        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
                    )
                } else {
                    col("page").eq(lit(pg.as_str()))
                });
            }
            if let Some(e) = f.expire_after_days {
                mask = mask.and(col("age").lt_eq(lit(e)));
            }
            let mask = mask.fill_null(lit(false));
            let decay = match f.half_life_days {
                Some(h) => lit(0.5).pow(col("age") / lit(h)),
                None => lit(1.0),
            };
            // Per-row columns first, so the group-by only sums and maxes plain columns.
            per_row.push(mask.clone().cast(DataType::Float64).alias(format!("c{r}")));
            per_row.push(when(mask).then(decay).otherwise(lit(0.0)).alias(format!("w{r}")));
            aggs.push(col(format!("c{r}")).sum());
            aggs.push(match f.per {
                Per::Each => col(format!("w{r}")).sum(),
                Per::Once => col(format!("w{r}")).max(),
            });
        }
        // The streaming engine reads the log in morsels: 3x faster than in-memory on a 10M-row
        // log and it never holds the raw text of the whole file.
        // `unwrap_single` cannot fail here: only a multi-sink plan yields several frames.
        let grouped = base
            .with_columns(per_row)
            .group_by([col("id"), col("product")])
            .agg(aggs)
            .collect_with_engine(Engine::Streaming)
            .map_err(pe)?
            .unwrap_single();
        let parsed = seen.lock().map(|p| p.clone()).unwrap_or_default();
        if parsed.bad > 0 {
            return Err(RulesError::BadTimestamps {
                path: path.to_path_buf(),
                column: cols.timestamp.clone(),
                format: cols.timestamp_format.clone(),
                count: parsed.bad,
                example: parsed.first_bad.unwrap_or_default(),
                row: first_bad_row(path, &cols.timestamp, &cols.timestamp_format),
            });
        }
        let mut table = ActivityTable::from_grouped(&grouped, &rules.activity_rules).map_err(pe)?;
        table.path = path.to_path_buf();
        table.events = parsed.rows;
        Ok(table)
    }

    fn from_grouped(df: &DataFrame, filters: &[ActivityFilter]) -> PolarsResult<ActivityTable> {
        let n_rules = filters.len();
        let ids = df.column("id")?.str()?;
        let products = df.column("product")?.str()?;
        let mut counts = Vec::with_capacity(n_rules);
        let mut weights = Vec::with_capacity(n_rules);
        for r in 0..n_rules {
            counts.push(df.column(&format!("c{r}"))?.f64()?.clone());
            weights.push(df.column(&format!("w{r}"))?.f64()?.clone());
        }
        let mut t = ActivityTable { n_rules, ..Default::default() };
        let mut product_index: HashMap<String, u32> = HashMap::new();
        for i in 0..df.height() {
            let Some(id) = ids.get(i) else { continue };
            let slot = match t.index.get(id) {
                Some(&s) => s as usize,
                None => {
                    let s = t.products.len();
                    t.index.insert(id.to_string(), s as u32);
                    t.aggs.extend(std::iter::repeat_n(RuleAgg::default(), n_rules));
                    t.products.push(Vec::new());
                    s
                }
            };
            let mut product_points = 0.0;
            for (r, f) in filters.iter().enumerate() {
                let agg =
                    RuleAgg { count: counts[r].get(i).unwrap_or(0.0) as u32, weight: weights[r].get(i).unwrap_or(0.0) };
                product_points += activity_points(f, agg).0;
                let into = &mut t.aggs[slot * n_rules + r];
                into.count += agg.count;
                into.weight = match f.per {
                    Per::Each => into.weight + agg.weight,
                    Per::Once => into.weight.max(agg.weight),
                };
            }
            if let Some(p) = products.get(i).filter(|p| !p.trim().is_empty()) {
                if product_points != 0.0 {
                    let next = product_index.len() as u32;
                    let k = *product_index.entry(p.to_string()).or_insert(next);
                    if k as usize == t.product_names.len() {
                        t.product_names.push(p.to_string());
                    }
                    t.products[slot].push((k, product_points));
                }
            }
        }
        Ok(t)
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

/// 1-based data row of the first blank or unreadable timestamp (only on the error path: the
/// streaming aggregation does not keep row numbers).
fn first_bad_row(path: &Path, column: &str, fmt: &str) -> Option<usize> {
    let df = read_table(path).ok()?;
    let col = df.column(column).ok()?.cast(&DataType::String).ok()?;
    let row = col.str().ok()?.iter().position(|v| timestamp_millis(v.unwrap_or(""), fmt).is_none());
    row.map(|i| i + 1)
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
