//! The model bundle: one versioned, self-describing JSON file holding everything `score`
//! needs and everything an auditor wants to know.
//!
//! Layout: format name and version, the input schema, the fitted feature pipeline, one or
//! more fitted models with their held-out metrics, the primary model's name, grade cut-offs,
//! the leakage report, training metadata (rows, dates, data file and its SHA-256, seed,
//! crate versions), a SHA-256 checksum over the rest, and optionally an HMAC signature
//! ([`sign`]).
//!
//! Loading ([`Bundle::load_verified`]): the file's size (at most [`MAX_BUNDLE_BYTES`], checked
//! before reading), the format and version, the checksum (over the file's own JSON, so fields
//! added since it was written do not break it), the signature when a key is given,
//! then the content's shape and meaning ([`check`]: every leaf, coefficient, calibrator and
//! quantile within bounds training can reach).
//!
//! Compatibility: fields added later carry serde defaults, so older bundles still load. A
//! bundle whose *major* format version differs from ours is refused with a clear message.
//! Format 1.1 added the score reference; 1.2 the optional signature, which the checksum does
//! not cover (so a 1.1 reader still loads a signed bundle, without verifying it); 1.3 the
//! digest of the training leads and the training date window ([`digest`]), which
//! `models compare` needs to evaluate two bundles on leads neither saw; 1.4 every parameter of
//! the tree engine in a boosted-tree model's settings (before, twelve of them; the others read
//! as the engine's defaults, which those bundles were trained with) and the reason groups
//! (`[features.groups]`); 1.5 the per-segment models ([`segments`]), which a reader before
//! 1.5 ignores: it scores every lead of a routed bundle with the global model.
//! Floats are written with serde_json's shortest round-trip form and read back with its
//! `float_roundtrip` parser, so save → load → predict is bit-identical.

pub mod check;
pub mod digest;
pub mod segments;
pub mod sign;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data::limited::{read_text_limited, Limit, ReadError};
use crate::data::ordered_json::OrderedJson;
use crate::data::output::{OutputError, Staged};
use crate::data::typing::TargetSpec;
use crate::evaluation::Evaluation;
use crate::features::schema::InputColumn;
use crate::features::FittedPipeline;
use crate::leakage::ColumnCheck;
use crate::models::{FittedModel, ModelKind};

/// The format name written in every bundle.
pub const FORMAT: &str = "leadscore-bundle";
/// Major version: bumped on incompatible changes.
pub const FORMAT_MAJOR: u32 = 1;
/// Minor version: bumped when fields are added (1: the score reference distribution; 2: each
/// input column's training distribution, for drift; the base rate each model is judged
/// against; the leakage guard's verdicts and signal levels; the optional signature; 3: the
/// training leads' digest and date window; 4: every engine parameter in a boosted-tree model's
/// settings, where before twelve were, and the pipeline's reason groups; 5: the per-segment
/// models).
pub const FORMAT_MINOR: u32 = 5;

/// Largest bundle accepted: 64 MiB, refused from the file's size before any parsing. A
/// 500-tree model beside a logistic one is about 6 MB, so this is ten times the largest
/// bundle training writes in practice, while it bounds what a load can cost (a 200 MB file
/// used to take 10.7 s and 3.4 GB before it was refused). Training refuses to write a
/// larger bundle.
pub const MAX_BUNDLE_BYTES: u64 = 64 << 20;

const BUNDLE_LIMIT: Limit = Limit {
    what: "model bundle",
    bytes: MAX_BUNDLE_BYTES,
    advice: "check that --model names a bundle written by `leadscore train`",
};

