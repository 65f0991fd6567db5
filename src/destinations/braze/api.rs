//! Braze's REST API as cdp uses it: the request bodies of `/users/track` and
//! `/v2/subscription/status/set`, and what each response means.

use serde_json::{Value, json};

use crate::destinations::{Change, Outcome, Refused, excerpt, ids};

/// `/users/track` takes at most 75 objects per request.
pub const TRACK_BATCH: usize = 75;
/// `/v2/subscription/status/set` takes at most 50 ids per group object.
pub const SUBSCRIPTION_BATCH: usize = 50;

/// One attribute object per change: the segment's name added to or removed from the array.
pub fn track_body(attribute: &str, segment: &str, batch: &[Change]) -> Value {
    let attributes: Vec<Value> = batch
        .iter()
        .map(|c| {
            let op = if c.is_member { "add" } else { "remove" };
            json!({ "external_id": c.user_id, attribute: { op: [segment] } })
        })
        .collect();
    json!({ "attributes": attributes })
}

/// Entries subscribe, exits unsubscribe: one group object per state present.
pub fn subscription_body(group: &str, batch: &[Change]) -> Value {
    let mut groups = Vec::new();
    for (state, member) in [("subscribed", true), ("unsubscribed", false)] {
        let ids = ids(batch, member);
        if !ids.is_empty() {
            groups.push(json!({
                "subscription_group_id": group,
                "subscription_state": state,
                "external_ids": ids,
            }));
        }
    }
    json!({ "subscription_groups": groups })
}

/// What a response means. `wait` is what the headers asked for.
pub fn classify(
    status: u16,
    wait: Option<std::time::Duration>,
    body: &str,
    batch_len: usize,
) -> Outcome {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match status {
        200..=299 => {
            // Maintenance answers `202 {"message":"queued"}`: accepted for later.
            if message != "success" && message != "queued" && !message.is_empty() {
                return Outcome::Fatal(format!("{status}: {message}"));
            }
            Outcome::Done {
                refused: minor_errors(parsed.as_ref(), batch_len),
                created: None,
            }
        }
        429 => Outcome::Retry {
            after: wait,
            pause_all: true,
            reason: "429 rate limited".into(),
        },
        401 => Outcome::Fatal(
            "401: the API key was refused; check `api_key`, and that `endpoint` is the key's Braze instance".into(),
        ),
        403 => Outcome::Fatal(format!(
            "403: the API key lacks a permission this needs (`users.track`, or `subscription.status.set`){}",
            said(&message)
        )),
        404 => Outcome::Fatal(
            "404: no such endpoint; check `endpoint` (e.g. https://rest.iad-01.braze.com)".into(),
        ),
        // The server gave up waiting for the request: it was not processed.
        408 => Outcome::Retry {
            after: wait,
            pause_all: false,
            reason: format!("{status}{}", said(&excerpt(body))),
        },
        // A server error may come after the request was processed, or part of it.
        500..=599 => Outcome::Unknown {
            after: wait,
            reason: format!("{status}{}", said(&excerpt(body))),
        },
        _ => Outcome::Fatal(format!(
            "{status}{}",
            said(if message.is_empty() { body } else { &message })
        )),
    }
}

fn said(text: &str) -> String {
    if text.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", excerpt(text))
    }
}

/// Minor errors name the objects not processed: `{"type", "input_array", "index"}`.
fn minor_errors(body: Option<&Value>, batch_len: usize) -> Vec<Refused> {
    let Some(errors) = body.and_then(|v| v.get("errors")).and_then(Value::as_array) else {
        return Vec::new();
    };
    errors
        .iter()
        .filter_map(|e| {
            let index = e.get("index").and_then(Value::as_u64)? as usize;
            let array = e
                .get("input_array")
                .and_then(Value::as_str)
                .unwrap_or("attributes");
            (array == "attributes" && index < batch_len).then(|| Refused {
                index,
                reason: e
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("refused by Braze")
                    .to_string(),
                permanent: false,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destinations::change;

    #[test]
    fn entries_add_and_exits_remove_the_segment_name() {
        let body = track_body(
            "cdp_segments",
            "vip",
            &[change("u1", true), change("u2", false)],
        );
        assert_eq!(
            body,
            json!({"attributes": [
                {"external_id": "u1", "cdp_segments": {"add": ["vip"]}},
                {"external_id": "u2", "cdp_segments": {"remove": ["vip"]}},
            ]})
        );
    }

    #[test]
    fn minor_errors_refuse_only_the_objects_they_name() {
        let body = r#"{"message":"success","attributes_processed":2,
            "errors":[{"type":"'external_id' is invalid","input_array":"attributes","index":1}]}"#;
        match classify(201, None, body, 3) {
            Outcome::Done { refused, .. } => {
                assert_eq!(refused.len(), 1);
                assert_eq!(refused[0].index, 1);
                assert_eq!(refused[0].reason, "'external_id' is invalid");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statuses_map_to_decisions() {
        assert!(matches!(
            classify(429, None, "", 1),
            Outcome::Retry {
                pause_all: true,
                ..
            }
        ));
        assert!(matches!(
            classify(408, None, "", 1),
            Outcome::Retry {
                pause_all: false,
                ..
            }
        ));
        assert!(matches!(
            classify(503, None, "", 1),
            Outcome::Unknown { .. }
        ));
        assert!(matches!(classify(401, None, "", 1), Outcome::Fatal(_)));
        match classify(400, None, r#"{"message":"Max Input Length Exceeded"}"#, 1) {
            Outcome::Fatal(m) => assert!(m.contains("Max Input Length Exceeded"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
