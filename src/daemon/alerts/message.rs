//! One alert's words, the same in every channel: a Slack-compatible message (`text` for
//! notifications, `blocks` for the layout) and an email's subject, text and HTML.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::streak::shorten;
use crate::state::alert::Streak;

/// Slack's caps: a header's text, a section's text, a field's text.
const MAX_HEADER: usize = 150;
const MAX_SECTION: usize = 2900;
const MAX_FIELD: usize = 1900;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The first failure of a streak.
    Failed,
    /// The first success after a streak that was reported.
    Recovered,
}

/// What an alert says.
#[derive(Clone, Debug)]
pub struct Alert {
    pub kind: AlertKind,
    pub project: String,
    pub env: String,
    pub job: String,
    /// The failure's error (for a recovery, the streak's last one).
    pub error: Option<String>,
    pub since: DateTime<Utc>,
    pub failures: i64,
    pub at: DateTime<Utc>,
}

impl Alert {
    pub fn of(streak: &Streak, project: &str, env: &str, at: DateTime<Utc>) -> Alert {
        Alert {
            kind: if streak.failing {
                AlertKind::Failed
            } else {
                AlertKind::Recovered
            },
            project: project.to_string(),
            env: env.to_string(),
            job: streak.job.clone(),
            error: streak.last_error.clone(),
            since: streak.since,
            failures: streak.failures,
            at,
        }
    }

    /// `refresh:vip failed`.
    pub fn title(&self) -> String {
        let verb = match self.kind {
            AlertKind::Failed => "failed",
            AlertKind::Recovered => "recovered",
        };
        format!("{} {verb}", self.job)
    }

    /// `[cdp prod] refresh:vip failed`.
    pub fn subject(&self) -> String {
        shorten(&format!("[cdp {}] {}", self.env, self.title()), 200)
    }

    /// The facts, as (label, value) pairs, in the order every channel shows them.
    fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            ("Job", self.job.clone()),
            ("Environment", self.env.clone()),
            ("Project", self.project.clone()),
        ];
        match self.kind {
            AlertKind::Failed => facts.push(("Failing since", time(self.since))),
            AlertKind::Recovered => {
                facts.push(("Failed runs", self.failures.to_string()));
                facts.push(("Failing since", time(self.since)));
                facts.push(("Recovered at", time(self.at)));
            }
        }
        facts
    }

    /// What the error says, with a label.
    fn detail(&self) -> Option<(&'static str, &str)> {
        let label = match self.kind {
            AlertKind::Failed => "Error",
            AlertKind::Recovered => "Last error",
        };
        self.error.as_deref().map(|e| (label, e))
    }

    /// The message for a Slack-compatible incoming webhook.
    pub fn slack(&self) -> Value {
        let mut text = format!("[cdp {}] {}", self.env, self.title());
        if let (AlertKind::Failed, Some((_, e))) = (self.kind, self.detail()) {
            text.push_str(": ");
            text.push_str(&shorten(e.lines().next().unwrap_or(""), 200));
        }
        let fields: Vec<Value> = self
            .facts()
            .into_iter()
            .map(|(label, value)| {
                let value = shorten(&mrkdwn(&value), MAX_FIELD);
                json!({ "type": "mrkdwn", "text": format!("*{label}*\n{value}") })
            })
            .collect();
        let mut blocks = vec![
            json!({ "type": "header", "text": { "type": "plain_text", "text": shorten(&self.title(), MAX_HEADER) } }),
            json!({ "type": "section", "fields": fields }),
        ];
        if let Some((label, e)) = self.detail() {
            let code = mrkdwn(e).replace("```", "'''");
            let body = format!("*{label}*\n```{}```", shorten(&code, MAX_SECTION));
            blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": body } }));
        }
        blocks.push(json!({ "type": "context", "elements": [
            { "type": "mrkdwn", "text": format!("cdp daemon, {}", time(self.at)) }
        ] }));
        json!({ "text": mrkdwn(&text), "blocks": blocks })
    }

    /// The email's text/plain body.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n\n", self.title());
        for (label, value) in self.facts() {
            out.push_str(&format!("{label}: {value}\n"));
        }
        if let Some((label, e)) = self.detail() {
            out.push_str(&format!("\n{label}:\n{e}\n"));
        }
        out.push_str(&format!("\n{}\n", footer(self.at)));
        out
    }

    /// The email's text/html body.
    pub fn html(&self) -> String {
        let mut out = format!("<h2>{}</h2>\n<table>\n", html(&self.title()));
        for (label, value) in self.facts() {
            out.push_str(&format!(
                "<tr><th align=\"left\">{label}</th><td>{}</td></tr>\n",
                html(&value)
            ));
        }
        out.push_str("</table>\n");
        if let Some((label, e)) = self.detail() {
            out.push_str(&format!("<h3>{label}</h3>\n<pre>{}</pre>\n", html(e)));
        }
        out.push_str(&format!("<p><small>{}</small></p>\n", footer(self.at)));
        out
    }
}

fn footer(at: DateTime<Utc>) -> String {
    format!(
        "Sent by the cdp daemon at {}: one alert when a job starts failing, one when it recovers.",
        time(at)
    )
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Text for Slack's `mrkdwn`, which reads `&`, `<` and `>` as markup.
fn mrkdwn(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html(text: &str) -> String {
    mrkdwn(text).replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn alert(kind: AlertKind) -> Alert {
        Alert {
            kind,
            project: "acme".into(),
            env: "prod".into(),
            job: "refresh:vip".into(),
            error: Some("the query failed: <bad> & ```worse```".into()),
            since: Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap(),
            failures: 3,
            at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_failure_reads_the_same_in_every_channel() {
        let a = alert(AlertKind::Failed);
        assert_eq!(a.subject(), "[cdp prod] refresh:vip failed");
        let slack = a.slack();
        assert_eq!(
            slack["text"],
            "[cdp prod] refresh:vip failed: the query failed: &lt;bad&gt; &amp; ```worse```"
        );
        assert_eq!(slack["blocks"][0]["text"]["text"], "refresh:vip failed");
        assert_eq!(
            slack["blocks"][1]["fields"][1]["text"],
            "*Environment*\nprod"
        );
        let detail = slack["blocks"][2]["text"]["text"].as_str().unwrap();
        assert_eq!(
            detail,
            "*Error*\n```the query failed: &lt;bad&gt; &amp; '''worse'''```"
        );
        assert!(a.text().contains("Failing since: 2026-03-01T06:00:00Z\n"));
        assert!(
            a.html()
                .contains("<pre>the query failed: &lt;bad&gt; &amp; ```worse```</pre>")
        );
    }

    #[test]
    fn a_recovery_says_how_long_it_failed() {
        let a = alert(AlertKind::Recovered);
        assert_eq!(a.subject(), "[cdp prod] refresh:vip recovered");
        assert!(a.text().contains("Failed runs: 3\n"));
        assert!(a.text().contains("Last error:\n"));
        assert_eq!(a.slack()["text"], "[cdp prod] refresh:vip recovered");
    }
}
