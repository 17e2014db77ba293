//! Output safety across the commands that write files: all-or-none writes, no output over an
//! input, permissions others can read, and the argument checks that guard the printed numbers.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{run, sample_dir, text, train_sample};

/// Runs leadscore in `dir` under umask 022, whatever the test runner's own umask is.
#[cfg(unix)]
fn run_umask_022(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("leadscore"))
        .args(args)
        .output()
        .unwrap()
}

fn fails_with(o: &Output, wanted: &str) {
    let (out, err) = text(o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(err.contains(wanted), "wanted {wanted:?} in:\n{err}");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

const EVALUATE: [&str; 5] = ["evaluate", "--data", "data/history.csv", "--model", "models/m.json"];

fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    [base, extra].concat()
}

#[test]
fn evaluate_writes_json_and_report_together_or_not_at_all() {
    // Regression: a failing --report left the --json file behind.
    let dir = sample_dir();
    train_sample(dir.path());
    let d = dir.path();
    fs::create_dir_all(d.join("out/d2.html")).unwrap();
    let o = run(d, &with(&EVALUATE, &["--json", "out/ev.json", "--report", "out/d2.html"]));
    fails_with(&o, "out/d2.html: is a directory");
    assert_eq!(entries(&d.join("out")), ["d2.html"], "no JSON and no temporary file");
    if Path::new("/proc/self").exists() {
        let o = run(d, &with(&EVALUATE, &["--json", "out/ev.json", "--report", "/proc/r.html"]));
        fails_with(&o, "/proc/r.html: cannot write");
        assert_eq!(entries(&d.join("out")), ["d2.html"]);
    }
    // An existing JSON file is left as it was.
    fs::write(d.join("out/ev.json"), "old").unwrap();
    let o = run(d, &with(&EVALUATE, &["--json", "out/ev.json", "--report", "out/d2.html"]));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fs::read_to_string(d.join("out/ev.json")).unwrap(), "old");
    // And when both can be written, both are.
    let o = run(d, &with(&EVALUATE, &["--json", "out/ev.json", "--report", "out/r.html"]));
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(fs::read_to_string(d.join("out/ev.json")).unwrap().contains("\"scorers\""));
    assert!(fs::read_to_string(d.join("out/r.html")).unwrap().contains("<html"));
}

