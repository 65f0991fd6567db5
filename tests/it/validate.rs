//! `cdp validate` on realistic mistakes: every message with file:line:column, key and hint.

use crate::common::TempProject;

const OK_SEGMENT: &str = "name: active\nrules:\n  event: session_start\n  within: 30d\n";

/// (snapshot name, cdp.yaml, segment files, extra arguments)
type Case = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
    Vec<&'static str>,
);

fn cases() -> Vec<Case> {
    vec![
        (
            "unknown_key",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  withn: 30d\n",
            )],
            vec![],
        ),
        (
            "wrong_type_count",
            "",
            vec![("a.yaml", "name: a\nrules:\n  event: purchase\n  count: 3\n")],
            vec![],
        ),
        (
            "several_events_as_a_list",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: [purchase, add_to_cart]\n",
            )],
            vec![],
        ),
        (
            "eq_with_a_list",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules: { trait: plan, eq: [pro, team] }\n",
            )],
            vec![],
        ),
        (
            "first_seen_as_a_string",
            "",
            vec![("a.yaml", "name: a\nrules:\n  first_seen: app_install\n")],
            vec![],
        ),
        (
            "negative_count",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  count: { gte: -1 }\n",
            )],
            vec![],
        ),
        (
            "bad_duration",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  within: 30 days\n",
            )],
            vec![],
        ),
        (
            "unknown_operator",
            "",
            vec![("a.yaml", "name: a\nrules:\n  trait: plan\n  equals: pro\n")],
            vec![],
        ),
        (
            "reference_cycle",
            "",
            vec![
                (
                    "a.yaml",
                    "name: a\nrules:\n  all:\n    - segment: b\n    - { trait: plan, eq: pro }\n",
                ),
                ("b.yaml", "name: b\nrules:\n  any:\n    - segment: a\n"),
            ],
            vec![],
        ),
        (
            "unknown_segment",
            "",
            vec![
                ("a.yaml", "name: a\nrules:\n  segment: activ\n"),
                ("active.yaml", OK_SEGMENT),
            ],
            vec![],
        ),
        (
            "missing_env_var",
            "environments:\n  staging:\n    warehouse: { type: postgres, url: \"${CDP_TEST_UNSET_PG_URL}\" }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec!["--env", "staging"],
        ),
        (
            "bad_cron",
            "",
            vec![(
                "a.yaml",
                "name: a\nschedule: \"every hour\"\nrules: { trait: plan, eq: pro }\n",
            )],
            vec![],
        ),
        (
            "duplicate_names",
            "",
            vec![("a.yaml", OK_SEGMENT), ("b.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "empty_any",
            "",
            vec![("a.yaml", "name: a\nrules:\n  any: []\n")],
            vec![],
        ),
        (
            "unknown_rule_kind",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  all:\n    - evnt: purchase\n      within: 7d\n",
            )],
            vec![],
        ),
        (
            "missing_rules",
            "",
            vec![("a.yaml", "name: a\ndescription: nothing else\n")],
            vec![],
        ),
        (
            "between_arity",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules: { trait: lifetime_value, between: [1, 2, 3] }\n",
            )],
            vec![],
        ),
        (
            "bad_regex",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules: { trait: email, matches: \"([a-z\" }\n",
            )],
            vec![],
        ),
        (
            "state_url_not_a_database",
            "environments:\n  dev:\n    state: { url: \"mysql://cdp:secret@db/state\" }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "state_url_variable_missing",
            "environments:\n  prod:\n    state: { url: \"${CDP_STATE_URL_UNSET}\" }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec!["--env", "prod"],
        ),
        (
            "snowflake_key_pair_without_user",
            "environments:\n  prod:\n    warehouse:\n      type: snowflake\n      account: xy12345.us-east-1\n      private_key_path: keys/cdp.p8\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec!["--env", "prod"],
        ),
        (
            "snowflake_two_keys",
            "environments:\n  prod:\n    warehouse:\n      type: snowflake\n      account: xy12345.us-east-1\n      user: CDP\n      private_key_path: keys/cdp.p8\n      private_key: \"-----BEGIN PRIVATE KEY-----\"\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec!["--env", "prod"],
        ),
        (
            "snowflake_unknown_authenticator",
            "environments:\n  prod:\n    warehouse:\n      type: snowflake\n      account: xy12345.us-east-1\n      authenticator: oath\n      token: abc\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec!["--env", "prod"],
        ),
        (
            "snowflake_token_without_authenticator",
            "environments:\n  prod:\n    warehouse:\n      type: snowflake\n      account: xy12345.us-east-1\n      user: CDP\n      token: abc\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec!["--env", "prod"],
        ),
        (
            "unknown_warehouse_type",
            "environments:\n  dev:\n    warehouse: { type: duckbd }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "during_reversed",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  during: [2026-02-01, 2026-01-01]\n",
            )],
            vec![],
        ),
        (
            "count_and_sum",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  count: { gte: 1 }\n  sum: amount\n  gte: 10\n",
            )],
            vec![],
        ),
        (
            "yaml_syntax",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  all: [ { trait: plan, eq: pro }\n",
            )],
            vec![],
        ),
        (
            "unknown_destination",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules: { trait: plan, eq: pro }\ndestinations:\n  - { to: braz, as: attribute }\n",
            )],
            vec![],
        ),
        (
            "unknown_environment",
            "environments:\n  staging: {}\n  prod: {}\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec!["--env", "prodd"],
        ),
        (
            "is_set_false",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules: { trait: email, is_set: false }\n",
            )],
            vec![],
        ),
        (
            "name_wrong_type",
            "",
            vec![("a.yaml", "name: [a, b]\nrules: { trait: plan, eq: pro }\n")],
            vec![],
        ),
        (
            "config_unknown_top_key",
            "tabels:\n  users: { table: people }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "bad_property_name",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  where: [{ property: \"order total\", gt: 5 }]\n",
            )],
            vec![],
        ),
        (
            "aggregate_without_comparison",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  sum: amount\n",
            )],
            vec![],
        ),
        (
            "sequence_one_step",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  sequence: [add_to_cart]\n  within: 1d\n",
            )],
            vec![],
        ),
        (
            "two_kinds_in_one_rule",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  trait: plan\n  eq: pro\n  event: purchase\n",
            )],
            vec![],
        ),
        (
            "malformed_env_reference",
            "environments:\n  staging:\n    warehouse: { type: postgres, url: \"${PG URL}\" }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "tab_indentation",
            "",
            vec![("a.yaml", "name: a\nrules:\n\t- trait: plan\n")],
            vec![],
        ),
        (
            "duplicate_key",
            "",
            vec![(
                "a.yaml",
                "name: a\nname: b\nrules: { trait: plan, eq: pro }\n",
            )],
            vec![],
        ),
        (
            "file_is_a_list",
            "",
            vec![("a.yaml", "- name: a\n  rules: { trait: plan, eq: pro }\n")],
            vec![],
        ),
        (
            "braze_without_endpoint",
            "environments:\n  dev:\n    destinations:\n      braze: { type: braze, api_key: \"${BRAZE_KEY_UNSET}\" }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "destination_key_typo",
            "environments:\n  dev:\n    destinations:\n      braze:\n        type: braze\n        endpoint: https://rest.iad-01.braze.com\n        apikey: abc\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "rate_limit_wrong_key",
            "environments:\n  prod:\n    destinations:\n      braze: { type: braze, endpoint: \"https://rest.iad-01.braze.com\", api_key: \"${K}\", rate_limit: { requests: 3000, every: 3s } }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "amplitude_unknown_region",
            "environments:\n  prod:\n    destinations:\n      amp: { type: amplitude, region: europe, api_key: \"${A}\", secret_key: \"${S}\", app_id: 1, owner: a@b.c }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "subscription_group_without_id",
            "environments:\n  prod:\n    destinations:\n      braze: { type: braze, endpoint: \"https://rest.iad-01.braze.com\", api_key: \"${K}\" }\n",
            vec![(
                "a.yaml",
                "name: a\nrules: { trait: plan, eq: pro }\ndestinations:\n  - { to: braze, as: subscription_group }\n",
            )],
            vec![],
        ),
        (
            "destination_cannot_take_mode",
            "environments:\n  prod:\n    destinations:\n      braze: { type: braze, endpoint: \"https://rest.iad-01.braze.com\", api_key: \"${K}\" }\n",
            vec![(
                "a.yaml",
                "name: a\nrules: { trait: plan, eq: pro }\ndestinations:\n  - { to: braze, as: cohort }\n",
            )],
            vec![],
        ),
        (
            "literal_api_key",
            "environments:\n  dev:\n    destinations:\n      braze: { type: braze, endpoint: \"https://rest.iad-01.braze.com\", api_key: abc123secret }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "more_segments_than_the_attribute_cap",
            "environments:\n  prod:\n    destinations:\n      braze: { type: braze, endpoint: \"https://rest.iad-01.braze.com\", api_key: \"${K}\", attribute_cap: 1 }\n",
            vec![
                (
                    "a.yaml",
                    "name: a\nrules: { trait: plan, eq: pro }\ndestinations:\n  - { to: braze, as: attribute }\n",
                ),
                (
                    "b.yaml",
                    "name: b\nrules: { trait: plan, eq: max }\ndestinations:\n  - { to: braze, as: attribute }\n",
                ),
            ],
            vec![],
        ),
        (
            "destination_mistakes",
            "destinations:\n  braze: { type: braze }\nenvironments:\n  prod:\n    destinations:\n      braze: { type: braze, endpoint: \"https://rest.iad-01.braze.com\", api_key: \"${K}\" }\n",
            vec![(
                "vip.yaml",
                "name: vip\nrules: { trait: tier, eq: gold }\ndestinations:\n  - braze\n  - { to: amplitude, as: cohort }\n  - { to: braze, mode: attribute }\n",
            )],
            vec![],
        ),
        (
            "memory_limit_without_unit",
            "environments:\n  dev:\n    warehouse: { type: duckdb, memory_limit: 512 }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        (
            "state_url_with_a_password_in_its_query",
            "environments:\n  dev:\n    state: { url: \"mysql://db/state?user=cdp&password=hunter2\" }\n",
            vec![("active.yaml", OK_SEGMENT)],
            vec![],
        ),
        // A wrong value inside a flow mapping or sequence is placed at the value itself.
        (
            "count_not_a_number_in_a_flow_mapping",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  within: 30d\n  count: { gte: many }\n",
            )],
            vec![],
        ),
        (
            "count_quoted_number",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  all:\n    - event: purchase\n      count:\n        between: [1, \"5\"]\n",
            )],
            vec![],
        ),
        (
            "aggregate_not_a_number_in_a_flow_sequence",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  all: [{ trait: plan, eq: pro }, { event: purchase, sum: amount, gte: lots }]\n",
            )],
            vec![],
        ),
        (
            "where_in_a_flow_sequence",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  where: [{ property: plan, eq: [a] }]\n",
            )],
            vec![],
        ),
        (
            "within_in_a_flow_mapping",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  any:\n    - first_seen: { event: app_install, within: 30 days }\n",
            )],
            vec![],
        ),
        (
            "flow_mapping_over_several_lines",
            "",
            vec![(
                "a.yaml",
                "name: a\nrules:\n  event: purchase\n  count: {\n    gte: many\n  }\n",
            )],
            vec![],
        ),
    ]
}

