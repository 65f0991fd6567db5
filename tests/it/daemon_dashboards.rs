//! Dashboards and campaigns in the daemon's API and UI: a dashboard with `refresh: 1h` is
//! computed when the daemon starts, its tiles served from the state store hold the numbers
//! `cdp dashboard run --format json` prints, a refresh from the API runs as a job and moves
//! `computed_at` on, the page draws the tiles on their grid with inline SVG and reloads itself
//! at the interval; a dashboard never computed says so; unknown names are 404 with the closest
//! one; a campaign never launched answers 409 with what to do.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::auth::user_add;
use crate::campaigns;
use crate::daemon::{Daemon, vip_project};
use crate::daemon_ui::{Answer, Browser, PASSWORD};

const KPIS: &str = "name: kpis
title: Key figures
description: Users and audiences
refresh: 1h
tiles:
  - { id: users, title: Users, chart: number, sql: select count(*) as users from users, layout: { x: 0, y: 0, w: 4, h: 2 } }
  - id: tiers
    title: Users by tier
    chart: bar
    sql: select tier, count(*) as users from users group by 1 order by 1
    x: tier
    y: users
    layout: { x: 4, y: 0, w: 8, h: 4 }
  - { id: sizes, title: Segment sizes, chart: table, metric: segment_sizes, layout: { x: 0, y: 4, w: 12, h: 3 } }
";

/// A dashboard without `refresh:`: the daemon computes it only when asked.
const ADHOC: &str = "name: adhoc
title: On demand
tiles:
  - { id: n, chart: number, sql: select 1 as n, layout: { x: 0, y: 0, w: 3, h: 2 } }
";

