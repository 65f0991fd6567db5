//! `cdp campaign plan|launch|status` against the Braze double: every treatment user messaged
//! exactly once and no holdout user ever, a second launch sending nothing, lost answers listed
//! `unknown` and resent only when asked, and launches killed with SIGKILL at several moments
//! finishing on the next run without messaging anyone twice.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::TempProject;
use crate::destination_doubles::braze::BrazeConfig;
use crate::destination_doubles::faults::Fault;
use crate::sync::{Setup, wait_until};

const PUBLIC: &str = "https://cdn.acme.test/offers";

const AUDIENCE: &str = "name: vip\nrules:\n  all:\n    - { trait: tier, eq: gold }\n";

pub(crate) const CAMPAIGN: &str = r#"name: vip_upsell
audience: vip
holdout: 10%
offer:
  items:
    - { sku: pro_annual, title: "Pro annual", price: 79.99, currency: USD, image: assets/pro.svg }
message:
  via: braze
  campaign_id: "${BRAZE_CAMPAIGN_ID}"
  trigger_properties:
    offer_sku: "{{ offer.sku }}"
    offer_price: "{{ offer.price }} {{ offer.currency }}"
    image_url: "{{ offer.image_url }}"
schedule: once
goal: { event: purchase, where: [{ property: sku, eq: pro_annual }], within: 14d, revenue: amount }
"#;

const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60\" height=\"30\"><rect width=\"60\" height=\"30\" fill=\"#0f3d5e\"/></svg>\n";

fn config(assets: &str, message_limit: &str, postgres: bool) -> String {
    let stores = if postgres {
        "    warehouse: { type: postgres, url: \"${CDP_PG}\" }\n    state: { url: \"${CDP_PG}\" }\n"
    } else {
        ""
    };
    format!(
        "name: launchtest\n\
         environments:\n  dev:\n{stores}    assets: {assets}\n    destinations:\n      \
         braze: {{ type: braze, endpoint: \"${{BRAZE_URL}}\", api_key: \"${{BRAZE_API_KEY}}\"{message_limit} }}\n      \
         amplitude: {{ type: amplitude, endpoint: \"${{AMP_URL}}\", ingest_endpoint: \"${{AMP_URL}}\", \
         api_key: \"${{AMP_API_KEY}}\", secret_key: \"${{AMP_SECRET_KEY}}\", app_id: 123456, owner: data@acme.test, \
         rate_limit: {{ requests: 20, per: 1s }} }}\n"
    )
}

/// `users` users (every third gold: the audience), the campaign, its image, and the Braze double.
pub(crate) fn setup(users: usize, assets: &str, message_limit: &str, braze: BrazeConfig) -> Setup {
    setup_on(users, assets, message_limit, braze, None)
}

/// As `setup`, with the warehouse and the state store on PostgreSQL when `postgres` is given.
fn setup_on(
    users: usize,
    assets: &str,
    message_limit: &str,
    braze: BrazeConfig,
    postgres: Option<String>,
) -> Setup {
    let p = TempProject::with(
        &config(assets, message_limit, postgres.is_some()),
        &[("vip.yaml", AUDIENCE)],
    );
    p.write("campaigns/vip_upsell.yaml", CAMPAIGN);
    p.write("assets/pro.svg", SVG);
    Setup::around(p, users, braze, postgres)
}

pub(crate) fn public() -> String {
    format!("{{ local: {{ public_base_url: \"{PUBLIC}\" }} }}")
}

pub(crate) fn launch_env(s: &Setup) -> Vec<(&'static str, String)> {
    let mut env = s.env();
    env.push(("BRAZE_CAMPAIGN_ID", "campaign-test".into()));
    env
}

fn cdp(s: &Setup, args: &[&str]) -> crate::common::Output {
    let env = launch_env(s);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    s.p.run_env(args, &env)
}

