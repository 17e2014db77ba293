//! The run summary `leadscore score` prints.

use std::collections::BTreeMap;

use crate::score::ScoreSummary;

impl ScoreSummary {
    /// Human-readable summary.
    pub fn render(&self) -> String {
        let with =
            if self.model.is_empty() { "rules".to_string() } else { format!("{} ({})", self.model, self.primary) };
        let mut s = format!(
            "scored {} leads from {} with {} in {} batch(es) -> {}\n",
            self.leads, self.input, with, self.batches, self.output
        );
        if !self.model.is_empty() {
            s.push_str(&format!(
                "grades: {}; mean probability {:.3}\n",
                self.grades.iter().map(|(g, n)| format!("{g} {n}")).collect::<Vec<_>>().join(", "),
                self.mean_probability
            ));
        }
        if !self.segments.is_empty() {
            let by: Vec<String> = self.segments.iter().map(|(g, n)| format!("{g} {n}")).collect();
            s.push_str(&format!("segment models: {}\n", by.join(", ")));
        }
        if !self.unseen_segments.is_empty() {
            let n: usize = self.unseen_segments.values().sum();
            let mut top: Vec<(&String, &usize)> = self.unseen_segments.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let shown: Vec<String> = top.iter().take(5).map(|(v, k)| format!("{v:?} {k}")).collect();
            let more = if top.len() > 5 { ", ..." } else { "" };
            s.push_str(&format!(
                "segment values never seen in training, scored by the global model: {n} lead(s) ({}{more})\n",
                shown.join(", ")
            ));
        }
        if self.rejects > 0 {
            s.push_str(&format!("rejects: {} row(s) set aside (see the warning)\n", self.rejects));
        }
        if !self.missing_rate_moved.is_empty() {
            let moved: Vec<String> = self
                .missing_rate_moved
                .iter()
                .map(|m| format!("{} {:.0}% -> {:.0}%", m.column, 100.0 * m.training, 100.0 * m.tonight))
                .collect();
            s.push_str(&format!("missing rate moved from training (>= 20 points): {}\n", moved.join(", ")));
        }
        if let Some(sh) = &self.shadow {
            s.push_str(&format!(
                "shadow {} (model_id {}): grades {}; mean probability {:.3}; {} of {} leads graded differently (not in `probability`)\n",
                sh.model,
                sh.model_id,
                sh.grades.iter().map(|(g, n)| format!("{g} {n}")).collect::<Vec<_>>().join(", "),
                sh.mean_probability,
                sh.grade_changes,
                self.leads
            ));
        }
        if let Some(from) = &self.reused_from {
            s.push_str(&format!(
                "incremental: {} leads unchanged since {from} kept their stored score and reasons; {} scored\n",
                self.reused,
                self.leads - self.reused.min(self.leads)
            ));
        }
        if let Some(r) = &self.rules {
            let join =
                |m: &BTreeMap<String, usize>| m.iter().map(|(g, n)| format!("{g} {n}")).collect::<Vec<_>>().join(", ");
            let log = if r.activity_events > 0 {
                format!(" as of {} ({} activity events for {} leads)", r.as_of, r.activity_events, r.activity_leads)
            } else {
                String::new()
            };
            s.push_str(&format!(
                "rules {}{log}: mean rule score {:.1}; {}\nrule grades: {}\n",
                r.file,
                r.mean_score,
                join(&r.status),
                join(&r.grades)
            ));
        }
        if let Some(p) = &self.pipeline {
            s.push_str(&super::money::render_pipeline(p));
        }
        for j in &self.joins {
            s.push_str(&format!(
                "joined {} on \"{}\": {} of {} rows matched, {} without a key, {} unmatched\n",
                j.file, j.left_on, j.matched, j.rows, j.blank_key, j.unmatched
            ));
        }
        if !self.unseen_categories.is_empty() {
            s.push_str(&format!(
                "values never seen in training, scored as \"other\": {}\n",
                self.unseen_categories.iter().map(|(c, n)| self.unseen_column(c, *n)).collect::<Vec<_>>().join("; ")
            ));
        }
        s
    }

    /// `country: 5 ("Atlantis" 3, "Narnia" 2)`: leads, then the most frequent values.
    fn unseen_column(&self, column: &str, leads: usize) -> String {
        const SHOWN: usize = 3;
        let Some(levels) = self.unseen_values.get(column) else { return format!("{column}: {leads}") };
        let mut values: Vec<String> = levels.top(SHOWN).iter().map(|(v, n)| format!("{v:?} {n}")).collect();
        if levels.values.len() > SHOWN || levels.uncounted > 0 {
            values.push("...".to_string());
        }
        format!("{column}: {leads} ({})", values.join(", "))
    }
}
