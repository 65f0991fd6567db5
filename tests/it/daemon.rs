//! `cdp daemon` on port 0 against a temporary project: it says where it listens, `/healthz`
//! answers without credentials, every API route of the router's own table answers 401 without
//! a token and with a revoked one, and serves JSON with a live one; every UI page answers 401
//! with the login form without a session; SIGTERM stops it cleanly.

use cdp::daemon::Auth;

use crate::common::TempProject;

const VIP: &str = "name: vip\nrules:\n  all:\n    - { trait: tier, eq: gold }\n";

pub(crate) use crate::daemon_proc::DaemonProc as Daemon;

/// A route's path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{name}", "vip").replace("{id}", "1")
}

/// A project with one segment, `vip` (ten gold users), applied and refreshed once.
pub(crate) fn vip_project() -> TempProject {
    let p = crate::daemon_schedule::embedded(&[("vip.yaml", VIP)]);
    p.run(&["refresh"]).ok();
    p
}

#[test]
fn every_route_but_healthz_needs_a_live_token_and_sigterm_stops_the_daemon() {
    let p = vip_project();
    let token = crate::daemon_proc::token(&p, &[]);
    let d = Daemon::start(&p);

    let (status, health) = d.get("/healthz", None);
    assert_eq!(
        (status, health["status"].as_str()),
        (200, Some("ok")),
        "{health}"
    );
    assert!(cdp::daemon::ROUTES.len() > 1);
    // Every route of the router's own table: none answers without a live token or session.
    for route in cdp::daemon::ROUTES
        .iter()
        .filter(|r| r.auth == Auth::Bearer)
    {
        let path = concrete(route.path);
        let (status, body) = d.call(route.method, &path, None);
        assert_eq!(
            status, 401,
            "{} {path} without a token: {body}",
            route.method
        );
        assert!(body["error"].as_str().unwrap().contains("Bearer"), "{body}");
        let (status, _) = d.call(route.method, &path, Some("cdp_00000000_forged"));
        assert_eq!(status, 401, "{path} with a forged token");
    }
    let pages: Vec<_> = cdp::daemon::ROUTES
        .iter()
        .filter(|r| r.auth == Auth::Session)
        .collect();
    assert!(pages.len() > 5, "the UI's pages are in the table");
    for route in pages {
        let path = concrete(route.path);
        // A browser without a session gets the login page in place of the page, coming back
        // to it after (a form's POST comes back to the segments).
        let (status, body) = d.page(route.method, &path, &[]);
        assert_eq!(status, 401, "{} {path} without a session", route.method);
        assert!(
            body.contains("<form method=\"post\" action=\"/login\">")
                && body.contains("name=\"csrf\""),
            "{path}: {body}"
        );
        let next = if route.method == "GET" {
            path.as_str()
        } else {
            "/segments"
        };
        assert!(
            body.contains(&format!("name=\"next\" value=\"{next}\"")),
            "{path}: {body}"
        );
        // Neither an API token nor a forged cookie opens a page.
        let (status, _) = d.page(
            route.method,
            &path,
            &[("authorization", format!("Bearer {token}"))],
        );
        assert_eq!(status, 401, "{path} with a bearer token");
        let forged = "cdp_session=test|9999999999|bm9uY2U|ZmluZ2VycHJpbnQ|c2ln";
        let (status, _) = d.page(route.method, &path, &[("cookie", forged.to_string())]);
        assert_eq!(status, 401, "{path} with a forged cookie");
    }
    for route in cdp::daemon::ROUTES
        .iter()
        .filter(|r| r.auth == Auth::Bearer && r.method == "GET")
    {
        let path = concrete(route.path);
        if path.contains("/jobs/") {
            continue;
        }
        let (status, body) = d.get(&path, Some(&token));
        if route.path.contains("{name}") && !route.path.starts_with("/api/v1/segments/") {
            // The project has a segment `vip` and no campaign or dashboard of that name.
            assert_eq!(status, 404, "{path} with the token: {body}");
            assert!(
                body["error"].as_str().unwrap().contains("unknown"),
                "{body}"
            );
            continue;
        }
        assert_eq!(status, 200, "{path} with the token: {body}");
    }

    // A refresh started through the API runs as a job, recorded like any refresh.
    p.run(&[
        "query",
        "update users set tier = 'silver' where user_id in ('u0', 'u1')",
    ])
    .ok();
    let (status, started) = d.call("POST", "/api/v1/segments/vip/refresh", Some(&token));
    assert_eq!(status, 202, "{started}");
    let job = started["url"].as_str().unwrap().to_string();
    let begun = std::time::Instant::now();
    let done = loop {
        let (status, body) = d.get(&job, Some(&token));
        assert_eq!(status, 200, "{body}");
        if body["status"] != "running" && body["status"] != "queued" {
            break body;
        }
        assert!(
            begun.elapsed().as_secs() < 60,
            "the job did not finish: {body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["report"]["refreshed"][0]["exited"], 2, "{done}");
    // The job is counted in /metrics, which parses as Prometheus's text format.
    let metrics = d.text("/metrics", &token);
    for line in metrics.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        assert!(value.parse::<f64>().is_ok(), "{line}");
        let name = series.split('{').next().unwrap();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        assert_eq!(series.contains('{'), series.ends_with('}'), "{line}");
    }
    for expected in [
        "cdp_jobs_total{kind=\"refresh\",outcome=\"succeeded\"} 1",
        "cdp_jobs_running 0",
        "cdp_job_duration_seconds_count{kind=\"refresh\"} 1",
        "cdp_last_success_timestamp_seconds{kind=\"refresh\",segment=\"vip\"}",
    ] {
        assert!(metrics.contains(expected), "{expected} missing:\n{metrics}");
    }

    for post in [
        "/api/v1/segments/nope/refresh",
        "/api/v1/dashboards/nope/refresh",
    ] {
        let (status, body) = d.call("POST", post, Some(&token));
        assert_eq!(status, 404, "{post}: {body}");
    }
    let (status, _) = d.get("/api/v1/jobs/999", Some(&token));
    assert_eq!(status, 404);

    let (_, list) = d.get("/api/v1/segments", Some(&token));
    assert_eq!(list["segments"][0]["name"], "vip");
    assert_eq!(
        list["segments"][0]["members"], 8,
        "as of the refresh the job ran"
    );
    let (_, one) = d.get("/api/v1/segments/vip", Some(&token));
    assert!(
        one["segment"]["compiled_sql"]
            .as_str()
            .is_some_and(|s| s.contains("gold")),
        "{one}"
    );
    assert_eq!(one["history"].as_array().map(Vec::len), Some(2));
    let (_, runs) = d.get("/api/v1/runs?kind=refresh", Some(&token));
    assert_eq!(runs["runs"][0]["command"], "refresh");
    let (status, missing) = d.get("/api/v1/segments/nope", Some(&token));
    assert_eq!(status, 404, "{missing}");
    let (status, _) = d.get("/api/v1/nothing", Some(&token));
    assert_eq!(status, 404);

    p.run(&["token", "revoke", "test"]).ok();
    let (status, _) = d.get("/api/v1/segments", Some(&token));
    assert_eq!(status, 401, "a revoked token stops working at once");

    let mut d = d;
    // SAFETY: a signal to our own child, which is still running.
    unsafe { libc::kill(d.child.id() as libc::pid_t, libc::SIGTERM) };
    let status = d.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a clean stop");
}

#[test]
fn healthz_is_503_when_the_warehouse_does_not_answer_and_says_why() {
    let p = TempProject::with(
        "environments:\n  dev:\n    warehouse: { type: postgres, url: \"postgres://cdp:secret-pw@127.0.0.1:1/none\" }\n",
        &[],
    );
    let d = Daemon::start(&p);
    let (status, health) = d.get("/healthz", None);
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["status"], "down");
    assert_eq!(health["state"]["ok"], true);
    assert_eq!(health["warehouse"]["ok"], false);
    assert!(
        !health.to_string().contains("secret-pw"),
        "no secret leaves the server: {health}"
    );
}
