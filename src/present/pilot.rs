//! The text `leadscore pilot analyze` prints: conversion per arm with intervals, the
//! difference and its test, and the power the pilot had.

use crate::pilot::analyze::PilotReport;

impl PilotReport {
    /// The text `pilot analyze` prints.
    pub fn render(&self) -> String {
        let mut s = String::from("arm         leads  converted    rate   95% interval        median days to convert\n");
        let lvl = ((1.0 - self.alpha) * 100.0).round();
        s = s.replace("95%", &format!("{lvl:.0}%"));
        for (name, a) in [("treatment", &self.treatment), ("control", &self.control)] {
            let r = &a.conversion;
            let cycle = match &a.cycle_days {
                None => "-".to_string(),
                Some(m) => match (m.lower, m.upper) {
                    (Some(lo), Some(hi)) => format!("{:.1} ({lo:.0}–{hi:.0}, n = {})", m.median, m.n),
                    _ => format!("{:.1} (n = {}, too few for an interval)", m.median, m.n),
                },
            };
            s.push_str(&format!(
                "{name:<10} {:>6} {:>10} {:>6.1}%   {:>5.1}%–{:>5.1}%      {cycle}\n",
                r.leads,
                r.conversions,
                100.0 * r.rate,
                100.0 * r.lower,
                100.0 * r.upper
            ));
        }
        s.push_str(&format!(
            "difference {:+.1} points ({:+.1} to {:+.1}), z = {:.2}, p = {:.4}\n{}\n",
            100.0 * self.test.diff,
            100.0 * self.test.diff_ci[0],
            100.0 * self.test.diff_ci[1],
            self.test.z,
            self.test.p_value,
            self.verdict
        ));
        s
    }
}
