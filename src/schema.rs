//! JSON Schemas of cdp's files, so editors complete and check the YAML as it is typed.

use serde_json::{Value, json};

use crate::segment::parse::OPERATORS;

/// The file kinds with a schema, and the file name each is written to.
pub const KINDS: &[(&str, &str)] = &[
    ("cdp", "cdp.schema.json"),
    ("segment", "segment.schema.json"),
    ("dashboard", "dashboard.schema.json"),
    ("campaign", "campaign.schema.json"),
];

pub fn schema(kind: &str) -> Option<Value> {
    match kind {
        "cdp" => Some(config_schema()),
        "segment" => Some(segment_schema()),
        "dashboard" => Some(crate::dashboard::spec::schema::schema()),
        "campaign" => Some(crate::campaign::spec::schema()),
        _ => None,
    }
}

pub(crate) fn strict(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "additionalProperties": false, "properties": properties, "required": required })
}

/// `assets:` holds `local` or `s3`, not both.
fn one_store(mut assets: Value) -> Value {
    assets["not"] = json!({ "required": ["local", "s3"] });
    assets
}

pub(crate) fn duration() -> Value {
    json!({ "type": "string", "pattern": "^[1-9][0-9]*[smhdw]$", "description": "a whole number and a unit: s m h d w, e.g. `30d`" })
}

fn config_schema() -> Value {
    let text = json!({ "type": "string" });
    let warehouse = json!({
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": { "enum": ["duckdb", "postgres", "snowflake"] }, "memory_limit": { "type": "string", "pattern": "^[0-9]+ *([KMGT]i?B|[kmgt]i?b)$" },
            "path": text, "url": text, "cdp_schema": text, "account": text, "user": text,
            "private_key_path": text, "private_key": text, "private_key_passphrase": text, "token": text,
            "authenticator": text, "warehouse": text, "database": text, "schema": text, "role": text,
            "endpoint": text, "statement_timeout": { "type": ["string", "integer"] }
        },
        "additionalProperties": false
    });
    let rate_limit = strict(
        json!({ "requests": { "type": "integer", "minimum": 1 }, "per": text }),
        &["requests", "per"],
    );
    let destination = json!({
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": { "enum": ["braze", "amplitude"] },
            "endpoint": text, "ingest_endpoint": text, "api_key": text, "secret_key": text,
            "app_id": { "type": ["integer", "string"] }, "owner": text, "region": { "enum": ["us", "eu"] }, "attribute": text,
            "attribute_cap": { "type": "integer", "minimum": 1 },
            "rate_limit": rate_limit.clone(),
            "message_rate_limit": rate_limit,
            "concurrency": { "type": "integer", "minimum": 1 }
        },
        "additionalProperties": false
    });
    let environment = strict(
        json!({
            "warehouse": warehouse,
            "state": strict(json!({ "url": text }), &[]),
            "queue": strict(json!({ "redis_url": text }), &[]),
            "assets": one_store(strict(json!({
                "local": { "anyOf": [strict(json!({ "path": text, "public_base_url": text }), &[]), { "type": "null" }] },
                "s3": strict(json!({ "bucket": text, "region": text, "prefix": text, "endpoint": text }), &["bucket"]),
                "max_bytes": { "type": ["integer", "string"] }
            }), &[])),
            "destinations": { "type": "object", "additionalProperties": destination },
            "alerts": alerts_schema()
        }),
        &[],
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cdp.yaml",
        "type": ["object", "null"],
        "additionalProperties": false,
        "properties": {
            "name": text,
            "default_env": text,
            "environments": { "type": "object", "additionalProperties": { "anyOf": [environment, { "type": "null" }] } },
            "tables": strict(json!({
                "users": strict(json!({ "table": text, "id": text }), &[]),
                "events": strict(json!({ "table": text, "user_id": text, "name": text, "timestamp": text, "properties": text }), &[])
            }), &[])
        }
    })
}

/// `alerts:` of an environment: a webhook, SendGrid email, and the rejected users' threshold.
fn alerts_schema() -> Value {
    let text = json!({ "type": "string" });
    let email =
        json!({ "type": "string", "pattern": "^[^@\\s<>,;\"]+@[^@\\s<>,;\"]+\\.[^@\\s<>,;\"]+$" });
    strict(
        json!({
            "webhook": strict(json!({ "url": text }), &["url"]),
            "sendgrid": strict(json!({
                "api_key": { "type": "string", "pattern": "\\$\\{", "description": "a `${NAME}` reference: never the key itself" },
                "from": email,
                "to": { "type": "array", "items": email, "minItems": 1, "maxItems": 1000, "uniqueItems": true },
                "endpoint": text
            }), &["api_key", "from", "to"]),
            "rejected_threshold": { "type": "integer", "minimum": 0 }
        }),
        &[],
    )
}

