//! Randomised, reproducible assignment of open leads to the pilot's arms: treatment
//! (worked in model order) and control (worked by the current rules).
//!
//! Each lead's arm is a function of its id, the seed and the treatment share alone: the id's
//! bytes are hashed (FNV-1a, 64 bit) together with the seed and mixed (SplitMix64
//! finaliser) into a uniform number `u` in `[0, 1)`; the lead is in treatment when
//! `u < share`. So the same lead gets the same arm whenever it appears again, whatever the
//! row order or the other leads in the file, and on any platform.
//!
//! Stratification: with a stratum column, balance is checked within every stratum (leads,
//! share treated, and the deviation from the target share in standard errors), so an arm
//! that is short of, say, enterprise leads is seen before the pilot starts. Exact balance
//! inside each stratum would require the arm of a lead to depend on the other leads, which
//! would break stability when leads arrive over several nights; per-lead hashing keeps
//! every stratum balanced in expectation, with the deviation reported.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::rng::{fnv1a, mix64, GOLDEN};

/// A pilot arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// Worked in model order.
    Treatment,
    /// Worked by the current rules.
    Control,
}

impl Arm {
    /// `treatment` or `control`, as written in the assignment file.
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Treatment => "treatment",
            Arm::Control => "control",
        }
    }

    /// Reads an arm name (trimmed, case-insensitive; `t`/`c` accepted).
    pub fn parse(v: &str) -> Option<Arm> {
        match v.trim().to_ascii_lowercase().as_str() {
            "treatment" | "t" | "model" => Some(Arm::Treatment),
            "control" | "c" | "rules" => Some(Arm::Control),
            _ => None,
        }
    }
}

/// Errors of assignment.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssignError {
    /// The treatment share is outside (0, 1).
    #[error("--treatment-share {share}: expected a share strictly between 0 and 1, e.g. 0.5")]
    Share {
        /// The share given.
        share: f64,
    },
    /// A lead has no id, so it cannot be assigned stably.
    #[error("row {row}: the id is blank; every lead needs an id to keep its arm when it appears again")]
    BlankId {
        /// 1-based data row.
        row: usize,
    },
}

/// FNV-1a of the trimmed id, then the SplitMix64 finaliser on that hash xor the mixed seed.
pub fn lead_hash(seed: u64, id: &str) -> u64 {
    mix64(fnv1a(id.trim().as_bytes()) ^ seed.wrapping_mul(GOLDEN))
}

/// The lead's uniform number in `[0, 1)` (top 53 bits of the hash).
pub fn lead_uniform(seed: u64, id: &str) -> f64 {
    (lead_hash(seed, id) >> 11) as f64 / (1u64 << 53) as f64
}

/// The arm of one lead.
pub fn arm_of(seed: u64, id: &str, share: f64) -> Arm {
    if lead_uniform(seed, id) < share {
        Arm::Treatment
    } else {
        Arm::Control
    }
}

/// Balance of the arms within one stratum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumBalance {
    /// The stratum value ("(all)" without stratification, "(missing)" for blanks).
    pub stratum: String,
    /// Leads.
    pub leads: usize,
    /// In treatment.
    pub treatment: usize,
    /// In control.
    pub control: usize,
    /// Share treated.
    pub share_treated: f64,
    /// `(share_treated − share) / √(share (1 − share) / leads)`: beyond ±3 is unusual.
    pub deviation_se: f64,
}

