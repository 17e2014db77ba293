//! The account roll-up: a company's numbers from the scores of its contacts (or deals).
//!
//! Formulas, per account (and per currency, when a currency column is given: money is never
//! added across currencies, so an account with deals in two currencies has a row for each),
//! over its distinct contacts `i` (a contact id seen twice keeps its highest probability):
//!
//! - `p_any` = P(at least one converts) = `1 - prod(1 - p_i)`, treating the contacts as
//!   independent (contacts of one company are not, so read it as an upper-side summary);
//! - `expected_conversions` = `sum p_i`;
//! - `pipeline_value` = `sum v_i` and `expected_value` = `sum p_i * v_i` over contacts with
//!   a value (blank values are counted in `contacts_without_value`);
//! - `best_contact`: the contact with the highest `p_i` (first in the file on a tie), with
//!   its probability and reasons;
//! - `engaged_contacts`: contacts whose rules engagement score is above 0 (when the scored
//!   file has `engagement_score`);
//! - `contributions`: each contact's share of `p_any`. `-ln(1 - p_any) = sum -ln(1 - p_i)`
//!   exactly, so contact `i`'s share is `-ln(1 - p_i) / sum_j -ln(1 - p_j)`: shares add to
//!   100%, a contact with `p_i = 0` has none, and contacts with `p_i = 1` share it all
//!   equally. Listed largest first as `id 62%; id 30%` (at most [`CONTRIBUTIONS_SHOWN`]);
//! - `account_grade`: accounts ranked by `expected_value` (with values) or else `p_any`,
//!   highest first; A = the top 10% of accounts (at least one), B = up to 30%, C = up to
//!   60%, D = the rest (`ceil(share x accounts)` accounts each); tied accounts share the
//!   better grade.
//!
//! - with a buying group ([`super::buying_group`]): which of its personas the account's
//!   engaged contacts cover, and whether the account passes the qualified-account gate.
//!
//! Contacts with a blank account are not dropped silently: [`Rollup::unassigned`] counts
//! them with their expected conversions, expected value and first rows.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

/// Most contacts named in an account's `contributions`.
pub const CONTRIBUTIONS_SHOWN: usize = 5;

/// One scored contact or deal.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Its id (the scored file's id column, or its row).
    pub id: String,
    /// 1-based data row in the scored file.
    pub row: usize,
    /// P(converted).
    pub p: f64,
    /// Its value, when known.
    pub value: Option<f64>,
    /// Its currency ([`super::value::ONE_CURRENCY`] without a currency column).
    pub currency: String,
    /// Its reasons, as the scored file has them.
    pub reasons: String,
    /// Engaged (rules engagement score above 0), when the file says.
    pub engaged: Option<bool>,
    /// The rules' persona, when scored with rules and one matched.
    pub persona: Option<String>,
    /// The rules' fit letter (A–D, the first of `rule_grade`), when scored with rules.
    pub fit: Option<char>,
    /// The rules' funnel stage, when scored with rules.
    pub stage: Option<String>,
}

/// One account's roll-up row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRow {
    /// The account.
    pub account: String,
    /// The currency of its money columns.
    pub currency: String,
    /// Distinct contacts.
    pub contacts: usize,
    /// `1 - prod(1 - p_i)`.
    pub p_any: f64,
    /// `sum p_i`.
    pub expected_conversions: f64,
    /// `sum v_i` (with values).
    pub pipeline_value: Option<f64>,
    /// `sum p_i v_i` (with values).
    pub expected_value: Option<f64>,
    /// Contacts with a blank value (with values).
    pub contacts_without_value: usize,
    /// The contact with the highest probability.
    pub best_contact: String,
    /// Its probability.
    pub best_probability: f64,
    /// Its reasons.
    pub best_reasons: String,
    /// Contacts with engagement above 0 (when the file has engagement).
    pub engaged_contacts: Option<usize>,
    /// Each contact's share of `p_any`, largest first: (id, share in 0..=1).
    pub contributions: Vec<(String, f64)>,
    /// Personas of its engaged contacts (all its contacts without engagement), with counts.
    pub personas: BTreeMap<String, usize>,
    /// Fit letters of its contacts.
    pub fits: Vec<char>,
    /// Stages of its contacts.
    pub stages: Vec<String>,
    /// Buying-group coverage, when a buying group is given ([`super::buying_group`]).
    pub coverage: Option<super::buying_group::Coverage>,
    /// A–D among the accounts.
    pub grade: char,
    /// 1 = the account to call first.
    pub rank: usize,
}

