//! `cdp campaign plan|launch|status`: run the operations and print their reports.

use std::io::Write as _;
use std::time::Duration;

use super::Resolved;
use crate::error::{Error, Result};
use crate::ops;
use crate::ops::campaign_launch::LaunchOptions;
use crate::output::Format;
use crate::table::Cell;

fn int(n: i64) -> Cell {
    Cell::Int(n)
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn facts(r: &Resolved, rows: Vec<(&str, Cell)>) -> Result<()> {
    let rows = rows
        .into_iter()
        .map(|(k, v)| vec![Cell::Text(k.to_string()), v])
        .collect();
    r.printer.rows(&["", "value"], rows).map_err(Error::Output)
}

pub async fn plan(r: &Resolved, name: &str) -> Result<()> {
    let ctx = r.context()?;
    let p = ops::campaign::plan(&ctx, name).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&p).map_err(Error::Output);
    }
    let holdout = format!("{:.1} %", p.holdout_share * 100.0);
    facts(
        r,
        vec![
            (
                "audience",
                text(format!("{} ({} members now)", p.audience, p.members)),
            ),
            ("assigned before: treatment", int(p.assigned.treatment)),
            ("assigned before: holdout", int(p.assigned.holdout)),
            ("new now: treatment", int(p.new.treatment)),
            ("new now: holdout", int(p.new.holdout)),
            ("holdout share", text(holdout)),
            ("to message", int(p.to_message)),
            (
                "goal base rate",
                text(match p.base_rate {
                    Some(b) => format!("{:.2} % (last {} days)", b * 100.0, p.base_window_days),
                    None => "unknown: the audience has no members".into(),
                }),
            ),
            (
                "minimum detectable effect",
                match p.mde {
                    Some(m) => text(format!(
                        "{:+.2} points (80 % power, 5 % two-sided)",
                        m * 100.0
                    )),
                    None => text("not computable (no base rate, or an empty arm)"),
                },
            ),
            (
                "sent through",
                text(
                    p.destination
                        .clone()
                        .unwrap_or_else(|| "(no Braze destination)".into()),
                ),
            ),
            ("offer image", text(p.image_url.clone())),
        ],
    )?;
    if !p.excluded_running.is_empty() {
        r.printer.note(&format!(
            "Users in the treatment of {} are left out (exclude_running).",
            p.excluded_running.join(", ")
        ));
    }
    let mut out = std::io::stdout().lock();
    for (i, sample) in p.payloads.iter().enumerate() {
        let mut body = sample.body.clone();
        let total = body["recipients"].as_array().map_or(0, Vec::len);
        if let Some(list) = body["recipients"].as_array_mut() {
            list.truncate(3);
        }
        writeln!(
            out,
            "\nrequest {} of the launch: {} {}\n{}{}",
            i + 1,
            sample.method,
            sample.url,
            serde_json::to_string_pretty(&body).unwrap_or_default(),
            if total > 3 {
                format!(
                    "\n(and {} more recipients like these; `--format json` shows them all)",
                    total - 3
                )
            } else {
                String::new()
            }
        )
        .map_err(Error::Output)?;
    }
    for note in &p.notes {
        r.printer.note(&format!("A launch would stop here: {note}"));
    }
    if p.payloads.is_empty() && p.notes.is_empty() {
        r.printer.note("No treatment user is left to message.");
    }
    Ok(())
}

pub async fn launch(r: &Resolved, name: &str, resend_unknown: bool, wait: Duration) -> Result<()> {
    let ctx = r.context()?;
    let options = LaunchOptions {
        resend_unknown,
        wait,
    };
    let report = ops::campaign_launch::launch(&ctx, name, &options).await?;
    if r.printer.format == Format::Json {
        r.printer.json(&report).map_err(Error::Output)?;
        return report.outcome();
    }
    let t = &report.totals;
    let secs = report.duration_ms as f64 / 1000.0;
    facts(
        r,
        vec![
            (
                "launch",
                text(format!(
                    "#{} (send id {})",
                    report.launch_id, report.send_id
                )),
            ),
            (
                "assigned now: treatment",
                int(report.assigned_now.treatment),
            ),
            ("assigned now: holdout", int(report.assigned_now.holdout)),
            ("treatment in all", int(report.arms.treatment)),
            ("holdout in all (never messaged)", int(report.arms.holdout)),
            ("messaged before (skipped)", int(report.already)),
            ("sent", int(t.sent)),
            ("unknown", int(t.unknown)),
            ("failed", int(t.failed)),
            ("at the frequency cap", int(t.capped)),
            ("requests", int(t.requests)),
            ("retried", int(t.retried)),
            (
                "duration",
                text(format!(
                    "{secs:.1} s ({:.0} users/s)",
                    t.sent as f64 / secs.max(0.001)
                )),
            ),
            ("status", text(report.status.clone())),
        ],
    )?;
    if report.resumed {
        r.printer.note(
            "Carried on an earlier launch that did not finish (same send id); its users were not messaged again.",
        );
    }
    if t.unknown > 0 {
        r.printer.note(&format!(
            "{} users may or may not have been messaged (an answer was lost); they are not sent again. \
             `cdp campaign status {}` counts them; `cdp campaign launch {} --resend-unknown` sends to them on purpose.",
            t.unknown, report.campaign, report.campaign
        ));
    }
    report.outcome()
}

pub async fn status(r: &Resolved, name: Option<&str>) -> Result<()> {
    let ctx = r.context()?;
    let report = ops::campaign::status(&ctx, name).await?;
    if r.printer.format == Format::Json {
        return r.printer.json(&report).map_err(Error::Output);
    }
    let rows = report
        .campaigns
        .iter()
        .map(|c| {
            let last = match &c.last_run {
                Some(l) => Cell::Text(format!(
                    "#{} {} {}",
                    l.id,
                    l.status,
                    l.started_at.format("%Y-%m-%d %H:%M UTC")
                )),
                None => Cell::Text("never launched".into()),
            };
            vec![
                Cell::Text(c.campaign.clone()),
                Cell::Text(match c.audience_size {
                    Some(n) => format!("{} ({n})", c.audience),
                    None => format!("{} (not refreshed)", c.audience),
                }),
                int(c.treatment.unwrap_or_default()),
                int(c.holdout.unwrap_or_default()),
                int(c.sent),
                int(c.unknown + c.pending),
                int(c.failed),
                int(c.capped),
                last,
            ]
        })
        .collect();
    r.printer
        .rows(
            &[
                "campaign",
                "audience",
                "treatment",
                "holdout",
                "sent",
                "unknown",
                "failed",
                "capped",
                "last run",
            ],
            rows,
        )
        .map_err(Error::Output)?;
    if report.campaigns.iter().any(|c| c.unknown + c.pending > 0) {
        r.printer.note(
            "Unknown: an answer was lost, so they may or may not have the message; `campaign launch NAME --resend-unknown` sends to them again.",
        );
    }
    Ok(())
}
