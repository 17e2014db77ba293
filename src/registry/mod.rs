//! The model registry: `models/` with aliases (`champion`, `challenger`), an append-only
//! history of every promotion, revert and gate comparison, and a content-addressed store of
//! every bundle an alias ever pointed to.
//!
//! Layout, under the registry directory (default `models/`, or `LEADSCORE_REGISTRY`):
//! - `registry/bundles/<checksum>.json`: a byte-for-byte copy of each promoted bundle, named
//!   by its SHA-256 checksum. Retraining into `models/leads.json` never changes what
//!   `champion` means, and `revert` can always restore an earlier champion.
//! - `registry/history.json`: `{"format": "leadscore-registry", "version": 1, "entries": [...]}`.
//!   Each entry (a promotion, a revert, or a recorded comparison) carries its sequence number,
//!   the SHA-256 of the previous entry and its own ([`Entry::hash`]): leadscore only ever
//!   appends, and an entry edited or removed by hand breaks the chain, which every command
//!   reading the registry refuses with the entry named.
//! - `registry/.lock`: held (an advisory `flock`) while the history is read and rewritten, so
//!   two promotions never interleave.
//!
//! Aliases are replayed from the history: a promotion pushes a bundle onto its alias's stack,
//! a revert pops it; the alias means the top. The history is rewritten whole into a temporary
//! file and renamed over the old one, after the bundle's copy is in place: a crash at any
//! moment leaves either the old history (the old champion) or the new one, never a mix.

mod error;
pub mod gate;

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bundle::{hex, Bundle};
use crate::data::limited::{read_text_limited, Limit};
use crate::data::output::Staged;
use crate::data::staging::try_lock_exclusive;

pub use error::RegistryError;
pub use gate::{GateCheck, GateOptions, GateVerdict};

/// The history file's format name.
pub const FORMAT: &str = "leadscore-registry";
/// The history file's version.
pub const VERSION: u32 = 1;
/// The aliases commands resolve.
pub const ALIASES: [&str; 2] = ["champion", "challenger"];
/// How long a command waits for another holding the registry's lock.
const LOCK_WAIT: Duration = Duration::from_secs(30);

const HISTORY_LIMIT: Limit = Limit {
    bytes: 64 * 1024 * 1024,
    what: "registry history",
    advice: "the registry history is never this large; is it the right file?",
};

/// A bundle as the registry knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleRef {
    /// The bundle's checksum (SHA-256 hex).
    pub checksum: String,
    /// The bundle's name.
    pub name: String,
    /// Where it was promoted from, as given.
    pub source: String,
    /// When it was trained.
    pub trained_at: String,
}

impl BundleRef {
    /// The first 12 hex digits of the checksum, as `score` prints it in `model_id`.
    pub fn short(&self) -> &str {
        &self.checksum[..self.checksum.len().min(12)]
    }
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A bundle was given an alias.
    Promote,
    /// An alias went back to its previous bundle.
    Revert,
    /// Two bundles were compared on leads neither learned from (`models compare`).
    Compare,
}

/// A comparison's outcome, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRecord {
    /// Whether the challenger passed.
    pub passed: bool,
    /// The verdict in words.
    pub verdict: String,
    /// The file compared on and its SHA-256.
    pub data_file: String,
    /// SHA-256 of the file.
    pub data_sha256: String,
    /// Leads evaluated (seen by neither bundle), and converted among them.
    pub leads: usize,
    /// Converted among them.
    pub conversions: usize,
    /// Each check of the rule with its numbers.
    pub checks: Vec<String>,
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3, ... in order.
    pub seq: usize,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// What happened.
    pub action: Action,
    /// The alias (promote, revert), or `None` for a comparison.
    pub alias: Option<String>,
    /// The bundle the alias points to afterwards; for a comparison, the challenger.
    pub bundle: BundleRef,
    /// The bundle it pointed to before; for a comparison, the champion.
    pub from: Option<BundleRef>,
    /// For a comparison, its result; for a promotion to champion, the comparison it rests on
    /// (copied), unless it was the first champion or forced.
    pub gate: Option<GateRecord>,
    /// The comparison entry a promotion rests on.
    pub gate_entry: Option<usize>,
    /// Promoted with `--force` (no passing comparison).
    pub forced: bool,
    /// Who (the `USER` environment variable, else "unknown").
    pub by: String,
    /// Why, as given by `--note`.
    pub note: Option<String>,
    /// SHA-256 of the previous entry (`hash`), or 64 zeros for the first.
    pub prev: String,
    /// SHA-256 of this entry serialised with `hash` empty.
    pub hash: String,
}

