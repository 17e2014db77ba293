//! A JSON tree that keeps the order of object keys as written.
//!
//! `serde_json::Value` sorts object keys (the crate's `preserve_order` feature is off in our
//! build), so a file read into it and written back is not the same bytes. [`OrderedJson`]
//! is: read with serde_json (floats with its `float_roundtrip` parser) and written back
//! compactly, a file that serde_json wrote compactly or pretty-printed gives back the compact
//! bytes serde_json wrote, key for key. The bundle's checksum is verified this way, over the
//! file's own content rather than over what today's types make of it, so a bundle written
//! before a field was added still verifies ([`crate::bundle`]).

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value whose objects keep their keys in the order read (duplicates included).
#[derive(Debug, Clone, PartialEq)]
pub enum OrderedJson {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, exactly as serde_json read it.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<OrderedJson>),
    /// An object: its entries in order.
    Object(Vec<(String, OrderedJson)>),
}

impl OrderedJson {
    /// The entries of an object (`None` for any other value).
    pub fn entries_mut(&mut self) -> Option<&mut Vec<(String, OrderedJson)>> {
        match self {
            OrderedJson::Object(entries) => Some(entries),
            _ => None,
        }
    }
}

impl Serialize for OrderedJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OrderedJson::Null => s.serialize_unit(),
            OrderedJson::Bool(b) => s.serialize_bool(*b),
            OrderedJson::Number(n) => n.serialize(s),
            OrderedJson::String(t) => s.serialize_str(t),
            OrderedJson::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            OrderedJson::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = OrderedJson;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Bool(v))
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number(v.into()))
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number(v.into()))
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<OrderedJson, E> {
        serde_json::Number::from_f64(v).map(OrderedJson::Number).ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<OrderedJson, E> {
        Ok(OrderedJson::String(v.to_string()))
    }
    fn visit_string<E: Error>(self, v: String) -> Result<OrderedJson, E> {
        Ok(OrderedJson::String(v))
    }
    fn visit_unit<E: Error>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Null)
    }
    fn visit_none<E: Error>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<OrderedJson, D::Error> {
        OrderedJson::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OrderedJson, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(OrderedJson::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedJson, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, OrderedJson>()? {
            entries.push((k, v));
        }
        Ok(OrderedJson::Object(entries))
    }
}

impl<'de> Deserialize<'de> for OrderedJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OrderedJson, D::Error> {
        d.deserialize_any(OrderedVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Sample {
        zeta: f64,
        alpha: Vec<i64>,
        name: &'static str,
        inner: Option<Inner>,
        none: Option<u8>,
    }
    #[derive(serde::Serialize)]
    struct Inner {
        b: u64,
        a: f64,
    }

    #[test]
    fn pretty_text_read_back_writes_serde_jsons_compact_bytes_in_the_written_order() {
        let v = Sample {
            zeta: 0.1 + 0.2,
            alpha: vec![-3, 0, i64::MAX],
            name: "quote \" tab \t é \u{1F600}",
            inner: Some(Inner { b: u64::MAX, a: -0.0 }),
            none: None,
        };
        let compact = serde_json::to_vec(&v).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let tree: OrderedJson = serde_json::from_str(&pretty).unwrap();
        assert_eq!(serde_json::to_vec(&tree).unwrap(), compact);
        // serde_json's own Value sorts the keys, so it cannot do this.
        let value: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        assert_ne!(serde_json::to_vec(&value).unwrap(), compact);
    }

    #[test]
    fn floats_come_back_to_the_last_bit() {
        for x in [1.0, 1e-300, 5e-324, 1.7976931348623157e308, 0.30000000000000004, -2.5e17, 123456789.0] {
            let text = serde_json::to_string(&x).unwrap();
            let tree: OrderedJson = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_string(&tree).unwrap(), text, "{x}");
        }
    }

    #[test]
    fn duplicate_keys_are_kept_not_merged() {
        let tree: OrderedJson = serde_json::from_str(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(serde_json::to_string(&tree).unwrap(), r#"{"a":1,"a":2}"#);
    }
}
