//! The other ways of sending: Braze subscription groups and Amplitude user properties, and
//! `refresh --sync`.

use super::{Setup, batches};

const MODES: &str = "name: gold\nrules:\n  all:\n    - { trait: tier, eq: gold }\n\
     destinations:\n  - { to: braze, as: subscription_group, subscription_group_id: sg-42 }\n  \
     - { to: amplitude, as: user_property, property: is_gold }\n";

#[test]
fn subscription_groups_and_user_properties_follow_membership() {
    let s = Setup::new(600, "", &[("gold.yaml", MODES)]);
    s.run(&["sync"]).ok();
    let members = s.members("gold");
    assert_eq!(s.braze.subscribed("sg-42"), members);
    let props = s.amplitude.user_property("is_gold");
    assert_eq!(
        props
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        members
    );
    assert_eq!(s.braze.requests(), batches(200, 50));
    assert_eq!(s.amplitude.requests(), 1);

    s.churn(20, 10);
    let members = s.members("gold");
    s.run(&["sync"]).ok();
    assert_eq!(s.braze.subscribed("sg-42"), members);
    let props = s.amplitude.user_property("is_gold");
    assert_eq!(
        props
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        members
    );
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
