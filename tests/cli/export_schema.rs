//! `leadscore export schema`: the JSON Schemas kept in `schemas/` are what the generator
//! writes (regenerate with `leadscore export schema --out-dir schemas`), and real files
//! validate against them: bundles trained on the sample (logistic, and boosted trees with
//! logistic), and every shipped rules file (its TOML read as JSON). Broken documents must not.
//!
//! The validator here implements the keywords the schemas use (type, const, enum, required,
//! properties, additionalProperties, items, min/maxItems, minimum, maximum, min/maxLength,
//! pattern, $ref into $defs, oneOf, anyOf) and fails on any other keyword, so a schema change
//! cannot slip past it unchecked. `scripts/check_schemas.py` checks the same files with the
//! reference Python `jsonschema` validator (Draft202012Validator).

use std::path::Path;

use serde_json::Value;

use crate::common::{run, sample_dir, text, train_sample};

const ANNOTATIONS: [&str; 5] = ["$schema", "$id", "title", "description", "$defs"];

/// The problems of `doc` against `schema` (root `root` for `$ref`), each with its JSON path.
fn validate(root: &Value, schema: &Value, doc: &Value, at: &str, out: &mut Vec<String>) {
    let Some(s) = schema.as_object() else { return out.push(format!("{at}: schema is not an object")) };
    for (k, v) in s {
        let ok = match k.as_str() {
            "type" => {
                let types: Vec<&str> = match v {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                types.iter().any(|t| match *t {
                    "object" => doc.is_object(),
                    "array" => doc.is_array(),
                    "string" => doc.is_string(),
                    "number" => doc.is_number(),
                    "integer" => doc.is_i64() || doc.is_u64(),
                    "boolean" => doc.is_boolean(),
                    "null" => doc.is_null(),
                    _ => false,
                })
            }
            "const" => doc == v,
            "enum" => v.as_array().is_some_and(|vs| vs.contains(doc)),
            "required" => doc
                .as_object()
                .is_none_or(|o| v.as_array().unwrap().iter().all(|r| o.contains_key(r.as_str().unwrap()))),
            "properties" | "additionalProperties" => {
                if let Some(o) = doc.as_object() {
                    let props = s.get("properties").and_then(Value::as_object);
                    for (name, value) in o {
                        let path = format!("{at}/{name}");
                        match (props.and_then(|p| p.get(name)), s.get("additionalProperties")) {
                            (Some(sub), _) if k == "properties" => validate(root, sub, value, &path, out),
                            (None, Some(Value::Bool(false))) if k == "additionalProperties" => {
                                out.push(format!("{path}: not allowed"))
                            }
                            (None, Some(sub @ Value::Object(_))) if k == "additionalProperties" => {
                                validate(root, sub, value, &path, out)
                            }
                            _ => {}
                        }
                    }
                }
                true
            }
            "items" => {
                for (i, item) in doc.as_array().into_iter().flatten().enumerate() {
                    validate(root, v, item, &format!("{at}/{i}"), out);
                }
                true
            }
            "minItems" => doc.as_array().is_none_or(|a| a.len() as u64 >= v.as_u64().unwrap()),
            "maxItems" => doc.as_array().is_none_or(|a| a.len() as u64 <= v.as_u64().unwrap()),
            "minLength" => doc.as_str().is_none_or(|t| t.chars().count() as u64 >= v.as_u64().unwrap()),
            "maxLength" => doc.as_str().is_none_or(|t| t.chars().count() as u64 <= v.as_u64().unwrap()),
            "minimum" => doc.as_f64().is_none_or(|x| x >= v.as_f64().unwrap()),
            "maximum" => doc.as_f64().is_none_or(|x| x <= v.as_f64().unwrap()),
            "pattern" => doc.as_str().is_none_or(|t| regex::Regex::new(v.as_str().unwrap()).unwrap().is_match(t)),
            "$ref" => {
                let name = v.as_str().unwrap().strip_prefix("#/$defs/").expect("local $ref");
                validate(root, &root["$defs"][name], doc, at, out);
                true
            }
            "oneOf" | "anyOf" => {
                let passing = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|sub| {
                        let mut e = Vec::new();
                        validate(root, sub, doc, at, &mut e);
                        e.is_empty()
                    })
                    .count();
                if k == "oneOf" {
                    passing == 1
                } else {
                    passing >= 1
                }
            }
            other if ANNOTATIONS.contains(&other) => true,
            other => panic!("{at}: the test validator does not know the keyword {other}"),
        };
        if !ok {
            out.push(format!("{at}: fails {k} {v}"));
        }
    }
}

