//! What a bundle learned from, compactly: a [`LeadDigest`] of the labelled leads of its
//! training file (trained on, held out for choosing the primary model and the grade cuts, or
//! calibrated on: every lead whose outcome shaped the bundle), and the training date window.
//! `leadscore models compare` uses both to evaluate two bundles only on leads neither saw.
//!
//! The digest is a sorted set of truncated hashes. Each lead's key (its id, trimmed, when the
//! bundle has an id column; else its row's input values, see [`row_key`]) is hashed with
//! SHA-256 and the first `bits` bits are kept, where `bits = ceil(log2(n)) + 20` (at most 64).
//! A lead that was not in training is wrongly reported as seen with probability
//! `n / 2^bits <= 2^-20` (about 1 in a million: it is then left out of a comparison, never let in);
//! a lead that was in training is always reported as seen. Stored as the sorted hashes'
//! gaps in LEB128 varints, base64 encoded: about 4 bytes per lead (200,000 leads: ~800 kB
//! of bundle text).
//!
//! ```
//! use leadscore::bundle::digest::LeadDigest;
//! let d = LeadDigest::of_keys("id", ["L1", "L2", " L3 "].iter().map(|s| s.to_string()));
//! assert!(d.contains("L3") && d.contains("L1"));
//! assert!(!d.contains("L4")); // false positives have probability <= 2^-20
//! let back = LeadDigest::decode_checked(&d.encoded, d.bits, d.leads).unwrap();
//! assert_eq!(back, d.hashes());
//! ```

use std::sync::OnceLock;

use base64::Engine;

use crate::data::typing::{LeadFrame, MissingTokens, TypingError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The digest of a bundle's training leads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeadDigest {
    /// What identifies a lead: `"id"` (the bundle's id column) or `"row"` (the row's input
    /// values, for bundles without an id column).
    pub key: String,
    /// Distinct leads in the set.
    pub leads: usize,
    /// Bits of SHA-256 kept per lead.
    pub bits: u32,
    /// Chance that a lead not in the set is reported as in it (`leads / 2^bits`).
    pub false_positive_rate: f64,
    /// The sorted hashes' gaps as LEB128 varints, base64 (standard alphabet, padded).
    pub encoded: String,
    /// Decoded hashes, sorted: not serialised; decoded once, by [`LeadDigest::check`] at load
    /// or on first use.
    #[serde(skip)]
    cache: OnceLock<Vec<u64>>,
}

impl PartialEq for LeadDigest {
    /// Equal when the stored fields are (the decoded cache is not part of a digest's value).
    fn eq(&self, other: &LeadDigest) -> bool {
        (&self.key, self.leads, self.bits, self.false_positive_rate.to_bits(), &self.encoded)
            == (&other.key, other.leads, other.bits, other.false_positive_rate.to_bits(), &other.encoded)
    }
}

/// Bits kept per lead for a set of `n` leads: `ceil(log2(n)) + 20`, at most 64.
pub fn bits_for(n: usize) -> u32 {
    let log = usize::BITS - n.max(1).saturating_sub(1).leading_zeros();
    (log + 20).clamp(20, 64)
}

/// The first `bits` bits of SHA-256 of `key` (trimmed).
pub fn hash_key(key: &str, bits: u32) -> u64 {
    let d = Sha256::digest(key.trim().as_bytes());
    let full = u64::from_be_bytes(d[..8].try_into().expect("SHA-256 has 32 bytes"));
    if bits >= 64 {
        full
    } else {
        full >> (64 - bits)
    }
}

/// The key of a row without an id: its input values (trimmed), joined by the unit separator.
pub fn row_key<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    values.into_iter().map(str::trim).collect::<Vec<_>>().join("\u{1f}")
}

/// The key of every row in `rows` of `frame`: its id (trimmed) when `id` names a column and
/// the cell is not blank, else `"row:"` and its [`row_key`] over `columns` (the bundle's
/// input columns). Training and `models compare` key leads through this one function.
pub fn lead_keys(
    frame: &LeadFrame,
    id: Option<&str>,
    columns: &[&str],
    rows: &[usize],
    missing: &MissingTokens,
) -> Result<Vec<String>, TypingError> {
    let hint = "the file must have the bundle's id and input columns";
    let ids = id.map(|c| frame.text(c, hint)).transpose()?;
    let cols = columns.iter().map(|c| frame.text(c, hint)).collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .iter()
        .map(|&i| match ids.and_then(|t| missing.clean(t.get(i))) {
            Some(v) => v.trim().to_string(),
            None => format!("row:{}", row_key(cols.iter().map(|t| t.get(i).unwrap_or("")))),
        })
        .collect())
}

