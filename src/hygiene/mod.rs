//! Lead hygiene: duplicate people, junk and spam entries, and values spelt several ways.
//!
//! [`check_data`] takes a table (every column as text) and which columns hold the e-mail,
//! the names, the company and the phone ([`HygieneColumns::detect`] finds them by name) and
//! returns per row its [`Flag`]s, plus counts with example rows:
//! - duplicate people: the same normalised e-mail ([`cell::normalise_email`]) as an earlier
//!   row, or the same name and company (trimmed, case and spacing ignored); the later rows
//!   are flagged and point at the first;
//! - junk: the cell checks of [`cell`] on the e-mail, name and phone columns, and a row whose
//!   filled fields (at least three, the id left out) all hold the same value;
//! - spellings ([`spelling`]): values of one column, or of same-named columns across joined
//!   tables, that differ only by case, spaces or punctuation (`GTXPro` vs `GTX Pro`), or
//!   that are one edit from a known word of [`spelling::VOCABULARY`] they are not
//!   (`technolgy`).
//!
//! Nothing here reads or writes files: the command does ([`crate::present::hygiene`] prints).

pub mod cell;
pub mod spelling;

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use serde::Serialize;

pub use cell::Flag;
pub use spelling::SpellingGroup;

/// Example rows kept per flag.
pub const EXAMPLES: usize = 5;

/// Which columns the checks read (`None`: that check is skipped).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HygieneColumns {
    /// Id column (left out of the same-value check).
    pub id: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Name columns (a full name, or first and last).
    pub names: Vec<String>,
    /// Company.
    pub company: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

impl HygieneColumns {
    /// Finds the columns by their names (case-insensitive): `email`/`e-mail`/`email_address`,
    /// `name`/`first_name`/`last_name`/`full_name` (and `firstname`, `lastname`),
    /// `company`/`company_name`/`account`/`organisation`/`organization`, `phone`/`phone_number`/`mobile`/`telephone`.
    pub fn detect(df: &DataFrame, id: Option<&str>) -> HygieneColumns {
        let names: Vec<String> = df.columns().iter().map(|c| c.name().to_string()).collect();
        let find = |want: &[&str]| names.iter().find(|n| want.contains(&n.to_lowercase().as_str())).cloned();
        let name_cols = ["name", "full_name", "first_name", "firstname", "last_name", "lastname", "surname"];
        HygieneColumns {
            id: id.map(str::to_string),
            email: find(&["email", "e-mail", "email_address", "e_mail", "mail"]),
            names: names.iter().filter(|n| name_cols.contains(&n.to_lowercase().as_str())).cloned().collect(),
            company: find(&["company", "company_name", "account", "organisation", "organization", "employer"]),
            phone: find(&["phone", "phone_number", "mobile", "telephone", "tel"]),
        }
    }
}

/// A flag's count and example rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FlagCount {
    /// Rows flagged.
    pub rows: usize,
    /// The first rows (1-based), with the value and, for duplicates, the earlier row.
    pub examples: Vec<(usize, String)>,
}

/// What `check-data` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HygieneReport {
    /// The file.
    pub file: String,
    /// Rows checked.
    pub rows: usize,
    /// The columns the checks read.
    pub columns: HygieneColumns,
    /// Per row, its flags (sorted).
    #[serde(skip)]
    pub flags: Vec<Vec<Flag>>,
    /// Per flag, rows and examples.
    pub counts: BTreeMap<String, FlagCount>,
    /// Rows with at least one flag.
    pub flagged_rows: usize,
    /// Values spelt several ways, or misspelt.
    pub spellings: Vec<SpellingGroup>,
}

impl HygieneReport {
    /// Whether anything was found.
    pub fn found_problems(&self) -> bool {
        self.flagged_rows > 0 || !self.spellings.is_empty()
    }
}

fn texts<'a>(df: &'a DataFrame, name: &str) -> Option<&'a StringChunked> {
    df.column(name).ok().and_then(|c| c.str().ok())
}

