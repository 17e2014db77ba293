//! Writing outputs safely.
//!
//! Every file a command writes goes through here:
//! - [`check_outputs`] refuses, before any work, an output path that is the same file as one
//!   of the command's inputs (or as another of its outputs);
//! - [`stage_file`] creates a temporary file beside the target (same directory, so the final
//!   rename is atomic) with the permissions a normal new file would get (0644 less the
//!   umask on Unix), or the existing target's, instead of tempfile's private 0600; it is
//!   named and locked so that, should the run be killed, the next run writing to that
//!   directory can prove it stale and remove it ([`super::staging`]);
//! - a fully written temporary file becomes a [`Staged`] file, and [`commit_all`] moves every
//!   staged file of a run into place together: if one move fails, the files already moved
//!   are rolled back (new ones removed, overwritten ones restored), so either all outputs
//!   appear or none;
//! - [`BatchWriter`] writes scored leads batch by batch to CSV, Parquet or NDJSON (by
//!   extension) into a staged file that is committed only when every batch was written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use tempfile::{NamedTempFile, TempPath};

use super::load::FileFormat;
use super::staging::{self, BACKUP_PREFIX, STAGE_PREFIX};

/// Errors while writing output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// File system error.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The output path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Polars failed to encode a batch.
    #[error("{path}: cannot write: {source}")]
    Polars {
        /// The output path.
        path: PathBuf,
        /// The cause.
        source: PolarsError,
    },
    /// The extension is not one we write.
    #[error("{path}: unknown output type; use .csv, .parquet or .ndjson")]
    Format {
        /// The output path.
        path: PathBuf,
    },
    /// The output's directory does not exist.
    #[error("{path}: the directory {directory} does not exist; create it first, or check the path for a typo")]
    NoDirectory {
        /// The output path.
        path: PathBuf,
        /// Its directory.
        directory: PathBuf,
    },
    /// The output path is a directory.
    #[error("{path}: is a directory, not a file; give a file name for the output")]
    IsDirectory {
        /// The output path.
        path: PathBuf,
    },
    /// An output would overwrite one of the command's inputs.
    #[error("{output_flag} {output} is the same file as {input_flag} {input}: refusing to overwrite an input; nothing was written. Choose another output path")]
    SameAsInput {
        /// The output's flag (e.g. `--out`).
        output_flag: String,
        /// The output path as given.
        output: PathBuf,
        /// The input's flag (e.g. `--data`).
        input_flag: String,
        /// The input path as given.
        input: PathBuf,
    },
    /// Two outputs of one run are the same file.
    #[error("{first_flag} {first} and {second_flag} {second} are the same file; nothing was written. Give each output its own path")]
    SameOutput {
        /// The first output's flag.
        first_flag: String,
        /// The first output.
        first: PathBuf,
        /// The second output's flag.
        second_flag: String,
        /// The second output.
        second: PathBuf,
    },
}

/// Where a path points, as far as it can be resolved: the canonical path when it exists,
/// else its canonical directory joined with its name, else the absolute path.
fn identity(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match (parent.canonicalize(), p.file_name()) {
        (Ok(d), Some(name)) => d.join(name),
        _ => std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()),
    }
}

/// Whether two paths name the same file: same canonical path, or (Unix) the same inode, which
/// also catches hard links.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            if x.dev() == y.dev() && x.ino() == y.ino() {
                return true;
            }
        }
    }
    identity(a) == identity(b)
}

