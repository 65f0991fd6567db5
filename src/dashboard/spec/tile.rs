//! One entry of a dashboard's `tiles:`: its chart, where its rows come from, its columns, formats
//! and place on the grid.

use super::params::{BUILT_INS, ParamDef, Piece, template};
use super::tile_fields::{columns, formats, layout, page_break};
use super::{DEFAULT_MAX_ROWS, Metric, Source, TileDef};
use crate::dashboard::chart::{ChartKind, ChartSpec};
use crate::dashboard::result::Layout;
use crate::syntax::decode::{Decoder, Fields, one_of};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml::{Node, Value};

const KEYS: &[&str] = &[
    "id",
    "title",
    "chart",
    "sql",
    "metric",
    "segment",
    "x",
    "y",
    "series",
    "format",
    "page_break",
    "layout",
    "max_rows",
];

/// The grid's width in columns.
pub const GRID_COLUMNS: u32 = 12;

/// A tile and whether its layout was written (the others are placed after every written one).
pub struct Parsed {
    pub tile: TileDef,
    pub placed: bool,
}

pub fn parse_tile(d: &mut Decoder, node: &Node, path: &str, params: &[ParamDef]) -> Option<Parsed> {
    let f = d.fields(node, path, "a tile", KEYS)?;
    let id = d.req_string(
        &f,
        "id",
        Some("every tile has an `id:`, e.g. `id: daily_users`"),
    );
    if let (Some(id), Some(n)) = (&id, f.get("id"))
        && !crate::segment::file::valid_name(id)
    {
        d.report(n.pos, &f.at("id"), format!("`{id}` is not a valid tile id"))
            .hint = Some("use lowercase letters, digits and `_`, starting with a letter".into());
    }
    let title = d.opt_string(&f, "title");
    let kind = match f.get("chart") {
        Some(n) => chart_kind(d, n, &f.at("chart")),
        None => {
            d.missing(&f, "chart", &one_of(&names()), Some("e.g. `chart: line`"));
            None
        }
    };
    let source = source(d, &f, params);
    let x = d.opt_string(&f, "x");
    let y = f
        .get("y")
        .and_then(|n| columns(d, n, &f.at("y")))
        .unwrap_or_default();
    let series = d.opt_string(&f, "series");
    let formats = f
        .get("format")
        .map(|n| formats(d, n, &f.at("format")))
        .unwrap_or_default();
    let page_break_before = f
        .get("page_break")
        .is_some_and(|n| page_break(d, n, &f.at("page_break")));
    let layout = f.get("layout").and_then(|n| layout(d, n, &f.at("layout")));
    let max_rows = match f.get("max_rows") {
        Some(n) => match &n.value {
            Value::Int(i) if *i > 0 => Some(*i as usize),
            _ => {
                d.wrong_type(n, &f.at("max_rows"), "a positive whole number");
                None
            }
        },
        None => Some(DEFAULT_MAX_ROWS),
    };
    let (kind, source) = (kind?, source?);
    let (x, y) = defaults(&source, kind, x, y);
    check_columns(d, &f, kind, &x, &y, &series);
    let spec = ChartSpec {
        kind,
        title: title.unwrap_or_else(|| id.clone().unwrap_or_default()),
        x,
        y,
        series,
        formats,
    };
    Some(Parsed {
        placed: layout.is_some(),
        tile: TileDef {
            id: id?,
            chart: spec,
            source,
            layout: layout.unwrap_or(Layout {
                x: 0,
                y: 0,
                w: GRID_COLUMNS,
                h: default_height(kind),
            }),
            page_break_before,
            max_rows: max_rows?,
            pos: node.pos,
        },
    })
}

fn names() -> Vec<&'static str> {
    ChartKind::ALL.iter().map(|(n, _)| *n).collect()
}

fn default_height(kind: ChartKind) -> u32 {
    match kind {
        ChartKind::Number => 2,
        ChartKind::Table => 6,
        _ => 4,
    }
}

fn chart_kind(d: &mut Decoder, node: &Node, path: &str) -> Option<ChartKind> {
    let name = d.string(node, path)?;
    if let Some((_, k)) = ChartKind::ALL.iter().find(|(n, _)| *n == name) {
        return Some(*k);
    }
    let diag = d.report(node.pos, path, format!("unknown chart `{name}`"));
    diag.expected = Some(one_of(&names()));
    diag.hint = did_you_mean(&name, names());
    None
}

