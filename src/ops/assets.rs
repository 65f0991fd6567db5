//! `assets upload|list|url|migrate`: the environment's asset store opened from its `assets:`,
//! and the work done on it.

use std::path::PathBuf;
use std::time::Duration;

use crate::assets::migrate::Migration;
use crate::assets::upload::Uploaded;
use crate::assets::{self, AssetStore, AssetsError, ObjectInfo};
use crate::error::Result;
use crate::ops::Context;
use crate::project::config::AssetsSpec;

/// The store of environment `env` and its `assets:`.
async fn store(ctx: &Context, env: &str) -> Result<(Box<dyn AssetStore>, AssetsSpec)> {
    let spec = ctx.project.assets_of(env)?;
    let store = assets::open(&spec, &ctx.project.root).await?;
    Ok((store, spec))
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct UploadReport {
    pub environment: String,
    pub location: String,
    pub uploaded: Vec<Uploaded>,
}

/// Uploads `files` to the environment's store, `jobs` at a time.
pub async fn upload(ctx: &Context, files: &[PathBuf], jobs: usize) -> Result<UploadReport> {
    let (store, spec) = store(ctx, &ctx.project.env).await?;
    let progress = ctx.reporter.progress();
    let uploaded = ctx
        .unless_cancelled(async {
            Ok(
                assets::upload::upload(store.as_ref(), files, spec.max_bytes, jobs, progress)
                    .await?,
            )
        })
        .await?;
    Ok(UploadReport {
        environment: ctx.project.env.clone(),
        location: store.location(),
        uploaded,
    })
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ListReport {
    pub environment: String,
    pub location: String,
    pub assets: Vec<ObjectInfo>,
}

pub async fn list(ctx: &Context) -> Result<ListReport> {
    let (store, _) = store(ctx, &ctx.project.env).await?;
    let assets = ctx
        .unless_cancelled(async { Ok(store.list().await?) })
        .await?;
    Ok(ListReport {
        environment: ctx.project.env.clone(),
        location: store.location(),
        assets,
    })
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct UrlReport {
    pub key: String,
    pub url: String,
    /// How long a presigned URL works; `None` for a folder's, which do not expire.
    pub expires_in_seconds: Option<u64>,
}

/// Where `key` can be fetched: a presigned URL on S3, the public or file URL of a folder.
pub async fn url(ctx: &Context, key: &str, expires: Duration) -> Result<UrlReport> {
    let (store, spec) = store(ctx, &ctx.project.env).await?;
    assets::check_key(key)?;
    if store.head(key).await?.is_none() {
        return Err(AssetsError::NotFound {
            key: key.to_string(),
            location: store.location(),
        }
        .into());
    }
    let url = store.url(key, expires).await?;
    let presigned = matches!(spec.backend, crate::project::config::AssetsBackend::S3(_));
    Ok(UrlReport {
        key: key.to_string(),
        url,
        expires_in_seconds: presigned.then_some(expires.as_secs()),
    })
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct MigrateReport {
    pub from: String,
    pub to: String,
    pub source: String,
    pub target: String,
    pub dry_run: bool,
    #[serde(flatten)]
    pub migration: Migration,
}

/// Copies every asset of the environment in use that environment `to` lacks.
pub async fn migrate(ctx: &Context, to: &str, jobs: usize, dry_run: bool) -> Result<MigrateReport> {
    let from = ctx.project.env.clone();
    if to == from {
        return Err(AssetsError::SameEnvironment(from).into());
    }
    let (source, _) = store(ctx, &from).await?;
    let (target, _) = store(ctx, to).await?;
    let progress = ctx.reporter.progress();
    let migration = ctx
        .unless_cancelled(async {
            Ok(
                assets::migrate::migrate(source.as_ref(), target.as_ref(), jobs, dry_run, progress)
                    .await?,
            )
        })
        .await?;
    Ok(MigrateReport {
        from,
        to: to.to_string(),
        source: source.location(),
        target: target.location(),
        dry_run,
        migration,
    })
}
