//! A large state store made up as an export document, written row by row (so even a million
//! rows take little memory): runs with their snapshots, syncs, rejected users and audit
//! entries, for migration tests and the state benchmark (which includes this file).

use std::io::Write;
use std::path::Path;

use cdp::state::dump::{Checksum, FORMAT, TABLES};
use serde_json::{Value, json};

fn at(i: usize) -> Value {
    let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
        + chrono::Duration::seconds(i as i64 * 60);
    cdp::state::dump::time(t.with_timezone(&chrono::Utc))
}

/// The rows of `table` for `runs` runs.
fn rows(table: &str, runs: usize) -> Box<dyn Iterator<Item = Vec<Value>>> {
    let kind = |r: usize| {
        if r.is_multiple_of(2) {
            "sync"
        } else {
            "refresh"
        }
    };
    match table {
        "definitions" => Box::new(std::iter::once(vec![
            json!("segment"),
            json!("vip"),
            json!(1),
            json!("abc"),
            json!("name: vip\nrules: { trait: tier, eq: gold }\n"),
            json!("ci"),
            at(0),
            Value::Null,
            Value::Null,
        ])),
        "runs" => Box::new((1..=runs).map(move |r| {
            vec![
                json!(r),
                json!(kind(r)),
                json!("vip"),
                at(r),
                at(r + 1),
                json!(r * 7 % 1000),
                json!("succeeded"),
                Value::Null,
                json!(4242),
                json!("host-a"),
            ]
        })),
        "snapshots" => Box::new((1..=runs).flat_map(|r| {
            ["vip", "whales"].map(|segment| {
                vec![
                    json!(r),
                    json!(segment),
                    json!(1),
                    at(r),
                    json!(1000 + r),
                    json!(r % 13),
                    json!(r % 7),
                    json!(12),
                ]
            })
        })),
        "audit" => Box::new((1..=runs).map(move |r| {
            vec![
                json!(r),
                at(r),
                json!("ci"),
                json!(kind(r)),
                json!("vip"),
                json!(format!("run {r}")),
            ]
        })),
        "syncs" => Box::new((1..=runs).map(|r| {
            vec![
                json!(r),
                json!("vip"),
                json!("braze"),
                at(r),
                at(r + 1),
                json!("succeeded"),
                json!(0),
                json!(r % 13),
                json!(r % 7),
                json!(r),
                json!(20),
                json!(5),
                json!(1),
                json!(2),
                json!(340),
                json!(r.is_multiple_of(3)),
                Value::Null,
            ]
        })),
        "sync_rejections" => Box::new((1..=runs).flat_map(|r| {
            (0..5u32).map(move |u| {
                vec![
                    json!(r),
                    json!("vip"),
                    json!("braze"),
                    json!(format!("user-{r}-{u}")),
                    json!(u.is_multiple_of(2)),
                    json!("invalid external_id: 'ü' is not \"allowed\""),
                    json!(u != 3),
                    at(r),
                ]
            })
        })),
        _ => Box::new(std::iter::empty()),
    }
}

/// Writes a document of about `rows` rows in all (ten per run) at the given migrations.
pub fn write(path: &Path, rows_in_all: usize, migrations: &[i64]) {
    let runs = (rows_in_all / 10).max(1);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(
        out,
        "{{\"format\":{FORMAT},\"cdp_version\":{},\"migrations\":{},\"tables\":{{",
        json!(env!("CARGO_PKG_VERSION")),
        json!(migrations)
    )
    .unwrap();
    for (i, (name, columns, _)) in TABLES.iter().enumerate() {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let comma = if i == 0 { "" } else { "," };
        write!(
            out,
            "{comma}{}:{{\"columns\":{},\"rows\":[",
            json!(name),
            json!(names)
        )
        .unwrap();
        let mut sum = Checksum::default();
        for row in rows(name, runs) {
            let text = serde_json::to_string(&row).unwrap();
            if sum.rows() > 0 {
                out.write_all(b",").unwrap();
            }
            out.write_all(text.as_bytes()).unwrap();
            sum.add_json(&text);
        }
        write!(out, "],\"checksum\":{}}}", json!(sum.finish())).unwrap();
    }
    out.write_all(b"}}").unwrap();
    out.flush().unwrap();
}

/// The migrations a store of this cdp is at, read from its folder of migrations.
pub fn migrations() -> Vec<i64> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut versions: Vec<i64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            name.split('_').next()?.parse().ok()
        })
        .collect();
    versions.sort();
    versions
}
