//! CSV and TSV records read with the `csv` crate and built straight into text columns.
//!
//! The `csv` crate finds record boundaries (RFC 4180 quoting: separators, quotes and line
//! breaks inside a quoted field are data), strips a UTF-8 byte-order mark and takes `\n`,
//! `\r\n` and `\r` as line ends. On top of it this module:
//! - reads the header first, checks it is UTF-8 and has no repeated name;
//! - gives every record the header's field count or fails naming the data row
//!   (blank and whitespace-only lines are skipped and not counted);
//! - checks every cell is UTF-8, naming the data row of the first that is not;
//! - turns an empty cell into a missing value (null), every other cell into text;
//! - bounds memory: no header grows past [`HEADER_LIMIT`] and no record past
//!   [`RECORD_LIMIT`] (a file with no line breaks, `/dev/zero`, a quote never closed);
//! - reports a quote still open at the end of the file, naming the row it opened in.
//!
//! The `csv` crate ends a quoted field at the end of the input without a word, so the
//! input is followed by one line the file cannot contain ([`END_LINE`]): read as a record
//! of its own, the file ended cleanly; found inside the last field of a record, that
//! record's quote was never closed.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::load::LoadError;
use super::source::Input;

/// The longest header line read, in bytes (1 MiB: some 10,000 column names). A longer one
/// means the file has no line breaks, or is not CSV.
pub const HEADER_LIMIT: u64 = 1 << 20;

/// The longest record read, in bytes (16 MiB), and so the longest cell. A longer one means a
/// quote that is never closed, no line breaks, or a value that does not belong in a lead file.
pub const RECORD_LIMIT: u64 = 16 << 20;

/// Bytes the `csv` crate buffers per read.
const BUFFER: usize = 256 << 10;

/// Appended after the last byte of the file (see the module docs): a line break, the mark,
/// a line break. `\xff` never occurs in UTF-8 text, so a valid file cannot hold the mark.
const END_LINE: &[u8] = b"\n\xff\x00leadscore: end of input\x00\xff\n";

/// The mark alone, as the record it makes when the file ended cleanly.
fn end_mark() -> &'static [u8] {
    &END_LINE[1..END_LINE.len() - 1]
}

/// The file's bytes, then [`END_LINE`]; fails once the current record runs past `limit`.
struct Bounded {
    inner: Input,
    /// Bytes handed to the `csv` crate so far (the file's, then [`END_LINE`]'s).
    read: u64,
    /// Byte offset at which the record being read starts.
    record_start: u64,
    limit: u64,
    /// Set when the limit stopped reading (the `csv` crate then returns our I/O error).
    tripped: bool,
    inner_done: bool,
    /// Bytes of [`END_LINE`] handed out.
    end_pos: usize,
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // The csv crate holds at most one buffer beyond the record, so this bounds the record.
        if self.read.saturating_sub(self.record_start) > self.limit + BUFFER as u64 {
            self.tripped = true;
            return Err(io::Error::other("record longer than the limit"));
        }
        if !self.inner_done {
            let n = self.inner.read(buf)?;
            if n > 0 {
                self.read += n as u64;
                return Ok(n);
            }
            self.inner_done = true;
        }
        let rest = &END_LINE[self.end_pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.end_pos += n;
        self.read += n as u64;
        Ok(n)
    }
}

/// Where in the file a record is, for messages.
#[derive(Clone, Copy)]
enum Place {
    Header,
    Row(usize),
}

impl Place {
    fn describe(self) -> String {
        match self {
            Place::Header => "the header".into(),
            Place::Row(r) => format!("data row {r}"),
        }
    }
}

/// Reads a CSV file's records in batches of text columns.
pub struct CsvRecords {
    path: PathBuf,
    rdr: csv::Reader<Bounded>,
    record: csv::ByteRecord,
    /// Header fields, trimmed; unnamed columns are `""`.
    names: Vec<String>,
    /// Data rows read so far.
    rows: usize,
    done: bool,
}

