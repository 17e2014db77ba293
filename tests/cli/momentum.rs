//! CLI tests of `leadscore momentum`: this week against the prior three weeks of the ledger,
//! per lead and per account, checked against the scores of the runs by hand.

use crate::common::*;
use std::collections::HashMap;

#[test]
fn momentum_per_lead_and_account_matches_the_runs_scores() {
    let dir = sample_dir();
    train_sample(dir.path());
    let d = dir.path();
    // This week the first 40 leads requested a demo: their probability rises.
    write_with_cells(&d.join("data/open_leads.csv"), &d.join("hot.csv"), "demo_requested", |i| i <= 40, "Yes");
    let mut p: Vec<HashMap<String, f64>> = Vec::new();
    for (as_of, data) in [
        ("2026-06-05", "data/open_leads.csv"),
        ("2026-06-15", "data/open_leads.csv"),
        ("2026-06-25", "hot.csv"),
        ("2026-06-30", "hot.csv"),
        ("2026-05-20", "hot.csv"),
    ] {
        let out = format!("s-{as_of}.csv");
        let o = run(
            d,
            &[
                "score",
                "--model",
                "models/m.json",
                "--data",
                data,
                "--out",
                &out,
                "--ledger",
                "l.db",
                "--as-of",
                as_of,
                "--precision",
                "17",
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{:?}", text(&o));
        let (_, rows) = read_csv(&d.join(&out));
        p.push(rows.iter().map(|r| (r[0].clone(), r[1].parse().unwrap())).collect());
    }
    // Accounts: "Hot" holds three leads whose probability rose most (after the top three, so
    // P(at least one) is not near 1), "Steady" leads 41-43 (unchanged).
    let (_, rows) = read_csv(&d.join("data/open_leads.csv"));
    let mut by_rise: Vec<usize> = (0..rows.len()).collect();
    by_rise
        .sort_by(|&a, &b| (p[2][&rows[b][0]] - p[0][&rows[b][0]]).total_cmp(&(p[2][&rows[a][0]] - p[0][&rows[a][0]])));
    let hot_acc = [by_rise[3], by_rise[4], by_rise[5]];
    let map: String = std::iter::once("lead_id,account\n".to_string())
        .chain(hot_acc.iter().map(|&i| format!("{},Hot\n", rows[i][0])))
        .chain([40usize, 41, 42].iter().map(|&i| format!("{},Steady\n", rows[i][0])))
        .collect();
    std::fs::write(d.join("acc.csv"), map).unwrap();
    let o = run(
        d,
        &[
            "momentum",
            "--ledger",
            "l.db",
            "--as-of",
            "2026-06-30",
            "--accounts",
            "acc.csv",
            "--by",
            "account",
            "--out",
            "m.csv",
            "--min-change",
            "0.02",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    // The 05-20 run is 41 days before: outside both windows.
    assert!(
        out.contains("this week 2 run(s), the prior three weeks 2 run(s); 200 leads in both, 0 new, 0 gone"),
        "{out}"
    );
    let (header, m) = read_csv(&d.join("m.csv"));
    assert_eq!(header, ["lead_id", "score_before", "score_now", "change", "points_before", "points_now"]);
    for r in &m {
        let id = &r[0];
        let before = (p[0][id] + p[1][id]) / 2.0;
        let now = (p[2][id] + p[3][id]) / 2.0;
        assert!((r[1].parse::<f64>().unwrap() - before).abs() < 1e-9, "{r:?}");
        assert!((r[2].parse::<f64>().unwrap() - now).abs() < 1e-9, "{r:?}");
    }
    // Ordered by change; the leads that requested a demo come first.
    let first: Vec<&str> = m.iter().take(5).map(|r| r[0].as_str()).collect();
    let hot: Vec<&str> = rows.iter().take(40).map(|r| r[0].as_str()).collect();
    assert!(first.iter().all(|id| hot.contains(id)), "{first:?}");
    // Account "Hot": per run 1 - prod(1 - p_i) over its leads, then the means.
    let p_any = |run: &HashMap<String, f64>| 1.0 - hot_acc.iter().map(|&i| 1.0 - run[&rows[i][0]]).product::<f64>();
    let now = (p_any(&p[2]) + p_any(&p[3])) / 2.0;
    let before = (p_any(&p[0]) + p_any(&p[1])) / 2.0;
    let line = format!("  Hot                      {before:.3} -> {now:.3} ({:+.1} pp)", 100.0 * (now - before));
    let accounts_part = &out[out.find("accounts heating up").unwrap()..];
    assert!(accounts_part.contains(&line), "{line}\n{out}");
    assert!(!accounts_part.contains("Steady"), "unchanged leads, no change: {out}");
    assert!(out.contains("leads heating up (+2 pp or more)"), "{out}");

    let o = run(d, &["momentum", "--ledger", "none.db"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
}
