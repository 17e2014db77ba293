//! The training configuration file (`--config leads.toml`), checked strictly.
//!
//! Every section is optional; command-line flags override the file. Unknown keys are
//! errors (a typo must not be silently ignored). Example:
//!
//! ```toml
//! [data]
//! id = "Prospect ID"
//! target = "Converted"
//! positive = ["1"]
//! exclude = ["Lead Number", "Tags"]
//! missing_values = ["Select"]
//! # date_column = "created_date"   # time-ordered hold-out
//! [data.types]
//! "Asymmetrique Activity Score" = "numeric"
//!
//! [features]
//! min_category_count = 10
//! [features.groups]            # columns offered as one reason
//! engagement = ["TotalVisits", "Total Time Spent on Website"]
//!
//! [logistic]
//! l2 = 1.0
//!
//! [evaluation]
//! holdout = 0.2
//!
//! [gbm]
//! num_trees = 500
//! learning_rate = 0.05
//! monotone = { "TotalVisits" = 1 }
//!
//! [grades]      # probability cut-offs: A >= a, B >= b, C >= c, else D
//! a = 0.6
//! b = 0.35
//! c = 0.15
//!
//! [segments]    # one model per segment, the global model for the rest
//! column = "Lead Origin"
//! min_outcomes = 50   # converted and dead training leads a segment needs, each
//! # keep = true       # route by segment even when the single model does as well
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::data::join::JoinSpec;
use crate::data::limited::{read_text_limited, Limit, ReadError};
use crate::data::typing::ColumnKind;
use crate::features::FeatureParams;
use crate::leakage::{LeakageParams, ValidLeakageParams};
use crate::models::logistic::{LogisticParams, ValidLogisticParams};
use crate::params::ParamError;

/// Largest config file accepted: 1 MiB (a config is a page of TOML), checked before it is read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

const CONFIG_LIMIT: Limit = Limit {
    what: "config file",
    bytes: MAX_CONFIG_BYTES,
    advice: "a config file is a page of TOML: check that --config names the right file",
};

/// Errors reading a config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read whole (missing, a FIFO nobody writes to, not UTF-8, larger
    /// than [`MAX_CONFIG_BYTES`]).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The TOML is malformed or has unknown keys / wrong types.
    #[error("{path}: {message}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message, which gives the line and column.
        message: String,
    },
    /// A value is out of its allowed range.
    #[error("{source_name}: {key} = {value} is invalid: {allowed}")]
    Invalid {
        /// Where the value came from (file path or "command line").
        source_name: String,
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// The allowed range.
        allowed: &'static str,
    },
}

/// `[data]`: how to read the lead file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// Identifier column, copied to the output under its own name.
    pub id: Option<String>,
    /// Outcome column.
    pub target: Option<String>,
    /// Values of the outcome meaning converted.
    #[serde(default)]
    pub positive: Vec<String>,
    /// Values meaning dead; when given, other values (open stages) are not history and skipped.
    #[serde(default)]
    pub negative: Vec<String>,
    /// Columns never used.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Columns the leakage guard flagged that the analyst keeps on purpose.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Cell values meaning "missing" (e.g. `Select`).
    #[serde(default)]
    pub missing_values: Vec<String>,
    /// Date column for a time-ordered hold-out (train on older leads, test on newer).
    pub date_column: Option<String>,
    /// Reference date that date columns are turned into ages against (default: the latest date
    /// seen). Written either as a TOML date (`reference_date = 2026-06-30`) or as a string
    /// (`reference_date = "2026-06-30"`).
    #[serde(default, deserialize_with = "toml_or_text_date")]
    pub reference_date: Option<NaiveDate>,
    /// Column kinds that override inference.
    #[serde(default)]
    pub types: BTreeMap<String, ColumnKind>,
    /// `[[data.join]]`: lookup tables joined to the leads, many-to-one, in order
    /// ([`crate::data::join`]); recorded in the bundle and applied again at score.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub join: Vec<JoinSpec>,
}

/// Reads a date written as a TOML date literal or as a `YYYY-MM-DD` string.
fn toml_or_text_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    use serde::de::Error;
    let expected = "expected a date YYYY-MM-DD, e.g. 2026-06-30 or \"2026-06-30\"";
    match Option::<toml::Value>::deserialize(d)? {
        None => Ok(None),
        Some(toml::Value::String(s)) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| D::Error::custom(format!("\"{s}\" is not a date: {expected}"))),
        Some(toml::Value::Datetime(dt)) => match (dt.date, dt.time, dt.offset) {
            (Some(date), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
                    .map(Some)
                    .ok_or_else(|| D::Error::custom(format!("{dt} is not a calendar date: {expected}")))
            }
            _ => Err(D::Error::custom(format!("{dt} has a time of day: {expected}"))),
        },
        Some(other) => Err(D::Error::custom(format!("{other} is not a date: {expected}"))),
    }
}