/// Contacts with a blank account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Unassigned {
    /// How many.
    pub contacts: usize,
    /// Their `sum p_i`.
    pub expected_conversions: f64,
    /// Their `sum p_i v_i`, per currency.
    pub expected_value: BTreeMap<String, f64>,
    /// Their first rows (at most 5).
    pub first_rows: Vec<usize>,
}

/// The whole roll-up.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rollup {
    /// The account column.
    pub by: String,
    /// Whether the money columns are filled.
    pub with_value: bool,
    /// Whether `engaged_contacts` is filled.
    pub with_engagement: bool,
    /// One row per account (and currency), best first.
    pub accounts: Vec<AccountRow>,
    /// Contacts without an account.
    pub unassigned: Unassigned,
    /// Contact ids seen more than once within an account (their highest probability kept).
    pub duplicate_contacts: usize,
    /// Contacts rolled up.
    pub contacts: usize,
    /// The buying group the coverage is measured against, when given.
    pub buying_group: Option<super::buying_group::BuyingGroup>,
}

/// Each contact's share of `p_any` (see the module docs), in the order given.
pub fn contributions(p: &[f64]) -> Vec<f64> {
    let certain = p.iter().filter(|&&x| x >= 1.0).count();
    if certain > 0 {
        return p.iter().map(|&x| if x >= 1.0 { 1.0 / certain as f64 } else { 0.0 }).collect();
    }
    let w: Vec<f64> = p.iter().map(|&x| -(1.0 - x.max(0.0)).ln()).collect();
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return vec![0.0; p.len()];
    }
    w.iter().map(|x| x / total).collect()
}

/// `1 - prod(1 - p_i)`.
pub fn p_any(p: &[f64]) -> f64 {
    1.0 - p.iter().map(|x| 1.0 - x).product::<f64>()
}

/// Grades for keys ranked best first (`keys` sorted descending): see the module docs.
pub fn account_grades(keys: &[f64]) -> Vec<char> {
    let n = keys.len();
    let upto = |share: f64| (share * n as f64).ceil() as usize;
    let (a, b, c) = (upto(0.1).max(1), upto(0.3), upto(0.6));
    let mut out: Vec<char> = (0..n)
        .map(|r| {
            if r < a {
                'A'
            } else if r < b {
                'B'
            } else if r < c {
                'C'
            } else {
                'D'
            }
        })
        .collect();
    for r in 1..n {
        if keys[r] == keys[r - 1] {
            out[r] = out[r - 1];
        }
    }
    out
}

