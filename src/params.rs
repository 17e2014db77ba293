//! The error every parameter check returns: which key, the value given, and what is allowed.
//!
//! Each domain module owns its parameters and their check (`Params::check(self) ->
//! ValidParams`, as the boosted-tree crate does): [`crate::models::logistic::LogisticParams`],
//! [`crate::leakage::LeakageParams`], [`crate::features::FeatureParams`]. The
//! training config ([`crate::config`]) embeds them and names the file or flags the values came from.

/// A parameter outside its allowed range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key} = {value} is invalid: {allowed}")]
pub struct ParamError {
    /// The key, as written in the config (e.g. `l2`; [`ParamError::within`] adds the section).
    pub key: String,
    /// The value given.
    pub value: String,
    /// What is allowed.
    pub allowed: &'static str,
}

impl ParamError {
    /// `key = value` is not allowed.
    pub fn new(key: &str, value: impl ToString, allowed: &'static str) -> ParamError {
        ParamError { key: key.to_string(), value: value.to_string(), allowed }
    }

    /// The same error with its key inside `section` (`l2` → `logistic.l2`).
    pub fn within(mut self, section: &str) -> ParamError {
        self.key = format!("{section}.{}", self.key);
        self
    }
}