#[test]
fn generate_writes_every_file_or_none() {
    // Regression: with activities.csv unwritable, history.csv and open_leads.csv were left.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("g/activities.csv")).unwrap();
    let o = run(d, &["generate", "--out-dir", "g", "--history-rows", "50", "--open-rows", "20"]);
    fails_with(&o, "g/activities.csv: is a directory");
    assert_eq!(entries(&d.join("g")), ["activities.csv"]);
    let o = run(d, &["generate", "--out-dir", "g", "--history-rows", "50", "--open-rows", "20", "--no-activities"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(entries(&d.join("g")), ["activities.csv", "history.csv", "open_leads.csv"]);
}

#[test]
fn no_command_writes_over_one_of_its_inputs() {
    // Regression: an output equal to an input silently overwrote the input, exit 0.
    let dir = sample_dir();
    train_sample(dir.path());
    let d = dir.path();
    fs::copy(d.join("data/history.csv"), d.join("h.csv")).unwrap();
    let snapshot = |p: &str| fs::read(d.join(p)).unwrap();
    let (history, model, open) = (snapshot("h.csv"), snapshot("models/m.json"), snapshot("data/open_leads.csv"));
    let ev = ["evaluate", "--data", "h.csv", "--model", "models/m.json"];
    let th = ["thresholds", "--data", "h.csv", "--model", "models/m.json"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (with(&ev, &["--report", "h.csv"]), "--report h.csv is the same file as --data h.csv"),
        (with(&ev, &["--json", "./models/../models/m.json"]), "is the same file as --model models/m.json"),
        (with(&ev, &["--json", "x.json", "--report", "x.json"]), "--json x.json and --report x.json are the same file"),
        (with(&th, &["--json", "h.csv"]), "--json h.csv is the same file as --data h.csv"),
        (
            vec!["pilot", "assign", "--data", "data/open_leads.csv", "--out", "data/open_leads.csv", "--seed", "1"],
            "--out data/open_leads.csv is the same file as --data data/open_leads.csv",
        ),
        (
            vec!["pilot", "analyze", "--data", "h.csv", "--arm-column", "segment", "--json", "h.csv"],
            "--json h.csv is the same file as --data h.csv",
        ),
    ];
    for (args, wanted) in cases {
        let o = run(d, &args);
        fails_with(&o, wanted);
        assert!(!d.join("x.json").exists());
    }
    assert_eq!(snapshot("h.csv"), history);
    assert_eq!(snapshot("models/m.json"), model);
    assert_eq!(snapshot("data/open_leads.csv"), open);
}

#[cfg(unix)]
#[test]
fn every_output_is_readable_by_others() {
    // Regression: outputs were created 0600 (tempfile's default), and an overwritten 0644
    // file became 0600.
    use std::os::unix::fs::PermissionsExt;
    let dir = sample_dir();
    train_sample(dir.path());
    let d = dir.path();
    let mode = |p: &str| fs::metadata(d.join(p)).unwrap().permissions().mode() & 0o777;
    let runs: [Vec<&str>; 4] = [
        with(&EVALUATE, &["--json", "ev.json", "--report", "r.html"]),
        vec!["thresholds", "--data", "data/history.csv", "--model", "models/m.json", "--json", "t.json"],
        vec!["pilot", "assign", "--data", "data/open_leads.csv", "--out", "arms.csv", "--seed", "3"],
        vec!["generate", "--out-dir", "g", "--history-rows", "50", "--open-rows", "20"],
    ];
    for args in &runs {
        let o = run_umask_022(d, args);
        assert!(o.status.success(), "{args:?}: {:?}", text(&o));
    }
    for f in ["ev.json", "r.html", "t.json", "arms.csv", "g/history.csv", "g/open_leads.csv", "g/activities.csv"] {
        assert_eq!(mode(f), 0o644, "{f}");
    }
    // Overwriting keeps the existing file's permissions.
    fs::set_permissions(d.join("arms.csv"), fs::Permissions::from_mode(0o640)).unwrap();
    let o = run_umask_022(d, &runs[2]);
    assert!(o.status.success());
    assert_eq!(mode("arms.csv"), 0o640);
}

#[test]
fn evaluate_needs_enough_bootstrap_replicates_for_an_interval() {
    // Regression: `--n-boot 1` printed a "95% interval 0.8862–0.8862".
    let dir = sample_dir();
    train_sample(dir.path());
    for n in ["1", "199"] {
        let o = run(dir.path(), &with(&EVALUATE, &["--n-boot", n]));
        fails_with(&o, &format!("--n-boot {n}: give at least 200 bootstrap replicates (the default is 1000)"));
    }
    let o = run(dir.path(), &with(&EVALUATE, &["--n-boot", "200"]));
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn thresholds_capacity_total_is_honest_and_absurd_capacities_are_refused() {
    // Regression: `--capacity 1024819115206086201` with 18 monthly periods printed
    // "x 18 period(s) = 2 leads" (the product wrapped around).
    let dir = sample_dir();
    train_sample(dir.path());
    let base =
        ["thresholds", "--data", "data/history.csv", "--model", "models/m.json", "--date-column", "created_date"];
    let o = run(dir.path(), &with(&base, &["--capacity", "1024819115206086201"]));
    fails_with(&o, "--capacity 1024819115206086201: give the number of leads sales can work per period, from 1 to");
    let o = run(dir.path(), &with(&base, &["--capacity", "0"]));
    fails_with(&o, "--capacity 0: give the number of leads sales can work per period");
    let o = run(dir.path(), &with(&base, &["--capacity", "1000000000000"]));
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let line = out.lines().find(|l| l.starts_with("capacity:")).unwrap();
    let periods: u64 = line.split(" x ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert_eq!(
        line,
        format!("capacity: 1000000000000 leads x {periods} period(s) = {} leads", 1_000_000_000_000 * periods)
    );
}

#[test]
fn as_of_errors_say_the_expected_format_in_every_command() {
    // Regression: "input contains invalid characters" / "trailing input", without the value.
    let dir = sample_dir();
    train_sample(dir.path());
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules/sample.toml");
    let rules = rules.to_str().unwrap();
    let cases: [Vec<&str>; 3] = [
        vec!["generate", "--out-dir", "g", "--as-of", "2026-06-31"],
        with(&EVALUATE, &["--rules", rules, "--as-of", "yesterday"]),
        vec!["thresholds", "--data", "data/history.csv", "--rules", rules, "--as-of", "2026-06-30x"],
    ];
    for args in &cases {
        let value = args.last().unwrap();
        let o = run(dir.path(), args);
        fails_with(&o, &format!("\"{value}\" is not a date: expected YYYY-MM-DD, e.g. 2026-06-30"));
    }
    assert!(!dir.path().join("g").exists());
}