/// The campaign's frozen arms, from the warehouse.
fn arms(s: &Setup) -> (BTreeSet<String>, BTreeSet<String>) {
    let csv = s.query(
        "select user_id, arm from cdp.campaign_assignments where campaign = 'vip_upsell' order by user_id",
    );
    let mut treatment = BTreeSet::new();
    let mut holdout = BTreeSet::new();
    for line in csv.lines().skip(1) {
        let (user, arm) = line.split_once(',').unwrap();
        match arm {
            "treatment" => treatment.insert(user.to_string()),
            "holdout" => holdout.insert(user.to_string()),
            other => panic!("arm {other}"),
        };
    }
    (treatment, holdout)
}

fn status(s: &Setup) -> Value {
    let out = cdp(s, &["campaign", "status", "vip_upsell", "--format", "json"]);
    let v: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    v["campaigns"][0].clone()
}

/// Nobody messaged twice, no holdout user messaged; returns who was messaged.
fn messaged_once(s: &Setup, holdout: &BTreeSet<String>) -> BTreeSet<String> {
    let per_user: BTreeMap<String, u32> = s.braze.messages_per_user();
    let twice: Vec<_> = per_user.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "messaged more than once: {twice:?}");
    let held: Vec<_> = per_user.keys().filter(|u| holdout.contains(*u)).collect();
    assert!(held.is_empty(), "holdout users messaged: {held:?}");
    per_user.into_keys().collect()
}

