//! Braze's API-triggered sends as cdp uses them: `/campaigns/trigger/send` and
//! `/canvas/trigger/send` to at most 50 recipients a request, each with its own properties.

use serde_json::{Map, Value, json};

/// Recipients a trigger send takes at most.
pub const RECIPIENTS: usize = 50;

/// The requests API-triggered sends share when the contract says nothing else: 250,000 an hour.
pub const DEFAULT_RATE: crate::project::config::RateLimit = crate::project::config::RateLimit {
    requests: 250_000,
    per: std::time::Duration::from_secs(3600),
};

/// What a launch triggers, its id resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    Campaign(String),
    Canvas(String),
}

impl Trigger {
    pub fn path(&self) -> &'static str {
        match self {
            Trigger::Campaign(_) => "/campaigns/trigger/send",
            Trigger::Canvas(_) => "/canvas/trigger/send",
        }
    }

    /// The name of each recipient's properties: canvases call them `context`.
    fn properties_key(&self) -> &'static str {
        match self {
            Trigger::Campaign(_) => "trigger_properties",
            Trigger::Canvas(_) => "context",
        }
    }
}

/// One request: the recipients by external id, each with `properties`; `send_id` ties a
/// campaign's messages together in Braze's analytics (canvases have none).
pub fn trigger_body(
    trigger: &Trigger,
    send_id: &str,
    properties: &Map<String, Value>,
    users: &[&str],
) -> Value {
    let key = trigger.properties_key();
    let recipients: Vec<Value> = users
        .iter()
        .map(|u| {
            json!({
                "external_user_id": u,
                "send_to_existing_only": true,
                key: properties,
            })
        })
        .collect();
    match trigger {
        Trigger::Campaign(id) => json!({
            "campaign_id": id,
            "send_id": send_id,
            "broadcast": false,
            "recipients": recipients,
        }),
        Trigger::Canvas(id) => json!({
            "canvas_id": id,
            "broadcast": false,
            "recipients": recipients,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_recipient_carries_the_properties_and_only_existing_users_are_messaged() {
        let mut props = Map::new();
        props.insert("offer_sku".into(), json!("pro_annual"));
        let body = trigger_body(
            &Trigger::Campaign("c-1".into()),
            "s-1",
            &props,
            &["u1", "u2"],
        );
        assert_eq!(
            body,
            json!({
                "campaign_id": "c-1", "send_id": "s-1", "broadcast": false,
                "recipients": [
                    {"external_user_id": "u1", "send_to_existing_only": true, "trigger_properties": {"offer_sku": "pro_annual"}},
                    {"external_user_id": "u2", "send_to_existing_only": true, "trigger_properties": {"offer_sku": "pro_annual"}},
                ],
            })
        );
        let canvas = trigger_body(&Trigger::Canvas("v-1".into()), "s-1", &props, &["u1"]);
        assert_eq!(canvas["canvas_id"], "v-1");
        assert!(canvas.get("send_id").is_none());
        assert_eq!(
            canvas["recipients"][0]["context"]["offer_sku"],
            "pro_annual"
        );
    }
}
