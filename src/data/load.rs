//! Reading lead files through Polars, by extension: CSV (`.csv`, `.tsv`), Parquet
//! (`.parquet`, `.pq`) and NDJSON (`.ndjson`, `.jsonl`).
//!
//! Every column is read as text (`String`) and typed later by [`crate::data::typing`], so
//! that a junk value in a numeric column becomes an error naming its row instead of a
//! Polars parse failure, and so that CSV, Parquet and NDJSON go through one typing path.
//!
//! Two ways in:
//! - [`read_table`] reads a whole file (training history).
//! - [`BatchReader`] yields the file in batches of rows so that `score` keeps memory bounded
//!   however many leads arrive. CSV and NDJSON are split on record boundaries by
//!   [`crate::data::chunk`] and each chunk is parsed by Polars; Parquet is read by row slices.
//!
//! Quirks handled here: CRLF line endings, a UTF-8 byte-order mark, and a trailing
//! separator on every line (an unnamed, empty last column), which is dropped.

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::chunk::RecordChunker;

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
        _ => Err(LoadError::Empty { path: path.to_path_buf() }),
    }
}

/// Reads a lead file in batches of at most `batch_rows` rows, all columns as text.
pub struct BatchReader {
    path: PathBuf,
    format: FileFormat,
    source: Source,
    batch_rows: usize,
    columns: Option<Vec<String>>,
    rows_read: usize,
}

enum Source {
    /// `fields`: the CSV header's field count, which every record must have (unused for NDJSON).
    Lines {
        chunker: RecordChunker<File>,
        header: Vec<u8>,
        fields: usize,
    },
    Parquet {
        total: usize,
        offset: usize,
    },
}

