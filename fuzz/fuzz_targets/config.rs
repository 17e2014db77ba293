//! The training config parser and its range checks on arbitrary text: refuse with a message,
//! never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use leadscore::config::TrainConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(cfg) = TrainConfig::from_toml(text, Path::new("fuzz.toml")) {
        let _ = cfg.check("fuzz.toml");
    }
});
