//! The bundle loader on arbitrary text, twice:
//! 1. as given: every check (format, version, checksum, signature, shape, meaning) refuses
//!    with a message naming the file, and none panics; with a key, an unsigned bundle never
//!    loads;
//! 2. forged: text that parses as a bundle gets its checksum recomputed (what anyone can do
//!    without the key), so the shape and meaning checks are what stands between it and
//!    scoring. Whatever passes them must score two leads (one all blank, one all "1") with
//!    every model's probability in 0..1, never NaN, and never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use polars::prelude::{Column, DataFrame};
use sha2::{Digest, Sha256};

use leadscore::bundle::{hex, Bundle, SignKey};
use leadscore::data::typing::LeadFrame;
use leadscore::scorer::{BundleScorer, ScoreError, Scorer};

fn names_file(e: &impl std::fmt::Display) {
    let message = e.to_string();
    assert!(message.contains("fuzz.json"), "the message names the file: {message}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz.json");
    if let Err(e) = Bundle::from_text(path, text, None) {
        names_file(&e);
    }
    let key = SignKey::from_bytes(&[7u8; 32], Path::new("fuzz.key"));
    if let Ok(b) = Bundle::from_text(path, text, Some(&key)) {
        assert!(b.signature.is_some(), "an unsigned bundle loaded with a key");
    }

    let Ok(mut forged) = serde_json::from_str::<Bundle>(text) else { return };
    forged.signature = None;
    forged.checksum = String::new();
    let Ok(bytes) = serde_json::to_vec(&forged) else { return };
    forged.checksum = hex(&Sha256::digest(&bytes));
    let Ok(forged_text) = serde_json::to_string(&forged) else { return };
    let b = match Bundle::from_text(path, &forged_text, None) {
        Ok(b) => b,
        Err(e) => return names_file(&e),
    };
    let cols: Vec<Column> = b
        .pipeline
        .columns
        .iter()
        .map(|c| Column::new(c.name.as_str().into(), [None, Some("1")]))
        .collect();
    let Ok(df) = DataFrame::new_infer_height(cols) else { return };
    let leads = LeadFrame { df: &df, path: Path::new("leads.csv"), first_row: 1 };
    match BundleScorer::new(&b).score(&leads, true) {
        Ok(s) => {
            for p in s.scores.iter().chain(s.components.iter().flat_map(|(_, p)| p)) {
                assert!((0.0..=1.0).contains(p), "a bundle that passed every check scored {p}");
            }
        }
        Err(ScoreError::Typing(_)) => {}
        Err(e) => panic!("a bundle that passed every check failed to score: {e}"),
    }
});