impl BatchReader {
    /// Opens `path`; nothing is parsed until [`BatchReader::next_batch`].
    pub fn open(path: &Path, batch_rows: usize) -> Result<Self, LoadError> {
        let format = FileFormat::from_path(path)?;
        let io = |source| LoadError::Io { path: path.to_path_buf(), source };
        let file = File::open(path).map_err(io)?;
        let source = match format {
            FileFormat::Csv { .. } => {
                let mut chunker = RecordChunker::new(file, true);
                let header = chunker.next_records(1).map_err(io)?;
                if header.is_empty() {
                    return Err(LoadError::Empty { path: path.to_path_buf() });
                }
                if let Err(e) = std::str::from_utf8(&header) {
                    let byte = header[e.valid_up_to()];
                    return Err(LoadError::NotUtf8 { path: path.to_path_buf(), where_: "the header".into(), byte });
                }
                // Polars would silently rename a repeated header; a user should hear of it.
                let FileFormat::Csv { separator } = format else { unreachable!() };
                let names = header_fields(&header, separator);
                let mut seen = std::collections::HashSet::new();
                for name in &names {
                    if !name.is_empty() && !seen.insert(name) {
                        return Err(LoadError::DuplicateColumn { path: path.to_path_buf(), column: name.clone() });
                    }
                }
                Source::Lines { chunker, header, fields: names.len() }
            }
            FileFormat::Ndjson => {
                Source::Lines { chunker: RecordChunker::new(file, false), header: Vec::new(), fields: 0 }
            }
            FileFormat::Parquet => {
                let mut reader = ParquetReader::new(file);
                let total = reader.num_rows().map_err(|source| LoadError::Parse {
                    path: path.to_path_buf(),
                    format: "Parquet",
                    source,
                })?;
                Source::Parquet { total, offset: 0 }
            }
        };
        Ok(BatchReader {
            path: path.to_path_buf(),
            format,
            source,
            batch_rows: batch_rows.max(1),
            columns: None,
            rows_read: 0,
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

    fn parse_error(&self, source: PolarsError) -> LoadError {
        LoadError::Parse { path: self.path.clone(), format: self.format.name(), source }
    }

    /// The next batch of rows (all columns as `String`), or `None` at the end of the file.
    pub fn next_batch(&mut self) -> Result<Option<DataFrame>, LoadError> {
        let path = self.path.clone();
        let io = |source| LoadError::Io { path: path.clone(), source };
        let df = match &mut self.source {
            Source::Lines { chunker, header, fields } => {
                let body = chunker.next_records(self.batch_rows).map_err(io)?;
                if body.iter().all(|b| b.is_ascii_whitespace()) {
                    return Ok(None);
                }
                match self.format {
                    FileFormat::Csv { separator } => {
                        if let Err(e) = std::str::from_utf8(&body) {
                            let at = e.valid_up_to();
                            let line_start = body[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                            let row = self.rows_read + count_fields(&body[..line_start], separator).len() + 1;
                            let where_ = format!("data row {row}");
                            return Err(LoadError::NotUtf8 { path: self.path.clone(), where_, byte: body[at] });
                        }
                        let expected = *fields;
                        if let Some((i, found)) =
                            count_fields(&body, separator).into_iter().enumerate().find(|&(_, n)| n != expected)
                        {
                            return Err(LoadError::FieldCount {
                                path: self.path.clone(),
                                row: self.rows_read + i + 1,
                                found,
                                expected,
                            });
                        }
                        let mut bytes = Vec::with_capacity(header.len() + body.len());
                        bytes.extend_from_slice(header);
                        bytes.extend_from_slice(&body);
                        parse_csv(bytes, separator).map_err(|e| self.parse_error(e))?
                    }
                    _ => parse_ndjson(&body).map_err(|(row, message)| LoadError::Ndjson {
                        path: self.path.clone(),
                        row: self.rows_read + row,
                        message,
                    })?,
                }
            }
            Source::Parquet { total, offset } => {
                if *offset >= *total {
                    return Ok(None);
                }
                let len = self.batch_rows.min(*total - *offset);
                let file = File::open(&self.path).map_err(io)?;
                let df = ParquetReader::new(file)
                    .with_slice(Some((*offset, len)))
                    .finish()
                    .map_err(|e| LoadError::Parse { path: self.path.clone(), format: "Parquet", source: e })?;
                *offset += len;
                df
            }
        };
        let df = self.normalise(df)?;
        self.rows_read += df.height();
        Ok(Some(df))
    }

    /// Trims column names, drops the unnamed empty column a trailing separator makes,
    /// casts every column to text and checks that every batch has the first batch's columns.
    fn normalise(&mut self, df: DataFrame) -> Result<DataFrame, LoadError> {
        let mut cols = Vec::with_capacity(df.width());
        let mut seen = std::collections::HashSet::new();
        for (position, col) in df.columns().iter().enumerate() {
            let name = col.name().trim().trim_start_matches('\u{feff}').to_string();
            if (name.is_empty() || name.starts_with("_duplicated_")) && col.null_count() == col.len() {
                continue;
            }
            if name.is_empty() {
                return Err(LoadError::UnnamedColumn { path: self.path.clone(), position: position + 1 });
            }
            if !seen.insert(name.clone()) {
                return Err(LoadError::DuplicateColumn { path: self.path.clone(), column: name });
            }
            let text = col.cast(&DataType::String).map_err(|e| self.parse_error(e))?.with_name(name.as_str().into());
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

/// The trimmed field names of a CSV header record (RFC 4180 quoting).
fn header_fields(header: &[u8], separator: u8) -> Vec<String> {
    let text = String::from_utf8_lossy(header);
    let text = text.trim_start_matches('\u{feff}').trim_end_matches(['\r', '\n']);
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().expect("non-empty").push('"');
            }
            '"' => quoted = !quoted,
            c if !quoted && c as u32 == separator as u32 => fields.push(String::new()),
            c => fields.last_mut().expect("non-empty").push(c),
        }
    }
    fields.into_iter().map(|f| f.trim().to_string()).collect()
}

fn parse_csv(bytes: Vec<u8>, separator: u8) -> PolarsResult<DataFrame> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_rechunk(true)
        .map_parse_options(|o| o.with_separator(separator).with_truncate_ragged_lines(false))
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
}

/// Fields per non-blank record of CSV `bytes` (RFC 4180 quoting: separators and newlines
/// inside quotes do not count).
fn count_fields(bytes: &[u8], separator: u8) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut fields, mut quoted, mut blank) = (1usize, false, true);
    for &b in bytes {
        match b {
            b'"' => {
                quoted = !quoted;
                blank = false;
            }
            b'\n' if !quoted => {
                if !blank {
                    out.push(fields);
                }
                (fields, blank) = (1, true);
            }
            _ if b == separator && !quoted => {
                fields += 1;
                blank = false;
            }
            _ => blank &= b.is_ascii_whitespace(),
        }
    }
    if !blank {
        out.push(fields);
    }
    out
}

/// One NDJSON line's fields in file order, as text (numbers keep their JSON spelling).
struct FlatRecord(Vec<(String, Option<String>)>);

impl<'de> serde::Deserialize<'de> for FlatRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = FlatRecord;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object (one lead per line)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FlatRecord, A::Error> {
                use serde::de::Error;
                let mut out = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    let text = match value {
                        serde_json::Value::Null => None,
                        serde_json::Value::Bool(b) => Some(b.to_string()),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        serde_json::Value::String(s) => Some(s),
                        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                            return Err(A::Error::custom(format!(
                                "field \"{key}\" holds a list or an object; leads must be flat (one value per field)"
                            )))
                        }
                    };
                    if out.iter().any(|(k, _): &(String, Option<String>)| *k == key) {
                        return Err(A::Error::custom(format!("field \"{key}\" appears twice")));
                    }
                    out.push((key, text));
                }
                Ok(FlatRecord(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Parses NDJSON lines into text columns (the union of the lines' fields, in order of first
/// appearance; a field a line lacks is missing). Errors carry the 1-based record number.
fn parse_ndjson(bytes: &[u8]) -> Result<DataFrame, (usize, String)> {
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<Option<String>>> = Vec::new();
    let mut n = 0usize;
    for line in bytes.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        n += 1;
        let text =
            std::str::from_utf8(line).map_err(|_| (n, "not UTF-8 text; re-save the file as UTF-8".to_string()))?;
        let FlatRecord(fields) = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| (n, format!("not a flat JSON object: {e}")))?;
        for (key, value) in fields {
            let j = match names.iter().position(|k| *k == key) {
                Some(j) => j,
                None => {
                    names.push(key);
                    columns.push(vec![None; n - 1]);
                    names.len() - 1
                }
            };
            columns[j].push(value);
        }
        for c in &mut columns {
            c.resize(n, None);
        }
    }
    let cols: Vec<Column> = names.iter().zip(columns).map(|(k, v)| Column::new(k.as_str().into(), v)).collect();
    DataFrame::new_infer_height(cols).map_err(|e| (1, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(body: &[u8], name: &str) -> Result<DataFrame, LoadError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        read_table(&p)
    }

    fn cells(df: &DataFrame, col: &str) -> Vec<Option<String>> {
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
        assert_eq!(count_fields(b"a\tb\n\n1\t2\n", b'\t'), vec![2, 2]);
    }

    #[test]
    fn ndjson_is_read_as_text_whatever_the_json_types() {
        // Whole numbers first and a decimal later, booleans, nulls and a field missing from
        // one line: all text, in the order the fields first appear.
        let mut body = String::new();
        for i in 0..150 {
            body.push_str(&format!("{{\"id\": \"L{i}\", \"visits\": {i}, \"demo\": true}}\n"));
        }
        body.push_str("{\"id\": \"L150\", \"visits\": 4.5, \"demo\": null, \"note\": \"late\"}\n");
        let df = table(body.as_bytes(), "m.ndjson").unwrap();
        assert_eq!(df.get_column_names(), ["id", "visits", "demo", "note"]);
        let visits = cells(&df, "visits");
        assert_eq!((visits[3].as_deref(), visits[150].as_deref()), (Some("3"), Some("4.5")));
        assert_eq!(cells(&df, "demo")[0].as_deref(), Some("true"));
        assert_eq!((cells(&df, "demo")[150].as_deref(), cells(&df, "note")[0].as_deref()), (None, None));
        let e = table(b"{\"a\": 1}\n\n{\"a\": {\"b\": 2}}\n", "n.ndjson").unwrap_err().to_string();
        assert!(
            e.contains("n.ndjson: data row 2: not a flat JSON object: field \"a\" holds a list or an object"),
            "{e}"
        );
        let e = table(b"{\"a\": 1}\n[1, 2]\n", "a.ndjson").unwrap_err().to_string();
        assert!(e.contains("a.ndjson: data row 2: not a flat JSON object"), "{e}");
        let e = table(b"{\"a\": 1, \"a\": 2}\n", "d.ndjson").unwrap_err().to_string();
        assert!(e.contains("field \"a\" appears twice"), "{e}");
    }
}
