//! Reading lead files by extension: CSV (`.csv`, `.tsv`), Parquet (`.parquet`, `.pq`) and
//! NDJSON (`.ndjson`, `.jsonl`).
//!
//! Every column is read as text (`String`) and typed later by [`crate::data::typing`], so
//! that a junk value in a numeric column becomes an error naming its row instead of a
//! parse failure, and so that CSV, Parquet and NDJSON go through one typing path.
//!
//! Two ways in:
//! - [`read_table`] reads a whole file (training history); [`read_table_hashed`] also
//!   returns the SHA-256 of the bytes it read, so the file is read once.
//! - [`BatchReader`] yields the file in batches of rows so that `score` keeps memory bounded
//!   however many leads arrive. CSV is read by [`crate::data::csv_read`] (the `csv` crate),
//!   NDJSON line by line by [`crate::data::ndjson`], both straight into text columns;
//!   Parquet is read by Polars in row slices.
//!
//! Files are opened by [`crate::data::source`]: a pipe, FIFO or device is read in one pass
//! ([`BatchReader::is_rewindable`] says whether a second pass is possible) and a FIFO with no
//! writer is an error after a bounded wait, never a hang. No header, record or line may grow
//! past a documented limit ([`crate::data::csv_read::HEADER_LIMIT`],
//! [`crate::data::csv_read::RECORD_LIMIT`], [`crate::data::ndjson::LINE_LIMIT`]).
//!
//! Quirks handled: CRLF line endings, a UTF-8 byte-order mark, and a trailing separator on
//! every line (an unnamed, empty last column), which is dropped.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use polars::prelude::*;

use super::csv_read::CsvRecords;
use super::ndjson::NdjsonLines;
use super::source::{self, FIFO_WRITER_WAIT};

/// Errors while opening or parsing a lead file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The extension is not one we read.
    #[error("{path}: unknown file type; use .csv, .tsv, .parquet, .pq, .ndjson or .jsonl")]
    UnknownFormat {
        /// The offending path.
        path: PathBuf,
    },
    /// The file could not be opened or read.
    #[error("{path}: cannot read the file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Polars could not parse the file.
    #[error("{path}: cannot parse as {format}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The format we tried.
        format: &'static str,
        /// Polars' error.
        source: PolarsError,
    },
    /// The file has a header but no rows, or nothing at all.
    #[error("{path}: the file has no data rows")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Two columns share a name after trimming.
    #[error("{path}: column name \"{column}\" appears twice; rename one of them")]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        column: String,
    },
    /// A CSV record with more or fewer fields than the header.
    #[error("{path}: data row {row} has {found} field(s) but the header has {expected}; fix that line (a missing or extra separator, or an unclosed quote)")]
    FieldCount {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// Fields in the row.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// An NDJSON line that is not a flat JSON object.
    #[error("{path}: data row {row}: {message}")]
    Ndjson {
        /// The file.
        path: PathBuf,
        /// 1-based data row (line, not counting blank lines).
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// Bytes that are not UTF-8 text.
    #[error("{path}: {where_} is not UTF-8 text (byte 0x{byte:02x}); re-save the file as UTF-8 (it may be Latin-1 / Windows-1252 or UTF-16)")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// `the header` or `data row N`.
        where_: String,
        /// The first offending byte.
        byte: u8,
    },
    /// A column with values but no name in the header.
    #[error("{path}: column {position} has values but no name in the header; name it or delete it")]
    UnnamedColumn {
        /// The file.
        path: PathBuf,
        /// 1-based position of the column.
        position: usize,
    },
    /// A later batch does not have the columns of the first.
    #[error("{path}: rows from data row {row} on do not match the header's columns; check the file for a broken line")]
    Ragged {
        /// The file.
        path: PathBuf,
        /// First data row (1-based) of the broken batch.
        row: usize,
    },
    /// A header, record or NDJSON line longer than its limit: no line breaks, a quote never
    /// closed, or not this format at all.
    #[error("{path}: {where_} runs past {limit_mib} MiB without ending, the most leadscore reads for {what}; the file may have no line breaks, a quote that is never closed, or not be {format} at all: look at its start (`head -c 500 FILE`)")]
    TooLong {
        /// The file.
        path: PathBuf,
        /// `the header` or `data row N`.
        where_: String,
        /// The limit, in MiB.
        limit_mib: u64,
        /// `a header`, `a record`, `an NDJSON line`.
        what: &'static str,
        /// The format expected.
        format: &'static str,
    },
    /// A CSV quote still open at the end of the file.
    #[error("{path}: {where_} opens a quote (\") that is never closed, so everything after it reads as one value; close the quote, or double a quote meant as text (\"\")")]
    UnclosedQuote {
        /// The file.
        path: PathBuf,
        /// `the header` or `data row N`: where the record with the open quote starts.
        where_: String,
    },
    /// A CSV reading error the checks above do not cover.
    #[error("{path}: cannot read as CSV: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The `csv` crate's error.
        source: csv::Error,
    },
    /// A FIFO no program opened for writing.
    #[error("{path}: no program opened this pipe for writing within {waited_secs} s; start the writer (e.g. `zcat leads.csv.gz > {path}`) before or just after leadscore, or pass a regular file")]
    NoWriter {
        /// The FIFO.
        path: PathBuf,
        /// How long we waited.
        waited_secs: f64,
    },
    /// A format that needs random access, from a pipe or device.
    #[error("{path}: {format} cannot be read from a pipe or device (it is read by position); write it to a regular file first")]
    NotRewindable {
        /// The pipe.
        path: PathBuf,
        /// The format.
        format: &'static str,
    },
    /// A `.parquet` file that is not Parquet.
    #[error("{path}: not a Parquet file (Parquet files begin and end with the bytes \"PAR1\"); if it holds CSV or NDJSON, give it that extension")]
    NotParquet {
        /// The file.
        path: PathBuf,
    },
}

