//! The model bundle: one versioned, self-describing JSON file holding everything `score`
//! needs and everything an auditor wants to know.
//!
//! Layout: format name and version, the input schema, the fitted feature pipeline, one or
//! more fitted models with their held-out metrics, the primary model's name, grade cut-offs,
//! the leakage report, training metadata (rows, dates, data file and its SHA-256, seed,
//! crate versions) and a SHA-256 checksum over the rest.
//!
//! Compatibility: fields added later carry serde defaults, so older bundles still load. A
//! bundle whose *major* format version differs from ours is refused with a clear message.
//! Floats are written with serde_json's shortest round-trip form and read back with its
//! `float_roundtrip` parser, so save → load → predict is bit-identical.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data::output::{OutputError, Staged};
use crate::data::typing::ColumnKind;
use crate::data::typing::TargetSpec;
use crate::evaluation::Evaluation;
use crate::features::pipeline::{DesignRole, Encoding};
use crate::features::schema::InputColumn;
use crate::features::FittedPipeline;
use crate::leakage::ColumnCheck;
use crate::models::{FittedModel, ModelKind};

/// The format name written in every bundle.
pub const FORMAT: &str = "leadscore-bundle";
/// Major version: bumped on incompatible changes.
pub const FORMAT_MAJOR: u32 = 1;
/// Minor version: bumped when fields are added (1: the score reference distribution).
pub const FORMAT_MINOR: u32 = 1;

/// Errors reading or writing a bundle.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// File system error.
    #[error("{path}: {source}")]
    Io {
        /// The bundle path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not JSON, or not a bundle's structure.
    #[error("{path}: not a readable leadscore model bundle ({message}); retrain with `leadscore train`")]
    Malformed {
        /// The bundle path.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// Another kind of file.
    #[error("{path}: format is \"{found}\", not \"{FORMAT}\"; pass a bundle written by `leadscore train`")]
    WrongFormat {
        /// The bundle path.
        path: PathBuf,
        /// The format field found.
        found: String,
    },
    /// Written by an incompatible version.
    #[error("{path}: bundle format version {found} cannot be read by this leadscore (reads {FORMAT_MAJOR}.x); retrain with this version or use leadscore {found_major}.x")]
    Version {
        /// The bundle path.
        path: PathBuf,
        /// Version found.
        found: String,
        /// Its major part.
        found_major: u32,
    },
    /// The content does not match its checksum.
    #[error("{path}: checksum mismatch (the file was changed or damaged after training); retrain or restore it")]
    Checksum {
        /// The bundle path.
        path: PathBuf,
    },
    /// The bundle could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The bundle as serialised would not load back (e.g. a statistic overflowed to infinity,
    /// which JSON cannot hold); nothing was written.
    #[error("{path}: not written: the trained bundle would not load back ({message}); usually a value in the training data is too extreme for the model's arithmetic: check the numeric columns for absurd values (e.g. 1e300) and fix or exclude them")]
    Unloadable {
        /// The bundle path.
        path: PathBuf,
        /// Why it would not load.
        message: String,
    },
    /// The content is inconsistent (e.g. coefficient count differs from the pipeline).
    #[error("{path}: inconsistent bundle: {what}; retrain with `leadscore train`")]
    Inconsistent {
        /// The bundle path.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

/// One model in the bundle with its held-out evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// The fitted model.
    pub model: FittedModel,
    /// Its held-out evaluation.
    pub evaluation: Evaluation,
}

/// A lead's grade by probability: A (best) to D.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    /// At or above the A cut-off.
    A,
    /// At or above the B cut-off.
    B,
    /// At or above the C cut-off.
    C,
    /// Below the C cut-off.
    D,
}

impl Grade {
    /// Every grade, best first.
    pub const ALL: [Grade; 4] = [Grade::A, Grade::B, Grade::C, Grade::D];

    /// `"A"` … `"D"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }

    /// Parses `A`…`D` (any case, trimmed).
    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Grade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Grade cut-offs that are not `1 >= A >= B >= C >= 0`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{given}: give three probabilities A,B,C with 1 >= A >= B >= C >= 0, e.g. 0.6,0.35,0.15")]
pub struct GradeCutsError {
    /// The cut-offs as given, e.g. `--grade-cuts 0.2,0.5,0.1`.
    pub given: String,
}

/// Probability cut-offs for grades A–D.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeCuts {
    /// Lowest probability graded A.
    pub a: f64,
    /// Lowest probability graded B.
    pub b: f64,
    /// Lowest probability graded C.
    pub c: f64,
    /// How they were set ("configured" or "hold-out quantiles 10/30/60%").
    pub source: String,
}

impl GradeCuts {
    /// Checked cut-offs: `1 >= a >= b >= c >= 0` (NaN refused); `given` names them in the error.
    pub fn new(a: f64, b: f64, c: f64, source: &str, given: &str) -> Result<GradeCuts, GradeCutsError> {
        if (0.0..=1.0).contains(&c) && c <= b && b <= a && a <= 1.0 {
            Ok(GradeCuts { a, b, c, source: source.to_string() })
        } else {
            Err(GradeCutsError { given: given.to_string() })
        }
    }

    /// Cut-offs at quantiles of `probs` so that about 10% of leads are A, 20% B, 30% C and
    /// 40% D; `None` for no probabilities (or any that is not a number).
    pub fn from_quantiles(probs: &[f64]) -> Option<GradeCuts> {
        if probs.is_empty() || probs.iter().any(|p| p.is_nan()) {
            return None;
        }
        let mut s = probs.to_vec();
        s.sort_by(|a, b| a.total_cmp(b));
        let q = |f: f64| s[((s.len() as f64 * f) as usize).min(s.len() - 1)];
        let source = "hold-out quantiles: top 10% A, next 20% B, next 30% C";
        GradeCuts::new(q(0.9), q(0.7), q(0.4), source, "hold-out quantiles").ok()
    }

    /// The grade of probability `p`.
    pub fn grade(&self, p: f64) -> Grade {
        if p >= self.a {
            Grade::A
        } else if p >= self.b {
            Grade::B
        } else if p >= self.c {
            Grade::C
        } else {
            Grade::D
        }
    }
}

/// The reference distribution of the primary model's probabilities: 1,001 quantiles of its
/// predictions on history it did not train on (the hold-out, or out-of-fold predictions of
/// cross-validation). A lead's `percentile` is the share of these reference leads scoring at
/// or below it, so the same lead gets the same percentile every night, scored alone or with
/// millions of others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreReference {
    /// Where the probabilities come from ("hold-out" or "out-of-fold").
    pub source: String,
    /// Leads the quantiles summarise.
    pub leads: usize,
    /// `quantiles[k]` is the probability at rank `k / 1000` (nearest rank), ascending.
    pub quantiles: Vec<f64>,
}

