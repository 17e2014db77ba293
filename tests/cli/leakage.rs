//! CLI tests of the leakage guard inside `leadscore train`: both sides on the real exports in
//! `../shared/datasets` (skipped when absent, unless LEADSCORE_REQUIRE_SHARED is set), and
//! each kind of evidence on small generated files.

use crate::common::*;
use std::fs;
use std::path::Path;

fn xeducation_config() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/xeducation.toml")
}

/// The guard's block for one column in the stop report: from `stop "COL":` to its advice.
fn block<'a>(err: &'a str, verdict: &str, column: &str) -> &'a str {
    let head = format!("  {verdict} \"{column}\":\n");
    let start = err.find(&head).unwrap_or_else(|| panic!("no {verdict} block for {column}:\n{err}"));
    let rest = &err[start..];
    &rest[..rest.find("what to do").map_or(rest.len(), |e| e + rest[e..].find('\n').unwrap_or(0))]
}

#[test]
fn leads_csv_stops_on_tags_and_lead_quality() {
    let Some(leads) = shared_dataset("xeducation-leads/Leads.csv") else { return };
    let dir = tempfile::tempdir().unwrap();
    let args = ["train", "--data", leads.to_str().unwrap(), "--target", "Converted", "--id", "Prospect ID"];
    let o = run(dir.path(), &[&args[..], &["--missing-values", "Select", "--out", "m.json"]].concat());
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let tags = block(&err, "stop", "Tags");
    assert!(tags.contains("strong  strength: alone reaches AUC 0.920"), "{tags}");
    assert!(tags.contains("value \"Closed by Horizzon\" (3.9% of leads) converts at 99.4%"), "{tags}");
    assert!(tags.contains("wording: name says \"tags\""), "{tags}");
    assert!(tags.contains("what to do: --exclude \"Tags\""), "{tags}");
    let quality = block(&err, "stop", "Lead Quality");
    assert!(quality.contains("medium  strength: information value 1.89"), "{quality}");
    assert!(quality.contains("medium  wording: name says \"quality\""), "{quality}");
    assert!(!dir.path().join("m.json").exists());

    // The case: ids and Tags excluded, Lead Quality still stops (it let it through before).
    let o = run(
        dir.path(),
        &[&args[..], &["--missing-values", "Select", "--exclude", "Tags,Lead Number", "--out", "m.json"]].concat(),
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("1 column(s) look recorded during or after contact: \"Lead Quality\""), "{err}");
}