/// Why an encoded digest cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DigestError {
    /// Not base64.
    #[error("the lead digest is not base64: {0}")]
    Base64(String),
    /// The varints do not decode to the stated number of sorted leads within the stated bits.
    #[error("the lead digest is damaged: {0}")]
    Damaged(String),
}

impl LeadDigest {
    /// The digest of `keys` (duplicates count once).
    pub fn of_keys(key: &str, keys: impl Iterator<Item = String>) -> LeadDigest {
        let keys: Vec<String> = keys.collect();
        let bits = bits_for(keys.len());
        let mut hashes: Vec<u64> = keys.iter().map(|k| hash_key(k, bits)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let mut bytes = Vec::with_capacity(hashes.len() * 3);
        let mut prev = 0u64;
        for &h in &hashes {
            let mut gap = h - prev;
            prev = h;
            loop {
                let byte = (gap & 0x7f) as u8;
                gap >>= 7;
                if gap == 0 {
                    bytes.push(byte);
                    break;
                }
                bytes.push(byte | 0x80);
            }
        }
        LeadDigest {
            key: key.to_string(),
            leads: hashes.len(),
            bits,
            false_positive_rate: hashes.len() as f64 / 2f64.powi(bits as i32),
            encoded: base64::engine::general_purpose::STANDARD.encode(bytes),
            cache: OnceLock::from(hashes),
        }
    }

    /// Decodes `encoded`, checking that it holds exactly `leads` strictly increasing hashes
    /// below `2^bits` (a bundle edited by hand gets an error, not a wrong answer).
    pub fn decode_checked(encoded: &str, bits: u32, leads: usize) -> Result<Vec<u64>, DigestError> {
        if !(20..=64).contains(&bits) {
            return Err(DigestError::Damaged(format!("bits is {bits}, not 20 to 64")));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_bytes())
            .map_err(|e| DigestError::Base64(e.to_string()))?;
        if leads > bytes.len() {
            return Err(DigestError::Damaged(format!("{} bytes cannot hold {leads} leads", bytes.len())));
        }
        let limit = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
        let mut out = Vec::with_capacity(leads);
        let (mut prev, mut gap, mut shift) = (0u64, 0u64, 0u32);
        for &b in &bytes {
            if shift >= 64 || (shift == 63 && b & 0x7e != 0) {
                return Err(DigestError::Damaged("a gap overflows 64 bits".into()));
            }
            gap |= u64::from(b & 0x7f) << shift;
            if b & 0x80 != 0 {
                shift += 7;
                continue;
            }
            let first = out.is_empty();
            let h = prev.checked_add(gap).filter(|&h| h <= limit && (first || gap > 0));
            let Some(h) = h else {
                return Err(DigestError::Damaged(format!("hash {} is out of order or above 2^{bits}", out.len() + 1)));
            };
            out.push(h);
            prev = h;
            gap = 0;
            shift = 0;
        }
        if shift != 0 {
            return Err(DigestError::Damaged("the last gap is cut off".into()));
        }
        if out.len() != leads {
            return Err(DigestError::Damaged(format!("it holds {} leads, not the {leads} stated", out.len())));
        }
        Ok(out)
    }

    /// Checks the encoded set against its stated size and bits, and caches it for
    /// [`LeadDigest::contains`].
    pub fn check(&mut self) -> Result<(), DigestError> {
        let hashes = LeadDigest::decode_checked(&self.encoded, self.bits, self.leads)?;
        let fpr = self.leads as f64 / 2f64.powi(self.bits as i32);
        // Negated so that a NaN rate fails the check too.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !((self.false_positive_rate - fpr).abs() <= fpr * 1e-9) {
            return Err(DigestError::Damaged(format!(
                "false_positive_rate is {}, but {} leads in {} bits give {fpr}",
                self.false_positive_rate, self.leads, self.bits
            )));
        }
        self.cache = OnceLock::from(hashes);
        Ok(())
    }

    /// The sorted hashes, decoded once (a damaged digest gives an empty set, which
    /// [`LeadDigest::check`] at load rules out).
    pub fn hashes(&self) -> &[u64] {
        self.cache.get_or_init(|| LeadDigest::decode_checked(&self.encoded, self.bits, self.leads).unwrap_or_default())
    }

