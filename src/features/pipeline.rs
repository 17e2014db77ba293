//! The fitted feature pipeline: learned on training rows only, stored in the model bundle,
//! and applied unchanged to every batch at scoring time.
//!
//! Per column kind:
//! - numeric / boolean / date: parsed to a number (yes/no to 1/0, a date to its age in days
//!   before the reference date); missing values imputed with the training median, plus a
//!   missing-indicator design column when training had missing values;
//! - categorical: levels seen at least `min_category_count` times in training (at most
//!   `max_categories`, most frequent first) keep their own column; rarer and unseen values go
//!   to "other" (unseen ones are counted at scoring time, never an error); missing values
//!   get their own "missing" column.
//!
//! Every design column is then centred on its training mean; number columns (and their
//! missing indicators) are also divided by their training standard deviation (a constant
//! column gets standard deviation 1 so it contributes nothing). One-hot columns of a
//! categorical column stay on their 0/1 scale: dividing by `sqrt(share · (1 − share))`
//! would shrink the L2 penalty on rare levels (a level on 1% of leads would be penalised 10×
//! less per unit of effect than one on half of them), which let the logistic regression fit
//! noise on rare levels (Leads.csv, 5-fold CV: AUC 0.8612 with scaled one-hot columns,
//! 0.8647 unscaled, scikit-learn's usual pipeline; `bench/defaults_peers.sh`).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::schema::InputColumn;
use super::groups::ReasonGroup;
use super::unseen_levels::UnseenLevels;
use super::FeatureMatrix;
use crate::data::typing::{parse_bool, parse_date, parse_number, ColumnKind, LeadFrame, MissingTokens, TypingError};

/// How one input column is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encoding", rename_all = "snake_case")]
pub enum Encoding {
    /// A number (numeric, boolean or date columns).
    Number {
        /// Training median, used for missing values in the design matrix.
        median: f64,
        /// Whether a missing-indicator design column exists.
        missing_indicator: bool,
    },
    /// A label.
    Categorical {
        /// Kept levels; code `i` is `levels[i]`, code `levels.len()` is "other".
        levels: Vec<String>,
        /// Values seen in training but too rare to keep (sorted; at most [`MAX_RARE`]), so that
        /// scoring can tell "rare" from "never seen" when it counts unseen values.
        #[serde(default)]
        rare: Vec<String>,
    },
}

/// At most this many rare training values are remembered per column; a column with more
/// (free text) counts every non-kept value as unseen.
pub const MAX_RARE: usize = 5000;

/// A fitted input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedColumn {
    /// Column name.
    pub name: String,
    /// Kind (numeric, categorical, boolean, date).
    pub kind: ColumnKind,
    /// Learned encoding.
    pub encoding: Encoding,
    /// Share of the training rows where the column was missing (absent in bundles before
    /// format 1.1): `score` never offers "(missing)" as a reason for a column that was never
    /// missing in training, and compares tonight's missing rate with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_share: Option<f64>,
    /// The column's training distribution, for drift (absent in bundles before format 1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<super::profile::ColumnProfile>,
}

/// What a design column holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", content = "level", rename_all = "snake_case")]
pub enum DesignRole {
    /// The (imputed) value.
    Value,
    /// 1 when the value was missing.
    MissingIndicator,
    /// One-hot of a kept level.
    Level(usize),
    /// One-hot of "other" (rare or unseen).
    Other,
    /// One-hot of "missing".
    MissingLevel,
}

/// One standardised design column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignColumn {
    /// Index into [`FittedPipeline::columns`].
    pub source: usize,
    /// What it holds.
    pub role: DesignRole,
    /// Training mean.
    pub mean: f64,
    /// Training standard deviation for number columns and missing indicators (1 when
    /// constant); 1 for one-hot columns of categories, which are centred only.
    pub std: f64,
}

/// Settings for fitting.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// Minimum training count for a level to be kept.
    pub min_category_count: usize,
    /// Maximum kept levels per column.
    pub max_categories: usize,
    /// Reference date for ages (None: latest date seen in training).
    pub reference_date: Option<NaiveDate>,
}

