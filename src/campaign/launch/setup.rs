//! What a launch sends with, resolved for the environment in use: the Braze destination, the
//! campaign or canvas id, and each recipient's properties with the offer image as a URL a
//! phone can open.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::super::CampaignError;
use super::super::spec::{BrazeTarget, CampaignDef, OfferItem};
use crate::assets::{self, AssetStore};
use crate::destinations::braze::messaging::Trigger;
use crate::error::Result;
use crate::progress::NoProgress;
use crate::project::Project;
use crate::project::config::{BrazeConfig, DestinationConfig};
use crate::project::interpolate::{InterpolateError, from_env, interpolate};

/// The longest a presigned S3 URL can live (SigV4).
pub const PRESIGN_MAX: Duration = Duration::from_secs(7 * 24 * 3600);

/// The environment's one Braze destination.
pub fn braze<'a>(project: &'a Project, c: &CampaignDef) -> Result<(&'a str, &'a BrazeConfig)> {
    let found: Vec<(&str, &BrazeConfig)> = project
        .config
        .environments
        .iter()
        .filter(|(n, _)| *n == project.env)
        .flat_map(|(_, e)| e.destinations.iter())
        .filter_map(|(name, d)| match &d.config {
            Some(DestinationConfig::Braze(b)) => Some((name.as_str(), b)),
            _ => None,
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(CampaignError::NoBraze {
            campaign: c.name.clone(),
            env: project.env.clone(),
        }
        .into()),
        many => Err(CampaignError::ManyBraze {
            env: project.env.clone(),
            names: many.iter().map(|(n, _)| n.to_string()).collect(),
        }
        .into()),
    }
}

/// The campaign or canvas id, its `${NAME}` read from the environment.
pub fn trigger(c: &CampaignDef) -> Result<Trigger> {
    let (field, raw) = match &c.message.target {
        BrazeTarget::Campaign(id) => ("message.campaign_id", id),
        BrazeTarget::Canvas(id) => ("message.canvas_id", id),
    };
    let id = interpolate(raw, from_env).map_err(|e| match e {
        InterpolateError::Missing(name) => CampaignError::MissingId {
            campaign: c.name.clone(),
            field,
            name,
        },
        InterpolateError::Malformed(problem) => CampaignError::MalformedId {
            campaign: c.name.clone(),
            field,
            problem,
        },
    })?;
    Ok(match c.message.target {
        BrazeTarget::Campaign(_) => Trigger::Campaign(id),
        BrazeTarget::Canvas(_) => Trigger::Canvas(id),
    })
}

/// How long the offer's image URLs must work: the goal's window (the campaign's life), within
/// what a presigned URL allows.
pub fn url_lifetime(c: &CampaignDef) -> Duration {
    Duration::from_secs(c.goal.within.seconds.max(3600) as u64 + 24 * 3600).min(PRESIGN_MAX)
}

/// Where an offer image is, as a key of the asset store: a key as written, or the key a file
/// of the project is stored under. With `upload`, a file the store lacks is put there first.
async fn image_key(
    root: &Path,
    store: &dyn AssetStore,
    max_bytes: u64,
    image: &str,
    upload: bool,
) -> Result<Option<String>> {
    if assets::sha_of_key(image).is_some() {
        return Ok(Some(image.to_string()));
    }
    let file = root.join(image);
    if upload {
        let done =
            assets::upload::upload(store, &[file], max_bytes, 1, Arc::new(NoProgress)).await?;
        return Ok(done.into_iter().next().map(|u| u.key));
    }
    let kind = assets::upload::check_file(&file, max_bytes)?;
    let bytes = std::fs::read(&file).map_err(|source| crate::error::Error::Read {
        path: file.clone(),
        source,
    })?;
    let key = assets::key_for(&assets::sha256_hex(&bytes), kind);
    Ok(store.head(&key).await?.map(|_| key))
}

/// The URL of the offer item's image, refused when a phone could not open it. Without
/// `upload` (a plan), an image not stored yet is named by what the launch will do.
pub async fn image_url(
    project: &Project,
    store: &dyn AssetStore,
    c: &CampaignDef,
    item: &OfferItem,
    upload: bool,
) -> Result<String> {
    let spec = project.assets_of(&project.env)?;
    let Some(key) = image_key(&project.root, store, spec.max_bytes, &item.image, upload).await?
    else {
        return Ok(format!("(uploaded at launch: {})", item.image));
    };
    let url = store.url(&key, url_lifetime(c)).await?;
    if url.starts_with("file:") {
        return Err(CampaignError::FileUrl {
            campaign: c.name.clone(),
            image: item.image.clone(),
            url,
        }
        .into());
    }
    Ok(url)
}

/// Each recipient's properties: the `trigger_properties` rendered from the offer's first item.
pub fn properties(c: &CampaignDef, image_url: &str) -> Map<String, Value> {
    let Some(item) = c.offer.first() else {
        return Map::new();
    };
    let value = |name: &str| match name {
        "offer.sku" => item.sku.clone(),
        "offer.title" => item.title.clone(),
        "offer.price" => format!("{:.2}", item.price),
        "offer.currency" => item.currency.clone(),
        "offer.image_url" => image_url.to_string(),
        _ => String::new(),
    };
    c.message
        .trigger_properties
        .iter()
        .map(|(k, t)| (k.clone(), Value::String(t.render(value))))
        .collect()
}
