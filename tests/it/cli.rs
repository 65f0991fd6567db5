//! The binary as a new user meets it: quickstart, listings, tests, schemas, completions.

use crate::common::{TempProject, cdp_in, repo};

#[test]
fn quickstart_in_an_empty_folder() {
    let p = TempProject::empty();
    let out = p.run(&["quickstart", "--users", "2000"]);
    out.ok();
    assert!(p.path().join("cdp.yaml").exists());
    assert!(p.path().join("segments/lapsed_payers.yaml").exists());
    assert!(p.path().join("schemas/segment.schema.json").exists());
    assert!(p.path().join(".cdp/warehouse.duckdb").exists());
    let ignore = std::fs::read_to_string(p.path().join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == ".cdp/"), "{ignore}");
    for name in [
        "lapsed_payers",
        "power_users",
        "upsell_candidates",
        "web_europe_engaged",
    ] {
        assert!(out.stdout.contains(name), "{name} missing:\n{}", out.stdout);
    }
    assert!(out.stderr.contains("next:"), "{}", out.stderr);
    assert!(p.path().join(".cdp/state.db").exists());
    // A second run reuses the project: the same members, so nobody enters or exits.
    let csv = |o: &crate::common::Output| -> Vec<Vec<String>> {
        o.stdout
            .lines()
            .skip(1)
            .map(|l| l.split(',').take(4).map(str::to_string).collect())
            .collect()
    };
    let first = p.run(&["quickstart", "--users", "2000", "--format", "csv"]);
    let again = p.run(&["quickstart", "--users", "2000", "--format", "csv"]);
    let (first, again) = (csv(first.ok()), csv(again.ok()));
    assert_eq!(first.len(), 10);
    for (a, b) in first.iter().zip(&again) {
        assert_eq!((&a[0], &a[1]), (&b[0], &b[1]));
        assert_eq!((b[2].as_str(), b[3].as_str()), ("0", "0"), "{b:?}");
    }
    let history = p.run(&["segments", "history", "power_users", "--format", "csv"]);
    assert_eq!(
        history.ok().stdout.lines().count(),
        4,
        "three refreshes: {}",
        history.stdout
    );
}

