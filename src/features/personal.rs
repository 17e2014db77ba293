//! Personal data is not a feature: columns that hold people's names, e-mail addresses, phone
//! numbers or free text are left out of the models by default.
//!
//! Why: a first or last name is a proxy for gender and ethnic origin, so a model that learns
//! from it scores leads by who they are rather than by what they did, and "first_name = Emma"
//! as a reason is neither fair nor useful. E-mail addresses and phone numbers identify a
//! person and carry no pattern that holds for new leads (their *kind*, e.g. corporate or
//! personal e-mail, is a fine feature and is kept); free text (notes, comments) is nearly
//! unique per lead, so a model can only memorise it. `train --keep COLUMN` keeps a column on
//! purpose.
//!
//! Detection reads the name (`first_name`, `Last Name`, `contact`, `Vorname`, `prénom`, ...)
//! and the values: at least half of the values are e-mail addresses, or phone numbers (7 to
//! 15 digits, written with `+`, spaces, dashes or brackets, or in a column named like a
//! phone), or long free text (three words or more on average, at least half of the values
//! distinct).

use serde::{Deserialize, Serialize};

use crate::data::typing::{ColumnKind, LeadFrame, MissingTokens, TypingError};
use crate::features::schema::{name_words, InputColumn};

/// Why a column looks personal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Personal {
    /// The name says it holds people's names.
    Name,
    /// Most values are e-mail addresses.
    Email {
        /// Share of values that are.
        share: f64,
    },
    /// Most values are phone numbers.
    Phone {
        /// Share of values that are.
        share: f64,
    },
    /// Long, mostly distinct text.
    FreeText {
        /// Mean words per value.
        mean_words: f64,
        /// Distinct values / values.
        distinct_ratio: f64,
    },
}

impl Personal {
    /// What the report says.
    pub fn describe(&self) -> String {
        match self {
            Personal::Name => "a person's name".into(),
            Personal::Email { share } => format!("e-mail addresses ({:.0}% of values)", share * 100.0),
            Personal::Phone { share } => format!("phone numbers ({:.0}% of values)", share * 100.0),
            Personal::FreeText { mean_words, distinct_ratio } => {
                format!("free text ({mean_words:.1} words per value, {:.0}% distinct)", distinct_ratio * 100.0)
            }
        }
    }
}

/// Column names (lower-case, with `_`, `-`, `.` and spaces removed) that hold people's names.
const NAME_COLUMNS: &[&str] = &[
    "name",
    "names",
    "firstname",
    "lastname",
    "fullname",
    "surname",
    "givenname",
    "familyname",
    "middlename",
    "forename",
    "contact",
    "contactname",
    "contactperson",
    "person",
    "personname",
    "leadname",
    "customername",
    "vorname",
    "nachname",
    "prenom",
    "prénom",
    "nom",
    "nombre",
    "apellido",
    "apellidos",
    "nome",
    "cognome",
    "sobrenome",
    "voornaam",
    "achternaam",
];

/// Words of a name that, with "name", mean a person's name (`First Name`, `contact_name`).
const NAME_QUALIFIERS: &[&str] =
    &["first", "last", "full", "given", "family", "middle", "sur", "fore", "contact", "lead"];

/// Words that name a phone column.
const PHONE_WORDS: &[&str] =
    &["phone", "telephone", "tel", "mobile", "cell", "fax", "telefon", "handy", "telefone", "teléfono", "telefono"];

