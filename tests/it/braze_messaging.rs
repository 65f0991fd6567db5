//! The Braze double's API-triggered sends, as the reference documents them: 50 recipients at
//! most, a known campaign or canvas, one recipient id each, the shared rate-limit pool with its
//! headers, and no deduplication (a batch whose answer was lost was delivered, and sending it again
//! messages its users twice).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::destination_doubles::braze::{BrazeConfig, BrazeDouble, CAMPAIGN_SEND, CANVAS_SEND};
use crate::destination_doubles::faults::Fault;

async fn send(
    braze: &BrazeDouble,
    path: &str,
    body: &Value,
) -> Result<(StatusCode, Value), reqwest::Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let r = reqwest::Client::new()
        .post(format!("{}{path}", braze.url))
        .bearer_auth("braze-test-key")
        .json(body)
        .send()
        .await?;
    let status = r.status();
    Ok((status, r.json().await?))
}

fn recipients(from: usize, n: usize) -> Vec<Value> {
    (from..from + n)
        .map(|i| json!({ "external_user_id": format!("user-{i}"), "trigger_properties": { "n": i } }))
        .collect()
}

#[tokio::test]
async fn a_campaign_send_delivers_to_at_most_50_recipients_with_their_properties() {
    let braze = BrazeDouble::start(BrazeConfig::default());
    let body = |r: Vec<Value>| json!({ "campaign_id": "campaign-test", "send_id": "launch-1", "trigger_properties": { "sku": "pro" }, "recipients": r });
    let (status, reply) = send(&braze, CAMPAIGN_SEND, &body(recipients(0, 50)))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["message"], "success");
    assert!(reply["dispatch_id"].is_string());
    let delivered = braze.delivered();
    assert_eq!(delivered.len(), 50);
    assert_eq!(delivered[7].external_user_id, "user-7");
    assert_eq!(delivered[7].properties, json!({ "sku": "pro", "n": 7 }));
    assert_eq!(delivered[7].send_id.as_deref(), Some("launch-1"));

    let (status, reply) = send(&braze, CAMPAIGN_SEND, &body(recipients(50, 51)))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reply["message"], "Max Input Length Exceeded");
    let (status, reply) = send(
        &braze,
        CAMPAIGN_SEND,
        &json!({ "campaign_id": "nope", "recipients": recipients(0, 1) }),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, reply["message"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Invalid Campaign ID"))
    );
    let (status, reply) = send(
        &braze,
        CAMPAIGN_SEND,
        &json!({ "campaign_id": "campaign-test" }),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, reply["message"].as_str()),
        (StatusCode::BAD_REQUEST, Some("No Recipients"))
    );
    let two_ids = json!({ "campaign_id": "campaign-test", "recipients": [{ "external_user_id": "a", "email": "a@x.io" }] });
    assert_eq!(
        send(&braze, CAMPAIGN_SEND, &two_ids).await.unwrap().0,
        StatusCode::BAD_REQUEST
    );
    // Nothing of a refused request was delivered.
    assert_eq!(braze.delivered().len(), 50);

    let canvas = json!({ "canvas_id": "canvas-test", "context": { "sku": "pro" }, "recipients": recipients(100, 2) });
    assert_eq!(
        send(&braze, CANVAS_SEND, &canvas).await.unwrap().0,
        StatusCode::CREATED
    );
    assert_eq!(braze.delivered().len(), 52);
}

#[tokio::test]
async fn a_lost_answer_was_delivered_and_a_resend_messages_twice() {
    let braze = BrazeDouble::start(BrazeConfig::default());
    braze.inject(&[Fault::After(500), Fault::DropAfter, Fault::Status(503)]);
    let body = json!({ "campaign_id": "campaign-test", "recipients": recipients(0, 3) });
    let (status, _) = send(&braze, CAMPAIGN_SEND, &body).await.unwrap();
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(send(&braze, CAMPAIGN_SEND, &body).await.is_err());
    let (status, _) = send(&braze, CAMPAIGN_SEND, &body).await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let counts = braze.messages_per_user();
    assert_eq!(counts["user-0"], 2, "{counts:?}");
    assert_eq!(counts.len(), 3);
}

#[tokio::test]
async fn messaging_has_its_own_rate_limit_pool_with_headers() {
    let braze = BrazeDouble::start(BrazeConfig {
        messaging_limit: (2, Duration::from_secs(5)),
        ..BrazeConfig::default()
    });
    let body = json!({ "campaign_id": "campaign-test", "recipients": recipients(0, 1) });
    for _ in 0..2 {
        assert_eq!(
            send(&braze, CAMPAIGN_SEND, &body).await.unwrap().0,
            StatusCode::CREATED
        );
    }
    let (status, reply) = send(&braze, CAMPAIGN_SEND, &body).await.unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{reply}");
    assert_eq!(braze.delivered().len(), 2);
}
