//! The other ways of sending: Braze subscription groups and Amplitude user properties, and
//! `refresh --sync`.

use super::{Setup, batches};

const MODES: &str = "name: gold\nrules:\n  all:\n    - { trait: tier, eq: gold }\n\
     destinations:\n  - { to: braze, as: subscription_group, subscription_group_id: sg-42 }\n  \
     - { to: amplitude, as: user_property, property: is_gold }\n";

/// Users whose `is_gold` property is set in Amplitude.
fn with_property(s: &Setup) -> std::collections::BTreeSet<String> {
    s.amplitude.user_property("is_gold").into_keys().collect()
}

#[test]
fn subscription_groups_and_user_properties_follow_membership() {
    let s = Setup::new(600, "", &[("gold.yaml", MODES)]);
    s.run(&["sync"]).ok();
    let members = s.members("gold");
    assert_eq!(s.braze.subscribed("sg-42"), members);
    assert_eq!(with_property(&s), members);
    assert_eq!(s.braze.requests(), batches(200, 50));
    assert_eq!(s.amplitude.requests(), 1);

    s.churn(20, 10);
    let members = s.members("gold");
    s.run(&["sync"]).ok();
    assert_eq!(s.braze.subscribed("sg-42"), members);
    assert_eq!(with_property(&s), members);
    assert_eq!(s.braze.requests(), batches(200, 50) + 1);
}

#[test]
fn refresh_then_sync_in_one_command() {
    let s = Setup::new(300, "", &[("vip.yaml", super::VIP)]);
    s.query("update users set tier = 'gold' where user_id = 'user-000001'");
    let out = s.run(&["refresh", "--sync"]);
    out.ok();
    assert!(out.stdout.contains("succeeded"), "{}", out.stdout);
    assert_eq!(s.braze_holds("vip"), s.members("vip"));
    assert_eq!(s.braze_holds("vip").len(), 101);

    // For pipelines, one JSON document holds both.
    s.query("update users set tier = 'gold' where user_id = 'user-000002'");
    let out = s.run(&["refresh", "--sync", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.ok().stdout).unwrap();
    assert_eq!(v["refreshed"][0]["entered"].as_i64(), Some(1));
    assert_eq!(v["syncs"][0]["sent"].as_i64(), Some(1));
}

#[test]
fn destinations_not_applied_yet_are_named() {
    let s = Setup::new(30, "", &[("vip.yaml", super::VIP)]);
    s.p.write(
        "segments/late.yaml",
        "name: late\nrules: { trait: tier, eq: silver }\ndestinations:\n  - { to: braze, as: attribute }\n",
    );
    let out = s.run(&["sync", "late"]);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        out.stderr.contains("this segment is not applied: late"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("run `cdp apply` first"),
        "{}",
        out.stderr
    );
    assert_eq!(s.braze.requests(), 0);
}

#[test]
fn a_destination_or_segment_removed_from_the_project_is_emptied() {
    let s = Setup::new(600, "", &[("vip.yaml", super::VIP)]);
    s.run(&["sync"]).ok();
    let members = s.members("vip");
    assert_eq!(s.braze_holds("vip"), members);
    let before = (
        s.braze.requests(),
        s.amplitude.requests_to("/api/3/cohorts/membership"),
    );

    // Braze is dropped from the segment: the users Braze holds for it are removed there.
    s.p.write(
        "segments/vip.yaml",
        "name: vip\nrules: { trait: tier, eq: gold }\ndestinations:\n  - { to: amplitude, as: cohort }\n",
    );
    s.run(&["apply", "--auto-approve"]).ok();
    let status = s.run(&["sync", "status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&status.ok().stdout).unwrap();
    let retired = v["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["destination"] == "braze")
        .expect("braze is listed while it holds users");
    assert_eq!(retired["retired"], true);
    assert_eq!(retired["to_remove"].as_u64(), Some(members.len() as u64));
    let out = s.run(&["sync"]);
    out.ok();
    assert!(
        out.stderr
            .contains("no applied segment sends there any more"),
        "{}",
        out.stderr
    );
    assert!(s.braze_holds("vip").is_empty());
    assert_eq!(s.braze.requests(), before.0 + batches(members.len(), 75));
    assert_eq!(s.cohort("vip"), members, "amplitude is untouched");
    assert_eq!(
        s.amplitude.requests_to("/api/3/cohorts/membership"),
        before.1
    );

    // The segment is removed: its cohort is emptied, and then there is nothing left to do.
    std::fs::remove_file(s.p.path().join("segments/vip.yaml")).unwrap();
    s.run(&["apply", "--auto-approve"]).ok();
    s.run(&["sync"]).ok();
    assert!(s.cohort("vip").is_empty());
    let again = s.run(&["sync"]);
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("no applied segment has `destinations:`"),
        "{}",
        again.stderr
    );
}
