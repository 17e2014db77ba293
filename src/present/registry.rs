//! Text of `leadscore models`: the bundle list, the alias history and the gate's verdict.

use crate::registry::{Action, Entry, GateVerdict, Listed};

/// `models list`: one line per file.
pub fn render_list(files: &[Listed]) -> String {
    let mut s = format!(
        "{:<12} {:<20} {:<20} {:>8} {:<9} {:>7}  {:<20} {}\n",
        "model_id", "name", "trained", "rows", "primary", "AUC", "aliases", "file"
    );
    for f in files {
        match &f.bundle {
            Ok(b) => {
                let e = b.primary_entry();
                s.push_str(&format!(
                    "{:<12} {:<20} {:<20} {:>8} {:<9} {:>7.4}  {:<20} {}\n",
                    &b.checksum[..12.min(b.checksum.len())],
                    b.name,
                    b.training.trained_at,
                    b.training.labelled_rows,
                    b.primary.as_str(),
                    e.evaluation.auc,
                    if f.aliases.is_empty() { "-".to_string() } else { f.aliases.join(",") },
                    f.path.display()
                ));
            }
            Err(why) => s.push_str(&format!("{:<12} not a bundle: {why} ({})\n", "-", f.path.display())),
        }
    }
    if files.is_empty() {
        s.push_str("(no bundles: train one with `leadscore train`)\n");
    }
    s
}

/// One history entry in a line (plus its gate checks and note, indented).
pub fn render_entry(e: &Entry) -> String {
    let what = match e.action {
        Action::Promote => format!(
            "promote {} ({}) to {}{}",
            e.bundle.short(),
            e.bundle.name,
            e.alias.as_deref().unwrap_or("?"),
            e.from.as_ref().map_or(String::new(), |f| format!(", replacing {} ({})", f.short(), f.name))
        ),
        Action::Revert => format!(
            "revert {} to {} ({}){}",
            e.alias.as_deref().unwrap_or("?"),
            e.bundle.short(),
            e.bundle.name,
            e.from.as_ref().map_or(String::new(), |f| format!(", retiring {} ({})", f.short(), f.name))
        ),
        Action::Compare => format!(
            "compare challenger {} ({}) with champion {}",
            e.bundle.short(),
            e.bundle.name,
            e.from.as_ref().map_or("?".to_string(), |f| format!("{} ({})", f.short(), f.name))
        ),
    };
    let mut s = format!("#{:<3} {}  {:<8} {what}\n", e.seq, e.at, e.by);
    match (&e.gate, e.gate_entry, e.forced) {
        (_, _, true) => s.push_str("     gate: FORCED without a passing comparison\n"),
        (Some(g), Some(seq), _) => s.push_str(&format!("     gate: comparison #{seq}: {}\n", g.verdict)),
        (Some(g), None, _) => {
            s.push_str(&format!(
                "     on {} ({} leads neither model saw, {} converted): {}\n",
                g.data_file, g.leads, g.conversions, g.verdict
            ));
        }
        (None, _, _) if e.action == Action::Promote && e.alias.as_deref() == Some("champion") && e.from.is_none() => {
            s.push_str("     gate: first champion (no model to compare with)\n")
        }
        _ => {}
    }
    if let Some(n) = &e.note {
        s.push_str(&format!("     note: {n}\n"));
    }
    s
}

/// `models history`.
pub fn render_history(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "(the registry has no history yet: `leadscore models promote BUNDLE --as champion`)\n".into();
    }
    entries.iter().map(render_entry).collect()
}

impl GateVerdict {
    /// The comparison table, the checks and the verdict.
    pub fn render(&self) -> String {
        let (a, b) = (&self.champion, &self.challenger);
        let mut s = format!("{:<28} {:>22} {:>22}\n", "", "champion", "challenger");
        let row = |name: &str, x: String, y: String| format!("{name:<28} {x:>22} {y:>22}\n");
        s.push_str(&row("model", a.name.clone(), b.name.clone()));
        let ci = |v: f64, c: [f64; 2]| format!("{v:.4} ({:.4}-{:.4})", c[0], c[1]);
        s.push_str(&row("AUC (95% interval)", ci(a.auc, a.auc_ci), ci(b.auc, b.auc_ci)));
        s.push_str(&row("log loss", format!("{:.4}", a.log_loss), format!("{:.4}", b.log_loss)));
        s.push_str(&row("Brier", format!("{:.4}", a.brier), format!("{:.4}", b.brier)));
        s.push_str(&row("ECE (10 bins)", format!("{:.4}", a.ece), format!("{:.4}", b.ece)));
        if let (Some(k), Some(x), Some(y)) = (self.capacity, a.converted_at_capacity, b.converted_at_capacity) {
            s.push_str(&row(&format!("converted in the top {k}"), format!("{x:.1}"), format!("{y:.1}")));
        }
        s.push_str(&format!(
            "AUC difference (challenger - champion): {:+.4}, 95% interval {:+.4} to {:+.4} (paired DeLong, {})\n",
            self.auc_diff,
            self.auc_diff_ci[0],
            self.auc_diff_ci[1],
            crate::evaluation::compare::fmt_p(self.p_value)
        ));
        s.push_str("\nthe gate's rule (see `leadscore models compare --help`):\n");
        for c in &self.checks {
            s.push_str(&format!("  [{}] {}\n", if c.passed { "pass" } else { "FAIL" }, c.what));
        }
        s.push_str(&format!("verdict: {}\n", self.verdict));
        s
    }
}
