//! Serde helpers for `f64` values that may be infinite (bin bounds, thresholds on columns
//! holding `±inf`): JSON has no infinity, so non-finite values are written as the strings
//! `"inf"`, `"-inf"` and `"nan"`; finite values stay plain numbers.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Repr {
    Number(f64),
    Text(String),
}

fn to_repr(v: f64) -> Repr {
    if v.is_finite() {
        Repr::Number(v)
    } else if v.is_nan() {
        Repr::Text("nan".into())
    } else if v > 0.0 {
        Repr::Text("inf".into())
    } else {
        Repr::Text("-inf".into())
    }
}

fn from_repr<E: serde::de::Error>(r: Repr) -> Result<f64, E> {
    match r {
        Repr::Number(v) => Ok(v),
        Repr::Text(s) => match s.as_str() {
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            "nan" => Ok(f64::NAN),
            other => Err(E::custom(format!("expected a number, \"inf\", \"-inf\" or \"nan\", found {other:?}"))),
        },
    }
}

/// For a single `f64` field: `#[serde(with = "crate::serde_float")]`.
pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    to_repr(*v).serialize(s)
}

/// See [`serialize`].
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    from_repr(Repr::deserialize(d)?)
}

/// For a `Vec<f64>` field: `#[serde(with = "crate::serde_float::vec")]`.
pub mod vec {
    use super::*;

    /// Serializes each element as in [`super::serialize`].
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|&x| to_repr(x)))
    }

    /// See [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<Repr>::deserialize(d)?.into_iter().map(from_repr).collect()
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(with = "crate::serde_float")]
        a: f64,
        #[serde(with = "crate::serde_float::vec")]
        b: Vec<f64>,
    }

    #[test]
    fn infinities_round_trip_through_json() {
        let t = T { a: f64::NEG_INFINITY, b: vec![0.1, f64::INFINITY] };
        let s = serde_json::to_string(&t).unwrap();
        assert_eq!(s, r#"{"a":"-inf","b":[0.1,"inf"]}"#);
        assert_eq!(serde_json::from_str::<T>(&s).unwrap(), t);
        assert!(serde_json::from_str::<T>(r#"{"a":"huge","b":[]}"#).is_err());
    }
}