fn token(p: &crate::common::TempProject) -> String {
    let made = p.run(&["token", "create", "test", "--format", "json"]);
    serde_json::from_str::<Value>(&made.ok().stdout).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// GETs `path` until `done` holds of its body (60 s at most).
fn wait_for(d: &Daemon, path: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let begun = Instant::now();
    loop {
        let (status, body) = d.get(path, Some(token));
        assert_eq!(status, 200, "{path}: {body}");
        if done(&body) {
            return body;
        }
        assert!(begun.elapsed() < Duration::from_secs(60), "{path}: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Asserts that the page is a 200 and shows each of `texts`.
fn shows(a: &Answer, texts: &[&str]) {
    assert_eq!(a.status, 200, "{}", a.body);
    for t in texts {
        assert!(a.body.contains(t), "no {t}: {}", a.body);
    }
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an instant: {v}"))
}

#[test]
fn dashboards_are_computed_by_the_daemon_and_served_from_the_state_store() {
    let p = vip_project();
    p.write("dashboards/kpis.yaml", KPIS);
    p.write("dashboards/adhoc.yaml", ADHOC);
    p.write("offer.svg", campaigns::SVG);
    p.write(
        "campaigns/spring.yaml",
        &campaigns::CAMPAIGN.replace("audience: active", "audience: vip"),
    );
    // What the command line computes, before the daemon holds the warehouse.
    let expected: Value = serde_json::from_str(
        &p.run(&["dashboard", "run", "kpis", "--format", "json"])
            .ok()
            .stdout,
    )
    .unwrap();
    let token = token(&p);
    let (code, err) = user_add(&p, &[], "ana", &format!("{PASSWORD}\n"));
    assert_eq!(code, 0, "{err}");
    let d = Daemon::start(&p);

    // The list: each dashboard with its title and interval; kpis is computed on start.
    let one = "/api/v1/dashboards/kpis";
    let kpis = wait_for(&d, one, &token, |b| !b["computed_at"].is_null());
    let (status, list) = d.get("/api/v1/dashboards", Some(&token));
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["dashboards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{list}");
    let listed = |name: &str| {
        list["dashboards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(listed("kpis")["title"], "Key figures");
    assert_eq!(listed("kpis")["refresh"], "1h");
    assert_eq!(listed("kpis")["refresh_seconds"], 3600);
    assert_eq!(listed("kpis")["computed_at"], kpis["computed_at"]);
    assert!(listed("adhoc")["computed_at"].is_null(), "{list}");
    assert!(listed("adhoc")["refresh"].is_null(), "{list}");

    // The same tiles as the command line: meta, rows, columns.
    assert_eq!(kpis["tiles"], expected["tiles"], "{kpis}");
    assert_eq!(kpis["tiles"][0]["table"][0]["users"], 10);
    assert_eq!(
        kpis["tiles"][1]["table"][0],
        serde_json::json!({ "tier": "gold", "users": 10 })
    );
    assert_eq!(kpis["tiles"][2]["table"][0]["segment"], "vip");
    assert_eq!(kpis["header"]["title"], "Key figures");

    // Never computed: 200, no tiles, and what to do.
    let (status, adhoc) = d.get("/api/v1/dashboards/adhoc", Some(&token));
    assert_eq!(status, 200, "{adhoc}");
    assert!(adhoc["computed_at"].is_null() && adhoc["tiles"] == serde_json::json!([]));
    assert!(
        adhoc["hint"].as_str().unwrap().contains("not computed yet")
            && adhoc["hint"]
                .as_str()
                .unwrap()
                .contains("/api/v1/dashboards/adhoc/refresh"),
        "{adhoc}"
    );

    // A refresh from the API: a job, whose end moves `computed_at` on.
    let before = instant(&kpis["computed_at"]);
    let (status, started) = d.call("POST", "/api/v1/dashboards/kpis/refresh", Some(&token));
    assert_eq!(status, 202, "{started}");
    let job = started["url"].as_str().unwrap().to_string();
    let done = wait_for(&d, &job, &token, |b| {
        b["status"] != "queued" && b["status"] != "running"
    });
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["job"], "dashboard:kpis", "{done}");
    let (_, again) = d.get(one, Some(&token));
    assert!(instant(&again["computed_at"]) > before, "{again}");
    assert_eq!(again["last_job"]["id"], started["job"], "{again}");
    assert_eq!(again["tiles"], expected["tiles"]);

    // Unknown names: 404 with the closest one.
    for path in ["/api/v1/dashboards/kpi", "/api/v1/campaigns/sprng"] {
        let (status, body) = d.get(path, Some(&token));
        assert_eq!(status, 404, "{path}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("did you mean"),
            "{body}"
        );
    }
    // A campaign never launched: 409, its status, and what to do.
    let (status, spring) = d.get("/api/v1/campaigns/spring", Some(&token));
    assert_eq!(status, 409, "{spring}");
    assert_eq!(spring["launched"], false);
    assert_eq!(spring["status"]["audience"], "vip", "{spring}");
    assert!(
        spring["error"].as_str().unwrap().contains("never launched")
            && spring["error"]
                .as_str()
                .unwrap()
                .contains("cdp campaign launch spring"),
        "{spring}"
    );

    // The pages.
    let mut b = Browser::new(&d, "127.0.0.1");
    assert_eq!(b.login("ana", PASSWORD).status, 303);
    let page = b.get("/dashboards/kpis");
    assert_eq!(page.status, 200, "{}", page.body);
    let html = &page.body;
    assert!(
        html.contains("<meta http-equiv=\"refresh\" content=\"3600\">"),
        "{html}"
    );
    assert!(html.contains("<a href=\"/dashboards\" class=\"on\">Dashboards</a>"));
    assert!(
        html.contains("computed every 1h by the daemon; last at "),
        "{html}"
    );
    for (id, place) in [
        ("users", "--x:1;--y:1;--w:4;--h:2"),
        ("tiers", "--x:5;--y:1;--w:8;--h:4"),
        ("sizes", "--x:1;--y:5;--w:12;--h:3"),
    ] {
        assert!(
            html.contains(&format!("id=\"tile-{id}\" style=\"{place}\"")),
            "{id}: {html}"
        );
    }
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "the bar chart, wide and narrow: {html}"
    );
    assert!(html.contains(">gold</text>"), "the bar's label: {html}");
    assert!(
        html.contains("<b title=\"10\">10</b>"),
        "the number tile: {html}"
    );
    assert!(html.contains("<td>vip</td>"), "the table tile: {html}");
    assert!(html.contains("action=\"/dashboards/kpis/refresh\"") && html.contains("Refresh now"));
    let csrf = page.field("csrf");
    shows(&b.get("/dashboards"), &["Key figures", "On demand", ">1h<"]);

    // Never computed: said so, with the button, and no reload without an interval.
    let empty = b.get("/dashboards/adhoc");
    shows(
        &empty,
        &[
            "computed by the daemon when asked",
            "not computed yet",
            "Refresh now",
        ],
    );
    assert!(!empty.body.contains("<svg") && !empty.body.contains("http-equiv=\"refresh\""));
    // Refresh now: without the CSRF token refused, with it a job, then the page again.
    assert_eq!(b.post("/dashboards/adhoc/refresh", &[]).status, 403);
    let pressed = b.post("/dashboards/adhoc/refresh", &[("csrf", &csrf)]);
    assert_eq!(
        (pressed.status, pressed.location.as_deref()),
        (303, Some("/dashboards/adhoc")),
        "{}",
        pressed.body
    );
    let computed = wait_for(&d, "/api/v1/dashboards/adhoc", &token, |b| {
        !b["computed_at"].is_null()
    });
    assert_eq!(computed["tiles"][0]["table"][0]["n"], 1, "{computed}");
    shows(&b.get("/dashboards/adhoc"), &["<b title=\"1\">1</b>"]);

    let missing = b.get("/dashboards/kpi");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("did you mean `kpis`?"),
        "{}",
        missing.body
    );
}
