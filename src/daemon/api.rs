//! The JSON API's handlers: each calls the operations the command line calls and answers their
//! reports as JSON.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::App;
use super::reply::{error, failure, ok};
use super::work::Work;
use crate::ops;

/// 200 when the state store, the warehouse and the queue answer, 503 (with what failed) when
/// one does not. The embedded DuckDB file is not opened (one process may hold it, and jobs
/// open it while they run): its folder is checked instead.
pub async fn healthz(State(app): State<App>) -> Response {
    let state = match app.ctx.store().await {
        Ok(store) => store
            .server_version()
            .await
            .map(|v| json!({ "ok": true, "version": v }))
            .unwrap_or_else(|e| json!({ "ok": false, "error": crate::error::chain(&e) })),
        Err(e) => json!({ "ok": false, "error": crate::error::chain(&e) }),
    };
    let warehouse = match crate::warehouse::embedded_file(&app.ctx.project) {
        Some(path) => match path.parent().map(std::fs::metadata) {
            Some(Ok(m)) if m.is_dir() => json!({ "ok": true, "embedded": true }),
            _ => json!({ "ok": false, "error": "the embedded warehouse's folder is missing" }),
        },
        None => {
            match crate::warehouse::check_connection(&app.ctx.project, &app.ctx.session()).await {
                Ok(reached) => json!({ "ok": true, "reached": reached }),
                Err(e) => json!({ "ok": false, "error": crate::error::chain(&e) }),
            }
        }
    };
    let queue = match app.runner.queue.ping().await {
        Ok(()) => json!({ "ok": true, "kind": app.runner.queue.kind() }),
        Err(e) => {
            json!({ "ok": false, "kind": app.runner.queue.kind(), "error": crate::error::chain(&e) })
        }
    };
    let up = state["ok"] == true && warehouse["ok"] == true && queue["ok"] == true;
    let body = json!({
        "status": if up { "ok" } else { "down" },
        "state": state,
        "warehouse": warehouse,
        "queue": queue,
    });
    let status = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// Every segment of the project with its applied version, size and last refresh.
pub async fn segments(State(app): State<App>) -> Response {
    match ops::segments::summaries(&app.ctx).await {
        Ok(out) => ok(json!({ "segments": out })),
        Err(e) => failure(&e),
    }
}

/// One segment: its rules, compiled SQL, and refresh history.
pub async fn segment(State(app): State<App>, Path(name): Path<String>) -> Response {
    let shown = match ops::segments::show(&app.ctx, &name).await {
        Ok(s) => s,
        Err(e) => return failure(&e),
    };
    match ops::segments::history(&app.ctx, &name).await {
        Ok(history) => ok(json!({ "segment": shown, "history": history })),
        Err(e) => failure(&e),
    }
}

#[derive(serde::Deserialize)]
pub struct RunFilter {
    kind: Option<String>,
    status: Option<String>,
    limit: Option<i64>,
}

/// The last `limit` runs (1 to 1000, 100 when not given), newest first, those of `kind`
/// (`refresh`, `sync`) and `status` when given. The API's and the UI's list.
pub async fn runs_matching(
    app: &App,
    kind: Option<&str>,
    status: Option<&str>,
    limit: Option<i64>,
) -> crate::error::Result<Vec<crate::state::Run>> {
    let store = app.ctx.store().await?;
    let limit = limit.unwrap_or(100).clamp(1, 1000);
    Ok(store
        .runs(limit)
        .await?
        .into_iter()
        .filter(|r| kind.is_none_or(|k| r.kind.as_str() == k))
        .filter(|r| status.is_none_or(|s| r.status == s))
        .collect())
}

/// Runs, newest first, filtered by kind (`refresh`, `sync`) and status.
pub async fn runs(State(app): State<App>, Query(f): Query<RunFilter>) -> Response {
    match runs_matching(&app, f.kind.as_deref(), f.status.as_deref(), f.limit).await {
        Ok(runs) => ok(json!({ "runs": runs })),
        Err(e) => failure(&e),
    }
}

/// Every campaign with its sends and last launch (from the state store).
pub async fn campaigns(State(app): State<App>) -> Response {
    let store = match app.ctx.store().await {
        Ok(s) => s,
        Err(e) => return failure(&e),
    };
    let mut out = Vec::new();
    for c in &app.ctx.project.campaigns {
        let sends = match store.send_counts(&c.name).await {
            Ok(s) => s,
            Err(e) => return failure(&e.into()),
        };
        let last = match store.launches(Some(&c.name), 1).await {
            Ok(l) => l.into_iter().next(),
            Err(e) => return failure(&e.into()),
        };
        let sends: serde_json::Map<String, serde_json::Value> = sends
            .into_iter()
            .map(|(s, n)| (s.as_str().to_string(), json!(n)))
            .collect();
        out.push(
            json!({ "campaign": c.name, "audience": c.audience, "sends": sends, "last_run": last }),
        );
    }
    ok(json!({ "campaigns": out }))
}

/// One campaign: its status (arms, sends, last launch) and, once launched, its report
/// (treatment against holdout). Never launched: 409 with what to do and the status. Both read
/// the warehouse.
pub async fn campaign(State(app): State<App>, Path(name): Path<String>) -> Response {
    let status = match ops::campaign::status(&app.ctx, Some(&name)).await {
        Ok(s) => s.campaigns.into_iter().next(),
        Err(e) => return failure(&e),
    };
    match ops::campaign_report::report(&app.ctx, &name).await {
        Ok(report) => {
            ok(json!({ "campaign": name, "launched": true, "status": status, "report": report }))
        }
        Err(e @ crate::error::Error::NotLaunched(_)) => (
            StatusCode::CONFLICT,
            axum::Json(json!({
                "error": super::reply::describe(&e),
                "campaign": name,
                "launched": false,
                "status": status,
                "report": null,
            })),
        )
            .into_response(),
        Err(e) => failure(&e),
    }
}

/// What the API and the UI's buttons can start for a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The segment's refresh (and those it refers to).
    Refresh,
    /// The segment's sync to its destinations.
    Sync,
}