impl Entry {
    /// A new entry of `action` (its sequence number and hashes are filled in when appended).
    fn new(
        action: Action,
        alias: Option<&str>,
        bundle: BundleRef,
        from: Option<BundleRef>,
        note: Option<String>,
    ) -> Entry {
        Entry {
            seq: 0,
            at: now(),
            action,
            alias: alias.map(str::to_string),
            bundle,
            from,
            gate: None,
            gate_entry: None,
            forced: false,
            by: user(),
            note,
            prev: String::new(),
            hash: String::new(),
        }
    }

    /// The entry's own hash: SHA-256 of its JSON with `hash` empty.
    pub fn compute_hash(&self) -> String {
        let mut copy = self.clone();
        copy.hash = String::new();
        hex(&Sha256::digest(serde_json::to_vec(&copy).expect("an entry always serialises")))
    }
}

/// The history file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// Every entry, oldest first.
    pub entries: Vec<Entry>,
}

/// An alias resolved to its bundle.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The alias.
    pub alias: String,
    /// The stored copy.
    pub path: PathBuf,
    /// The bundle.
    pub bundle: BundleRef,
}

/// A registry directory.
#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
}

/// The default registry directory: `LEADSCORE_REGISTRY`, else `models`.
pub fn default_dir() -> PathBuf {
    std::env::var_os("LEADSCORE_REGISTRY").map_or_else(|| PathBuf::from("models"), PathBuf::from)
}

/// Whether a `--model` value is an alias rather than a path: exactly `champion` or
/// `challenger` (write `./champion` for a file of that name).
pub fn is_alias(value: &Path) -> bool {
    value.to_str().is_some_and(|s| ALIASES.contains(&s))
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io { path: path.to_path_buf(), source }
}

/// The registry lock, held until dropped.
pub struct Lock {
    _file: File,
}

impl Registry {
    /// The registry at `dir` (nothing is read or created until a command needs it).
    pub fn at(dir: &Path) -> Registry {
        Registry { dir: dir.to_path_buf() }
    }

