//! The environment page: every component of the environment in use (warehouse, state store,
//! queue, assets, destinations), each asked at once whether it answers, as `cdp env status`.

use axum::Extension;
use axum::extract::State;
use axum::response::Response;

use super::LoggedIn;
use super::html::{badge, escape, table};
use super::layout::{Nav, Page};
use crate::daemon::App;
use crate::ops;

/// `GET /environment`.
pub async fn status(State(app): State<App>, Extension(me): Extension<LoggedIn>) -> Response {
    let report = match ops::env::served_status(&app.ctx).await {
        Ok(r) => r,
        Err(e) => return me.failed(&e),
    };
    let rows: Vec<Vec<String>> = report
        .components
        .iter()
        .map(|c| {
            let problem = match (&c.error, &c.hint) {
                (Some(e), Some(h)) => format!(
                    "<span class=\"err\">{}</span><br><span class=\"muted\">hint: {}</span>",
                    escape(e),
                    escape(h)
                ),
                (Some(e), None) => format!("<span class=\"err\">{}</span>", escape(e)),
                _ => String::new(),
            };
            vec![
                escape(&c.component.label()),
                escape(&c.component.kind),
                escape(&c.component.location),
                badge(if c.up { "up" } else { "down" }),
                c.latency_ms
                    .map(|ms| format!("{ms} ms"))
                    .unwrap_or_else(|| "–".into()),
                escape(c.version.as_deref().unwrap_or("")),
                problem,
            ]
        })
        .collect();
    let down = report.down();
    let summary = if down == 0 {
        super::html::notice("info", "Every component answers")
    } else {
        super::html::notice(
            "error",
            &format!("{down} of {} components do not answer", rows.len()),
        )
    };
    me.page(Page {
        title: "Environment",
        nav: Nav::Environment,
        refresh: None,
        body: format!(
            "<div class=\"head\"><div><h1>Environment <code>{}</code></h1>\
             <p class=\"sub\">As <code>cdp env status</code> sees it from this daemon</p></div></div>{summary}{}",
            escape(&report.environment),
            table(&["Component", "Kind", "Where", "Status", "Latency", "Version", "Problem"], &rows)
        ),
    })
}