/// `[evaluation]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvaluationSection {
    /// Share of labelled rows held out (0 < holdout < 1).
    pub holdout: f64,
    /// k-fold cross-validation instead of a single hold-out when >= 2.
    pub cv: usize,
    /// Seed for splits and any randomness.
    pub seed: u64,
}

impl Default for EvaluationSection {
    fn default() -> Self {
        EvaluationSection { holdout: 0.2, cv: 0, seed: 42 }
    }
}

/// `[grades]`: probability cut-offs. `None` means derive them from the hold-out scores
/// (A = top 10%, B = next 20%, C = next 30%, D = the rest).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GradeSection {
    /// Lowest probability graded A.
    pub a: Option<f64>,
    /// Lowest probability graded B.
    pub b: Option<f64>,
    /// Lowest probability graded C.
    pub c: Option<f64>,
}

/// `[segments]`: one model per value of a column, with the global model as fallback
/// ([`crate::bundle::segments`]).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentSection {
    /// The column whose value routes a lead (`--segment-column`); `None`: no segments.
    pub column: Option<String>,
    /// Fewest converted, and fewest dead, training leads a segment needs for its own models
    /// (`--min-segment-outcomes`).
    pub min_outcomes: usize,
    /// Route by segment even when the segments do not beat the single model on the hold-out
    /// (`--keep-segments`).
    pub keep: bool,
}

impl Default for SegmentSection {
    fn default() -> Self {
        SegmentSection { column: None, min_outcomes: crate::bundle::segments::DEFAULT_MIN_OUTCOMES, keep: false }
    }
}

/// Smallest `segments.min_outcomes` accepted: a model fitted on fewer leads of an outcome
/// than this is noise.
pub const MIN_SEGMENT_OUTCOMES: usize = 10;

/// The whole config file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// `[data]`.
    #[serde(default)]
    pub data: DataSection,
    /// `[features]`.
    #[serde(default)]
    pub features: FeatureParams,
    /// `[logistic]`.
    #[serde(default)]
    pub logistic: LogisticParams,
    /// `[evaluation]`.
    #[serde(default)]
    pub evaluation: EvaluationSection,
    /// `[grades]`.
    #[serde(default)]
    pub grades: GradeSection,
    /// `[leakage]`.
    #[serde(default)]
    pub leakage: LeakageParams,
    /// `[gbm]`: boosted-tree hyper-parameters.
    #[serde(default)]
    pub gbm: crate::models::gbm::GbmSettings,
    /// `[segments]`.
    #[serde(default, skip_serializing_if = "SegmentSection::is_default")]
    pub segments: SegmentSection,
}

impl SegmentSection {
    fn is_default(&self) -> bool {
        *self == SegmentSection::default()
    }
}

/// A configuration whose every range has been checked, once, by [`TrainConfig::check`]: the
/// only kind `train` accepts. Reads like the [`TrainConfig`] it holds; the parameters each
/// domain module checks come as their valid types.
#[derive(Debug, Clone)]
pub struct CheckedConfig {
    config: TrainConfig,
    logistic: ValidLogisticParams,
    leakage: ValidLeakageParams,
}

impl std::ops::Deref for CheckedConfig {
    type Target = TrainConfig;
    fn deref(&self) -> &TrainConfig {
        &self.config
    }
}

impl CheckedConfig {
    /// The checked logistic-regression parameters.
    pub fn logistic(&self) -> &ValidLogisticParams {
        &self.logistic
    }

    /// The checked leakage-guard thresholds.
    pub fn leakage(&self) -> &ValidLeakageParams {
        &self.leakage
    }
}

impl TrainConfig {
    /// The `[segments]` checks: a minimum that can fit a model, and a column that is neither
    /// the outcome nor the id.
    fn check_segments(&self, source_name: &str) -> Result<(), ConfigError> {
        let bad = |key: &str, value: String, allowed| ConfigError::Invalid {
            source_name: source_name.to_string(),
            key: key.to_string(),
            value,
            allowed,
        };
        let s = &self.segments;
        if !(MIN_SEGMENT_OUTCOMES..=1_000_000).contains(&s.min_outcomes) {
            return Err(bad(
                "segments.min_outcomes (--min-segment-outcomes)",
                s.min_outcomes.to_string(),
                "must be between 10 and 1000000 converted (and dead) training leads per segment",
            ));
        }
        let Some(column) = &s.column else { return Ok(()) };
        if self.data.target.as_ref() == Some(column) || self.data.id.as_ref() == Some(column) {
            return Err(bad(
                "segments.column (--segment-column)",
                format!("\"{column}\""),
                "must differ from the target and the id column",
            ));
        }
        Ok(())
    }

