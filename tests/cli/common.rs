//! Shared helpers for the CLI tests: run the real binary in a temp dir.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;

/// The `leadscore` binary.
pub fn leadscore() -> Command {
    Command::cargo_bin("leadscore").expect("binary built")
}

/// Runs leadscore with `args` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    leadscore().current_dir(dir).args(args).output().expect("runs")
}

/// stdout and stderr as text.
pub fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// The small generated sample (history 800, open 200, seed 7), generated once per test run.
fn generated_sample() -> &'static Path {
    static SAMPLE: OnceLock<tempfile::TempDir> = OnceLock::new();
    SAMPLE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let o = run(
                dir.path(),
                &["generate", "--out-dir", "data", "--history-rows", "800", "--open-rows", "200", "--seed", "7"],
            );
            assert!(o.status.success(), "{:?}", text(&o));
            dir
        })
        .path()
}

/// A temp dir of its own holding a copy of the generated sample in `data/` (tests may change
/// or add files there).
pub fn sample_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = generated_sample().join("data");
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join("data").join(entry.file_name())).unwrap();
    }
    dir
}

/// Trains the logistic model on the sample; returns the bundle path.
pub fn train_sample(dir: &Path) -> PathBuf {
    let o = run(
        dir,
        &["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id", "--out", "models/m.json"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    dir.join("models/m.json")
}

/// Reads a CSV as rows of fields (simple split; test files have no quoted commas unless said).
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().unwrap());
    (header, lines.map(split_csv_line).collect())
}

/// Splits one CSV line, honouring double quotes.
pub fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut q = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if q && chars.peek() == Some(&'"') => {
                out.last_mut().unwrap().push('"');
                chars.next();
            }
            '"' => q = !q,
            ',' if !q => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// Copies the CSV `src` to `dst`, setting column `column` to `value` on the data lines
/// (1-based, header excluded) for which `pick` holds.
pub fn write_with_cells(src: &Path, dst: &Path, column: &str, pick: impl Fn(usize) -> bool, value: &str) {
    let text = std::fs::read_to_string(src).unwrap();
    let header = split_csv_line(text.lines().next().unwrap());
    let col = header.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut f = split_csv_line(line);
        if i > 0 && pick(i) {
            f[col] = value.to_string();
        }
        let quoted: Vec<String> =
            f.iter()
                .map(|x| {
                    if x.contains(',') || x.contains('"') {
                        format!("\"{}\"", x.replace('"', "\"\""))
                    } else {
                        x.clone()
                    }
                })
                .collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    std::fs::write(dst, out).unwrap();
}

/// `../shared/datasets/<rel>` when present. Tests that need it skip (saying so) when it is
/// absent, unless LEADSCORE_REQUIRE_SHARED is set (CI), where its absence is a failure.
pub fn shared_dataset(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets").join(rel);
    if p.exists() {
        Some(p)
    } else if std::env::var_os("LEADSCORE_REQUIRE_SHARED").is_some() {
        panic!("{} is required (LEADSCORE_REQUIRE_SHARED is set) but missing", p.display());
    } else {
        eprintln!("skipped: {} not present", p.display());
        None
    }
}

/// The `leadscore` binary as a std command, for tests that spawn and kill it.
pub fn leadscore_std() -> std::process::Command {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("leadscore"))
}

/// A score file's lines without `scored_at` (the last column: the run's own second, which two
/// runs straddle on a loaded machine), for byte-for-byte comparisons of two runs.
pub fn without_scored_at(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| l.rsplit_once(',').map_or(l, |(head, _)| head).to_string()).collect()
}
