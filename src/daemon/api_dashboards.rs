//! The JSON API of the dashboards: the list (title, refresh interval, when the tiles were
//! last computed), one dashboard's tiles as the daemon last computed them, and the refresh that
//! computes them again as a job. Tiles come from the state store: a request never runs a query.
//!
//! A dashboard never computed yet answers 200 with `computed_at: null`, no tiles and a `hint`
//! (it is not an error: the daemon computes a new dashboard when it starts, and the refresh
//! button is one POST away).

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::App;
use super::api::accepted;
use super::reply::{failure, ok};
use super::tiles::{self, Kept};

/// What the list and one dashboard share: the name, title, interval and last computing.
fn summary(k: &Kept) -> Value {
    let job = k.last_job.as_ref().map(|j| {
        json!({
            "id": j.id,
            "status": j.status,
            "queued_at": j.queued_at,
            "ended_at": j.ended_at,
            "error": j.error,
        })
    });
    json!({
        "name": k.def.name,
        "title": k.def.title,
        "description": k.def.description,
        "refresh": k.interval(),
        "refresh_seconds": k.def.refresh.map(|s| s.seconds),
        "tile_count": k.def.tiles.len(),
        "computed_at": k.computed_at(),
        "last_job": job,
        "url": format!("/api/v1/dashboards/{}", k.def.name),
    })
}

/// `GET /api/v1/dashboards`: every dashboard of the project.
pub async fn list(State(app): State<App>) -> Response {
    match tiles::all(&app).await {
        Ok(all) => ok(json!({ "dashboards": all.iter().map(summary).collect::<Vec<_>>() })),
        Err(e) => failure(&e),
    }
}

/// `GET /api/v1/dashboards/{name}`: its tiles as last computed (each tile's `meta`, `table`
/// rows, `total_rows` and `columns`, as `cdp dashboard run --format json` prints them), with the
/// header of that run.
pub async fn one(State(app): State<App>, Path(name): Path<String>) -> Response {
    let k = match tiles::kept(&app, &name).await {
        Ok(k) => k,
        Err(e) => return failure(&e),
    };
    let mut body = summary(&k);
    match &k.tiles {
        Some((_, report)) => {
            body["header"] = report["header"].clone();
            body["tiles"] = report["tiles"].clone();
        }
        None => {
            body["header"] = Value::Null;
            body["tiles"] = json!([]);
            body["hint"] = json!(format!(
                "{}: it is computed when the daemon starts and at each interval; \
                 `POST /api/v1/dashboards/{name}/refresh` computes it now",
                k.when_computed()
            ));
        }
    }
    ok(body)
}

/// `POST /api/v1/dashboards/{name}/refresh`: computes its tiles again, as a job (202).
pub async fn refresh(State(app): State<App>, Path(name): Path<String>) -> Response {
    accepted(tiles::refresh(&app, &name).await)
}
