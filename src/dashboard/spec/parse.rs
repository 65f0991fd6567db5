//! Decoding one dashboard file: its header keys, params (typed, or a bare default) and tiles.

use super::params::{ParamDef, ParamType, ParamValue};
use super::tile::{GRID_COLUMNS, parse_tile};
use super::{DashboardDef, TileDef, checks};
use crate::syntax::decode::{Decoder, index, one_of};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::time::parse_span;
use crate::syntax::yaml::{Node, Value};

const KEYS: &[&str] = &["name", "title", "description", "refresh", "params", "tiles"];

/// The dashboard when the file is valid; problems go to the decoder.
pub fn parse_dashboard(d: &mut Decoder, root: &Node) -> Option<DashboardDef> {
    if root.value == Value::Null {
        d.report(root.pos, "", "the dashboard file is empty").hint =
            Some("a dashboard needs at least `name:` and `tiles:`".into());
        return None;
    }
    let f = d.fields(root, "", "a dashboard file", KEYS)?;
    let name = d.req_string(
        &f,
        "name",
        Some("every dashboard has a `name:`, e.g. `name: growth`"),
    );
    if let (Some(n), Some(node)) = (&name, f.get("name"))
        && !crate::segment::file::valid_name(n)
    {
        d.report(
            node.pos,
            "name",
            format!("`{n}` is not a valid dashboard name"),
        )
        .hint = Some("use lowercase letters, digits and `_`, starting with a letter".into());
    }
    let title = d.opt_string(&f, "title");
    let description = d.opt_string(&f, "description");
    let refresh = f.get("refresh").and_then(|n| parse_span(d, n, "refresh"));
    let params = f.get("params").map(|n| params(d, n)).unwrap_or_default();
    let before = d.diagnostics.len();
    let tiles = match f.get("tiles") {
        Some(node) => tiles(d, node, &params),
        None => {
            d.missing(
                &f,
                "tiles",
                "a list of tiles",
                Some("e.g. `tiles: [{ id: sizes, chart: bar, metric: segment_sizes }]`"),
            );
            Vec::new()
        }
    };
    let tiles_ok = d.diagnostics.len() == before;
    if tiles_ok {
        checks::check_grid(d, &tiles);
    }
    let name = name?;
    Some(DashboardDef {
        title: title.unwrap_or_else(|| name.clone()),
        name,
        description,
        refresh,
        params,
        tiles,
        file: d.file.to_string(),
        name_pos: f.get("name").map(|n| n.pos).unwrap_or(root.pos),
    })
}

fn tiles(d: &mut Decoder, node: &Node, params: &[ParamDef]) -> Vec<TileDef> {
    let Some(items) = d.list(node, "tiles", "a list of tiles") else {
        return Vec::new();
    };
    if items.is_empty() {
        d.report(node.pos, "tiles", "the dashboard has no tiles")
            .hint = Some("add at least one tile".into());
    }
    let parsed: Vec<_> = items
        .iter()
        .enumerate()
        .filter_map(|(i, n)| parse_tile(d, n, &index("tiles", i), params))
        .collect();
    // Tiles without a layout go below every placed one, full width, in the order written.
    let mut bottom = parsed
        .iter()
        .filter(|p| p.placed)
        .map(|p| p.tile.layout.y + p.tile.layout.h)
        .max()
        .unwrap_or(0);
    let mut tiles = Vec::with_capacity(parsed.len());
    for mut p in parsed {
        if !p.placed {
            p.tile.layout.y = bottom;
            p.tile.layout.w = GRID_COLUMNS;
            bottom += p.tile.layout.h;
        }
        tiles.push(p.tile);
    }
    tiles
}

const PARAM_KEYS: &[&str] = &["type", "default", "values", "description"];

