//! A contacts file with planted hygiene defects at known rows, for testing `check-data`.
//!
//! Clean rows are unique people (first name, last name and company are a unique combination
//! per row, the e-mail address holds the row number) with valid phone numbers. From row 7
//! on, every 13th row carries one defect, in turn ([`PLANTED`]): a duplicate of an earlier
//! row's e-mail (other case, a `+tag`), a duplicate name and company, a disposable or role
//! e-mail, a test name, a keyboard-mash name, an impossible phone, the same value in every
//! field, and an industry misspelt (`Sofware`). `contacts_defects.csv` lists each planted
//! row with the flags `check-data` must give it.

use std::path::{Path, PathBuf};

use super::vocab::FIRST_NAMES;
use crate::data::output::{commit_all, OutputError, Staged};

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Berg",
    "Garcia",
    "Müller",
    "Rossi",
    "Kowalski",
    "Tanaka",
    "Okafor",
    "Dubois",
    "Silva",
    "Novak",
    "Jensen",
    "O'Neill",
    "Haddad",
    "Kim",
    "Lindqvist",
    "Moreau",
    "Costa",
    "Petrov",
    "Schmidt",
];

const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark Industries",
    "Wayne Enterprises",
    "Cyberdyne",
    "Soylent",
    "Tyrell",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Black Mesa",
    "Massive Dynamic",
    "Nakatomi",
    "Duff",
    "Monarch",
];

const INDUSTRIES: &[&str] = &["Software", "Retail", "Healthcare", "Education", "Manufacturing", "Media"];

/// The defects planted, in turn, and the flags each must get.
pub const PLANTED: [(&str, &str); 9] = [
    ("duplicate_email", "duplicate_email"),
    ("duplicate_name_company", "duplicate_name_company"),
    ("disposable_email", "disposable_email"),
    ("role_email", "role_email"),
    ("test_name", "test_name"),
    ("keyboard_mash", "keyboard_mash"),
    ("bad_phone", "bad_phone"),
    ("same_value_everywhere", "invalid_email;bad_phone;same_value_everywhere"),
    ("misspelt_industry", ""),
];

/// First planted row and the step between planted rows.
pub const FIRST_PLANTED: usize = 7;
/// Step between planted rows.
pub const PLANT_STEP: usize = 13;

fn domain(company: &str) -> String {
    company.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>() + ".com"
}

fn ascii(s: &str) -> String {
    s.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// One clean row (1-based `row`): id, first, last, e-mail, phone, company, job title, industry.
fn clean_row(row: usize) -> Vec<String> {
    let i = row - 1;
    let company = COMPANIES[i % COMPANIES.len()];
    let first = FIRST_NAMES[(i / COMPANIES.len()) % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i / (COMPANIES.len() * FIRST_NAMES.len())) % LAST_NAMES.len()];
    vec![
        format!("C{row:06}"),
        first.to_string(),
        last.to_string(),
        format!("{}.{}.{row}@{}", ascii(first), ascii(last), domain(company)),
        format!("+1 415 555 {:04}", 1000 + i % 9000),
        company.to_string(),
        ["Head of Sales", "CTO", "Marketing Manager", "Analyst"][i % 4].to_string(),
        INDUSTRIES[i % INDUSTRIES.len()].to_string(),
    ]
}

fn csv_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| if f.contains([',', '"']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.clone() })
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes `contacts.csv` (`rows` rows) and `contacts_defects.csv` into `dir`, together;
/// returns their paths and the number of planted rows.
pub fn write_contacts(dir: &Path, rows: usize) -> Result<(PathBuf, PathBuf, usize), OutputError> {
    let mut data: Vec<Vec<String>> = (1..=rows).map(clean_row).collect();
    let mut defects = vec!["row,contact_id,defect,flags,of_row".to_string()];
    let mut k = 0;
    let mut row = FIRST_PLANTED;
    while row <= rows {
        let (kind, flags) = PLANTED[k % PLANTED.len()];
        let r = &mut data[row - 1];
        let mut of_row = String::new();
        match kind {
            "duplicate_email" => {
                let (local, dom) = clean_row(row - 5)[3]
                    .split_once('@')
                    .map(|(l, d)| (l.to_string(), d.to_string()))
                    .unwrap_or_default();
                r[3] = format!("{}+web@{}", local.to_uppercase(), dom);
                of_row = (row - 5).to_string();
            }
            "duplicate_name_company" => {
                let src = clean_row(row - 3);
                r[1] = src[1].to_uppercase();
                r[2] = format!(" {}", src[2]);
                r[5] = src[5].to_lowercase();
                of_row = (row - 3).to_string();
            }
            "disposable_email" => r[3] = format!("lead{row}@mailinator.com"),
            "role_email" => r[3] = format!("info@{}{row}.com", ascii(&r[5])),
            "test_name" => r[1] = "Test".to_string(),
            "keyboard_mash" => r[1] = "asdfgh".to_string(),
            "bad_phone" => r[4] = "123".to_string(),
            "same_value_everywhere" => {
                for f in r.iter_mut().skip(1) {
                    *f = format!("x{row}");
                }
            }
            _ => r[7] = "Sofware".to_string(),
        }
        defects.push(format!("{row},{},{kind},{flags},{of_row}", r[0]));
        k += 1;
        row += PLANT_STEP;
    }
    let header = "contact_id,first_name,last_name,email,phone,company,job_title,industry";
    let body: String =
        std::iter::once(header.to_string()).chain(data.iter().map(|r| csv_line(r))).collect::<Vec<_>>().join("\n")
            + "\n";
    let (contacts, defects_path) = (dir.join("contacts.csv"), dir.join("contacts_defects.csv"));
    commit_all(vec![
        Staged::bytes(&contacts, body.as_bytes())?,
        Staged::bytes(&defects_path, (defects.join("\n") + "\n").as_bytes())?,
    ])?;
    Ok((contacts, defects_path, k))
}
