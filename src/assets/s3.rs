//! Assets in an S3 bucket (or on an S3-compatible server at `endpoint`, addressed path-style),
//! with each object's SHA-256 kept in its user metadata; credentials from the standard AWS chain.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumMode;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use chrono::{DateTime, Utc};

use super::error::Detail;
use super::{AssetStore, AssetsError, Meta, ObjectInfo, Result, check_key, type_of_key};
use crate::project::config::S3Spec;
use crate::retry::Backoff;

/// The user metadata holding an object's SHA-256 (`x-amz-meta-sha256`).
const SHA_METADATA: &str = "sha256";
/// The region signed for when an endpoint is given without one (S3-compatible servers).
const ENDPOINT_REGION: &str = "us-east-1";
/// How long to wait for a connection, and for one attempt of a request (an upload of the
/// largest asset over a slow link included).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);

pub struct S3Store {
    client: Client,
    bucket: String,
    prefix: String,
}

impl S3Store {
    /// A client for the bucket; nothing is asked of the server yet.
    pub async fn connect(spec: &S3Spec) -> S3Store {
        // rustls on ring, as every other client of cdp: no second TLS stack.
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        // The SDK retries throttling, 5xx answers and dropped connections itself, with the
        // attempts and backoff every other client of cdp uses.
        let backoff = Backoff::default();
        let retry = RetryConfig::standard()
            .with_max_attempts(backoff.attempts)
            .with_initial_backoff(backoff.base)
            .with_max_backoff(backoff.cap);
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build();
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(http)
            .retry_config(retry)
            .timeout_config(timeouts);
        let region = spec
            .region
            .clone()
            .or_else(|| spec.endpoint.as_ref().map(|_| ENDPOINT_REGION.to_string()));
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region));
        }
        let shared = loader.load().await;
        let mut config = aws_sdk_s3::config::Builder::from(&shared);
        if let Some(endpoint) = &spec.endpoint {
            config = config.endpoint_url(endpoint).force_path_style(true);
        }
        S3Store {
            client: Client::from_conf(config.build()),
            bucket: spec.bucket.clone(),
            prefix: spec.prefix.clone().unwrap_or_default(),
        }
    }

    fn full_key(&self, key: &str) -> Result<String> {
        check_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    fn failed<E>(&self, action: String, err: SdkError<E, HttpResponse>) -> AssetsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let detail = match (err.code(), status) {
            (Some(code), Some(status)) => match err.message() {
                Some(message) => format!("{code}: {message} (HTTP {status})"),
                None => format!("{code} (HTTP {status})"),
            },
            (None, Some(status)) => format!("HTTP {status}"),
            _ => crate::error::chain(&err),
        };
        let code = match &err {
            _ if detail.contains("credential") => Some("credentials".into()),
            _ if detail.contains("region must be set") => Some("region".into()),
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Some("dispatch".into()),
            _ => err.code().map(str::to_string),
        };
        AssetsError::S3 {
            action,
            bucket: self.bucket.clone(),
            code,
            status,
            source: Detail(detail),
        }
    }
}

/// A hex digest as S3's checksum headers write it: base64 of its bytes.
fn base64_of_hex(hex: &str) -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A base64 SHA-256 checksum (S3's form) as hex; `None` when it is not one.
fn hex_of_base64(text: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    (bytes.len() == 32).then(|| super::hex(&bytes))
}

fn instant(t: Option<&aws_sdk_s3::primitives::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

#[async_trait::async_trait]
impl AssetStore for S3Store {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        let full = self.full_key(key)?;
        let answer = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&full)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await;
        let out = match answer {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => return Ok(None),
            Err(e) => return Err(self.failed(format!("read `{key}`"), e)),
        };
        Ok(Some(ObjectInfo {
            key: key.to_string(),
            size: out.content_length().unwrap_or(0).max(0) as u64,
            content_type: type_of_key(key),
            uploaded_at: instant(out.last_modified()),
            // The checksum the server computed of the bytes it holds, where it keeps one; else
            // the one cdp wrote beside them.
            sha256: out.checksum_sha256().and_then(hex_of_base64).or_else(|| {
                out.metadata()
                    .and_then(|m| m.get(SHA_METADATA))
                    .map(|s| s.to_ascii_lowercase())
            }),
        }))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, meta: &Meta) -> Result<()> {
        let full = self.full_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&full)
            .content_type(meta.content_type)
            .content_length(meta.size as i64)
            .metadata(SHA_METADATA, &meta.sha256)
            // S3 checks the bytes it receives against this, and refuses the PUT if they differ.
            .checksum_sha256(base64_of_hex(&meta.sha256))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| self.failed(format!("write `{key}`"), e))?;
        Ok(())
    }

    async fn list(&self) -> Result<Vec<ObjectInfo>> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&self.prefix)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.failed("list the objects".into(), e))?;
            for object in page.contents() {
                let Some(key) = object.key().and_then(|k| k.strip_prefix(&self.prefix)) else {
                    continue;
                };
                // Objects in folders under the prefix are not cdp's.
                if key.contains('/') || key.is_empty() {
                    continue;
                }
                out.push(ObjectInfo {
                    key: key.to_string(),
                    size: object.size().unwrap_or(0).max(0) as u64,
                    content_type: type_of_key(key),
                    uploaded_at: instant(object.last_modified()),
                    sha256: None,
                });
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>> {
        let full = self.full_key(key)?;
        let answer = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&full)
            .send()
            .await;
        let out = match answer {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Err(AssetsError::NotFound {
                    key: key.to_string(),
                    location: self.location(),
                });
            }
            Err(e) => return Err(self.failed(format!("read `{key}`"), e)),
        };
        let body = out.body.collect().await.map_err(|e| AssetsError::S3 {
            action: format!("read `{key}`"),
            bucket: self.bucket.clone(),
            code: Some("dispatch".into()),
            status: None,
            source: Detail(crate::error::chain(&e)),
        })?;
        Ok(body.into_bytes().to_vec())
    }

    async fn url(&self, key: &str, expires: Duration) -> Result<String> {
        let full = self.full_key(key)?;
        let presign = |e: &dyn std::error::Error| AssetsError::Presign {
            key: key.to_string(),
            source: Detail(crate::error::chain(e)),
        };
        let config = PresigningConfig::expires_in(expires).map_err(|e| presign(&e))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&full)
            .presigned(config)
            .await
            .map_err(|e| presign(&e))?;
        Ok(request.uri().to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksums_are_written_as_s3_reads_them() {
        // SHA-256 of "abc", as `x-amz-checksum-sha256` carries it.
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(
            super::base64_of_hex(hex),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert_eq!(
            super::hex_of_base64(&super::base64_of_hex(hex)).as_deref(),
            Some(hex)
        );
        // A composite checksum of a multipart upload is not the object's SHA-256.
        assert_eq!(
            super::hex_of_base64("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=-3"),
            None
        );
    }
}