/// Assigns every lead; `strata` (one value per lead) adds per-stratum balance rows.
pub fn assign(
    ids: &[Option<&str>],
    strata: Option<&[Option<&str>]>,
    share: f64,
    seed: u64,
) -> Result<(Vec<Arm>, Vec<StratumBalance>), AssignError> {
    if !(share > 0.0 && share < 1.0) {
        return Err(AssignError::Share { share });
    }
    let mut arms = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => arms.push(arm_of(seed, id, share)),
            None => return Err(AssignError::BlankId { row: i + 1 }),
        }
    }
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, arm) in arms.iter().enumerate() {
        let key = match strata {
            None => "(all)".to_string(),
            Some(s) => s[i].map(str::trim).filter(|v| !v.is_empty()).unwrap_or("(missing)").to_string(),
        };
        let e = groups.entry(key).or_default();
        e.0 += 1;
        e.1 += usize::from(*arm == Arm::Treatment);
    }
    let balance = groups
        .into_iter()
        .map(|(stratum, (leads, treatment))| {
            let share_treated = treatment as f64 / leads as f64;
            StratumBalance {
                stratum,
                leads,
                treatment,
                control: leads - treatment,
                share_treated,
                deviation_se: (share_treated - share) / (share * (1.0 - share) / leads as f64).sqrt(),
            }
        })
        .collect();
    Ok((arms, balance))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("L{:07}", i + 1)).collect()
    }

    #[test]
    fn hash_is_pinned() {
        // Published FNV-1a test vectors.
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        // Frozen: a lead keeps its arm across nights and versions. Values from an independent
        // implementation of FNV-1a + the SplitMix64 finaliser (Python, 64-bit wrapping).
        assert_eq!(lead_hash(0, "L0000001"), 0x4764_9658_5e89_8f4c);
        assert_eq!(lead_hash(7, "L0000001"), 0x860e_8c99_eb88_668d);
        assert_eq!(lead_hash(42, "Ünïcode-Lead 9"), 0x343c_83ad_bcb1_1fc1);
        assert_eq!(lead_hash(0, "L0000001"), lead_hash(0, " L0000001 "));
        assert_ne!(lead_hash(0, "L0000001"), lead_hash(1, "L0000001"));
        assert_ne!(lead_hash(7, "L0000001"), lead_hash(7, "L0000002"));
        let u = lead_uniform(7, "L0000001");
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn balanced_near_the_share() {
        let v = ids(20_000);
        let refs: Vec<Option<&str>> = v.iter().map(|s| Some(s.as_str())).collect();
        for share in [0.5, 0.2] {
            let (arms, bal) = assign(&refs, None, share, 11).unwrap();
            let t = arms.iter().filter(|&&a| a == Arm::Treatment).count() as f64 / arms.len() as f64;
            // 4 standard errors: sqrt(.25/20000) = 0.0035.
            assert!((t - share).abs() < 4.0 * (share * (1.0 - share) / 20_000.0f64).sqrt(), "{share}: {t}");
            assert_eq!(bal.len(), 1);
            assert!(bal[0].deviation_se.abs() < 4.0);
        }
    }

    #[test]
    fn same_id_same_arm_whatever_the_order_or_company() {
        let v = ids(500);
        let refs: Vec<Option<&str>> = v.iter().map(|s| Some(s.as_str())).collect();
        let (a, _) = assign(&refs, None, 0.5, 3).unwrap();
        let mut rev = refs.clone();
        rev.reverse();
        let (b, _) = assign(&rev, None, 0.5, 3).unwrap();
        for i in 0..500 {
            assert_eq!(a[i], b[499 - i]);
        }
        let (c, _) = assign(&refs[100..110], None, 0.5, 3).unwrap();
        assert_eq!(&a[100..110], c.as_slice());
        let (d, _) = assign(&refs, None, 0.5, 4).unwrap();
        assert_ne!(a, d, "another seed gives another assignment");
    }

    #[test]
    fn strata_are_reported_and_blank_ids_refused() {
        let v = ids(4000);
        let refs: Vec<Option<&str>> = v.iter().map(|s| Some(s.as_str())).collect();
        let strata: Vec<Option<&str>> = (0..4000).map(|i| [Some("B2B"), Some("B2C"), None][i % 3]).collect();
        let (_, bal) = assign(&refs, Some(&strata), 0.5, 9).unwrap();
        assert_eq!(bal.iter().map(|b| b.stratum.as_str()).collect::<Vec<_>>(), vec!["(missing)", "B2B", "B2C"]);
        assert_eq!(bal.iter().map(|b| b.leads).sum::<usize>(), 4000);
        assert!(bal.iter().all(|b| b.deviation_se.abs() < 4.0 && b.treatment + b.control == b.leads));
        assert_eq!(assign(&[Some("a"), Some(" ")], None, 0.5, 1), Err(AssignError::BlankId { row: 2 }));
        assert_eq!(assign(&[Some("a")], None, 1.0, 1), Err(AssignError::Share { share: 1.0 }));
    }
}