/// Quantiles stored in a [`ScoreReference`] (every 0.1 percentile point, both ends included).
pub const REFERENCE_QUANTILES: usize = 1001;

impl ScoreReference {
    /// The reference of `probs` (any order); `None` without any probability, or with one
    /// that is not a number.
    pub fn new(probs: &[f64], source: &str) -> Option<ScoreReference> {
        if probs.is_empty() || probs.iter().any(|p| p.is_nan()) {
            return None;
        }
        let mut s = probs.to_vec();
        s.sort_by(|a, b| a.total_cmp(b));
        let last = (s.len() - 1) as f64;
        let quantiles = (0..REFERENCE_QUANTILES)
            .map(|k| s[(k as f64 * last / (REFERENCE_QUANTILES - 1) as f64).round() as usize])
            .collect();
        Some(ScoreReference { source: source.to_string(), leads: s.len(), quantiles })
    }

    /// The percentile (0–100) of probability `p`: the share of the reference quantiles at or
    /// below `p`, to 0.1 points. Lower than every reference lead: 0; at or above the highest: 100.
    pub fn percentile(&self, p: f64) -> f64 {
        let at_or_below = self.quantiles.partition_point(|&q| q <= p);
        100.0 * at_or_below as f64 / self.quantiles.len().max(1) as f64
    }
}

