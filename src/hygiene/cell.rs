//! Checks of one cell: junk e-mail addresses, test and keyboard-mash names, impossible phone
//! numbers. Used by `check-data` ([`super::check_data`]) and by the rules' `junk` condition.
//!
//! - e-mail: not `local@domain.tld` → `invalid_email`; a domain of a disposable-address
//!   service ([`DISPOSABLE_DOMAINS`]) → `disposable_email`; a role address, the local part one
//!   of [`ROLE_LOCALS`] (`info@`, `sales@`) → `role_email`;
//! - name: one of [`TEST_NAMES`] (`test`, `asdf`, `mickey mouse`) → `test_name`; four or
//!   more keys in a row of a keyboard (`asdf`, `qwer`, `zxcv`, also backwards), the same
//!   letter three times running, or five or more letters with no vowel → `keyboard_mash`;
//! - phone: after dropping spaces, `-`, `.`, `(`, `)` and a leading `+`: anything but digits,
//!   fewer than 7 or more than 15 digits (E.164), one digit repeated, or a run such as
//!   `1234567` → `bad_phone`.

use serde::{Deserialize, Serialize};

/// Domains of disposable-address services (a short list of the common ones).
pub const DISPOSABLE_DOMAINS: &[&str] = &[
    "mailinator.com",
    "guerrillamail.com",
    "guerrillamail.net",
    "sharklasers.com",
    "10minutemail.com",
    "10minutemail.net",
    "tempmail.com",
    "temp-mail.org",
    "tempmailo.com",
    "throwawaymail.com",
    "yopmail.com",
    "trashmail.com",
    "getnada.com",
    "dispostable.com",
    "maildrop.cc",
    "fakeinbox.com",
    "mintemail.com",
    "mohmal.com",
    "emailondeck.com",
    "spamgourmet.com",
];

/// Local parts of role addresses: a function, not a person.
pub const ROLE_LOCALS: &[&str] = &[
    "info",
    "admin",
    "administrator",
    "sales",
    "support",
    "contact",
    "office",
    "hello",
    "marketing",
    "webmaster",
    "noreply",
    "no-reply",
    "postmaster",
    "billing",
    "accounts",
    "hr",
    "jobs",
    "team",
    "enquiries",
    "help",
];

/// Names people type into forms that are not names.
pub const TEST_NAMES: &[&str] = &[
    "test",
    "testing",
    "tester",
    "test test",
    "asdf",
    "qwerty",
    "foo",
    "bar",
    "foo bar",
    "dummy",
    "fake",
    "none",
    "null",
    "n/a",
    "na",
    "xxx",
    "abc",
    "mickey mouse",
    "donald duck",
    "nobody",
    "anonymous",
    "sample",
    "demo",
];

const KEYBOARD_ROWS: &[&str] = &["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"];

/// What is wrong with a cell or a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Not an e-mail address.
    InvalidEmail,
    /// A disposable-address service.
    DisposableEmail,
    /// A role address (info@, sales@).
    RoleEmail,
    /// A placeholder name (test, asdf).
    TestName,
    /// Keys hit in a row, or no vowels.
    KeyboardMash,
    /// A phone number that cannot be one.
    BadPhone,
    /// The same value in every filled field of the row.
    SameValueEverywhere,
    /// The same e-mail as an earlier row (normalised).
    DuplicateEmail,
    /// The same name and company as an earlier row.
    DuplicateNameCompany,
}

impl Flag {
    /// The flag's name in `hygiene_flags` and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::InvalidEmail => "invalid_email",
            Flag::DisposableEmail => "disposable_email",
            Flag::RoleEmail => "role_email",
            Flag::TestName => "test_name",
            Flag::KeyboardMash => "keyboard_mash",
            Flag::BadPhone => "bad_phone",
            Flag::SameValueEverywhere => "same_value_everywhere",
            Flag::DuplicateEmail => "duplicate_email",
            Flag::DuplicateNameCompany => "duplicate_name_company",
        }
    }
}

/// An e-mail address in comparable form: trimmed, lower case, a `+tag` in the local part dropped.
pub fn normalise_email(v: &str) -> String {
    let v = v.trim().to_lowercase();
    match v.split_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => v,
    }
}

