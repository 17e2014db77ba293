//! JSON Schemas (draft 2020-12) of the files leadscore writes and reads, so that other tools
//! can read our models: the model bundle ([`bundle_schema`]) and the rules file
//! ([`super::schema_rules::rules_schema`], which describes the TOML file's JSON form).
//! `leadscore export schema` writes them; the copies kept in the repository (`schemas/`) are
//! checked against this generator, and real bundles and the shipped rules files against them,
//! by the tests.
//!
//! The bundle schema is exact where a reader needs it (the envelope, the input schema, the
//! feature pipeline, the model kinds and their parameters, grades, the reference
//! distribution) and open (`additionalProperties` allowed) in the training metadata and the
//! metrics, which grow with new versions. The boosted trees' node layout is that of
//! `leadscore_gbm::GbmModel::to_json`.
//!
//! ```
//! let s = leadscore::export::schema::bundle_schema();
//! assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
//! ```

use serde_json::{json, Value};

/// The dialect URI every schema names.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A schema's file name and its generator.
pub type SchemaFile = (&'static str, fn() -> Value);

/// File names of the schemas, with their generators.
pub const SCHEMAS: [SchemaFile; 2] =
    [("bundle.schema.json", bundle_schema), ("rules.schema.json", super::schema_rules::rules_schema)];

/// A schema as the file holds it: pretty JSON and a final newline.
pub fn to_text(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}

fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

fn numbers() -> Value {
    json!({ "type": "array", "items": { "type": "number" } })
}

/// The schema of a model bundle (`leadscore train --out`).
pub fn bundle_schema() -> Value {
    json!({
        "$schema": DRAFT,
        "$id": "https://leadscore.dev/schemas/bundle.schema.json",
        "title": "leadscore model bundle",
        "description": "One self-describing JSON file written by `leadscore train`: format and version, the input schema, the fitted feature pipeline, the models, grade cut-offs, the percentile reference, training metadata and a SHA-256 checksum of the file with `checksum` and `signature` empty.",
        "type": "object",
        "required": ["format", "format_version", "name", "target", "schema", "pipeline", "models", "primary", "grades", "training", "checksum"],
        "additionalProperties": false,
        "properties": {
            "format": { "const": "leadscore-bundle" },
            "format_version": { "type": "string", "pattern": "^1\\.[0-9]+$", "description": "MAJOR.MINOR; readers refuse another major version." },
            "name": { "type": "string" },
            "id_column": { "type": ["string", "null"] },
            "target": {
                "type": "object",
                "required": ["column", "positive"],
                "additionalProperties": false,
                "properties": { "column": { "type": "string" }, "positive": strings(), "negative": strings() }
            },
            "schema": { "type": "array", "items": { "$ref": "#/$defs/input_column" } },
            "pipeline": { "$ref": "#/$defs/pipeline" },
            "models": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/model_entry" } },
            "primary": { "$ref": "#/$defs/model_kind" },
            "grades": { "$ref": "#/$defs/grades" },
            "leakage": { "type": "array", "items": { "type": "object", "required": ["column", "verdict"], "properties": { "column": { "type": "string" }, "verdict": { "enum": ["ok", "review", "stop"] } } } },
            "training": { "type": "object", "required": ["leadscore_version", "trained_at"], "properties": { "leadscore_version": { "type": "string" }, "trained_at": { "type": "string" }, "data_file": { "type": "string" }, "data_sha256": { "type": "string" } } },
            "reference": { "$ref": "#/$defs/reference" },
            "joins": { "type": "array", "items": { "type": "object" } },
            "segments": segments_schema(),
            "checksum": { "type": "string", "pattern": "^([0-9a-f]{64})?$" },
            "signature": {
                "type": "object",
                "required": ["algorithm", "key_id", "mac"],
                "additionalProperties": false,
                "properties": { "algorithm": { "type": "string" }, "key_id": { "type": "string" }, "mac": { "type": "string", "pattern": "^[0-9a-f]+$" } }
            }
        },
        "$defs": defs()
    })
}

/// `segments` (format 1.5): the per-segment models, their figures and the routing decision.
fn segments_schema() -> Value {
    let count = json!({ "type": "integer", "minimum": 0 });
    json!({
        "type": "object",
        "required": ["column", "min_outcomes", "routed", "decision", "segments", "fallback", "check", "evaluation"],
        "additionalProperties": false,
        "description": "One model per value of `column` beside the global models, which score every other lead. `routed` false: training kept the single model, the segments are recorded without models.",
        "properties": {
            "column": { "type": "string" },
            "min_outcomes": { "type": "integer", "minimum": 1 },
            "routed": { "type": "boolean" },
            "decision": { "type": "string" },
            "segments": { "type": "array", "items": {
                "type": "object",
                "required": ["value", "train_rows", "train_conversions", "evaluations", "global", "grades"],
                "additionalProperties": false,
                "properties": {
                    "value": { "type": "string" },
                    "train_rows": count, "train_conversions": count,
                    "models": { "type": "array", "items": { "$ref": "#/$defs/model" }, "description": "One per bundle model, same kinds and order (absent when not routed)." },
                    "evaluations": { "type": "array", "items": { "type": "object" } },
                    "global": { "type": "object", "description": "The global primary model's evaluation on the segment's held-out leads." },
                    "grades": { "$ref": "#/$defs/grades" },
                    "reference": { "$ref": "#/$defs/reference" }
                }
            } },
            "fallback": { "type": "array", "items": {
                "type": "object",
                "required": ["value", "train_rows", "train_conversions", "why"],
                "additionalProperties": false,
                "properties": { "value": { "type": "string" }, "train_rows": count, "train_conversions": count, "why": { "type": "string" } }
            } },
            "check": {
                "type": "object",
                "required": ["rows", "conversions", "single_auc", "segmented_auc", "single_log_loss", "segmented_log_loss", "beats"],
                "additionalProperties": false,
                "properties": {
                    "rows": count, "conversions": count,
                    "single_auc": { "type": "number" }, "segmented_auc": { "type": "number" },
                    "p_value": { "type": "number", "minimum": 0, "maximum": 1 },
                    "single_log_loss": { "type": "number" }, "segmented_log_loss": { "type": "number" },
                    "log_loss_p_value": { "type": "number", "minimum": 0, "maximum": 1 },
                    "beats": { "type": "boolean" }
                }
            },
            "evaluation": { "type": "object", "description": "The routed probabilities evaluated on the whole hold-out." },
            "reference": { "$ref": "#/$defs/reference" }
        }
    })
}

fn defs() -> Value {
    let mut d = json!({
        "probability": { "type": "number", "minimum": 0, "maximum": 1 },
        "column_kind": { "enum": ["numeric", "categorical", "boolean", "date", "id", "ignore"] },
        "model_kind": { "enum": ["logistic", "gbm"] },
        "grades": {
            "type": "object",
            "required": ["a", "b", "c", "source"],
            "additionalProperties": false,
            "description": "Probability cut-offs: >= a is grade A, >= b B, >= c C, else D.",
            "properties": { "a": { "$ref": "#/$defs/probability" }, "b": { "$ref": "#/$defs/probability" }, "c": { "$ref": "#/$defs/probability" }, "source": { "type": "string" } }
        },
        "reference": {
            "type": "object",
            "required": ["source", "leads", "quantiles"],
            "additionalProperties": false,
            "description": "Probabilities on leads the model did not train on: quantiles[k] is the probability at rank k/1000; a lead's percentile is the share at or below it.",
            "properties": { "source": { "type": "string" }, "leads": { "type": "integer", "minimum": 0 }, "quantiles": { "type": "array", "items": { "$ref": "#/$defs/probability" } } }
        },
        "input_column": {
            "type": "object",
            "required": ["name", "kind", "inferred"],
            "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "kind": { "$ref": "#/$defs/column_kind" }, "inferred": { "type": "boolean" } }
        },
        "model_entry": {
            "type": "object",
            "required": ["model"],
            "properties": { "model": { "$ref": "#/$defs/model" }, "evaluation": { "type": "object" } }
        },
        "model": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["kind", "intercept", "coefficients"],
                    "description": "Logistic regression on the pipeline's design columns: margin = intercept + sum of coefficient x standardised design value.",
                    "properties": { "kind": { "const": "logistic" }, "intercept": { "type": "number" }, "coefficients": numbers(), "params": { "type": "object" } }
                },
                {
                    "type": "object",
                    "required": ["kind", "trees", "calibrator"],
                    "description": "Boosted trees over the pipeline's tree values, with their calibrator.",
                    "properties": { "kind": { "const": "gbm" }, "trees": { "$ref": "#/$defs/forest" }, "calibrator": { "$ref": "#/$defs/calibrator" } }
                }
            ]
        },
        "calibrator": {
            "oneOf": [
                { "const": "Identity" },
                { "type": "object", "required": ["Platt"], "additionalProperties": false, "properties": { "Platt": { "type": "object", "required": ["a", "b"], "properties": { "a": { "type": "number" }, "b": { "type": "number" } } } } },
                { "type": "object", "required": ["Isotonic"], "additionalProperties": false, "properties": { "Isotonic": { "type": "object", "required": ["x", "y"], "properties": { "x": numbers(), "y": numbers() } } } },
                { "type": "object", "required": ["Beta"], "additionalProperties": false, "properties": { "Beta": { "type": "object", "required": ["a", "b", "c"], "properties": { "a": { "type": "number" }, "b": { "type": "number" }, "c": { "type": "number" } } } } }
            ]
        }
    });
    if let (Some(m), Value::Object(more)) = (d.as_object_mut(), pipeline_defs()) {
        m.extend(more);
    }
    d
}

