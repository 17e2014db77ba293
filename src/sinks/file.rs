//! The output file of `score`: one row per lead, written batch by batch into a staged file
//! beside the target (CSV, Parquet or NDJSON by extension) that moves into place only when
//! the whole run commits.
//!
//! Columns, in order:
//! - the id column under its own name (or `row`, the 1-based data row), then the
//!   `--keep-columns` context columns as they were in the input;
//! - with a bundle: `probability` (P(converted) from the primary model, rounded to 4 decimals,
//!   `--precision`), `percentile` (0–100, one decimal: the share of the bundle's reference
//!   leads, the primary model's predictions on history it did not train on, scoring at or
//!   below this lead (compared in billionths of probability, `bundle::rank_key`), so the same
//!   lead gets the same percentile every night and scored alone;
//!   within this run for `--rank-in-run` or a bundle saved before format 1.1), `grade` (A–D by
//!   the bundle's cut-offs), `reasons` (strongest pushes up, then down, as
//!   `column = value (+4.1 pp)`: the change in percentage points of conversion probability,
//!   computed as in [`crate::scorer::points_per_log_odds`]), and with `--all-models`
//!   `probability_<model>` for every model of the bundle;
//! - with rules: `rule_score` (0–100), `fit_score`, `engagement_score`, `rule_grade` (A1…D4),
//!   `rule_status` (sql / mql / lead / disqualified), `stage`, `action`, `persona`,
//!   `disqualified`, `top_product` and `rule_reasons` (each rule that fired with its points,
//!   decay and cap noted); points are rounded to two decimals;
//! - with `--value-column`: `expected_value` (probability x value, to cents; blank where the
//!   value is blank); the value and currency columns come through as context columns;
//! - `model_id` (the bundle's short checksum, with a bundle) and `scored_at` (UTC).
//!
//! Rounding happens here, for people; the numbers in a [`ScoredBatch`] stay unrounded.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::data::output::{BatchWriter, OutputError};
use crate::ledger::codec::for_each_reason;
use crate::present::rules::render_items;
use crate::present::text::{render_reasons_pp, signed};
use crate::rules::Breakdown;
use crate::score::reuse::ReasonNames;
use crate::score::{LeadIds, ModelScores, Prepared, ScoreSummary, ScoredBatch, Sink, SinkError};

/// How the file shows numbers and which columns it adds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FileOptions {
    /// Decimals of `probability` (and `probability_<model>`).
    pub probability_decimals: u32,
    /// Decimals of `percentile`.
    pub percentile_decimals: u32,
    /// Write every model's `probability_<model>` column.
    pub all_models: bool,
}

impl Default for FileOptions {
    fn default() -> Self {
        FileOptions { probability_decimals: 4, percentile_decimals: 1, all_models: false }
    }
}

/// Writes scored batches to a file.
pub struct FileSink {
    path: PathBuf,
    writer: BatchWriter,
    options: FileOptions,
}

impl FileSink {
    /// Stages the output file beside `path`; its directory must exist (a typo in a cron line
    /// must not quietly create a new directory).
    pub fn create(path: &Path, options: FileOptions) -> Result<FileSink, OutputError> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(d) = dir.filter(|d| !d.is_dir()) {
            return Err(OutputError::NoDirectory { path: path.to_path_buf(), directory: d.to_path_buf() });
        }
        Ok(FileSink { path: path.to_path_buf(), writer: BatchWriter::create(path)?, options })
    }
}

/// Points (the rules' scores) as the file shows them: to two decimals.
pub fn round_points(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `x` rounded to `decimals` decimals, as the file shows a probability with
/// [`FileOptions::probability_decimals`].
pub fn round(x: f64, decimals: u32) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (x * f).round() / f
}

