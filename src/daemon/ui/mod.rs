//! The daemon's web UI: server-rendered pages with inline SVG charts (no JavaScript) over the
//! same operations as the command line — segments, runs, campaigns, dashboards, the
//! environment — with buttons that start a refresh or a sync as a job. Every page needs a session (see
//! [`login`]); every form carries a CSRF token.

mod campaigns;
mod charts;
pub mod csrf;
mod dashboards;
mod environment;
pub mod html;
mod layout;
mod login;
pub mod ratelimit;
mod runs;
mod segments;
pub mod session;
mod tiles;

use std::sync::Mutex;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};

use super::App;
use crate::error::{Error, Result};
use crate::ops::Context;
use layout::{Page, Viewer};
use session::Key;

pub use login::gate;

/// What the UI keeps while the daemon runs: the signing key (read from the state store once)
/// and the login's rate limit.
#[derive(Default)]
pub struct Ui {
    key: tokio::sync::OnceCell<Key>,
    limiter: Mutex<ratelimit::Limiter>,
}

/// The key's name in the state store.
const KEY_NAME: &str = "session_key";

impl Ui {
    /// The key that signs cookies: the state store's, made there on first use.
    pub async fn key(&self, ctx: &Context) -> Result<&Key> {
        self.key
            .get_or_try_init(|| async {
                let store = ctx.store().await?;
                let text = store
                    .ui_secret(KEY_NAME, &Key::fresh(), chrono::Utc::now())
                    .await?;
                Key::decode(&text).ok_or_else(|| {
                    Error::Internal(
                        "the UI's signing key in the state store is not valid base64 of 32 bytes or more"
                            .into(),
                    )
                })
            })
            .await
    }

    fn limiter(&self) -> std::sync::MutexGuard<'_, ratelimit::Limiter> {
        // A panic while holding it leaves counts that are still counts.
        self.limiter.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Who is logged in, as the gate found them: handlers take it as an `Extension`.
#[derive(Clone, Debug)]
pub struct LoggedIn {
    pub user: String,
    /// Their session's CSRF token, for the page's forms.
    pub csrf: String,
}

impl LoggedIn {
    fn viewer(&self) -> Viewer<'_> {
        Viewer {
            user: &self.user,
            csrf: &self.csrf,
        }
    }

    /// A page for this viewer, 200.
    fn page(&self, page: Page) -> Response {
        layout::html(StatusCode::OK, page.render(Some(&self.viewer())))
    }

    /// A failed operation as a page: 404 for what does not exist, 500 otherwise; the message
    /// names what failed, never a secret or a trace.
    fn failed(&self, e: &Error) -> Response {
        let status = super::reply::status_of(e);
        let title = if status == StatusCode::NOT_FOUND {
            "Not found"
        } else {
            "Something went wrong"
        };
        layout::message(
            status,
            title,
            &super::reply::describe(e),
            Some(&self.viewer()),
        )
    }

    /// A POST form to `action` with one button.
    fn button(&self, action: &str, label: &str, secondary: bool) -> String {
        let class = if secondary {
            " class=\"secondary\""
        } else {
            ""
        };
        format!(
            "<form class=\"inline\" method=\"post\" action=\"{}\">{}<button type=\"submit\"{class}>{}</button></form>",
            html::escape(action),
            csrf::hidden(&self.csrf),
            html::escape(label)
        )
    }
}

/// The handler of a UI route, by method and path; `None` for a route that is not the UI's.
pub fn handler(method: &str, path: &str) -> Option<MethodRouter<App>> {
    Some(match (method, path) {
        ("GET", "/") => get(|| async { layout::see_other("/segments") }),
        ("GET", "/login") => get(login::page),
        ("POST", "/login") => post(login::submit),
        ("POST", "/logout") => post(login::logout),
        ("GET", "/segments") => get(segments::list),
        ("GET", "/segments/{name}") => get(segments::one),
        ("POST", "/segments/{name}/refresh") => post(segments::refresh),
        ("POST", "/segments/{name}/sync") => post(segments::sync),
        ("GET", "/runs") => get(runs::list),
        ("GET", "/jobs/{id}") => get(runs::job),
        ("GET", "/campaigns") => get(campaigns::list),
        ("GET", "/campaigns/{name}") => get(campaigns::one),
        ("GET", "/dashboards") => get(dashboards::list),
        ("GET", "/dashboards/{name}") => get(dashboards::one),
        ("POST", "/dashboards/{name}/refresh") => post(dashboards::refresh),
        ("GET", "/environment") => get(environment::status),
        _ => return None,
    })
}