/// The file formats we read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma- (or tab-, for `.tsv`) separated values with a header line.
    Csv {
        /// Field separator.
        separator: u8,
    },
    /// Apache Parquet.
    Parquet,
    /// Newline-delimited JSON, one object per lead.
    Ndjson,
}

impl FileFormat {
    /// Chooses the format from the path's extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, LoadError> {
        let ext = path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "csv" => Ok(FileFormat::Csv { separator: b',' }),
            "tsv" => Ok(FileFormat::Csv { separator: b'\t' }),
            "parquet" | "pq" => Ok(FileFormat::Parquet),
            "ndjson" | "jsonl" => Ok(FileFormat::Ndjson),
            _ => Err(LoadError::UnknownFormat { path: path.to_path_buf() }),
        }
    }

    fn name(self) -> &'static str {
        match self {
            FileFormat::Csv { .. } => "CSV",
            FileFormat::Parquet => "Parquet",
            FileFormat::Ndjson => "NDJSON",
        }
    }
}

/// Reads a whole lead file, every column as text.
pub fn read_table(path: &Path) -> Result<DataFrame, LoadError> {
    let mut reader = BatchReader::open(path, usize::MAX)?;
    read_all(&mut reader)
}

/// Reads a whole lead file, every column as text, and the lower-case hex SHA-256 of its
/// bytes, reading the file once (so a pipe works).
pub fn read_table_hashed(path: &Path) -> Result<(DataFrame, String), LoadError> {
    let options = ReadOptions { sha256: true, ..ReadOptions::default() };
    let mut reader = BatchReader::open_with(path, usize::MAX, &options)?;
    let df = read_all(&mut reader)?;
    let sha = reader.sha256().expect("hashing was asked for and the file was read to its end").to_string();
    Ok((df, sha))
}

fn read_all(reader: &mut BatchReader) -> Result<DataFrame, LoadError> {
    let mut out: Option<DataFrame> = None;
    while let Some(batch) = reader.next_batch()? {
        match out.as_mut() {
            None => out = Some(batch),
            Some(df) => {
                df.vstack_mut(&batch).map_err(|source| reader.parse_error(source))?;
            }
        }
    }
    match out {
        Some(df) if df.height() > 0 => Ok(df),
        _ => Err(LoadError::Empty { path: reader.path.clone() }),
    }
}

/// How [`BatchReader::open_with`] reads a file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Hash the bytes read (SHA-256), for [`BatchReader::sha256`].
    pub sha256: bool,
    /// How long to wait for a FIFO's writer before [`LoadError::NoWriter`].
    pub writer_wait: Duration,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { sha256: false, writer_wait: FIFO_WRITER_WAIT }
    }
}