/// Refuses outputs that are directories, or the same file as an input or as each other. Each
/// path comes with the flag it was given by (e.g. `("--out", path)`), so the message can name
/// both. Call it before doing any work, so that nothing is written.
pub fn check_outputs(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> Result<(), OutputError> {
    for (i, (oflag, out)) in outputs.iter().enumerate() {
        if out.is_dir() {
            return Err(OutputError::IsDirectory { path: out.to_path_buf() });
        }
        for (iflag, input) in inputs {
            if same_file(out, input) {
                return Err(OutputError::SameAsInput {
                    output_flag: oflag.to_string(),
                    output: out.to_path_buf(),
                    input_flag: iflag.to_string(),
                    input: input.to_path_buf(),
                });
            }
        }
        for (sflag, second) in &outputs[i + 1..] {
            if same_file(out, second) {
                return Err(OutputError::SameOutput {
                    first_flag: oflag.to_string(),
                    first: out.to_path_buf(),
                    second_flag: sflag.to_string(),
                    second: second.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

fn directory_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Creates an empty temporary file beside `target` (creating the directory if needed), with
/// the permissions of the existing target, or those of a normal new file (0644 less the
/// umask) on Unix. Fails early when `target` is a directory. Stale temporary files of ours in
/// that directory (left by a killed run) are removed first.
pub fn stage_file(target: &Path) -> Result<NamedTempFile, OutputError> {
    let io = io_err(target);
    if target.is_dir() {
        return Err(OutputError::IsDirectory { path: target.to_path_buf() });
    }
    let dir = directory_of(target);
    std::fs::create_dir_all(dir).map_err(&io)?;
    staging::remove_stale(dir);
    let tmp = staging::create_locked(dir, STAGE_PREFIX, |_builder| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            _builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
    })
    .map_err(&io)?;
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(target) {
        if meta.is_file() {
            std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(&io)?;
        }
    }
    Ok(tmp)
}

/// A complete temporary file waiting to be moved over its target. Dropping it removes the
/// temporary file. It stays open (and locked, see [`super::staging`]) until it is moved.
#[derive(Debug)]
pub struct Staged {
    temp: NamedTempFile,
    target: PathBuf,
}

impl Staged {
    /// Wraps a fully written temporary file (from [`stage_file`]) for `target`.
    pub fn new(file: NamedTempFile, target: &Path) -> Staged {
        Staged { temp: file, target: target.to_path_buf() }
    }

    /// Stages `bytes` for `target`.
    pub fn bytes(target: &Path, bytes: &[u8]) -> Result<Staged, OutputError> {
        let mut tmp = stage_file(target)?;
        tmp.write_all(bytes).and_then(|_| tmp.flush()).map_err(io_err(target))?;
        Ok(Staged::new(tmp, target))
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file's path.
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Moves this one file into place (atomic: a rename in one directory).
    pub fn commit(self) -> Result<(), OutputError> {
        commit_all(vec![self])
    }
}

/// A target moved into place by [`commit_all`], with what to restore on rollback.
struct Moved {
    target: PathBuf,
    /// The file the target replaced, if there was one.
    backup: Option<Backup>,
}

/// The previous version of a target, beside it under our naming and locked (so no other run
/// takes it for litter): a hard link where possible, else a copy. Dropping it removes it.
enum Backup {
    Link { path: TempPath, _lock: File },
    Copy(NamedTempFile),
}

impl Backup {
    /// Puts the previous version back as `target`.
    fn restore(self, target: &Path) {
        // Best effort: the error that got us here is the one worth reporting.
        let _ = match self {
            Backup::Link { path, _lock } => path.persist(target).map_err(|e| e.error),
            Backup::Copy(tmp) => tmp.persist(target).map(drop).map_err(|e| e.error),
        };
    }
}

/// A link to (or, where links are impossible, a copy of) `target` beside it.
fn backup_of(target: &Path) -> std::io::Result<Backup> {
    let dir = directory_of(target);
    let name = staging::create_locked(dir, BACKUP_PREFIX, |_| {})?.into_temp_path();
    let path = name.to_path_buf();
    // The name is free once the placeholder goes; the link then takes it, and is locked
    // before anyone can take it for litter (or, if someone did, replaced by a copy).
    drop(name);
    if std::fs::hard_link(target, &path).is_ok() {
        match staging::lock_existing(&path) {
            Ok(Some(lock)) => return Ok(Backup::Link { path: TempPath::try_from_path(path)?, _lock: lock }),
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let mut copy = staging::create_locked(dir, BACKUP_PREFIX, |_| {})?;
    std::io::copy(&mut File::open(target)?, copy.as_file_mut())?;
    Ok(Backup::Copy(copy))
}

fn roll_back(moved: Vec<Moved>) {
    for m in moved.into_iter().rev() {
        match m.backup {
            Some(b) => b.restore(&m.target),
            None => {
                let _ = std::fs::remove_file(&m.target);
            }
        }
    }
}

/// Moves every staged file into place, all or none: targets are checked first (none may be
/// a directory), and if a move fails, the files already moved are rolled back (new ones
/// removed, replaced ones restored) and every temporary file is removed.
pub fn commit_all(staged: Vec<Staged>) -> Result<(), OutputError> {
    let backups = staged.len() > 1;
    commit(staged, backups, || Ok::<(), std::convert::Infallible>(()))?.map_err(|never| match never {})
}

/// [`commit_all`], then `last` (e.g. a database commit) once every file is in place; if
/// `last` fails, the files are rolled back as if a move had failed and its error is
/// returned inside `Ok`. The outer error is a file error.
pub fn commit_all_then<E>(
    staged: Vec<Staged>,
    last: impl FnOnce() -> Result<(), E>,
) -> Result<Result<(), E>, OutputError> {
    commit(staged, true, last)
}

/// Moves `staged` into place, then runs `last`; `backups`: keep what each move replaces, so a
/// later failure can restore it (needed unless this is the only step that can fail).
fn commit<E>(
    staged: Vec<Staged>,
    backups: bool,
    last: impl FnOnce() -> Result<(), E>,
) -> Result<Result<(), E>, OutputError> {
    for s in &staged {
        if s.target.is_dir() {
            return Err(OutputError::IsDirectory { path: s.target.clone() });
        }
    }
    let mut moved: Vec<Moved> = Vec::with_capacity(staged.len());
    for s in staged {
        let target = s.target;
        let backup = if backups && target.is_file() {
            match backup_of(&target) {
                Ok(b) => Some(b),
                Err(source) => {
                    roll_back(moved);
                    return Err(OutputError::Io { path: target, source });
                }
            }
        } else {
            None
        };
        if let Err(e) = s.temp.persist(&target) {
            roll_back(moved);
            return Err(OutputError::Io { path: target, source: e.error });
        }
        moved.push(Moved { target, backup });
    }
    match last() {
        Ok(()) => Ok(Ok(())),
        Err(e) => {
            roll_back(moved);
            Ok(Err(e))
        }
    }
}

enum Sink {
    Csv { w: BufWriter<File>, header: bool, separator: u8 },
    Ndjson { w: BufWriter<File> },
    Parquet { w: Option<Box<polars::io::parquet::write::BatchedWriter<File>>> },
}

/// A batch writer that commits atomically on [`BatchWriter::finish`].
pub struct BatchWriter {
    path: PathBuf,
    tmp: NamedTempFile,
    sink: Sink,
}

impl BatchWriter {
    /// Creates the temporary file beside `path` (creating its directory if needed).
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        let format = FileFormat::from_path(path).map_err(|_| OutputError::Format { path: path.to_path_buf() })?;
        let tmp = stage_file(path)?;
        let file = tmp.reopen().map_err(io_err(path))?;
        let sink = match format {
            FileFormat::Csv { separator } => Sink::Csv { w: BufWriter::new(file), header: true, separator },
            FileFormat::Ndjson => Sink::Ndjson { w: BufWriter::new(file) },
            FileFormat::Parquet => Sink::Parquet { w: None },
        };
        Ok(BatchWriter { path: path.to_path_buf(), tmp, sink })
    }

    /// Appends a batch.
    pub fn write(&mut self, df: &mut DataFrame) -> Result<(), OutputError> {
        let pe = |source| OutputError::Polars { path: self.path.clone(), source };
        match &mut self.sink {
            Sink::Csv { w, header, separator } => {
                CsvWriter::new(w).include_header(*header).with_separator(*separator).finish(df).map_err(pe)?;
                *header = false;
            }
            Sink::Ndjson { w } => {
                JsonWriter::new(w).with_json_format(JsonFormat::JsonLines).finish(df).map_err(pe)?;
            }
            Sink::Parquet { w } => {
                if w.is_none() {
                    let file = self.tmp.reopen().map_err(io_err(&self.path))?;
                    *w = Some(Box::new(ParquetWriter::new(file).batched(df.schema()).map_err(pe)?));
                }
                if let Some(w) = w {
                    w.write_batch(df).map_err(pe)?;
                }
            }
        }
        Ok(())
    }

    /// Flushes the temporary file and hands it over for [`commit_all`] with other outputs.
    pub fn finish_staged(self) -> Result<Staged, OutputError> {
        let io = io_err(&self.path);
        match self.sink {
            Sink::Csv { mut w, .. } | Sink::Ndjson { mut w } => w.flush().map_err(io)?,
            Sink::Parquet { w } => {
                if let Some(w) = w {
                    w.finish().map_err(|source| OutputError::Polars { path: self.path.clone(), source })?;
                }
            }
        }
        Ok(Staged::new(self.tmp, &self.path))
    }

    /// Flushes and renames the file into place.
    pub fn finish(self) -> Result<(), OutputError> {
        self.finish_staged()?.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn commit_all_is_all_or_nothing_when_a_target_is_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("old.json"), "old").unwrap();
        std::fs::create_dir(d.join("r.html")).unwrap();
        let a = Staged::bytes(&d.join("new.json"), b"new").unwrap();
        let b = Staged::bytes(&d.join("old.json"), b"replaced").unwrap();
        // The directory target is refused at staging time already ...
        assert!(matches!(Staged::bytes(&d.join("r.html"), b"x"), Err(OutputError::IsDirectory { .. })));
        // ... and at commit time, before anything moves.
        let mut tmp = NamedTempFile::new_in(d).unwrap();
        tmp.write_all(b"x").unwrap();
        let c = Staged { temp: tmp, target: d.join("r.html") };
        let e = commit_all(vec![a, b, c]).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        assert_eq!(names(d), ["old.json", "r.html"]);
        assert_eq!(std::fs::read_to_string(d.join("old.json")).unwrap(), "old");
    }

    #[test]
    fn a_failed_move_rolls_back_the_files_already_moved() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("old.json"), "old").unwrap();
        let a = Staged::bytes(&d.join("new.json"), b"new").unwrap();
        let b = Staged::bytes(&d.join("old.json"), b"replaced").unwrap();
        // A staged file whose temporary file vanished: its move fails after the first two.
        let c = Staged::bytes(&d.join("third.json"), b"3").unwrap();
        std::fs::remove_file(c.temp_path()).unwrap();
        assert!(commit_all(vec![a, b, c]).is_err());
        assert_eq!(names(d), ["old.json"], "the new file is removed, no temporary file is left");
        assert_eq!(std::fs::read_to_string(d.join("old.json")).unwrap(), "old", "the replaced file is restored");
    }

    #[test]
    fn a_failing_last_step_rolls_back_the_files_it_followed() {
        // The run's sinks commit together: files first, then e.g. a ledger's transaction; if
        // that fails, the files must be as before (new ones gone, replaced ones restored).
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("old.csv"), "old").unwrap();
        let a = Staged::bytes(&d.join("new.csv"), b"new").unwrap();
        let b = Staged::bytes(&d.join("old.csv"), b"replaced").unwrap();
        let r = commit_all_then(vec![a, b], || Err::<(), &str>("database said no")).unwrap();
        assert_eq!(r, Err("database said no"));
        assert_eq!(names(d), ["old.csv"]);
        assert_eq!(std::fs::read_to_string(d.join("old.csv")).unwrap(), "old");
        // A last step that succeeds leaves every file in place.
        let a = Staged::bytes(&d.join("new.csv"), b"new").unwrap();
        assert_eq!(commit_all_then(vec![a], || Ok::<(), &str>(())).unwrap(), Ok(()));
        assert_eq!(names(d), ["new.csv", "old.csv"]);
    }

    #[test]
    fn commit_all_moves_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("old.json"), "old").unwrap();
        let a = Staged::bytes(&d.join("sub/new.json"), b"new").unwrap();
        let b = Staged::bytes(&d.join("old.json"), b"replaced").unwrap();
        commit_all(vec![a, b]).unwrap();
        assert_eq!(names(d), ["old.json", "sub"]);
        assert_eq!(std::fs::read_to_string(d.join("old.json")).unwrap(), "replaced");
        assert_eq!(std::fs::read_to_string(d.join("sub/new.json")).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_readable_by_others_and_keep_an_existing_files_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        Staged::bytes(&d.join("new.csv"), b"x").unwrap().commit().unwrap();
        // A new file gets 0644 less the umask: readable by the owner's group and others
        // under the usual umasks (022, 002), never tempfile's private 0600.
        assert_ne!(mode(&d.join("new.csv")), 0o600);
        assert_eq!(mode(&d.join("new.csv")) & 0o600, 0o600);
        std::fs::write(d.join("shared.csv"), "old").unwrap();
        std::fs::set_permissions(d.join("shared.csv"), std::fs::Permissions::from_mode(0o664)).unwrap();
        Staged::bytes(&d.join("shared.csv"), b"new").unwrap().commit().unwrap();
        assert_eq!(mode(&d.join("shared.csv")), 0o664);
    }

    #[test]
    fn an_output_that_is_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("h.csv"), "a\n1\n").unwrap();
        let input = d.join("h.csv");
        let same = d.join("sub/../h.csv");
        std::fs::create_dir(d.join("sub")).unwrap();
        let e = check_outputs(&[("--out", &same)], &[("--data", &input)]).unwrap_err().to_string();
        assert!(e.contains("--out") && e.contains("--data") && e.contains("same file"), "{e}");
        let e = check_outputs(&[("--json", &d.join("x.json")), ("--report", &d.join("sub/../x.json"))], &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--json") && e.contains("--report"), "{e}");
        check_outputs(&[("--out", &d.join("o.csv"))], &[("--data", &input)]).unwrap();
    }
}