fn errors(schema: &Value, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    validate(schema, schema, doc, "", &mut out);
    out
}

fn committed(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn committed_schemas_are_what_the_generator_writes() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["export", "schema", "--out-dir", "out", "--quiet"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for name in ["bundle.schema.json", "rules.schema.json"] {
        let fresh = std::fs::read_to_string(dir.path().join("out").join(name)).unwrap();
        let kept = std::fs::read_to_string(repo.join(name)).unwrap();
        assert!(fresh == kept, "schemas/{name} is stale: run `leadscore export schema --out-dir schemas`");
        let v: Value = serde_json::from_str(&fresh).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    }
    let o = run(dir.path(), &["export", "schema", "--what", "rules", "--out", "r.json", "--quiet"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r.json")).unwrap(),
        std::fs::read_to_string(repo.join("rules.schema.json")).unwrap()
    );
    let o = run(dir.path(), &["export", "schema", "--what", "model", "--out", "m.json"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
}

#[test]
fn trained_bundles_validate_and_broken_ones_do_not() {
    let schema = committed("bundle.schema.json");
    let dir = sample_dir();
    let d = dir.path();
    train_sample(d);
    for (out, extra) in [
        ("models/both.json", &["--model", "both"][..]),
        ("models/seg.json", &["--segment-column", "segment", "--keep-segments"][..]),
    ] {
        let args = [&["train", "--data", "data/history.csv", "--target", "converted", "--id", "lead_id"][..], extra];
        let o = run(d, &[&args.concat()[..], &["--out", out]].concat());
        assert!(o.status.success(), "{out}: {:?}", text(&o));
    }
    let seg: Value = serde_json::from_str(&std::fs::read_to_string(d.join("models/seg.json")).unwrap()).unwrap();
    assert_eq!(seg["segments"]["routed"], true);
    let mut broken = seg.clone();
    broken["segments"]["segments"][0]["grades"]["a"] = 2.into();
    broken["segments"]["check"]["beats"] = "yes".into();
    let e = errors(&schema, &broken);
    assert!(e.iter().any(|m| m.starts_with("/segments/segments/0/grades/a")), "{e:?}");
    assert!(e.iter().any(|m| m.starts_with("/segments/check/beats")), "{e:?}");
    for bundle in ["models/m.json", "models/both.json", "models/seg.json"] {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(d.join(bundle)).unwrap()).unwrap();
        assert_eq!(errors(&schema, &doc), Vec::<String>::new(), "{bundle}");
        let mut broken = doc.clone();
        broken["models"][0]["model"]["kind"] = "forest".into();
        broken["pipeline"]["columns"][0]["encoding"]["median"] = "3".into();
        broken["extra"] = 1.into();
        let e = errors(&schema, &broken);
        assert!(e.contains(&"/extra: not allowed".to_string()), "{e:?}");
        assert!(e.iter().any(|m| m.starts_with("/models/0/model: fails oneOf")), "{e:?}");
        assert!(e.iter().any(|m| m.starts_with("/pipeline/columns/0/encoding: fails oneOf")), "{e:?}");
    }
}

#[test]
fn shipped_rules_files_validate_and_broken_ones_do_not() {
    let schema = committed("rules.schema.json");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = ["examples/rules/sample.toml", "examples/rules/xeducation.toml", "tests/fixtures/rules/rules.toml"];
    for f in files {
        let doc: toml::Value = toml::from_str(&std::fs::read_to_string(root.join(f)).unwrap()).unwrap();
        let doc = serde_json::to_value(doc).unwrap();
        assert_eq!(errors(&schema, &doc), Vec::<String>::new(), "{f}");
    }
    let bad: toml::Value = toml::from_str(
        "[[fit]]\nwhen = { field = 'a', equals = 'x', min = 3 }\npoints = 1\nper = 'every'\npoitns = 2\n",
    )
    .unwrap();
    let e = errors(&schema, &serde_json::to_value(bad).unwrap());
    assert!(e.iter().any(|m| m.starts_with("/fit/0/when: fails oneOf")), "two operators: {e:?}");
    assert!(e.iter().any(|m| m.starts_with("/fit/0/per: fails enum")), "{e:?}");
    assert!(e.contains(&"/fit/0/poitns: not allowed".to_string()), "{e:?}");
    // And leadscore agrees these are errors.
    assert!(leadscore::rules::RuleSet::parse(
        "[[fit]]\nwhen = { field = 'a', equals = 'x', min = 3 }\npoints = 1\n",
        Path::new("r.toml")
    )
    .is_err());
}
