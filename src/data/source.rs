//! Opening a data file for one pass: regular files, and the pipes, FIFOs and devices that
//! can only be read once (`leadscore score --data <(zcat leads.csv.gz)`).
//!
//! [`open`] never blocks forever: a FIFO is opened on a helper thread, and when no writer
//! has opened its other end after [`FIFO_WRITER_WAIT`] the open fails with
//! [`LoadError::NoWriter`]. The bytes come back as an [`Input`], which hashes them
//! (SHA-256) on the way when asked, so that a command that needs the file's digest (train
//! records it in the bundle) does not read the file a second time.
//!
//! A path that cannot be read twice and has no extension we know (`/dev/fd/63`) is
//! sniffed from its first bytes by [`sniff`]: `{` starts NDJSON, `PAR1` is Parquet (refused:
//! Parquet keeps its index at the end of the file), anything else is CSV, tab-separated when
//! the first line has tabs and no commas.
//!
//! Also here: the digest of a whole file ([`file_sha256`]) and the check that a `.parquet`
//! file is Parquet ([`check_parquet_magic`]).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::load::{FileFormat, LoadError};

/// How long [`open`] waits for a writer to open a FIFO before giving up: long enough for a
/// writer started just after leadscore (`leadscore score --data p.csv & zcat x.gz > p.csv`),
/// short enough that a forgotten writer is reported instead of hanging a nightly job.
pub const FIFO_WRITER_WAIT: Duration = Duration::from_secs(10);

/// How many bytes [`sniff`] looks at: enough for a header line.
const SNIFF_BYTES: usize = 64 << 10;

/// An opened data file: its bytes from the start, hashed on the way when asked.
pub struct Input {
    /// Bytes already read from `file` (by [`sniff`]) and not yet handed out.
    prefix: io::Cursor<Vec<u8>>,
    file: File,
    hasher: Option<Sha256>,
    /// Whether the path is a regular file, which can be opened and read again.
    rewindable: bool,
}

impl Input {
    /// Whether the file can be read a second time (a regular file, not a pipe or device).
    pub fn is_rewindable(&self) -> bool {
        self.rewindable
    }

    /// Hash every byte read from now on (call before reading).
    pub fn hash(&mut self) {
        let mut h = Sha256::new();
        h.update(self.prefix.get_ref());
        self.hasher = Some(h);
    }

    /// Lower-case hex SHA-256 of the bytes read so far, if [`Input::hash`] was called.
    pub fn sha256(&self) -> Option<String> {
        let digest = self.hasher.clone()?.finalize();
        Some(hex(&digest))
    }

    /// The open file (for Parquet, which reads it by position).
    pub fn into_file(self) -> File {
        self.file
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.prefix.read(buf)?;
        if n > 0 {
            // The prefix was hashed when hashing started.
            return Ok(n);
        }
        let n = self.file.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Opens `path` for reading, waiting at most `writer_wait` for a FIFO's writer.
pub fn open(path: &Path, writer_wait: Duration) -> Result<Input, LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(io(io::Error::new(io::ErrorKind::InvalidInput, "it is a directory")));
    }
    let rewindable = meta.is_file();
    let file = if is_fifo(&meta) { open_fifo(path, writer_wait)? } else { File::open(path).map_err(io)? };
    Ok(Input { prefix: io::Cursor::new(Vec::new()), file, hasher: None, rewindable })
}

#[cfg(unix)]
fn is_fifo(meta: &std::fs::Metadata) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type())
}

#[cfg(not(unix))]
fn is_fifo(_: &std::fs::Metadata) -> bool {
    false
}