#[test]
fn segments_list() {
    let out = TempProject::demo().run(&["segments", "list"]);
    out.ok();
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn segment_tests_pass_on_the_demo_project() {
    let out = TempProject::demo().run(&["test"]);
    out.ok();
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_failing_segment_test_explains_itself() {
    let p = TempProject::with(
        "",
        &[(
            "a.yaml",
            "name: a\nrules:\n  all:\n    - { trait: plan, eq: pro }\n    - { event: purchase, within: 30d, count: { gte: 2 } }\ntests:\n  - user: one_purchase\n    traits: { plan: pro }\n    events: [{ event: purchase, ago: 3d }]\n    member: true\n",
        )],
    );
    let out = p.run(&["test"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.snapshot());
}

#[test]
fn committed_schemas_match_the_binary() {
    let p = TempProject::empty();
    let out = p.path().join("out");
    p.run(&["schema", "--out", out.to_str().unwrap()]).ok();
    for file in [
        "cdp.schema.json",
        "segment.schema.json",
        "dashboard.schema.json",
        "campaign.schema.json",
    ] {
        let fresh = std::fs::read_to_string(out.join(file)).unwrap();
        let committed = std::fs::read_to_string(repo().join("schemas").join(file)).unwrap();
        assert_eq!(
            fresh, committed,
            "schemas/{file} is stale: run `cdp schema --out schemas`"
        );
    }
    let one = p.run(&["schema", "segment"]);
    one.ok();
    let v: serde_json::Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(v["title"], "cdp segment");
}

#[test]
fn completions_for_each_shell() {
    let p = TempProject::empty();
    for shell in ["bash", "zsh", "fish"] {
        let out = p.run(&["completions", shell]);
        out.ok();
        assert!(out.stdout.contains("quickstart"), "{shell}");
    }
}

#[test]
fn query_prints_in_every_format() {
    let p = TempProject::demo();
    p.run(&["demo", "seed", "--users", "300"]).ok();
    let sql = "select plan, count(*) as users from users group by plan order by plan";
    let table = p.run(&["query", sql]);
    table.ok();
    assert!(
        table.stdout.contains("plan") && table.stdout.contains("free"),
        "{}",
        table.stdout
    );
    let csv = p.run(&["query", sql, "--format", "csv"]);
    assert!(csv.stdout.starts_with("plan,users\n"), "{}", csv.stdout);
    let json = p.run(&["query", sql, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let total: i64 = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["users"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 300);
    let bad = p.run(&["query", "select nope from nowhere"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .starts_with("error: the query failed in the warehouse\n  Caused by:"),
        "{}",
        bad.stderr
    );
}

#[test]
fn unknown_segment_suggests_a_name() {
    let out = TempProject::demo().run(&["compile", "lapsed_payer"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("hint: did you mean `lapsed_payers`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn demo_seed_is_deterministic() {
    let a = TempProject::demo();
    let b = TempProject::demo();
    let q = "select count(*) as n, sum(lifetime_value) as ltv, (select count(*) from events) as events, (select max(ts) from events) as last from users";
    a.run(&["demo", "seed", "--users", "400", "--seed", "9"])
        .ok();
    b.run(&["demo", "seed", "--users", "400", "--seed", "9"])
        .ok();
    let qa = a.run(&["query", q, "--format", "csv"]);
    let qb = b.run(&["query", q, "--format", "csv"]);
    assert_eq!(qa.stdout, qb.stdout);
    b.run(&["demo", "seed", "--users", "400", "--seed", "10"])
        .ok();
    assert_ne!(qa.stdout, b.run(&["query", q, "--format", "csv"]).stdout);
}

#[test]
fn every_example_project_validates_and_passes_its_tests() {
    let mut seen = 0;
    for entry in std::fs::read_dir(repo().join("examples")).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("cdp.yaml").exists() {
            continue;
        }
        seen += 1;
        cdp_in(&dir, &["validate"], &[]).ok();
        cdp_in(&dir, &["test"], &[]).ok();
    }
    assert!(seen >= 1, "no example projects found");
}

#[test]
fn quickstart_carries_every_demo_file() {
    let mut in_repo: Vec<String> = std::fs::read_dir(repo().join("segments"))
        .unwrap()
        .map(|e| format!("segments/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    in_repo.push("cdp.yaml".into());
    for folder in ["dashboards", "campaigns", "assets/offers"] {
        in_repo.extend(
            std::fs::read_dir(repo().join(folder))
                .unwrap()
                .map(|e| format!("{folder}/{}", e.unwrap().file_name().to_string_lossy())),
        );
    }
    in_repo.sort();
    let mut embedded: Vec<String> = cdp::scaffold::FILES
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    embedded.sort();
    assert_eq!(
        in_repo, embedded,
        "src/scaffold.rs must list every demo file"
    );
}

/// `init` starts a project once: it keeps an existing `.gitignore` and adds `.cdp/` to it, and
/// in a folder that already holds a project it changes nothing and says so.
#[test]
fn init_starts_a_project_once() {
    let p = TempProject::empty();
    p.write(".gitignore", "target/");
    let out = p.run(&["init"]);
    out.ok();
    assert!(
        out.stdout.contains(".gitignore (added .cdp/)"),
        "{}",
        out.stdout
    );
    let ignore = std::fs::read_to_string(p.path().join(".gitignore")).unwrap();
    assert!(
        ignore.starts_with("target/\n") && ignore.lines().any(|l| l == ".cdp/"),
        "{ignore}"
    );
    p.run(&["validate"]).ok();

    let segments = std::fs::read_dir(p.path().join("segments"))
        .unwrap()
        .count();
    std::fs::remove_file(p.path().join("segments/power_users.yaml")).unwrap();
    let again = p.run(&["init"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("a project is already here"),
        "{}",
        again.stderr
    );
    assert!(again.stderr.contains("hint:"), "{}", again.stderr);
    let now = std::fs::read_dir(p.path().join("segments"))
        .unwrap()
        .count();
    assert_eq!(now, segments - 1, "nothing written");
    let ignore_again = std::fs::read_to_string(p.path().join(".gitignore")).unwrap();
    assert_eq!(ignore_again, ignore);
}