fn pipeline_defs() -> Value {
    json!({
        "pipeline": {
            "type": "object",
            "required": ["missing", "columns", "design"],
            "additionalProperties": false,
            "properties": {
                "missing": { "description": "Cell values read as missing (trimmed, lower-case).", "type": "array", "items": { "type": "string" } },
                "reference_date": { "type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "Dates become their age in days before this date." },
                "columns": { "type": "array", "items": { "$ref": "#/$defs/fitted_column" } },
                "design": { "type": "array", "items": { "$ref": "#/$defs/design_column" } }
            }
        },
        "fitted_column": {
            "type": "object",
            "required": ["name", "kind", "encoding"],
            "additionalProperties": false,
            "properties": {
                "name": { "type": "string" },
                "kind": { "$ref": "#/$defs/column_kind" },
                "encoding": { "$ref": "#/$defs/encoding" },
                "missing_share": { "type": ["number", "null"] },
                "profile": { "oneOf": [ { "type": "null" }, { "type": "object", "required": ["type"], "properties": { "type": { "enum": ["binned", "levels"] } } } ] }
            }
        },
        "encoding": {
            "oneOf": [
                { "type": "object", "required": ["encoding", "median", "missing_indicator"], "additionalProperties": false, "properties": { "encoding": { "const": "number" }, "median": { "type": "number" }, "missing_indicator": { "type": "boolean" } } },
                { "type": "object", "required": ["encoding", "levels"], "additionalProperties": false, "properties": { "encoding": { "const": "categorical" }, "levels": strings(), "rare": strings() } }
            ]
        },
        "design_column": {
            "type": "object",
            "required": ["source", "role", "mean", "std"],
            "additionalProperties": false,
            "properties": {
                "source": { "type": "integer", "minimum": 0, "description": "Index into pipeline.columns." },
                "role": {
                    "oneOf": [
                        { "type": "object", "required": ["role"], "additionalProperties": false, "properties": { "role": { "enum": ["value", "missing_indicator", "other", "missing_level"] } } },
                        { "type": "object", "required": ["role", "level"], "additionalProperties": false, "properties": { "role": { "const": "level" }, "level": { "type": "integer", "minimum": 0 } } }
                    ]
                },
                "mean": { "type": "number" },
                "std": { "type": "number" }
            }
        },
        "forest": {
            "type": "object",
            "required": ["format_version", "n_features", "categorical", "init_score", "trees"],
            "properties": {
                "format_version": { "type": "integer" },
                "n_features": { "type": "integer", "minimum": 0 },
                "categorical": { "type": "array", "items": { "type": "boolean" } },
                "init_score": { "type": "number" },
                "trees": { "type": "array", "items": { "$ref": "#/$defs/tree" } }
            }
        },
        "tree": {
            "type": "object",
            "required": ["nodes", "leaf_value"],
            "description": "Nodes in order; a child >= 0 is a node index, a child < 0 is leaf -child - 1.",
            "properties": {
                "nodes": { "type": "array", "items": {
                    "type": "object",
                    "required": ["feature", "threshold", "left", "right", "default_left"],
                    "properties": {
                        "feature": { "type": "integer", "minimum": 0 },
                        "threshold": { "type": ["number", "null"], "description": "x <= threshold goes left (null where the file holds a non-finite threshold)." },
                        "left": { "type": "integer" },
                        "right": { "type": "integer" },
                        "default_left": { "type": "boolean" },
                        "cat": { "oneOf": [ { "type": "null" }, { "type": "array", "items": { "type": "integer", "minimum": 0 }, "minItems": 2, "maxItems": 2 } ] }
                    }
                } },
                "leaf_value": numbers(),
                "cat_codes": { "type": "array", "items": { "type": "integer", "minimum": 0 } }
            }
        }
    })
}
