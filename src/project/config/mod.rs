//! `cdp.yaml`: environments, the warehouse of each, and where users and events live.

use std::collections::BTreeMap;

mod alerts;
mod assets;
mod destination;
mod warehouse;

pub use alerts::{
    AlertsSpec, DEFAULT_REJECTED_THRESHOLD, SENDGRID_ENDPOINT, SendgridSpec, WebhookSpec,
    parse_alerts,
};

pub use assets::{
    AssetsBackend, AssetsSpec, DEFAULT_LOCAL_PATH, DEFAULT_MAX_BYTES, S3Spec, parse_assets,
};

pub use destination::{
    AmplitudeConfig, BrazeConfig, DestinationConfig, DestinationSpec, RateLimit,
};

pub use warehouse::parse_warehouse;

use crate::project::interpolate::{self, InterpolateError};
use crate::secret::Secret;
use crate::syntax::decode::{Decoder, Fields, join};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml::{Node, Pos, Value};

pub const DEFAULT_ENV: &str = "dev";
pub const DEFAULT_CDP_SCHEMA: &str = "cdp";
/// Keeps cdp's peak memory low on a laptop or a small server; large joins spill to disk.
pub const DEFAULT_DUCKDB_MEMORY: &str = "160MB";

#[derive(Clone, Debug)]
pub struct Config {
    pub name: Option<String>,
    pub default_env: String,
    /// Declared environments in file order; `dev` exists even when not declared.
    pub environments: Vec<(String, EnvSpec)>,
    /// Where `environments:` is written (1:1 when it is not), for messages about `--env`.
    pub environments_at: Pos,
    pub tables: Tables,
}

impl Config {
    /// Every destination declared in any environment, by name, with its type (`braze`, ...):
    /// what the files may name.
    pub fn declared_destinations(&self) -> std::collections::BTreeMap<&str, &str> {
        self.environments
            .iter()
            .flat_map(|(_, e)| {
                e.destinations
                    .iter()
                    .map(|(n, d)| (n.as_str(), d.kind.as_str()))
            })
            .collect()
    }
}

/// One environment as written. Only the environment in use has its warehouse resolved.
#[derive(Clone, Debug, Default)]
pub struct EnvSpec {
    /// Resolved for the environment in use; `None` there means the embedded default.
    pub warehouse: Option<WarehouseConfig>,
    /// The state store URL (`state: { url }`), resolved for the environment in use.
    pub state_url: Option<Secret>,
    /// The Redis of the job queue (`queue: { redis_url }`), resolved for the environment in
    /// use; `None` is the in-process queue.
    pub queue_url: Option<Secret>,
    /// Where assets are kept; `None` is the local folder `.cdp/assets`.
    pub assets: Option<AssetsSpec>,
    pub destinations: BTreeMap<String, DestinationSpec>,
    /// Where the daemon reports failed jobs; `None` sends no alerts.
    pub alerts: Option<AlertsSpec>,
}

/// The warehouse of the selected environment, with secrets resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum WarehouseConfig {
    DuckDb {
        path: Option<String>,
        cdp_schema: String,
        /// DuckDB's memory limit (e.g. `256MB`); beyond it DuckDB spills to disk.
        memory_limit: String,
    },
    Postgres {
        url: Secret,
        cdp_schema: String,
    },
    Snowflake(Box<SnowflakeConfig>),
}

impl WarehouseConfig {
    /// The schema where cdp keeps membership tables in this warehouse.
    pub fn cdp_schema(&self) -> &str {
        match self {
            WarehouseConfig::DuckDb { cdp_schema, .. }
            | WarehouseConfig::Postgres { cdp_schema, .. } => cdp_schema,
            WarehouseConfig::Snowflake(c) => &c.cdp_schema,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            WarehouseConfig::DuckDb { .. } => "duckdb",
            WarehouseConfig::Postgres { .. } => "postgres",
            WarehouseConfig::Snowflake(_) => "snowflake",
        }
    }
}

/// A Snowflake warehouse: the account, how cdp signs in, and the session's context.
#[derive(Clone, Debug, PartialEq)]
pub struct SnowflakeConfig {
    pub account: String,
    pub user: Option<String>,
    pub auth: SnowflakeAuth,
    pub warehouse: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
    pub role: Option<String>,
    pub cdp_schema: String,
    /// Overrides `https://<account>.snowflakecomputing.com` (private link, tests on loopback).
    pub endpoint: Option<String>,
    /// Seconds a statement may run; 0 is Snowflake's maximum.
    pub statement_timeout: u64,
}