/// Reads a lead file in batches of at most `batch_rows` rows, all columns as text.
pub struct BatchReader {
    path: PathBuf,
    format: FileFormat,
    records: Records,
    batch_rows: usize,
    columns: Option<Vec<String>>,
    rows_read: usize,
    rewindable: bool,
    hash: bool,
    sha256: Option<String>,
}

enum Records {
    Csv(CsvRecords),
    Ndjson(NdjsonLines),
    Parquet { total: usize, offset: usize },
}

impl BatchReader {
    /// Opens `path`; a CSV header is read and checked, the rows wait for
    /// [`BatchReader::next_batch`].
    pub fn open(path: &Path, batch_rows: usize) -> Result<Self, LoadError> {
        BatchReader::open_with(path, batch_rows, &ReadOptions::default())
    }

    /// [`BatchReader::open`] with options.
    pub fn open_with(path: &Path, batch_rows: usize, options: &ReadOptions) -> Result<Self, LoadError> {
        // An unknown extension is refused before opening, unless the path is a pipe or a
        // device (`/dev/fd/63`), whose format is then sniffed.
        let mut input = match FileFormat::from_path(path) {
            Err(LoadError::UnknownFormat { .. }) if !is_regular(path) => source::open(path, options.writer_wait)?,
            Err(e) => return Err(e),
            Ok(_) => source::open(path, options.writer_wait)?,
        };
        let format = source::format_of(path, &mut input)?;
        let rewindable = input.is_rewindable();
        if options.sha256 && format != FileFormat::Parquet {
            input.hash();
        }
        let records = match format {
            FileFormat::Csv { separator } => Records::Csv(CsvRecords::open(path, input, separator)?),
            FileFormat::Ndjson => Records::Ndjson(NdjsonLines::new(path, input)),
            FileFormat::Parquet => {
                if !rewindable {
                    return Err(LoadError::NotRewindable { path: path.to_path_buf(), format: "Parquet" });
                }
                let mut file = input.into_file();
                source::check_parquet_magic(path, &mut file)?;
                let total = ParquetReader::new(file).num_rows().map_err(|source| LoadError::Parse {
                    path: path.to_path_buf(),
                    format: "Parquet",
                    source,
                })?;
                Records::Parquet { total, offset: 0 }
            }
        };
        Ok(BatchReader {
            path: path.to_path_buf(),
            format,
            records,
            batch_rows: batch_rows.max(1),
            columns: None,
            rows_read: 0,
            rewindable,
            hash: options.sha256,
            sha256: None,
        })
    }

    /// The path being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of data rows returned so far.
    pub fn rows_read(&self) -> usize {
        self.rows_read
    }

    /// Whether the file can be opened and read again (a regular file). A pipe, FIFO or
    /// device (`--data <(zcat leads.csv.gz)`) can be read once only: a command that needs two
    /// passes must keep what it needs from the first.
    pub fn is_rewindable(&self) -> bool {
        self.rewindable
    }

    /// The CSV header's column names (trimmed, unnamed columns left out), known as soon as
    /// the file is open; `None` for NDJSON and Parquet, whose columns come with the rows.
    pub fn header(&self) -> Option<Vec<String>> {
        match &self.records {
            Records::Csv(c) => Some(c.names().iter().filter(|n| !n.is_empty()).cloned().collect()),
            _ => None,
        }
    }

    /// Lower-case hex SHA-256 of the file's bytes, once [`BatchReader::next_batch`] has
    /// returned `None`, when opened with [`ReadOptions::sha256`].
    pub fn sha256(&self) -> Option<&str> {
        self.sha256.as_deref()
    }

    fn parse_error(&self, source: PolarsError) -> LoadError {
        LoadError::Parse { path: self.path.clone(), format: self.format.name(), source }
    }

    /// The next batch of rows (all columns as `String`), or `None` at the end of the file.
    pub fn next_batch(&mut self) -> Result<Option<DataFrame>, LoadError> {
        let columns = match &mut self.records {
            Records::Csv(c) => c.next_batch(self.batch_rows)?,
            Records::Ndjson(n) => n.next_batch(self.batch_rows)?,
            Records::Parquet { total, offset } => {
                if *offset >= *total {
                    None
                } else {
                    let len = self.batch_rows.min(*total - *offset);
                    let file =
                        File::open(&self.path).map_err(|source| LoadError::Io { path: self.path.clone(), source })?;
                    let df = ParquetReader::new(file)
                        .with_slice(Some((*offset, len)))
                        .finish()
                        .map_err(|e| LoadError::Parse { path: self.path.clone(), format: "Parquet", source: e })?;
                    *offset += len;
                    Some(df.into_columns())
                }
            }
        };
        let Some(columns) = columns else {
            self.finish()?;
            return Ok(None);
        };
        let df = self.normalise(columns)?;
        self.rows_read += df.height();
        Ok(Some(df))
    }

