//! Cuts of a ranking: the decile (n-tile) lift table and the conversions, precision and
//! recall among the top `k` leads, with tied scores counted fractionally at every cut
//! ([`TieGroups`]) so that no number depends on the input row order.

use serde::{Deserialize, Serialize};

use super::metrics::{check_ranking, order_desc, MetricError};

/// One row of a decile (or n-tile) table; bin 1 holds the highest scores.
///
/// Conversion counts are expected values under random tie-breaking (see [`decile_table`]),
/// so they may be fractional when a group of tied scores straddles a bin boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decile {
    /// 1-based bin number, 1 = top scores.
    pub bin: usize,
    /// Leads in this bin.
    pub leads: usize,
    /// Converted leads in this bin (expected value when a tie group straddles the bin's edge).
    #[serde(serialize_with = "whole_as_integer")]
    pub conversions: f64,
    /// `conversions / leads`.
    pub conversion_rate: f64,
    /// `conversion_rate` divided by the overall conversion rate.
    pub lift: f64,
    /// Leads in this and all higher bins.
    pub cumulative_leads: usize,
    /// Conversions in this and all higher bins (expected value, as `conversions`).
    #[serde(serialize_with = "whole_as_integer")]
    pub cumulative_conversions: f64,
    /// Share of all conversions captured by this and all higher bins.
    pub cumulative_gain: f64,
    /// Lowest score in the bin.
    pub min_score: f64,
    /// Highest score in the bin.
    pub max_score: f64,
}

/// Writes a whole count as an integer (`177`, not `177.0`): bundles saved before counts could
/// be fractional stored integers, and their checksums are over the re-serialised bundle, so
/// whole counts must serialise exactly as they did.
fn whole_as_integer<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

/// Leads ranked by score, highest first, as groups of tied scores: the view every top-k,
/// decile and capacity statistic reads, so that none depends on the input row order.
///
/// Counting the converted leads among the first `k` ranked leads is ambiguous when the
/// cut at `k` falls inside a group of tied scores: which of the tied leads are "in" is an
/// accident of row order. [`TieGroups::conversions_in`] counts such a group fractionally,
/// as the expected value under random tie-breaking: the group's conversion rate times the
/// number of its leads inside the cut. Groups wholly inside count exactly.
pub(crate) struct TieGroups {
    /// Per group, `(end position, converted leads in the group)`; positions are 0-based
    /// ranks, a group spans `[previous end, end)`.
    groups: Vec<(usize, usize)>,
}

impl TieGroups {
    /// Groups checked-finite `scores` (signed zeros tie, as everywhere here).
    pub(crate) fn new(scores: &[f64], labels: &[bool]) -> TieGroups {
        let order = order_desc(scores);
        let mut groups = Vec::new();
        let mut converted = 0usize;
        for (pos, &i) in order.iter().enumerate() {
            converted += usize::from(labels[i]);
            if order.get(pos + 1).is_none_or(|&j| scores[j] != scores[i]) {
                groups.push((pos + 1, converted));
                converted = 0;
            }
        }
        TieGroups { groups }
    }

    /// Expected conversions among the ranked leads at positions `[from, to)` under random
    /// tie-breaking: exact for whole groups, the group's rate times the overlap otherwise.
    pub(crate) fn conversions_in(&self, from: usize, to: usize) -> f64 {
        let mut total = 0.0;
        let mut start = 0usize;
        for &(end, converted) in &self.groups {
            let (lo, hi) = (start.max(from), end.min(to));
            if lo < hi {
                let size = end - start;
                // Whole groups add an exact integer; otherwise overlap × rate, computed as
                // (overlap · converted) / size so a group split in equal halves stays exact.
                total +=
                    if hi - lo == size { converted as f64 } else { (hi - lo) as f64 * converted as f64 / size as f64 };
            }
            if end >= to {
                break;
            }
            start = end;
        }
        total
    }
}