/// Opening a FIFO for reading blocks until a writer opens it, so the open runs on a helper
/// thread and the caller waits for it at most `wait`.
fn open_fifo(path: &Path, wait: Duration) -> Result<File, LoadError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(File::open(&p));
    });
    match rx.recv_timeout(wait) {
        Ok(opened) => opened.map_err(|source| LoadError::Io { path: path.to_path_buf(), source }),
        Err(_) => {
            // Release the helper: our own open for writing returns at once because the
            // helper is a waiting reader, and then the helper's open returns too. (On its
            // own thread as well, so that no race can block the caller.)
            let p: PathBuf = path.to_path_buf();
            std::thread::spawn(move || drop(std::fs::OpenOptions::new().write(true).open(p)));
            Err(LoadError::NoWriter { path: path.to_path_buf(), waited_secs: wait.as_secs_f64() })
        }
    }
}

/// The format of `path`: from its extension, or, for a file that cannot be read twice and
/// has no extension we know, from its first bytes (which stay in `input`).
pub fn format_of(path: &Path, input: &mut Input) -> Result<FileFormat, LoadError> {
    match FileFormat::from_path(path) {
        Err(LoadError::UnknownFormat { .. }) if !input.rewindable => sniff(path, input),
        other => other,
    }
}

/// Reads up to [`SNIFF_BYTES`] (stopping after the first line) into `input`'s prefix and
/// guesses the format from them.
pub fn sniff(path: &Path, input: &mut Input) -> Result<FileFormat, LoadError> {
    let mut head = std::mem::take(input.prefix.get_mut());
    let mut buf = [0u8; 8192];
    while head.len() < SNIFF_BYTES && !head.contains(&b'\n') {
        let n = input.file.read(&mut buf).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let format = guess(&head);
    input.prefix = io::Cursor::new(head);
    match format {
        FileFormat::Parquet => Err(LoadError::NotRewindable { path: path.to_path_buf(), format: "Parquet" }),
        f => Ok(f),
    }
}

fn guess(head: &[u8]) -> FileFormat {
    if head.starts_with(b"PAR1") {
        return FileFormat::Parquet;
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return FileFormat::Ndjson;
    }
    let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let tabs = line.contains(&b'\t') && !line.contains(&b',');
    FileFormat::Csv { separator: if tabs { b'\t' } else { b',' } }
}

/// Checks that a file begins and ends with `PAR1`, as Parquet files do; Polars' own message
/// for a file that does not is about its internals.
pub fn check_parquet_magic(path: &Path, file: &mut File) -> Result<(), LoadError> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let len = file.metadata().map_err(io)?.len();
    let (mut head, mut tail) = ([0u8; 4], [0u8; 4]);
    if len >= 12 {
        file.read_exact(&mut head).map_err(io)?;
        file.seek(SeekFrom::Start(len - 4)).map_err(io)?;
        file.read_exact(&mut tail).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
    }
    if len < 12 || &head != b"PAR1" || &tail != b"PAR1" {
        return Err(LoadError::NotParquet { path: path.to_path_buf() });
    }
    Ok(())
}

/// SHA-256 of a file's bytes, streamed, in lower-case hex.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut h = Sha256::new();
    std::io::copy(&mut File::open(path)?, &mut h)?;
    Ok(hex(&h.finalize()))
}

