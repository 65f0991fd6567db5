//! The daemon's routes, in one table that builds the router and that the tests walk. Each route
//! says how it is authenticated: public, a bearer token (the JSON API, `/metrics`), or a session
//! cookie (the UI's pages, with a CSRF token on every POST). A route cannot forget its check:
//! the router puts it in front of every route of its kind.

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Router};

use super::{App, api, api_dashboards, auth, ui};

/// How a route is authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No credentials (`/healthz`, the login page).
    Public,
    /// `Authorization: Bearer <token>`; 401 with a JSON message without one.
    Bearer,
    /// The UI's session cookie; 401 with the login page without one, 403 for a POST without
    /// its CSRF token.
    Session,
}

/// One route: its method, path (axum's syntax) and how it is authenticated.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub auth: Auth,
}

/// An API route: public, or behind a bearer token.
const fn route(method: &'static str, path: &'static str, public: bool) -> Route {
    Route {
        method,
        path,
        auth: if public { Auth::Public } else { Auth::Bearer },
    }
}

/// A UI route, behind a session unless `Public`.
const fn page(method: &'static str, path: &'static str, auth: Auth) -> Route {
    Route { method, path, auth }
}

use Auth::{Public, Session};

/// Every route the daemon serves.
pub const ROUTES: &[Route] = &[
    route("GET", "/healthz", true),
    route("GET", "/api/v1/segments", false),
    route("GET", "/api/v1/segments/{name}", false),
    route("GET", "/api/v1/runs", false),
    route("GET", "/api/v1/campaigns", false),
    route("GET", "/api/v1/campaigns/{name}", false),
    route("GET", "/api/v1/dashboards", false),
    route("GET", "/api/v1/dashboards/{name}", false),
    route("POST", "/api/v1/dashboards/{name}/refresh", false),
    route("POST", "/api/v1/segments/{name}/refresh", false),
    route("POST", "/api/v1/segments/{name}/sync", false),
    route("GET", "/api/v1/jobs", false),
    route("GET", "/api/v1/jobs/{id}", false),
    route("GET", "/metrics", false),
    page("GET", "/login", Public),
    page("POST", "/login", Public),
    page("POST", "/logout", Session),
    page("GET", "/", Session),
    page("GET", "/segments", Session),
    page("GET", "/segments/{name}", Session),
    page("POST", "/segments/{name}/refresh", Session),
    page("POST", "/segments/{name}/sync", Session),
    page("GET", "/runs", Session),
    page("GET", "/jobs/{id}", Session),
    page("GET", "/campaigns", Session),
    page("GET", "/campaigns/{name}", Session),
    page("GET", "/dashboards", Session),
    page("GET", "/dashboards/{name}", Session),
    page("POST", "/dashboards/{name}/refresh", Session),
    page("GET", "/environment", Session),
];

fn handler(method: &str, path: &str) -> MethodRouter<App> {
    if let Some(h) = ui::handler(method, path) {
        return h;
    }
    match path {
        "/healthz" => get(api::healthz),
        "/api/v1/segments" => get(api::segments),
        "/api/v1/segments/{name}" => get(api::segment),
        "/api/v1/runs" => get(api::runs),
        "/api/v1/campaigns" => get(api::campaigns),
        "/api/v1/campaigns/{name}" => get(api::campaign),
        "/api/v1/dashboards" => get(api_dashboards::list),
        "/api/v1/dashboards/{name}" => get(api_dashboards::one),
        "/api/v1/dashboards/{name}/refresh" => post(api_dashboards::refresh),
        "/api/v1/segments/{name}/refresh" => post(api::refresh),
        "/api/v1/segments/{name}/sync" => post(api::sync),
        "/api/v1/jobs" => get(api::jobs),
        "/api/v1/jobs/{id}" => get(api::job),
        "/metrics" => get(api::metrics),
        other => unreachable!("route {method} {other} has no handler"),
    }
}

pub fn router(app: App) -> Router {
    let mut public = Router::new();
    let mut bearer = Router::new();
    let mut session = Router::new();
    for r in ROUTES {
        let h = handler(r.method, r.path);
        match r.auth {
            Auth::Public => public = public.route(r.path, h),
            Auth::Bearer => bearer = bearer.route(r.path, h),
            Auth::Session => session = session.route(r.path, h),
        }
    }
    let bearer = bearer.route_layer(from_fn_with_state(app.clone(), auth::bearer));
    let session = session.route_layer(from_fn_with_state(app.clone(), ui::gate));
    public
        .merge(bearer)
        .merge(session)
        .fallback(super::reply::not_found)
        .layer(Extension(Arc::new(ui::Ui::default())))
        .with_state(app)
}
