//! Errors of the registry: each names the file or alias and says what to do.

use std::path::PathBuf;

use crate::bundle::BundleError;
use crate::data::limited::ReadError;
use crate::data::output::OutputError;

/// Errors of the registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Reading a file failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Writing failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A bundle could not be loaded.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// I/O on the registry directory.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The history is not ours or not JSON.
    #[error("{path}: not a leadscore registry history ({message}); restore it from a backup, or move the registry/ directory away to start a new registry")]
    Malformed {
        /// The history file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The hash chain is broken: an entry was edited, reordered or removed by hand.
    #[error(
        "{path}: entry {seq} was edited by hand ({what}); the history is append-only: restore the file from a backup"
    )]
    Tampered {
        /// The history file.
        path: PathBuf,
        /// The entry's sequence number.
        seq: usize,
        /// What failed.
        what: String,
    },
    /// An alias's bundle copy is missing or damaged.
    #[error("alias \"{alias}\" points to {path}, which {problem}; `leadscore models revert` restores the previous champion, or promote a bundle again")]
    Dangling {
        /// The alias.
        alias: String,
        /// The stored copy.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The alias is not set.
    #[error(
        "registry {dir}: no bundle is {alias} yet; promote one with `leadscore models promote BUNDLE --as {alias}`"
    )]
    Unset {
        /// The registry directory.
        dir: PathBuf,
        /// The alias.
        alias: String,
    },
    /// Not an alias we know.
    #[error("\"{0}\" is not an alias: use champion or challenger")]
    UnknownAlias(String),
    /// Nothing to revert to.
    #[error("registry {dir}: {alias} has no earlier bundle to revert to ({history})")]
    NothingToRevert {
        /// The registry directory.
        dir: PathBuf,
        /// The alias.
        alias: String,
        /// What the history holds for it.
        history: String,
    },
    /// The bundle file changed between being read and being copied into the registry.
    #[error("{bundle} changed while it was being promoted (another process wrote it); the registry is unchanged: run the promotion again")]
    Changed {
        /// The bundle.
        bundle: PathBuf,
    },
    /// The bundle already holds the alias.
    #[error("{bundle} (checksum {checksum}) is already {alias}")]
    Already {
        /// The bundle.
        bundle: PathBuf,
        /// Its short checksum.
        checksum: String,
        /// The alias.
        alias: String,
    },
    /// Promotion to champion without a passing comparison.
    #[error("{bundle}: not promoted to champion: {why}; run `leadscore models compare --champion champion --challenger {bundle} --data NEWLY_CLOSED_LEADS` first, or pass --force with a --note saying why")]
    GateNotPassed {
        /// The bundle.
        bundle: PathBuf,
        /// What the history shows.
        why: String,
    },
    /// `--force` without a reason.
    #[error("--force needs --note \"why\": a forced promotion is recorded with its reason")]
    ForceWithoutNote,
    /// Another command holds the lock.
    #[error("{path}: another leadscore command has held the registry lock for {secs} s; try again when it is done")]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        secs: u64,
    },
}
