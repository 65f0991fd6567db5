//! The dashboards' pages: the list (title, interval, when last computed) and one dashboard's
//! tiles as its grid, as the daemon last computed them (from the state store; a page never
//! runs a query), reloading itself at the dashboard's interval, with a Refresh now button that
//! computes them again as a job.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;

use super::html::{badge, escape, link, notice, table, when};
use super::layout::{Nav, Page, see_other};
use super::{LoggedIn, tiles as grid};
use crate::daemon::App;
use crate::daemon::tiles::{self, Kept};

/// The latest job's status, when there is one, as a badge.
fn job_badge(k: &Kept) -> String {
    k.last_job.as_ref().map_or_else(String::new, |j| {
        format!(
            "<a href=\"/jobs/{}\">{}</a>",
            escape(&j.id),
            badge(&j.status)
        )
    })
}

/// `GET /dashboards`.
pub async fn list(State(app): State<App>, Extension(me): Extension<LoggedIn>) -> Response {
    let all = match tiles::all(&app).await {
        Ok(all) => all,
        Err(e) => return me.failed(&e),
    };
    let content = if all.is_empty() {
        notice(
            "info",
            "This project has no dashboards (they live in dashboards/*.yaml)",
        )
    } else {
        let rows: Vec<Vec<String>> = all
            .iter()
            .map(|k| {
                vec![
                    format!(
                        "<b>{}</b> <code class=\"muted\">{}</code>{}",
                        link(&format!("/dashboards/{}", k.def.name), &k.def.title),
                        escape(&k.def.name),
                        k.def
                            .description
                            .as_deref()
                            .map(|d| format!("<br><span class=\"muted desc\">{}</span>", escape(d)))
                            .unwrap_or_default()
                    ),
                    k.def.tiles.len().to_string(),
                    format!(
                        "<code class=\"nowrap\">{}</code>",
                        escape(&k.interval().unwrap_or_else(|| "–".into()))
                    ),
                    format!(
                        "<span class=\"nowrap\">{}</span> {}",
                        if k.computed_at().is_some() {
                            when(k.computed_at())
                        } else {
                            "<span class=\"muted\">not yet</span>".to_string()
                        },
                        job_badge(k)
                    ),
                ]
            })
            .collect();
        table(&["Dashboard", "#Tiles", "Refresh", "Computed"], &rows)
    };
    me.page(Page {
        title: "Dashboards",
        nav: Nav::Dashboards,
        refresh: None,
        body: format!(
            "<div class=\"head\"><div><h1>Dashboards</h1><p class=\"sub\">{}, computed by the daemon at their interval</p></div></div>{content}",
            super::html::counted(all.len(), "dashboard"),
        ),
    })
}

/// `GET /dashboards/{name}`.
pub async fn one(
    State(app): State<App>,
    Extension(me): Extension<LoggedIn>,
    Path(name): Path<String>,
) -> Response {
    let k = match tiles::kept(&app, &name).await {
        Ok(k) => k,
        Err(e) => return me.failed(&e),
    };
    let report = match k.report() {
        Ok(r) => r,
        Err(e) => return me.failed(&e),
    };
    let button = me.button(&format!("/dashboards/{name}/refresh"), "Refresh now", false);
    let mut status = String::new();
    if k.busy() {
        status.push_str(&notice(
            "info",
            "Computing its tiles now: this page shows them when they are done",
        ));
    }
    if let Some(error) = k.failed() {
        status.push_str(&notice(
            "error",
            &format!("Its last computing failed: {error}"),
        ));
    }
    let content = match &report {
        Some(r) => grid::grid(&r.tiles),
        None => format!(
            "<div class=\"card empty\"><h2>Not computed yet</h2><p>{}.</p>\
             <p class=\"muted\">The daemon computes a new dashboard when it starts; Refresh now computes it at once.</p>{button}</div>",
            escape(&k.when_computed())
        ),
    };
    let sub = format!(
        "<p class=\"sub\">{}<span class=\"computed\" id=\"computed\">{}{}</span></p>",
        k.def
            .description
            .as_deref()
            .map(|d| format!("{}<br>", escape(d)))
            .unwrap_or_default(),
        escape(&k.when_computed()),
        report
            .as_ref()
            .map(|r| format!(" · environment <b>{}</b>", escape(&r.header.environment)))
            .unwrap_or_default()
    );
    me.page(Page {
        title: &k.def.title,
        nav: Nav::Dashboards,
        // While a job runs, the page comes back soon to show its outcome.
        refresh: if k.busy() {
            Some(5)
        } else {
            k.reload_every()
        },
        body: format!(
            "<div class=\"head\"><div><h1>{}</h1>{sub}</div><div class=\"actions\">{button}</div></div>\
             {status}{content}",
            escape(&k.def.title)
        ),
    })
}

/// `POST /dashboards/{name}/refresh`: computes its tiles now, and comes back to the page, which
/// says so and reloads itself until they are done.
pub async fn refresh(
    State(app): State<App>,
    Extension(me): Extension<LoggedIn>,
    Path(name): Path<String>,
) -> Response {
    match tiles::refresh(&app, &name).await {
        Ok(_) => see_other(&format!("/dashboards/{name}")),
        Err(e) => me.failed(&e),
    }
}
