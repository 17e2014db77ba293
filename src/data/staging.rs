//! Temporary files beside outputs, and the litter of a run killed while it held some.
//!
//! Every output is written to a temporary file in the target's directory and renamed over
//! the target (see [`super::output`]), so a killed run never leaves a half-written output; but
//! a run killed with `kill -9` cannot remove its temporary file. This module names those files
//! so that they can be proved ours and stale, and removes stale ones on the next run.
//!
//! - **Naming.** `.leadscore-tmp-XXXXXX` (a staged output) and `.leadscore-bak-XXXXXX` (the
//!   previous version of an output, kept while several outputs are moved into place, so that
//!   a failure can restore it), `XXXXXX` six random letters or digits. Nothing else is ever
//!   removed; in particular not the `.leadscore-XXXXXX` files of versions before this scheme
//!   (they cannot be proved stale).
//! - **Proof of life: an advisory lock.** The process that creates such a file holds an
//!   exclusive `flock` on it for as long as it needs the file. The kernel releases the lock
//!   when the process ends, however it ends (`kill -9`, a crash, power-off), and a process id
//!   that is reused later cannot inherit it; so a file of our naming that can be locked is
//!   one whose owner is gone.
//! - **The race, closed.** Creating a file and locking it are two steps, and a cleaner could
//!   lock a new file in between. So the creator, once it holds the lock, checks that the
//!   name still leads to the file it locked, and starts again under a new name if not; the
//!   cleaner removes a file only while it holds its lock, and only if the name still leads to
//!   the file it locked. Neither waits for a lock.
//! - **Where.** [`remove_stale`] runs on the directory of every output before its temporary
//!   file is created, so the next run of any command writing there cleans up. Only regular
//!   files are touched (never symbolic links, FIFOs or directories).
//!
//! `flock` locks are per open file, so closing another descriptor of the same file (a
//! reopened writer) does not release them. On NFS, Linux emulates `flock` with byte-range
//! locks, which a close anywhere in the process releases: there the guarantee weakens to "a
//! stale file is removed", with a small chance of removing a live one's. On systems other
//! than Unix no file is locked and nothing is removed.

use std::io;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Prefix of a staged output's temporary file.
pub const STAGE_PREFIX: &str = ".leadscore-tmp-";
/// Prefix of a replaced output's backup while outputs are moved into place.
pub const BACKUP_PREFIX: &str = ".leadscore-bak-";
/// Random letters and digits after the prefix.
const RANDOM_LEN: usize = 6;
/// Attempts to create and lock a file before giving up (each loses only to a cleaner that
/// locked the new file within microseconds of its creation).
const ATTEMPTS: usize = 8;

/// Takes an exclusive advisory lock on `file` without waiting: `Ok(false)` when another
/// process holds it (always `Ok(true)` on systems other than Unix, where nothing is locked).
pub fn try_lock_exclusive(file: &std::fs::File) -> io::Result<bool> {
    lock::try_lock(file)
}

