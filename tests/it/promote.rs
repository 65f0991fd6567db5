//! `env promote`: staging's applied segments applied to prod (two DuckDB files, two state
//! stores), shown first as `plan` shows it, recorded in prod's store; then `plan` in prod
//! against the same YAML shows no changes.

use crate::common::{Output, TempProject};

const CONFIG: &str = "environments:
  staging:
    warehouse: { type: duckdb, path: .cdp/staging.duckdb }
    state: { url: \"sqlite://.cdp/staging-state.db\" }
  prod:
    warehouse: { type: duckdb, path: .cdp/prod.duckdb }
    state: { url: \"sqlite://.cdp/prod-state.db\" }
tables:
  users: { table: users, id: user_id }
  events: { table: events, user_id: user_id, name: event, timestamp: ts, properties: properties }
";

/// `env promote` from staging to `to`.
fn promote(p: &TempProject, to: &str, auto_approve: bool) -> Output {
    let mut args = vec!["env", "promote", "--from", "staging", "--to", to];
    if auto_approve {
        args.push("--auto-approve");
    }
    p.run(&args)
}

fn project() -> TempProject {
    let p = TempProject::demo();
    p.write("cdp.yaml", CONFIG);
    for env in ["staging", "prod"] {
        p.run(&["demo", "seed", "--users", "300", "--env", env])
            .ok();
    }
    p
}

#[test]
fn staging_is_promoted_to_prod_and_prod_then_plans_no_changes() {
    let p = project();
    p.run(&["apply", "--auto-approve", "--env", "staging"]).ok();
    // prod has one segment of its own, which the promotion removes.
    p.write(
        "segments/prod_only.yaml",
        "name: prod_only\nrules: { trait: plan, eq: pro }\n",
    );
    p.run(&["apply", "--auto-approve", "--env", "prod"]).ok();
    std::fs::remove_file(p.path().join("segments/prod_only.yaml")).unwrap();
    // and staging moves on: a segment changed after prod was applied.
    let power = p.path().join("segments/power_users.yaml");
    let changed = std::fs::read_to_string(&power).unwrap().replacen(
        "description: ",
        "description: Promoted. ",
        1,
    );
    std::fs::write(&power, &changed).unwrap();
    p.run(&["apply", "--auto-approve", "--env", "staging"]).ok();

    // Without a terminal and without --auto-approve: the plan, and nothing applied.
    let asked = promote(&p, "prod", false);
    assert_eq!(asked.code, 1, "{}", asked.snapshot());
    assert!(asked.stderr.contains("power_users"), "{}", asked.stderr);
    assert!(
        asked
            .stderr
            .contains("Plan: 0 to add, 1 to change, 1 to remove"),
        "{}",
        asked.stderr
    );
    let history = p.run(&["env", "history", "--env", "prod", "--format", "json"]);
    assert_eq!(history.ok().stdout.trim(), "[]");

    let done = promote(&p, "prod", true);
    done.ok();
    assert!(
        done.stderr.contains("Promoted 2 segments"),
        "{}",
        done.stderr
    );

    // prod now matches the YAML staging applied: no changes.
    let plan = p.run(&["plan", "--env", "prod", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.snapshot());
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    let again = promote(&p, "prod", true);
    again.ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);

    // The promotion is recorded once, in prod, with each segment's version and hash.
    let history = p.run(&["env", "history", "--env", "prod", "--format", "json"]);
    let log: serde_json::Value = serde_json::from_str(&history.ok().stdout).unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log[0]["from_env"], "staging");
    assert_eq!(log[0]["to_env"], "prod");
    let segments = log[0]["segments"].as_array().unwrap();
    let power = segments
        .iter()
        .find(|s| s["segment"] == "power_users")
        .unwrap();
    assert_eq!(power["action"], "change");
    assert_eq!(power["source_version"], 2);
    assert_eq!(power["hash"].as_str().unwrap().len(), 16);
    let gone = segments
        .iter()
        .find(|s| s["segment"] == "prod_only")
        .unwrap();
    assert_eq!(gone["action"], "remove");
    let staging = p.run(&["env", "history", "--env", "staging", "--format", "json"]);
    assert_eq!(staging.ok().stdout.trim(), "[]");
    let table = p.run(&["env", "history", "--env", "prod"]);
    assert!(table.ok().stdout.contains("power_users"));

    // prod's applied power_users is staging's YAML.
    let shown = p.run(&["segments", "show", "power_users", "--env", "prod"]);
    assert!(shown.ok().stdout.contains("Promoted."), "{}", shown.stdout);
}

#[test]
fn promotion_needs_two_environments_and_something_applied() {
    let p = TempProject::demo();
    p.write("cdp.yaml", CONFIG);
    let same = p.run(&["env", "promote", "--from", "prod", "--to", "prod"]);
    assert_eq!(same.code, 1);
    assert!(same.stderr.contains("both `prod`"), "{}", same.stderr);
    let empty = promote(&p, "prod", true);
    assert_eq!(empty.code, 1);
    assert!(
        empty.stderr.contains("nothing to promote")
            && empty.stderr.contains("cdp apply --env staging"),
        "{}",
        empty.stderr
    );
    let unknown = promote(&p, "prdo", false);
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("prod"), "{}", unknown.stderr);
}