impl SnowflakeConfig {
    /// The SQL API's base URL: `endpoint`, else derived from the account identifier.
    pub fn base_url(&self) -> String {
        match &self.endpoint {
            Some(e) => e.trim_end_matches('/').to_string(),
            None => format!(
                "https://{}.snowflakecomputing.com",
                self.account.to_lowercase().replace('_', "-")
            ),
        }
    }
}

/// How cdp signs in to Snowflake.
#[derive(Clone, Debug, PartialEq)]
pub enum SnowflakeAuth {
    /// Key-pair JWT: a PKCS#8 PEM key from a file or a variable, maybe encrypted.
    KeyPair {
        key: KeySource,
        passphrase: Option<Secret>,
    },
    OAuth(Secret),
    ProgrammaticAccessToken(Secret),
}

#[derive(Clone, Debug, PartialEq)]
pub enum KeySource {
    Path(String),
    Pem(Secret),
}

pub use crate::sql::tables::{EventsTable, Tables, UsersTable};

const TOP_KEYS: &[&str] = &["name", "default_env", "environments", "tables"];
const ENV_KEYS: &[&str] = &[
    "warehouse",
    "state",
    "queue",
    "assets",
    "destinations",
    "alerts",
];

/// Reads `cdp.yaml`; `env` (or `default_env`) names the environment whose secrets are resolved.
pub fn parse_config(d: &mut Decoder, root: &Node, env: Option<&str>) -> Config {
    let mut config = Config {
        name: None,
        default_env: DEFAULT_ENV.into(),
        environments: Vec::new(),
        environments_at: Pos { line: 1, column: 1 },
        tables: Tables::default(),
    };
    if root.value == Value::Null {
        return config;
    }
    let Some(f) = d.fields(root, "", "`cdp.yaml`", TOP_KEYS) else {
        return config;
    };
    // A common slip: an environment's sections written at the top of the file.
    for diag in d.diagnostics.iter_mut() {
        if ENV_KEYS.contains(&diag.key.as_str()) && diag.hint.is_none() {
            diag.hint = Some(format!(
                "`{key}` belongs to an environment: move it under `environments:`, e.g. `environments: {{ dev: {{ {key}: ... }} }}`",
                key = diag.key
            ));
        }
    }
    config.name = d.opt_string(&f, "name");
    if let Some(env) = d.opt_string(&f, "default_env") {
        config.default_env = env;
    }
    if let Some(key) = f.key("environments") {
        config.environments_at = key.pos;
    }
    if let Some(node) = f.get("environments") {
        let selected = env.unwrap_or(&config.default_env).to_string();
        config.environments = parse_environments(d, node, &selected);
    }
    if let Some(node) = f.get("tables") {
        config.tables = parse_tables(d, node);
    }
    let declared = config
        .environments
        .iter()
        .any(|(n, _)| *n == config.default_env);
    if !declared && config.default_env != DEFAULT_ENV {
        let node = f.get("default_env").expect("set when not the default");
        let names: Vec<&str> = config
            .environments
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        let diag = d.report(
            node.pos,
            "default_env",
            format!(
                "`default_env` names `{}`, which is not under `environments`",
                config.default_env
            ),
        );
        diag.hint = did_you_mean(&config.default_env, names.iter().copied()).or_else(|| {
            Some(format!(
                "declare it under `environments:` or use one of: {}",
                names.join(", ")
            ))
        });
    }
    config
}

fn parse_environments(d: &mut Decoder, node: &Node, selected: &str) -> Vec<(String, EnvSpec)> {
    let Value::Map(entries) = &node.value else {
        d.wrong_type(node, "environments", "a mapping of environment names");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let path = join("environments", &key.name);
        let mut spec = EnvSpec::default();
        if value.value != Value::Null
            && let Some(f) = d.fields(value, &path, "an environment", ENV_KEYS)
        {
            if let Some(w) = f.get("warehouse") {
                // Every environment's shape is checked; only the one in use reads its secrets.
                spec.warehouse = parse_warehouse(d, w, &f.at("warehouse"), key.name == selected);
            }
            if let Some(n) = f.get("state")
                && let Some(sf) = d.fields(n, &f.at("state"), "`state`", &["url"])
            {
                spec.state_url = warehouse::env_value(d, &sf, "url", key.name == selected);
                if let (Some(url), Some(node)) = (&spec.state_url, sf.get("url"))
                    && key.name == selected
                {
                    check_state_url(d, node, &sf.at("url"), url);
                }
            }
            check_optional_sections(d, &f, &mut spec, key.name == selected);
            if let Some(dests) = f.get("destinations") {
                spec.destinations = destination::parse_destinations(
                    d,
                    dests,
                    &f.at("destinations"),
                    key.name == selected,
                );
            }
        }
        out.push((key.name.clone(), spec));
    }
    out
}