/// Splits leads into `n_bins` groups by score, highest first, and reports conversions,
/// lift and cumulative gain per group (a decile table for `n_bins = 10`).
///
/// Bins are cut by rank, as evenly as possible: the first `n % n_bins` bins get one extra
/// lead (the same rule as `numpy.array_split`). A group of tied scores may straddle a bin
/// boundary; its conversions are then shared between the bins in proportion to how many of
/// its leads each bin holds (the expected value under random tie-breaking, see
/// [`conversions_at_k`]), so the table does not depend on the input row order and a scorer that
/// ties every lead shows lift 1.0 in every bin. Conversion counts may therefore be
/// fractional. Requires `1 <= n_bins <= n` and both classes.
pub fn decile_table(scores: &[f64], labels: &[bool], n_bins: usize) -> Result<Vec<Decile>, MetricError> {
    let (positives, _) = check_ranking(scores, labels)?;
    let n = scores.len();
    if n_bins == 0 || n_bins > n {
        return Err(MetricError::InvalidParameter {
            name: "n_bins",
            value: n_bins as f64,
            expected: format!("between 1 and the number of leads ({n})"),
        });
    }
    let order = order_desc(scores);
    let groups = TieGroups::new(scores, labels);
    let overall_rate = positives as f64 / n as f64;
    let (base, extra) = (n / n_bins, n % n_bins);
    let mut rows = Vec::with_capacity(n_bins);
    let mut start = 0usize;
    for b in 0..n_bins {
        let size = base + usize::from(b < extra);
        let end = start + size;
        let conversions = groups.conversions_in(start, end);
        // Cumulative counts from the top, not a running float sum, so the last bin's
        // cumulative count is exactly the number of conversions.
        let cumulative_conversions = groups.conversions_in(0, end);
        let conversion_rate = conversions / size as f64;
        rows.push(Decile {
            bin: b + 1,
            leads: size,
            conversions,
            conversion_rate,
            lift: conversion_rate / overall_rate,
            cumulative_leads: end,
            cumulative_conversions,
            cumulative_gain: cumulative_conversions / positives as f64,
            // Sorted descending: the first member has the highest score.
            max_score: scores[order[start]],
            min_score: scores[order[end - 1]],
        });
        start = end;
    }
    Ok(rows)
}

/// Expected conversions among the `k` highest-scored leads: a group of tied scores that
/// straddles the cut counts with its conversion rate times the part of it inside the cut
/// (the expected value under random tie-breaking), so the result does not
/// depend on the input row order. Requires `1 <= k <= n` and both classes.
pub fn conversions_at_k(scores: &[f64], labels: &[bool], k: usize) -> Result<f64, MetricError> {
    check_ranking(scores, labels)?;
    if k == 0 || k > scores.len() {
        return Err(MetricError::InvalidParameter {
            name: "k",
            value: k as f64,
            expected: format!("between 1 and the number of leads ({})", scores.len()),
        });
    }
    Ok(TieGroups::new(scores, labels).conversions_in(0, k))
}

