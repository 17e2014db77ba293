//! Reason groups: columns the user names as one fact (`[features.groups]` in the config),
//! offered as one reason.
//!
//! ```toml
//! [features.groups]
//! engagement = ["visits", "time_on_site_min", "pages_per_visit"]
//! ```
//!
//! A model still sees every column on its own; only the reasons `score` chooses from are
//! merged: a group's contribution is the sum of its columns' effects (log-odds) and of their
//! percentage points, so a lead's points still add up to its distance from an average lead
//! ([`crate::scorer::points_per_log_odds`]: every column of a lead shares one slope, so the
//! sum of the columns' points is the group's). Its value lists the members, `visits 7,
//! time_on_site_min 18.3`, in the group's order. The groups are checked against the model's
//! inputs at training and recorded in the bundle's pipeline. (One-hot levels of a column are
//! one reason already: contributions are per input column.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::explain::Contribution;

/// One group: its name (the reason's "column") and its member columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonGroup {
    /// The group's name, shown as the reason.
    pub name: String,
    /// Its input columns, in the order given.
    pub columns: Vec<String>,
}

/// Why `[features.groups]` cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupError {
    /// A member is not one of the model's input columns.
    #[error("features.groups.{group}: \"{column}\" is not a model input (inputs: {inputs}); fix the name, or take it out of the group")]
    NotAnInput {
        /// The group.
        group: String,
        /// The column named.
        column: String,
        /// The model's inputs.
        inputs: String,
    },
    /// A column in two groups.
    #[error("features.groups: \"{column}\" is in both {first} and {second}; a column can be in one group only")]
    TwoGroups {
        /// The column.
        column: String,
        /// One group.
        first: String,
        /// The other.
        second: String,
    },
    /// A group named like an input column that is not its member.
    #[error("features.groups.{0}: an input column has this name; give the group another")]
    NameClash(String),
    /// A group with fewer than two columns.
    #[error("features.groups.{0}: a group needs at least two columns")]
    TooSmall(String),
}

/// Checks the configured groups against the model's `inputs` (module docs).
pub fn resolve(groups: &BTreeMap<String, Vec<String>>, inputs: &[String]) -> Result<Vec<ReasonGroup>, GroupError> {
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    let mut out = Vec::new();
    for (name, columns) in groups {
        if columns.len() < 2 {
            return Err(GroupError::TooSmall(name.clone()));
        }
        if inputs.contains(name) && !columns.contains(name) {
            return Err(GroupError::NameClash(name.clone()));
        }
        for c in columns {
            if !inputs.contains(c) {
                return Err(GroupError::NotAnInput { group: name.clone(), column: c.clone(), inputs: inputs.join(", ") });
            }
            if let Some(first) = owner.insert(c, name) {
                return Err(GroupError::TwoGroups { column: c.clone(), first: first.into(), second: name.clone() });
            }
        }
        out.push(ReasonGroup { name: name.clone(), columns: columns.clone() });
    }
    Ok(out)
}

/// Merges each group's members of one lead's contributions into one (module docs); the
/// group takes the place of its first member present, other contributions keep theirs.
pub fn merge(groups: &[ReasonGroup], row: Vec<Contribution>) -> Vec<Contribution> {
    if groups.is_empty() {
        return row;
    }
    let group_of = |column: &str| groups.iter().position(|g| g.columns.iter().any(|c| c == column));
    let mut members: Vec<Vec<Contribution>> = vec![Vec::new(); groups.len()];
    let mut out: Vec<Option<Contribution>> = Vec::with_capacity(row.len());
    let mut slot: Vec<Option<usize>> = vec![None; groups.len()];
    for c in row {
        match group_of(&c.column) {
            Some(g) => {
                if slot[g].is_none() {
                    slot[g] = Some(out.len());
                    out.push(None);
                }
                members[g].push(c);
            }
            None => out.push(Some(c)),
        }
    }
    for (g, mut m) in members.into_iter().enumerate() {
        let Some(at) = slot[g] else { continue };
        let order = |c: &Contribution| groups[g].columns.iter().position(|x| *x == c.column);
        m.sort_by_key(order);
        let value = m.iter().map(|c| format!("{} {}", c.column, c.value)).collect::<Vec<_>>().join(", ");
        let pp = m.iter().map(|c| c.pp).sum::<Option<f64>>();
        let effect = m.iter().map(|c| c.effect).sum();
        out[at] = Some(Contribution { column: groups[g].name.clone(), value, effect, pp });
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(col: &str, v: &str, e: f64, pp: f64) -> Contribution {
        Contribution { column: col.into(), value: v.into(), effect: e, pp: Some(pp) }
    }

    fn inputs() -> Vec<String> {
        ["visits", "time_on_site_min", "industry", "country"].map(String::from).to_vec()
    }

    #[test]
    fn members_become_one_reason_whose_effect_and_points_are_their_sums() {
        let groups = BTreeMap::from([("engagement".to_string(), vec!["visits".into(), "time_on_site_min".into()])]);
        let g = resolve(&groups, &inputs()).unwrap();
        let row = vec![
            c("industry", "SaaS", 0.5, 4.0),
            c("time_on_site_min", "18.3", 0.75, 6.0),
            c("country", "SE", -0.25, -2.0),
            c("visits", "7", 0.25, 2.0),
        ];
        let merged = merge(&g, row);
        assert_eq!(
            merged,
            vec![
                c("industry", "SaaS", 0.5, 4.0),
                c("engagement", "visits 7, time_on_site_min 18.3", 1.0, 8.0),
                c("country", "SE", -0.25, -2.0),
            ]
        );
        assert_eq!(merge(&[], vec![c("visits", "7", 0.25, 2.0)]), vec![c("visits", "7", 0.25, 2.0)]);
    }

    #[test]
    fn bad_groups_are_refused_by_name() {
        let one = |name: &str, cols: &[&str]| BTreeMap::from([(name.to_string(), cols.iter().map(|s| s.to_string()).collect())]);
        let e = resolve(&one("engagement", &["visits", "vists"]), &inputs()).unwrap_err();
        assert!(e.to_string().contains("\"vists\" is not a model input (inputs: visits, "), "{e}");
        let e = resolve(&one("country", &["visits", "industry"]), &inputs()).unwrap_err();
        assert_eq!(e, GroupError::NameClash("country".into()));
        assert_eq!(resolve(&one("solo", &["visits"]), &inputs()).unwrap_err(), GroupError::TooSmall("solo".into()));
        let mut two = one("a", &["visits", "country"]);
        two.insert("b".into(), vec!["industry".into(), "visits".into()]);
        let e = resolve(&two, &inputs()).unwrap_err();
        assert_eq!(e, GroupError::TwoGroups { column: "visits".into(), first: "a".into(), second: "b".into() });
    }
}
