//! The lead-file loader on arbitrary bytes: CSV, TSV or NDJSON (first byte chooses), read
//! whole and in batches of three rows. It may refuse the file; it must not panic, hang or
//! grow a buffer past its documented limit.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use leadscore::data::load::{read_table, BatchReader};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else { return };
    let ext = match choice % 3 {
        0 => "csv",
        1 => "tsv",
        _ => "ndjson",
    };
    let mut file = tempfile::Builder::new().suffix(&format!(".{ext}")).tempfile().expect("temp file");
    file.write_all(body).expect("write");
    file.flush().expect("flush");
    let whole = read_table(file.path());
    let mut batches = match BatchReader::open(file.path(), 3) {
        Ok(b) => b,
        Err(_) => return,
    };
    let mut rows = 0;
    let ended = loop {
        match batches.next_batch() {
            Ok(Some(df)) => rows += df.height(),
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    // Reading whole and reading in batches agree on the rows of a file both read to its end
    // (an NDJSON field first seen after the first batch is refused in batches only).
    if let (Ok(df), true) = (whole, ended) {
        assert_eq!(df.height(), rows, "batches and the whole file disagree");
    }
});