fn account_row(account: &str, currency: &str, contacts: Vec<Contact>, with_value: bool) -> AccountRow {
    let p: Vec<f64> = contacts.iter().map(|c| c.p).collect();
    let best = contacts.iter().enumerate().fold(0, |b, (i, c)| if c.p > contacts[b].p { i } else { b });
    let shares = contributions(&p);
    let mut named: Vec<(String, f64)> = contacts.iter().zip(&shares).map(|(c, &s)| (c.id.clone(), s)).collect();
    named.sort_by(|a, b| b.1.total_cmp(&a.1));
    named.retain(|x| x.1 > 0.0);
    named.truncate(CONTRIBUTIONS_SHOWN);
    let valued: Vec<&Contact> = contacts.iter().filter(|c| c.value.is_some()).collect();
    let engaged = contacts.iter().map(|c| c.engaged).collect::<Option<Vec<bool>>>();
    let best_c = contacts[best].clone();
    AccountRow {
        account: account.to_string(),
        currency: currency.to_string(),
        contacts: contacts.len(),
        p_any: p_any(&p),
        // Folded from +0.0: `Iterator::sum` of no floats is -0.0, which would print as "-0".
        expected_conversions: p.iter().fold(0.0, |a, x| a + x),
        pipeline_value: with_value.then(|| valued.iter().fold(0.0, |a, c| a + c.value.unwrap_or(0.0))),
        expected_value: with_value.then(|| valued.iter().fold(0.0, |a, c| a + c.p * c.value.unwrap_or(0.0))),
        contacts_without_value: if with_value { contacts.len() - valued.len() } else { 0 },
        best_contact: best_c.id,
        best_probability: best_c.p,
        best_reasons: best_c.reasons,
        engaged_contacts: engaged.map(|e| e.iter().filter(|&&x| x).count()),
        contributions: named,
        personas: contacts.iter().filter(|c| c.engaged != Some(false)).filter_map(|c| c.persona.clone()).fold(
            BTreeMap::new(),
            |mut m, p| {
                *m.entry(p).or_default() += 1;
                m
            },
        ),
        fits: {
            let mut f: Vec<char> = contacts.iter().filter_map(|c| c.fit).collect();
            f.sort();
            f.dedup();
            f
        },
        stages: {
            let mut st: Vec<String> = contacts.iter().filter_map(|c| c.stage.clone()).collect();
            st.sort();
            st.dedup();
            st
        },
        coverage: None,
        grade: 'D',
        rank: 0,
    }
}

/// One account's contacts, and where each contact id is among them.
type AccountGroup = (Vec<Contact>, HashMap<String, usize>);