fn clean(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// Runs every check on `df` (rows numbered from 1); `others` are joined tables whose
/// same-named columns are compared for spellings with `df`'s.
pub fn check_data(file: &str, df: &DataFrame, cols: &HygieneColumns, others: &[(String, DataFrame)]) -> HygieneReport {
    let n = df.height();
    let mut flags: Vec<Vec<Flag>> = vec![Vec::new(); n];
    let mut examples: HashMap<Flag, Vec<(usize, String)>> = HashMap::new();
    let mut flag = |flags: &mut Vec<Vec<Flag>>, i: usize, f: Flag, what: String| {
        if !flags[i].contains(&f) {
            flags[i].push(f);
            let e = examples.entry(f).or_default();
            if e.len() < EXAMPLES {
                e.push((i + 1, what));
            }
        }
    };
    if let Some(email) = cols.email.as_deref().and_then(|c| texts(df, c)) {
        let mut first: HashMap<String, usize> = HashMap::new();
        for (i, v) in email.iter().enumerate() {
            let Some(v) = clean(v) else { continue };
            if let Some(f) = cell::email_flag(v) {
                flag(&mut flags, i, f, v.to_string());
            }
            match first.get(&cell::normalise_email(v)) {
                Some(&j) => flag(&mut flags, i, Flag::DuplicateEmail, format!("{v} (as row {})", j + 1)),
                None => {
                    first.insert(cell::normalise_email(v), i);
                }
            }
        }
    }
    let name_cols: Vec<&StringChunked> = cols.names.iter().filter_map(|c| texts(df, c)).collect();
    for t in &name_cols {
        for (i, v) in t.iter().enumerate() {
            if let Some(f) = clean(v).and_then(cell::name_flag) {
                flag(&mut flags, i, f, v.unwrap_or_default().to_string());
            }
        }
    }
    if let Some(phone) = cols.phone.as_deref().and_then(|c| texts(df, c)) {
        for (i, v) in phone.iter().enumerate() {
            if let Some(f) = clean(v).and_then(cell::phone_flag) {
                flag(&mut flags, i, f, v.unwrap_or_default().to_string());
            }
        }
    }
    if let (false, Some(company)) = (name_cols.is_empty(), cols.company.as_deref().and_then(|c| texts(df, c))) {
        let mut first: HashMap<(String, String), usize> = HashMap::new();
        for i in 0..n {
            let name: Vec<String> =
                name_cols.iter().filter_map(|t| clean(t.get(i))).map(|s| s.to_lowercase()).collect();
            let (Some(co), false) = (clean(company.get(i)), name.is_empty()) else { continue };
            let key = (name.join(" ").split_whitespace().collect::<Vec<_>>().join(" "), crate::data::join::loose(co));
            match first.get(&key) {
                Some(&j) => flag(
                    &mut flags,
                    i,
                    Flag::DuplicateNameCompany,
                    format!("{} at {co} (as row {})", name.join(" "), j + 1),
                ),
                None => {
                    first.insert(key, i);
                }
            }
        }
    }
    let fields: Vec<&StringChunked> = df
        .columns()
        .iter()
        .filter(|c| Some(c.name().as_str()) != cols.id.as_deref())
        .filter_map(|c| c.str().ok())
        .collect();
    for i in 0..n {
        let filled: Vec<String> = fields.iter().filter_map(|t| clean(t.get(i))).map(|v| v.to_lowercase()).collect();
        if filled.len() >= 3 && filled.iter().all(|v| *v == filled[0]) {
            flag(&mut flags, i, Flag::SameValueEverywhere, filled[0].clone());
        }
    }
    let mut counts: BTreeMap<String, FlagCount> = BTreeMap::new();
    for row in flags.iter_mut() {
        row.sort();
        for f in row.iter() {
            counts.entry(f.as_str().to_string()).or_default().rows += 1;
        }
    }
    for (f, e) in examples {
        counts.entry(f.as_str().to_string()).or_default().examples = e;
    }
    let flagged_rows = flags.iter().filter(|f| !f.is_empty()).count();
    let spellings = spelling::spellings(file, df, others);
    HygieneReport { file: file.to_string(), rows: n, columns: cols.clone(), flags, counts, flagged_rows, spellings }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_duplicates_junk_and_same_value_rows() {
        let df = df!(
            "id" => ["1", "2", "3", "4", "5", "6"],
            "first_name" => ["Anna", "anna ", "Test", "Bo", "Cy", "x"],
            "last_name" => ["Berg", "Berg", "User", "Lund", "Moe", "x"],
            "email" => ["anna@acme.com", "Anna+crm@ACME.com", "t@mailinator.com", "info@lund.se", "cy@moe.no", "x"],
            "company" => ["Acme", "ACME", "T", "Lund", "Moe", "x"],
            "phone" => ["+46 8 123 45 67", "", "1234567", "070-555 01 23", "0000000", "x"],
        )
        .unwrap();
        let cols = HygieneColumns::detect(&df, Some("id"));
        assert_eq!(cols.names, ["first_name", "last_name"]);
        let r = check_data("c.csv", &df, &cols, &[]);
        let names = |i: usize| r.flags[i].iter().map(|f| f.as_str()).collect::<Vec<_>>();
        assert_eq!(names(0), Vec::<&str>::new());
        assert_eq!(names(1), ["duplicate_email", "duplicate_name_company"]);
        assert_eq!(names(2), ["disposable_email", "test_name", "bad_phone"]);
        assert_eq!(names(3), ["role_email"]);
        assert_eq!(names(4), ["bad_phone"]);
        assert_eq!(names(5), ["invalid_email", "bad_phone", "same_value_everywhere"]);
        assert_eq!(r.flagged_rows, 5);
        assert_eq!(r.counts["bad_phone"].rows, 3);
        assert_eq!(r.counts["duplicate_email"].examples, [(2, "Anna+crm@ACME.com (as row 1)".to_string())]);
    }
}