fn source(d: &mut Decoder, f: &Fields, params: &[ParamDef]) -> Option<Source> {
    let segment = d.opt_string(f, "segment");
    match (f.get("sql"), f.get("metric")) {
        (Some(_), Some(m)) => {
            d.report(
                m.pos,
                &f.at("metric"),
                "a tile has either `sql` or `metric`, not both",
            )
            .hint = Some("remove one of them".into());
            None
        }
        (None, None) => {
            d.missing(
                f,
                "sql",
                "SQL or a built-in `metric`",
                Some("give `sql:` (a SELECT) or `metric:` (segment_sizes, segment_history, sync_runs)"),
            );
            None
        }
        (Some(node), None) => {
            if let Some(s) = f.get("segment") {
                d.report(
                    s.pos,
                    &f.at("segment"),
                    "`segment` goes with `metric: segment_history`",
                )
                .hint = Some("remove it, or use the metric".into());
            }
            let sql = d.string(node, &f.at("sql"))?;
            // A statement's own `;` would end the subquery tiles are wrapped in.
            let sql = sql.trim_end().trim_end_matches(';').trim_end().to_string();
            sql_source(d, node, &f.at("sql"), sql, params)
        }
        (None, Some(node)) => {
            let name = d.string(node, &f.at("metric"))?;
            let metric = match name.as_str() {
                "segment_sizes" => Metric::SegmentSizes,
                "sync_runs" => Metric::SyncRuns,
                "segment_history" => match segment {
                    Some(segment) => Metric::SegmentHistory { segment },
                    None => {
                        d.missing(
                            f,
                            "segment",
                            "a segment name",
                            Some("`metric: segment_history` shows one segment: add `segment: <name>`"),
                        );
                        return None;
                    }
                },
                other => {
                    let diag = d.report(
                        node.pos,
                        &f.at("metric"),
                        format!("unknown metric `{other}`"),
                    );
                    diag.expected = Some(one_of(&Metric::NAMES));
                    diag.hint = did_you_mean(other, Metric::NAMES);
                    return None;
                }
            };
            if !matches!(metric, Metric::SegmentHistory { .. })
                && let Some(s) = f.get("segment")
            {
                d.report(
                    s.pos,
                    &f.at("segment"),
                    format!("`segment` does not apply to `metric: {name}`"),
                )
                .hint = Some("only `metric: segment_history` takes a segment".into());
            }
            Some(Source::Metric(metric))
        }
    }
}

fn sql_source(
    d: &mut Decoder,
    node: &Node,
    path: &str,
    sql: String,
    params: &[ParamDef],
) -> Option<Source> {
    let pieces = match template(&sql) {
        Ok(p) => p,
        Err(e) => {
            d.report(node.pos, path, e.message).hint =
                Some("write a param as `{{ name }}`, a name declared under `params:`".into());
            return None;
        }
    };
    let mut ok = true;
    for piece in &pieces {
        if let Piece::Param { name, .. } = piece
            && !params.iter().any(|p| &p.name == name)
            && !BUILT_INS.contains(&name.as_str())
        {
            ok = false;
            let known: Vec<&str> = params
                .iter()
                .map(|p| p.name.as_str())
                .chain(BUILT_INS)
                .collect();
            d.report(
                node.pos,
                path,
                format!("`{{{{ {name} }}}}` is not a param of this dashboard"),
            )
            .hint = did_you_mean(name, known.iter().copied()).or_else(|| {
                Some(if known.is_empty() {
                    format!("declare it: `params: {{ {name}: <default> }}`")
                } else {
                    format!("declared params: {}", known.join(", "))
                })
            });
        }
    }
    ok.then_some(Source::Sql { sql, pieces })
}

/// A metric's usual columns when the tile names none.
fn defaults(
    source: &Source,
    kind: ChartKind,
    x: Option<String>,
    y: Vec<String>,
) -> (Option<String>, Vec<String>) {
    let Source::Metric(m) = source else {
        return (x, y);
    };
    if kind == ChartKind::Table || (x.is_some() && !y.is_empty()) {
        return (x, y);
    }
    let (dx, dy) = match m {
        Metric::SegmentSizes => ("segment", "members"),
        Metric::SegmentHistory { .. } => ("at", "members"),
        Metric::SyncRuns => ("started_at", "sent"),
    };
    let x = x.or_else(|| (kind != ChartKind::Number).then(|| dx.to_string()));
    let y = if y.is_empty() {
        vec![dy.to_string()]
    } else {
        y
    };
    (x, y)
}

fn check_columns(
    d: &mut Decoder,
    f: &Fields,
    kind: ChartKind,
    x: &Option<String>,
    y: &[String],
    series: &Option<String>,
) {
    let needs_axes = matches!(
        kind,
        ChartKind::Line | ChartKind::Bar | ChartKind::Area | ChartKind::Pie
    );
    if needs_axes && x.is_none() && !f.had_unknown && !f.has("x") {
        d.missing(
            f,
            "x",
            "a column name",
            Some(&format!(
                "a {} chart needs `x:`, the column along its axis",
                kind.name()
            )),
        );
    }
    if needs_axes && y.is_empty() && !f.had_unknown && !f.has("y") {
        d.missing(
            f,
            "y",
            "a column name or a list of them",
            Some(&format!(
                "a {} chart needs `y:`, the column(s) it plots",
                kind.name()
            )),
        );
    }
    if kind == ChartKind::Pie
        && y.len() > 1
        && let Some(n) = f.get("y")
    {
        d.report(n.pos, &f.at("y"), "a pie chart shows one `y` column")
            .hint = Some("keep one column, or use a bar chart".into());
    }
    if series.is_some()
        && y.len() > 1
        && let Some(n) = f.get("series")
    {
        d.report(
            n.pos,
            &f.at("series"),
            "`series` splits one `y` column by its values; this tile has several",
        )
        .hint = Some("keep one `y` column with `series`, or drop `series`".into());
    }
}
