//! Splitting a text file into chunks of whole records without parsing it, so that
//! `score` can hand Polars one bounded chunk at a time.
//!
//! A record ends at a newline that is not inside a double-quoted CSV field (RFC 4180:
//! a quote inside a quoted field is written twice, which toggles the state twice and so
//! leaves it unchanged). For NDJSON, quote tracking is off: JSON strings cannot hold a
//! raw newline.

use std::io::{self, BufRead, BufReader, Read};

/// Reads whole records from a byte stream, a requested number at a time.
pub struct RecordChunker<R: Read> {
    reader: BufReader<R>,
    csv_quotes: bool,
    done: bool,
}

impl<R: Read> RecordChunker<R> {
    /// Wraps `reader`; `csv_quotes` turns on quote-aware record ends.
    pub fn new(reader: R, csv_quotes: bool) -> Self {
        RecordChunker { reader: BufReader::with_capacity(1 << 20, reader), csv_quotes, done: false }
    }

    /// Returns the bytes of up to `n` further records (each ending in `\n` when the file
    /// has one), or an empty vector at the end of the stream. Blank lines are kept out
    /// of the count but passed through.
    pub fn next_records(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut records = 0usize;
        let mut in_quotes = false;
        while records < n && !self.done {
            let start = out.len();
            let read = self.reader.read_until(b'\n', &mut out)?;
            if read == 0 {
                self.done = true;
                break;
            }
            if self.csv_quotes {
                for &b in &out[start..] {
                    if b == b'"' {
                        in_quotes = !in_quotes;
                    }
                }
            }
            let line = &out[start..];
            if !in_quotes && !line.iter().all(|b| b.is_ascii_whitespace()) {
                records += 1;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_newlines_stay_inside_one_record() {
        let data = b"a,b\n1,\"x\ny\"\n2,\"he said \"\"hi\"\"\"\n3,z\n";
        let mut c = RecordChunker::new(&data[..], true);
        assert_eq!(c.next_records(1).unwrap(), b"a,b\n");
        assert_eq!(c.next_records(1).unwrap(), b"1,\"x\ny\"\n");
        assert_eq!(c.next_records(2).unwrap(), b"2,\"he said \"\"hi\"\"\"\n3,z\n");
        assert!(c.next_records(5).unwrap().is_empty());
    }

    #[test]
    fn last_record_without_newline_and_crlf() {
        let data = b"h\r\n1\r\n2";
        let mut c = RecordChunker::new(&data[..], true);
        assert_eq!(c.next_records(1).unwrap(), b"h\r\n");
        assert_eq!(c.next_records(10).unwrap(), b"1\r\n2");
        assert!(c.next_records(1).unwrap().is_empty());
    }

    #[test]
    fn ndjson_ignores_quotes() {
        let data = b"{\"a\":\"\\\"\"}\n{\"a\":\"b\"}\n";
        let mut c = RecordChunker::new(&data[..], false);
        assert_eq!(c.next_records(1).unwrap(), b"{\"a\":\"\\\"\"}\n");
    }
}