/// Training metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// The data file as given.
    pub data_file: String,
    /// SHA-256 of the data file's bytes.
    pub data_sha256: String,
    /// Rows in the file.
    pub rows_in_file: usize,
    /// Rows with an outcome.
    pub labelled_rows: usize,
    /// Rows skipped for an empty outcome.
    pub skipped_unlabelled: usize,
    /// Converted among the labelled rows.
    pub conversions: usize,
    /// Rows the bundled models were fitted on.
    pub fit_rows: usize,
    /// Seed used for every random choice.
    pub seed: u64,
    /// When training ran (UTC, RFC 3339).
    pub trained_at: String,
    /// leadscore's version.
    pub leadscore_version: String,
    /// Versions of the crates that shape the numbers.
    #[serde(default)]
    pub crate_versions: Vec<(String, String)>,
    /// Columns the leakage guard flagged and the analyst kept anyway.
    #[serde(default)]
    pub kept_flagged_columns: Vec<String>,
}

/// The whole bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always [`FORMAT`].
    pub format: String,
    /// `MAJOR.MINOR`.
    pub format_version: String,
    /// The bundle's name (file stem).
    pub name: String,
    /// Id column, copied to score output.
    pub id_column: Option<String>,
    /// The outcome the models predict.
    pub target: TargetSpec,
    /// Input schema: every input column with its kind.
    pub schema: Vec<InputColumn>,
    /// The fitted feature pipeline.
    pub pipeline: FittedPipeline,
    /// The fitted models.
    pub models: Vec<ModelEntry>,
    /// The model whose probability is reported as `probability`.
    pub primary: ModelKind,
    /// Grade cut-offs.
    pub grades: GradeCuts,
    /// The leakage guard's figures per column.
    #[serde(default)]
    pub leakage: Vec<ColumnCheck>,
    /// Training metadata.
    pub training: TrainingInfo,
    /// The primary model's probabilities on leads it did not train on, as quantiles: what
    /// `percentile` ranks a lead against. Absent in bundles before format 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<ScoreReference>,
    /// SHA-256 (hex) of the bundle serialised with this field empty.
    #[serde(default)]
    pub checksum: String,
}

fn digest(bundle: &Bundle) -> String {
    let mut copy = bundle.clone();
    copy.checksum = String::new();
    let bytes = serde_json::to_vec(&copy).expect("a bundle always serialises");
    hex(&Sha256::digest(&bytes))
}

/// Lower-case hex of bytes (the data layer's, re-exported for bundle users).
pub use crate::data::source::hex;

/// SHA-256 of a file's bytes, streamed (the data layer's, re-exported for bundle users).
pub use crate::data::source::file_sha256;

impl Bundle {
    /// The entry of the primary model.
    pub fn primary_entry(&self) -> &ModelEntry {
        self.models.iter().find(|m| m.model.kind() == self.primary).unwrap_or(&self.models[0])
    }

