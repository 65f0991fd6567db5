//! The JSON API's handlers: each calls the operations the command line calls and answers their
//! reports as JSON.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::App;
use super::reply::{error, failure, ok};
use crate::ops;

/// 200 when the state store answers, 503 (with what failed) when it does not.
pub async fn healthz(State(app): State<App>) -> Response {
    let store = match app.ctx.store().await {
        Ok(s) => s,
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, &crate::error::chain(&e)),
    };
    match store.server_version().await {
        Ok(version) => ok(json!({ "status": "ok", "state": { "ok": true, "version": version } })),
        Err(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("state store: {}", crate::error::chain(&e)),
        ),
    }
}

/// Every segment of the project with its applied version, size and last refresh.
pub async fn segments(State(app): State<App>) -> Response {
    let mut out = Vec::new();
    for s in &app.ctx.project.segments {
        match ops::segments::show(&app.ctx, &s.name).await {
            Ok(shown) => out.push(shown),
            Err(e) => return failure(&e),
        }
    }
    ok(json!({ "segments": out }))
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

/// Runs, newest first, filtered by kind (`refresh`, `sync`) and status.
pub async fn runs(State(app): State<App>, Query(f): Query<RunFilter>) -> Response {
    let store = match app.ctx.store().await {
        Ok(s) => s,
        Err(e) => return failure(&e),
    };
    let limit = f.limit.unwrap_or(100).clamp(1, 1000);
    match store.runs(limit).await {
        Ok(runs) => {
            let runs: Vec<_> = runs
                .into_iter()
                .filter(|r| f.kind.as_deref().is_none_or(|k| r.kind.as_str() == k))
                .filter(|r| f.status.as_deref().is_none_or(|s| r.status == s))
                .collect();
            ok(json!({ "runs": runs }))
        }
        Err(e) => failure(&e.into()),
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
