//! A launch's exposures: the users messaged whose Amplitude event is not accepted yet, sent
//! through the same pipeline as any destination (idempotent: each event's `insert_id` is fixed).

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::campaign::CampaignError;
use crate::campaign::exposures::{DEFAULT_RATE, Exposures};
use crate::campaign::send::Recipient;
use crate::campaign::spec::CampaignDef;
use crate::destinations::util::checkpoint::Writer;
use crate::destinations::util::pipeline::{self, Run};
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::project::config::{AmplitudeConfig, DestinationConfig};
use crate::retry::Backoff;
use crate::state::Store;

/// Users read from the state store per page.
const PAGE: i64 = 10_000;

/// The Amplitude destination a campaign's `exposures:` names, if it has them.
pub fn destination<'a>(ctx: &'a Context, c: &CampaignDef) -> Result<Option<&'a AmplitudeConfig>> {
    let Some(x) = &c.exposures else {
        return Ok(None);
    };
    match ctx.project.destination(&x.to) {
        Some(DestinationConfig::Amplitude(a)) => Ok(Some(a)),
        _ => Err(CampaignError::NoAmplitude {
            campaign: c.name.clone(),
            to: x.to.clone(),
            env: ctx.project.env.clone(),
        }
        .into()),
    }
}

/// What the exposures did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Sent {
    pub events: i64,
    pub requests: i64,
    pub error: Option<String>,
}

/// Sends the exposure of every user messaged and not recorded as exposed yet.
pub async fn send(
    ctx: &Context,
    c: &CampaignDef,
    amplitude: &AmplitudeConfig,
    store: Arc<dyn Store>,
    send_id: &str,
) -> Result<Sent> {
    let x = c.exposures.as_ref().expect("checked by `destination`");
    let destination = Exposures {
        http: crate::http::client(std::time::Duration::from_secs(60)).map_err(Error::Internal)?,
        endpoint: amplitude.ingest_endpoint.clone(),
        api_key: amplitude.api_key.expose().to_string(),
        event: x.event.clone(),
        campaign: c.name.clone(),
        send_id: send_id.to_string(),
        sku: c.offer.first().map(|o| o.sku.clone()).unwrap_or_default(),
        store: store.clone(),
        rate: amplitude.rate_limit.unwrap_or(DEFAULT_RATE),
    };
    let (tx, rx) = mpsc::channel::<Vec<Recipient>>(2);
    let campaign = c.name.clone();
    let reader = store.clone();
    let producer = tokio::spawn(async move {
        let mut after: Option<String> = None;
        let mut seq = 0i64;
        loop {
            let users = reader.unexposed(&campaign, after.as_deref(), PAGE).await?;
            let n = users.len() as i64;
            after = users.last().cloned();
            let page: Vec<Recipient> = users
                .into_iter()
                .map(|user_id| {
                    seq += 1;
                    Recipient { seq, user_id }
                })
                .collect();
            if !page.is_empty() && tx.send(page).await.is_err() {
                break;
            }
            if n < PAGE {
                break;
            }
        }
        Ok::<_, Error>(())
    });
    let sent = pipeline::send_all(
        Run {
            destination: Arc::new(destination),
            name: x.to.clone(),
            run_id: 0,
            segment: c.name.clone(),
            key: "exposures".into(),
            backoff: Backoff::default(),
            progress: Box::new(|_| {}),
            created: Box::new(|_, _| {}),
            cancel: ctx.cancel.clone(),
        },
        rx,
        Writer::discard(),
    )
    .await;
    producer
        .await
        .map_err(|e| Error::Internal(format!("the exposures' reader failed: {e}")))??;
    Ok(Sent {
        events: sent.stats.sent,
        requests: sent.stats.requests,
        error: sent.failure.map(|f| crate::error::chain(&f)),
    })
}