/// The state store is SQLite by default; a URL names PostgreSQL or another SQLite file.
fn check_state_url(d: &mut Decoder, node: &Node, path: &str, url: &Secret) {
    let text = url.expose();
    let known = ["postgres://", "postgresql://", "sqlite://"];
    if !known.iter().any(|k| text.starts_with(k)) {
        d.report(node.pos, path, "the state store URL must start with `postgres://` or `sqlite://`")
            .hint = Some("write `state: { url: \"${CDP_STATE_URL}\" }` with a PostgreSQL URL, or remove `state:` for the SQLite file `.cdp/state.db`".into());
    }
}

fn check_optional_sections(d: &mut Decoder, f: &Fields, spec: &mut EnvSpec, selected: bool) {
    if let Some(n) = f.get("queue")
        && let Some(qf) = d.fields(n, &f.at("queue"), "`queue`", &["redis_url"])
    {
        check_env_refs(d, &qf, "redis_url");
        spec.queue_url = warehouse::env_value(d, &qf, "redis_url", selected);
        if let (Some(url), Some(node), true) = (&spec.queue_url, qf.get("redis_url"), selected)
            && !["redis://", "rediss://"]
                .iter()
                .any(|k| url.expose().starts_with(k))
        {
            d.report(node.pos, &qf.at("redis_url"), "the queue URL must start with `redis://` or `rediss://`")
                .hint = Some("write `queue: { redis_url: \"${CDP_REDIS_URL}\" }`, or remove `queue:` for the in-process queue".into());
        }
    }
    if let Some(n) = f.get("assets") {
        spec.assets = parse_assets(d, n, &f.at("assets"), selected);
    }
    if let Some(n) = f.get("alerts") {
        spec.alerts = parse_alerts(d, n, &f.at("alerts"), selected);
    }
}

fn check_env_refs(d: &mut Decoder, f: &Fields, name: &str) {
    if let Some(node) = f.get(name)
        && let Some(text) = d.string(node, &f.at(name))
        && let Err(InterpolateError::Malformed(part)) = interpolate::references(&text)
    {
        d.report(
            node.pos,
            &f.at(name),
            format!("malformed environment reference `{part}`"),
        )
        .hint = Some("write `${NAME}` with letters, digits and `_`".into());
    }
}

fn parse_tables(d: &mut Decoder, node: &Node) -> Tables {
    let mut t = Tables::default();
    let Some(f) = d.fields(node, "tables", "`tables`", &["users", "events"]) else {
        return t;
    };
    if let Some(u) = f.get("users")
        && let Some(uf) = d.fields(u, "tables.users", "`tables.users`", &["table", "id"])
    {
        set(d, &uf, "table", &mut t.users.table);
        set(d, &uf, "id", &mut t.users.id);
    }
    if let Some(e) = f.get("events")
        && let Some(ef) = d.fields(
            e,
            "tables.events",
            "`tables.events`",
            &["table", "user_id", "name", "timestamp", "properties"],
        )
    {
        set(d, &ef, "table", &mut t.events.table);
        set(d, &ef, "user_id", &mut t.events.user_id);
        set(d, &ef, "name", &mut t.events.name);
        set(d, &ef, "timestamp", &mut t.events.timestamp);
        set(d, &ef, "properties", &mut t.events.properties);
    }
    t
}

fn set(d: &mut Decoder, f: &Fields, name: &str, target: &mut String) {
    if let Some(v) = d.opt_string(f, name) {
        if v.trim().is_empty() {
            let n = f.get(name).unwrap();
            d.report(n.pos, &f.at(name), format!("`{name}` is empty"));
        } else {
            *target = v;
        }
    }
}