    /// Reads and parses a TOML config file (errors name the file and line); ranges are not
    /// checked yet: command-line flags may still override values, and [`TrainConfig::check`]
    /// checks the result once.
    pub fn parse_file(path: &Path) -> Result<Self, ConfigError> {
        let text = read_text_limited(path, CONFIG_LIMIT)?;
        let mut config = TrainConfig::from_toml(&text, path)?;
        // A joined table's relative path is read from the config file's directory, wherever
        // leadscore runs from.
        let base = path.parent().filter(|d| !d.as_os_str().is_empty());
        config.data.join = config.data.join.iter().map(|j| j.resolved(base)).collect();
        Ok(config)
    }

    /// Parses config text (`path` is named in errors); ranges are not checked yet.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Toml { path: path.to_path_buf(), message: e.to_string() })
    }

    /// Reads, parses and range-checks a TOML config file (errors name the file).
    pub fn from_file(path: &Path) -> Result<CheckedConfig, ConfigError> {
        TrainConfig::parse_file(path)?.check(&path.display().to_string())
    }

    /// Checks every range, once; `source_name` says where the values came from.
    pub fn check(self, source_name: &str) -> Result<CheckedConfig, ConfigError> {
        let named = |e: ParamError| ConfigError::Invalid {
            source_name: source_name.to_string(),
            key: e.key,
            value: e.value,
            allowed: e.allowed,
        };
        let bad = |key: &str, value: String, allowed| named(ParamError::new(key, value, allowed));
        let logistic = self.logistic.check().map_err(|e| named(e.within("logistic")))?;
        let e = &self.evaluation;
        if !(e.holdout > 0.0 && e.holdout < 1.0) {
            return Err(bad("evaluation.holdout", e.holdout.to_string(), "must be between 0 and 1"));
        }
        if e.cv == 1 || e.cv > 100 {
            return Err(bad("evaluation.cv", e.cv.to_string(), "must be 0 (hold-out) or 2..=100"));
        }
        self.features.check().map_err(|e| named(e.within("features")))?;
        self.check_segments(source_name)?;
        let budget = self.gbm.fitting.time_budget;
        if !(budget.is_finite() && (1.0..=86400.0).contains(&budget)) {
            return Err(bad(
                "gbm.time_budget (--time-budget)",
                budget.to_string(),
                "must be a number of seconds between 1 and 86400",
            ));
        }
        let g = &self.grades;
        let cuts = [g.a, g.b, g.c];
        if cuts.iter().any(|c| c.is_some()) {
            match cuts {
                [Some(a), Some(b), Some(c)] if (0.0..=1.0).contains(&c) && c <= b && b <= a && a <= 1.0 => {}
                _ => {
                    // As the TOML inline table the user could have written: `{ a = 0.1, c = 2 }`.
                    let given: Vec<String> = [("a", g.a), ("b", g.b), ("c", g.c)]
                        .iter()
                        .filter_map(|(name, v)| v.map(|x| format!("{name} = {x}")))
                        .collect();
                    let value = format!("{{ {} }}", given.join(", "));
                    return Err(bad("grades", value, "give all of a, b, c with 1 >= a >= b >= c >= 0"));
                }
            }
        }
        let d = &self.data;
        if let Some(t) = &d.target {
            if d.id.as_ref() == Some(t) {
                return Err(bad(
                    "data.id",
                    format!("\"{t}\""),
                    "must differ from data.target: the outcome is not an id",
                ));
            }
            if d.date_column.as_ref() == Some(t) {
                return Err(bad("data.date_column", format!("\"{t}\""), "must differ from data.target"));
            }
            if let Some(v) =
                d.negative.iter().find(|n| d.positive.iter().any(|p| p.trim().eq_ignore_ascii_case(n.trim())))
            {
                return Err(bad(
                    "data.negative",
                    format!("\"{v}\""),
                    "is also in data.positive; a value is converted or dead, not both",
                ));
            }
            if d.exclude.contains(t) {
                return Err(bad("data.exclude", format!("\"{t}\""), "must not list the target column"));
            }
        }
        for j in &d.join {
            if j.keys().is_err() {
                return Err(bad(
                    "data.join",
                    format!("{{ file = \"{}\" }}", j.file.display()),
                    "give either on = \"COLUMN\" or both left_on and right_on",
                ));
            }
        }
        let leakage = self.leakage.clone().check().map_err(|e| named(e.within("leakage")))?;
        Ok(CheckedConfig { config: self, logistic, leakage })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_example_parses() {
        let c: TrainConfig = toml::from_str(
            r#"
            [data]
            id = "Prospect ID"
            target = "Converted"
            positive = ["1"]
            missing_values = ["Select"]
            [data.types]
            "Lead Number" = "id"
            [logistic]
            l2 = 0.5
            [grades]
            a = 0.6
            b = 0.3
            c = 0.1
            "#,
        )
        .unwrap();
        assert_eq!(c.data.types["Lead Number"], ColumnKind::Id);
        assert_eq!(c.logistic.l2, 0.5);
        assert_eq!(c.logistic.max_iterations, 200);
        c.clone().check("x.toml").unwrap();
    }

    #[test]
    fn reference_date_reads_as_toml_date_or_string() {
        // Regression: the README's `reference_date = 2026-06-30` (a TOML date) was refused
        // with "invalid type: map, expected a formatted date string".
        let want = NaiveDate::from_ymd_opt(2026, 6, 30);
        for text in ["[data]\nreference_date = 2026-06-30\n", "[data]\nreference_date = \"2026-06-30\"\n"] {
            let c: TrainConfig = toml::from_str(text).unwrap();
            assert_eq!(c.data.reference_date, want, "{text}");
        }
        let c: TrainConfig = toml::from_str("[data]\ntarget = \"y\"\n").unwrap();
        assert_eq!(c.data.reference_date, None);
        let e = toml::from_str::<TrainConfig>("[data]\nreference_date = \"30/06/2026\"\n").unwrap_err().to_string();
        assert!(e.contains("\"30/06/2026\" is not a date") && e.contains("YYYY-MM-DD"), "{e}");
        let e =
            toml::from_str::<TrainConfig>("[data]\nreference_date = 2026-06-30T10:00:00\n").unwrap_err().to_string();
        assert!(e.contains("has a time of day"), "{e}");
    }

    #[test]
    fn from_file_checks_ranges_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("leads.toml");
        std::fs::write(&p, "[grades]\na = 0.1\nb = 0.5\nc = 2.0\n").unwrap();
        let e = TrainConfig::from_file(&p).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}: grades = {{ a = 0.1, b = 0.5, c = 2 }}", p.display())), "{e}");
        assert!(!e.contains("Some("), "{e}");
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let e = toml::from_str::<TrainConfig>("[data]\ntarget = \"y\"\ntargte = \"z\"\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("targte") && msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let mut c = TrainConfig::default();
        c.evaluation.holdout = 1.5;
        assert!(c.clone().check("cli").unwrap_err().to_string().contains("evaluation.holdout"));
        let mut c = TrainConfig::default();
        c.grades = GradeSection { a: Some(0.2), b: Some(0.5), c: Some(0.1) };
        let e = c.clone().check("leads.toml").unwrap_err().to_string();
        // Regression: the message printed Rust debug text, `[Some(0.2), Some(0.5), Some(0.1)]`.
        assert_eq!(
            e,
            "leads.toml: grades = { a = 0.2, b = 0.5, c = 0.1 } is invalid: give all of a, b, c with 1 >= a >= b >= c >= 0"
        );
        c.grades = GradeSection { a: Some(0.6), b: None, c: Some(0.1) };
        assert!(c.clone().check("x").unwrap_err().to_string().contains("grades = { a = 0.6, c = 0.1 }"));
        let mut c = TrainConfig::default();
        c.logistic.l2 = 0.0;
        assert!(c.clone().check("cli").is_err());
        // The target cannot double as the id, the date column or an excluded column.
        let mut c = TrainConfig::default();
        c.data.target = Some("converted".into());
        c.data.id = Some("converted".into());
        assert_eq!(
            c.clone().check("cli").unwrap_err().to_string(),
            "cli: data.id = \"converted\" is invalid: must differ from data.target: the outcome is not an id"
        );
        c.data.id = None;
        c.data.exclude = vec!["converted".into()];
        assert!(c.clone().check("cli").unwrap_err().to_string().contains("data.exclude"));
        c.data.exclude.clear();
        c.data.positive = vec!["Won".into()];
        c.data.negative = vec!["Lost".into(), "won ".into()];
        assert!(c
            .clone()
            .check("cli")
            .unwrap_err()
            .to_string()
            .contains("data.negative = \"won \" is invalid: is also in data.positive"));
        c.data.negative.clear();
        c.data.date_column = Some("converted".into());
        assert!(c.clone().check("cli").unwrap_err().to_string().contains("data.date_column"));
    }
}