impl CsvRecords {
    /// Reads and checks the header of `input` (fields separated by `separator`).
    pub fn open(path: &Path, input: Input, separator: u8) -> Result<Self, LoadError> {
        let bounded = Bounded {
            inner: input,
            read: 0,
            record_start: 0,
            limit: HEADER_LIMIT,
            tripped: false,
            inner_done: false,
            end_pos: 0,
        };
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(separator)
            .buffer_capacity(BUFFER)
            .from_reader(bounded);
        let mut me = CsvRecords {
            path: path.to_path_buf(),
            rdr,
            record: csv::ByteRecord::new(),
            names: Vec::new(),
            rows: 0,
            done: false,
        };
        if !me.next_record(Place::Header)? {
            return Err(LoadError::Empty { path: me.path });
        }
        let mut names = Vec::with_capacity(me.record.len());
        for field in me.record.iter() {
            let name = std::str::from_utf8(field).map_err(|e| LoadError::NotUtf8 {
                path: path.to_path_buf(),
                where_: Place::Header.describe(),
                byte: field[e.valid_up_to()],
            })?;
            names.push(name.trim().trim_start_matches('\u{feff}').trim().to_string());
        }
        let mut seen = std::collections::HashSet::new();
        for name in &names {
            if !name.is_empty() && !seen.insert(name) {
                return Err(LoadError::DuplicateColumn { path: path.to_path_buf(), column: name.clone() });
            }
        }
        me.names = names;
        me.rdr.get_mut().limit = RECORD_LIMIT;
        Ok(me)
    }

    /// The header's fields, trimmed, in file order (an unnamed column is `""`).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The SHA-256 of the bytes read so far, if the input was opened for hashing.
    pub fn sha256(&self) -> Option<String> {
        self.rdr.get_ref().inner.sha256()
    }

    /// Reads the next non-blank record into `self.record`; `false` at the end of the file.
    fn next_record(&mut self, place: Place) -> Result<bool, LoadError> {
        loop {
            if self.done {
                return Ok(false);
            }
            let more = match self.rdr.read_byte_record(&mut self.record) {
                Ok(more) => more,
                Err(e) => return Err(self.read_error(e, place)),
            };
            let next_start = self.rdr.position().byte();
            self.rdr.get_mut().record_start = next_start;
            if !more {
                self.done = true;
                return Ok(false);
            }
            if self.record.len() == 1 && &self.record[0] == end_mark() {
                self.done = true;
                return Ok(false);
            }
            if self.record.as_slice().ends_with(&END_LINE[1..]) {
                self.done = true;
                return Err(LoadError::UnclosedQuote { path: self.path.clone(), where_: place.describe() });
            }
            if self.record.len() == 1 && self.record[0].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(true);
        }
    }

    fn read_error(&mut self, e: csv::Error, place: Place) -> LoadError {
        self.done = true;
        let path = self.path.clone();
        if self.rdr.get_ref().tripped {
            let (limit, what) = match place {
                Place::Header => (HEADER_LIMIT, "a header"),
                Place::Row(_) => (RECORD_LIMIT, "a record"),
            };
            return LoadError::TooLong { path, where_: place.describe(), limit_mib: limit >> 20, what, format: "CSV" };
        }
        if !matches!(e.kind(), csv::ErrorKind::Io(_)) {
            // Not expected for flexible byte records; kept whole rather than flattened to text.
            return LoadError::Csv { path, source: e };
        }
        match e.into_kind() {
            csv::ErrorKind::Io(source) => LoadError::Io { path, source },
            _ => unreachable!("checked above"),
        }
    }

