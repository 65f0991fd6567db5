//! The `destinations:` of an environment: Braze and Amplitude, with `${ENV}` secrets resolved
//! only for the environment in use.

use std::time::Duration;

use super::warehouse::env_value;
use crate::secret::Secret;
use crate::syntax::decode::{Decoder, Fields, type_of};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml::{Node, Value};

pub const DESTINATION_KINDS: &[&str] = &["braze", "amplitude"];
/// Braze's documented default cap on an array attribute's items.
pub const DEFAULT_ATTRIBUTE_CAP: u32 = 500;

const BRAZE_KEYS: &[&str] = &[
    "type",
    "endpoint",
    "api_key",
    "attribute",
    "attribute_cap",
    "rate_limit",
    "message_rate_limit",
    "concurrency",
];
const AMPLITUDE_KEYS: &[&str] = &[
    "type",
    "endpoint",
    "ingest_endpoint",
    "region",
    "api_key",
    "secret_key",
    "app_id",
    "owner",
    "rate_limit",
    "concurrency",
];

/// A destination as declared; `config` is resolved for the environment in use only.
#[derive(Clone, Debug)]
pub struct DestinationSpec {
    pub kind: String,
    pub config: Option<DestinationConfig>,
    /// Braze: the array attribute and its cap, checked in every environment.
    pub attribute_cap: Option<(String, u32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DestinationConfig {
    Braze(BrazeConfig),
    Amplitude(AmplitudeConfig),
}

#[derive(Clone, Debug, PartialEq)]
pub struct BrazeConfig {
    /// The instance's REST URL, e.g. `https://rest.iad-01.braze.com`.
    pub endpoint: String,
    pub api_key: Secret,
    /// The array custom attribute holding a user's segment names.
    pub attribute: String,
    /// The workspace's cap on an array attribute's items.
    pub attribute_cap: u32,
    /// `/users/track` requests allowed per period (Braze's default: 3,000 per 3 s).
    pub rate_limit: Option<RateLimit>,
    /// `/campaigns/trigger/send` and `/canvas/trigger/send` requests allowed per period
    /// (Braze's default: 250,000 per hour, shared with other endpoints without a limit of
    /// their own).
    pub message_rate_limit: Option<RateLimit>,
    pub concurrency: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AmplitudeConfig {
    /// The cohort API's host.
    pub endpoint: String,
    /// The ingestion host (`/identify`).
    pub ingest_endpoint: String,
    pub api_key: Secret,
    pub secret_key: Secret,
    pub app_id: String,
    /// The cohort owner's email.
    pub owner: String,
    pub rate_limit: Option<RateLimit>,
    pub concurrency: Option<usize>,
}

/// At most `requests` per `per`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

pub fn parse_destinations(
    d: &mut Decoder,
    node: &Node,
    path: &str,
    resolve: bool,
) -> std::collections::BTreeMap<String, DestinationSpec> {
    let mut out = std::collections::BTreeMap::new();
    let Value::Map(entries) = &node.value else {
        d.wrong_type(node, path, "a mapping of destination names");
        return out;
    };
    for (key, value) in entries {
        let p = crate::syntax::decode::join(path, &key.name);
        if let Some(spec) = parse_destination(d, value, &p, resolve) {
            out.insert(key.name.clone(), spec);
        }
    }
    out
}

fn parse_destination(
    d: &mut Decoder,
    node: &Node,
    path: &str,
    resolve: bool,
) -> Option<DestinationSpec> {
    // Unknown keys are named against the type's own keys once the type is known.
    let either: Vec<&str> = BRAZE_KEYS
        .iter()
        .chain(AMPLITUDE_KEYS.iter().filter(|k| !BRAZE_KEYS.contains(k)))
        .copied()
        .collect();
    let allowed: &[&str] = match type_of(node) {
        Some("braze") => BRAZE_KEYS,
        Some("amplitude") => AMPLITUDE_KEYS,
        _ => &either,
    };
    let f = d.fields(node, path, "a destination", allowed)?;
    let kind = d.req_string(&f, "type", Some("`braze` or `amplitude`"))?;
    if !DESTINATION_KINDS.contains(&kind.as_str()) {
        let n = f.get("type").expect("read above");
        d.report(
            n.pos,
            &f.at("type"),
            format!("unknown destination type `{kind}`"),
        )
        .hint = did_you_mean(&kind, DESTINATION_KINDS.iter().copied())
            .or_else(|| Some("supported: `braze`, `amplitude`".into()));
        return None;
    }
    let rate_limit = f
        .get("rate_limit")
        .and_then(|n| parse_rate_limit(d, n, &f.at("rate_limit")));
    let concurrency = f
        .get("concurrency")
        .and_then(|n| positive(d, n, &f.at("concurrency"), "concurrency"))
        .map(|n| n as usize);
    let config = match kind.as_str() {
        "braze" => {
            parse_braze(d, &f, resolve, rate_limit, concurrency).map(DestinationConfig::Braze)
        }
        _ => parse_amplitude(d, &f, resolve, rate_limit, concurrency)
            .map(DestinationConfig::Amplitude),
    };
    let attribute_cap = match &config {
        Some(DestinationConfig::Braze(b)) => Some((b.attribute.clone(), b.attribute_cap)),
        _ => None,
    };
    Some(DestinationSpec {
        kind,
        config: config.filter(|_| resolve),
        attribute_cap,
    })
}

fn parse_braze(
    d: &mut Decoder,
    f: &Fields,
    resolve: bool,
    rate_limit: Option<RateLimit>,
    concurrency: Option<usize>,
) -> Option<BrazeConfig> {
    let endpoint = if f.has("endpoint") {
        env_value(d, f, "endpoint", resolve)
    } else {
        d.missing(
            f,
            "endpoint",
            "a URL",
            Some("your Braze instance's REST endpoint, e.g. `endpoint: https://rest.iad-01.braze.com` (Settings > APIs and Identifiers)"),
        );
        None
    };
    let api_key = required_secret(
        d,
        f,
        "api_key",
        resolve,
        "write `api_key: \"${BRAZE_API_KEY}\"` and export it; the key needs the `users.track` permission",
    );
    let attribute = d
        .opt_string(f, "attribute")
        .unwrap_or_else(|| "cdp_segments".into());
    let attribute_cap = f
        .get("attribute_cap")
        .and_then(|n| positive(d, n, &f.at("attribute_cap"), "attribute_cap"))
        .unwrap_or(DEFAULT_ATTRIBUTE_CAP as u64) as u32;
    let message_rate_limit = f
        .get("message_rate_limit")
        .and_then(|n| parse_rate_limit(d, n, &f.at("message_rate_limit")));
    let endpoint = check_url(d, f, "endpoint", endpoint?)?;
    Some(BrazeConfig {
        endpoint,
        api_key: api_key?,
        attribute,
        attribute_cap,
        rate_limit,
        message_rate_limit,
        concurrency,
    })
}

fn parse_amplitude(
    d: &mut Decoder,
    f: &Fields,
    resolve: bool,
    rate_limit: Option<RateLimit>,
    concurrency: Option<usize>,
) -> Option<AmplitudeConfig> {
    let region = d.opt_string(f, "region").unwrap_or_else(|| "us".into());
    let (analytics, ingest) = match region.as_str() {
        "us" => ("https://amplitude.com", "https://api2.amplitude.com"),
        "eu" => (
            "https://analytics.eu.amplitude.com",
            "https://api.eu.amplitude.com",
        ),
        other => {
            let n = f.get("region").expect("read above");
            d.report(n.pos, &f.at("region"), format!("unknown region `{other}`"))
                .hint = Some("`us` (the default) or `eu`".into());
            return None;
        }
    };
    let api_key = required_secret(
        d,
        f,
        "api_key",
        resolve,
        "write `api_key: \"${AMPLITUDE_API_KEY}\"` (the project's API key) and export it",
    );
    let secret_key = required_secret(
        d,
        f,
        "secret_key",
        resolve,
        "write `secret_key: \"${AMPLITUDE_SECRET_KEY}\"`: the cohort API signs in with the API key and the secret key",
    );
    let app_id = match f.get("app_id") {
        Some(n) => d.text(n, &f.at("app_id")),
        None => {
            d.missing(
                f,
                "app_id",
                "the Amplitude project id",
                Some("e.g. `app_id: 123456` (Settings > Projects)"),
            );
            None
        }
    };
    let owner = d.req_string(
        f,
        "owner",
        Some("the email of the Amplitude user who owns the cohorts cdp creates"),
    );
    let endpoint = match env_value(d, f, "endpoint", resolve) {
        Some(e) => check_url(d, f, "endpoint", e)?,
        None => analytics.into(),
    };
    let ingest_endpoint = match env_value(d, f, "ingest_endpoint", resolve) {
        Some(e) => check_url(d, f, "ingest_endpoint", e)?,
        None => ingest.into(),
    };
    Some(AmplitudeConfig {
        endpoint,
        ingest_endpoint,
        api_key: api_key?,
        secret_key: secret_key?,
        app_id: app_id?,
        owner: owner?,
        rate_limit,
        concurrency,
    })
}

fn required_secret(
    d: &mut Decoder,
    f: &Fields,
    name: &str,
    resolve: bool,
    hint: &str,
) -> Option<Secret> {
    let Some(node) = f.get(name) else {
        d.missing(f, name, "a string", Some(hint));
        return None;
    };
    // A key written into a file kept in git is a leaked key.
    let literal = match &node.value {
        Value::Str(text) => !text.contains("${"),
        _ => true,
    };
    if literal {
        d.report(
            node.pos,
            &f.at(name),
            format!(
                "`{name}` is written in the file; secrets come only from environment variables"
            ),
        )
        .hint = Some(hint.to_string());
        return None;
    }
    env_value(d, f, name, resolve)
}

/// An endpoint is an http(s) URL; its trailing `/` is dropped. Unresolved `${ENV}` text passes.
fn check_url(d: &mut Decoder, f: &Fields, name: &str, value: Secret) -> Option<String> {
    let text = value.expose().trim_end_matches('/').to_string();
    if text.starts_with("https://") || text.starts_with("http://") || text.contains("${") {
        return Some(text);
    }
    let n = f.get(name).expect("given");
    d.report(
        n.pos,
        &f.at(name),
        format!("`{name}` must be an http(s) URL"),
    )
    .hint = Some("e.g. `https://rest.iad-01.braze.com`".into());
    None
}

fn positive(d: &mut Decoder, node: &Node, path: &str, name: &str) -> Option<u64> {
    match &node.value {
        Value::Int(i) if *i > 0 => Some(*i as u64),
        _ => {
            d.report(
                node.pos,
                path,
                format!("`{name}` must be a whole number above 0"),
            );
            None
        }
    }
}

/// `rate_limit: { requests: 3000, per: 3s }`.
fn parse_rate_limit(d: &mut Decoder, node: &Node, path: &str) -> Option<RateLimit> {
    let f = d.fields(node, path, "`rate_limit`", &["requests", "per"])?;
    let hint = Some("e.g. `rate_limit: { requests: 3000, per: 3s }`");
    let requests = match f.get("requests") {
        Some(n) => positive(d, n, &f.at("requests"), "requests"),
        None => {
            d.missing(&f, "requests", "a whole number", hint);
            None
        }
    };
    let per = match f.get("per") {
        Some(n) => {
            let text = d.text(n, &f.at("per"))?;
            match crate::syntax::time::span_from_str(&text) {
                Ok(span) if span.seconds > 0 => Some(Duration::from_secs(span.seconds as u64)),
                _ => {
                    d.report(n.pos, &f.at("per"), format!("`{text}` is not a duration"))
                        .hint = Some("e.g. `3s`, `1m` or `1h`".into());
                    None
                }
            }
        }
        None => {
            d.missing(&f, "per", "a duration", hint);
            None
        }
    };
    Some(RateLimit {
        requests: requests? as u32,
        per: per?,
    })
}

#[cfg(test)]
#[path = "destination_tests.rs"]
mod tests;
