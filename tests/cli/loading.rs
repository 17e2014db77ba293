//! CLI tests of reading data files that cannot be read twice or never end: named pipes
//! (FIFOs) for `train`, and a FIFO nobody writes to.

use crate::common::*;
use std::path::{Path, PathBuf};

fn mkfifo(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    assert!(std::process::Command::new("mkfifo").arg(&p).status().unwrap().success());
    p
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
#[test]
fn train_reads_its_data_from_a_fifo_in_one_pass_and_records_its_digest() {
    let dir = sample_dir();
    let history = std::fs::read(dir.path().join("data/history.csv")).unwrap();
    let fifo = mkfifo(dir.path(), "history.csv");
    let (body, p) = (history.clone(), fifo.clone());
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        // Opened once: a second pass by train would wait here for a reader that never comes.
        let mut f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
        let _ = f.write_all(&body);
    });
    let o = run(
        dir.path(),
        &["train", "--data", "history.csv", "--target", "converted", "--id", "lead_id", "--out", "m.json"],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    writer.join().unwrap();
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(b["training"]["rows_in_file"], 800);
    assert_eq!(b["training"]["data_sha256"].as_str().unwrap(), sha256_hex(&history));
}

#[cfg(unix)]
#[test]
fn train_on_a_fifo_that_nobody_writes_to_fails_naming_it_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(dir.path(), "leads.csv");
    let o = run(dir.path(), &["train", "--data", "leads.csv", "--target", "converted"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("leads.csv: no program opened this pipe for writing within 10 s"), "{err}");
}

#[cfg(unix)]
#[test]
fn train_reads_process_substitution_data_whose_path_has_no_extension() {
    // `--data <(zcat history.csv.gz)` passes /dev/fd/N: a pipe, no extension, read once.
    let dir = sample_dir();
    let bin = assert_cmd::cargo::cargo_bin("leadscore");
    let script =
        format!("{} train --data <(cat data/history.csv) --target converted --id lead_id --out m.json", bin.display());
    let o = std::process::Command::new("bash").arg("-c").arg(script).current_dir(dir.path()).output().unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let history = std::fs::read(dir.path().join("data/history.csv")).unwrap();
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(b["training"]["data_sha256"].as_str().unwrap(), sha256_hex(&history));
}
