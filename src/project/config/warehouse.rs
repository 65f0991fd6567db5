//! The `warehouse:` block of an environment, with `${ENV}` references resolved on request.

use super::{DEFAULT_CDP_SCHEMA, KeySource, SnowflakeAuth, SnowflakeConfig, WarehouseConfig};
use crate::project::interpolate::{self, InterpolateError};
use crate::secret::Secret;
use crate::syntax::decode::{Decoder, Fields, type_of};
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml::{Node, Value};

const WAREHOUSE_KINDS: &[&str] = &["duckdb", "postgres", "snowflake"];

/// Checks a `warehouse:` block; with `resolve`, also reads its `${ENV}` references.
pub fn parse_warehouse(
    d: &mut Decoder,
    node: &Node,
    path: &str,
    resolve: bool,
) -> Option<WarehouseConfig> {
    let allowed: &[&str] = match type_of(node) {
        Some("duckdb") | None => &["type", "path", "cdp_schema", "memory_limit"],
        Some("postgres") => &["type", "url", "cdp_schema"],
        Some("snowflake") => &[
            "type",
            "account",
            "user",
            "private_key_path",
            "private_key",
            "private_key_passphrase",
            "token",
            "authenticator",
            "warehouse",
            "database",
            "schema",
            "role",
            "cdp_schema",
            "endpoint",
            "statement_timeout",
        ],
        Some(_) => &["type"],
    };
    let f = d.fields(node, path, "`warehouse`", allowed)?;
    let kind = d.req_string(&f, "type", Some("one of `duckdb`, `postgres`, `snowflake`"))?;
    let cdp_schema = d
        .opt_string(&f, "cdp_schema")
        .unwrap_or_else(|| DEFAULT_CDP_SCHEMA.into());
    match kind.as_str() {
        "duckdb" => {
            let p = env_value(d, &f, "path", resolve);
            let memory_limit = match f.get("memory_limit") {
                Some(n) => memory_size(d, n, &f.at("memory_limit"))?,
                None => super::DEFAULT_DUCKDB_MEMORY.to_string(),
            };
            Some(WarehouseConfig::DuckDb {
                path: p.map(|s| s.expose().to_string()),
                cdp_schema,
                memory_limit,
            })
        }
        "postgres" => {
            if !f.has("url") {
                d.missing(
                    &f,
                    "url",
                    "a connection URL",
                    Some("write `url: \"${PG_URL}\"` and export PG_URL"),
                );
                return None;
            }
            // Unresolved outside the environment in use: the URL as written, `${...}` and all.
            let url = env_value(d, &f, "url", resolve);
            Some(WarehouseConfig::Postgres {
                url: url?,
                cdp_schema,
            })
        }
        "snowflake" => parse_snowflake(d, &f, cdp_schema, resolve)
            .map(|c| WarehouseConfig::Snowflake(Box::new(c))),
        other => {
            let n = f.get("type").unwrap();
            d.report(
                n.pos,
                &f.at("type"),
                format!("unknown warehouse type `{other}`"),
            )
            .hint = did_you_mean(other, WAREHOUSE_KINDS.iter().copied())
                .or_else(|| Some("supported: `duckdb`, `postgres`, `snowflake`".into()));
            None
        }
    }
}

const AUTHENTICATORS: &[&str] = &["snowflake_jwt", "oauth", "programmatic_access_token"];