/// The fitted pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedPipeline {
    /// Missing tokens applied to every cell.
    pub missing: MissingTokens,
    /// Reference date that dates are turned into ages against.
    pub reference_date: Option<NaiveDate>,
    /// Input columns used, in order (= tree-matrix columns).
    pub columns: Vec<FittedColumn>,
    /// Design-matrix columns (for linear models).
    pub design: Vec<DesignColumn>,
    /// Columns offered as one reason (`[features.groups]`; absent before format 1.4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ReasonGroup>,
}

/// A batch turned into model inputs.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Standardised design matrix (linear models).
    pub design: FeatureMatrix,
    /// Raw-valued matrix, one column per input column (tree models).
    pub tree: FeatureMatrix,
    /// Per input column: values never seen in training (mapped to "other", like rare ones).
    pub unseen: Vec<UnseenLevels>,
}

/// Unstandardised design values (column-major), the number of rows, the tree values
/// (column-major) and the unseen values per input column.
type RawDesign = (Vec<f64>, usize, Vec<f64>, Vec<UnseenLevels>);

/// Parsed values of one column: a number per row, NaN for missing; categorical text kept.
pub(super) enum Parsed<'a> {
    Numbers(Vec<f64>),
    Labels(Vec<Option<&'a str>>),
}

/// Who is reading values, so that an error's advice fits the command: training can be told
/// about `--missing-values` and `[data.types]`; scoring with a fitted pipeline cannot change
/// either without retraining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// Training: the kinds and missing tokens are being decided.
    Fit,
    /// Scoring or evaluating with a fitted pipeline.
    Apply,
}

pub(super) fn parse_column<'a>(
    frame: &LeadFrame<'a>,
    col: &str,
    kind: ColumnKind,
    rows: &[usize],
    missing: &MissingTokens,
    reference: Option<NaiveDate>,
    reading: Reading,
) -> Result<Parsed<'a>, TypingError> {
    let text = frame.text(col, "the model was trained with this column; add it to the file")?;
    let hint = |what: &str| match reading {
        Reading::Fit => format!(
            "fix the value, add it to --missing-values, or declare the column's type in [data.types] (now {what})"
        ),
        Reading::Apply => {
            let tokens: String = missing.0.iter().map(|t| format!(", \"{t}\"")).collect();
            format!(
                "the model reads this column as {what}; fix the value in the file, or, if it means \"missing\", \
                 retrain with it in --missing-values (this model treats blank cells{tokens} as missing)"
            )
        }
    };
    match kind {
        ColumnKind::Categorical => Ok(Parsed::Labels(rows.iter().map(|&i| missing.clean(text.get(i))).collect())),
        ColumnKind::Numeric | ColumnKind::Boolean | ColumnKind::Date => {
            let mut out = Vec::with_capacity(rows.len());
            for &i in rows {
                let Some(v) = missing.clean(text.get(i)) else {
                    out.push(f64::NAN);
                    continue;
                };
                let x = match kind {
                    ColumnKind::Numeric => {
                        parse_number(v).ok_or_else(|| frame.bad_value(col, i, v, "a number", hint("numeric")))?
                    }
                    ColumnKind::Boolean => parse_bool(v)
                        .map(|b| b as u8 as f64)
                        .ok_or_else(|| frame.bad_value(col, i, v, "yes/no", hint("boolean")))?,
                    _ => {
                        let d = parse_date(v)
                            .ok_or_else(|| frame.bad_value(col, i, v, "a date (YYYY-MM-DD)", hint("date")))?;
                        match reference {
                            Some(r) => (r - d).num_days() as f64,
                            None => d.num_days_from_ce() as f64,
                        }
                    }
                };
                out.push(x);
            }
            Ok(Parsed::Numbers(out))
        }
        ColumnKind::Id | ColumnKind::Ignore => Ok(Parsed::Numbers(vec![f64::NAN; rows.len()])),
    }
}

