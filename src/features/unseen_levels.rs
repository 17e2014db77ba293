//! Values of a categorical column that training never saw, counted while scoring.
//!
//! Such a value is scored as "other" (never an error); the run summary names the column, how
//! many leads had one, and which values they were, most frequent first, so whoever reads the
//! nightly `--json` can tell a new product line from a typo. Memory is bounded: at most
//! [`UnseenLevels::MAX_KEPT`] distinct values are counted per column; leads with further
//! values are still counted in the total, and the summary says the list is cut.

use std::collections::HashMap;

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Unseen values of one column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnseenLevels {
    /// Leads with a value training never saw.
    pub count: usize,
    /// Leads per distinct unseen value (at most [`UnseenLevels::MAX_KEPT`] values).
    pub values: HashMap<String, usize>,
    /// Leads whose value was not kept because [`UnseenLevels::MAX_KEPT`] others were.
    pub uncounted: usize,
}

impl UnseenLevels {
    /// Most distinct values counted per column.
    pub const MAX_KEPT: usize = 1000;
    /// Values listed in the `--json` summary per column.
    pub const LISTED: usize = 20;

    /// Counts one lead with `value`.
    pub fn add(&mut self, value: &str) {
        self.add_n(value, 1);
    }

    fn add_n(&mut self, value: &str, n: usize) {
        self.count += n;
        if let Some(c) = self.values.get_mut(value) {
            *c += n;
        } else if self.values.len() < Self::MAX_KEPT {
            self.values.insert(value.to_string(), n);
        } else {
            self.uncounted += n;
        }
    }

    /// Adds another batch's counts.
    pub fn merge(&mut self, other: &UnseenLevels) {
        // In a fixed order, so which values are kept past the cap does not depend on hashing.
        let mut values: Vec<(&String, &usize)> = other.values.iter().collect();
        values.sort();
        for (v, &n) in values {
            self.add_n(v, n);
        }
        self.count += other.uncounted;
        self.uncounted += other.uncounted;
    }

    /// The `k` most frequent values with their leads (ties by value).
    pub fn top(&self, k: usize) -> Vec<(&str, usize)> {
        let mut v: Vec<(&str, usize)> = self.values.iter().map(|(s, &n)| (s.as_str(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(k);
        v
    }
}

impl Serialize for UnseenLevels {
    /// `{"leads": 5, "distinct": 2, "values": [{"value": "Atlantis", "leads": 3}, ...]}`, the
    /// [`UnseenLevels::LISTED`] most frequent; `"distinct"` counts the values kept, and
    /// `"uncounted"` (present only past the cap) the leads whose values were not.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Value<'a> {
            value: &'a str,
            leads: usize,
        }
        let listed: Vec<Value> = self.top(Self::LISTED).into_iter().map(|(value, leads)| Value { value, leads }).collect();
        let mut st = s.serialize_struct("UnseenLevels", 4)?;
        st.serialize_field("leads", &self.count)?;
        st.serialize_field("distinct", &self.values.len())?;
        st.serialize_field("values", &listed)?;
        if self.uncounted > 0 {
            st.serialize_field("uncounted", &self.uncounted)?;
        } else {
            st.skip_field("uncounted")?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_values_most_frequent_first_and_merges_batches() {
        let mut a = UnseenLevels::default();
        for v in ["Narnia", "Atlantis", "Atlantis"] {
            a.add(v);
        }
        let mut b = UnseenLevels::default();
        b.add("Atlantis");
        b.add("Oz");
        a.merge(&b);
        assert_eq!(a.count, 5);
        assert_eq!(a.top(2), vec![("Atlantis", 3), ("Narnia", 1)]);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"leads":5,"distinct":3,"values":[{"value":"Atlantis","leads":3},{"value":"Narnia","leads":1},{"value":"Oz","leads":1}]}"#
        );
    }

    #[test]
    fn memory_is_bounded_and_the_cut_is_said() {
        let mut a = UnseenLevels::default();
        for i in 0..UnseenLevels::MAX_KEPT + 10 {
            a.add(&format!("v{i}"));
        }
        a.add("v0");
        assert_eq!(a.values.len(), UnseenLevels::MAX_KEPT);
        assert_eq!((a.count, a.uncounted), (UnseenLevels::MAX_KEPT + 11, 10));
        assert_eq!(a.top(1), vec![("v0", 2)]);
        let mut b = UnseenLevels::default();
        b.merge(&a);
        assert_eq!((b.count, b.uncounted, b.values.len()), (a.count, 10, UnseenLevels::MAX_KEPT));
        let v: serde_json::Value = serde_json::to_value(&a).unwrap();
        assert_eq!(v["uncounted"], 10);
        assert_eq!(v["values"].as_array().unwrap().len(), UnseenLevels::LISTED);
    }
}
