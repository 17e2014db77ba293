//! Reading a whole small file (a bundle, a rules file, a config file, a signing key) under a
//! size limit, before any parsing.
//!
//! A regular file's size is checked from its metadata, so an oversized file is refused
//! without reading a byte of it. A pipe or FIFO has no size: it is read up to the limit plus
//! one byte, and refused if that byte arrives, so memory stays bounded either way. A FIFO
//! with no writer fails after a bounded wait ([`super::source::open`]) instead of blocking.
//!
//! The limits themselves belong to each kind of file and are documented where they are
//! defined (e.g. [`crate::bundle::MAX_BUNDLE_BYTES`]).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::load::LoadError;
use super::source::{open, FIFO_WRITER_WAIT};

/// Errors reading a file under a size limit.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened (missing, a directory, a FIFO nobody writes to).
    #[error(transparent)]
    Open(#[from] LoadError),
    /// Reading failed part-way.
    #[error("{path}: cannot read the file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is larger than its kind may be.
    #[error("{path}: the file is {}, but a {what} may be at most {}; {advice}", size(*.bytes, *.exact), size(*.limit, true))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What kind of file ("model bundle", "rules file", ...).
        what: &'static str,
        /// Its size (`exact`), or how much of a pipe was read before giving up.
        bytes: u64,
        /// Whether `bytes` is the whole size (false: at least that much).
        exact: bool,
        /// The limit.
        limit: u64,
        /// What to do.
        advice: &'static str,
    },
}

/// A size in bytes for people: `"212.0 MiB (222298112 bytes)"`, or `"more than ..."`.
fn size(bytes: u64, exact: bool) -> String {
    let human = if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    };
    let text = if bytes >= 1 << 10 { format!("{human} ({bytes} bytes)") } else { human };
    if exact {
        text
    } else {
        format!("more than {text}")
    }
}

/// What a limit is for: the kind of file, its limit and what to do when a file exceeds it.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// The kind of file, for messages.
    pub what: &'static str,
    /// Largest size accepted, in bytes.
    pub bytes: u64,
    /// What to tell the user when a file is larger.
    pub advice: &'static str,
}

/// Reads all of `path` if it is at most `limit.bytes` long.
pub fn read_limited(path: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    let too_large = |bytes, exact| ReadError::TooLarge {
        path: path.to_path_buf(),
        what: limit.what,
        bytes,
        exact,
        limit: limit.bytes,
        advice: limit.advice,
    };
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_file() && meta.len() > limit.bytes {
            return Err(too_large(meta.len(), true));
        }
    }
    let input = open(path, FIFO_WRITER_WAIT)?;
    let mut bytes = Vec::new();
    input
        .take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_large(limit.bytes, false));
    }
    Ok(bytes)
}

/// [`read_limited`], as UTF-8 text.
pub fn read_text_limited(path: &Path, limit: Limit) -> Result<String, ReadError> {
    let bytes = read_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|e| ReadError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit { what: "test file", bytes: 1 << 20, advice: "make it smaller" };

    #[test]
    fn a_sparse_file_over_the_limit_is_refused_by_its_size_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        // 4 GiB, but sparse: refusing it must not read (or allocate) anything.
        std::fs::File::create(&path).unwrap().set_len(4 << 30).unwrap();
        let e = read_limited(&path, LIMIT).unwrap_err().to_string();
        assert!(e.contains("big.json: the file is 4096.0 MiB (4294967296 bytes)"), "{e}");
        assert!(e.contains("a test file may be at most 1.0 MiB (1048576 bytes); make it smaller"), "{e}");
    }

    #[test]
    fn a_file_at_the_limit_is_read_and_text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ok.toml");
        std::fs::write(&path, vec![b'a'; 1 << 20]).unwrap();
        assert_eq!(read_limited(&path, LIMIT).unwrap().len(), 1 << 20);
        std::fs::write(&path, b"ok \xff").unwrap();
        let e = read_text_limited(&path, LIMIT).unwrap_err().to_string();
        assert!(e.contains("not UTF-8 text (invalid byte at offset 3)"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_read_only_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("endless");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let writer_path = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut w = std::fs::OpenOptions::new().write(true).open(writer_path).unwrap();
            // An endless stream: the reader must stop on its own.
            while w.write_all(&[b'x'; 65536]).is_ok() {}
        });
        let e = read_limited(&fifo, LIMIT).unwrap_err().to_string();
        assert!(e.contains("the file is more than 1.0 MiB (1048576 bytes), but"), "{e}");
    }
}
