//! `env list` and `env status`: every component of an environment, redacted, and whether it
//! answers, on real PostgreSQL and Redis when the suite has them.

use crate::common::{PgDatabase, TempProject, postgres_url};

const SECRET: &str = "hunter2-s3cret";

fn config(extra_env: &str) -> String {
    format!(
        "environments:\n  dev: {{}}\n  prod:\n    warehouse: {{ type: postgres, url: \"postgres://cdp:{SECRET}@127.0.0.1:1/x\" }}\n    state: {{ url: \"${{PROD_STATE}}\" }}\n    queue: {{ redis_url: \"redis://:{SECRET}@127.0.0.1:1/\" }}\n    assets: {{ s3: {{ bucket: offers, prefix: img/, endpoint: \"http://127.0.0.1:1\" }} }}\n{extra_env}"
    )
}

#[test]
fn env_list_names_every_component_and_no_secret() {
    let p = TempProject::with(&config(""), &[]);
    let table = p.run(&["env", "list"]);
    table.ok();
    for expected in [
        "dev (in use)",
        "prod",
        "postgres://cdp:****@127.0.0.1:1/x",
        "${PROD_STATE}",
        "redis://:****@127.0.0.1:1/",
        "s3://offers/img/",
        "in-process",
        ".cdp/state.db",
    ] {
        assert!(
            table.stdout.contains(expected),
            "{expected} missing:\n{}",
            table.stdout
        );
    }
    let json = p.run(&["env", "list", "--format", "json"]);
    json.ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v[1]["name"], "prod");
    assert_eq!(v[1]["components"][2]["kind"], "redis");
    for out in [&table.stdout, &table.stderr, &json.stdout] {
        assert!(!out.contains(SECRET), "a secret leaked:\n{out}");
    }
}

#[test]
fn env_status_names_what_is_down_exits_1_and_leaks_nothing() {
    let p = TempProject::with(&config(""), &[]);
    let out = p.run_env(
        &["env", "status", "prod", "--format", "json"],
        &[(
            "PROD_STATE",
            &format!("postgres://cdp:{SECRET}@127.0.0.1:1/state"),
        )],
    );
    assert_eq!(out.code, 1, "{}", out.snapshot());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let down: Vec<&str> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["up"] == false)
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        down,
        ["warehouse", "state", "queue", "assets"],
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("4 components of environment `prod` did not answer"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
        "{}",
        out.snapshot()
    );
}

#[test]
fn env_status_of_the_embedded_defaults_is_up() {
    let p = TempProject::with("", &[]);
    let out = p.run(&["env", "status", "--format", "json"]);
    out.ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    for c in v["components"].as_array().unwrap() {
        assert_eq!(c["up"], true, "{c}");
    }
    assert!(
        v["components"][1]["version"]
            .as_str()
            .unwrap()
            .starts_with('3'),
        "sqlite's version: {}",
        out.stdout
    );
}

#[test]
fn env_status_reaches_postgres_and_redis() {
    let Some(admin) = postgres_url("env_status") else {
        return;
    };
    let db = PgDatabase::create(&admin, "env_status");
    let redis = std::env::var("CDP_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let queue = match &redis {
        Some(_) => "    queue: { redis_url: \"${CDP_TEST_REDIS}\" }\n",
        None => "",
    };
    let p = TempProject::with(
        &format!(
            "environments:\n  dev: {{}}\n  pg:\n    warehouse: {{ type: postgres, url: \"${{CDP_TEST_PG}}\" }}\n    state: {{ url: \"${{CDP_TEST_PG}}\" }}\n{queue}"
        ),
        &[],
    );
    let mut vars = vec![("CDP_TEST_PG", db.url.as_str())];
    if let Some(url) = &redis {
        vars.push(("CDP_TEST_REDIS", url.as_str()));
    }
    let out = p.run_env(&["env", "status", "pg", "--format", "json"], &vars);
    out.ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let comps = v["components"].as_array().unwrap();
    assert!(
        comps[0]["version"].as_str().unwrap().contains('.'),
        "{}",
        out.stdout
    );
    assert!(
        comps[1]["version"].as_str().unwrap().contains('.'),
        "{}",
        out.stdout
    );
    if redis.is_some() {
        assert_eq!(comps[2]["kind"], "redis");
        assert_eq!(comps[2]["up"], true, "{}", out.stdout);
        assert!(
            comps[2]["version"].as_str().unwrap().contains('.'),
            "{}",
            out.stdout
        );
    }
}