use chrono::Datelike;

/// Parses every value of every input column on `rows`, so that a junk value is reported
/// (with its row) before any statistics are computed on the column.
pub fn check_values(
    frame: &LeadFrame,
    inputs: &[InputColumn],
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<(), TypingError> {
    for c in inputs {
        parse_column(frame, &c.name, c.kind, rows, missing, None, Reading::Fit)?;
    }
    Ok(())
}

fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Population mean and standard deviation (1 for a constant or empty column), finite for
/// any finite input. The direct sums are used when they stay finite, so ordinary columns get
/// exactly the textbook numbers; when a sum or a square overflows (values near 1e155 and
/// beyond), the column is scaled by its largest magnitude first and the result scaled back.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (0.0, 1.0);
    }
    let mean = values.iter().fold(0.0, |acc, v| acc + v) / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let (mean, std) = if mean.is_finite() && var.is_finite() {
        (mean, var.sqrt())
    } else {
        let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let scaled_mean = values.iter().map(|v| v / scale).sum::<f64>() / n;
        let scaled_var = values.iter().map(|v| (v / scale - scaled_mean).powi(2)).sum::<f64>() / n;
        // |mean| <= scale and std <= scale, so scaling back cannot overflow.
        (scaled_mean * scale, scaled_var.sqrt() * scale)
    };
    (mean, if std > 1e-12 { std } else { 1.0 })
}

impl FittedPipeline {
    /// Learns the pipeline from the training rows `rows` of `frame`.
    pub fn fit(
        frame: &LeadFrame,
        rows: &[usize],
        inputs: &[InputColumn],
        missing: &MissingTokens,
        settings: &PipelineSettings,
    ) -> Result<FittedPipeline, TypingError> {
        // Reference date: configured, or the latest date in any date column.
        let mut reference = settings.reference_date;
        if reference.is_none() {
            for c in inputs.iter().filter(|c| c.kind == ColumnKind::Date) {
                if let Parsed::Numbers(days) =
                    parse_column(frame, &c.name, ColumnKind::Date, rows, missing, None, Reading::Fit)?
                {
                    let latest = days.iter().copied().filter(|d| !d.is_nan()).fold(f64::NAN, f64::max);
                    if !latest.is_nan() {
                        let d = NaiveDate::from_num_days_from_ce_opt(latest as i32);
                        reference = reference.max(d);
                    }
                }
            }
        }
        let mut columns = Vec::new();
        for c in inputs {
            let missing_rows: usize;
            let parsed = parse_column(frame, &c.name, c.kind, rows, missing, reference, Reading::Fit)?;
            let profile = super::profile::ColumnProfile::of(&parsed, rows.len());
            let encoding = match parsed {
                Parsed::Numbers(v) => {
                    missing_rows = v.iter().filter(|x| x.is_nan()).count();
                    Encoding::Number { median: median(&v), missing_indicator: missing_rows > 0 }
                }
                Parsed::Labels(v) => {
                    missing_rows = v.iter().filter(|x| x.is_none()).count();
                    let mut counts: HashMap<&str, usize> = HashMap::new();
                    for l in v.iter().flatten() {
                        *counts.entry(l).or_default() += 1;
                    }
                    let mut levels: Vec<(&str, usize)> = counts
                        .iter()
                        .map(|(l, n)| (*l, *n))
                        .filter(|(_, n)| *n >= settings.min_category_count.max(1))
                        .collect();
                    levels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                    levels.truncate(settings.max_categories);
                    let kept: std::collections::HashSet<&str> = levels.iter().map(|l| l.0).collect();
                    let mut rare: Vec<String> =
                        counts.keys().filter(|l| !kept.contains(*l)).map(|l| l.to_string()).collect();
                    rare.sort();
                    if rare.len() > MAX_RARE {
                        rare.clear();
                    }
                    Encoding::Categorical { levels: levels.into_iter().map(|(l, _)| l.to_string()).collect(), rare }
                }
            };
            if matches!(c.kind, ColumnKind::Id | ColumnKind::Ignore) {
                continue;
            }
            let missing_share = Some(missing_rows as f64 / rows.len().max(1) as f64);
            columns.push(FittedColumn { name: c.name.clone(), kind: c.kind, encoding, missing_share, profile });
        }
        let mut pipeline =
            FittedPipeline { missing: missing.clone(), reference_date: reference, columns, design: Vec::new(), groups: Vec::new() };
        pipeline.design = pipeline.design_layout();
        // Standardise with training statistics.
        let raw = pipeline.raw_design(frame, rows)?;
        for (j, d) in pipeline.design.iter_mut().enumerate() {
            let col = &raw.0[j * raw.1..(j + 1) * raw.1];
            let (m, s) = mean_std(col);
            d.mean = m;
            d.std = match d.role {
                DesignRole::Level(_) | DesignRole::Other | DesignRole::MissingLevel => 1.0,
                DesignRole::Value | DesignRole::MissingIndicator => s,
            };
        }
        Ok(pipeline)
    }

