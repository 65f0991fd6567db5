//! The `alerts:` block of an environment: where the daemon reports failed jobs (a Slack-style
//! webhook, SendGrid email) and how many rejected users make a sync a failure.

use super::warehouse::env_value;
use crate::secret::Secret;
use crate::syntax::decode::{Decoder, Fields, index};
use crate::syntax::yaml::{Node, Value};

/// Rejected users above which a sync that succeeded counts as failed, when not given.
pub const DEFAULT_REJECTED_THRESHOLD: u64 = 100;
/// SendGrid's API host, when `endpoint` is not given.
pub const SENDGRID_ENDPOINT: &str = "https://api.sendgrid.com";
/// SendGrid's documented cap on the recipients of one `mail/send` request.
pub const MAX_RECIPIENTS: usize = 1000;

const KEYS: &[&str] = &["webhook", "sendgrid", "rejected_threshold"];
const WEBHOOK_KEYS: &[&str] = &["url"];
const SENDGRID_KEYS: &[&str] = &["api_key", "from", "to", "endpoint"];

/// `alerts:` of an environment. Secrets are resolved for the environment in use and kept as
/// written (`${...}` and all) for the others.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertsSpec {
    pub webhook: Option<WebhookSpec>,
    pub sendgrid: Option<SendgridSpec>,
    /// A sync with more rejected users than this is reported as failed.
    pub rejected_threshold: u64,
}

/// A Slack-compatible incoming webhook. Its URL is a secret: whoever has it may post.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookSpec {
    pub url: Secret,
}

/// Email through SendGrid's v3 `mail/send`.
#[derive(Clone, Debug, PartialEq)]
pub struct SendgridSpec {
    pub api_key: Secret,
    pub from: String,
    pub to: Vec<String>,
    /// The API host without a trailing `/` (`https://api.sendgrid.com`; loopback in tests).
    pub endpoint: String,
}

/// Checks an `alerts:` block, every problem reported; with `resolve`, reads its `${ENV}`
/// references.
pub fn parse_alerts(d: &mut Decoder, node: &Node, path: &str, resolve: bool) -> Option<AlertsSpec> {
    let f = d.fields(node, path, "`alerts`", KEYS)?;
    let rejected_threshold = match f.get("rejected_threshold") {
        None => Some(DEFAULT_REJECTED_THRESHOLD),
        Some(n) => {
            match &n.value {
                Value::Int(i) if *i >= 0 => Some(*i as u64),
                _ => {
                    d.report(n.pos, &f.at("rejected_threshold"), "`rejected_threshold` must be a whole number, 0 or more")
                    .hint = Some("rejected users above it make a sync an alert, e.g. `rejected_threshold: 100`".into());
                    None
                }
            }
        }
    };
    let webhook = f
        .get("webhook")
        .map(|n| parse_webhook(d, n, &f.at("webhook"), resolve));
    let sendgrid = f
        .get("sendgrid")
        .map(|n| parse_sendgrid(d, n, &f.at("sendgrid"), resolve));
    if webhook.is_none() && sendgrid.is_none() && !f.had_unknown {
        d.report(f.pos, path, "`alerts` has no channel: nothing would be sent")
            .hint = Some("add `webhook: { url: \"${SLACK_WEBHOOK_URL}\" }` or `sendgrid: { api_key: \"${SENDGRID_API_KEY}\", from: ..., to: [...] }`".into());
    }
    // `None` when not given, `Some(None)` when given with problems (reported above).
    Some(AlertsSpec {
        webhook: match webhook {
            Some(w) => Some(w?),
            None => None,
        },
        sendgrid: match sendgrid {
            Some(s) => Some(s?),
            None => None,
        },
        rejected_threshold: rejected_threshold?,
    })
}

fn parse_webhook(d: &mut Decoder, node: &Node, path: &str, resolve: bool) -> Option<WebhookSpec> {
    let f = d.fields(node, path, "`webhook`", WEBHOOK_KEYS)?;
    if !f.has("url") {
        d.missing(
            &f,
            "url",
            "a URL",
            Some("write `url: \"${SLACK_WEBHOOK_URL}\"` and export it: a webhook URL is a secret"),
        );
        return None;
    }
    let url = env_value(d, &f, "url", resolve)?;
    // Posted to as written: a webhook's path is its own.
    check_url(d, &f, "url", &url, "e.g. `url: \"${SLACK_WEBHOOK_URL}\"`")?;
    Some(WebhookSpec { url })
}