/// Precision and recall among the `k` highest-scored leads: `(hits / k, hits / positives)`,
/// with `hits` from [`conversions_at_k`]: a tie group straddling the cut counts fractionally
/// (expected value under random tie-breaking), so row order never changes the result.
/// Requires `1 <= k <= n` and both classes.
pub fn precision_recall_at_k(scores: &[f64], labels: &[bool], k: usize) -> Result<(f64, f64), MetricError> {
    let hits = conversions_at_k(scores, labels, k)?;
    let positives = labels.iter().filter(|&&y| y).count();
    Ok((hits / k as f64, hits / positives as f64))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::evaluation::metrics::tests::{bools, close, fixture, nums};

    #[test]
    fn tie_straddling_a_cut_counts_fractionally_by_hand() {
        // Ranked: 0.9 Y | 0.8 {Y, N} | 0.7 Y | 0.6 {N, Y, N} | 0.4 N | 0.3 Y | 0.1 N.
        // Five bins of two leads: the 0.8 pair is split 1/1 between bins 1 and 2 (1 of 2
        // converted: 0.5 each); the 0.6 triple 2/1 between bins 3 and 4 (1 of 3: 2/3, 1/3).
        let s = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.4, 0.3, 0.1];
        let y = [true, true, false, true, false, true, false, false, true, false];
        let d = decile_table(&s, &y, 5).unwrap();
        let want = [1.5, 1.5, 2.0 / 3.0, 1.0 / 3.0, 1.0];
        for (r, w) in d.iter().zip(want) {
            close(&format!("bin {}", r.bin), r.conversions, w, 1e-15);
            close(&format!("lift {}", r.bin), r.lift, (w / 2.0) / 0.5, 1e-15);
        }
        assert_eq!(d[1].cumulative_conversions, 3.0);
        assert_eq!(d[4].cumulative_conversions, 5.0);
        assert_eq!(d[4].cumulative_gain, 1.0);
        // k = 5 takes one of the three 0.6 leads (1 of them converted): 3 + 1/3; k = 6 two.
        close("k=5", conversions_at_k(&s, &y, 5).unwrap(), 3.0 + 1.0 / 3.0, 1e-15);
        close("k=6", conversions_at_k(&s, &y, 6).unwrap(), 3.0 + 2.0 / 3.0, 1e-15);
    }

    /// The same leads in another row order: a permutation that reverses the rows.
    fn reversed<T: Copy>(v: &[T]) -> Vec<T> {
        v.iter().rev().copied().collect()
    }

    #[test]
    fn top_k_and_deciles_do_not_depend_on_row_order() {
        // Heavy ties: 5 distinct scores over 60 leads; converted rows first, then dead.
        let y: Vec<bool> = (0..60).map(|i| i < 25).collect();
        let s: Vec<f64> = (0..60).map(|i| ((i * 7) % 5) as f64).collect();
        let (rs, ry) = (reversed(&s), reversed(&y));
        assert_eq!(decile_table(&s, &y, 10).unwrap(), decile_table(&rs, &ry, 10).unwrap());
        assert_eq!(decile_table(&s, &y, 7).unwrap(), decile_table(&rs, &ry, 7).unwrap());
        for k in 1..=60 {
            assert_eq!(precision_recall_at_k(&s, &y, k).unwrap(), precision_recall_at_k(&rs, &ry, k).unwrap());
        }
    }

    #[test]
    fn deciles_stored_with_whole_counts_by_older_versions_still_load() {
        let old = r#"{"bin":1,"leads":10,"conversions":7,"conversion_rate":0.7,"lift":2.0,
            "cumulative_leads":10,"cumulative_conversions":7,"cumulative_gain":0.5,"min_score":0.5,"max_score":0.9}"#;
        let d: Decile = serde_json::from_str(old).unwrap();
        assert_eq!((d.conversions, d.cumulative_conversions), (7.0, 7.0));
    }

    #[test]
    fn a_scorer_that_ties_every_lead_has_lift_one_everywhere() {
        // Converted first, as in a history sorted by outcome: row order must not leak in.
        let y: Vec<bool> = (0..103).map(|i| i < 31).collect();
        let s = vec![0.5; 103];
        let d = decile_table(&s, &y, 10).unwrap();
        for r in &d {
            close(&format!("lift {}", r.bin), r.lift, 1.0, 1e-12);
        }
        let (p, r) = precision_recall_at_k(&s, &y, 20).unwrap();
        close("precision", p, 31.0 / 103.0, 1e-15);
        close("recall", r, 20.0 / 103.0, 1e-15);
    }

    #[test]
    fn decile_table_on_fixture_is_consistent_and_round_trips() {
        let c = &fixture()["cases"][0];
        let (s, y) = (nums(&c["scores"]), bools(&c["labels"]));
        let d = decile_table(&s, &y, 10).unwrap();
        let positives = y.iter().filter(|&&y| y).count();
        assert_eq!(d.iter().map(|r| r.leads).sum::<usize>(), 300);
        assert!(d.iter().all(|r| r.leads == 30));
        assert_eq!(d.last().unwrap().cumulative_conversions, positives as f64);
        assert_eq!(d.last().unwrap().cumulative_gain, 1.0);
        // Scores never increase going down the table.
        assert!(d.windows(2).all(|w| w[0].min_score >= w[1].max_score));
        let json = serde_json::to_string(&d).unwrap();
        let back: Vec<Decile> = serde_json::from_str(&json).unwrap();
        // serde_json's default float parser may be 1 ulp off (no float_roundtrip feature).
        assert_eq!(back.len(), d.len());
        for (a, b) in back.iter().zip(&d) {
            assert_eq!((a.bin, a.conversions, a.cumulative_leads), (b.bin, b.conversions, b.cumulative_leads));
            close("round trip lift", a.lift, b.lift, 1e-15);
        }
    }
}
