//! Reading a result table for a chart: the x values and where each row's sits, the series, a
//! pie's slices, a number tile's figure and a table tile's rows, all without failing on missing
//! columns, nulls or values that are not numbers.

use std::collections::HashMap;

use super::model::{
    Figure, Grid, MAX_GRID_ROWS, MAX_SLICES, OTHER, PALETTE, Series, Slice, XAxis, XKind,
};
use super::{ChartSpec, Format, format};
use crate::table::{Cell, Table};

/// A cell as a number: integers, finite floats and text holding one.
pub fn number(cell: &Cell) -> Option<f64> {
    let f = match cell {
        Cell::Int(i) => *i as f64,
        Cell::Float(f) => *f,
        Cell::Text(t) => t.trim().parse().ok()?,
        _ => return None,
    };
    f.is_finite().then_some(f)
}

fn column(table: &Table, name: &str) -> Option<usize> {
    table.columns.iter().position(|c| c.name == name)
}

/// The x axis and, for each row, the index of its x among the axis's keys (`None` to skip it).
pub(super) fn x_axis(spec: &ChartSpec, table: &Table) -> (XAxis, Vec<Option<usize>>) {
    let mut axis = XAxis {
        column: spec.x.clone(),
        format: spec.x.as_ref().and_then(|x| spec.formats.get(x)).cloned(),
        kind: XKind::Category,
        keys: Vec::new(),
        labels: Vec::new(),
    };
    let Some(name) = &spec.x else {
        axis.keys = (0..table.rows.len()).map(|i| i as f64).collect();
        axis.labels = (1..=table.rows.len()).map(|i| i.to_string()).collect();
        return (axis, (0..table.rows.len()).map(Some).collect());
    };
    let Some(i) = column(table, name) else {
        return (axis, vec![None; table.rows.len()]);
    };
    let cells: Vec<&Cell> = table
        .rows
        .iter()
        .map(|r| r.get(i).unwrap_or(&Cell::Null))
        .collect();
    let present = || cells.iter().filter(|c| !matches!(c, Cell::Null));
    let format = spec.formats.get(name);
    if present().all(|c| matches!(c, Cell::Date(_) | Cell::Timestamp(_))) {
        let days_only = present().all(|c| match c {
            Cell::Timestamp(t) => t.time() == chrono::NaiveTime::MIN,
            _ => true,
        });
        axis.kind = XKind::Time { days_only };
        let seconds = |c: &Cell| match c {
            Cell::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp() as f64),
            Cell::Timestamp(t) => Some(t.timestamp() as f64),
            _ => None,
        };
        let (keys, positions) = sorted(cells.iter().map(|c| seconds(c)));
        let labels = keys
            .iter()
            .filter_map(|k| chrono::DateTime::from_timestamp(*k as i64, 0))
            .map(|t| format::cell(&Cell::Timestamp(t), format))
            .collect();
        axis.keys = keys;
        axis.labels = labels;
        return (axis, positions);
    }
    if present().all(|c| matches!(c, Cell::Int(_) | Cell::Float(_))) {
        axis.kind = XKind::Number;
        let (keys, positions) = sorted(cells.iter().map(|c| number(c)));
        axis.labels = keys
            .iter()
            .map(|k| format::cell(&Cell::Float(*k), format))
            .collect();
        axis.keys = keys;
        return (axis, positions);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let positions = cells
        .iter()
        .map(|c| {
            if matches!(c, Cell::Null) {
                return None;
            }
            let label = format::cell(c, format);
            let next = axis.labels.len();
            let at = *seen.entry(label.clone()).or_insert(next);
            if at == next {
                axis.labels.push(label);
                axis.keys.push(next as f64);
            }
            Some(at)
        })
        .collect();
    (axis, positions)
}

/// The distinct values ascending, and where each row's value sits among them.
fn sorted(values: impl Iterator<Item = Option<f64>>) -> (Vec<f64>, Vec<Option<usize>>) {
    let values: Vec<Option<f64>> = values.collect();
    let mut keys: Vec<f64> = values.iter().flatten().copied().collect();
    keys.sort_by(f64::total_cmp);
    keys.dedup();
    let positions = values
        .iter()
        .map(|v| v.and_then(|v| keys.binary_search_by(|k| k.total_cmp(&v)).ok()))
        .collect();
    (keys, positions)
}

