//! The offer images a project's campaigns name, checked like any other reference: a file of the
//! project must exist and be an image within the size limit (when the project is read); a key
//! must be in the store (when `validate --connect` can ask it).

use std::path::Path;

use super::spec::CampaignDef;
use crate::assets::references::{AssetRef, check_references};
use crate::assets::{AssetStore, sha_of_key};
use crate::syntax::diagnostic::Diagnostic;

/// Every `image:` of every campaign's offer.
pub fn image_refs(campaigns: &[CampaignDef]) -> Vec<AssetRef> {
    campaigns
        .iter()
        .flat_map(|c| {
            c.offer.iter().map(|item| AssetRef {
                file: c.file.clone(),
                pos: item.image_pos,
                key: item.image_key.clone(),
                value: item.image.clone(),
            })
        })
        .collect()
}

/// Problems with the images that are files of the project (keys are not looked up).
pub fn check_files(root: &Path, images: &[AssetRef], max_bytes: u64) -> Vec<Diagnostic> {
    // Without a store nothing is awaited on: the check reads files only.
    futures::executor::block_on(check_references(root, None, max_bytes, images))
}

/// Problems with the images that are asset keys, looked up in `store`.
pub async fn check_keys(
    root: &Path,
    campaigns: &[CampaignDef],
    store: &dyn AssetStore,
) -> Vec<Diagnostic> {
    let keys: Vec<AssetRef> = image_refs(campaigns)
        .into_iter()
        .filter(|r| sha_of_key(&r.value).is_some())
        .collect();
    check_references(root, Some(store), u64::MAX, &keys).await
}
