//! What a run killed with `kill -9` leaves behind, and what the next run does about it: the
//! previous output stays byte-identical, and the killed run's temporary file (of our naming,
//! no longer locked by anyone) is removed by the next run writing to that directory.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{leadscore, run, sample_dir, text, train_sample};

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn temporary_files(dir: &Path) -> Vec<String> {
    entries(dir).into_iter().filter(|n| n.starts_with(".leadscore-")).collect()
}

#[cfg(unix)]
#[test]
fn a_temporary_file_left_by_kill_9_is_removed_by_the_next_run() {
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    fs::create_dir(d.join("out")).unwrap();
    // The previous night's output.
    let o = run(d, &["score", "--model", "models/m.json", "--data", "data/open_leads.csv", "--out", "out/s.csv"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let previous = fs::read(d.join("out/s.csv")).unwrap();

    // Tonight's run reads a pipe that delivers the header and then nothing: it has staged its
    // output and waits for leads when it is killed.
    let fifo = d.join("leads.csv");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let header = fs::read_to_string(d.join("data/open_leads.csv")).unwrap().lines().next().unwrap().to_string();
    let writer = std::thread::spawn(move || {
        let mut w = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        writeln!(w, "{header}").unwrap();
        // Held open (no end of file) until the reader is killed.
        let _ = w.flush();
        std::thread::sleep(Duration::from_secs(30));
        drop(w);
    });
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("leadscore"))
        .current_dir(d)
        .args(["score", "--model", "models/m.json", "--data", "leads.csv", "--out", "out/s.csv"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while temporary_files(&d.join("out")).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "the run never staged its output");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it was killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no cleanup
    child.wait().unwrap();
    let litter = temporary_files(&d.join("out"));
    assert_eq!(litter.len(), 1, "{litter:?}");
    assert!(litter[0].starts_with(".leadscore-tmp-"), "{litter:?}");
    assert_eq!(fs::read(d.join("out/s.csv")).unwrap(), previous, "the previous output is untouched");
    drop(writer); // detached; it ends on its own

    // Any command writing to that directory removes it; a live run's files are never touched
    // (they are locked, see src/data/staging.rs).
    let o = run(d, &["score", "--model", "models/m.json", "--data", "data/open_leads.csv", "--out", "out/s.csv"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(entries(&d.join("out")), ["s.csv"], "the killed run's temporary file is gone");
    // Same leads, same output, but for scored_at: the run's own second (the two runs may
    // straddle one under load).
    let lines = |b: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(b).lines().map(|l| l.rsplit_once(',').map_or(l, |(h, _)| h).to_string()).collect()
    };
    assert_eq!(lines(&fs::read(d.join("out/s.csv")).unwrap()), lines(&previous), "same leads, same output");
}

#[cfg(unix)]
#[test]
fn a_stale_temporary_file_beside_a_bundle_is_removed_by_train_and_others_are_kept() {
    let dir = sample_dir();
    let d = dir.path();
    fs::create_dir_all(d.join("models")).unwrap();
    // Ours and stale (nobody holds its lock): a killed train's half-written bundle.
    fs::write(d.join("models/.leadscore-tmp-Ab12Cd"), "{\"format\": \"leadscore-bu").unwrap();
    // Not provably ours: a file an older version named, and a user's hidden file.
    fs::write(d.join("models/.leadscore-Ab12Cd"), "old naming").unwrap();
    fs::write(d.join("models/.leadscore-tmp-notes.txt"), "mine").unwrap();
    train_sample(d);
    let o = leadscore().current_dir(d).args(["inspect", "models/m.json"]).output().unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(entries(&d.join("models")), [".leadscore-Ab12Cd", ".leadscore-tmp-notes.txt", "m.json"]);
}
