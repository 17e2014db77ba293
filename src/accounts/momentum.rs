//! Momentum from the score ledger: is a lead (or an account) heating up or cooling down?
//!
//! Windows, by the runs' as-of dates relative to the as-of date `d`: *this week* is
//! `(d - 7, d]`, the *prior three weeks* `(d - 28, d - 7]`. Per lead: `score_now` = the mean of
//! its probabilities over this week's runs, `score_before` = the mean over the prior weeks'
//! runs, `change` = `score_now - score_before`; the same for the rules' points (the ledger's
//! `rule_score`, its engagement-driven score) when recorded. A lead needs a score in both
//! windows to have a change (others are counted as new or gone). Per account (with a lead →
//! account map: one for every run, or each run's own, as the ledger recorded it): per run, the account's P(at least one converts) over its leads scored in
//! that run, then the same two means. *Heating up*: change at or above `min_change`, largest
//! first; *cooling down*: at or below `-min_change`, largest fall first.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

/// One run's scores: its as-of date and per lead (probability, rule score).
#[derive(Debug, Clone, PartialEq)]
pub struct RunScores {
    /// The night.
    pub as_of: NaiveDate,
    /// Lead id → (probability, rule score).
    pub leads: Vec<(String, Option<f64>, Option<f64>)>,
    /// Lead id → account in this run (the account column the ledger recorded; empty when
    /// not recorded or when one map serves every run).
    pub accounts: HashMap<String, String>,
}

/// One lead's or account's momentum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Momentum {
    /// The lead id or the account.
    pub key: String,
    /// Mean probability this week.
    pub score_now: f64,
    /// Mean probability in the prior three weeks.
    pub score_before: f64,
    /// `score_now - score_before`.
    pub change: f64,
    /// Mean rule score this week and before, when recorded.
    pub points_now: Option<f64>,
    /// Mean rule score in the prior three weeks.
    pub points_before: Option<f64>,
}

/// Momentum over the ledger.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MomentumReport {
    /// The as-of date.
    pub as_of: String,
    /// Runs in this week's window.
    pub runs_now: usize,
    /// Runs in the prior three weeks.
    pub runs_before: usize,
    /// Every lead with both windows, by change, largest first.
    pub leads: Vec<Momentum>,
    /// Leads scored only this week.
    pub new_leads: usize,
    /// Leads scored only before.
    pub gone_leads: usize,
    /// Every account with both windows (with a lead → account map), by change.
    pub accounts: Vec<Momentum>,
    /// The threshold for heating up / cooling down.
    pub min_change: f64,
}

impl MomentumReport {
    /// Leads (or accounts) whose change is at least `min_change`, largest first.
    pub fn heating(list: &[Momentum], min_change: f64) -> Vec<&Momentum> {
        list.iter().filter(|m| m.change >= min_change).collect()
    }

    /// Those whose change is at most `-min_change`, largest fall first.
    pub fn cooling(list: &[Momentum], min_change: f64) -> Vec<&Momentum> {
        let mut v: Vec<&Momentum> = list.iter().filter(|m| m.change <= -min_change).collect();
        v.reverse();
        v
    }
}

#[derive(Default)]
struct Sums {
    now: (f64, usize),
    before: (f64, usize),
    points_now: (f64, usize),
    points_before: (f64, usize),
}

fn mean((s, n): (f64, usize)) -> Option<f64> {
    (n > 0).then(|| s / n as f64)
}

fn finish(sums: BTreeMap<String, Sums>) -> (Vec<Momentum>, usize, usize) {
    let (mut new, mut gone) = (0, 0);
    let mut out = Vec::new();
    for (key, s) in sums {
        match (mean(s.now), mean(s.before)) {
            (Some(now), Some(before)) => out.push(Momentum {
                key,
                score_now: now,
                score_before: before,
                change: now - before,
                points_now: mean(s.points_now),
                points_before: mean(s.points_before),
            }),
            (Some(_), None) => new += 1,
            _ => gone += 1,
        }
    }
    out.sort_by(|a, b| b.change.total_cmp(&a.change).then(a.key.cmp(&b.key)));
    (out, new, gone)
}

