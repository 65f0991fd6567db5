//! The campaigns' pages: each campaign's audience, arms, sends and last launch, and one
//! campaign's report (treatment against holdout) once it was launched. Both read the warehouse;
//! when it does not answer, the page says so and shows what the project declares.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;

use super::LoggedIn;
use super::html::{badge, count, escape, link, notice, table, when};
use super::layout::{Nav, Page};
use crate::campaign::report::sections::{headline, sections};
use crate::daemon::App;
use crate::error::Error;
use crate::ops;
use crate::ops::campaign::CampaignStatus;

/// A campaign's row: with its arms when they were read (the campaign's page), without them in
/// the list.
fn status_row(c: &CampaignStatus) -> Vec<String> {
    let last = c.last_run.as_ref().map_or_else(
        || "<span class=\"muted\">never</span>".to_string(),
        |l| format!("{} {}", badge(&l.status), when(Some(l.started_at))),
    );
    let arms = c
        .treatment
        .map(|t| [count(Some(t)), count(c.holdout)])
        .into_iter()
        .flatten();
    let head = [
        format!(
            "<b>{}</b>",
            link(&format!("/campaigns/{}", c.campaign), &c.campaign)
        ),
        link(&format!("/segments/{}", c.audience), &c.audience),
        count(c.audience_size),
    ];
    let tail = [count(Some(c.sent)), count(Some(c.failed)), last];
    head.into_iter().chain(arms).chain(tail).collect()
}

/// The list's columns: the arms are on each campaign's page.
const LIST_HEAD: [&str; 6] = [
    "Campaign",
    "Audience",
    "#Audience size",
    "#Sent",
    "#Failed",
    "Last launch",
];

const HEAD: [&str; 8] = [
    "Campaign",
    "Audience",
    "#Audience size",
    "#Treatment",
    "#Holdout",
    "#Sent",
    "#Failed",
    "Last launch",
];

/// Why a page shows less than it would: the warehouse did not answer, say.
fn unavailable(what: &str, e: &Error) -> String {
    notice(
        "warn",
        &format!(
            "{what} needs the warehouse, which failed: {}",
            crate::daemon::reply::describe(e)
        ),
    )
}

/// `GET /campaigns`.
pub async fn list(State(app): State<App>, Extension(me): Extension<LoggedIn>) -> Response {
    let campaigns = &app.ctx.project.campaigns;
    let content = if campaigns.is_empty() {
        notice(
            "info",
            "This project has no campaigns (they live in campaigns/*.yaml)",
        )
    } else {
        // From the state store: the list never opens the warehouse (each campaign's page does).
        match ops::campaign::recorded_status(&app.ctx, None).await {
            Ok(report) => {
                let rows: Vec<Vec<String>> = report.campaigns.iter().map(status_row).collect();
                table(&LIST_HEAD, &rows)
            }
            Err(e) => {
                let rows: Vec<Vec<String>> = campaigns
                    .iter()
                    .map(|c| {
                        vec![
                            link(&format!("/campaigns/{}", c.name), &c.name),
                            escape(&c.audience),
                        ]
                    })
                    .collect();
                format!(
                    "{}{}",
                    unavailable("Their status", &e),
                    table(&["Campaign", "Audience"], &rows)
                )
            }
        }
    };
    me.page(Page {
        title: "Campaigns",
        nav: Nav::Campaigns,
        refresh: None,
        body: format!(
            "<div class=\"head\"><div><h1>Campaigns</h1><p class=\"sub\">{}</p></div></div>{content}",
            super::html::counted(campaigns.len(), "campaign")
        ),
    })
}

/// `GET /campaigns/{name}`.
pub async fn one(
    State(app): State<App>,
    Extension(me): Extension<LoggedIn>,
    Path(name): Path<String>,
) -> Response {
    if let Err(e) = ops::campaign::find(&app.ctx.project, &name) {
        return me.failed(&e);
    }
    let status = match ops::campaign::status(&app.ctx, Some(&name)).await {
        Ok(s) => table(
            &HEAD,
            &s.campaigns.iter().map(status_row).collect::<Vec<_>>(),
        ),
        Err(e) => unavailable("The campaign's status", &e),
    };
    let report = match ops::campaign_report::report(&app.ctx, &name).await {
        Ok(r) => {
            let mut out = format!(
                "<p>{}</p><p><b>Verdict:</b> {}</p>",
                escape(&headline(&r)),
                escape(&r.comparison.verdict.to_string())
            );
            for s in sections(&r) {
                let names = s.table.names();
                let head: Vec<&str> = names.iter().map(String::as_str).collect();
                let rows: Vec<Vec<String>> = s
                    .text_rows()
                    .iter()
                    .map(|row| row.iter().map(|c| escape(&c.to_text())).collect())
                    .collect();
                out.push_str(&format!(
                    "<h2 style=\"margin-top:18px\">{}</h2>{}",
                    escape(&s.title),
                    table(&head, &rows)
                ));
            }
            out
        }
        Err(Error::NotLaunched(_)) => notice(
            "info",
            &format!(
                "Not launched yet: the report compares the users a launch assigned (`cdp campaign launch {name}`)"
            ),
        ),
        Err(e) => unavailable("The report", &e),
    };
    me.page(Page {
        title: &name,
        nav: Nav::Campaigns,
        refresh: None,
        body: format!(
            "<div class=\"head\"><div><h1>{}</h1><p class=\"sub\">Campaign</p></div></div>\
             {status}<div class=\"card\" style=\"margin-top:18px\"><h2>Report</h2>{report}</div>",
            escape(&name)
        ),
    })
}
