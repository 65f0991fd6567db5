//! The Braze double's messaging endpoints, `/campaigns/trigger/send` and `/canvas/trigger/send`:
//! API-triggered sends to at most 50 recipients a request, each one message delivered (Braze does
//! not deduplicate: a resent batch messages its users again), counted per user.

use serde_json::{Value, json};

use super::{Inner, fatal, faults, message};

pub const CAMPAIGN_SEND: &str = "/campaigns/trigger/send";
pub const CANVAS_SEND: &str = "/canvas/trigger/send";
const MAX_RECIPIENTS: usize = 50;
/// Canvas `context` may be at most 50 KB.
const MAX_CONTEXT: usize = 50 * 1024;

/// One message delivered to one user.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivered {
    /// The campaign or canvas id.
    pub target: String,
    pub send_id: Option<String>,
    pub external_user_id: String,
    /// `trigger_properties` (campaigns) or `context` (canvases), merged: the request's, then
    /// the recipient's.
    pub properties: Value,
    pub dispatch_id: String,
}

impl Inner {
    pub(super) fn campaign_send(&mut self, body: &Value) -> axum::response::Response {
        self.trigger_send(body, "campaign_id", "trigger_properties")
    }

    pub(super) fn canvas_send(&mut self, body: &Value) -> axum::response::Response {
        self.trigger_send(body, "canvas_id", "context")
    }

    fn trigger_send(
        &mut self,
        body: &Value,
        id_key: &str,
        props_key: &str,
    ) -> axum::response::Response {
        let Some(target) = body.get(id_key).and_then(Value::as_str) else {
            return message(400, &format!("Missing {id_key}"));
        };
        let known = if id_key == "campaign_id" {
            &self.campaigns
        } else {
            &self.canvases
        };
        if !known.iter().any(|k| k == target) {
            let what = if id_key == "campaign_id" {
                "Invalid Campaign ID"
            } else {
                "Invalid Canvas ID"
            };
            return fatal(
                what,
                format!(
                    "{id_key} `{target}` is not an API-triggered {}",
                    &id_key[..id_key.len() - 3]
                ),
            );
        }
        let shared = body.get(props_key).cloned().unwrap_or(json!({}));
        if props_key == "context" && shared.to_string().len() > MAX_CONTEXT {
            return fatal(
                "Max Input Length Exceeded",
                "context is larger than 50 KB".into(),
            );
        }
        let broadcast = body
            .get("broadcast")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let recipients = match body.get("recipients") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return message(400, "'recipients' must be an array"),
        };
        if broadcast && !recipients.is_empty() {
            return fatal(
                "Invalid request",
                "`broadcast: true` cannot be combined with `recipients`".into(),
            );
        }
        if !broadcast && recipients.is_empty() {
            return fatal(
                "No Recipients",
                "give `recipients` or `broadcast: true`".into(),
            );
        }
        if recipients.len() > MAX_RECIPIENTS {
            return fatal(
                "Max Input Length Exceeded",
                format!(
                    "{} recipients; at most {MAX_RECIPIENTS} per request",
                    recipients.len()
                ),
            );
        }
        // Every recipient is checked before any is messaged.
        let mut users = Vec::with_capacity(recipients.len());
        for (i, r) in recipients.iter().enumerate() {
            let ids = ["external_user_id", "user_alias", "email"]
                .iter()
                .filter(|k| r.get(**k).is_some())
                .count();
            let external = r.get("external_user_id").and_then(Value::as_str);
            match (ids, external) {
                (1, Some(id)) if !id.is_empty() => {
                    users.push((id.to_string(), r.get(props_key).cloned()))
                }
                (1, None) => {
                    return fatal(
                        "Invalid request",
                        format!("recipient {i}: this double keys users by external_user_id only"),
                    );
                }
                _ => {
                    return fatal(
                        "Invalid request",
                        format!(
                            "recipient {i} must name exactly one of external_user_id, user_alias, email"
                        ),
                    );
                }
            }
        }
        self.dispatches += 1;
        let dispatch_id = format!("dispatch-{}", self.dispatches);
        let send_id = body
            .get("send_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        for (user, own) in users {
            let mut properties = shared.clone();
            if let (Some(base), Some(Value::Object(extra))) = (properties.as_object_mut(), own) {
                base.extend(extra);
            }
            self.delivered.push(Delivered {
                target: target.to_string(),
                send_id: send_id.clone(),
                external_user_id: user,
                properties,
                dispatch_id: dispatch_id.clone(),
            });
        }
        faults::json(
            201,
            json!({ "dispatch_id": dispatch_id, "message": "success" }),
        )
    }
}