    /// At the end of the file: keeps the digest, when asked for.
    fn finish(&mut self) -> Result<(), LoadError> {
        if !self.hash || self.sha256.is_some() {
            return Ok(());
        }
        self.sha256 = match &self.records {
            Records::Csv(c) => c.sha256(),
            Records::Ndjson(n) => n.sha256(),
            // Parquet is only read from regular files, so hashing it again is a second read
            // of a file that allows one.
            Records::Parquet { .. } => Some(
                source::file_sha256(&self.path).map_err(|source| LoadError::Io { path: self.path.clone(), source })?,
            ),
        };
        Ok(())
    }

    /// Trims column names, drops the unnamed empty column a trailing separator makes,
    /// casts every column to text and checks that every batch has the first batch's columns.
    fn normalise(&mut self, columns: Vec<Column>) -> Result<DataFrame, LoadError> {
        let mut cols = Vec::with_capacity(columns.len());
        let mut seen = std::collections::HashSet::new();
        for (position, col) in columns.into_iter().enumerate() {
            let name = col.name().trim().trim_start_matches('\u{feff}').to_string();
            if name.is_empty() && col.null_count() == col.len() {
                continue;
            }
            if name.is_empty() {
                return Err(LoadError::UnnamedColumn { path: self.path.clone(), position: position + 1 });
            }
            if !seen.insert(name.clone()) {
                return Err(LoadError::DuplicateColumn { path: self.path.clone(), column: name });
            }
            let text = if col.dtype() == &DataType::String {
                col.with_name(name.as_str().into())
            } else {
                col.cast(&DataType::String).map_err(|e| self.parse_error(e))?.with_name(name.as_str().into())
            };
            cols.push(text);
        }
        let names: Vec<String> = cols.iter().map(|c| c.name().to_string()).collect();
        match &self.columns {
            None => self.columns = Some(names),
            Some(first) if *first != names => {
                return Err(LoadError::Ragged { path: self.path.clone(), row: self.rows_read + 1 })
            }
            Some(_) => {}
        }
        DataFrame::new_infer_height(cols).map_err(|e| self.parse_error(e))
    }
}

