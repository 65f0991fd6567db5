//! A large state store made up as an export document: runs with their snapshots, syncs,
//! rejected users and audit entries, for migration tests and the state benchmark (which
//! includes this file).

use cdp::state::dump::{Document, FORMAT, TABLES, TableDump};
use serde_json::{Value, json};

/// A document of about `rows` rows in all, ten per run, at the given migrations.
pub fn document(rows: usize, migrations: Vec<i64>) -> Document {
    let runs = (rows / 10).max(1);
    let at = |i: usize| {
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
            + chrono::Duration::seconds(i as i64 * 60);
        cdp::state::dump::time(t.with_timezone(&chrono::Utc))
    };
    let mut tables: Vec<Vec<Vec<Value>>> = vec![Vec::new(); TABLES.len()];
    let table = |name: &str| TABLES.iter().position(|(t, _, _)| *t == name).unwrap();
    let (runs_t, snaps_t, audit_t, syncs_t, rej_t) = (
        table("runs"),
        table("snapshots"),
        table("audit"),
        table("syncs"),
        table("sync_rejections"),
    );
    tables[table("definitions")].push(vec![
        json!("segment"),
        json!("vip"),
        json!(1),
        json!("abc"),
        json!("name: vip\nrules: { trait: tier, eq: gold }\n"),
        json!("ci"),
        at(0),
        Value::Null,
        Value::Null,
    ]);
    for r in 1..=runs {
        let id = r as i64;
        let sync = r % 2 == 0;
        tables[runs_t].push(vec![
            json!(id),
            json!(if sync { "sync" } else { "refresh" }),
            json!("vip"),
            at(r),
            at(r + 1),
            json!(r * 7 % 1000),
            json!("succeeded"),
            Value::Null,
            json!(4242),
            json!("host-a"),
        ]);
        for segment in ["vip", "whales"] {
            tables[snaps_t].push(vec![
                json!(id),
                json!(segment),
                json!(1),
                at(r),
                json!(1000 + r),
                json!(r % 13),
                json!(r % 7),
                json!(12),
            ]);
        }
        tables[audit_t].push(vec![
            json!(id),
            at(r),
            json!("ci"),
            json!(if sync { "sync" } else { "refresh" }),
            json!("vip"),
            json!(format!("run {id}")),
        ]);
        tables[syncs_t].push(vec![
            json!(id),
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
            json!(r % 3 == 0),
            Value::Null,
        ]);
        for u in 0..5 {
            tables[rej_t].push(vec![
                json!(id),
                json!("vip"),
                json!("braze"),
                json!(format!("user-{r}-{u}")),
                json!(u % 2 == 0),
                json!("invalid external_id: 'ü' is not allowed"),
                json!(u != 3),
                at(r),
            ]);
        }
    }
    let mut map = serde_json::Map::new();
    for ((name, columns, _), rows) in TABLES.iter().zip(tables) {
        map.insert(
            name.to_string(),
            serde_json::to_value(TableDump::new(columns, rows)).unwrap(),
        );
    }
    Document {
        format: FORMAT,
        cdp_version: env!("CARGO_PKG_VERSION").to_string(),
        migrations,
        tables: map,
    }
}

/// The migrations a store of this cdp is at, read from its folders of migrations.
pub fn migrations() -> Vec<i64> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
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
