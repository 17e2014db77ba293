//! The report `leadscore check-data` prints: flags with counts and example rows, then values
//! spelt several ways.

use crate::hygiene::HygieneReport;

/// The hygiene report as text.
pub fn render_hygiene(r: &HygieneReport) -> String {
    let c = &r.columns;
    let mut s = format!(
        "checked {} rows of {}: {} rows flagged\ncolumns read: e-mail {}, names {}, company {}, phone {}\n",
        r.rows,
        r.file,
        r.flagged_rows,
        c.email.as_deref().unwrap_or("(none)"),
        if c.names.is_empty() { "(none)".to_string() } else { c.names.join(" + ") },
        c.company.as_deref().unwrap_or("(none)"),
        c.phone.as_deref().unwrap_or("(none)")
    );
    for (flag, n) in &r.counts {
        let ex: Vec<String> = n.examples.iter().map(|(row, v)| format!("row {row}: {v}")).collect();
        s.push_str(&format!("  {flag:<24} {:>6} rows   e.g. {}\n", n.rows, ex.join("; ")));
    }
    if r.spellings.is_empty() {
        s.push_str("no value spelt two ways\n");
    } else {
        s.push_str("values spelt several ways:\n");
        for g in &r.spellings {
            let sp: Vec<String> = g
                .spellings
                .iter()
                .map(|(f, v, n, first)| format!("\"{v}\" ({n} rows in {f}, first at row {first})"))
                .collect();
            match &g.suggestion {
                Some(w) => {
                    s.push_str(&format!("  {}: {} looks like a misspelling of \"{w}\"\n", g.column, sp.join(", ")))
                }
                None => s.push_str(&format!("  {}: {}\n", g.column, sp.join(" vs "))),
            }
        }
    }
    s
}