/// Lower-case hex of bytes (every digest leadscore writes).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use polars::prelude::DataFrame;

    use super::*;
    use crate::data::load::{read_table, BatchReader, ReadOptions};

    fn cells(df: &DataFrame, col: &str) -> Vec<Option<String>> {
        df.column(col).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn sniffing_tells_csv_tsv_ndjson_and_parquet_apart() {
        assert_eq!(guess(b"a,b\n1,2\n"), FileFormat::Csv { separator: b',' });
        assert_eq!(guess(b"a\tb\n1\t2\n"), FileFormat::Csv { separator: b'\t' });
        assert_eq!(guess(b"a\tb,c\n"), FileFormat::Csv { separator: b',' });
        assert_eq!(guess(b"\xef\xbb\xbf\n {\"a\": 1}\n"), FileFormat::Ndjson);
        assert_eq!(guess(b"PAR1\x15\x04"), FileFormat::Parquet);
        assert_eq!(guess(b""), FileFormat::Csv { separator: b',' });
    }

    #[test]
    fn the_hash_covers_sniffed_bytes_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, b"a,b\n1,2\n").unwrap();
        let mut input = open(&p, FIFO_WRITER_WAIT).unwrap();
        assert!(input.is_rewindable());
        input.rewindable = false; // as for a pipe
        assert_eq!(format_of(&p, &mut input).unwrap(), FileFormat::Csv { separator: b',' });
        input.hash();
        let mut all = Vec::new();
        input.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"a,b\n1,2\n");
        // `printf 'a,b\n1,2\n' | sha256sum`
        assert_eq!(input.sha256().unwrap(), "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470");
    }

    #[cfg(unix)]
    fn fifo(dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        let ok = std::process::Command::new("mkfifo").arg(&p).status().unwrap().success();
        assert!(ok, "mkfifo {}", p.display());
        p
    }

    #[cfg(unix)]
    fn feed(p: &Path, body: &'static [u8]) -> std::thread::JoinHandle<()> {
        let p = p.to_path_buf();
        std::thread::spawn(move || {
            use std::io::Write;
            // The reader may stop early (an error): a broken pipe is fine here.
            let _ = std::fs::OpenOptions::new().write(true).open(p).and_then(|mut f| f.write_all(body));
        })
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_read_in_one_pass_and_says_it_cannot_rewind() {
        let dir = tempfile::tempdir().unwrap();
        let p = fifo(dir.path(), "leads.csv");
        let writer = feed(&p, b"a,b\n1,2\n3,4\n");
        let mut r = BatchReader::open_with(&p, 1, &ReadOptions { sha256: true, ..Default::default() }).unwrap();
        assert!(!r.is_rewindable());
        assert_eq!(r.header().unwrap(), ["a", "b"]);
        let mut rows = 0;
        while let Some(df) = r.next_batch().unwrap() {
            rows += df.height();
        }
        writer.join().unwrap();
        assert_eq!(rows, 2);
        // `printf 'a,b\n1,2\n3,4\n' | sha256sum`
        assert_eq!(r.sha256(), Some("b9485148546419a0f6a85e8d708c923557c15d7f3c7d078ef1fa7f7c0f57d5a5"));
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_without_an_extension_is_sniffed_and_parquet_from_a_pipe_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = fifo(dir.path(), "63");
        let writer = feed(&p, b"a\tb\nx,y\t2\n");
        let df = read_table(&p).unwrap();
        writer.join().unwrap();
        assert_eq!(cells(&df, "a"), [Some("x,y".into())]);
        let writer = feed(&p, b"{\"id\": \"L1\", \"visits\": 3}\n");
        assert_eq!(cells(&read_table(&p).unwrap(), "visits"), [Some("3".into())]);
        writer.join().unwrap();
        let writer = feed(&p, b"PAR1\x15\x04\x15");
        let e = read_table(&p).unwrap_err().to_string();
        writer.join().unwrap();
        assert!(e.contains("63: Parquet cannot be read from a pipe or device"), "{e}");
        let q = fifo(dir.path(), "x.parquet");
        let writer = feed(&q, b"PAR1\x15\x04\x15");
        let e = read_table(&q).unwrap_err().to_string();
        writer.join().unwrap();
        assert!(e.contains("x.parquet: Parquet cannot be read from a pipe"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_without_a_writer_is_an_error_after_a_bounded_wait() {
        let dir = tempfile::tempdir().unwrap();
        let p = fifo(dir.path(), "nobody.csv");
        let started = std::time::Instant::now();
        let options = ReadOptions { writer_wait: Duration::from_millis(300), ..Default::default() };
        let e = BatchReader::open_with(&p, 10, &options).err().expect("no writer").to_string();
        assert!(e.contains("nobody.csv: no program opened this pipe for writing within 0.3 s"), "{e}");
        // Not a timing assertion: only that the wait ended at all (the old loader blocked forever).
        assert!(started.elapsed() < Duration::from_secs(60));
    }
}
