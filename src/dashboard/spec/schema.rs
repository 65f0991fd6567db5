//! The JSON Schema of `dashboards/*.yaml`, for editors.

use serde_json::{Value, json};

use super::Metric;
use super::params::ParamType;
use super::tile::GRID_COLUMNS;
use crate::dashboard::chart::ChartKind;
use crate::schema::{duration, strict};

pub fn schema() -> Value {
    let name = json!({ "type": "string", "pattern": "^[a-z][a-z0-9_]*$" });
    let scalar = json!({ "type": ["string", "number", "boolean"] });
    let param = json!({
        "oneOf": [
            scalar,
            strict(json!({
                "type": { "enum": ParamType::NAMES },
                "default": scalar,
                "values": { "type": "array", "items": scalar, "minItems": 1 },
                "description": { "type": "string" }
            }), &["type"])
        ]
    });
    let columns = json!({ "oneOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" }, "minItems": 1 }] });
    let format = json!({
        "oneOf": [
            { "enum": ["number", "percent", "currency", "date"] },
            strict(json!({ "currency": { "type": "string", "pattern": "^[A-Z]{3}$" } }), &["currency"])
        ]
    });
    let cell = |min: u32| json!({ "type": "integer", "minimum": min });
    let layout = strict(
        json!({ "x": cell(0), "y": cell(0), "w": { "type": "integer", "minimum": 1, "maximum": GRID_COLUMNS }, "h": cell(1) }),
        &["x", "y", "w", "h"],
    );
    let charts: Vec<&str> = ChartKind::ALL.iter().map(|(n, _)| *n).collect();
    let tile = strict(
        json!({
            "id": name,
            "title": { "type": "string" },
            "chart": { "enum": charts },
            "sql": { "type": "string", "description": "a SELECT; `{{ param }}` is replaced by the param's value as a SQL literal; `{{ now }}` and `{{ today }}` are the run's instant and day" },
            "metric": { "enum": Metric::NAMES },
            "segment": { "type": "string", "description": "the segment `metric: segment_history` shows" },
            "x": { "type": "string" },
            "y": columns,
            "series": { "type": "string", "description": "a column whose values split the `y` column into one line or bar each" },
            "format": { "type": "object", "additionalProperties": format },
            "page_break": { "enum": ["before"] },
            "layout": layout,
            "max_rows": { "type": "integer", "minimum": 1, "description": "rows a table shows in the PDF (default 1000); Excel holds them all" }
        }),
        &["id", "chart"],
    );
    let mut schema = strict(
        json!({
            "name": name,
            "title": { "type": "string" },
            "description": { "type": "string" },
            "refresh": duration(),
            "params": { "type": "object", "additionalProperties": param },
            "tiles": { "type": "array", "items": tile, "minItems": 1 }
        }),
        &["name", "tiles"],
    );
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["title"] = json!("cdp dashboard");
    schema
}