/// What is wrong with an e-mail address, if anything.
pub fn email_flag(v: &str) -> Option<Flag> {
    let v = v.trim().to_lowercase();
    let Some((local, domain)) = v.split_once('@') else { return Some(Flag::InvalidEmail) };
    let valid = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.contains(char::is_whitespace);
    if !valid {
        return Some(Flag::InvalidEmail);
    }
    if DISPOSABLE_DOMAINS.iter().any(|d| domain == *d || domain.ends_with(&format!(".{d}"))) {
        return Some(Flag::DisposableEmail);
    }
    let base = local.split('+').next().unwrap_or(local);
    ROLE_LOCALS.contains(&base).then_some(Flag::RoleEmail)
}

/// What is wrong with a person's name (or one part of it), if anything.
pub fn name_flag(v: &str) -> Option<Flag> {
    let lower: String = v.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    if lower.is_empty() {
        return None;
    }
    if TEST_NAMES.contains(&lower.as_str()) {
        return Some(Flag::TestName);
    }
    let letters: Vec<char> = lower.chars().filter(|c| c.is_alphabetic()).collect();
    let squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    for row in KEYBOARD_ROWS {
        let back: String = row.chars().rev().collect();
        for r in [*row, back.as_str()] {
            let chars: Vec<char> = r.chars().collect();
            if chars.windows(4).any(|w| squashed.contains(&w.iter().collect::<String>())) {
                return Some(Flag::KeyboardMash);
            }
        }
    }
    if letters.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
        return Some(Flag::KeyboardMash);
    }
    let vowel = |c: &char| "aeiouyàáâãäåèéêëìíîïòóôõöùúûüýÿæøœ".contains(*c);
    if letters.len() >= 5 && letters.iter().all(|c| c.is_ascii()) && !letters.iter().any(vowel) {
        return Some(Flag::KeyboardMash);
    }
    None
}

/// Whether a phone number cannot be one.
pub fn phone_flag(v: &str) -> Option<Flag> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    let kept: String = v.trim_start_matches('+').chars().filter(|c| !" -.()".contains(*c)).collect();
    let bad = || Some(Flag::BadPhone);
    if kept.is_empty() || !kept.chars().all(|c| c.is_ascii_digit()) || !(7..=15).contains(&kept.len()) {
        return bad();
    }
    let digits: Vec<u8> = kept.bytes().map(|b| b - b'0').collect();
    if digits.iter().all(|&d| d == digits[0]) {
        return bad();
    }
    let run = |step: i8| digits.windows(2).all(|w| (w[1] as i8 - w[0] as i8).rem_euclid(10) == step.rem_euclid(10));
    if run(1) || run(-1) {
        return bad();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email_flag("anna.berg@acme.com"), None);
        assert_eq!(email_flag("Anna@Mailinator.com"), Some(Flag::DisposableEmail));
        assert_eq!(email_flag("x@eu.mailinator.com"), Some(Flag::DisposableEmail));
        assert_eq!(email_flag("info@acme.com"), Some(Flag::RoleEmail));
        assert_eq!(email_flag("sales+web@acme.com"), Some(Flag::RoleEmail));
        for bad in ["anna", "anna@", "@acme.com", "anna@acme", "a b@acme.com", "a@b@c.com", "a@acme."] {
            assert_eq!(email_flag(bad), Some(Flag::InvalidEmail), "{bad}");
        }
        assert_eq!(normalise_email(" Anna.Berg+crm@ACME.com "), "anna.berg@acme.com");
    }

    #[test]
    fn names() {
        for ok in ["Anna", "Schmidt", "Nguyen", "Brynn", "Zoë", "O'Brien", "Mary Ann", "Llywelyn", "Sasha"] {
            assert_eq!(name_flag(ok), None, "{ok}");
        }
        assert_eq!(name_flag(" TEST "), Some(Flag::TestName));
        assert_eq!(name_flag("Mickey  Mouse"), Some(Flag::TestName));
        for mash in ["asdfg", "Qwert", "lkjh", "zxcvb", "aaaa", "Bbbob", "xkcdfg"] {
            assert_eq!(name_flag(mash), Some(Flag::KeyboardMash), "{mash}");
        }
    }

    #[test]
    fn phones() {
        for ok in ["+44 20 7946 0958", "(555) 010-4477", "030 12 45 78 99", "0049.89.636.48018"] {
            assert_eq!(phone_flag(ok), None, "{ok}");
        }
        for bad in ["123", "0000000", "1234567", "9876543210", "555-CALL-NOW", "+1 234 567 890 123 456", "n/a"] {
            assert_eq!(phone_flag(bad), Some(Flag::BadPhone), "{bad}");
        }
        assert_eq!(phone_flag("  "), None);
    }
}