fn params(d: &mut Decoder, node: &Node) -> Vec<ParamDef> {
    let Value::Map(entries) = &node.value else {
        d.wrong_type(
            node,
            "params",
            "a mapping of param names to defaults or types",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let path = format!("params.{}", key.name);
        if !crate::segment::file::valid_name(&key.name) {
            d.report(
                key.pos,
                &path,
                format!("`{}` is not a valid param name", key.name),
            )
            .hint = Some("use lowercase letters, digits and `_`, starting with a letter".into());
            continue;
        }
        let def = match &value.value {
            Value::Map(_) => typed(d, value, &path, &key.name),
            _ => bare(d, value, &path, &key.name),
        };
        out.extend(def);
    }
    out
}

/// `days: 30`: the type read from the default.
fn bare(d: &mut Decoder, node: &Node, path: &str, name: &str) -> Option<ParamDef> {
    let (kind, default) = match &node.value {
        Value::Int(i) => (ParamType::Int, ParamValue::Int(*i)),
        Value::Float(f) => (ParamType::Number, ParamValue::Number(*f)),
        Value::Bool(b) => (ParamType::Bool, ParamValue::Bool(*b)),
        Value::Str(s) => match ParamType::Date.parse(s) {
            Some(date) => (ParamType::Date, date),
            None => (ParamType::Text, ParamValue::Text(s.clone())),
        },
        _ => {
            d.wrong_type(node, path, "a default value or `{ type, default }`");
            return None;
        }
    };
    Some(ParamDef {
        name: name.to_string(),
        kind,
        default: Some(default),
    })
}

fn typed(d: &mut Decoder, node: &Node, path: &str, name: &str) -> Option<ParamDef> {
    let f = d.fields(node, path, "a param", PARAM_KEYS)?;
    let _ = d.opt_string(&f, "description");
    let type_name = d.req_string(&f, "type", Some("e.g. `type: int`"))?;
    let kind = match type_name.as_str() {
        "int" => ParamType::Int,
        "number" => ParamType::Number,
        "text" => ParamType::Text,
        "bool" => ParamType::Bool,
        "date" => ParamType::Date,
        "enum" => ParamType::Enum(enum_values(d, &f)?),
        other => {
            let n = f.get("type").unwrap_or(node);
            let diag = d.report(
                n.pos,
                &f.at("type"),
                format!("unknown param type `{other}`"),
            );
            diag.expected = Some(one_of(&ParamType::NAMES));
            diag.hint = did_you_mean(other, ParamType::NAMES);
            return None;
        }
    };
    if !matches!(kind, ParamType::Enum(_))
        && let Some(v) = f.get("values")
    {
        d.report(v.pos, &f.at("values"), "`values` goes with `type: enum`")
            .hint = Some("use `type: enum` to limit the param to these values".into());
    }
    let default = match f.get("default") {
        Some(n) => {
            let text = d.text(n, &f.at("default"))?;
            match kind.parse(&text) {
                Some(v) => Some(v),
                None => {
                    d.report(
                        n.pos,
                        &f.at("default"),
                        format!("the default of `{name}` must be {}", kind.describe()),
                    )
                    .expected = Some(kind.describe());
                    return None;
                }
            }
        }
        None => None,
    };
    Some(ParamDef {
        name: name.to_string(),
        kind,
        default,
    })
}

fn enum_values(d: &mut Decoder, f: &crate::syntax::decode::Fields) -> Option<Vec<String>> {
    let Some(node) = f.get("values") else {
        d.missing(
            f,
            "values",
            "a list of values",
            Some("e.g. `values: [free, pro]`"),
        );
        return None;
    };
    let items = d.list(node, &f.at("values"), "a list of values")?;
    let values: Option<Vec<String>> = items
        .iter()
        .enumerate()
        .map(|(i, n)| d.text(n, &index(&f.at("values"), i)))
        .collect();
    let values = values?;
    if values.is_empty() {
        d.report(
            node.pos,
            &f.at("values"),
            "an enum param needs at least one value",
        );
        return None;
    }
    Some(values)
}