/// Whether `path` is a regular file (or does not exist: opening it will say so).
fn is_regular(path: &Path) -> bool {
    std::fs::metadata(path).map(|m| m.is_file()).unwrap_or(true)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn table(body: &[u8], name: &str) -> Result<DataFrame, LoadError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        read_table(&p)
    }

    pub(crate) fn cells(df: &DataFrame, col: &str) -> Vec<Option<String>> {
        df.column(col).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn crlf_bom_and_trailing_comma_read_like_plain_csv() {
        let plain = table(b"a,b\n1,x\n2,\"y, z\"\n", "p.csv").unwrap();
        let twin = table(b"\xef\xbb\xbfa,b,\r\n1,x,\r\n2,\"y, z\",\r\n", "t.csv").unwrap();
        assert_eq!(twin.get_column_names(), plain.get_column_names());
        assert_eq!(cells(&twin, "a"), cells(&plain, "a"));
        assert_eq!(cells(&twin, "b"), vec![Some("x".into()), Some("y, z".into())]);
        assert_eq!(cells(&twin, "b"), cells(&plain, "b"));
    }

    #[test]
    fn batches_cover_every_row_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.csv");
        let mut body = String::from("id,note\n");
        for i in 0..23 {
            body.push_str(&format!("{i},\"line\nbreak {i}\"\n"));
        }
        std::fs::write(&p, body).unwrap();
        let mut r = BatchReader::open(&p, 5).unwrap();
        let mut ids = Vec::new();
        let mut batches = 0;
        while let Some(df) = r.next_batch().unwrap() {
            assert!(df.height() <= 5);
            ids.extend(cells(&df, "id").into_iter().map(|v| v.unwrap()));
            batches += 1;
        }
        assert_eq!(batches, 5);
        assert_eq!(ids, (0..23).map(|i| i.to_string()).collect::<Vec<_>>());
    }

    #[test]
    fn unknown_extension_and_duplicate_columns_are_errors() {
        let e = table(b"a\n1\n", "x.xlsx").unwrap_err();
        assert!(e.to_string().contains("x.xlsx: unknown file type"), "{e}");
        let e = table(b"a,a\n1,2\n", "d.csv").unwrap_err();
        assert!(e.to_string().contains("d.csv") && e.to_string().contains("\"a\""), "{e}");
    }

    #[test]
    fn latin1_text_is_an_error_naming_the_row_and_the_fix() {
        let e = table(b"name,city\nAnna,Berlin\nJos\xe9,M\xe1laga\n", "l.csv").unwrap_err().to_string();
        assert!(e.contains("l.csv: data row 2 is not UTF-8 text (byte 0xe9); re-save the file as UTF-8"), "{e}");
        let e = table(b"name,city\nAnna,Berlin\n\xe9,x\n", "s.csv").unwrap_err().to_string();
        assert!(e.contains("s.csv: data row 2 is not UTF-8"), "{e}");
        let e = table(b"n\xe4me,city\nAnna,Berlin\n", "h.csv").unwrap_err().to_string();
        assert!(e.contains("h.csv: the header is not UTF-8 text"), "{e}");
    }

    #[test]
    fn a_column_with_values_but_no_name_is_an_error() {
        let e = table(b"a,,c\n1,2,3\n", "u.csv").unwrap_err().to_string();
        assert!(e.contains("u.csv: column 2 has values but no name in the header"), "{e}");
        // The unnamed, empty column a trailing separator makes is still dropped.
        assert_eq!(table(b"a,b,\n1,2,\n", "t.csv").unwrap().get_column_names(), ["a", "b"]);
    }

    #[test]
    fn csv_rows_with_too_few_or_too_many_fields_are_errors_naming_the_row() {
        let e = table(b"a,b,c\n1,2,3\n4,5\n", "short.csv").unwrap_err().to_string();
        assert!(e.contains("short.csv: data row 2 has 2 field(s) but the header has 3"), "{e}");
        let e = table(b"a,b\n1,2\n\n3,4\n5,6,7\n", "long.csv").unwrap_err().to_string();
        assert!(e.contains("long.csv: data row 3 has 3 field(s) but the header has 2"), "{e}");
        // Separators and newlines inside quotes are not field breaks.
        let ok = table(b"a,b\n\"1,5\",\"x\ny\"\n2,z\n", "q.csv").unwrap();
        assert_eq!(cells(&ok, "a"), vec![Some("1,5".into()), Some("2".into())]);
        let tsv = table(b"a\tb\n\n1,5\t2\n", "t.tsv").unwrap();
        assert_eq!((cells(&tsv, "a"), cells(&tsv, "b")), (vec![Some("1,5".into())], vec![Some("2".into())]));
    }

    #[test]
    fn a_parquet_file_that_is_not_parquet_says_so() {
        let e = table(b"id,visits\nL1,3\n", "leads.parquet").unwrap_err().to_string();
        assert!(e.contains("leads.parquet: not a Parquet file"), "{e}");
        let e = table(b"", "empty.pq").unwrap_err().to_string();
        assert!(e.contains("empty.pq: not a Parquet file"), "{e}");
    }

    #[test]
    fn the_hash_of_a_read_is_the_hash_of_the_file_and_regular_files_rewind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.csv");
        std::fs::write(&p, b"a,b\n1,2\n").unwrap();
        let (df, sha) = read_table_hashed(&p).unwrap();
        assert_eq!(df.height(), 1);
        // `printf 'a,b\n1,2\n' | sha256sum`
        assert_eq!(sha, "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470");
        assert!(BatchReader::open(&p, 10).unwrap().is_rewindable());
        // Parquet is hashed from the file too.
        let q = dir.path().join("h.parquet");
        let mut w = crate::data::output::BatchWriter::create(&q).unwrap();
        w.write(&mut df.clone()).unwrap();
        w.finish().unwrap();
        let (back, sha) = read_table_hashed(&q).unwrap();
        assert_eq!(cells(&back, "b"), cells(&df, "b"));
        assert_eq!(sha, source::file_sha256(&q).unwrap());
    }
}