    fn design_layout(&self) -> Vec<DesignColumn> {
        let mut out = Vec::new();
        let mut push = |source, role| out.push(DesignColumn { source, role, mean: 0.0, std: 1.0 });
        for (s, c) in self.columns.iter().enumerate() {
            match &c.encoding {
                Encoding::Number { missing_indicator, .. } => {
                    push(s, DesignRole::Value);
                    if *missing_indicator {
                        push(s, DesignRole::MissingIndicator);
                    }
                }
                Encoding::Categorical { levels, .. } => {
                    for l in 0..levels.len() {
                        push(s, DesignRole::Level(l));
                    }
                    push(s, DesignRole::Other);
                    push(s, DesignRole::MissingLevel);
                }
            }
        }
        out
    }

    /// Name of a design column in the user's terms.
    pub fn design_name(&self, d: &DesignColumn) -> String {
        let c = &self.columns[d.source];
        match (&c.encoding, d.role) {
            (Encoding::Categorical { levels, .. }, DesignRole::Level(l)) => format!("{} = {}", c.name, levels[l]),
            (_, DesignRole::Other) => format!("{} = (other)", c.name),
            (_, DesignRole::MissingLevel) | (_, DesignRole::MissingIndicator) => format!("{} (missing)", c.name),
            _ => c.name.clone(),
        }
    }