fn compact(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// True when the column's name says it holds people's names.
pub fn is_name_column(name: &str) -> bool {
    let w = name_words(name);
    NAME_COLUMNS.contains(&compact(name).as_str())
        || (w.iter().any(|x| x == "name") && w.iter().any(|x| NAME_QUALIFIERS.contains(&x.as_str())))
}

fn is_email(v: &str) -> bool {
    let Some((user, domain)) = v.split_once('@') else { return false };
    !user.is_empty() && domain.contains('.') && !domain.starts_with('.') && !v.contains(char::is_whitespace)
}

/// `(looks like a phone number, written with phone punctuation)`.
fn phone_shape(v: &str) -> (bool, bool) {
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let punctuated = v.chars().any(|c| " +-()".contains(c));
    ((7..=15).contains(&digits) && allowed, punctuated)
}

/// Why `col` looks personal, if it does, judged on its values in `rows`.
pub fn personal_kind(
    frame: &LeadFrame,
    col: &InputColumn,
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<Option<Personal>, TypingError> {
    if is_name_column(&col.name) {
        return Ok(Some(Personal::Name));
    }
    if !matches!(col.kind, ColumnKind::Categorical | ColumnKind::Numeric) {
        return Ok(None);
    }
    let text = frame.text(&col.name, "")?;
    let values: Vec<&str> = rows.iter().filter_map(|&i| missing.clean(text.get(i))).collect();
    if values.len() < 20 {
        return Ok(None);
    }
    let n = values.len() as f64;
    let share = |f: &dyn Fn(&str) -> bool| values.iter().filter(|v| f(v)).count() as f64 / n;
    let emails = share(&is_email);
    if emails >= 0.5 {
        return Ok(Some(Personal::Email { share: emails }));
    }
    let phone_named = name_words(&col.name).iter().any(|w| PHONE_WORDS.contains(&w.as_str()));
    let phones = share(&|v| {
        let (shape, punctuated) = phone_shape(v);
        shape && (punctuated || phone_named)
    });
    if phones >= 0.5 {
        return Ok(Some(Personal::Phone { share: phones }));
    }
    if col.kind == ColumnKind::Categorical {
        let mean_words = values.iter().map(|v| v.split_whitespace().count()).sum::<usize>() as f64 / n;
        let distinct = values.iter().collect::<std::collections::HashSet<_>>().len() as f64 / n;
        if mean_words >= 3.0 && distinct >= 0.5 {
            return Ok(Some(Personal::FreeText { mean_words, distinct_ratio: distinct }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use std::path::Path;

    #[test]
    fn names_of_people_are_recognised_and_names_of_things_are_not() {
        for n in
            ["first_name", "Last Name", "name", "contact", "Contact Name", "FullName", "Vorname", "prénom", "nombre"]
        {
            assert!(is_name_column(n), "{n}");
        }
        for n in
            ["company_name", "product name", "Lead Source", "email_domain_type", "campaign", "sales_agent", "account"]
        {
            assert!(!is_name_column(n), "{n}");
        }
    }

    #[test]
    fn emails_phones_and_free_text_are_recognised_by_their_values() {
        let n = 40;
        let email: Vec<String> = (0..n).map(|i| format!("person{i}@example.com")).collect();
        let phone: Vec<String> = (0..n).map(|i| format!("+44 20 7946 {:04}", i)).collect();
        let notes: Vec<String> = (0..n).map(|i| format!("called on day {i}, will call back next week")).collect();
        let title: Vec<String> = (0..n).map(|i| ["Marketing Manager", "VP Sales", "CTO"][i % 3].to_string()).collect();
        let visits: Vec<String> = (0..n).map(|i| (i % 9).to_string()).collect();
        let df = DataFrame::new_infer_height(vec![
            Column::new("e".into(), email),
            Column::new("p".into(), phone),
            Column::new("notes".into(), notes),
            Column::new("job_title".into(), title),
            Column::new("visits".into(), visits),
        ])
        .unwrap();
        let frame = LeadFrame { df: &df, path: Path::new("t.csv"), first_row: 1 };
        let rows: Vec<usize> = (0..n).collect();
        let kind = |name: &str, kind| {
            let c = InputColumn { name: name.into(), kind, inferred: true };
            personal_kind(&frame, &c, &rows, &MissingTokens::default()).unwrap()
        };
        assert_eq!(kind("e", ColumnKind::Categorical), Some(Personal::Email { share: 1.0 }));
        assert_eq!(kind("p", ColumnKind::Categorical), Some(Personal::Phone { share: 1.0 }));
        assert!(matches!(kind("notes", ColumnKind::Categorical), Some(Personal::FreeText { .. })));
        assert_eq!(kind("job_title", ColumnKind::Categorical), None);
        assert_eq!(kind("visits", ColumnKind::Numeric), None);
    }
}
