//! The text `leadscore rollup` prints: the accounts to call first, what was left out, and
//! the totals per currency; and the roll-up's HTML section.

use std::collections::BTreeMap;

use super::html::escape;
use super::money::money;
use crate::accounts::rollup::{AccountRow, Rollup};

fn shares(r: &AccountRow) -> String {
    r.contributions.iter().map(|(id, s)| format!("{id} {:.0}%", 100.0 * s)).collect::<Vec<_>>().join("; ")
}

/// The summary: counts, the top `top` accounts, unassigned contacts, totals per currency.
pub fn render_rollup(r: &Rollup, top: usize) -> String {
    let mut s = format!(
        "rolled up {} contacts into {} accounts by \"{}\"{}\n",
        r.contacts,
        r.accounts.len(),
        r.by,
        if r.duplicate_contacts > 0 {
            format!(" ({} repeated contact ids: each kept once, with its highest probability)", r.duplicate_contacts)
        } else {
            String::new()
        }
    );
    let mut grades: BTreeMap<char, usize> = BTreeMap::new();
    for a in &r.accounts {
        *grades.entry(a.grade).or_default() += 1;
    }
    s.push_str(&format!(
        "account grades: {}\n",
        grades.iter().map(|(g, n)| format!("{g} {n}")).collect::<Vec<_>>().join(", ")
    ));
    let by = if r.with_value { "expected value" } else { "P(at least one converts)" };
    s.push_str(&format!("accounts to call first (by {by}):\n"));
    s.push_str("  rank  account                   grade contacts  p_any  exp.conv");
    if r.with_value {
        s.push_str("    expected value");
    }
    s.push_str("  best contact (p)\n");
    for a in r.accounts.iter().take(top) {
        let name: String = a.account.chars().take(24).collect();
        s.push_str(&format!(
            "  {:>4}  {:<24}  {:>5} {:>8}  {:>5.3}  {:>8.2}",
            a.rank, name, a.grade, a.contacts, a.p_any, a.expected_conversions
        ));
        if r.with_value {
            s.push_str(&format!("  {:>16}", money(a.expected_value.unwrap_or(0.0), &a.currency)));
        }
        s.push_str(&format!("  {} ({:.3})\n", a.best_contact, a.best_probability));
    }
    if let Some(g) = &r.buying_group {
        let qualified = r.accounts.iter().filter(|a| a.coverage.as_ref().is_some_and(|c| c.qualified)).count();
        s.push_str(&format!(
            "buying group: {} ({} personas)\n{}: {qualified} of {} accounts\n",
            g.personas.join(", "),
            g.personas.len(),
            g.gate_rule(),
            r.accounts.len()
        ));
        for a in r.accounts.iter().take(top) {
            if let Some(c) = &a.coverage {
                s.push_str(&format!(
                    "  {:<24} {}/{} engaged: {}; missing: {}{}\n",
                    a.account.chars().take(24).collect::<String>(),
                    c.engaged.len(),
                    g.personas.len(),
                    if c.engaged.is_empty() { "-".to_string() } else { c.engaged.join(", ") },
                    if c.missing.is_empty() { "-".to_string() } else { c.missing.join(", ") },
                    if c.qualified { "  [qualified]" } else { "" }
                ));
            }
        }
    }
    let u = &r.unassigned;
    if u.contacts > 0 {
        let ev: Vec<String> = u.expected_value.iter().map(|(c, v)| money(*v, c)).collect();
        s.push_str(&format!(
            "{} contacts have no \"{}\" (first at rows {}): in no account; their expected conversions {:.2}{}\n",
            u.contacts,
            r.by,
            u.first_rows.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", "),
            u.expected_conversions,
            if ev.is_empty() { String::new() } else { format!(", expected value {}", ev.join(", ")) }
        ));
    }
    if r.with_value {
        let mut totals: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for a in &r.accounts {
            let t = totals.entry(a.currency.as_str()).or_default();
            t.0 += a.pipeline_value.unwrap_or(0.0);
            t.1 += a.expected_value.unwrap_or(0.0);
        }
        for (c, (v, e)) in totals {
            s.push_str(&format!("accounts' pipeline value {}, expected value {}\n", money(v, c), money(e, c)));
        }
    }
    s
}

/// The roll-up as an HTML section (a heading and one table row per account).
pub fn rollup_section(r: &Rollup) -> String {
    let mut s = format!("<section id=\"rollup\"><h2>Accounts by {}</h2>\n<table>\n<tr><th>rank</th><th>{}</th><th>grade</th><th>contacts</th><th>P(at least one converts)</th><th>expected conversions</th>", escape(&r.by), escape(&r.by));
    if r.with_value {
        s.push_str("<th>expected value</th>");
    }
    s.push_str("<th>best contact</th><th>contributions</th></tr>\n");
    for a in &r.accounts {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.2}</td>",
            a.rank,
            escape(&a.account),
            a.grade,
            a.contacts,
            a.p_any,
            a.expected_conversions
        ));
        if r.with_value {
            s.push_str(&format!("<td>{}</td>", escape(&money(a.expected_value.unwrap_or(0.0), &a.currency))));
        }
        s.push_str(&format!(
            "<td>{} ({:.3})</td><td>{}</td></tr>\n",
            escape(&a.best_contact),
            a.best_probability,
            escape(&shares(a))
        ));
    }
    s.push_str("</table></section>\n");
    s
}

/// A self-contained page holding the roll-up section.
pub fn rollup_page(r: &Rollup, source: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>leadscore rollup</title><style>{}</style></head><body>\n<h1>Account roll-up</h1><p class=\"meta\">{}</p>\n{}</body></html>\n",
        super::html::STYLE,
        escape(source),
        rollup_section(r)
    )
}