    /// Writes the bundle atomically (temporary file in the same directory, then rename),
    /// creating the directory if needed. The serialised text is first read back through the
    /// same checks as [`Bundle::load`], so a bundle that could not be loaded is never written.
    pub fn save(&mut self, path: &Path) -> Result<(), BundleError> {
        self.checksum = digest(self);
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| BundleError::Unloadable { path: path.to_path_buf(), message: e.to_string() })?;
        text.push('\n');
        if let Err(e) = Bundle::from_text(path, &text) {
            let message = match e {
                BundleError::Malformed { message, .. } => message,
                BundleError::Inconsistent { what, .. } => what,
                other => other.to_string(),
            };
            return Err(BundleError::Unloadable { path: path.to_path_buf(), message });
        }
        Staged::bytes(path, text.as_bytes())?.commit()?;
        Ok(())
    }

    /// Reads, version-checks, checksum-checks and consistency-checks a bundle.
    pub fn load(path: &Path) -> Result<Bundle, BundleError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| BundleError::Io { path: path.to_path_buf(), source })?;
        Bundle::from_text(path, &text)
    }

    /// Parses and checks a bundle's text; `path` is named in errors.
    fn from_text(path: &Path, text: &str) -> Result<Bundle, BundleError> {
        let malformed =
            |e: serde_json::Error| BundleError::Malformed { path: path.to_path_buf(), message: e.to_string() };
        // Check the header first, so a future format gives a version message, not a parse error.
        let head: serde_json::Value = serde_json::from_str(text).map_err(malformed)?;
        let format = head.get("format").and_then(|v| v.as_str()).unwrap_or("(none)");
        if format != FORMAT {
            return Err(BundleError::WrongFormat { path: path.to_path_buf(), found: format.to_string() });
        }
        let version = head.get("format_version").and_then(|v| v.as_str()).unwrap_or("?").to_string();
        let major: Option<u32> = version.split('.').next().and_then(|m| m.parse().ok());
        if major != Some(FORMAT_MAJOR) {
            return Err(BundleError::Version {
                path: path.to_path_buf(),
                found: version,
                found_major: major.unwrap_or(0),
            });
        }
        let bundle: Bundle = serde_json::from_value(head).map_err(malformed)?;
        if digest(&bundle) != bundle.checksum {
            return Err(BundleError::Checksum { path: path.to_path_buf() });
        }
        bundle.check_consistency().map_err(|what| BundleError::Inconsistent { path: path.to_path_buf(), what })?;
        Ok(bundle)
    }

    fn check_consistency(&self) -> Result<(), String> {
        /// Largest logistic coefficient a bundle may hold.
        const MAX_WEIGHT: f64 = 1e6;
        if self.models.is_empty() {
            return Err("no models".into());
        }
        let n_cols = self.pipeline.columns.len();
        for d in &self.pipeline.design {
            if d.source >= n_cols || !(d.std.is_finite() && d.std > 0.0) || !d.mean.is_finite() {
                return Err("feature pipeline has an invalid design column".into());
            }
            let fits = match (&self.pipeline.columns[d.source].encoding, d.role) {
                (Encoding::Number { .. }, DesignRole::Value | DesignRole::MissingIndicator) => true,
                (Encoding::Categorical { levels, .. }, DesignRole::Level(l)) => l < levels.len(),
                (Encoding::Categorical { .. }, DesignRole::Other | DesignRole::MissingLevel) => true,
                _ => false,
            };
            if !fits {
                return Err(format!(
                    "design column for \"{}\" does not match its encoding",
                    self.pipeline.columns[d.source].name
                ));
            }
        }
        for c in &self.pipeline.columns {
            let number = matches!(c.encoding, Encoding::Number { .. });
            let numeric_kind = matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean | ColumnKind::Date);
            if number != numeric_kind || matches!(c.kind, ColumnKind::Id | ColumnKind::Ignore) {
                return Err(format!("column \"{}\" has kind {} but a mismatched encoding", c.name, c.kind.as_str()));
            }
        }
        for entry in &self.models {
            match &entry.model {
                FittedModel::Logistic(m) => {
                    // A fitted, L2-penalised model on standardised columns never comes near
                    // these; larger values can only be damage, and would overflow the margin.
                    if m.coefficients
                        .iter()
                        .chain(std::iter::once(&m.intercept))
                        .any(|w| w.is_nan() || w.abs() > MAX_WEIGHT)
                    {
                        return Err(format!("logistic model has a coefficient beyond ±{MAX_WEIGHT:e} or not finite"));
                    }
                    if m.coefficients.len() != self.pipeline.design.len() {
                        return Err(format!(
                            "logistic model has {} coefficients for {} design columns",
                            m.coefficients.len(),
                            self.pipeline.design.len()
                        ));
                    }
                }
                FittedModel::Gbm(m) => {
                    m.trees.validate(n_cols).map_err(|e| format!("boosted trees: {e}"))?;
                    let cats = self.pipeline.categorical_columns();
                    for (j, &is_cat) in m.trees.is_categorical().iter().enumerate() {
                        if is_cat != cats.contains(&j) {
                            return Err(format!("boosted trees treat column {j} differently from the pipeline"));
                        }
                    }
                }
            }
        }
        if let Some(r) = &self.reference {
            let sorted = r.quantiles.windows(2).all(|w| w[0] <= w[1]);
            if r.quantiles.len() != REFERENCE_QUANTILES
                || !sorted
                || r.quantiles.iter().any(|q| !(0.0..=1.0).contains(q))
            {
                return Err(format!(
                    "the score reference must hold {REFERENCE_QUANTILES} ascending probabilities in 0..1"
                ));
            }
        }
        let g = &self.grades;
        if !(0.0 <= g.c && g.c <= g.b && g.b <= g.a && g.a <= 1.0) {
            return Err(format!(
                "grade cut-offs must satisfy 0 <= C <= B <= A <= 1 (found A {}, B {}, C {})",
                g.a, g.b, g.c
            ));
        }
        if !self.models.iter().any(|m| m.model.kind() == self.primary) {
            return Err(format!("primary model \"{}\" is not in the bundle", self.primary));
        }
        Ok(())
    }
}
