//! The activity rules' aggregate over the user's activity table, as
//! [`crate::rules::activity::ActivityTable`] folds the `--activities` log:
//!
//! ```text
//! ls_r_events  one row per event with an id and an activity type: the id and activity as
//!              text (not trimmed, as the log is matched), page, product and the age in days
//!              at the end of the as-of day: (end - timestamp) in whole milliseconds / 86400000
//! ls_r_acts    GROUP BY the event's lead id: per activity rule k, ls_an<k> the matching events
//!              not after the as-of day and not expired (age <= expire_after_days), and
//!              ls_aw<k> their decay weights 0.5^(age / half_life_days) (1 without decay),
//!              summed (per = "each") or the largest (per = "once")
//! ```
//!
//! Timestamps must be in the rules' `timestamp_format`; only the default ISO form
//! `YYYY-MM-DDTHH:MM:SSZ` is exported (another format is refused). `score` stops on a
//! timestamp it cannot read; the SQL casts the date part, which stops DuckDB and PostgreSQL on
//! an impossible date and gives NULL (the event is ignored) elsewhere. The sums of decayed
//! weights are added in the engine's order, not the log's, so they may differ from `score`'s in
//! the last bits (far below the 1e-9 the golden tests allow).

use chrono::NaiveDate;

use super::dialect::Dialect;
use super::query::Cte;
use super::ExportError;
use crate::rules::set::{ActivityFilter, Per, RuleSet};

/// The only timestamp format exported.
pub const ISO_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Internal name of the matching-event count of activity rule `k`.
pub fn count_col(k: usize) -> String {
    format!("ls_an{k}")
}

/// Internal name of the decay weight of activity rule `k`.
pub fn weight_col(k: usize) -> String {
    format!("ls_aw{k}")
}

/// The two CTEs over `table` (quoted) for the activity rules of `rules` as of the end of `as_of`.
pub fn activity_ctes(d: Dialect, table: &str, rules: &RuleSet, as_of: NaiveDate) -> Result<Vec<Cte>, ExportError> {
    let cols = &rules.activity_columns;
    if cols.timestamp_format != ISO_FORMAT {
        return Err(ExportError::Rules {
            file: rules.path.display().to_string(),
            place: "[activities]".into(),
            what: format!(
                "timestamp_format \"{}\" is not exported (only \"{ISO_FORMAT}\"); convert the timestamps in the \
                 warehouse and set that format",
                cols.timestamp_format
            ),
        });
    }
    let text = |c: &str| format!("CAST(a.{} AS {})", d.ident(c), d.text_type());
    let end = as_of.succ_opt().unwrap_or(as_of).format("%Y-%m-%d").to_string();
    let ts = d.trim(&text(&cols.timestamp), "ls_ws.ws");
    let days = d.days_before(&end, &format!("SUBSTR({ts}, 1, 10)"));
    let part = |from: usize| format!("CAST(SUBSTR({ts}, {from}, 2) AS INTEGER)");
    let secs = d.to_double(&format!("({} * 3600 + {} * 60 + {})", part(12), part(15), part(18)));
    // Whole milliseconds, exact in a double, then one division: as `age_days`.
    let age = format!("(({days} * 8.64e4 - {secs}) * 1e3) / 8.64e7");
    let filters = &rules.activity_rules;
    let uses = |f: fn(&ActivityFilter) -> bool| filters.iter().any(f);
    let mut select = vec![
        format!("{} AS ls_aid", text(&cols.id)),
        format!("{} AS ls_aact", text(&cols.activity)),
        format!("{age} AS ls_aage"),
    ];
    if uses(|f| f.page.is_some()) {
        select.push(format!("{} AS ls_apage", text(&cols.page)));
    }
    if uses(|f| f.product.is_some()) {
        select.push(format!("{} AS ls_aprod", text(&cols.product)));
    }
    let events = format!(
        "SELECT\n    {}\n  FROM {table} AS a CROSS JOIN ls_ws\n  WHERE a.{} IS NOT NULL AND a.{} IS NOT NULL",
        select.join(",\n    "),
        d.ident(&cols.id),
        d.ident(&cols.activity)
    );
    let mut aggs = vec!["ls_aid".to_string()];
    for (k, f) in filters.iter().enumerate() {
        let test = filter_sql(d, f)?;
        let weight = match f.half_life_days {
            Some(h) => format!("POWER(5e-1, ls_aage / {})", d.float(h, "half_life_days")?),
            None => "1e0".to_string(),
        };
        let fold = match f.per {
            Per::Each => "SUM",
            Per::Once => "MAX",
        };
        aggs.push(format!("SUM(CASE WHEN {test} THEN 1 ELSE 0 END) AS {}", count_col(k)));
        aggs.push(format!("{fold}(CASE WHEN {test} THEN {weight} ELSE 0e0 END) AS {}", weight_col(k)));
    }
    let acts = format!("SELECT\n    {}\n  FROM ls_r_events\n  GROUP BY ls_aid", aggs.join(",\n    "));
    Ok(vec![
        Cte { name: "ls_r_events".into(), select: events, materialize: false },
        Cte { name: "ls_r_acts".into(), select: acts, materialize: true },
    ])
}

/// Whether an event counts for rule `f`, as `counts` in the engine.
fn filter_sql(d: Dialect, f: &ActivityFilter) -> Result<String, ExportError> {
    let mut s = format!("ls_aact = {} AND ls_aage >= 0e0", d.string(&f.activity));
    if let Some(e) = f.expire_after_days {
        s.push_str(&format!(" AND ls_aage <= {}", d.float(e, "expire_after_days")?));
    }
    if let Some(p) = &f.product {
        s.push_str(&format!(" AND ls_aprod = {}", d.string(p)));
    }
    if let Some(pg) = &f.page {
        if f.page_prefix {
            s.push_str(&format!(" AND SUBSTR(ls_apage, 1, {}) = {}", pg.chars().count(), d.string(pg)));
        } else {
            s.push_str(&format!(" AND ls_apage = {}", d.string(pg)));
        }
    }
    Ok(s)
}
