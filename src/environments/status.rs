//! `env status`: every component of an environment asked at once, each with a short timeout:
//! whether it answers, how fast, its server's version, and what went wrong.

use std::time::{Duration, Instant};

use futures::future::join_all;

use super::components::{Component, components};
use crate::error::chain;
use crate::project::Project;
use crate::project::config::{AssetsBackend, DEFAULT_LOCAL_PATH, DestinationConfig, S3Spec};
use crate::secret::mask_passwords;
use crate::warehouse::{self, Session};

/// One component's answer.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Check {
    #[serde(flatten)]
    pub component: Component,
    pub up: bool,
    pub latency_ms: Option<u64>,
    pub version: Option<String>,
    pub error: Option<String>,
    pub hint: Option<String>,
}

type Answer = Result<Option<String>, (String, Option<String>)>;

/// How the components are asked: the state store already open (the daemon's, pooled) instead
/// of a new one, and whether the embedded DuckDB file may be opened (not while the daemon's
/// jobs may need it: then its folder is checked).
#[derive(Clone, Default)]
pub struct How {
    pub store: Option<std::sync::Arc<dyn crate::state::Store>>,
    pub leave_embedded_file: bool,
}

/// Asks every component of the project's environment, all at once, each within `timeout`.
pub async fn status(
    project: &Project,
    session: &Session,
    timeout: Duration,
    how: &How,
) -> Vec<Check> {
    let spec = project
        .config
        .environments
        .iter()
        .find(|(n, _)| *n == project.env)
        .map(|(_, s)| s.clone())
        .unwrap_or_default();
    let listed = components(&spec);
    let asks =
        listed.iter().map(|c| {
            let spec = &spec;
            async move {
                let started = Instant::now();
                let answer: Answer =
                match tokio::time::timeout(timeout, ask(project, spec, c, session, how)).await
            {
                Ok(answer) => answer,
                Err(_) => Err((
                    format!("no answer within {} s", timeout.as_secs_f32()),
                    Some(
                        "check the host and port, and that a firewall lets this machine through"
                            .into(),
                    ),
                )),
            };
                let latency = started.elapsed().as_millis() as u64;
                match answer {
                    Ok(version) => Check {
                        component: c.clone(),
                        up: true,
                        latency_ms: Some(latency),
                        version,
                        error: None,
                        hint: None,
                    },
                    Err((error, hint)) => Check {
                        component: c.clone(),
                        up: false,
                        latency_ms: None,
                        version: None,
                        error: Some(mask_passwords(&error)),
                        hint,
                    },
                }
            }
        });
    join_all(asks).await
}

async fn ask(
    project: &Project,
    spec: &crate::project::config::EnvSpec,
    c: &Component,
    session: &Session,
    how: &How,
) -> Answer {
    match c.role {
        "warehouse" => match crate::warehouse::embedded_file(project) {
            Some(file) if how.leave_embedded_file => match file.parent().map(std::fs::metadata) {
                Some(Ok(m)) if m.is_dir() => Ok(None),
                _ => Err(("the embedded warehouse's folder is missing".into(), None)),
            },
            _ => warehouse_version(project, session).await,
        },
        "state" => {
            let store = match &how.store {
                Some(store) => store.clone(),
                None => std::sync::Arc::from(
                    crate::state::open(project.state_url.as_ref(), &project.local_dir())
                        .await
                        .map_err(|e| (chain(&e), e.hint()))?,
                ),
            };
            let version = store
                .server_version()
                .await
                .map_err(|e| (chain(&e), e.hint()))?;
            Ok(Some(version))
        }
        "queue" => match &spec.queue_url {
            Some(url) => redis_version(url.expose()).await,
            None => Ok(None),
        },
        "assets" => match spec.assets.as_ref().map(|a| &a.backend) {
            Some(AssetsBackend::S3(S3Spec {
                bucket,
                endpoint,
                region,
                ..
            })) => {
                let base = endpoint.clone().unwrap_or_else(|| match region {
                    Some(r) => format!("https://{bucket}.s3.{r}.amazonaws.com"),
                    None => format!("https://{bucket}.s3.amazonaws.com"),
                });
                http_answers(&base).await
            }
            Some(AssetsBackend::Local {
                path: Some(path), ..
            }) => local_folder(&project.root.join(path)),
            _ => local_folder(&project.root.join(DEFAULT_LOCAL_PATH)),
        },
        _ => {
            let endpoint = match spec
                .destinations
                .get(&c.name)
                .and_then(|d| d.config.as_ref())
            {
                Some(DestinationConfig::Braze(b)) => b.endpoint.clone(),
                Some(DestinationConfig::Amplitude(a)) => a.endpoint.clone(),
                None => return Err(("not configured in this environment".into(), None)),
            };
            http_answers(&endpoint).await
        }
    }
}

async fn warehouse_version(project: &Project, session: &Session) -> Answer {
    let failed = |e: warehouse::WarehouseError| (chain(&e), e.hint());
    let mut wh = warehouse::open(project, session).await.map_err(failed)?;
    let sql = match wh.kind() {
        crate::sql::dialect::DialectKind::Snowflake => "select current_version()",
        crate::sql::dialect::DialectKind::Postgres => "show server_version",
        _ => "select version()",
    };
    let rows = wh.rows(sql).await.map_err(failed)?;
    Ok(rows.first().and_then(|r| r.first()).map(|c| c.to_text()))
}

async fn redis_version(url: &str) -> Answer {
    let hint = || {
        Some("check `queue.redis_url`; `redis-cli -u <url> ping` should answer PONG".to_string())
    };
    let client = redis::Client::open(url).map_err(|e| (e.to_string(), hint()))?;
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| (e.to_string(), hint()))?;
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut conn)
        .await
        .map_err(|e| (e.to_string(), hint()))?;
    Ok(info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .map(|v| v.trim().to_string()))
}

/// Whether the service at `base` answers HTTP at all (any status counts: no credentials are
/// sent, so nothing is changed).
async fn http_answers(base: &str) -> Answer {
    let client = crate::http::client(Duration::from_secs(10)).map_err(|e| (e, None))?;
    client.head(base).send().await.map_err(|e| {
        (
            chain(&e),
            Some("check the endpoint's URL and this machine's network".into()),
        )
    })?;
    Ok(None)
}

fn local_folder(path: &std::path::Path) -> Answer {
    // The folder is made on first upload; until then its nearest existing parent must be one.
    let mut at = path;
    loop {
        if at.is_dir() {
            return Ok(None);
        }
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => return Ok(None),
        }
        if at.exists() && !at.is_dir() {
            return Err((
                format!("`{}` is not a folder", at.display()),
                Some("point `assets.local.path` at a folder".into()),
            ));
        }
    }
}
