//! The transport over HTTPS (reqwest with rustls); plain HTTP only for a loopback `endpoint`.

use std::time::Duration;

use async_trait::async_trait;

use super::client::{Reply, Transport};

pub struct Http {
    client: reqwest::Client,
}

impl Http {
    /// `timeout` bounds one HTTP exchange; a long statement answers 202 well before it.
    pub fn new(timeout: Duration) -> Result<Http, String> {
        crate::http::client(timeout).map(|client| Http { client })
    }
}

async fn reply(r: Result<reqwest::Response, reqwest::Error>) -> Result<Reply, String> {
    let r = r.map_err(|e| e.without_url().to_string())?;
    let status = r.status().as_u16();
    // Seconds or an HTTP date, read as every other client of cdp reads it.
    let retry_after = crate::retry::server_wait(r.headers());
    // A body cut off mid-way is a failed exchange: the caller retries it.
    let body = r.text().await.map_err(|e| e.without_url().to_string())?;
    Ok(Reply {
        status,
        body,
        retry_after,
    })
}

#[async_trait]
impl Transport for Http {
    async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: String,
    ) -> Result<Reply, String> {
        let mut req = self.client.post(url).body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        reply(req.send().await).await
    }

    async fn get(&self, url: &str, headers: &[(&str, String)]) -> Result<Reply, String> {
        let mut req = self.client.get(url);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        reply(req.send().await).await
    }
}