/// Whether `name` is one of our temporary files: a prefix above, then exactly six ASCII
/// letters or digits.
pub fn is_ours(name: &str) -> bool {
    [STAGE_PREFIX, BACKUP_PREFIX].iter().any(|prefix| {
        name.strip_prefix(prefix)
            .is_some_and(|rest| rest.len() == RANDOM_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
    })
}

/// Creates an empty temporary file named `prefix` + six random characters in `dir`, locked
/// by the returned handle until it is dropped or persisted and closed. `configure` sets up
/// the builder (permissions).
pub fn create_locked(
    dir: &Path,
    prefix: &str,
    configure: impl Fn(&mut tempfile::Builder),
) -> io::Result<NamedTempFile> {
    let mut last = io::Error::other("could not create a temporary file");
    for _ in 0..ATTEMPTS {
        let mut builder = tempfile::Builder::new();
        builder.prefix(prefix).rand_bytes(RANDOM_LEN);
        configure(&mut builder);
        let tmp = builder.tempfile_in(dir)?;
        match lock::try_lock(tmp.as_file()) {
            Ok(true) if lock::same_file(tmp.path(), tmp.as_file()) => return Ok(tmp),
            // A cleaner took it between creation and the lock; it removes the file (or has).
            Ok(_) => last = io::Error::other("a temporary file was removed while it was being created"),
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Locks an existing file of our naming (a hard link made as a backup) for the caller, if
/// its name still leads to it; `None` if it could not be locked at once.
pub fn lock_existing(path: &Path) -> io::Result<Option<std::fs::File>> {
    let file = lock::open_no_follow(path)?;
    Ok((lock::try_lock(&file)? && lock::same_file(path, &file)).then_some(file))
}

/// Removes, from `dir`, every temporary file of our naming that no live process holds:
/// left by a run that was killed. Best effort: a file that cannot be inspected or removed
/// is left alone. Returns the files removed.
pub fn remove_stale(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(is_ours) {
            continue;
        }
        let path = entry.path();
        if lock::remove_if_unlocked(&path) {
            removed.push(path);
        }
    }
    removed
}

#[cfg(unix)]
mod lock {
    use std::fs::File;
    use std::io;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    use std::path::Path;

    use rustix::fs::{flock, FlockOperation, OFlags};

    /// Takes an exclusive lock without waiting: `Ok(false)` when another holds it.
    pub fn try_lock(file: &File) -> io::Result<bool> {
        match flock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(true),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether `path` (not followed if a link) is the file `file` has open.
    pub fn same_file(path: &Path, file: &File) -> bool {
        match (std::fs::symlink_metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }

    /// Opens `path` for reading without following a symbolic link and without blocking on
    /// a FIFO; refuses anything but a regular file.
    pub fn open_no_follow(path: &Path) -> io::Result<File> {
        let flags = (OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32;
        let file = std::fs::OpenOptions::new().read(true).custom_flags(flags).open(path)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
        }
        Ok(file)
    }

    /// Removes `path` if it is a regular file nobody holds locked; the lock is held across
    /// the removal, so its owner cannot be mid-creation.
    pub fn remove_if_unlocked(path: &Path) -> bool {
        let Ok(file) = open_no_follow(path) else { return false };
        matches!(try_lock(&file), Ok(true)) && same_file(path, &file) && std::fs::remove_file(path).is_ok()
    }
}

#[cfg(not(unix))]
mod lock {
    use std::fs::File;
    use std::io;
    use std::path::Path;

    pub fn try_lock(_: &File) -> io::Result<bool> {
        Ok(true)
    }

    pub fn same_file(_: &Path, _: &File) -> bool {
        true
    }

    pub fn open_no_follow(path: &Path) -> io::Result<File> {
        File::open(path)
    }

    /// Without locks nothing can be proved stale.
    pub fn remove_if_unlocked(_: &Path) -> bool {
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn our_naming_is_recognised_exactly() {
        assert!(is_ours(".leadscore-tmp-a1B2c3"));
        assert!(is_ours(".leadscore-bak-zzzzzz"));
        // Older versions' files, near misses and other programs' files are never ours.
        for other in [
            ".leadscore-a1B2c3",
            ".leadscore-tmp-a1B2c",
            ".leadscore-tmp-a1B2c3d",
            ".leadscore-tmp-a1B2c.",
            "x.leadscore-tmp-a1B2c3",
            "leads.csv",
        ] {
            assert!(!is_ours(other), "{other}");
        }
    }

    #[test]
    fn a_stale_temporary_file_is_removed_and_a_held_one_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Left by a killed run: our naming, nobody holds it.
        std::fs::write(d.join(".leadscore-tmp-dead01"), "half a bundle").unwrap();
        std::fs::write(d.join(".leadscore-bak-dead02"), "old output").unwrap();
        // Held by a live run.
        let live = create_locked(d, STAGE_PREFIX, |_| {}).unwrap();
        let live_name = live.path().file_name().unwrap().to_string_lossy().into_owned();
        // Not ours: an older version's file, and a user's file.
        std::fs::write(d.join(".leadscore-ab12cd"), "x").unwrap();
        std::fs::write(d.join("scores.csv"), "x").unwrap();
        let removed = remove_stale(d);
        assert_eq!(removed.len(), 2, "{removed:?}");
        let mut expected = vec![live_name, ".leadscore-ab12cd".to_string(), "scores.csv".to_string()];
        expected.sort();
        assert_eq!(names(d), expected);
        // Once its owner lets go, the live one is stale too (here: removed by its own drop).
        drop(live);
        assert_eq!(names(d), [".leadscore-ab12cd", "scores.csv"]);
    }

    #[test]
    fn a_symbolic_link_of_our_naming_is_not_followed_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("precious.csv"), "keep").unwrap();
        std::os::unix::fs::symlink(d.join("precious.csv"), d.join(".leadscore-tmp-link01")).unwrap();
        assert!(remove_stale(d).is_empty());
        assert_eq!(names(d), [".leadscore-tmp-link01", "precious.csv"]);
        assert_eq!(std::fs::read_to_string(d.join("precious.csv")).unwrap(), "keep");
    }

    #[test]
    fn a_locked_backup_link_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("out.csv"), "old").unwrap();
        std::fs::hard_link(d.join("out.csv"), d.join(".leadscore-bak-link02")).unwrap();
        let held = lock_existing(&d.join(".leadscore-bak-link02")).unwrap();
        assert!(held.is_some());
        assert!(remove_stale(d).is_empty());
        drop(held);
        assert_eq!(remove_stale(d).len(), 1);
        assert_eq!(std::fs::read_to_string(d.join("out.csv")).unwrap(), "old", "only the link goes");
    }
}