    /// The registry directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn state(&self) -> PathBuf {
        self.dir.join("registry")
    }

    /// The history file's path.
    pub fn history_path(&self) -> PathBuf {
        self.state().join("history.json")
    }

    /// Where a bundle with this checksum is stored.
    pub fn stored_path(&self, checksum: &str) -> PathBuf {
        self.state().join("bundles").join(format!("{checksum}.json"))
    }

    /// Takes the registry's lock, waiting up to 30 s for another command.
    pub fn lock(&self) -> Result<Lock, RegistryError> {
        let state = self.state();
        std::fs::create_dir_all(&state).map_err(io_err(&state))?;
        let path = state.join(".lock");
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io_err(&path))?;
        let start = Instant::now();
        loop {
            if try_lock_exclusive(&file).map_err(io_err(&path))? {
                return Ok(Lock { _file: file });
            }
            if start.elapsed() >= LOCK_WAIT {
                return Err(RegistryError::Locked { path, secs: LOCK_WAIT.as_secs() });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Reads and verifies the history (empty when the registry has none yet).
    pub fn history(&self) -> Result<Vec<Entry>, RegistryError> {
        let path = self.history_path();
        if !path.exists() {
            return Ok(Vec::new());
        }
        let text = read_text_limited(&path, HISTORY_LIMIT)?;
        let malformed = |message: String| RegistryError::Malformed { path: path.clone(), message };
        let file: HistoryFile = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
        if file.format != FORMAT {
            return Err(malformed(format!("format is \"{}\", not \"{FORMAT}\"", file.format)));
        }
        if file.version != VERSION {
            return Err(malformed(format!("version {} (this leadscore reads {VERSION})", file.version)));
        }
        let mut prev = "0".repeat(64);
        for (k, e) in file.entries.iter().enumerate() {
            let tampered = |what: String| RegistryError::Tampered { path: path.clone(), seq: k + 1, what };
            if e.seq != k + 1 {
                return Err(tampered(format!("its sequence number is {}, expected {}", e.seq, k + 1)));
            }
            if e.prev != prev {
                return Err(tampered("it does not follow the entry before it".into()));
            }
            if e.compute_hash() != e.hash {
                return Err(tampered("its hash does not match its content".into()));
            }
            if let Some(a) = &e.alias {
                if !ALIASES.contains(&a.as_str()) {
                    return Err(tampered(format!("alias \"{a}\" is not one leadscore writes")));
                }
            }
            let is_sha = |c: &str| c.len() == 64 && c.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            for b in std::iter::once(&e.bundle).chain(&e.from) {
                if !is_sha(&b.checksum) {
                    return Err(tampered(format!("\"{}\" is not a bundle checksum (64 hex digits)", b.checksum)));
                }
            }
            prev = e.hash.clone();
        }
        Ok(file.entries)
    }

    /// The stack of bundles an alias has pointed to, oldest first (the top is current).
    pub fn stack(entries: &[Entry], alias: &str) -> Vec<BundleRef> {
        let mut stack = Vec::new();
        for e in entries.iter().filter(|e| e.alias.as_deref() == Some(alias)) {
            match e.action {
                Action::Promote => stack.push(e.bundle.clone()),
                Action::Revert => {
                    stack.pop();
                }
                Action::Compare => {}
            }
        }
        stack
    }

    /// What an alias points to now, if anything.
    pub fn current(&self, alias: &str) -> Result<Option<BundleRef>, RegistryError> {
        if !ALIASES.contains(&alias) {
            return Err(RegistryError::UnknownAlias(alias.to_string()));
        }
        Ok(Registry::stack(&self.history()?, alias).pop())
    }

    /// A `--model` value as a bundle path: an alias ([`is_alias`]) resolved to its stored
    /// bundle, any other value as the path it is.
    pub fn path_of(&self, value: &Path) -> Result<PathBuf, RegistryError> {
        match value.to_str().filter(|_| is_alias(value)) {
            Some(alias) => Ok(self.resolve(alias)?.path),
            None => Ok(value.to_path_buf()),
        }
    }

    /// Resolves an alias to its stored bundle, checking the copy is there and intact.
    pub fn resolve(&self, alias: &str) -> Result<Resolved, RegistryError> {
        let bundle = self
            .current(alias)?
            .ok_or_else(|| RegistryError::Unset { dir: self.dir.clone(), alias: alias.to_string() })?;
        let path = self.stored_path(&bundle.checksum);
        let dangling = |problem: String| RegistryError::Dangling { alias: alias.into(), path: path.clone(), problem };
        if !path.is_file() {
            return Err(dangling("is missing".into()));
        }
        match Bundle::load(&path) {
            Ok(b) if b.checksum == bundle.checksum => {}
            Ok(b) => return Err(dangling(format!("holds another bundle (checksum {})", &b.checksum[..12]))),
            Err(e) => return Err(dangling(format!("cannot be loaded: {e}"))),
        }
        Ok(Resolved { alias: alias.to_string(), path, bundle })
    }

    /// Appends `entry` (its `seq`, `prev` and `hash` are filled in) under the lock already
    /// held, writing the history atomically.
    fn append(&self, _lock: &Lock, entries: &mut Vec<Entry>, mut entry: Entry) -> Result<Entry, RegistryError> {
        entry.seq = entries.len() + 1;
        entry.prev = entries.last().map_or_else(|| "0".repeat(64), |e| e.hash.clone());
        entry.hash = String::new();
        entry.hash = entry.compute_hash();
        entries.push(entry.clone());
        let file = HistoryFile { format: FORMAT.into(), version: VERSION, entries: entries.clone() };
        let mut text = serde_json::to_string_pretty(&file).expect("the history always serialises");
        text.push('\n');
        Staged::bytes(&self.history_path(), text.as_bytes())?.commit()?;
        Ok(entry)
    }

    /// Copies a bundle into the store (unless a copy is there already), atomically.
    fn store(&self, path: &Path, bundle: &Bundle) -> Result<(), RegistryError> {
        let target = self.stored_path(&bundle.checksum);
        if target.is_file() && Bundle::load(&target).is_ok_and(|b| b.checksum == bundle.checksum) {
            return Ok(());
        }
        let dir = target.parent().expect("stored paths have a directory");
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let bytes = std::fs::read(path).map_err(io_err(path))?;
        // The copy must be the bundle whose checksum the history records, read before.
        let same = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| Bundle::from_text(path, text, None).ok())
            .is_some_and(|b| b.checksum == bundle.checksum);
        if !same {
            return Err(RegistryError::Changed { bundle: path.to_path_buf() });
        }
        Staged::bytes(&target, &bytes)?.commit()?;
        Ok(())
    }

    /// Gives `bundle_path` the alias. For `champion`, unless `force` (with a note), the
    /// history must hold a passing comparison of this bundle against the current champion;
    /// the first champion needs none.
    pub fn promote(
        &self,
        bundle_path: &Path,
        alias: &str,
        force: bool,
        note: Option<String>,
    ) -> Result<Entry, RegistryError> {
        if !ALIASES.contains(&alias) {
            return Err(RegistryError::UnknownAlias(alias.to_string()));
        }
        if force && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(RegistryError::ForceWithoutNote);
        }
        let bundle = Bundle::load(bundle_path)?;
        let lock = self.lock()?;
        let mut entries = self.history()?;
        let from = Registry::stack(&entries, alias).pop();
        let new = bundle_ref(bundle_path, &bundle);
        if from.as_ref().is_some_and(|f| f.checksum == new.checksum) {
            return Err(RegistryError::Already {
                bundle: bundle_path.to_path_buf(),
                checksum: new.short().to_string(),
                alias: alias.into(),
            });
        }
        let (mut gate, mut gate_entry) = (None, None);
        if let (Some(champion), "champion") = (&from, alias) {
            let passing = entries.iter().rev().find(|e| {
                e.action == Action::Compare
                    && e.bundle.checksum == new.checksum
                    && e.from.as_ref().is_some_and(|f| f.checksum == champion.checksum)
            });
            match passing {
                Some(e) if e.gate.as_ref().is_some_and(|g| g.passed) => {
                    gate = e.gate.clone();
                    gate_entry = Some(e.seq);
                }
                _ if force => {}
                Some(e) => {
                    let verdict = e.gate.as_ref().map_or("no verdict".to_string(), |g| g.verdict.clone());
                    return Err(RegistryError::GateNotPassed {
                        bundle: bundle_path.to_path_buf(),
                        why: format!(
                            "its latest comparison against champion {} (entry {}) did not pass: {verdict}",
                            champion.short(),
                            e.seq
                        ),
                    });
                }
                None => {
                    return Err(RegistryError::GateNotPassed {
                        bundle: bundle_path.to_path_buf(),
                        why: format!("it was never compared against the current champion {}", champion.short()),
                    })
                }
            }
        }
        self.store(bundle_path, &bundle)?;
        let entry = Entry {
            gate,
            gate_entry,
            forced: force && gate_entry.is_none(),
            ..Entry::new(Action::Promote, Some(alias), new, from, note)
        };
        self.append(&lock, &mut entries, entry)
    }

    /// Points the alias back to the bundle it had before its latest promotion.
    pub fn revert(&self, alias: &str, note: Option<String>) -> Result<Entry, RegistryError> {
        if !ALIASES.contains(&alias) {
            return Err(RegistryError::UnknownAlias(alias.to_string()));
        }
        let lock = self.lock()?;
        let mut entries = self.history()?;
        let mut stack = Registry::stack(&entries, alias);
        if stack.len() < 2 {
            return Err(RegistryError::NothingToRevert {
                dir: self.dir.clone(),
                alias: alias.into(),
                history: match stack.first() {
                    Some(b) => format!("the history has nothing before {} ({}) to go back to", b.short(), b.name),
                    None => format!("nothing was ever {alias}"),
                },
            });
        }
        let current = stack.pop().expect("two or more");
        let restored = stack.pop().expect("two or more");
        let path = self.stored_path(&restored.checksum);
        match Bundle::load(&path) {
            Ok(b) if b.checksum == restored.checksum => {}
            _ => {
                return Err(RegistryError::Dangling {
                    alias: alias.into(),
                    path,
                    problem: "is missing or damaged, so it cannot be restored".into(),
                })
            }
        }
        let entry = Entry::new(Action::Revert, Some(alias), restored, Some(current), note);
        self.append(&lock, &mut entries, entry)
    }

    /// Records a comparison of `challenger` against `champion`.
    pub fn record_comparison(
        &self,
        champion: (&Path, &Bundle),
        challenger: (&Path, &Bundle),
        gate: GateRecord,
        note: Option<String>,
    ) -> Result<Entry, RegistryError> {
        let lock = self.lock()?;
        let mut entries = self.history()?;
        let entry = Entry {
            gate: Some(gate),
            ..Entry::new(
                Action::Compare,
                None,
                bundle_ref(challenger.0, challenger.1),
                Some(bundle_ref(champion.0, champion.1)),
                note,
            )
        };
        self.append(&lock, &mut entries, entry)
    }

    /// Every bundle file directly in the registry directory and in its store, with the aliases
    /// pointing to each; files that are not bundles are listed with why.
    pub fn list(&self) -> Result<Vec<Listed>, RegistryError> {
        let entries = self.history()?;
        let aliases: Vec<(String, String)> = ALIASES
            .iter()
            .filter_map(|a| Registry::stack(&entries, a).pop().map(|b| (a.to_string(), b.checksum)))
            .collect();
        let mut out = Vec::new();
        for dir in [self.dir.clone(), self.state().join("bundles")] {
            let Ok(read) = std::fs::read_dir(&dir) else { continue };
            let mut paths: Vec<PathBuf> = read
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
                .collect();
            paths.sort();
            for path in paths {
                let loaded = Bundle::load(&path).map_err(|e| e.to_string());
                let alias = match &loaded {
                    Ok(b) => aliases.iter().filter(|(_, c)| *c == b.checksum).map(|(a, _)| a.clone()).collect(),
                    Err(_) => Vec::new(),
                };
                out.push(Listed { path, bundle: loaded.map(Box::new), aliases: alias });
            }
        }
        Ok(out)
    }
}

/// One file of [`Registry::list`].
#[derive(Debug)]
pub struct Listed {
    /// The file.
    pub path: PathBuf,
    /// The bundle, or why it is not one.
    pub bundle: Result<Box<Bundle>, String>,
    /// Aliases pointing to it.
    pub aliases: Vec<String>,
}

/// The registry's reference to a loaded bundle.
pub fn bundle_ref(path: &Path, b: &Bundle) -> BundleRef {
    BundleRef {
        checksum: b.checksum.clone(),
        name: b.name.clone(),
        source: path.display().to_string(),
        trained_at: b.training.trained_at.clone(),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn user() -> String {
    std::env::var("USER").ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| "unknown".into())
}
