//! The runs page (every refresh and sync recorded in the state store, by the command line or a
//! daemon, filtered by kind and status, errors shown) and a job's page (a refresh or sync the
//! UI's buttons started: it reloads itself while the job runs).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::LoggedIn;
use super::html::{badge, count, escape, link, table, when};
use super::layout::{self, Nav, Page};
use crate::daemon::App;
use crate::daemon::api::runs_matching;

const KINDS: [&str; 2] = ["refresh", "sync"];
const STATUSES: [&str; 4] = ["succeeded", "failed", "running", "interrupted"];

#[derive(serde::Deserialize)]
pub struct Filter {
    kind: Option<String>,
    status: Option<String>,
}

/// Links that set one filter and keep the other.
fn chips(
    label: &str,
    values: &[&str],
    chosen: Option<&str>,
    href: impl Fn(Option<&str>) -> String,
) -> String {
    let chip = |value: Option<&str>, text: &str| {
        let on = if value == chosen { " class=\"on\"" } else { "" };
        format!(
            "<a href=\"{}\"{on}>{}</a>",
            escape(&href(value)),
            escape(text)
        )
    };
    let mut out = format!(
        "<div class=\"chips\"><span>{label}</span>{}",
        chip(None, "all")
    );
    for v in values {
        out.push_str(&chip(Some(v), v));
    }
    out.push_str("</div>");
    out
}

fn query(kind: Option<&str>, status: Option<&str>) -> String {
    let parts: Vec<String> = [("kind", kind), ("status", status)]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect();
    if parts.is_empty() {
        "/runs".into()
    } else {
        format!("/runs?{}", parts.join("&"))
    }
}

/// `GET /runs?kind=&status=`.
pub async fn list(
    State(app): State<App>,
    Extension(me): Extension<LoggedIn>,
    Query(f): Query<Filter>,
) -> Response {
    // Only the values offered: anything else lists everything.
    let kind = f.kind.as_deref().filter(|k| KINDS.contains(k));
    let status = f.status.as_deref().filter(|s| STATUSES.contains(s));
    let runs = match runs_matching(&app, kind, status, Some(200)).await {
        Ok(r) => r,
        Err(e) => return me.failed(&e),
    };
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let segment = r.segment.as_deref().map_or_else(
                || "<span class=\"muted\">all</span>".to_string(),
                |s| link(&format!("/segments/{s}"), s),
            );
            let took = r.ended_at.map(|end| {
                let ms = (end - r.started_at).num_milliseconds();
                if ms < 10_000 {
                    format!("{ms} ms")
                } else {
                    format!("{} s", ms / 1000)
                }
            });
            vec![
                r.id.to_string(),
                escape(r.kind.as_str()),
                segment,
                badge(&r.status),
                format!("<span class=\"nowrap\">{}</span>", when(Some(r.started_at))),
                took.unwrap_or_else(|| "–".into()),
                count(r.rows),
                r.error
                    .as_deref()
                    .map(|e| format!("<span class=\"err\">{}</span>", escape(e)))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let failed = runs.iter().filter(|r| r.status == "failed").count();
    let sub = if failed > 0 {
        format!("{} runs shown, {failed} failed", runs.len())
    } else {
        format!("{} runs shown, newest first", runs.len())
    };
    let body = format!(
        "<div class=\"head\"><div><h1>Runs</h1><p class=\"sub\">{sub}</p></div></div>{}{}{}",
        chips("Kind", &KINDS, kind, |k| query(k, status)),
        chips("Status", &STATUSES, status, |s| query(kind, s)),
        table(
            &[
                "#Run", "Kind", "Segment", "Status", "Started", "#Took", "#Rows", "Error"
            ],
            &rows
        )
    );
    me.page(Page {
        title: "Runs",
        nav: Nav::Runs,
        refresh: None,
        body,
    })
}

/// `GET /jobs/{id}`: a job the daemon started, reloading every 2 seconds while it runs.
pub async fn job(
    State(app): State<App>,
    Extension(me): Extension<LoggedIn>,
    Path(id): Path<String>,
) -> Response {
    let job = match app.runner.store.job(&id).await {
        Ok(Some(job)) => job,
        Ok(None) => {
            return layout::message(
                StatusCode::NOT_FOUND,
                "Not found",
                &format!("no job `{id}`"),
                Some(&me.viewer()),
            );
        }
        Err(e) => return me.failed(&e.into()),
    };
    let running = job.ended_at.is_none();
    let outcome = match (&job.error, &job.report) {
        (Some(e), _) => super::html::notice("error", e),
        (None, Some(report)) => format!(
            "<details><summary>Report</summary><pre>{}</pre></details>",
            escape(&serde_json::to_string_pretty(report).unwrap_or_default())
        ),
        (None, None) if job.status == "queued" => {
            super::html::notice("info", "Queued; this page reloads until it ends")
        }
        (None, None) => super::html::notice("info", "Running; this page reloads until it ends"),
    };
    let (kind, subject) = job.job.split_once(':').unwrap_or((job.job.as_str(), ""));
    let back = match kind {
        "refresh" | "sync" => link(
            &format!("/segments/{subject}"),
            &format!("Back to {subject}"),
        ),
        "launch" => link(
            &format!("/campaigns/{subject}"),
            &format!("Back to {subject}"),
        ),
        _ => String::new(),
    };
    let body = format!(
        "<div class=\"head\"><div><h1>{} of {}</h1><p class=\"sub\">Job {} {}</p></div></div>\
         <div class=\"card\"><dl class=\"facts\"><dt>Status</dt><dd id=\"job-status\">{}</dd>\
         <dt>Queued</dt><dd>{}</dd><dt>Started</dt><dd>{}</dd><dt>Ended</dt><dd>{}</dd>\
         <dt>Daemon</dt><dd>{}</dd></dl></div>{outcome}\
         <p>{back} · {}</p>",
        escape(kind),
        escape(subject),
        escape(&job.id),
        if running { "has not ended" } else { "ended" },
        badge(&job.status),
        when(Some(job.queued_at)),
        when(job.started_at),
        when(job.ended_at),
        escape(job.daemon.as_deref().unwrap_or("—")),
        link("/runs", "All runs"),
    );
    me.page(Page {
        title: &format!("Job {}", job.id),
        nav: Nav::Runs,
        refresh: running.then_some(2),
        body,
    })
}