fn parse_sendgrid(d: &mut Decoder, node: &Node, path: &str, resolve: bool) -> Option<SendgridSpec> {
    let f = d.fields(node, path, "`sendgrid`", SENDGRID_KEYS)?;
    let api_key = api_key(d, &f, resolve);
    let from = match f.get("from") {
        Some(n) => d
            .string(n, &f.at("from"))
            .and_then(|text| email(d, n, &f.at("from"), &text).then_some(text)),
        None => {
            d.missing(
                &f,
                "from",
                "an email address",
                Some("a sender verified in SendGrid, e.g. `from: alerts@acme.com`"),
            );
            None
        }
    };
    let to = recipients(d, &f);
    let endpoint = match env_value(d, &f, "endpoint", resolve) {
        Some(e) => check_url(
            d,
            &f,
            "endpoint",
            &e,
            "e.g. `endpoint: https://api.sendgrid.com`",
        ),
        None => Some(SENDGRID_ENDPOINT.to_string()),
    };
    Some(SendgridSpec {
        api_key: api_key?,
        from: from?,
        to: to?,
        endpoint: endpoint?,
    })
}

/// The API key: only ever a `${NAME}` reference, since a key written in a file kept in git is
/// a leaked key.
fn api_key(d: &mut Decoder, f: &Fields, resolve: bool) -> Option<Secret> {
    let hint = "write `api_key: \"${SENDGRID_API_KEY}\"` and export it; the key needs the `Mail Send` permission";
    let Some(node) = f.get("api_key") else {
        d.missing(f, "api_key", "a `${NAME}` reference", Some(hint));
        return None;
    };
    if !matches!(&node.value, Value::Str(text) if text.contains("${")) {
        d.report(
            node.pos,
            &f.at("api_key"),
            "`api_key` is written in the file; secrets come only from environment variables",
        )
        .hint = Some(hint.into());
        return None;
    }
    env_value(d, f, "api_key", resolve)
}

/// `to:`: a non-empty list of distinct addresses, at most SendGrid's cap.
fn recipients(d: &mut Decoder, f: &Fields) -> Option<Vec<String>> {
    let hint = "e.g. `to: [data-team@acme.com]`";
    let Some(node) = f.get("to") else {
        d.missing(f, "to", "a list of email addresses", Some(hint));
        return None;
    };
    let path = f.at("to");
    let items = d.list(node, &path, "a list of email addresses")?;
    if items.is_empty() {
        d.report(
            node.pos,
            &path,
            "`to` is empty: nobody would get the alerts",
        )
        .hint = Some(hint.into());
        return None;
    }
    if items.len() > MAX_RECIPIENTS {
        d.report(
            node.pos,
            &path,
            format!(
                "`to` has {} addresses; SendGrid takes at most {MAX_RECIPIENTS}",
                items.len()
            ),
        )
        .hint = Some("send to a mailing list's address instead".into());
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let at = index(&path, i);
        let Some(text) = d.string(item, &at) else {
            ok = false;
            continue;
        };
        if !email(d, item, &at, &text) {
            ok = false;
        } else if out.iter().any(|o| o.eq_ignore_ascii_case(&text)) {
            d.report(item.pos, &at, format!("`{text}` is listed twice"))
                .hint =
                Some("SendGrid refuses a message that names a recipient twice; keep one".into());
            ok = false;
        } else {
            out.push(text);
        }
    }
    ok.then_some(out)
}

/// Whether `text` looks like an email address (`name@host.tld`, nothing else); reports it
/// when it does not.
fn email(d: &mut Decoder, node: &Node, path: &str, text: &str) -> bool {
    if is_email(text) {
        return true;
    }
    d.report(node.pos, path, format!("`{text}` is not an email address"))
        .hint = Some("write the address alone, e.g. `alerts@acme.com`".into());
    false
}

pub(crate) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let clean = |s: &str| {
        !s.is_empty()
            && !s.chars().any(|c| {
                c.is_whitespace()
                    || c.is_control()
                    || matches!(c, '@' | '<' | '>' | ',' | ';' | '"')
            })
    };
    clean(local)
        && clean(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// An http(s) URL, its trailing `/` dropped; text still holding `${...}` (another environment's)
/// passes. The value is never echoed: it may be a secret.
fn check_url(
    d: &mut Decoder,
    f: &Fields,
    name: &str,
    value: &Secret,
    hint: &str,
) -> Option<String> {
    let text = value.expose().trim_end_matches('/');
    if text.starts_with("https://") || text.starts_with("http://") || text.contains("${") {
        return Some(text.to_string());
    }
    let n = f.get(name).expect("given");
    d.report(
        n.pos,
        &f.at(name),
        format!("`{name}` must be an http(s) URL"),
    )
    .hint = Some(hint.into());
    None
}

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