#[test]
fn the_xeducation_config_trains_with_at_most_reviews() {
    let Some(leads) = shared_dataset("xeducation-leads/Leads.csv") else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "train",
            "--data",
            leads.to_str().unwrap(),
            "--config",
            xeducation_config(),
            "--model",
            "both",
            "--out",
            "m.json",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    let verdicts: Vec<(&str, &str)> = b["leakage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["column"].as_str().unwrap(), c["verdict"].as_str().unwrap()))
        .collect();
    assert!(verdicts.iter().all(|(_, v)| *v != "stop"), "{verdicts:?}");
    // The strongest pre-contact column dominates the screen: worth a look, not a stop.
    assert!(verdicts.contains(&("Total Time Spent on Website", "review")), "{verdicts:?}");
    assert!(out.contains("review \"Total Time Spent on Website\":\n    medium  dominance:"), "{out}");
}

/// The CRM export's opportunities joined with their accounts (sector, revenue, employees,
/// office location): the history a user would build. Open deals have no outcome yet.
fn crm_history(dir: &Path) -> Option<std::path::PathBuf> {
    let pipeline = shared_dataset("crm-sales-opportunities/sales_pipeline.csv")?;
    let accounts = shared_dataset("crm-sales-opportunities/accounts.csv")?;
    let (ah, arows) = read_csv(&accounts);
    assert_eq!(ah[..5], ["account", "sector", "year_established", "revenue", "employees"]);
    let by_name: std::collections::HashMap<&str, &Vec<String>> = arows.iter().map(|r| (r[0].as_str(), r)).collect();
    let (ph, prows) = read_csv(&pipeline);
    let mut out = format!("{},sector,year_established,revenue,employees,office_location\n", ph.join(","));
    for r in &prows {
        let acc = by_name.get(r[3].as_str());
        let extra: Vec<&str> = (1..6).map(|k| acc.map_or("", |a| a[k].as_str())).collect();
        out.push_str(&format!("{},{}\n", r.join(","), extra.join(",")));
    }
    let path = dir.join("crm_history.csv");
    fs::write(&path, out).unwrap();
    Some(path)
}

#[test]
fn crm_export_stops_on_close_date_and_close_value() {
    let dir = tempfile::tempdir().unwrap();
    let Some(history) = crm_history(dir.path()) else { return };
    let o = run(
        dir.path(),
        &[
            "train",
            "--data",
            history.to_str().unwrap(),
            "--target",
            "deal_stage",
            "--positive",
            "Won",
            "--negative",
            "Lost",
            "--id",
            "opportunity_id",
            "--out",
            "m.json",
        ],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for column in ["close_date", "close_value"] {
        let b = block(&err, "stop", column);
        assert!(
            b.contains(
                "strong  availability: present in 100.0% of leads with an outcome but 0.0% of the 2089 without one"
            ),
            "{b}"
        );
        assert!(b.contains("wording: name says \"close\""), "{b}");
    }
    assert!(block(&err, "stop", "close_value").contains("strong  strength: alone reaches AUC 0.97"), "{err}");
    assert!(
        err.contains("2 column(s) look recorded during or after contact: \"close_date\", \"close_value\""),
        "{err}"
    );
    assert!(!dir.path().join("m.json").exists());
}

/// SplitMix64's finaliser: a well-mixed hash of `z`.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A bank-marketing-like history: the call's duration is known only after the call and
/// drives the outcome; age, balance, campaign and job are known before it.
fn bank_like(n: usize) -> String {
    let mut s = String::from("client,age,job,balance,campaign,duration,y\n");
    for i in 0..n {
        let h = |k: u64| mix(i as u64 * 16 + k) % 1000;
        let age = 20 + h(1) % 50;
        let job = ["admin", "technician", "services", "management", "retired"][(h(2) % 5) as usize];
        let balance = h(3) * 3;
        let campaign = 1 + h(4) % 6;
        let subscribed = h(5) < 120 + (age > 60) as u64 * 80;
        let duration = if subscribed { 250 + h(6) % 600 } else { 40 + h(6) % 380 };
        s.push_str(&format!(
            "C{i},{age},{job},{balance},{campaign},{duration},{}\n",
            if subscribed { "yes" } else { "no" }
        ));
    }
    s
}

#[test]
fn a_calls_duration_stops_training() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bank.csv"), bank_like(3000)).unwrap();
    let base =
        ["train", "--data", "bank.csv", "--target", "y", "--positive", "yes", "--id", "client", "--out", "m.json"];
    let o = run(dir.path(), &base);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let b = block(&err, "stop", "duration");
    assert!(b.contains("wording: name says \"duration\""), "{b}");
    assert!(b.contains("strength: alone reaches AUC"), "{b}");
    assert!(b.contains("medium  dominance: "), "{b}");
    let o = run(dir.path(), &[&base[..], &["--exclude", "duration"]].concat());
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn a_column_filled_in_as_leads_are_worked_drifts_between_old_and_new_leads() {
    // "stage_note" matches the outcome on the older half of history and is noise on the newer.
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("id,created,visits,source,region,band,worked,converted\n");
    for i in 0..1200 {
        let conv = (i * 7919) % 10 < 3;
        let old = i < 600;
        let worked = if old {
            if conv {
                "a"
            } else {
                "b"
            }
        } else {
            ["a", "b"][(i * 31) % 2]
        };
        let day = 1 + i / 50;
        s.push_str(&format!(
            "L{i},2025-{:02}-{:02},{},{},{},{},{worked},{}\n",
            1 + day / 28,
            1 + day % 28,
            (i % 9) + conv as usize * 2,
            ["web", "ads", "referral"][i % 3],
            ["n", "s", "e", "w"][i % 4],
            i % 5,
            conv as u8
        ));
    }
    fs::write(dir.path().join("h.csv"), s).unwrap();
    let args = ["train", "--data", "h.csv", "--target", "converted", "--id", "id", "--date-column", "created"];
    let o = run(dir.path(), &[&args[..], &["--out", "m.json"]].concat());
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let b = block(&err, "stop", "worked");
    assert!(b.contains("strong  drift: alone AUC 1.000 on the older half of leads by \"created\" but 0.6"), "{b}");
}
