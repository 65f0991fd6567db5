//! The segments' pages: the list (size, last refresh, schedule, a sparkline of entered and
//! exited), one segment (its rules as YAML, compiled SQL, history charts, and the buttons that
//! start a refresh or a sync).

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;

use super::html::{badge, count, escape, link, table, when};
use super::layout::{Nav, Page, see_other};
use super::{LoggedIn, charts};
use crate::daemon::App;
use crate::daemon::api::{Trigger, trigger};
use crate::ops;

/// Refreshes listed under a segment's charts, newest first.
const HISTORY_ROWS: usize = 20;

/// `GET /segments`.
pub async fn list(State(app): State<App>, Extension(me): Extension<LoggedIn>) -> Response {
    let mut rows = Vec::new();
    let summaries = match ops::segments::summaries(&app.ctx).await {
        Ok(all) => all,
        Err(e) => return me.failed(&e),
    };
    for (s, shown) in app.ctx.project.segments.iter().zip(summaries) {
        // The project's own segments: their history is read without asking whether they exist.
        let history = match app.runner.store.snapshots(&s.name).await {
            Ok(history) => history,
            Err(e) => return me.failed(&e.into()),
        };
        let name = format!(
            "<b>{}</b>{}",
            link(&format!("/segments/{}", s.name), &s.name),
            shown
                .description
                .as_deref()
                .map(|d| format!("<br><span class=\"muted desc\">{}</span>", escape(d)))
                .unwrap_or_default()
        );
        rows.push(vec![
            name,
            count(shown.members),
            charts::sparkline(&history),
            format!("<span class=\"nowrap\">{}</span>", when(shown.last_refresh)),
            format!(
                "<code class=\"nowrap\">{}</code>",
                escape(shown.schedule.as_deref().unwrap_or("–"))
            ),
        ]);
    }
    let body = format!(
        "<div class=\"head\"><div><h1>Segments</h1><p class=\"sub\">{} in environment <b>{}</b></p></div></div>\
         {}{}",
        super::html::counted(app.ctx.project.segments.len(), "segment"),
        escape(&app.ctx.project.env),
        legend(),
        table(
            &[
                "Segment",
                "#Members",
                "Entered / exited",
                "Last refresh",
                "Schedule"
            ],
            &rows
        )
    );
    me.page(Page {
        title: "Segments",
        nav: Nav::Segments,
        refresh: None,
        body,
    })
}

/// The colours of the entered and exited series, as the charts draw them.
fn legend() -> String {
    let palette = crate::dashboard::chart::model::PALETTE;
    let dot = |c: crate::dashboard::chart::scene::Color, text: &str| {
        format!(
            "<span><i style=\"background:#{:02x}{:02x}{:02x}\"></i>{text}</span>",
            c.0, c.1, c.2
        )
    };
    format!(
        "<div class=\"legend\">{}{}</div>",
        dot(palette[0], "entered"),
        dot(palette[1], "exited")
    )
}

