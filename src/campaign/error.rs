//! What stops a campaign's plan, launch or status, with a hint for each.

use crate::syntax::diagnostic::did_you_mean;

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("unknown campaign `{name}`")]
    Unknown { name: String, known: Vec<String> },
    #[error(
        "campaign `{campaign}` sends through Braze, and environment `{env}` declares no Braze destination"
    )]
    NoBraze { campaign: String, env: String },
    #[error("environment `{env}` declares {} Braze destinations ({}); campaigns send through one", names.len(), names.join(", "))]
    ManyBraze { env: String, names: Vec<String> },
    #[error("campaign `{campaign}`: `{field}` refers to `${{{name}}}`, which is not set")]
    MissingId {
        campaign: String,
        field: &'static str,
        name: String,
    },
    #[error("campaign `{campaign}`: `{field}` is malformed: {problem}")]
    MalformedId {
        campaign: String,
        field: &'static str,
        problem: String,
    },
    #[error(
        "campaign `{campaign}` records exposures to `{to}`, which is not an Amplitude destination of environment `{env}`"
    )]
    NoAmplitude {
        campaign: String,
        to: String,
        env: String,
    },
    #[error(
        "offer image `{image}` of campaign `{campaign}` would be sent as `{url}`, which a phone cannot open"
    )]
    FileUrl {
        campaign: String,
        image: String,
        url: String,
    },
    #[error("the launch of campaign `{campaign}` stopped: {message}")]
    LaunchFailed { campaign: String, message: String },
}

impl CampaignError {
    pub fn hint(&self) -> Option<String> {
        match self {
            CampaignError::Unknown { name, known } => did_you_mean(name, known.iter().map(String::as_str))
                .or_else(|| Some("campaigns are the `campaigns/*.yaml` files; `cdp validate` lists them".into())),
            CampaignError::NoBraze { .. } => Some(
                "declare one under the environment's `destinations:` (`type: braze`, `endpoint`, `api_key`)".into(),
            ),
            CampaignError::ManyBraze { .. } => Some(
                "keep one Braze destination in the environment that launches campaigns".into(),
            ),
            CampaignError::NoAmplitude { .. } => Some(
                "declare it under the environment's `destinations:` (`type: amplitude`), or remove `exposures:`".into(),
            ),
            CampaignError::MissingId { name, .. } => Some(format!(
                "export {name} with the id of an API-triggered campaign or canvas (Braze: the campaign's API trigger settings)"
            )),
            CampaignError::MalformedId { .. } => Some("write the id as `\"${BRAZE_CAMPAIGN_ID}\"`, or as the id itself".into()),
            CampaignError::FileUrl { .. } => Some(
                "store offer images where phones can fetch them: set `assets: { local: { public_base_url: https://... } }` to where the folder is served, or use `assets: { s3: { bucket: ... } }`".into(),
            ),
            CampaignError::LaunchFailed { campaign, .. } => Some(format!(
                "what was sent is recorded; fix the cause and run `cdp campaign launch {campaign}` again to send the rest (`cdp campaign status {campaign}` shows where it stands)"
            )),
        }
    }
}
