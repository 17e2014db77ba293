//! The text `leadscore momentum` prints: heating-up and cooling-down lists.

use crate::accounts::momentum::{Momentum, MomentumReport};

fn lines(title: &str, list: &[&Momentum], top: usize) -> String {
    let mut s = format!("{title} ({}):\n", list.len());
    for m in list.iter().take(top) {
        let pts = match (m.points_now, m.points_before) {
            (Some(a), Some(b)) => format!("; points {b:.1} -> {a:.1}"),
            _ => String::new(),
        };
        s.push_str(&format!(
            "  {:<24} {:.3} -> {:.3} ({:+.1} pp){pts}\n",
            m.key.chars().take(24).collect::<String>(),
            m.score_before,
            m.score_now,
            100.0 * m.change
        ));
    }
    s
}

/// The momentum report as text.
pub fn render_momentum(r: &MomentumReport, top: usize) -> String {
    let mut s = format!(
        "momentum as of {}: this week {} run(s), the prior three weeks {} run(s); {} leads in both, {} new, {} gone\n",
        r.as_of,
        r.runs_now,
        r.runs_before,
        r.leads.len(),
        r.new_leads,
        r.gone_leads
    );
    let t = r.min_change;
    s.push_str(&lines(
        &format!("leads heating up (+{:.0} pp or more)", 100.0 * t),
        &MomentumReport::heating(&r.leads, t),
        top,
    ));
    s.push_str(&lines(
        &format!("leads cooling down (-{:.0} pp or more)", 100.0 * t),
        &MomentumReport::cooling(&r.leads, t),
        top,
    ));
    if !r.accounts.is_empty() {
        s.push_str(&lines(
            "accounts heating up (P at least one converts)",
            &MomentumReport::heating(&r.accounts, t),
            top,
        ));
        s.push_str(&lines("accounts cooling down", &MomentumReport::cooling(&r.accounts, t), top));
    }
    s
}
