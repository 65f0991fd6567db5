//! The project against the warehouse it points at: `validate --connect` places every table,
//! column, trait and condition the warehouse does not have in the project's files, and a
//! refresh, plan or preview that fails for such a reason says where.

use crate::common::{Output, TempProject};

/// The demo project with its demo data, so everything fits until a test breaks it.
fn seeded() -> TempProject {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "300", "--days", "30"])
        .ok();
    p
}

fn edit(p: &TempProject, file: &str, from: &str, to: &str) {
    let path = p.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} holds {from}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn problems(out: &Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(doc["valid"], false);
    doc["problems"].as_array().unwrap().clone()
}

#[test]
fn a_fitting_project_passes() {
    let p = seeded();
    let out = p.run(&["validate", "--connect"]);
    out.ok();
    assert!(out.stderr.contains("connected: duckdb warehouse"));
}

/// A new project before any data: both tables are missing, each said at its line of cdp.yaml.
#[test]
fn missing_tables_are_placed_in_cdp_yaml() {
    let p = TempProject::demo();
    let out = p.run(&["validate", "--connect"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.snapshot());
}

#[test]
fn a_mapped_column_that_is_not_there() {
    let p = seeded();
    edit(&p, "cdp.yaml", "timestamp: ts", "timestamp: event_ts");
    let out = p.run(&["validate", "--connect"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.snapshot());
}

/// A misspelt trait, a `sql:` condition naming a column that does not exist and a text trait
/// compared with a number, in three files: all three in one run, each where it is written.
#[test]
fn every_mistake_in_one_run() {
    let p = seeded();
    edit(
        &p,
        "segments/upsell_candidates.yaml",
        "trait: plan, in",
        "trait: plna, in",
    );
    edit(
        &p,
        "segments/web_europe_engaged.yaml",
        "sql: \"lifetime_value > 0\"",
        "sql: \"lifetim_value > 0\"",
    );
    edit(
        &p,
        "segments/high_value_at_risk.yaml",
        "trait: lifetime_value, gte: 300",
        "trait: email, gte: 300",
    );
    let out = p.run(&["validate", "--connect"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.snapshot());

    let json = p.run(&["validate", "--connect", "--format", "json"]);
    assert_eq!(json.code, 1);
    let found: Vec<(String, String)> = problems(&json)
        .iter()
        .map(|p| {
            (
                format!(
                    "{}:{}:{}",
                    p["file"].as_str().unwrap(),
                    p["line"],
                    p["column"]
                ),
                p["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("segments/upsell_candidates.yaml:7:16", "rules.all[0].trait"),
            ("segments/web_europe_engaged.yaml:12:12", "rules.all[5].sql"),
            (
                "segments/high_value_at_risk.yaml:8:16",
                "rules.all[1].trait"
            ),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

/// The commands that run a segment's query explain a failure the same way, and keep nothing
/// half done: the misspelt segment fails, the membership recorded before stays.
#[test]
fn refresh_plan_and_preview_say_where() {
    let p = seeded();
    p.run(&["apply", "--auto-approve"]).ok();
    p.run(&["refresh", "--all"]).ok();
    let before = p
        .run(&[
            "segments",
            "members",
            "upsell_candidates",
            "--format",
            "csv",
        ])
        .ok()
        .stdout
        .clone();
    edit(
        &p,
        "segments/upsell_candidates.yaml",
        "trait: plan, in",
        "trait: plna, in",
    );
    for args in [
        vec!["plan"],
        vec!["segments", "preview", "upsell_candidates", "--count"],
        vec!["segments", "preview", "upsell_candidates"],
    ] {
        let out = p.run(&args);
        assert_eq!(out.code, 1, "{args:?}");
        for want in [
            "segments/upsell_candidates.yaml:7:16",
            "did you mean `plan`?",
            "the project does not fit the warehouse",
        ] {
            assert!(
                out.stderr.contains(want),
                "{args:?} {want}:\n{}",
                out.stderr
            );
        }
    }
    p.run(&["apply", "--auto-approve"]).ok();
    let refresh = p.run(&["refresh", "--all"]);
    assert_eq!(refresh.code, 1);
    assert!(
        refresh
            .stderr
            .contains("segments/upsell_candidates.yaml:7:16"),
        "{}",
        refresh.stderr
    );
    let after = p.run(&[
        "segments",
        "members",
        "upsell_candidates",
        "--format",
        "csv",
    ]);
    assert_eq!(after.ok().stdout, before);
}