/// Rolls contacts up by account (`None`: a blank account). `with_value` fills the money
/// columns; engagement is filled when every contact says whether it is engaged.
pub fn roll_up(by: &str, contacts: Vec<(Option<String>, Contact)>, with_value: bool) -> Rollup {
    let mut out = Rollup { by: by.to_string(), with_value, contacts: contacts.len(), ..Rollup::default() };
    out.with_engagement = !contacts.is_empty() && contacts.iter().all(|(_, c)| c.engaged.is_some());
    // Accounts in order of first appearance; within one, distinct ids (highest p kept).
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: HashMap<(String, String), AccountGroup> = HashMap::new();
    for (account, c) in contacts {
        let Some(account) = account else {
            let u = &mut out.unassigned;
            u.contacts += 1;
            u.expected_conversions += c.p;
            if let Some(v) = c.value {
                *u.expected_value.entry(c.currency.clone()).or_default() += c.p * v;
            }
            if u.first_rows.len() < 5 {
                u.first_rows.push(c.row);
            }
            continue;
        };
        let key = (account, c.currency.clone());
        let g = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            (Vec::new(), HashMap::new())
        });
        match g.1.get(&c.id) {
            Some(&k) => {
                out.duplicate_contacts += 1;
                if c.p > g.0[k].p {
                    g.0[k] = c;
                }
            }
            None => {
                g.1.insert(c.id.clone(), g.0.len());
                g.0.push(c);
            }
        }
    }
    let mut rows: Vec<AccountRow> = order
        .into_iter()
        .map(|key| {
            let (contacts, _) = groups.remove(&key).expect("every key has a group");
            account_row(&key.0, &key.1, contacts, with_value)
        })
        .collect();
    let key = |r: &AccountRow| if with_value { r.expected_value.unwrap_or(0.0) } else { r.p_any };
    // Stable: equal keys keep the order accounts first appear in.
    rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
    let keys: Vec<f64> = rows.iter().map(key).collect();
    for (i, (r, g)) in rows.iter_mut().zip(account_grades(&keys)).enumerate() {
        r.grade = g;
        r.rank = i + 1;
    }
    out.accounts = rows;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, p: f64, value: Option<f64>) -> Contact {
        Contact {
            id: id.into(),
            row: 1,
            p,
            value,
            currency: "-".into(),
            reasons: format!("r{id}"),
            engaged: None,
            persona: None,
            fit: None,
            stage: None,
        }
    }

    #[test]
    fn formulas_match_hand_computed_values() {
        // Acme: p = 0.5, 0.2 -> p_any = 1 - 0.5 * 0.8 = 0.6; expected conversions 0.7;
        // values 1000, 500 -> pipeline 1500, expected value 500 + 100 = 600;
        // shares -ln(0.5) / (-ln(0.5) - ln(0.8)) = 0.693147 / 0.916291 = 0.756471 and 0.243529.
        // Beta: p = 0.9 (value blank) -> p_any 0.9, expected value 0, one contact without value.
        let r = roll_up(
            "account",
            vec![
                (Some("Acme".into()), c("a1", 0.5, Some(1000.0))),
                (Some("Beta".into()), c("b1", 0.9, None)),
                (Some("Acme".into()), c("a2", 0.2, Some(500.0))),
                (None, c("x", 0.4, Some(50.0))),
            ],
            true,
        );
        assert_eq!(r.accounts.len(), 2);
        let a = &r.accounts[0];
        assert_eq!((a.account.as_str(), a.rank, a.grade), ("Acme", 1, 'A'));
        assert!((a.p_any - 0.6).abs() < 1e-12);
        assert!((a.expected_conversions - 0.7).abs() < 1e-12);
        assert_eq!(a.pipeline_value, Some(1500.0));
        assert!((a.expected_value.unwrap() - 600.0).abs() < 1e-9);
        assert_eq!((a.best_contact.as_str(), a.best_probability, a.best_reasons.as_str()), ("a1", 0.5, "ra1"));
        assert_eq!(a.contributions[0].0, "a1");
        assert!((a.contributions[0].1 - 0.756471).abs() < 1e-6, "{:?}", a.contributions);
        assert!((a.contributions[1].1 - 0.243529).abs() < 1e-6);
        let b = &r.accounts[1];
        assert_eq!((b.account.as_str(), b.contacts_without_value, b.expected_value), ("Beta", 1, Some(0.0)));
        assert!((b.p_any - 0.9).abs() < 1e-12);
        assert_eq!(r.unassigned.contacts, 1);
        assert!((r.unassigned.expected_value["-"] - 20.0).abs() < 1e-12);
        assert_eq!(r.unassigned.first_rows, [1]);
    }

    #[test]
    fn duplicates_keep_the_highest_probability_and_currencies_stay_apart() {
        let mut eur = c("e", 0.5, Some(100.0));
        eur.currency = "EUR".into();
        let r = roll_up(
            "account",
            vec![
                (Some("Acme".into()), c("a1", 0.3, Some(10.0))),
                (Some("Acme".into()), c("a1", 0.6, Some(10.0))),
                (Some("Acme".into()), eur),
            ],
            true,
        );
        assert_eq!(r.duplicate_contacts, 1);
        assert_eq!(r.accounts.len(), 2, "one row per currency");
        let usd = r.accounts.iter().find(|a| a.currency == "-").unwrap();
        assert_eq!((usd.contacts, usd.best_probability), (1, 0.6));
        assert!((usd.expected_value.unwrap() - 6.0).abs() < 1e-12);
        let e = r.accounts.iter().find(|a| a.currency == "EUR").unwrap();
        assert!((e.expected_value.unwrap() - 50.0).abs() < 1e-12);
    }

    #[test]
    fn shares_grades_and_edge_probabilities() {
        assert_eq!(contributions(&[1.0, 0.5, 1.0]), [0.5, 0.0, 0.5]);
        assert_eq!(contributions(&[0.0, 0.0]), [0.0, 0.0]);
        assert_eq!(p_any(&[]), 0.0);
        // 10 accounts: A 1, B 2, C 3, D 4; 3 accounts: A 1, C 1, D 1 (ceil(0.9) = 1 for B).
        let g: String = account_grades(&[10., 9., 8., 7., 6., 5., 4., 3., 2., 1.]).into_iter().collect();
        assert_eq!(g, "ABBCCCDDDD");
        let g: String = account_grades(&[3., 2., 1.]).into_iter().collect();
        assert_eq!(g, "ACD");
        let g: String = account_grades(&[5., 5., 1.]).into_iter().collect();
        assert_eq!(g, "AAD", "ties share the better grade");
    }
}