    /// Tree-matrix values (NaN = missing, categorical codes) and unseen values.
    fn tree_values(&self, frame: &LeadFrame, rows: &[usize]) -> Result<(Vec<f64>, Vec<UnseenLevels>), TypingError> {
        let n = rows.len();
        let mut data = Vec::with_capacity(n * self.columns.len());
        let mut unseen = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let mut count = UnseenLevels::default();
            match (
                parse_column(frame, &c.name, c.kind, rows, &self.missing, self.reference_date, Reading::Apply)?,
                &c.encoding,
            ) {
                (Parsed::Numbers(v), _) => data.extend(v),
                (Parsed::Labels(v), Encoding::Categorical { levels, rare }) => {
                    let index: HashMap<&str, usize> = levels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
                    for l in v {
                        data.push(match l {
                            None => f64::NAN,
                            Some(l) => match index.get(l) {
                                Some(&i) => i as f64,
                                None => {
                                    if rare.binary_search_by(|r| r.as_str().cmp(l)).is_err() {
                                        count.add(l);
                                    }
                                    levels.len() as f64
                                }
                            },
                        });
                    }
                }
                (Parsed::Labels(_), Encoding::Number { .. }) => unreachable!("kind and encoding agree"),
            }
            unseen.push(count);
        }
        Ok((data, unseen))
    }

    /// Unstandardised design values, column-major, from tree values.
    fn raw_design(&self, frame: &LeadFrame, rows: &[usize]) -> Result<RawDesign, TypingError> {
        let (tree, unseen) = self.tree_values(frame, rows)?;
        let n = rows.len();
        let mut design = Vec::with_capacity(n * self.design.len());
        for d in &self.design {
            let src = &tree[d.source * n..(d.source + 1) * n];
            let c = &self.columns[d.source];
            match (&c.encoding, d.role) {
                (Encoding::Number { median, .. }, DesignRole::Value) => {
                    design.extend(src.iter().map(|&x| if x.is_nan() { *median } else { x }))
                }
                (_, DesignRole::MissingIndicator) | (_, DesignRole::MissingLevel) => {
                    design.extend(src.iter().map(|&x| x.is_nan() as u8 as f64))
                }
                (Encoding::Categorical { .. }, DesignRole::Level(l)) => {
                    design.extend(src.iter().map(|&x| (x == l as f64) as u8 as f64))
                }
                (Encoding::Categorical { levels, .. }, DesignRole::Other) => {
                    design.extend(src.iter().map(|&x| (x == levels.len() as f64) as u8 as f64))
                }
                _ => design.extend(std::iter::repeat_n(0.0, n)),
            }
        }
        Ok((design, n, tree, unseen))
    }

    /// Encodes the rows `rows` of `frame` (all rows when `None`).
    pub fn transform(&self, frame: &LeadFrame, rows: Option<&[usize]>) -> Result<Encoded, TypingError> {
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..frame.height()).collect();
                &all
            }
        };
        let (mut design, n, tree, unseen) = self.raw_design(frame, rows)?;
        for (j, d) in self.design.iter().enumerate() {
            for v in &mut design[j * n..(j + 1) * n] {
                *v = (*v - d.mean) / d.std;
            }
        }
        Ok(Encoded {
            design: FeatureMatrix {
                n_rows: n,
                names: self.design.iter().map(|d| self.design_name(d)).collect(),
                data: design,
            },
            tree: FeatureMatrix { n_rows: n, names: self.columns.iter().map(|c| c.name.clone()).collect(), data: tree },
            unseen,
        })
    }

    /// Indices of categorical columns in the tree matrix.
    pub fn categorical_columns(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.encoding, Encoding::Categorical { .. }))
            .map(|(i, _)| i)
            .collect()
    }

    /// The names of the input columns the pipeline reads.
    pub fn input_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use std::path::Path;

    fn frame() -> DataFrame {
        let s = |n: &str, v: &[Option<&str>]| Column::from(Series::new(n.into(), v.to_vec()));
        DataFrame::new_infer_height(vec![
            s("visits", &[Some("1"), Some("3"), None, Some("5")]),
            s("source", &[Some("web"), Some("web"), Some("Select"), Some("ads")]),
            s("opt_in", &[Some("Yes"), Some("No"), Some("No"), Some("yes")]),
        ])
        .unwrap()
    }

    fn fitted(df: &DataFrame) -> FittedPipeline {
        let f = LeadFrame { df, path: Path::new("t.csv"), first_row: 1 };
        let inputs = vec![
            InputColumn { name: "visits".into(), kind: ColumnKind::Numeric, inferred: true },
            InputColumn { name: "source".into(), kind: ColumnKind::Categorical, inferred: true },
            InputColumn { name: "opt_in".into(), kind: ColumnKind::Boolean, inferred: true },
        ];
        let settings = PipelineSettings { min_category_count: 2, max_categories: 10, reference_date: None };
        FittedPipeline::fit(&f, &[0, 1, 2, 3], &inputs, &MissingTokens::new(&["select".into()]), &settings).unwrap()
    }

    #[test]
    fn medians_levels_and_standardisation() {
        let df = frame();
        let p = fitted(&df);
        assert_eq!(p.columns[0].encoding, Encoding::Number { median: 3.0, missing_indicator: true });
        // "ads" appears once (< 2): not a level; "Select" is missing.
        assert_eq!(
            p.columns[1].encoding,
            Encoding::Categorical { levels: vec!["web".into()], rare: vec!["ads".into()] }
        );
        let f = LeadFrame { df: &df, path: Path::new("t.csv"), first_row: 1 };
        let e = p.transform(&f, None).unwrap();
        // visits imputed: [1,3,3,5], mean 3, population std sqrt(2)
        let z = e.design.column(0);
        let s = 2f64.sqrt();
        assert_eq!(z, &[-2.0 / s, 0.0, 0.0, 2.0 / s]);
        assert!(e.tree.column(1)[2].is_nan());
        assert_eq!(e.tree.column(1)[3], 1.0); // "ads" -> other (code = levels.len())
        assert_eq!(e.tree.column(2), &[1.0, 0.0, 0.0, 1.0]);
        assert_eq!(e.design.names[0], "visits");
        assert_eq!(e.design.names[2], "source = web");
    }

    #[test]
    fn unseen_category_maps_to_other_and_is_counted() {
        let df = frame();
        let p = fitted(&df);
        let s = |n: &str, v: &[Option<&str>]| Column::from(Series::new(n.into(), v.to_vec()));
        let new = DataFrame::new_infer_height(vec![
            s("visits", &[Some("2"), Some("4")]),
            s("source", &[Some("tv"), Some("ads")]),
            s("opt_in", &[Some("no"), Some("no")]),
        ])
        .unwrap();
        let f = LeadFrame { df: &new, path: Path::new("n.csv"), first_row: 1 };
        let e = p.transform(&f, None).unwrap();
        // "tv" was never seen: counted; "ads" was seen but rare: other, not counted.
        assert_eq!(e.unseen.iter().map(|u| u.count).collect::<Vec<_>>(), vec![0, 1, 0]);
        assert_eq!(e.tree.column(1), &[1.0, 1.0]);
    }

    #[test]
    fn junk_in_numeric_column_names_row_and_column() {
        let df = frame();
        let p = fitted(&df);
        let s = |n: &str, v: &[Option<&str>]| Column::from(Series::new(n.into(), v.to_vec()));
        let new = DataFrame::new_infer_height(vec![
            s("visits", &[Some("2"), Some("lots")]),
            s("source", &[Some("web"), Some("web")]),
            s("opt_in", &[Some("no"), Some("no")]),
        ])
        .unwrap();
        let f = LeadFrame { df: &new, path: Path::new("n.csv"), first_row: 101 };
        let e = p.transform(&f, None).unwrap_err().to_string();
        assert!(e.contains("n.csv: column \"visits\", row 102: \"lots\" is not a number"), "{e}");
        // Scoring cannot take --missing-values or [data.types]: the advice is to fix the data
        // or retrain, and names what the bundle treats as missing.
        assert!(!e.contains("[data.types]") && !e.contains("add it to --missing-values"), "{e}");
        assert!(e.contains("retrain") && e.contains("blank cells, \"select\""), "{e}");
    }

    #[test]
    fn mean_and_std_are_finite_for_huge_values() {
        // Regression (huge number in training data made an unloadable bundle): 1e160 squared
        // overflows, which made the standard deviation infinite.
        let (m, s) = mean_std(&[1e160, 0.0, 0.0, 0.0]);
        assert!((m / 2.5e159 - 1.0).abs() < 1e-12, "{m}");
        // Population std of (1, 0, 0, 0) is sqrt(3)/4.
        assert!((s / (3f64.sqrt() / 4.0 * 1e160) - 1.0).abs() < 1e-12, "{s}");
        let (m, s) = mean_std(&[f64::MAX, f64::MAX, -f64::MAX]);
        assert!(m.is_finite() && s.is_finite() && s > 0.0, "{m} {s}");
        // Ordinary columns keep the textbook numbers exactly.
        assert_eq!(mean_std(&[1.0, 3.0, 3.0, 5.0]), (3.0, 2f64.sqrt()));
        assert_eq!(mean_std(&[2.0, 2.0]), (2.0, 1.0));
        assert_eq!(mean_std(&[]), (0.0, 1.0));
    }
}
