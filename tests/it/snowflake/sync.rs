//! `cdp sync` from Snowflake (the double): the difference is numbered and folded in Snowflake's
//! SQL, and Braze ends holding the segment's members.

use super::double::Double;
use super::{SUBJECT, fixture, ids};
use crate::common::{TempProject, repo};
use crate::destination_doubles::braze::{BrazeConfig, BrazeDouble};

#[test]
fn sync_from_snowflake_sends_only_what_changed() {
    let double = Double::start(&fixture("rsa_key.pub"), SUBJECT, 200);
    double.setup(
        "create table users as select 'user-' || lpad(range::varchar, 5, '0') as user_id, \
         case when range % 4 = 0 then 'gold' else 'silver' end as tier from range(1200);
         create table events (user_id varchar, event varchar, ts timestamp, properties json);",
    );
    let braze = BrazeDouble::start(BrazeConfig::default());
    let p = TempProject::with(
        &format!(
            "environments:\n  dev:\n    warehouse:\n      type: snowflake\n      account: xy12345.us-east-1\n      \
             user: cdp_service\n      private_key_path: \"{}\"\n      endpoint: \"${{SNOWFLAKE_ENDPOINT}}\"\n    \
             destinations:\n      braze: {{ type: braze, endpoint: \"${{BRAZE_URL}}\", api_key: \"${{BRAZE_API_KEY}}\" }}\n",
            repo().join("tests/fixtures/snowflake/rsa_key.p8").display()
        ),
        &[(
            "vip.yaml",
            "name: vip\nrules: { trait: tier, eq: gold }\ndestinations:\n  - { to: braze, as: attribute }\n",
        )],
    );
    let env = [
        ("SNOWFLAKE_ENDPOINT", double.url.as_str()),
        ("BRAZE_URL", braze.url.as_str()),
        ("BRAZE_API_KEY", "braze-test-key"),
    ];
    let run = |args: &[&str]| p.run_env(args, &env);
    let members = || {
        ids(&run(&["segments", "members", "vip", "--format", "csv"])
            .ok()
            .stdout)
    };
    run(&["apply", "--auto-approve"]).ok();
    run(&["refresh", "--sync"]).ok();
    assert_eq!(members().len(), 300);
    assert_eq!(braze.users_with("cdp_segments", "vip"), members());
    assert_eq!(braze.requests(), 4);

    double.setup("update users set tier = 'gold' where user_id in ('user-00001', 'user-00002')");
    double.setup("update users set tier = 'silver' where user_id = 'user-00000'");
    let out = run(&["refresh", "--sync", "--format", "csv"]);
    out.ok();
    assert_eq!(braze.users_with("cdp_segments", "vip"), members());
    assert_eq!(braze.requests(), 5, "{}", out.stdout);
    let status = run(&["sync", "status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&status.ok().stdout).unwrap();
    assert_eq!(v["destinations"][0]["acknowledged"].as_i64(), Some(301));
}
