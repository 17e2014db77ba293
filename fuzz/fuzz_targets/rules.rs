//! The rules file parser and checker on arbitrary text: refuse with a message naming the line,
//! never panic, never hang (regex sizes and condition counts are bounded before compiling).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use leadscore::rules::RuleSet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = RuleSet::parse(text, Path::new("fuzz.toml")) {
        let message = e.to_string();
        assert!(message.contains("fuzz.toml"), "the message names the file: {message}");
    }
});
