//! An environment's components (warehouse, state store, queue, assets, destinations), each with
//! its kind and a location that shows no password, key or token.

use crate::project::config::{
    AssetsBackend, DEFAULT_LOCAL_PATH, DestinationConfig, EnvSpec, S3Spec, WarehouseConfig,
};
use crate::secret::{Secret, redact_url};

/// One component of an environment.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Component {
    /// `warehouse`, `state`, `queue`, `assets`, or `destination`.
    pub role: &'static str,
    /// The destination's name under `destinations:`; empty for the others.
    pub name: String,
    /// `duckdb`, `postgres`, `snowflake`, `sqlite`, `redis`, `in-process`, `local`, `s3`,
    /// `braze`, `amplitude`.
    pub kind: String,
    /// Where it is, redacted.
    pub location: String,
}

impl Component {
    /// `warehouse`, or `destination braze`.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            self.role.to_string()
        } else {
            format!("{} {}", self.role, self.name)
        }
    }
}

/// A value as written or resolved, shown without secrets: a URL with its password and secret
/// parameters masked, `${NAME}` references as written, anything else hidden whole.
pub fn shown(value: &Secret) -> String {
    let text = value.expose();
    if text.contains("://") {
        redact_url(text)
    } else if only_references(text) {
        text.to_string()
    } else {
        "****".into()
    }
}

/// Whether the text is nothing but `${NAME}` references.
fn only_references(text: &str) -> bool {
    let mut rest = text.trim();
    if rest.is_empty() {
        return false;
    }
    while let Some(after) = rest.strip_prefix("${") {
        let Some(end) = after.find('}') else {
            return false;
        };
        rest = &after[end + 1..];
    }
    rest.is_empty()
}

/// Every component of environment `spec`, in the order people read them.
pub fn components(spec: &EnvSpec) -> Vec<Component> {
    let one = |role, kind: &str, location: String| Component {
        role,
        name: String::new(),
        kind: kind.to_string(),
        location,
    };
    let mut out = vec![match &spec.warehouse {
        None => one(
            "warehouse",
            "duckdb",
            ".cdp/warehouse.duckdb (embedded)".into(),
        ),
        Some(WarehouseConfig::DuckDb { path, .. }) => one(
            "warehouse",
            "duckdb",
            path.clone()
                .unwrap_or_else(|| ".cdp/warehouse.duckdb (embedded)".into()),
        ),
        Some(WarehouseConfig::Postgres { url, .. }) => one("warehouse", "postgres", shown(url)),
        Some(WarehouseConfig::Snowflake(c)) => one(
            "warehouse",
            "snowflake",
            match &c.user {
                Some(user) => format!("{} as {user}", c.base_url()),
                None => c.base_url(),
            },
        ),
    }];
    out.push(match &spec.state_url {
        None => one("state", "sqlite", ".cdp/state.db".into()),
        Some(url) if url.expose().starts_with("sqlite:") => one("state", "sqlite", shown(url)),
        Some(url) if url.expose().starts_with("${") => one("state", "url", shown(url)),
        Some(url) => one("state", "postgres", shown(url)),
    });
    out.push(match &spec.queue_url {
        None => one("queue", "in-process", "this process".into()),
        Some(url) => one("queue", "redis", shown(url)),
    });
    out.push(match spec.assets.as_ref().map(|a| &a.backend) {
        None => one("assets", "local", DEFAULT_LOCAL_PATH.into()),
        Some(AssetsBackend::Local {
            path,
            public_base_url,
        }) => {
            let mut at = path.clone().unwrap_or_else(|| DEFAULT_LOCAL_PATH.into());
            if let Some(url) = public_base_url {
                at.push_str(&format!(" published at {}", redact_url(url)));
            }
            one("assets", "local", at)
        }
        Some(AssetsBackend::S3(S3Spec {
            bucket,
            prefix,
            endpoint,
            ..
        })) => {
            let mut at = format!("s3://{bucket}/{}", prefix.as_deref().unwrap_or(""));
            if let Some(e) = endpoint {
                at.push_str(&format!(" at {}", redact_url(e)));
            }
            one("assets", "s3", at)
        }
    });
    for (name, d) in &spec.destinations {
        let location = match &d.config {
            Some(DestinationConfig::Braze(b)) => redact_url(&b.endpoint),
            Some(DestinationConfig::Amplitude(a)) => redact_url(&a.endpoint),
            None => String::new(),
        };
        out.push(Component {
            role: "destination",
            name: name.clone(),
            kind: d.kind.clone(),
            location,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_never_show_a_secret() {
        let s = |t: &str| shown(&Secret::new(t));
        assert_eq!(
            s("postgres://cdp:hunter2@db:5432/cdp"),
            "postgres://cdp:****@db:5432/cdp"
        );
        assert_eq!(
            s("redis://:hunter2@cache:6379/0"),
            "redis://:****@cache:6379/0"
        );
        assert_eq!(s("${STAGING_PG_URL}"), "${STAGING_PG_URL}");
        assert_eq!(s("${A}${B}"), "${A}${B}");
        assert_eq!(s("host=db password=hunter2"), "****");
        assert_eq!(s("pre${A}"), "****");
    }
}