impl Sink for FileSink {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn write(&mut self, batch: &ScoredBatch) -> Result<(), SinkError> {
        let mut cols = vec![id_column(batch)];
        cols.extend(batch.context.iter().map(|(name, v)| Column::new(name.as_str().into(), v)));
        if let Some(m) = &batch.model {
            cols.extend(model_columns(m, batch.len(), &self.options)?);
        }
        if let Some(m) = &batch.money {
            // Money to cents: people read it; the sums in the summary are unrounded.
            let cents = |x: f64| (x * 100.0).round() / 100.0;
            cols.push(Column::new(
                "expected_value".into(),
                m.expected.iter().map(|e| e.map(cents)).collect::<Vec<Option<f64>>>(),
            ));
        }
        if let Some(r) = &batch.rules {
            cols.extend(rule_columns(r));
        }
        if let (Some(s), true) = (&batch.shadow, self.options.all_models) {
            let p: Vec<f64> =
                s.probabilities.iter().map(|x| round(x.get(), self.options.probability_decimals)).collect();
            cols.push(Column::new("shadow_probability".into(), p));
            cols.push(Column::new("shadow_grade".into(), s.grades.iter().map(|g| g.as_str()).collect::<Vec<&str>>()));
            cols.push(Column::new("shadow_model_id".into(), vec![s.model_id.as_str(); batch.len()]));
        }
        if let Some(m) = &batch.model {
            cols.push(Column::new("model_id".into(), vec![m.model_id.as_str(); batch.len()]));
        }
        cols.push(Column::new("scored_at".into(), vec![batch.scored_at.as_str(); batch.len()]));
        let mut df = DataFrame::new_infer_height(cols)
            .map_err(|source| OutputError::Polars { path: self.path.clone(), source })?;
        self.writer.write(&mut df)?;
        Ok(())
    }

    fn finish(self: Box<Self>, _summary: &ScoreSummary) -> Result<Prepared, SinkError> {
        Ok(Prepared { files: vec![self.writer.finish_staged()?], commit: None })
    }
}

/// The id column, or `row`: the 1-based data rows.
fn id_column(batch: &ScoredBatch) -> Column {
    match &batch.ids {
        LeadIds::Column { name, values } => Column::new(name.as_str().into(), values),
        LeadIds::Rows => Column::new("row".into(), &batch.rows),
    }
}

/// `probability`, `percentile`, `grade`, `reasons` and, with `--all-models`, every model's
/// `probability_<model>`.
fn model_columns(m: &ModelScores, len: usize, o: &FileOptions) -> Result<Vec<Column>, SinkError> {
    let reasons: Vec<String> = match &m.stored_reasons {
        Some(s) => (0..len)
            .map(|i| match s.text(i) {
                Some(text) => render_stored(&s.names, text),
                None => Ok(m.reasons.get(i).map(|r| render_reasons_pp(r)).unwrap_or_default()),
            })
            .collect::<Result<_, _>>()
            .map_err(|message| SinkError::Other { sink: "score --incremental".into(), message })?,
        None if m.reasons.is_empty() => vec![String::new(); len],
        None => m.reasons.iter().map(|r| render_reasons_pp(r)).collect(),
    };
    let p = |v: &mut dyn Iterator<Item = f64>| v.map(|x| round(x, o.probability_decimals)).collect::<Vec<f64>>();
    let mut cols = vec![
        Column::new("probability".into(), p(&mut m.probabilities.iter().map(|x| x.get()))),
        Column::new(
            "percentile".into(),
            m.percentiles.iter().map(|&x| round(x, o.percentile_decimals)).collect::<Vec<f64>>(),
        ),
        Column::new("grade".into(), m.grades.iter().map(|g| g.as_str()).collect::<Vec<&str>>()),
        Column::new("reasons".into(), reasons),
    ];
    if !m.segments.is_empty() {
        // A routed bundle: which segment's model scored the lead.
        cols.push(Column::new("segment_model".into(), m.segments.clone()));
    }
    if o.all_models {
        for (name, probs) in &m.by_model {
            cols.push(Column::new(format!("probability_{name}").into(), p(&mut probs.iter().copied())));
        }
    }
    Ok(cols)
}

/// A reused lead's reasons as [`render_reasons_pp`] shows them, straight from the ledger's
/// `[reason_id,pp,...]` (or a pre-schema-4 `[[reason_id,pp],...]`): the stored pp has one
/// decimal, as the file shows it, so its text with a sign is the file's (anything else is
/// read as a number and formatted as usual).
fn render_stored(names: &ReasonNames, text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(24 * 6);
    for_each_reason(text, |id, pp| {
        let (column, value) =
            names.get(id).ok_or_else(|| format!("reason id {id} is not in the ledger's reasons table"))?;
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(column);
        out.push_str(" = ");
        out.push_str(value);
        out.push_str(" (");
        if one_decimal(pp) {
            if !pp.starts_with('-') {
                out.push('+');
            }
            out.push_str(pp);
        } else {
            let x: f64 = pp.parse().map_err(|_| format!("stored reasons {text:?}: pp {pp:?} is not a number"))?;
            out.push_str(&signed(x, 1));
        }
        out.push_str(" pp)");
        Ok(())
    })?;
    Ok(out)
}

