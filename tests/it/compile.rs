//! Snapshots of the SQL each rule type compiles to, in every dialect.

use chrono::{DateTime, Utc};

use cdp::project;
use cdp::segment::compile::Compiler;
use cdp::sql::dialect::DialectKind;

use crate::common::{NOW, TempProject};

/// One segment per rule type; `ref_target` exists so `segment:` has something to refer to.
const RULES: &[(&str, &str)] = &[
    (
        "trait_ops",
        "all:\n  - { trait: plan, eq: pro }\n  - { trait: plan, ne: free }\n  - { trait: country, in: [US, CA] }\n  - { trait: country, not_in: [BR] }\n  - { trait: lifetime_value, gt: 10 }\n  - { trait: lifetime_value, gte: 10.5 }\n  - { trait: lifetime_value, lt: 1000 }\n  - { trait: lifetime_value, lte: 999 }\n  - { trait: lifetime_value, between: [1, 2] }\n  - { trait: email, contains: \"@ex\" }\n  - { trait: email, starts_with: ana }\n  - { trait: email, ends_with: .com }\n  - { trait: email, matches: '^[a-z]+' }\n  - { trait: email, is_set: true }\n  - { trait: phone, is_not_set: true }\n  - { trait: opt_in, eq: true }\n",
    ),
    (
        "event_count",
        "event: purchase\nwithin: 30d\ncount: { gte: 2 }\n",
    ),
    (
        "event_count_zero",
        "event: feature_used\ncount: { eq: 0 }\n",
    ),
    (
        "event_aggregates",
        "all:\n  - { event: purchase, sum: amount, gte: 100, within: 365d, where: [{ property: currency, eq: USD }] }\n  - { event: purchase, avg: amount, gt: 20, within: 90d }\n  - { event: purchase, min: amount, gte: 5, within: 90d }\n  - { event: purchase, max: amount, lt: 500, within: 90d }\n",
    ),
    (
        "event_during",
        "event: purchase\nduring: [2026-01-01, 2026-02-01]\n",
    ),
    (
        "event_where_ops",
        "event: page_view\nwithin: 7d\nwhere:\n  - { property: path, starts_with: /pri }\n  - { property: duration, between: [1, 60] }\n  - { property: referrer, is_not_set: true }\n",
    ),
    (
        "first_last_seen",
        "all:\n  - first_seen: { event: app_install, within: 7d }\n  - last_seen: { event: session_start, during: [2026-05-01, 2026-06-01] }\n",
    ),
    (
        "sequence",
        "sequence:\n  - { event: page_view, where: [{ property: path, eq: /pricing }] }\n  - add_to_cart\n  - purchase\nwithin: 1d\nsince: 30d\n",
    ),
    (
        "sequence_same_event",
        "sequence: [purchase, purchase]\nwithin: 7d\n",
    ),
    (
        "nesting",
        "any:\n  - all:\n      - { trait: plan, eq: pro }\n      - not: { event: session_start, within: 14d }\n  - not:\n      any:\n        - { trait: country, eq: US }\n        - { event: purchase, within: 7d }\n",
    ),
    (
        "segment_reference",
        "all:\n  - segment: ref_target\n  - not: { segment: ref_target }\n",
    ),
    ("raw_sql", "sql: \"lifetime_value > 500\"\n"),
    (
        "one_scan_five_conditions",
        "all:\n  - { event: session_start, within: 30d, count: { gte: 5 } }\n  - { event: purchase, within: 90d }\n  - { event: purchase, sum: amount, gte: 50, within: 90d }\n  - not: { event: support_ticket, within: 30d }\n  - { event: add_to_cart, within: 7d, count: { gte: 1 } }\n",
    ),
];