    /// Whether a lead with this key (trimmed) may be in the set: always true for a lead that
    /// is, and true with probability [`LeadDigest::false_positive_rate`] for one that is not.
    pub fn contains(&self, key: &str) -> bool {
        self.hashes().binary_search(&hash_key(key, self.bits)).is_ok()
    }
}

/// The first and last creation date of the labelled training leads, by the date column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateWindow {
    /// The date column.
    pub column: String,
    /// Earliest date (YYYY-MM-DD).
    pub first: String,
    /// Latest date (YYYY-MM-DD).
    pub last: String,
    /// Labelled leads with a blank date (not in the window).
    #[serde(default)]
    pub blank: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_grow_with_the_set_so_false_positives_stay_below_one_in_a_million() {
        assert_eq!(bits_for(0), 20);
        assert_eq!(bits_for(1), 20);
        assert_eq!(bits_for(1024), 30);
        assert_eq!(bits_for(1025), 31);
        assert_eq!(bits_for(200_000), 38);
        for n in [1usize, 100, 9240, 200_000, 10_000_000] {
            assert!(n as f64 / 2f64.powi(bits_for(n) as i32) <= 1.0 / 1_048_576.0, "{n}");
        }
    }

    #[test]
    fn hash_is_the_leading_bits_of_sha256() {
        // SHA-256("abc") = ba7816bf 8f01cfea ...
        assert_eq!(hash_key("abc", 64), 0xba7816bf8f01cfea);
        assert_eq!(hash_key(" abc ", 32), 0xba7816bf);
        assert_eq!(hash_key("abc", 16), 0xba78);
    }

    #[test]
    fn members_are_found_and_strangers_rarely() {
        let ids: Vec<String> = (0..5000).map(|i| format!("L{i:07}")).collect();
        let d = LeadDigest::of_keys("id", ids.iter().cloned());
        assert_eq!((d.leads, d.bits), (5000, 33));
        assert!(ids.iter().all(|i| d.contains(i)));
        let strangers = (5000..105_000).filter(|i| d.contains(&format!("L{i:07}"))).count();
        // Expected 100,000 x 5000 / 2^33 = 0.06.
        assert!(strangers <= 2, "{strangers}");
        // About 4 bytes a lead, base64 included.
        assert!(d.encoded.len() < 5000 * 9 / 2, "{}", d.encoded.len());
    }

    #[test]
    fn round_trips_through_json_and_check() {
        let d = LeadDigest::of_keys("row", ["a", "b", "b", "c"].iter().map(|s| s.to_string()));
        assert_eq!(d.leads, 3);
        let mut back: LeadDigest = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        back.check().unwrap();
        assert_eq!(back.hashes(), d.hashes());
        assert!(back.contains("b") && !back.contains("d"));
    }

    #[test]
    fn damaged_digests_are_refused() {
        let d = LeadDigest::of_keys("id", (0..50).map(|i| i.to_string()));
        assert!(matches!(LeadDigest::decode_checked("%%%", d.bits, d.leads), Err(DigestError::Base64(_))));
        assert!(matches!(LeadDigest::decode_checked(&d.encoded, d.bits, 49), Err(DigestError::Damaged(_))));
        assert!(matches!(LeadDigest::decode_checked(&d.encoded, 70, d.leads), Err(DigestError::Damaged(_))));
        // A hash above 2^bits, a repeated hash (zero gap), a varint cut off, a 64-bit overflow.
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        assert!(LeadDigest::decode_checked(&b64(&[0xff, 0xff, 0xff, 0x7f]), 20, 1).is_err());
        assert!(LeadDigest::decode_checked(&b64(&[5, 0]), 20, 2).is_err());
        assert!(LeadDigest::decode_checked(&b64(&[0x85]), 20, 1).is_err());
        assert!(LeadDigest::decode_checked(&b64(&[0xff; 11]), 64, 1).is_err());
        let mut wrong = d.clone();
        wrong.false_positive_rate = 0.5;
        assert!(wrong.check().is_err());
        wrong.false_positive_rate = f64::NAN;
        assert!(wrong.check().is_err());
    }

    #[test]
    fn row_keys_trim_each_value() {
        assert_eq!(row_key([" a", "b ", ""]), "a\u{1f}b\u{1f}");
    }
}