#[test]
fn a_launch_messages_each_treatment_user_once_and_no_holdout_user() {
    let s = setup(3_000, &public(), "", BrazeConfig::default());
    let plan = cdp(&s, &["campaign", "plan", "vip_upsell", "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.ok().stdout).unwrap();
    assert_eq!(plan["members"], 1000);
    let new_t = plan["new"]["treatment"].as_i64().unwrap();
    let new_h = plan["new"]["holdout"].as_i64().unwrap();
    assert_eq!(new_t + new_h, 1000);
    assert!(
        (60..=140).contains(&new_h),
        "holdout {new_h} of 1000 at 10 %"
    );
    let first = &plan["payloads"][0]["body"];
    assert_eq!(first["campaign_id"], "campaign-test");
    assert_eq!(first["recipients"].as_array().unwrap().len(), 50);
    let url = first["recipients"][0]["trigger_properties"]["image_url"]
        .as_str()
        .unwrap();
    assert_eq!(url, "(uploaded at launch: assets/pro.svg)");
    assert!(
        !plan.to_string().contains("braze-test-key"),
        "the API key leaked into the plan"
    );
    assert!(s.braze.delivered().is_empty(), "a plan sends nothing");

    let out = cdp(
        &s,
        &["campaign", "launch", "vip_upsell", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    let (treatment, holdout) = arms(&s);
    assert_eq!(treatment.len() as i64, new_t);
    assert_eq!(holdout.len() as i64, new_h);
    assert_eq!(report["sent"], new_t);
    assert_eq!(
        report["requests"].as_i64().unwrap(),
        (new_t as u64).div_ceil(50) as i64
    );
    let messaged = messaged_once(&s, &holdout);
    assert_eq!(messaged, treatment);
    let delivered = s.braze.delivered();
    let send_ids: BTreeSet<_> = delivered.iter().map(|d| d.send_id.clone()).collect();
    assert_eq!(send_ids.len(), 1, "one send id per launch: {send_ids:?}");
    assert_eq!(delivered[0].properties["offer_price"], "79.99 USD");
    let url = delivered[0].properties["image_url"].as_str().unwrap();
    assert!(url.starts_with(PUBLIC) && url.ends_with(".svg"), "{url}");

    // Again: everyone is recorded, nobody is messaged.
    let again = cdp(
        &s,
        &["campaign", "launch", "vip_upsell", "--format", "json"],
    );
    let again: Value = serde_json::from_str(&again.ok().stdout).unwrap();
    assert_eq!(again["sent"], 0);
    assert_eq!(again["already"], new_t);
    assert_eq!(s.braze.delivered().len() as i64, new_t);
    let st = status(&s);
    assert_eq!(st["sent"], new_t);
    assert_eq!(st["treatment"], new_t);
    assert_eq!(st["holdout"], new_h);
    assert_eq!(st["unknown"], 0);
    assert_eq!(st["last_run"]["status"], "succeeded");
    let table = cdp(&s, &["campaign", "status"]);
    assert!(table.ok().stdout.contains("vip_upsell"), "{}", table.stdout);
}

#[test]
fn new_members_are_assigned_and_messaged_by_the_next_launch_and_the_frozen_arms_never_change() {
    let s = setup(3_000, &public(), "", BrazeConfig::default());
    cdp(&s, &["campaign", "launch", "vip_upsell"]).ok();
    let (t1, h1) = arms(&s);
    s.churn(150, 0);
    cdp(&s, &["campaign", "launch", "vip_upsell"]).ok();
    let (t2, h2) = arms(&s);
    assert!(
        t1.is_subset(&t2) && h1.is_subset(&h2),
        "earlier assignments kept"
    );
    assert_eq!((t2.len() + h2.len()) - (t1.len() + h1.len()), 150);
    assert_eq!(messaged_once(&s, &h2), t2);
}

#[test]
fn a_lost_answer_leaves_its_users_unknown_until_resent_on_purpose() {
    let s = setup(3_000, &public(), "", BrazeConfig::default());
    // The third request is processed, and its answer lost.
    s.braze
        .inject(&[Fault::Delay(0), Fault::Delay(0), Fault::After(500)]);
    let out = cdp(
        &s,
        &["campaign", "launch", "vip_upsell", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    assert_eq!(report["unknown"], 50);
    let (treatment, holdout) = arms(&s);
    assert_eq!(
        messaged_once(&s, &holdout),
        treatment,
        "the lost batch was delivered once"
    );
    let st = status(&s);
    assert_eq!(st["unknown"], 50);
    assert_eq!(st["sent"].as_u64().unwrap() as usize, treatment.len() - 50);
    // An ordinary launch leaves them alone; --resend-unknown messages them (a second time).
    cdp(&s, &["campaign", "launch", "vip_upsell"]).ok();
    assert_eq!(s.braze.delivered().len(), treatment.len());
    let out = cdp(
        &s,
        &[
            "campaign",
            "launch",
            "vip_upsell",
            "--resend-unknown",
            "--format",
            "json",
        ],
    );
    let report: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    assert_eq!(report["sent"], 50);
    assert_eq!(s.braze.delivered().len(), treatment.len() + 50);
    assert_eq!(status(&s)["unknown"], 0);
}

#[test]
fn a_launch_that_could_only_send_a_file_url_refuses_before_sending() {
    let s = setup(300, "{ local: {} }", "", BrazeConfig::default());
    let out = cdp(&s, &["campaign", "launch", "vip_upsell"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("a phone cannot open"), "{}", out.stderr);
    assert!(out.stderr.contains("public_base_url"), "{}", out.stderr);
    assert!(s.braze.delivered().is_empty());
    let missing = {
        let mut env = s.env();
        env.push(("BRAZE_CAMPAIGN_ID", String::new()));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.p.run_env(&["campaign", "launch", "vip_upsell"], &env)
    };
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("BRAZE_CAMPAIGN_ID"),
        "{}",
        missing.stderr
    );
    let unknown = cdp(&s, &["campaign", "launch", "vip_upsel"]);
    assert!(
        unknown.stderr.contains("vip_upsell"),
        "did you mean: {}",
        unknown.stderr
    );
}

#[test]
fn launches_killed_at_several_moments_never_message_anyone_twice() {
    killed_and_resumed(None);
}

#[test]
fn the_same_with_the_state_store_and_the_warehouse_on_postgres() {
    let Some(admin) = crate::common::postgres_url("campaign_launch") else {
        return;
    };
    let db = crate::common::PgDatabase::create(&admin, "campaign_launch");
    killed_and_resumed(Some(db.url.clone()));
}

fn killed_and_resumed(postgres: Option<String>) {
    // 9,000 treatment users at about 40 requests a second: long enough to be killed midway.
    let s = setup_on(
        30_000,
        &public(),
        ", message_rate_limit: { requests: 40, per: 1s }",
        BrazeConfig::default(),
        postgres,
    );
    // The plan reads the goal's base rate in the warehouse (PostgreSQL too) and sends nothing.
    let plan = cdp(&s, &["campaign", "plan", "vip_upsell", "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.ok().stdout).unwrap();
    assert_eq!(plan["base_rate"], 0.0);
    let env = launch_env(&s);
    // At once (before or while assigning), and three times while sending.
    for at in [0usize, 500, 2_500, 5_000] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cdp"));
        cmd.arg("--project-dir")
            .arg(s.p.path())
            .args(["campaign", "launch", "vip_upsell"])
            .env("CDP_NOW", crate::common::NOW)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        wait_until("deliveries", || s.braze.delivered().len() >= at);
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let out = cdp(
        &s,
        &["campaign", "launch", "vip_upsell", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    assert_eq!(
        report["resumed"], true,
        "carried on the killed launch's send id"
    );
    let (treatment, holdout) = arms(&s);
    let messaged = messaged_once(&s, &holdout);
    let st = status(&s);
    let unknown = st["unknown"].as_u64().unwrap() as usize;
    assert_eq!(
        st["sent"].as_u64().unwrap() as usize + unknown,
        treatment.len()
    );
    assert!(messaged.is_subset(&treatment));
    assert!(
        treatment.len() - messaged.len() <= unknown,
        "every treatment user not messaged is listed unknown"
    );
    let send_ids: BTreeSet<_> = s
        .braze
        .delivered()
        .iter()
        .map(|d| d.send_id.clone())
        .collect();
    assert_eq!(send_ids.len(), 1, "{send_ids:?}");
}

/// The campaign under another name and salt, with more lines (`frequency_cap`, ...).
fn another(name: &str, extra: &str) -> String {
    format!(
        "{}{extra}",
        CAMPAIGN.replacen("name: vip_upsell", &format!("name: {name}"), 1)
    )
}

#[test]
fn the_frequency_cap_counts_every_campaign_and_exclude_running_keeps_busy_users_out_of_both_arms() {
    let s = setup(3_000, &public(), "", BrazeConfig::default());
    s.p.write(
        "campaigns/capped.yaml",
        &another("capped", "frequency_cap: { max: 1, per: 7d }\n"),
    );
    s.p.write(
        "campaigns/polite.yaml",
        &another("polite", "exclude_running: true\n"),
    );
    cdp(&s, &["campaign", "launch", "vip_upsell"]).ok();
    let (first, _) = arms(&s);

    let out = cdp(&s, &["campaign", "launch", "capped", "--format", "json"]);
    let capped: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    let csv = s.query(
        "select user_id from cdp.campaign_assignments where campaign = 'capped' and arm = 'treatment'",
    );
    let treated: BTreeSet<String> = csv.lines().skip(1).map(str::to_string).collect();
    let at_cap = treated.intersection(&first).count() as i64;
    assert!(
        at_cap > 500,
        "most of the audience was messaged by the first campaign"
    );
    assert_eq!(capped["capped"], at_cap);
    assert_eq!(capped["sent"], treated.len() as i64 - at_cap);
    let per_user = s.braze.messages_per_user();
    assert!(
        per_user.values().all(|n| *n <= 1),
        "nobody got two messages within 7 days"
    );
    let st = {
        let out = cdp(&s, &["campaign", "status", "capped", "--format", "json"]);
        serde_json::from_str::<Value>(&out.ok().stdout).unwrap()["campaigns"][0].clone()
    };
    assert_eq!(st["capped"], at_cap);

    let out = cdp(&s, &["campaign", "plan", "polite", "--format", "json"]);
    let plan: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    assert_eq!(
        plan["excluded_running"],
        serde_json::json!(["capped", "vip_upsell"])
    );
    cdp(&s, &["campaign", "launch", "polite"]).ok();
    let csv = s.query("select user_id from cdp.campaign_assignments where campaign = 'polite'");
    let polite: BTreeSet<String> = csv.lines().skip(1).map(str::to_string).collect();
    assert!(
        polite.is_disjoint(&first),
        "no treatment user of a running campaign assigned"
    );
    assert!(polite.is_disjoint(&treated));
    assert!(
        !polite.is_empty(),
        "users held out of the others are assigned"
    );
}

#[test]
fn exposures_reach_amplitude_once_each_even_when_an_answer_is_lost() {
    let s = setup(3_000, &public(), "", BrazeConfig::default());
    s.p.write(
        "campaigns/vip_upsell.yaml",
        &another("vip_upsell", "exposures: { to: amplitude }\n"),
    );
    // The first events request is ingested and its answer lost: sent again, deduplicated.
    s.amplitude.inject(&[Fault::After(500)]);
    let out = cdp(
        &s,
        &["campaign", "launch", "vip_upsell", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&out.ok().stdout).unwrap();
    let (treatment, _) = arms(&s);
    assert_eq!(
        report["exposures"]["events"].as_u64().unwrap() as usize,
        treatment.len()
    );
    let events = s.amplitude.events();
    let users: BTreeSet<String> = events.iter().map(|e| e.user_id.clone()).collect();
    assert_eq!(events.len(), treatment.len(), "each exposure once");
    assert_eq!(users, treatment);
    assert_eq!(events[0].event_type, "campaign_exposure");
    assert_eq!(events[0].event_properties["campaign"], "vip_upsell");
    assert!(
        s.amplitude.requests() > events.len().div_ceil(1000) as u64,
        "the lost answer was resent"
    );
    // Nothing left to expose: a second launch sends no event.
    let again = cdp(
        &s,
        &["campaign", "launch", "vip_upsell", "--format", "json"],
    );
    let again: Value = serde_json::from_str(&again.ok().stdout).unwrap();
    assert_eq!(again["exposures"]["events"], 0);
    assert_eq!(s.amplitude.events().len(), treatment.len());
}

#[test]
fn offer_images_on_s3_are_uploaded_once_and_sent_as_urls_presigned_for_the_campaign() {
    let Some(server) = crate::common::s3_server("campaign_images", &["offers"]) else {
        return;
    };
    let assets = format!(
        "{{ s3: {{ bucket: offers, prefix: offers/, endpoint: \"{}\" }} }}",
        server.endpoint
    );
    let s = setup(300, &assets, "", BrazeConfig::default());
    let mut env = launch_env(&s);
    env.extend(server.env().into_iter().map(|(k, v)| (k, v.to_string())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    s.p.run_env(&["campaign", "launch", "vip_upsell"], &env)
        .ok();
    let delivered = s.braze.delivered();
    assert!(!delivered.is_empty());
    let url = delivered[0].properties["image_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        url.starts_with(&format!("{}/offers/offers/", server.endpoint)),
        "{url}"
    );
    // The goal window and a day, capped at the 7 days a presigned URL can live.
    assert!(url.contains("X-Amz-Expires=604800"), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let fetched = crate::common::on_own_runtime(async move {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let r = reqwest::get(&url).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    assert_eq!(fetched, (200, SVG.to_string()), "a phone can open it");
}

#[test]
fn ctrl_c_lets_what_is_in_flight_answer_and_the_next_launch_sends_the_rest() {
    let s = setup(
        30_000,
        &public(),
        ", message_rate_limit: { requests: 40, per: 1s }",
        BrazeConfig::default(),
    );
    let env = launch_env(&s);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cdp"));
    cmd.arg("--project-dir")
        .arg(s.p.path())
        .args(["campaign", "launch", "vip_upsell", "--format", "json"])
        .env("CDP_NOW", crate::common::NOW)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    wait_until("deliveries", || s.braze.delivered().len() >= 1_000);
    // SAFETY: a signal to our own child, which is still running.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "interrupted");
    let st = status(&s);
    assert_eq!(
        st["pending"], 0,
        "what was in flight was answered and settled"
    );
    assert_eq!(st["unknown"], 0);
    assert_eq!(
        st["sent"].as_u64().unwrap() as usize,
        s.braze.delivered().len()
    );
    assert_eq!(st["last_run"]["status"], "interrupted");

    cdp(&s, &["campaign", "launch", "vip_upsell"]).ok();
    let (treatment, holdout) = arms(&s);
    assert_eq!(messaged_once(&s, &holdout), treatment);
}
