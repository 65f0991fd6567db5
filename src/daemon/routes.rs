//! The daemon's routes, in one table that builds the router and that the tests walk: a route
//! added here is behind the token check unless it is marked public.

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post};

use super::{App, api, auth};

/// One route: its method, path (axum's syntax) and whether it is public.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub public: bool,
}

const fn route(method: &'static str, path: &'static str, public: bool) -> Route {
    Route {
        method,
        path,
        public,
    }
}

/// Every route the daemon serves.
pub const ROUTES: &[Route] = &[
    route("GET", "/healthz", true),
    route("GET", "/api/v1/segments", false),
    route("GET", "/api/v1/segments/{name}", false),
    route("GET", "/api/v1/runs", false),
    route("GET", "/api/v1/campaigns", false),
    route("POST", "/api/v1/segments/{name}/refresh", false),
    route("POST", "/api/v1/segments/{name}/sync", false),
    route("GET", "/api/v1/jobs", false),
    route("GET", "/api/v1/jobs/{id}", false),
    route("GET", "/metrics", false),
];

fn handler(path: &str) -> MethodRouter<App> {
    match path {
        "/healthz" => get(api::healthz),
        "/api/v1/segments" => get(api::segments),
        "/api/v1/segments/{name}" => get(api::segment),
        "/api/v1/runs" => get(api::runs),
        "/api/v1/campaigns" => get(api::campaigns),
        "/api/v1/segments/{name}/refresh" => post(api::refresh),
        "/api/v1/segments/{name}/sync" => post(api::sync),
        "/api/v1/jobs" => get(api::jobs),
        "/api/v1/jobs/{id}" => get(api::job),
        "/metrics" => get(api::metrics),
        other => unreachable!("route {other} has no handler"),
    }
}

pub fn router(app: App) -> Router {
    let mut public = Router::new();
    let mut private = Router::new();
    for r in ROUTES {
        if r.public {
            public = public.route(r.path, handler(r.path));
        } else {
            private = private.route(r.path, handler(r.path));
        }
    }
    let private = private.route_layer(from_fn_with_state(app.clone(), auth::bearer));
    public
        .merge(private)
        .fallback(super::reply::not_found)
        .with_state(app)
}