/// The series: one per `y` column present, or one per value of the `series` column for the
/// first `y` (none when that column is missing).
pub(super) fn series(
    spec: &ChartSpec,
    table: &Table,
    positions: &[Option<usize>],
    n: usize,
) -> Vec<Series> {
    let columns: Vec<(&String, usize)> = spec
        .y
        .iter()
        .filter_map(|y| column(table, y).map(|i| (y, i)))
        .collect();
    let mut out: Vec<Series> = Vec::new();
    let add = |out: &mut Vec<Series>, at: usize, x: usize, cell: Option<&Cell>| {
        if let Some(v) = cell.and_then(number) {
            let slot = &mut out[at].values[x];
            *slot = Some(slot.unwrap_or(0.0) + v);
        }
    };
    let new = |name: String, i: usize| Series {
        name,
        color: PALETTE[i % PALETTE.len()],
        values: vec![None; n],
    };
    match &spec.series {
        None => {
            for (i, (name, _)) in columns.iter().enumerate() {
                out.push(new((*name).clone(), i));
            }
            for (row, x) in table.rows.iter().zip(positions) {
                let Some(x) = *x else { continue };
                for (s, (_, c)) in columns.iter().enumerate() {
                    add(&mut out, s, x, row.get(*c));
                }
            }
        }
        Some(split) => {
            let (Some(by), Some((_, c))) = (column(table, split), columns.first()) else {
                return out;
            };
            let format = spec.formats.get(split);
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (row, x) in table.rows.iter().zip(positions) {
                let Some(x) = *x else { continue };
                let name = match row.get(by) {
                    None | Some(Cell::Null) => "(empty)".to_string(),
                    Some(cell) => format::cell(cell, format),
                };
                let next = out.len();
                let s = *seen.entry(name.clone()).or_insert(next);
                if s == next {
                    out.push(new(name, next));
                }
                add(&mut out, s, x, row.get(*c));
            }
        }
    }
    out
}

/// A pie's slices: each x's positive total of the first `y`, largest first, those past
/// `MAX_SLICES - 1` summed into "Other" when there are more than `MAX_SLICES`.
pub(super) fn slices(spec: &ChartSpec, table: &Table) -> Vec<Slice> {
    let Some(y) = spec.y.first().and_then(|y| column(table, y)) else {
        return Vec::new();
    };
    let x = match &spec.x {
        Some(name) => match column(table, name) {
            Some(i) => Some(i),
            None => return Vec::new(),
        },
        None => None,
    };
    let format = spec.x.as_ref().and_then(|x| spec.formats.get(x));
    let mut totals: Vec<(String, f64)> = Vec::new();
    for (r, row) in table.rows.iter().enumerate() {
        let Some(v) = row.get(y).and_then(number) else {
            continue;
        };
        let label = match x.map(|i| row.get(i)) {
            None => (r + 1).to_string(),
            Some(None | Some(Cell::Null)) => "(empty)".to_string(),
            Some(Some(cell)) => format::cell(cell, format),
        };
        match totals.iter_mut().find(|(l, _)| *l == label) {
            Some((_, total)) => *total += v,
            None => totals.push((label, v)),
        }
    }
    totals.retain(|(_, v)| *v > 0.0);
    totals.sort_by(|a, b| b.1.total_cmp(&a.1));
    let others = totals.len() > MAX_SLICES;
    if others {
        let rest: f64 = totals.drain(MAX_SLICES - 1..).map(|(_, v)| v).sum();
        totals.push(("Other".to_string(), rest));
    }
    totals
        .into_iter()
        .enumerate()
        .map(|(i, (label, value))| Slice {
            color: if others && i == MAX_SLICES - 1 {
                OTHER
            } else {
                PALETTE[i % PALETTE.len()]
            },
            label,
            value,
        })
        .collect()
}

pub(super) fn figure(spec: &ChartSpec, table: &Table) -> Figure {
    let column = spec.y.first().cloned().unwrap_or_default();
    let format = spec.formats.get(&column);
    let cell = table.get(0, &column).unwrap_or(&Cell::Null);
    let value = number(cell);
    let text = format::cell(cell, format);
    let short = value.map_or_else(|| text.clone(), |v| format::short(v, format));
    Figure {
        label: spec.title.clone(),
        column,
        value,
        text,
        short,
    }
}

pub(super) fn grid(spec: &ChartSpec, table: &Table) -> Grid {
    let formats: Vec<Option<&Format>> = table
        .columns
        .iter()
        .map(|c| spec.formats.get(&c.name))
        .collect();
    Grid {
        columns: table.names(),
        kinds: table.columns.iter().map(|c| c.kind).collect(),
        rows: table
            .rows
            .iter()
            .take(MAX_GRID_ROWS)
            .map(|row| {
                row.iter()
                    .zip(&formats)
                    .map(|(cell, f)| format::cell(cell, *f))
                    .collect()
            })
            .collect(),
        total_rows: table.rows.len(),
    }
}
