//! Copying every asset of one store to another: what the target lacks (or holds with another
//! checksum) is copied, several at a time, and each copy read back and compared; what it holds
//! intact is skipped, so a run killed at any point is finished by running it again.

use std::collections::HashMap;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};

use super::{AssetStore, AssetsError, Meta, ObjectInfo, Result, sha_of_key};
use crate::progress::Progress;

/// What a migration did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Migration {
    /// Objects in the source.
    pub objects: u64,
    pub copied: u64,
    /// Already in the target with the same size and SHA-256.
    pub skipped: u64,
    pub bytes_copied: u64,
    /// The keys a dry run would copy (empty otherwise).
    pub to_copy: Vec<String>,
}

enum Outcome {
    Copied(u64),
    Skipped,
    WouldCopy(String),
}

/// Copies what `target` lacks from `source`, `in_flight` at a time; with `dry_run`, only says
/// which keys would be copied.
pub async fn migrate(
    source: &dyn AssetStore,
    target: &dyn AssetStore,
    in_flight: usize,
    dry_run: bool,
    progress: Arc<dyn Progress>,
) -> Result<Migration> {
    let objects = source.list().await?;
    // One listing of the target spares asking for each object it does not hold.
    let present: HashMap<String, u64> = target
        .list()
        .await?
        .into_iter()
        .map(|o| (o.key, o.size))
        .collect();
    progress.start(
        if dry_run { "check" } else { "migrate" },
        objects.len() as u64,
    );
    let mut report = Migration {
        objects: objects.len() as u64,
        ..Migration::default()
    };
    let outcomes = stream::iter(objects)
        .map(|object| {
            let size_there = present.get(&object.key).copied();
            let progress = progress.clone();
            async move {
                let outcome = one(source, target, &object, size_there, dry_run).await?;
                progress.advance(1);
                Ok::<_, AssetsError>(outcome)
            }
        })
        .buffer_unordered(in_flight.max(1));
    let mut outcomes = std::pin::pin!(outcomes);
    let finished = async {
        while let Some(outcome) = outcomes.try_next().await? {
            match outcome {
                Outcome::Copied(bytes) => {
                    report.copied += 1;
                    report.bytes_copied += bytes;
                }
                Outcome::Skipped => report.skipped += 1,
                Outcome::WouldCopy(key) => report.to_copy.push(key),
            }
        }
        Ok::<_, AssetsError>(())
    }
    .await;
    progress.finish();
    finished?;
    report.to_copy.sort();
    Ok(report)
}

async fn one(
    source: &dyn AssetStore,
    target: &dyn AssetStore,
    object: &ObjectInfo,
    size_there: Option<u64>,
    dry_run: bool,
) -> Result<Outcome> {
    let key = &object.key;
    if size_there == Some(object.size) {
        // Its checksum decides: from the key when content-addressed, else as the source keeps it.
        let expected = match sha_of_key(key) {
            Some(sha) => Some(sha.to_string()),
            None => source.head(key).await?.and_then(|o| o.sha256),
        };
        let there = target.head(key).await?;
        if let (Some(sha), Some(there)) = (expected, there)
            && there.holds(object.size, &sha)
        {
            return Ok(Outcome::Skipped);
        }
    }
    if dry_run {
        return Ok(Outcome::WouldCopy(key.clone()));
    }
    let bytes = source.get(key).await?;
    let content_type = object.content_type.unwrap_or("application/octet-stream");
    let meta = Meta::of(&bytes, content_type);
    if let Some(sha) = sha_of_key(key)
        && sha != meta.sha256
    {
        return Err(AssetsError::Corrupt {
            key: key.clone(),
            location: source.location(),
            found: meta.sha256,
        });
    }
    let size = meta.size;
    target.put(key, bytes, &meta).await?;
    verify(target, key, &meta).await?;
    Ok(Outcome::Copied(size))
}

/// Reads back what the target holds under `key` and compares it with what was sent.
async fn verify(target: &dyn AssetStore, key: &str, sent: &Meta) -> Result<()> {
    let problem = match target.head(key).await? {
        None => "it is not there after the copy".to_string(),
        Some(found) if found.size != sent.size => {
            format!("{} bytes, {} sent", found.size, sent.size)
        }
        Some(found) if found.sha256.as_deref() != Some(sent.sha256.as_str()) => format!(
            "SHA-256 {}, {} sent",
            found.sha256.as_deref().unwrap_or("unknown"),
            sent.sha256
        ),
        Some(_) => return Ok(()),
    };
    Err(AssetsError::Verify {
        key: key.to_string(),
        location: target.location(),
        problem,
    })
}