pub use sign::{KeyError, SignKey, Signature, SIGN_KEY_ENV};

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
    /// The file could not be read whole (missing, a FIFO nobody writes to, not UTF-8, larger
    /// than [`MAX_BUNDLE_BYTES`]).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A value no training could have written (see [`check`]).
    #[error("{path}: {field}: {problem}; the bundle was damaged or edited after training: restore it from a copy, or retrain with `leadscore train`")]
    Implausible {
        /// The bundle path.
        path: PathBuf,
        /// The field, as a path into the JSON.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A key was given but the bundle is not signed.
    #[error("{path}: the bundle is not signed, but a signing key was given ({key}, from --sign-key or {SIGN_KEY_ENV}); retrain it with `leadscore train --sign-key {key}`, or load it without a key")]
    Unsigned {
        /// The bundle path.
        path: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The signature was made with another key.
    #[error("{path}: the bundle was signed with another key (key id {found}; {key} has id {given}); pass the key it was signed with")]
    OtherKey {
        /// The bundle path.
        path: PathBuf,
        /// The key file.
        key: PathBuf,
        /// The signature's key id.
        found: String,
        /// The given key's id.
        given: String,
    },
    /// The signature does not match the content.
    #[error("{path}: the signature does not match the bundle's content: it was changed after it was signed with {key}; refusing it. Restore it from a copy, or retrain")]
    BadSignature {
        /// The bundle path.
        path: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The signing key could not be read.
    #[error(transparent)]
    Key(#[from] KeyError),
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
    /// below `p`, to 0.1 points, compared by [`rank_key`] (probabilities in the same
    /// billionth count as equal). Lower than every reference lead: 0; at or above the highest:
    /// 100.
    pub fn percentile(&self, p: f64) -> f64 {
        let key = rank_key(p);
        let at_or_below = self.quantiles.partition_point(|&q| rank_key(q) <= key);
        100.0 * at_or_below as f64 / self.quantiles.len().max(1) as f64
    }
}

/// What percentiles compare: `floor(p × 10⁹)`, the probability's billionth. A lead scored on
/// the history the reference came from often has *exactly* a reference quantile's
/// probability; an engine whose `exp` differs from ours in the last bit (Spark's is Java's)
/// would put it one percentile step lower. Compared in billionths, a last-bit difference
/// changes the percentile only when it crosses a multiple of 10⁻⁹ (about one lead in 10⁷),
/// while the multiplication and the floor are exact in every engine (IEEE 754), so the
/// exported SQL ([`crate::export`]) computes the same key. A real difference of 10⁻⁹ in
/// conversion probability is far below anything a percentile (0.1 points) can show.
pub fn rank_key(p: f64) -> f64 {
    (p * 1e9).floor()
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
    /// The labelled leads whose outcomes shaped the bundle (format 1.3; absent before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_leads: Option<digest::LeadDigest>,
    /// First and last creation date of the labelled leads, with a date column (format 1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_window: Option<digest::DateWindow>,
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
    /// The lookup tables joined to the leads at training (`[[data.join]]`), each with its
    /// spec, SHA-256, columns and rows: `score`, `evaluate` and `thresholds` join the same
    /// tables. Empty for bundles trained without joins (and before joins existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<crate::data::join::JoinRecord>,
    /// The per-segment models (`[segments]`, format 1.5), routed or kept for the record only.
    /// Absent for bundles trained without a segment column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<segments::Segmentation>,
    /// SHA-256 (hex) of the bundle serialised with this field and `signature` empty.
    #[serde(default)]
    pub checksum: String,
    /// HMAC-SHA256 of the same bytes, when the bundle was trained with a signing key
    /// ([`sign`]). Absent before format 1.2 and in unsigned bundles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

/// The bytes the checksum and the signature cover: the bundle without either, serialised
/// compactly.
fn covered_bytes(bundle: &Bundle) -> Vec<u8> {
    let mut copy = bundle.clone();
    copy.checksum = String::new();
    copy.signature = None;
    serde_json::to_vec(&copy).expect("a bundle always serialises")
}

/// The same bytes taken from a bundle file's own text: its JSON, keys in the order written,
/// with the checksum emptied and the signature removed, written compactly. These equal
/// [`covered_bytes`] of the bundle that wrote the file, whatever fields this leadscore has
/// added since (re-serialising the parsed [`Bundle`] would write those too, with their
/// defaults, and so refuse every older bundle).
fn covered_text(text: &str) -> Result<Vec<u8>, serde_json::Error> {
    let mut tree: OrderedJson = serde_json::from_str(text)?;
    if let Some(entries) = tree.entries_mut() {
        entries.retain(|(k, _)| k != "signature");
        for (k, v) in entries.iter_mut() {
            if k == "checksum" {
                *v = OrderedJson::String(String::new());
            }
        }
    }
    serde_json::to_vec(&tree)
}

/// A bundle's file header: read before the whole, so another format or version gets its own
/// message rather than a parse error.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
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
        self.save_signed(path, None)
    }

    /// [`Bundle::save`], signed with `key` when given.
    pub fn save_signed(&mut self, path: &Path, key: Option<&SignKey>) -> Result<(), BundleError> {
        let covered = covered_bytes(self);
        self.checksum = hex(&Sha256::digest(&covered));
        self.signature = key.map(|k| k.sign(&covered));
        let unloadable = |message: String| BundleError::Unloadable { path: path.to_path_buf(), message };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| unloadable(e.to_string()))?;
        text.push('\n');
        if text.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(unloadable(format!(
                "it would be {} bytes, over the {MAX_BUNDLE_BYTES}-byte limit of bundles; use fewer trees or fewer category levels",
                text.len()
            )));
        }
        if let Err(e) = Bundle::from_text(path, &text, key) {
            let message = match e {
                BundleError::Malformed { message, .. } => message,
                BundleError::Inconsistent { what, .. } => what,
                BundleError::Implausible { field, problem, .. } => format!("{field}: {problem}"),
                other => other.to_string(),
            };
            return Err(unloadable(message));
        }
        Staged::bytes(path, text.as_bytes())?.commit()?;
        Ok(())
    }

    /// Reads and checks a bundle without a signing key (a signed bundle loads unverified).
    pub fn load(path: &Path) -> Result<Bundle, BundleError> {
        Bundle::load_verified(path, None)
    }

    /// Reads a bundle (refusing one over [`MAX_BUNDLE_BYTES`] before parsing), then checks its
    /// format version, checksum, signature (with `key`: a bundle not signed with it is
    /// refused), shape and meaning.
    pub fn load_verified(path: &Path, key: Option<&SignKey>) -> Result<Bundle, BundleError> {
        let text = read_text_limited(path, BUNDLE_LIMIT)?;
        Bundle::from_text(path, &text, key)
    }

    /// Parses and checks a bundle's text; `path` is named in errors.
    pub fn from_text(path: &Path, text: &str, key: Option<&SignKey>) -> Result<Bundle, BundleError> {
        let malformed =
            |e: serde_json::Error| BundleError::Malformed { path: path.to_path_buf(), message: e.to_string() };
        if text.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(BundleError::Read(ReadError::TooLarge {
                path: path.to_path_buf(),
                what: BUNDLE_LIMIT.what,
                bytes: text.len() as u64,
                exact: true,
                limit: MAX_BUNDLE_BYTES,
                advice: BUNDLE_LIMIT.advice,
            }));
        }
        // Check the header first, so a future format gives a version message, not a parse error.
        let head: Header = serde_json::from_str(text).map_err(malformed)?;
        let format = head.format.as_ref().and_then(|v| v.as_str()).unwrap_or("(none)");
        if format != FORMAT {
            return Err(BundleError::WrongFormat { path: path.to_path_buf(), found: format.to_string() });
        }
        let version = head.format_version.as_ref().and_then(|v| v.as_str()).unwrap_or("?").to_string();
        let major: Option<u32> = version.split('.').next().and_then(|m| m.parse().ok());
        if major != Some(FORMAT_MAJOR) {
            return Err(BundleError::Version {
                path: path.to_path_buf(),
                found: version,
                found_major: major.unwrap_or(0),
            });
        }
        let mut bundle: Bundle = serde_json::from_str(text).map_err(malformed)?;
        let covered = covered_text(text).map_err(malformed)?;
        if hex(&Sha256::digest(&covered)) != bundle.checksum {
            return Err(BundleError::Checksum { path: path.to_path_buf() });
        }
        if let Some(key) = key {
            bundle.verify(path, key, &covered)?;
        }
        check::shape(&bundle).map_err(|what| BundleError::Inconsistent { path: path.to_path_buf(), what })?;
        check::meaning(&bundle).map_err(|e| BundleError::Implausible {
            path: path.to_path_buf(),
            field: e.field,
            problem: e.problem,
        })?;
        if let Some(d) = bundle.training.trained_leads.as_mut() {
            d.check().map_err(|e| BundleError::Implausible {
                path: path.to_path_buf(),
                field: "training.trained_leads".into(),
                problem: e.to_string(),
            })?;
        }
        Ok(bundle)
    }

    fn verify(&self, path: &Path, key: &SignKey, covered: &[u8]) -> Result<(), BundleError> {
        let Some(signature) = &self.signature else {
            return Err(BundleError::Unsigned { path: path.to_path_buf(), key: key.path().to_path_buf() });
        };
        if key.verifies(covered, signature) {
            return Ok(());
        }
        if signature.key_id != key.id() {
            return Err(BundleError::OtherKey {
                path: path.to_path_buf(),
                key: key.path().to_path_buf(),
                found: signature.key_id.clone(),
                given: key.id(),
            });
        }
        Err(BundleError::BadSignature { path: path.to_path_buf(), key: key.path().to_path_buf() })
    }
}