    /// The next batch of at most `max_rows` rows as one text column per header field, or
    /// `None` at the end of the file.
    pub fn next_batch(&mut self, max_rows: usize) -> Result<Option<Vec<Column>>, LoadError> {
        let expected = self.names.len();
        let capacity = max_rows.min(1 << 16);
        let mut builders: Vec<StringChunkedBuilder> =
            self.names.iter().map(|n| StringChunkedBuilder::new(n.as_str().into(), capacity)).collect();
        let mut n = 0;
        while n < max_rows && self.next_record(Place::Row(self.rows + 1))? {
            let row = self.rows + 1;
            if self.record.len() != expected {
                self.done = true;
                return Err(LoadError::FieldCount { path: self.path.clone(), row, found: self.record.len(), expected });
            }
            for (b, field) in builders.iter_mut().zip(self.record.iter()) {
                if field.is_empty() {
                    b.append_null();
                    continue;
                }
                match std::str::from_utf8(field) {
                    Ok(text) => b.append_value(text),
                    Err(e) => {
                        self.done = true;
                        return Err(LoadError::NotUtf8 {
                            path: self.path.clone(),
                            where_: Place::Row(row).describe(),
                            byte: field[e.valid_up_to()],
                        });
                    }
                }
            }
            self.rows += 1;
            n += 1;
        }
        if n == 0 {
            return Ok(None);
        }
        Ok(Some(builders.into_iter().map(|b| b.finish().into_column()).collect()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::data::load::read_table;

    fn write(dir: &tempfile::TempDir, name: &str, body: &[u8]) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn error(name: &str, body: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        read_table(&write(&dir, name, body)).unwrap_err().to_string()
    }

    fn cells(df: &DataFrame, col: &str) -> Vec<Option<String>> {
        df.column(col).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn a_20_mb_file_without_line_breaks_stops_at_the_header_limit() {
        let e = error("one_line.csv", &vec![b'a'; 20 << 20]);
        assert!(
            e.contains(
                "one_line.csv: the header runs past 1 MiB without ending, the most leadscore reads for a header"
            ),
            "{e}"
        );
        assert!(e.contains("no line breaks, a quote that is never closed, or not be CSV"), "{e}");
    }

    #[test]
    fn a_sparse_file_of_zeros_is_refused_after_reading_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sparse.csv");
        // 64 GiB of zero bytes on paper, none on disk: reading it whole would never end.
        std::fs::File::create(&p).unwrap().set_len(64 << 30).unwrap();
        let e = read_table(&p).unwrap_err().to_string();
        assert!(e.contains("sparse.csv: the header runs past 1 MiB"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn dev_zero_linked_as_a_csv_file_is_refused_not_read_forever() {
        if !Path::new("/dev/zero").exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
        let e = read_table(&p).unwrap_err().to_string();
        assert!(e.contains("x.csv: the header runs past 1 MiB"), "{e}");
    }

    #[test]
    fn a_record_past_the_record_limit_names_its_row_and_a_big_cell_below_it_reads() {
        let mut body = b"id,note\n1,short\n2,".to_vec();
        body.extend(std::iter::repeat_n(b'x', 17 << 20));
        body.extend_from_slice(b"\n3,z\n");
        let e = error("huge.csv", &body);
        assert!(
            e.contains("huge.csv: data row 2 runs past 16 MiB without ending, the most leadscore reads for a record"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let mut body = b"id,note\n1,\"".to_vec();
        body.extend(std::iter::repeat_n(b'y', 8 << 20));
        body.extend_from_slice(b"\"\n2,z\n");
        let df = read_table(&write(&dir, "big.csv", &body)).unwrap();
        assert_eq!(df.column("note").unwrap().str().unwrap().get(0).unwrap().len(), 8 << 20);
        assert_eq!(cells(&df, "id"), [Some("1".into()), Some("2".into())]);
    }

    #[test]
    fn an_unclosed_quote_on_the_last_row_names_that_row() {
        let e = error("last.csv", b"a,b\n1,2\n3,\"x\n");
        assert!(e.contains("last.csv: data row 2 opens a quote (\") that is never closed"), "{e}");
        let e = error("noeol.csv", b"a,b\n1,2\n3,\"x");
        assert!(e.contains("noeol.csv: data row 2 opens a quote"), "{e}");
        // Mid-file, the quote swallows the rows after it: still the row where it opened.
        let e = error("mid.csv", b"a,b\n1,\"x\n2,3\n4,5\n");
        assert!(e.contains("mid.csv: data row 1 opens a quote"), "{e}");
        let e = error("head.csv", b"a,\"b\n1,2\n");
        assert!(e.contains("head.csv: the header opens a quote"), "{e}");
    }

    #[test]
    fn quoted_line_breaks_and_quotes_at_the_end_of_the_file_are_data() {
        let dir = tempfile::tempdir().unwrap();
        let df = read_table(&write(&dir, "q.csv", b"a,b\n1,\"x\ny\"\n2,\"he said \"\"hi\"\"\"")).unwrap();
        assert_eq!(cells(&df, "b"), [Some("x\ny".into()), Some("he said \"hi\"".into())]);
    }

    #[test]
    fn empty_cells_are_missing_and_blank_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let df = read_table(&write(&dir, "e.csv", b"a,b,c\n1,,\"\"\n  \n\r\n2, ,x\n")).unwrap();
        assert_eq!(df.height(), 2);
        assert_eq!(cells(&df, "b"), [None, Some(" ".into())]);
        assert_eq!(cells(&df, "c"), [None, Some("x".into())]);
    }

    #[test]
    fn a_file_with_a_header_and_no_rows_is_empty_and_an_empty_file_too() {
        assert!(error("h.csv", b"a,b\n").contains("h.csv: the file has no data rows"));
        assert!(error("z.csv", b"").contains("z.csv: the file has no data rows"));
        assert!(error("w.csv", b"\n\n").contains("w.csv: the file has no data rows"));
    }

    #[test]
    fn the_limit_counts_from_each_record_not_from_the_start_of_the_file() {
        // 40 MB in all, no record near the limit.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("long.csv");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        writeln!(f, "id,note").unwrap();
        let note = "n".repeat(1000);
        for i in 0..40_000 {
            writeln!(f, "{i},{note}").unwrap();
        }
        drop(f);
        assert_eq!(read_table(&p).unwrap().height(), 40_000);
    }
}