/// Each comparison operator of a condition with the value it takes.
fn operator_schemas() -> serde_json::Map<String, Value> {
    let scalar = json!({ "type": ["string", "number", "boolean"] });
    let mut ops = serde_json::Map::new();
    for op in OPERATORS {
        let v = match *op {
            "in" | "not_in" => json!({ "type": "array", "items": scalar, "minItems": 1 }),
            "between" => {
                json!({ "type": "array", "items": { "type": ["string", "number"] }, "minItems": 2, "maxItems": 2 })
            }
            "is_set" | "is_not_set" => json!({ "const": true }),
            "contains" | "starts_with" | "ends_with" | "matches" => json!({ "type": "string" }),
            _ => scalar.clone(),
        };
        ops.insert(op.to_string(), v);
    }
    ops
}

/// `where:` of an event condition: one property filter or a list of them.
pub(crate) fn property_filters() -> Value {
    let mut props = operator_schemas();
    props.insert("property".into(), json!({ "type": "string" }));
    let filter = strict(Value::Object(props), &["property"]);
    json!({ "anyOf": [{ "type": "array", "items": filter }, filter] })
}

fn segment_schema() -> Value {
    let scalar = json!({ "type": ["string", "number", "boolean"] });
    let ops = operator_schemas();
    let with_ops = |extra: Value, required: &[&str]| {
        let mut props = ops.clone();
        if let Value::Object(m) = extra {
            props.extend(m);
        }
        strict(Value::Object(props), required)
    };
    let filters = property_filters();
    let during =
        json!({ "type": "array", "items": { "type": "string" }, "minItems": 2, "maxItems": 2 });
    let numeric: serde_json::Map<String, Value> = ["eq", "ne", "gt", "gte", "lt", "lte", "between"]
        .iter()
        .map(|k| (k.to_string(), ops[*k].clone()))
        .collect();
    let rule_ref = json!({ "$ref": "#/$defs/rule" });
    let seen = strict(
        json!({ "event": { "type": "string" }, "within": duration(), "during": during, "where": filters }),
        &["event"],
    );
    let mut event_props = numeric.clone();
    event_props.extend(
        json!({
            "event": { "type": "string" }, "count": strict(count_ops(), &[]),
            "sum": { "type": "string" }, "avg": { "type": "string" }, "min": { "type": "string" }, "max": { "type": "string" },
            "within": duration(), "during": during, "where": filters
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    let step = json!({ "anyOf": [{ "type": "string" }, strict(json!({ "event": { "type": "string" }, "where": filters }), &["event"])] });
    let rule = json!({ "oneOf": [
        strict(json!({ "all": { "type": "array", "items": rule_ref, "minItems": 1 } }), &["all"]),
        strict(json!({ "any": { "type": "array", "items": rule_ref, "minItems": 1 } }), &["any"]),
        strict(json!({ "not": rule_ref }), &["not"]),
        with_ops(json!({ "trait": { "type": "string" } }), &["trait"]),
        strict(Value::Object(event_props), &["event"]),
        strict(json!({ "first_seen": seen }), &["first_seen"]),
        strict(json!({ "last_seen": seen }), &["last_seen"]),
        strict(json!({ "sequence": { "type": "array", "items": step, "minItems": 2 }, "within": duration(), "since": duration() }), &["sequence", "within"]),
        strict(json!({ "segment": { "type": "string" } }), &["segment"]),
        strict(json!({ "sql": { "type": "string", "minLength": 1 } }), &["sql"])
    ]});
    let fixture = strict(
        json!({
            "user": { "type": ["string", "integer"] },
            "traits": { "type": "object", "additionalProperties": scalar },
            "events": { "type": "array", "items": strict(json!({ "event": { "type": "string" }, "ago": duration(), "properties": { "type": "object" } }), &["event", "ago"]) },
            "member": { "type": "boolean" }
        }),
        &["member"],
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cdp segment",
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "rules"],
        "properties": {
            "name": { "type": "string", "pattern": "^[a-z][a-z0-9_]*$" },
            "description": { "type": "string" },
            "schedule": { "type": "string", "description": "cron in UTC: five fields, or six with seconds first" },
            "rules": { "anyOf": [rule_ref, { "type": "array", "items": rule_ref, "minItems": 1 }] },
            "destinations": { "type": "array", "items": strict(json!({
                "to": { "type": "string" },
                "as": { "enum": ["attribute", "subscription_group", "cohort", "user_property"] },
                "subscription_group_id": { "type": ["string", "integer"] },
                "property": { "type": "string" }
            }), &["to", "as"]) },
            "tests": { "type": "array", "items": fixture }
        },
        "$defs": { "rule": rule }
    })
}

/// A count's comparisons: whole or fractional numbers, never negative.
fn count_ops() -> Value {
    let n = json!({ "type": "number", "minimum": 0 });
    let mut ops = serde_json::Map::new();
    for op in ["eq", "ne", "gt", "gte", "lt", "lte"] {
        ops.insert(op.to_string(), n.clone());
    }
    ops.insert(
        "between".to_string(),
        json!({ "type": "array", "items": n, "minItems": 2, "maxItems": 2 }),
    );
    Value::Object(ops)
}
