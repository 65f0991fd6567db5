//! Snowflake through its SQL API v2 (docs.snowflake.com/en/developer-guide/sql-api): signing in,
//! the API's messages, the statement client, result types, and the warehouse on top of them.

pub mod api;
pub mod auth;
pub mod client;
pub mod http;
pub mod retry;
pub mod types;
pub mod warehouse;

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use crate::project::config::{KeySource, SnowflakeAuth, SnowflakeConfig};
use auth::{Credentials, KeyPair, Session};
use client::{Client, Policy, SnowflakeError};
use http::Http;

/// A client for the configured account; a key path is relative to the project folder. Cancelling
/// `interrupt` cancels the statement running in Snowflake.
pub fn connect(
    config: &SnowflakeConfig,
    root: &Path,
    interrupt: tokio_util::sync::CancellationToken,
) -> Result<Client<Http>, ConnectError> {
    let credentials = match &config.auth {
        SnowflakeAuth::KeyPair { key, passphrase } => {
            let pem = match key {
                KeySource::Pem(s) => s.expose().to_string(),
                KeySource::Path(p) => {
                    let path = root.join(p);
                    std::fs::read_to_string(&path).map_err(|source| ConnectError::KeyFile {
                        path: path.display().to_string(),
                        source,
                    })?
                }
            };
            let key = KeyPair::from_pem(&pem, passphrase.as_ref().map(|p| p.expose()))
                .map_err(|e| ConnectError::Sign(SnowflakeError::Auth(e)))?;
            Credentials::KeyPair {
                key: Box::new(key),
                account: config.account.clone(),
                user: config.user.clone().unwrap_or_default(),
            }
        }
        SnowflakeAuth::OAuth(t) => Credentials::OAuth(t.expose().to_string()),
        SnowflakeAuth::ProgrammaticAccessToken(t) => {
            Credentials::ProgrammaticAccessToken(t.expose().to_string())
        }
    };
    Ok(Client {
        transport: Http::new(Duration::from_secs(120)).map_err(ConnectError::Http)?,
        base_url: config.base_url(),
        session: Mutex::new(Session::new(credentials)),
        policy: Policy::default(),
        interrupt,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot read the private key file `{path}`")]
    KeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sign(SnowflakeError),
    #[error("cannot set up HTTPS: {0}")]
    Http(String),
}