/// Whether `t` is a number as `{:.1}` writes one below a million (`-?D.D`, no leading zero):
/// then `signed(t as f64, 1)` is `t` with its sign.
fn one_decimal(t: &str) -> bool {
    let digits = t.strip_prefix('-').unwrap_or(t);
    let Some((whole, frac)) = digits.split_once('.') else { return false };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole)
        && whole.len() <= 6
        && (whole.len() == 1 || !whole.starts_with('0'))
        && frac.len() == 1
        && all_digits(frac)
}

/// The rules' columns for a batch.
fn rule_columns(b: &[Breakdown]) -> Vec<Column> {
    // Points to two decimals: the score is read by people, and the math stays unrounded.
    let f = |name: &str, v: Vec<f64>| Column::new(name.into(), v.into_iter().map(round_points).collect::<Vec<f64>>());
    let t = |name: &str, v: Vec<String>| Column::new(name.into(), v);
    vec![
        f("rule_score", b.iter().map(|x| x.total).collect()),
        f("fit_score", b.iter().map(|x| x.fit_score).collect()),
        f("engagement_score", b.iter().map(|x| x.engagement_score).collect()),
        t("rule_grade", b.iter().map(|x| x.grade.to_string()).collect()),
        t("rule_status", b.iter().map(|x| x.status.to_string()).collect()),
        t("stage", b.iter().map(|x| x.stage.clone()).collect()),
        t("action", b.iter().map(|x| x.action.clone()).collect()),
        t("persona", b.iter().map(|x| x.persona.as_ref().map(|p| p.0.clone()).unwrap_or_default()).collect()),
        Column::new("disqualified".into(), b.iter().map(|x| x.disqualified.is_some()).collect::<Vec<bool>>()),
        t("top_product", b.iter().map(|x| x.products.first().map(|p| p.0.clone()).unwrap_or_default()).collect()),
        t("rule_reasons", b.iter().map(render_items).collect()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::Contribution;

    #[test]
    fn stored_reasons_render_as_the_file_renders_reasons() {
        let names =
            ReasonNames::new([(4, "title".into(), "Director".into()), (9, "country".into(), "(missing)".into())]);
        let got = render_stored(&names, "[4,12.3,9,-0.0,4,0.0,9,-7.5]").unwrap();
        // A score stored before ledger schema 4 reads the same.
        assert_eq!(render_stored(&names, "[[4,12.3],[9,-0.0],[4,0.0],[9,-7.5]]").unwrap(), got);
        let c = |col: &str, v: &str, pp: f64| Contribution {
            column: col.into(),
            value: v.into(),
            effect: 0.0,
            pp: Some(pp),
        };
        let want = render_reasons_pp(&[
            c("title", "Director", 12.3),
            c("country", "(missing)", -0.0),
            c("title", "Director", 0.0),
            c("country", "(missing)", -7.5),
        ]);
        assert_eq!(got, want);
        assert_eq!(got, "title = Director (+12.3 pp); country = (missing) (-0.0 pp); title = Director (+0.0 pp); country = (missing) (-7.5 pp)");
        assert_eq!(render_stored(&names, "[]").unwrap(), "");
        // Not as `{:.1}` writes it: read as a number.
        assert_eq!(render_stored(&names, "[4,2]").unwrap(), "title = Director (+2.0 pp)");
        assert!(render_stored(&names, "[5,1.0]").unwrap_err().contains("reason id 5"));
        assert!(render_stored(&names, "[4,1e]").unwrap_err().contains("not a number"));
        assert!(render_stored(&names, "nonsense").is_err());
        assert!(one_decimal("0.5") && one_decimal("-10.0") && !one_decimal("05.0") && !one_decimal("1e3"));
    }
}
