//! Tamper evidence for teams that want it: an HMAC-SHA256 signature in the bundle.
//!
//! The checksum catches damage, not edits: anyone can recompute a SHA-256. A signature can be
//! made only with the key. `leadscore train --sign-key FILE` signs the bundle; every command
//! that loads a bundle, given the same key (`--sign-key FILE`, or the environment variable
//! [`SIGN_KEY_ENV`] naming the file), refuses a bundle whose signature does not match and a
//! bundle that is not signed at all. Without a key, signed and unsigned bundles load alike.
//!
//! - **The key** is the content of a file (not the variable's value, which other processes
//!   of the user can read from the environment): at least [`MIN_KEY_BYTES`] bytes once a
//!   trailing newline is dropped, at most 4 KiB. Make one with
//!   `openssl rand -hex 32 > leadscore.key` and keep it out of the repository.
//! - **What is signed**: the same bytes the checksum covers (the bundle serialised with
//!   `checksum` and `signature` empty), so every field is covered.
//! - **The key id** stored beside the signature is the first 16 hex digits of
//!   SHA-256("leadscore-key-id" + key): it tells "signed with another key" from "changed
//!   after signing" without revealing the key.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::data::limited::{read_limited, Limit, ReadError};
use crate::data::source::hex;

/// The environment variable naming the key file when `--sign-key` is not given.
pub const SIGN_KEY_ENV: &str = "LEADSCORE_SIGN_KEY_FILE";
/// Shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;
/// The algorithm written in every signature.
pub const ALGORITHM: &str = "hmac-sha256";

const KEY_LIMIT: Limit = Limit {
    what: "signing key",
    bytes: 4096,
    advice: "a key is a line of random characters, e.g. from `openssl rand -hex 32`",
};

/// Errors reading a signing key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read (or is too large).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The key is too short to be a secret.
    #[error(
        "{path}: the signing key is {bytes} bytes; use at least {MIN_KEY_BYTES}, e.g. `openssl rand -hex 32 > {path}`"
    )]
    TooShort {
        /// The key file.
        path: PathBuf,
        /// Its length after dropping a trailing newline.
        bytes: usize,
    },
}

/// A secret key for signing and verifying bundles. Its bytes are never printed.
#[derive(Clone)]
pub struct SignKey {
    bytes: Vec<u8>,
    path: PathBuf,
}

impl std::fmt::Debug for SignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignKey({}, id {})", self.path.display(), self.id())
    }
}

impl SignKey {
    /// Reads a key file (a trailing `\n` or `\r\n` is not part of the key).
    pub fn from_file(path: &Path) -> Result<SignKey, KeyError> {
        let mut bytes = read_limited(path, KEY_LIMIT)?;
        while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            bytes.pop();
        }
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort { path: path.to_path_buf(), bytes: bytes.len() });
        }
        Ok(SignKey { bytes, path: path.to_path_buf() })
    }

    /// A key from bytes (for tests and library users); `path` is only named in messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> SignKey {
        SignKey { bytes: bytes.to_vec(), path: path.to_path_buf() }
    }

    /// The file the key came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key's public id (see the module docs).
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"leadscore-key-id");
        h.update(&self.bytes);
        hex(&h.finalize()[..8])
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC takes keys of any length")
    }

    /// The signature of `content`.
    pub fn sign(&self, content: &[u8]) -> Signature {
        let mut mac = self.mac();
        mac.update(content);
        Signature { algorithm: ALGORITHM.to_string(), key_id: self.id(), mac: hex(&mac.finalize().into_bytes()) }
    }

    /// Whether `signature` is this key's signature of `content` (compared in constant time).
    pub fn verifies(&self, content: &[u8], signature: &Signature) -> bool {
        let Some(expected) = unhex(&signature.mac) else { return false };
        let mut mac = self.mac();
        mac.update(content);
        signature.algorithm == ALGORITHM && mac.verify_slice(&expected).is_ok()
    }
}

/// A bundle's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Always [`ALGORITHM`].
    pub algorithm: String,
    /// The signing key's id.
    pub key_id: String,
    /// The HMAC, in lower-case hex.
    pub mac: String,
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231_test_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = SignKey::from_bytes(b"Jefe", Path::new("k"));
        let sig = key.sign(b"what do ya want for nothing?");
        assert_eq!(sig.mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(key.verifies(b"what do ya want for nothing?", &sig));
        assert!(!key.verifies(b"what do ya want for nothing!", &sig));
        let other = SignKey::from_bytes(b"Jeff", Path::new("k"));
        assert!(!other.verifies(b"what do ya want for nothing?", &sig));
        assert_ne!(other.id(), key.id());
        assert!(!key.verifies(b"x", &Signature { mac: "zz".into(), ..sig }));
    }

    #[test]
    fn a_key_file_drops_its_newline_and_must_be_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, format!("{}\n", "ab".repeat(32))).unwrap();
        let key = SignKey::from_file(&path).unwrap();
        assert_eq!(key.bytes.len(), 64);
        assert!(!format!("{key:?}").contains("abab"), "the key is never printed");
        std::fs::write(&path, "short\r\n").unwrap();
        let e = SignKey::from_file(&path).unwrap_err().to_string();
        assert!(e.contains("the signing key is 5 bytes; use at least 32"), "{e}");
    }
}