fn project() -> (TempProject, project::Project) {
    let mut files: Vec<(String, String)> = RULES
        .iter()
        .map(|(name, rules)| {
            (
                format!("{name}.yaml"),
                format!("name: {name}\nrules:\n{}", indent(rules)),
            )
        })
        .collect();
    files.push((
        "ref_target.yaml".into(),
        "name: ref_target\nrules: { event: session_start, within: 30d }\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let p = TempProject::with("", &refs);
    let loaded = project::load(p.path(), None).unwrap_or_else(|e| panic!("{e:?}"));
    (p, loaded)
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

#[test]
fn sql_of_every_rule_type_in_every_dialect() {
    let (_dir, project) = project();
    let now: DateTime<Utc> = NOW.parse().unwrap();
    for (name, _) in RULES {
        let mut text = String::new();
        for kind in [
            DialectKind::Duckdb,
            DialectKind::Postgres,
            DialectKind::Snowflake,
        ] {
            let c = Compiler {
                dialect: kind.dialect(),
                tables: project.tables(),
                now,
            };
            let sql = c.segment(&project.segments, name).unwrap();
            text.push_str(&format!("-- {}\n{sql};\n\n", kind.dialect().name()));
        }
        insta::assert_snapshot!(*name, text);
    }
}

#[test]
fn one_scan_of_events_however_many_conditions() {
    let (_dir, project) = project();
    let now: DateTime<Utc> = NOW.parse().unwrap();
    let c = Compiler {
        dialect: DialectKind::Duckdb.dialect(),
        tables: project.tables(),
        now,
    };
    let sql = c
        .segment(&project.segments, "one_scan_five_conditions")
        .unwrap();
    assert_eq!(sql.matches("from events").count(), 1, "{sql}");
}

#[test]
fn a_mapped_warehouse_uses_its_own_names() {
    let p = TempProject::with(
        "tables:\n  users: { table: crm.Customers, id: CustomerId }\n  events: { table: analytics.track, user_id: uid, name: type, timestamp: sent_at, properties: payload }\n",
        &[(
            "a.yaml",
            "name: a\nrules:\n  all:\n    - { trait: Plan, eq: pro }\n    - { event: purchase, within: 7d, where: [{ property: amount, gt: 5 }] }\n",
        )],
    );
    let project = project::load(p.path(), None).unwrap();
    let now: DateTime<Utc> = NOW.parse().unwrap();
    let mut text = String::new();
    for kind in [DialectKind::Duckdb, DialectKind::Snowflake] {
        let c = Compiler {
            dialect: kind.dialect(),
            tables: project.tables(),
            now,
        };
        text.push_str(&format!(
            "-- {}\n{};\n\n",
            kind.dialect().name(),
            c.segment(&project.segments, "a").unwrap()
        ));
    }
    insta::assert_snapshot!(text);
}

/// The membership SQL a refresh runs, in each dialect: tables, the changes, the one-transaction merge.
#[test]
fn membership_sql_in_every_dialect() {
    use cdp::membership::sql::{Merge, MergeSegment, Tables};
    use cdp::sql::dialect::DialectKind;
    use chrono::TimeZone;
    let segments = [
        MergeSegment {
            name: "lapsed_payers".into(),
            column: 0,
            version: 3,
        },
        MergeSegment {
            name: "it's quoted".into(),
            column: 1,
            version: 1,
        },
    ];
    let mut text = String::new();
    for kind in [
        DialectKind::Duckdb,
        DialectKind::Postgres,
        DialectKind::Snowflake,
    ] {
        let t = Tables::new(kind, "cdp");
        let merge = Merge {
            segments: &segments,
            run_id: 42,
            at: chrono::Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap(),
            duration_ms: 1500,
        };
        text.push_str(&format!("-- {}\n", kind.dialect().name()));
        for sql in t
            .ensure()
            .into_iter()
            .chain(t.stage_sql("select 'u1' as user_id, true as cdp_m0, false as cdp_m1"))
            .chain(t.changes_sql(&segments))
            .chain(t.merge_sql(&merge))
        {
            text.push_str(&sql);
            text.push_str(";\n");
        }
        text.push_str(&t.members_sql("lapsed_payers", Some(merge.at)));
        text.push_str(";\n\n");
    }
    insta::assert_snapshot!(text);
}
