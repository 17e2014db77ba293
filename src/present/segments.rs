//! The per-segment models in words: the `train` report's and `inspect`'s segments section.

use crate::bundle::segments::Segmentation;
use crate::bundle::Bundle;

/// The segments section of a bundle (empty for a bundle without segments): each segment
/// with its own models, its training leads, the primary model's hold-out AUC and log loss
/// beside the global model's on the same leads, its grade cut-offs; the segments scored by
/// the global model and why; the check on the whole hold-out and the decision.
pub fn segments_report(b: &Bundle) -> String {
    let Some(seg) = &b.segments else { return String::new() };
    let primary = b.models.iter().position(|m| m.model.kind() == b.primary).unwrap_or(0);
    let min = seg.min_outcomes;
    let mut s = format!(
        "\nsegments by \"{}\" ({} with their own models; a segment needs {min} converted and {min} dead training leads):\n",
        seg.column,
        seg.segments.len()
    );
    if !seg.segments.is_empty() {
        s.push_str(&format!(
            "  {:<24} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}   grades (own cut-offs)\n",
            "segment", "train", "converted", "AUC own", "global", "logloss", "global"
        ));
    }
    for g in &seg.segments {
        let own = &g.evaluations[primary];
        s.push_str(&format!(
            "  {:<24} {:>8} {:>9} {:>9.4} {:>9.4} {:>9.4} {:>9.4}   A >= {:.3}, B >= {:.3}, C >= {:.3}\n",
            shorten(&g.value, 24),
            g.train_rows,
            g.train_conversions,
            own.auc,
            g.global.auc,
            own.log_loss,
            g.global.log_loss,
            g.grades.a,
            g.grades.b,
            g.grades.c
        ));
    }
    for f in &seg.fallback {
        s.push_str(&format!(
            "  global model for {:?} ({} training lead(s), {} converted): {}\n",
            f.value, f.train_rows, f.train_conversions, f.why
        ));
    }
    s.push_str("  leads with a blank segment, or a value training never saw: the global model\n");
    s.push_str(&format!("  {}\n", decision(seg)));
    s
}

fn decision(seg: &Segmentation) -> String {
    if seg.routed {
        format!("score routes leads by segment: {}", seg.decision)
    } else {
        format!("score uses the single model: {}", seg.decision)
    }
}

fn shorten(v: &str, width: usize) -> String {
    if v.chars().count() <= width {
        v.to_string()
    } else {
        format!("{}...", v.chars().take(width - 3).collect::<String>())
    }
}
