//! The JSON Schema (draft 2020-12) of a rules file: the TOML file of
//! [`crate::rules::spec`] read as JSON (tables are objects, arrays of tables arrays). It
//! mirrors the strict parser (`deny_unknown_fields`: every object is closed) and the checks
//! that need no data: exactly one operator per condition (`min` and `max` may go together),
//! `between` as two numbers, `one_of` with 1 to 1000 values, regexes up to 500 bytes, `per`
//! once or each, a non-empty `or`. What only the checker can see (the order of cut-offs, names
//! that must exist, limits on counts, whether a regex compiles) is left to `leadscore rules check`.

use serde_json::{json, Value};

use super::schema::DRAFT;
use crate::rules::condition::{MAX_ONE_OF, MAX_PATTERN_LEN};

fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

fn conditions(min: usize) -> Value {
    json!({ "type": "array", "minItems": min, "items": { "$ref": "#/$defs/condition" } })
}

/// The schema of a rules file (its JSON form).
pub fn rules_schema() -> Value {
    json!({
        "$schema": DRAFT,
        "$id": "https://leadscore.dev/schemas/rules.schema.json",
        "title": "leadscore rules file",
        "description": "The points rules (TOML) as JSON: thresholds, fit and engagement rules, disqualification, segments, personas, funnel stages and follow-up actions.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "score": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "id": { "type": "string", "description": "Lead id column (joins the activity log)." },
                    "mql": { "type": "number" },
                    "sql": { "type": "number" },
                    "fit_weight": { "type": "number" },
                    "fit_grades": { "type": "array", "items": { "type": "number" }, "minItems": 3, "maxItems": 3 },
                    "engagement_levels": { "type": "array", "items": { "type": "number" }, "minItems": 3, "maxItems": 3 },
                    "missing": strings()
                }
            },
            "activities": {
                "type": "object",
                "additionalProperties": false,
                "description": "Column names of the activity log (defaults lead_id, activity, timestamp, page, product).",
                "properties": {
                    "id": { "type": "string" }, "activity": { "type": "string" }, "timestamp": { "type": "string" },
                    "timestamp_format": { "type": "string" }, "page": { "type": "string" }, "product": { "type": "string" }
                }
            },
            "fit": { "type": "array", "items": { "$ref": "#/$defs/rule" } },
            "engagement": { "type": "array", "items": { "$ref": "#/$defs/rule" } },
            "disqualify": { "type": "array", "items": { "$ref": "#/$defs/disqualify" } },
            "segment": { "type": "array", "items": { "$ref": "#/$defs/segment" } },
            "persona": { "type": "array", "items": { "$ref": "#/$defs/persona" } },
            "stage": { "type": "array", "items": { "$ref": "#/$defs/stage" } },
            "action": { "type": "array", "items": { "$ref": "#/$defs/action" } }
        },
        "$defs": defs()
    })
}

fn defs() -> Value {
    let scalar = json!({ "type": ["string", "number", "boolean"] });
    json!({
        "condition": {
            "type": "object",
            "required": ["field"],
            "additionalProperties": false,
            "description": "A test of one column: exactly one operator (min and max may go together).",
            "properties": {
                "field": { "type": "string", "minLength": 1 },
                "equals": scalar,
                "one_of": { "type": "array", "items": scalar, "minItems": 1, "maxItems": MAX_ONE_OF },
                "between": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 },
                "min": { "type": "number" },
                "max": { "type": "number" },
                "matches": { "type": "string", "maxLength": MAX_PATTERN_LEN, "description": "Rust regex syntax, matched anywhere in the trimmed cell." },
                "missing": { "type": "boolean" },
                "junk": { "type": "string", "pattern": "^\\s*([Ee][Mm][Aa][Ii][Ll]|[Nn][Aa][Mm][Ee]|[Pp][Hh][Oo][Nn][Ee])\\s*$" }
            },
            "oneOf": [
                { "required": ["equals"] }, { "required": ["one_of"] }, { "required": ["between"] },
                { "anyOf": [ { "required": ["min"] }, { "required": ["max"] } ] },
                { "required": ["matches"] }, { "required": ["missing"] }, { "required": ["junk"] }
            ]
        },
        "rule": {
            "type": "object",
            "required": ["points"],
            "additionalProperties": false,
            "properties": {
                "name": { "type": "string" },
                "when": { "$ref": "#/$defs/condition" },
                "or": conditions(1),
                "and": conditions(0),
                "count": { "type": "string", "description": "Engagement: a column of counts." },
                "activity": { "type": "string", "description": "Engagement: an activity type of the activity log." },
                "product": { "type": "string" },
                "page": { "type": "string", "description": "Exact, or a prefix with a trailing *." },
                "points": { "type": "number" },
                "reason": { "type": "string" },
                "per": { "enum": ["once", "each"] },
                "max": { "type": "number" },
                "half_life_days": { "type": "number" },
                "expire_after_days": { "type": "number" },
                "segments": strings()
            }
        },
        "disqualify": {
            "type": "object",
            "required": ["when", "reason"],
            "additionalProperties": false,
            "properties": { "when": { "$ref": "#/$defs/condition" }, "or": conditions(1), "and": conditions(0), "reason": { "type": "string" } }
        },
        "segment": {
            "type": "object",
            "required": ["name", "when"],
            "additionalProperties": false,
            "properties": {
                "name": { "type": "string" }, "when": { "$ref": "#/$defs/condition" }, "or": conditions(1), "and": conditions(0),
                "mql": { "type": "number" }, "sql": { "type": "number" }, "fit_weight": { "type": "number" }
            }
        },
        "persona": {
            "type": "object",
            "required": ["name", "when"],
            "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "when": conditions(1), "min_share": { "type": "number" } }
        },
        "stage": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": false,
            "properties": { "name": { "type": "string" }, "after": strings() }
        },
        "action": {
            "type": "object",
            "required": ["do"],
            "additionalProperties": false,
            "properties": { "grades": strings(), "stages": strings(), "status": strings(), "disqualified": { "type": "boolean" }, "do": { "type": "string" } }
        }
    })
}
