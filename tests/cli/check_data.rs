//! CLI tests of `leadscore check-data`: every planted defect of the generated contacts is
//! found at its row with exactly its flags, no clean row is flagged, and the spellings.

use crate::common::*;
use std::collections::BTreeMap;
use std::fs;

#[test]
fn finds_every_planted_defect_at_its_row_and_flags_no_clean_row() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &["generate", "--out-dir", "data", "--history-rows", "50", "--open-rows", "10", "--contacts", "600"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(
        dir.path(),
        &["check-data", "data/contacts.csv", "--id", "contact_id", "--out", "clean.csv", "--report", "hygiene.json"],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "problems found: exit 1\n{out}\n{err}");
    let (_, defects) = read_csv(&dir.path().join("data/contacts_defects.csv"));
    assert_eq!(defects.len(), 46, "rows 7, 20, ... 592");
    let planted: BTreeMap<usize, &str> = defects.iter().map(|d| (d[0].parse().unwrap(), d[3].as_str())).collect();
    let (header, rows) = read_csv(&dir.path().join("clean.csv"));
    assert_eq!(header.last().unwrap(), "hygiene_flags");
    assert_eq!(rows.len(), 600);
    for (i, r) in rows.iter().enumerate() {
        let want = planted.get(&(i + 1)).copied().unwrap_or("");
        assert_eq!(r.last().unwrap(), want, "row {}: {r:?}", i + 1);
    }
    // Duplicates point at the row they copy.
    assert!(out.contains("row 7: JAMES.SMITH.2+web@globex.com (as row 2)"), "{out}");
    assert!(out.contains("duplicate_name_company        5 rows"), "{out}");
    // The misspelt industry, first at its planted row.
    assert!(out.contains("industry: \"Sofware\" (5 rows in data/contacts.csv, first at row 111) looks like a misspelling of \"software\""), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("hygiene.json")).unwrap()).unwrap();
    assert_eq!(json["flagged_rows"], 41);
    assert_eq!(json["counts"]["keyboard_mash"]["rows"], 5);
}

#[test]
fn spellings_across_joined_tables_and_a_clean_file_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("deals.csv"), "id,product,stage\n1,GTXPro,Won\n2,GTXPro,Lost\n3,MG Special,Won\n")
        .unwrap();
    fs::write(dir.path().join("products.csv"), "product,price\nGTX Pro,4821\nMG Special,55\n").unwrap();
    let o = run(dir.path(), &["check-data", "deals.csv", "--id", "id", "--join", "products.csv"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("product: \"GTXPro\" (2 rows in deals.csv, first at row 1) vs \"GTX Pro\" (1 rows in products.csv, first at row 1)"), "{out}");
    let o = run(dir.path(), &["check-data", "products.csv"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("0 rows flagged") && out.contains("no value spelt two ways"), "{out}");
    let o = run(dir.path(), &["check-data", "deals.csv", "--email", "mail"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("deals.csv: column \"mail\" not found"), "{:?}", text(&o));
}
