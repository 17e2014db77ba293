//! Buying groups: the committee a deal needs, as personas of the rules file (economic buyer,
//! champion, technical evaluator), and the qualified-account gate.
//!
//! Per account: a persona is *engaged* when one of the account's contacts has it and is
//! engaged (rules engagement score above 0; any contact with it when the scored file has no
//! engagement). `coverage` = engaged personas of the group / personas in the group. The
//! account is *qualified* when some contact has a fit letter in `fit_grades` (the first letter
//! of `rule_grade`) and some contact is at a stage in `stages` (the rules' funnel stage):
//! fit and intent, not either alone. The rule is printed as [`BuyingGroup::gate_rule`].

use serde::Serialize;

use super::rollup::{AccountRow, Rollup};

/// The committee and the gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuyingGroup {
    /// Personas the deal needs, as the rules file names them.
    pub personas: Vec<String>,
    /// Fit letters that qualify (e.g. A, B).
    pub fit_grades: Vec<char>,
    /// Stages that qualify (e.g. decision).
    pub stages: Vec<String>,
}

/// One account's coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Personas of the group engaged, in the group's order.
    pub engaged: Vec<String>,
    /// Personas of the group missing.
    pub missing: Vec<String>,
    /// engaged / group size.
    pub share: f64,
    /// Whether the account passes the gate.
    pub qualified: bool,
}

impl BuyingGroup {
    /// The gate in words.
    pub fn gate_rule(&self) -> String {
        let fits: Vec<String> = self.fit_grades.iter().map(|c| c.to_string()).collect();
        format!(
            "qualified account = a contact with fit grade {} and a contact at stage {}",
            fits.join(" or "),
            self.stages.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(" or ")
        )
    }

    /// The coverage of one account.
    pub fn coverage(&self, a: &AccountRow) -> Coverage {
        let has = |p: &String| a.personas.keys().any(|k| k.eq_ignore_ascii_case(p));
        let engaged: Vec<String> = self.personas.iter().filter(|p| has(p)).cloned().collect();
        let missing: Vec<String> = self.personas.iter().filter(|p| !has(p)).cloned().collect();
        let fit = a.fits.iter().any(|f| self.fit_grades.contains(f));
        let stage = a.stages.iter().any(|s| self.stages.iter().any(|w| w.eq_ignore_ascii_case(s)));
        Coverage {
            share: if self.personas.is_empty() { 0.0 } else { engaged.len() as f64 / self.personas.len() as f64 },
            engaged,
            missing,
            qualified: fit && stage,
        }
    }

    /// Fills every account's coverage.
    pub fn apply(self, r: &mut Rollup) {
        for a in r.accounts.iter_mut() {
            a.coverage = Some(self.coverage(a));
        }
        r.buying_group = Some(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::rollup::{roll_up, Contact};

    fn c(id: &str, persona: Option<&str>, engaged: bool, fit: char, stage: &str) -> Contact {
        Contact {
            id: id.into(),
            row: 1,
            p: 0.5,
            value: None,
            currency: "-".into(),
            reasons: String::new(),
            engaged: Some(engaged),
            persona: persona.map(str::to_string),
            fit: Some(fit),
            stage: Some(stage.into()),
        }
    }

    #[test]
    fn coverage_counts_engaged_personas_and_the_gate_needs_fit_and_stage() {
        let group = BuyingGroup {
            personas: vec!["Economic buyer".into(), "Champion".into(), "Technical evaluator".into()],
            fit_grades: vec!['A', 'B'],
            stages: vec!["decision".into()],
        };
        let mut r = roll_up(
            "account",
            vec![
                // Acme: a champion (engaged, fit C, at decision) and an economic buyer (fit A):
                // 2 of 3 personas; qualified (fit A by one, decision by the other).
                (Some("Acme".into()), c("1", Some("Champion"), true, 'C', "decision")),
                (Some("Acme".into()), c("2", Some("economic buyer"), true, 'A', "awareness")),
                // Beta: a technical evaluator who is not engaged; fit A but no decision stage.
                (Some("Beta".into()), c("3", Some("Technical evaluator"), false, 'A', "consideration")),
            ],
            false,
        );
        group.clone().apply(&mut r);
        let acme = r.accounts.iter().find(|a| a.account == "Acme").unwrap().coverage.clone().unwrap();
        assert_eq!(acme.engaged, ["Economic buyer", "Champion"]);
        assert_eq!(acme.missing, ["Technical evaluator"]);
        assert!((acme.share - 2.0 / 3.0).abs() < 1e-12);
        assert!(acme.qualified);
        let beta = r.accounts.iter().find(|a| a.account == "Beta").unwrap().coverage.clone().unwrap();
        assert_eq!((beta.engaged.len(), beta.qualified), (0, false));
        assert_eq!(
            group.gate_rule(),
            "qualified account = a contact with fit grade A or B and a contact at stage \"decision\""
        );
    }
}