/// Queues a refresh or a sync of a segment of the project; its job id. The API's `POST`s and
/// the UI's buttons both come here.
pub async fn trigger(app: &App, what: Trigger, name: &str) -> crate::error::Result<String> {
    ops::segments::find(&app.ctx.project, name)?;
    let segment = name.to_string();
    let work = match what {
        Trigger::Refresh => Work::Refresh {
            segment,
            then_sync: false,
        },
        Trigger::Sync => Work::Sync { segment },
    };
    let id = app.runner.submit(work, None).await?;
    Ok(id.unwrap_or_default())
}

/// 202 for a job queued: its id, and where to follow it.
pub fn accepted(queued: crate::error::Result<String>) -> Response {
    match queued {
        Ok(id) => (
            StatusCode::ACCEPTED,
            axum::Json(
                json!({ "job": id, "status": "queued", "url": format!("/api/v1/jobs/{id}") }),
            ),
        )
            .into_response(),
        Err(e) => failure(&e),
    }
}

async fn started(app: &App, what: Trigger, name: &str) -> Response {
    accepted(trigger(app, what, name).await)
}

/// Refreshes a segment (and those it refers to) as a job.
pub async fn refresh(State(app): State<App>, Path(name): Path<String>) -> Response {
    started(&app, Trigger::Refresh, &name).await
}

/// Syncs a segment to its destinations as a job.
pub async fn sync(State(app): State<App>, Path(name): Path<String>) -> Response {
    started(&app, Trigger::Sync, &name).await
}

/// A job, whichever daemon runs it: its status, and its report or error once it ended.
pub async fn job(State(app): State<App>, Path(id): Path<String>) -> Response {
    match app.runner.store.job(&id).await {
        Ok(Some(job)) => ok(job),
        Ok(None) => error(StatusCode::NOT_FOUND, &format!("no job `{id}`")),
        Err(e) => failure(&e.into()),
    }
}

/// The daemon's jobs, newest first (`?job=refresh:vip` for one schedule's).
pub async fn jobs(State(app): State<App>, Query(f): Query<JobFilter>) -> Response {
    let limit = f.limit.unwrap_or(100).clamp(1, 1000);
    match app.runner.store.jobs(f.job.as_deref(), limit).await {
        Ok(jobs) => ok(json!({ "jobs": jobs })),
        Err(e) => failure(&e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct JobFilter {
    job: Option<String>,
    limit: Option<i64>,
}

/// The metrics in Prometheus's text format.
pub async fn metrics(State(app): State<App>) -> Response {
    let store = match app.ctx.store().await {
        Ok(s) => s,
        Err(e) => return failure(&e),
    };
    let segments: Vec<String> = app
        .ctx
        .project
        .segments
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let depth = app.runner.queue.depth().await.ok();
    match super::metrics::render(&app.runner.jobs.all(), depth, &segments, store.as_ref()).await {
        Ok(text) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => failure(&e.into()),
    }
}
