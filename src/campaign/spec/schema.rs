//! The JSON Schema of `campaigns/*.yaml`, for editors.

use serde_json::{Value, json};

use super::TEMPLATE_NAMES;
use crate::schema::{duration, property_filters, strict};

pub fn schema() -> Value {
    let name = json!({ "type": "string", "pattern": "^[a-z][a-z0-9_]*$" });
    let text = json!({ "type": "string" });
    let item = strict(
        json!({
            "sku": text,
            "title": text,
            "price": { "type": "number", "minimum": 0 },
            "currency": { "type": "string", "pattern": "^[A-Z]{3}$" },
            "image": { "type": "string", "description": "a file of the project (e.g. `assets/offers/pro.png`) or an asset key `<sha256>.<ext>`" }
        }),
        &["sku", "title", "price", "currency", "image"],
    );
    let names = TEMPLATE_NAMES.join("`, `");
    let message = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "via": { "enum": ["braze"] },
            "campaign_id": { "type": "string", "description": "an API-triggered Braze campaign, usually `${BRAZE_CAMPAIGN_ID}`" },
            "canvas_id": { "type": "string", "description": "or an API-triggered Braze canvas" },
            "trigger_properties": {
                "type": "object",
                "additionalProperties": { "type": "string", "description": format!("text with `{{{{ name }}}}` placeholders: `{names}`") }
            }
        },
        "required": ["via"],
        "oneOf": [{ "required": ["campaign_id"] }, { "required": ["canvas_id"] }]
    });
    let goal = strict(
        json!({
            "event": text,
            "where": property_filters(),
            "within": duration(),
            "revenue": { "type": "string", "description": "the event property summed as revenue" }
        }),
        &["event", "within"],
    );
    let mut schema = strict(
        json!({
            "name": name,
            "description": text,
            "audience": { "type": "string", "description": "the segment the campaign goes to" },
            "holdout": { "oneOf": [
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?\\s*%$" },
                { "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1 }
            ] },
            "salt": { "type": "string", "description": "the assignment hash's salt (default: the name)" },
            "offer": strict(json!({ "items": { "type": "array", "items": item, "minItems": 1 } }), &["items"]),
            "message": message,
            "schedule": { "type": "string", "description": "`once`, or a cron expression (UTC): a recurring campaign sends only to newly eligible users" },
            "goal": goal,
            "guardrails": { "type": "array", "items": text },
            "frequency_cap": strict(json!({ "max": { "type": "integer", "minimum": 1 }, "per": duration() }), &["max", "per"]),
            "exclude_running": { "type": "boolean" },
            "exposures": strict(json!({ "to": { "type": "string" }, "event": { "type": "string" } }), &["to"])
        }),
        &["name", "audience", "holdout", "offer", "message", "goal"],
    );
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["title"] = json!("cdp campaign");
    schema
}
