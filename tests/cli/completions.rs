//! `leadscore completions` and `leadscore man`: generated from the clap definition, so every
//! real flag is in them.

use crate::common::{run, text};

#[test]
fn bash_completions_parse_and_know_every_subcommand_and_flag() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["completions", "bash"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let script = text(&o).0;
    for word in ["models", "promote", "--shadow", "--ledger", "--reasons-for", "export"] {
        assert!(script.contains(word), "{word} missing from the bash completions");
    }
    std::fs::write(dir.path().join("c.bash"), &script).unwrap();
    let check = std::process::Command::new("bash").arg("-n").arg(dir.path().join("c.bash")).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    for shell in ["zsh", "fish"] {
        let o = run(dir.path(), &["completions", shell]);
        assert!(o.status.success() && text(&o).0.contains("--shadow"), "{shell}");
    }
    let o = run(dir.path(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_pages_for_the_command_and_each_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, &["man"]);
    assert!(o.status.success() && text(&o).0.starts_with(".ie"), "{:?}", text(&o));
    std::fs::create_dir(d.join("man")).unwrap();
    let o = run(d, &["man", "--out-dir", "man"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let score = std::fs::read_to_string(d.join("man/leadscore-score.1")).unwrap();
    assert!(score.contains(".TH leadscore\\-score 1") || score.contains(".TH leadscore-score 1"), "{}", &score[..200]);
    assert!(score.contains("shadow"), "the score page lists --shadow");
    assert!(d.join("man/leadscore.1").is_file() && d.join("man/leadscore-models.1").is_file());
    // A directory that does not exist is an error, and nothing is written.
    let o = run(d, &["man", "--out-dir", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--out-dir nope: no such directory"), "{:?}", text(&o));
}