/// `GET /segments/{name}`.
pub async fn one(
    State(app): State<App>,
    Extension(me): Extension<LoggedIn>,
    Path(name): Path<String>,
) -> Response {
    let (shown, history) = match (
        ops::segments::show(&app.ctx, &name).await,
        ops::segments::history(&app.ctx, &name).await,
    ) {
        (Ok(shown), Ok(history)) => (shown, history),
        (Err(e), _) | (_, Err(e)) => return me.failed(&e),
    };
    let def = app.ctx.project.segment(&name);
    let yaml = def
        .and_then(|d| std::fs::read_to_string(app.ctx.project.root.join(&d.file)).ok())
        .or(shown.rules.clone())
        .unwrap_or_else(|| "(no longer in the project)".into());
    let here = format!("/segments/{name}");
    let actions = if def.is_some() {
        format!(
            "<div class=\"actions\">{}{}</div>",
            me.button(&format!("{here}/refresh"), "Refresh", false),
            me.button(&format!("{here}/sync"), "Sync", true)
        )
    } else {
        String::new()
    };
    let stat = |label: &str, value: String| {
        format!("<div class=\"stat\"><small>{label}</small><b>{value}</b></div>")
    };
    let table_of = charts::history(&history);
    let charts = if history.is_empty() {
        super::html::notice(
            "info",
            "No refresh yet: press Refresh to compute its members",
        )
    } else {
        format!(
            "<div class=\"grid\"><div class=\"card\"><h2>Members</h2>{}</div>\
             <div class=\"card\"><h2>Entered and exited</h2>{}</div></div>",
            charts::members(&table_of),
            charts::changes(&history)
        )
    };
    let rows: Vec<Vec<String>> = history
        .iter()
        .rev()
        .take(HISTORY_ROWS)
        .map(|s| {
            vec![
                format!("<span class=\"nowrap\">{}</span>", when(Some(s.at))),
                count(Some(s.size)),
                count(Some(s.entered)),
                count(Some(s.exited)),
                format!("v{}", s.version),
                format!("{} ms", count(Some(s.duration_ms))),
            ]
        })
        .collect();
    let facts = format!(
        "<dl class=\"facts\"><dt>Status</dt><dd>{}</dd><dt>Schedule</dt><dd>{}</dd>\
         <dt>Applied</dt><dd>{}</dd><dt>Destinations</dt><dd>{}</dd></dl>",
        badge(&shown.status),
        escape(shown.schedule.as_deref().unwrap_or("none")),
        match (&shown.applied_version, &shown.applied_by) {
            (Some(v), Some(by)) => format!(
                "version {v} by {} on {}",
                escape(by),
                when(shown.applied_at)
            ),
            _ => "not applied".into(),
        },
        escape(&destinations(&app, &name)),
    );
    let body = format!(
        "<div class=\"head\"><div><h1>{}</h1><p class=\"sub\">{}</p></div>{actions}</div>\
         <div class=\"stats\">{}{}{}{}</div>{charts}\
         <div class=\"card\"><h2>About</h2>{facts}</div>\
         <div class=\"grid\"><div class=\"card\"><h2>Rules</h2><pre>{}</pre></div>\
         <div class=\"card\"><h2>Compiled SQL</h2><pre>{}</pre></div></div>\
         <div class=\"card\"><h2>Refreshes</h2>{}</div>",
        escape(&name),
        escape(shown.description.as_deref().unwrap_or("")),
        stat("Members", count(shown.members)),
        stat("Entered", count(shown.entered)),
        stat("Exited", count(shown.exited)),
        stat("Last refresh", when(shown.last_refresh)),
        escape(yaml.trim_end()),
        escape(shown.compiled_sql.as_deref().unwrap_or("(not compiled)")),
        table(
            &["At", "#Members", "#Entered", "#Exited", "Version", "#Took"],
            &rows
        ),
    );
    me.page(Page {
        title: &name,
        nav: Nav::Segments,
        refresh: None,
        body,
    })
}

/// The segment's destinations as `segments list` writes them.
fn destinations(app: &App, name: &str) -> String {
    ops::segments::list(&app.ctx)
        .into_iter()
        .find(|l| l.name == name)
        .map(|l| l.destinations.join(", "))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "none".into())
}

async fn start(app: &App, me: &LoggedIn, what: Trigger, name: &str) -> Response {
    match trigger(app, what, name).await {
        Ok(id) => see_other(&format!("/jobs/{id}")),
        Err(e) => me.failed(&e),
    }
}

/// `POST /segments/{name}/refresh`: starts the refresh, then shows its job.
pub async fn refresh(
    State(app): State<App>,
    Extension(me): Extension<LoggedIn>,
    Path(name): Path<String>,
) -> Response {
    start(&app, &me, Trigger::Refresh, &name).await
}

/// `POST /segments/{name}/sync`: starts the sync, then shows its job.
pub async fn sync(
    State(app): State<App>,
    Extension(me): Extension<LoggedIn>,
    Path(name): Path<String>,
) -> Response {
    start(&app, &me, Trigger::Sync, &name).await
}