fn parse_snowflake(
    d: &mut Decoder,
    f: &Fields,
    cdp_schema: String,
    resolve: bool,
) -> Option<SnowflakeConfig> {
    if !f.has("account") && !f.has("endpoint") {
        d.missing(
            f,
            "account",
            "your Snowflake account identifier",
            Some("e.g. `account: xy12345.us-east-1`"),
        );
        return None;
    }
    let mut ok = true;
    let authenticator = d
        .opt_string(f, "authenticator")
        .unwrap_or_else(|| "snowflake_jwt".into());
    if !AUTHENTICATORS.contains(&authenticator.as_str()) {
        let n = f.get("authenticator").expect("given");
        d.report(
            n.pos,
            &f.at("authenticator"),
            format!("unknown authenticator `{authenticator}`"),
        )
        .hint = did_you_mean(&authenticator, AUTHENTICATORS.iter().copied())
            .or_else(|| Some("one of `snowflake_jwt` (key pair, the default), `oauth`, `programmatic_access_token`".into()));
        ok = false;
    }
    let account = env_value(d, f, "account", resolve).map(|s| s.expose().to_string());
    let user = env_value(d, f, "user", resolve).map(|s| s.expose().to_string());
    let endpoint = env_value(d, f, "endpoint", resolve).map(|s| s.expose().to_string());
    let path = env_value(d, f, "private_key_path", resolve);
    let pem = env_value(d, f, "private_key", resolve);
    let passphrase = env_value(d, f, "private_key_passphrase", resolve);
    let token = env_value(d, f, "token", resolve);
    let auth = if authenticator == "snowflake_jwt" {
        if f.has("token") {
            let n = f.get("token").expect("given");
            d.report(n.pos, &f.at("token"), "a token needs an authenticator").hint = Some(
                "add `authenticator: oauth` (or `programmatic_access_token`), or sign in with `private_key_path`".into(),
            );
            ok = false;
        }
        if !f.has("user") {
            d.missing(
                f,
                "user",
                "the Snowflake user the key belongs to",
                Some("key-pair sign-in names the user: `user: CDP_SERVICE`"),
            );
            ok = false;
        }
        match (path, pem) {
            (Some(_), Some(_)) => {
                let n = f.get("private_key").expect("given");
                d.report(
                    n.pos,
                    &f.at("private_key"),
                    "both `private_key` and `private_key_path` are set",
                )
                .hint = Some("keep one: the key's PEM text, or the path of its file".into());
                None
            }
            (Some(p), None) => Some(SnowflakeAuth::KeyPair {
                key: KeySource::Path(p.expose().to_string()),
                passphrase,
            }),
            (None, Some(pem)) => Some(SnowflakeAuth::KeyPair {
                key: KeySource::Pem(pem),
                passphrase,
            }),
            (None, None) => {
                d.missing(
                    f,
                    "private_key_path",
                    "the PKCS#8 private key of the user",
                    Some("write `private_key_path: \"${SNOWFLAKE_PRIVATE_KEY_PATH}\"`, or `private_key: \"${SNOWFLAKE_PRIVATE_KEY}\"` with the PEM text"),
                );
                None
            }
        }
    } else {
        match token {
            Some(t) if authenticator == "oauth" => Some(SnowflakeAuth::OAuth(t)),
            Some(t) => Some(SnowflakeAuth::ProgrammaticAccessToken(t)),
            None => {
                d.missing(
                    f,
                    "token",
                    "the access token",
                    Some("write `token: \"${SNOWFLAKE_TOKEN}\"` and export it"),
                );
                None
            }
        }
    };
    let statement_timeout = match f.get("statement_timeout") {
        None => 0,
        Some(n) => match &n.value {
            Value::Int(i) if *i >= 0 => *i as u64,
            _ => match d
                .text(n, &f.at("statement_timeout"))
                .map(|t| crate::syntax::time::span_from_str(&t))
            {
                Some(Ok(span)) => span.seconds.max(0) as u64,
                _ => {
                    d.report(
                        n.pos,
                        &f.at("statement_timeout"),
                        "`statement_timeout` must be a number of seconds or a duration",
                    )
                    .hint = Some("e.g. `statement_timeout: 10m` (0 is Snowflake's maximum)".into());
                    ok = false;
                    0
                }
            },
        },
    };
    let auth = auth?;
    (ok && resolve).then(|| SnowflakeConfig {
        account: account.unwrap_or_default(),
        user,
        auth,
        warehouse: d.opt_string(f, "warehouse"),
        database: d.opt_string(f, "database"),
        schema: d.opt_string(f, "schema"),
        role: d.opt_string(f, "role"),
        cdp_schema,
        endpoint,
        statement_timeout,
    })
}

/// Reads a string that may hold `${ENV}` references; resolves them when asked.
/// A value that may hold `${ENV}` references, read only when `resolve` (the environment in use).
pub(super) fn env_value(d: &mut Decoder, f: &Fields, name: &str, resolve: bool) -> Option<Secret> {
    let node = f.get(name)?;
    let path = f.at(name);
    let text = d.text(node, &path)?;
    match interpolate::references(&text) {
        Err(InterpolateError::Malformed(part)) => {
            d.report(
                node.pos,
                &path,
                format!("malformed environment reference `{part}`"),
            )
            .hint = Some("write `${NAME}` with letters, digits and `_`".into());
            return None;
        }
        Err(InterpolateError::Missing(_)) => unreachable!("references only checks syntax"),
        Ok(_) if !resolve => return Some(Secret::new(text)),
        Ok(_) => {}
    }
    let resolved = match d.vars {
        Some(vars) => interpolate::interpolate(&text, vars),
        None => interpolate::interpolate(&text, interpolate::from_env),
    };
    match resolved {
        Ok(v) => Some(Secret::new(v)),
        Err(InterpolateError::Missing(var)) => {
            d.report(
                node.pos,
                &path,
                format!("environment variable `{var}` is not set"),
            )
            .hint = Some(format!(
                "export {var}=... before running cdp, or pick another environment with `--env`"
            ));
            None
        }
        Err(InterpolateError::Malformed(_)) => None,
    }
}

/// A size such as `256MB` or `2GB`, as DuckDB's `memory_limit` takes it.
fn memory_size(d: &mut Decoder, node: &Node, path: &str) -> Option<String> {
    let text = d.text(node, path)?;
    let t = text.trim();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    let unit = t[digits..].trim().to_ascii_uppercase();
    if digits > 0 && ["KB", "MB", "GB", "TB", "KIB", "MIB", "GIB", "TIB"].contains(&unit.as_str()) {
        return Some(format!("{}{unit}", &t[..digits]));
    }
    d.report(node.pos, path, format!("`{text}` is not a memory size"))
        .hint = Some("write a whole number and a unit, e.g. `256MB` or `4GB`".into());
    None
}