/// Momentum at `as_of` over `runs`; `accounts` maps lead ids to accounts for every run (an
/// override: when empty, each run's own [`RunScores::accounts`] is used; both empty: leads
/// only).
pub fn momentum(
    as_of: NaiveDate,
    runs: &[RunScores],
    accounts: &HashMap<String, String>,
    min_change: f64,
) -> MomentumReport {
    let week = |d: NaiveDate| -> Option<bool> {
        let age = (as_of - d).num_days();
        match age {
            0..=6 => Some(true),
            7..=27 => Some(false),
            _ => None,
        }
    };
    let mut leads: BTreeMap<String, Sums> = BTreeMap::new();
    let mut accts: BTreeMap<String, Sums> = BTreeMap::new();
    let (mut runs_now, mut runs_before) = (0, 0);
    for run in runs {
        let Some(now) = week(run.as_of) else { continue };
        if now {
            runs_now += 1;
        } else {
            runs_before += 1;
        }
        let map = if accounts.is_empty() { &run.accounts } else { accounts };
        let mut survive: BTreeMap<&str, f64> = BTreeMap::new();
        for (id, p, points) in &run.leads {
            let s = leads.entry(id.clone()).or_default();
            let add = |acc: &mut (f64, usize), x: f64| {
                acc.0 += x;
                acc.1 += 1;
            };
            if let Some(p) = p {
                add(if now { &mut s.now } else { &mut s.before }, *p);
                if let Some(a) = map.get(id) {
                    *survive.entry(a.as_str()).or_insert(1.0) *= 1.0 - p;
                }
            }
            if let Some(x) = points {
                add(if now { &mut s.points_now } else { &mut s.points_before }, *x);
            }
        }
        for (a, q) in survive {
            let s = accts.entry(a.to_string()).or_default();
            let w = if now { &mut s.now } else { &mut s.before };
            w.0 += 1.0 - q;
            w.1 += 1;
        }
    }
    let (leads, new_leads, gone_leads) = finish(leads);
    let (accounts, _, _) = finish(accts);
    MomentumReport {
        as_of: as_of.to_string(),
        runs_now,
        runs_before,
        leads,
        new_leads,
        gone_leads,
        accounts,
        min_change,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn windows_means_and_account_p_any_match_hand_computed_values() {
        let run = |date: &str, leads: &[(&str, f64)]| RunScores {
            as_of: d(date),
            leads: leads.iter().map(|(id, p)| (id.to_string(), Some(*p), Some(100.0 * p))).collect(),
            accounts: HashMap::new(),
        };
        let runs = vec![
            run("2026-05-01", &[("a", 0.9)]), // 30 days before: outside both windows
            run("2026-06-05", &[("a", 0.2), ("b", 0.6)]),
            run("2026-06-15", &[("a", 0.4), ("b", 0.5), ("gone", 0.1)]),
            run("2026-06-25", &[("a", 0.7), ("b", 0.3), ("new", 0.5)]),
            run("2026-06-30", &[("a", 0.8), ("b", 0.3)]),
        ];
        let accounts: HashMap<String, String> =
            [("a", "Acme"), ("b", "Acme")].iter().map(|(l, a)| (l.to_string(), a.to_string())).collect();
        let r = momentum(d("2026-06-30"), &runs, &accounts, 0.1);
        assert_eq!((r.runs_now, r.runs_before, r.new_leads, r.gone_leads), (2, 2, 1, 1));
        // a: now (0.7 + 0.8) / 2 = 0.75, before (0.2 + 0.4) / 2 = 0.3, change +0.45.
        let a = &r.leads[0];
        assert_eq!(a.key, "a");
        assert!((a.score_now - 0.75).abs() < 1e-12 && (a.score_before - 0.3).abs() < 1e-12);
        assert!((a.points_now.unwrap() - 75.0).abs() < 1e-9);
        // b: now 0.3, before 0.55, change -0.25.
        let b = &r.leads[1];
        assert!((b.change + 0.25).abs() < 1e-12);
        // Acme per run: 1 - (1 - pa)(1 - pb): 06-05 0.68, 06-15 0.7, 06-25 0.79, 06-30 0.86;
        // now (0.79 + 0.86) / 2 = 0.825, before (0.68 + 0.7) / 2 = 0.69.
        let acme = &r.accounts[0];
        assert!((acme.score_now - 0.825).abs() < 1e-12 && (acme.score_before - 0.69).abs() < 1e-12, "{acme:?}");
        assert_eq!(MomentumReport::heating(&r.leads, 0.1).iter().map(|m| m.key.as_str()).collect::<Vec<_>>(), ["a"]);
        assert_eq!(MomentumReport::cooling(&r.leads, 0.1).iter().map(|m| m.key.as_str()).collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn each_run_s_own_accounts_are_used_unless_one_map_overrides_them() {
        let run = |date: &str, leads: &[(&str, f64, &str)]| RunScores {
            as_of: d(date),
            leads: leads.iter().map(|(id, p, _)| (id.to_string(), Some(*p), None)).collect(),
            accounts: leads.iter().map(|(id, _, a)| (id.to_string(), a.to_string())).collect(),
        };
        // Lead b moves from Beta to Acme this week.
        let runs = vec![
            run("2026-06-15", &[("a", 0.5, "Acme"), ("b", 0.5, "Beta")]),
            run("2026-06-30", &[("a", 0.5, "Acme"), ("b", 0.5, "Acme")]),
        ];
        let r = momentum(d("2026-06-30"), &runs, &HashMap::new(), 0.1);
        // Acme: before 0.5 (a alone), now 1 - 0.5 * 0.5 = 0.75; Beta has no score this week.
        let acme = r.accounts.iter().find(|m| m.key == "Acme").unwrap();
        assert!((acme.score_before - 0.5).abs() < 1e-12 && (acme.score_now - 0.75).abs() < 1e-12, "{acme:?}");
        assert!(r.accounts.iter().all(|m| m.key != "Beta"));
        // One map for every run: Acme holds both leads in both weeks, no change.
        let one: HashMap<String, String> =
            [("a", "Acme"), ("b", "Acme")].iter().map(|(l, a)| (l.to_string(), a.to_string())).collect();
        let r = momentum(d("2026-06-30"), &runs, &one, 0.1);
        assert!(r.accounts[0].change.abs() < 1e-12, "{:?}", r.accounts);
    }
}
