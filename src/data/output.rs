//! Writing scored leads batch by batch to CSV, Parquet or NDJSON (by extension), into a
//! temporary file beside the target that is renamed into place only when every batch was
//! written: a failed run leaves no half-written output.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use tempfile::NamedTempFile;

use super::load::FileFormat;

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
        let io = |source| OutputError::Io { path: path.to_path_buf(), source };
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = NamedTempFile::new_in(dir).map_err(io)?;
        let file = tmp.reopen().map_err(io)?;
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
                    let file =
                        self.tmp.reopen().map_err(|source| OutputError::Io { path: self.path.clone(), source })?;
                    *w = Some(Box::new(ParquetWriter::new(file).batched(df.schema()).map_err(pe)?));
                }
                if let Some(w) = w {
                    w.write_batch(df).map_err(pe)?;
                }
            }
        }
        Ok(())
    }

    /// Flushes and renames the file into place.
    pub fn finish(self) -> Result<(), OutputError> {
        let io = |source| OutputError::Io { path: self.path.clone(), source };
        match self.sink {
            Sink::Csv { mut w, .. } | Sink::Ndjson { mut w } => w.flush().map_err(io)?,
            Sink::Parquet { w } => {
                if let Some(w) = w {
                    w.finish().map_err(|source| OutputError::Polars { path: self.path.clone(), source })?;
                }
            }
        }
        self.tmp.persist(&self.path).map_err(|e| io(e.error))?;
        Ok(())
    }
}