#[test]
fn every_mistake_is_pinpointed() {
    for (name, config, files, args) in cases() {
        let p = TempProject::with(config, &files);
        let mut all = vec!["validate"];
        all.extend(args);
        let out = p.run(&all);
        assert_eq!(out.code, 1, "{name} should fail:\n{}", out.snapshot());
        assert!(
            out.stderr.contains(" --> "),
            "{name} has no location:\n{}",
            out.stderr
        );
        insta::assert_snapshot!(name, out.snapshot());
    }
}

#[test]
fn all_problems_of_all_files_in_one_run() {
    let p = TempProject::with(
        "tabels: {}\n",
        &[
            (
                "a.yaml",
                "name: a\nrules:\n  all:\n    - { event: purchase, withn: 7d }\n    - { trait: plan, equals: pro }\n    - segment: nope\n",
            ),
            (
                "b.yaml",
                "name: b\nschedule: \"61 * * * *\"\nrules:\n  event: purchase\n  within: 7 days\n",
            ),
        ],
    );
    let out = p.run(&["validate"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.snapshot());
}

#[test]
fn json_output_lists_every_problem() {
    let p = TempProject::with(
        "",
        &[(
            "a.yaml",
            "name: a\nrules:\n  all:\n    - { event: purchase, withn: 7d }\n    - { trait: plan, equals: pro }\n",
        )],
    );
    let out = p.run(&["validate", "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json on stdout");
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{}", out.stdout);
    assert_eq!(problems[0]["file"], "segments/a.yaml");
    assert_eq!(problems[0]["line"], 4);
    assert_eq!(problems[0]["key"], "rules.all[0].withn");
    assert_eq!(problems[0]["hint"], "did you mean `within`?");
    assert_eq!(problems[1]["hint"], "did you mean `eq`?");
}

#[test]
fn the_demo_project_is_valid() {
    let out = TempProject::demo().run(&["validate"]);
    out.ok();
    assert!(
        out.stdout
            .starts_with("ok: 10 segments, 1 dashboard, 1 campaign valid"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_empty_folder_is_a_valid_empty_project() {
    let out = TempProject::empty().run(&["validate"]);
    out.ok();
    assert!(out.stderr.contains("no cdp.yaml in"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`cdp init` writes a project"),
        "{}",
        out.stderr
    );
}

#[test]
fn secrets_never_appear_in_errors() {
    let p = TempProject::with(
        "environments:\n  staging:\n    warehouse: { type: postgres, url: \"${CDP_TEST_SECRET_URL}\" }\n",
        &[("active.yaml", OK_SEGMENT)],
    );
    let out = p.run_env(
        &[
            "--env", "staging", "segments", "preview", "active", "--count",
        ],
        &[(
            "CDP_TEST_SECRET_URL",
            "postgres://cdp:hunter2@127.0.0.1:1/nowhere",
        )],
    );
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        !out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"),
        "{}",
        out.snapshot()
    );
    assert!(
        out.stderr
            .contains("postgres://cdp:****@127.0.0.1:1/nowhere"),
        "{}",
        out.stderr
    );
}

/// Teams group segments in subfolders; each is read, and a name used in two of them is one
/// problem that names both places. Hidden folders (an editor's, say) are not read.
#[test]
fn segments_in_subfolders_are_read() {
    let p = TempProject::with(
        "",
        &[
            ("a.yaml", OK_SEGMENT),
            ("growth/b.yml", "name: b\nrules: { trait: plan, eq: pro }\n"),
            (".trash/broken.yaml", "rules: ["),
        ],
    );
    let out = p.run(&["segments", "list", "--format", "csv"]);
    let names: Vec<&str> = out
        .ok()
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names, ["active", "b"]);

    p.write("segments/growth/again.yaml", OK_SEGMENT);
    let twice = p.run(&["validate"]);
    assert_eq!(twice.code, 1);
    for want in [
        "segment `active` is defined twice",
        "segments/growth/again.yaml:1:7",
        "segments/a.yaml:1:7",
    ] {
        assert!(twice.stderr.contains(want), "{want}:\n{}", twice.stderr);
    }
}
