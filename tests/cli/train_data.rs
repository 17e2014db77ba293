//! CLI tests of what `leadscore train` decides about the history before fitting: duplicate
//! lead ids, identical rows straddling the split, and personal data left out of the models.

use crate::common::*;
use std::fs;

/// The sample history with its first `copies` data lines appended again, their ids replaced
/// by `id(k)` when given (else kept: the same leads twice).
fn with_copies(dir: &std::path::Path, copies: usize, id: Option<&dyn Fn(usize) -> String>) {
    let path = dir.join("data/history.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut out = text.clone();
    for (k, line) in text.lines().skip(1).take(copies).enumerate() {
        let line = match id {
            Some(f) => format!("{}{}", f(k), &line[line.find(',').unwrap()..]),
            None => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    fs::write(path, out).unwrap();
}

const TRAIN: [&str; 9] =
    ["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id", "--out", "m.json"];

#[test]
fn duplicate_lead_ids_are_an_error_naming_the_id_and_its_rows() {
    let dir = sample_dir();
    with_copies(dir.path(), 400, None);
    let o = run(dir.path(), &TRAIN);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("data/history.csv: lead id \"L0000001\" (column \"lead_id\") appears 2 times, in rows 1, 801; 400 id(s) appear more than once (400 extra rows)"),
        "{err}"
    );
    assert!(err.contains("--dedupe first") && err.contains("--dedupe last"), "{err}");
    assert!(!dir.path().join("m.json").exists());

    for how in ["first", "last"] {
        let o = run(dir.path(), &[&TRAIN[..], &["--dedupe", how]].concat());
        let (out, err) = text(&o);
        assert!(o.status.success(), "{err}");
        let want = format!(
            "--dedupe {how}: 400 lead id(s) appeared more than once; kept each one's {how} row, dropped 400 row(s)"
        );
        assert!(out.contains(&want), "{out}");
        let b: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
        assert_eq!(b["training"]["labelled_rows"], 800);
        // The copies are gone, so none straddles the split.
        assert!(out.contains("identical rows across the split: 0 of 160 held-out leads (0.0%)"), "{out}");
    }
}

#[test]
fn copies_under_new_ids_are_counted_when_they_straddle_the_split() {
    let dir = sample_dir();
    with_copies(dir.path(), 400, Some(&|k| format!("COPY{k}")));
    let o = run(dir.path(), &TRAIN);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let line = out.lines().find(|l| l.starts_with("identical rows across the split: ")).unwrap();
    let n: usize = line["identical rows across the split: ".len()..].split(' ').next().unwrap().parse().unwrap();
    // 400 of 1,200 rows have a twin; a random 20% hold-out keeps about 0.8 * 2 * 400 * 0.2 of them
    // apart from theirs.
    assert!((60..=200).contains(&n), "{line}");
    assert!(
        line.contains(" of 240 held-out leads (") && line.ends_with("of a lead the models were fitted on"),
        "{line}"
    );
}

#[test]
fn first_name_is_left_out_as_personal_data_unless_kept() {
    let dir = sample_dir();
    let o = run(dir.path(), &TRAIN);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains(
            "personal data left out of the models (--keep COLUMN to use one anyway): \"first_name\" (a person's name)"
        ),
        "{out}"
    );
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    let names: Vec<&str> = b["schema"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(!names.contains(&"first_name"), "{names:?}");
    assert!(names.contains(&"email_domain_type") && names.contains(&"job_title"), "{names:?}");

    let o = run(dir.path(), &[&TRAIN[..], &["--keep", "first_name"]].concat());
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!out.contains("personal data left out"), "{out}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    assert!(b["schema"].as_array().unwrap().iter().any(|c| c["name"] == "first_name"));
}

#[test]
fn email_addresses_phone_numbers_and_notes_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("id,visits,source,email,phone,notes,converted\n");
    for i in 0..400 {
        let conv = (i * 7919) % 10 < 3;
        s.push_str(&format!(
            "L{i},{},{},user{i}@example.org,+1 (555) 010-{:04},\"met at the fair on day {i}, asked about pricing\",{}\n",
            (i % 9) + if conv { 3 } else { 0 },
            ["web", "ads", "referral"][i % 3],
            i,
            conv as u8
        ));
    }
    fs::write(dir.path().join("h.csv"), s).unwrap();
    let o = run(dir.path(), &["train", "--data", "h.csv", "--target", "converted", "--id", "id", "--out", "m.json"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    for want in [
        "\"email\" (e-mail addresses (100% of values))",
        "\"phone\" (phone numbers (100% of values))",
        "\"notes\" (free text",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
}
