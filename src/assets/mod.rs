//! Asset storage (offer images for campaigns): the store trait over a local folder and S3,
//! content-addressed keys, and the work done on them (upload, migrate, checking references).

mod error;
pub mod local;
pub mod migrate;
pub mod references;
pub mod s3;
pub mod sniff;
pub mod upload;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use error::AssetsError;
pub use sniff::ImageType;

use crate::project::config::{AssetsBackend, AssetsSpec, DEFAULT_LOCAL_PATH};

/// Transfers in flight at once, unless told otherwise (`--jobs`).
pub const IN_FLIGHT: usize = 16;

pub type Result<T, E = AssetsError> = std::result::Result<T, E>;

/// One stored object.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// The MIME type its key's extension stands for.
    pub content_type: Option<&'static str>,
    pub uploaded_at: Option<DateTime<Utc>>,
    /// The SHA-256 of its bytes (hex) as the store keeps it; `None` when the listing does not
    /// carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// What is known of bytes about to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    pub sha256: String,
    pub size: u64,
    pub content_type: &'static str,
}

impl Meta {
    pub fn of(bytes: &[u8], content_type: &'static str) -> Meta {
        Meta {
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
            content_type,
        }
    }

    /// Whether a stored object holds these bytes.
    pub fn matches(&self, info: &ObjectInfo) -> bool {
        info.holds(self.size, &self.sha256)
    }
}

impl ObjectInfo {
    /// Whether the object holds bytes of this size and SHA-256, as far as the store says.
    pub fn holds(&self, size: u64, sha256: &str) -> bool {
        self.size == size && self.sha256.as_deref() == Some(sha256)
    }
}

/// Where assets are kept: a local folder or a bucket.
#[async_trait::async_trait]
pub trait AssetStore: Send + Sync {
    /// Where the store is, for messages (no secret).
    fn location(&self) -> String;
    /// The object under `key`, or `None` when there is none.
    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>>;
    /// Stores `bytes` under `key`, whole or not at all.
    async fn put(&self, key: &str, bytes: Vec<u8>, meta: &Meta) -> Result<()>;
    /// Every object, in key order.
    async fn list(&self) -> Result<Vec<ObjectInfo>>;
    async fn get(&self, key: &str) -> Result<Vec<u8>>;
    /// An address the object can be fetched at, for at least `expires` where that applies.
    async fn url(&self, key: &str, expires: Duration) -> Result<String>;

    /// Stores `bytes` unless an object with the same size and checksum is there already;
    /// returns whether it wrote.
    async fn put_if_absent(&self, key: &str, bytes: Vec<u8>, meta: &Meta) -> Result<bool> {
        if let Some(found) = self.head(key).await?
            && meta.matches(&found)
        {
            return Ok(false);
        }
        self.put(key, bytes, meta).await?;
        Ok(true)
    }
}

/// Opens the store an environment's `assets:` names; relative folders are under `root`.
pub async fn open(spec: &AssetsSpec, root: &Path) -> Result<Box<dyn AssetStore>> {
    Ok(match &spec.backend {
        AssetsBackend::Local {
            path,
            public_base_url,
        } => Box::new(local::LocalStore::new(
            root.join(path.as_deref().unwrap_or(DEFAULT_LOCAL_PATH)),
            public_base_url.clone(),
        )),
        AssetsBackend::S3(s3) => Box::new(s3::S3Store::connect(s3).await),
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The content-addressed key of bytes of type `kind`: `<sha256>.<ext>`.
pub fn key_for(sha256: &str, kind: ImageType) -> String {
    format!("{sha256}.{}", kind.extension())
}

/// The SHA-256 a content-addressed key names, when it is one.
pub fn sha_of_key(key: &str) -> Option<&str> {
    let (sha, ext) = key.split_once('.')?;
    let hex = sha.len() == 64 && sha.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    (hex && ImageType::from_extension(ext).is_some()).then_some(sha)
}

/// The MIME type a key's extension stands for.
pub fn type_of_key(key: &str) -> Option<&'static str> {
    let ext = key.rsplit_once('.')?.1;
    ImageType::from_extension(ext).map(ImageType::mime)
}

/// Refuses keys that could name something outside the store (`../x`, `a/b`, hidden files).
pub fn check_key(key: &str) -> Result<()> {
    let fine = !key.is_empty()
        && !key.starts_with('.')
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    if fine {
        Ok(())
    } else {
        Err(AssetsError::BadKey(key.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_content_addressed_and_checked() {
        let sha = sha256_hex(b"abc");
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let key = key_for(&sha, ImageType::Jpeg);
        assert_eq!(key, format!("{sha}.jpg"));
        assert_eq!(sha_of_key(&key), Some(sha.as_str()));
        assert_eq!(sha_of_key("logo.png"), None);
        assert_eq!(type_of_key(&key), Some("image/jpeg"));
        assert!(check_key(&key).is_ok());
        for bad in ["", "../etc/passwd", "a/b.png", ".hidden", "a b.png"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
