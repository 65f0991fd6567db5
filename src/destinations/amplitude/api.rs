//! Amplitude's APIs as cdp uses them: cohort upload and membership, `/identify`, and what each
//! response means.

use std::time::Duration;

use serde_json::{Value, json};

use crate::destinations::{Change, Outcome, Refused, excerpt, ids};

/// Ids per cohort upload or membership request.
pub const COHORT_BATCH: usize = 100_000;
/// Users a behavioral cohort holds at most.
pub const COHORT_CAPACITY: i64 = 2_000_000;
/// Identifications per `/identify` request.
pub const IDENTIFY_BATCH: usize = 1_000;
/// Amplitude asks clients to pause 15 seconds after a 429 on ingestion.
pub const INGEST_PAUSE: Duration = Duration::from_secs(15);

/// Ids Amplitude refuses whatever the request (documented junk values).
pub fn junk_id(id: &str) -> bool {
    let t = id.trim();
    t.is_empty() || ["null", "anonymous", "0", "-1"].contains(&t.to_ascii_lowercase().as_str())
}

pub struct Upload<'a> {
    pub name: &'a str,
    pub app_id: &'a str,
    pub owner: &'a str,
    pub existing: Option<&'a str>,
}

/// An upload request; it borrows the ids, so a request of 100,000 copies none of them.
#[derive(serde::Serialize)]
pub struct UploadBody<'a> {
    name: &'a str,
    app_id: Value,
    id_type: &'static str,
    ids: &'a [&'a str],
    owner: &'a str,
    published: bool,
    skip_invalid_ids: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    existing_cohort_id: Option<&'a str>,
}

/// Creates a cohort of `ids`, or replaces the contents of `existing`.
pub fn upload_body<'a>(u: &Upload<'a>, ids: &'a [&'a str]) -> UploadBody<'a> {
    UploadBody {
        name: u.name,
        app_id: u
            .app_id
            .parse::<i64>()
            .map_or_else(|_| json!(u.app_id), |n| json!(n)),
        id_type: "BY_USER_ID",
        ids,
        owner: u.owner,
        published: true,
        skip_invalid_ids: true,
        existing_cohort_id: u.existing,
    }
}

#[derive(serde::Serialize)]
pub struct MembershipBody<'a> {
    cohort_id: &'a str,
    memberships: Vec<Membership<'a>>,
    skip_invalid_ids: bool,
}

#[derive(serde::Serialize)]
struct Membership<'a> {
    ids: Vec<&'a str>,
    id_type: &'static str,
    operation: &'static str,
}

/// Adds entries to and removes exits from a cohort.
pub fn membership_body<'a>(cohort: &'a str, batch: &'a [Change]) -> MembershipBody<'a> {
    let memberships = [("ADD", true), ("REMOVE", false)]
        .into_iter()
        .map(|(operation, member)| Membership {
            ids: ids(batch, member),
            id_type: "BY_NAME",
            operation,
        })
        .filter(|m| !m.ids.is_empty())
        .collect();
    MembershipBody {
        cohort_id: cohort,
        memberships,
        skip_invalid_ids: true,
    }
}

/// Sets the property on entries and unsets it on exits.
pub fn identify_body(property: &str, batch: &[Change]) -> Value {
    let ids: Vec<Value> = batch
        .iter()
        .map(|c| {
            let props = if c.is_member {
                json!({ "$set": { property: true } })
            } else {
                json!({ "$unset": { property: "-" } })
            };
            json!({ "user_id": c.user_id, "user_properties": props })
        })
        .collect();
    Value::Array(ids)
}

/// What a cohort API failure means (`{http_code, type, message, metadata}` bodies).
pub fn cohort_failure(status: u16, wait: Option<Duration>, body: &str) -> Outcome {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| excerpt(body));
    match status {
        429 => Outcome::Retry {
            after: wait,
            pause_all: true,
            reason: "429 rate limited".into(),
        },
        // The server gave up waiting for the request: it was not processed.
        408 => Outcome::Retry {
            after: wait,
            pause_all: false,
            reason: format!("{status}: {message}"),
        },
        // A server error may come after the request was processed, or part of it.
        500..=599 => Outcome::Unknown {
            after: wait,
            reason: format!("{status}: {message}"),
        },
        401 => Outcome::Fatal(
            "401: the API key and secret key were refused; check `api_key` and `secret_key`".into(),
        ),
        403 => Outcome::Fatal(format!(
            "403: the key may not manage cohorts in this project: {message}"
        )),
        404 => Outcome::Fatal(format!(
            "404: {message} (was the cohort deleted in Amplitude? `cdp sync --full` makes it again)"
        )),
        _ => Outcome::Fatal(format!("{status}: {message}")),
    }
}

/// The skipped ids of a membership response, as indexes of the batch.
pub fn skipped(body: &Value, batch: &[Change]) -> Vec<Refused> {
    let mut skipped: Vec<(String, bool)> = Vec::new();
    for r in body
        .get("memberships_result")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let member = r.get("operation").and_then(Value::as_str) != Some("REMOVE");
        for id in r
            .get("skipped_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = id.as_str() {
                skipped.push((id.to_string(), member));
            }
        }
    }
    refused_by_id(
        batch,
        &skipped,
        "skipped by Amplitude as an invalid id",
        false,
    )
}

/// Indexes of the changes whose (user, entered or exited) is listed.
pub fn refused_by_id(
    batch: &[Change],
    ids: &[(String, bool)],
    reason: &str,
    permanent: bool,
) -> Vec<Refused> {
    if ids.is_empty() {
        return Vec::new();
    }
    let wanted: std::collections::HashSet<(&str, bool)> =
        ids.iter().map(|(id, m)| (id.as_str(), *m)).collect();
    batch
        .iter()
        .enumerate()
        .filter(|(_, c)| wanted.contains(&(c.user_id.as_str(), c.is_member)))
        .map(|(index, _)| Refused {
            index,
            reason: reason.to_string(),
            permanent,
        })
        .collect()
}

/// What an `/identify` response means.
pub fn identify_outcome(status: u16, wait: Option<Duration>, body: &str, len: usize) -> Outcome {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let error = parsed
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match status {
        200..=299 => Outcome::Done {
            refused: Vec::new(),
            created: None,
        },
        400 if parsed
            .as_ref()
            .and_then(|v| v.get("events_with_invalid_fields"))
            .is_some() =>
        {
            // Nothing was processed: the valid ones go again without the invalid ones.
            let mut bad = std::collections::BTreeMap::new();
            for (field, indexes) in parsed.as_ref().unwrap()["events_with_invalid_fields"]
                .as_object()
                .into_iter()
                .flatten()
            {
                for i in indexes.as_array().into_iter().flatten() {
                    if let Some(i) = i.as_u64().map(|i| i as usize).filter(|i| *i < len) {
                        bad.insert(i, format!("invalid `{field}`"));
                    }
                }
            }
            Outcome::RetryItems {
                retry: (0..len).filter(|i| !bad.contains_key(i)).collect(),
                refused: bad
                    .into_iter()
                    .map(|(index, reason)| Refused {
                        index,
                        reason,
                        permanent: true,
                    })
                    .collect(),
                after: None,
                reason: format!("400: {error}"),
            }
        }
        429 => Outcome::Retry {
            after: Some(wait.unwrap_or(INGEST_PAUSE)),
            pause_all: true,
            reason: "429 too many requests".into(),
        },
        // The server gave up waiting for the request: it was not processed.
        408 => Outcome::Retry {
            after: wait,
            pause_all: false,
            reason: status_error(status, &error),
        },
        // A server error may come after the request was processed, or part of it.
        500..=599 => Outcome::Unknown {
            after: wait,
            reason: status_error(status, &error),
        },
        400 if error.contains("API key") => Outcome::Fatal(format!(
            "400: {error}; check `api_key` (the project's API key)"
        )),
        _ => Outcome::Fatal(format!(
            "{status}: {}",
            if error.is_empty() {
                excerpt(body)
            } else {
                error
            }
        )),
    }
}

/// A status and the error its body names, if any.
fn status_error(status: u16, error: &str) -> String {
    if error.is_empty() {
        status.to_string()
    } else {
        format!("{status}: {error}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destinations::change;

    #[test]
    fn membership_adds_entries_and_removes_exits() {
        let batch = [change("u1", true), change("u2", false)];
        let body = serde_json::to_value(membership_body("c1", &batch)).unwrap();
        assert_eq!(
            body,
            json!({"cohort_id": "c1", "skip_invalid_ids": true, "memberships": [
                {"ids": ["u1"], "id_type": "BY_NAME", "operation": "ADD"},
                {"ids": ["u2"], "id_type": "BY_NAME", "operation": "REMOVE"},
            ]})
        );
    }

    #[test]
    fn skipped_ids_are_refused_by_index() {
        let batch = [
            change("u1", true),
            change("null", true),
            change("u3", false),
        ];
        let body = json!({"cohort_id": "c1", "memberships_result": [
            {"skipped_ids": ["null"], "id_type": "BY_NAME", "operation": "ADD"},
            {"skipped_ids": [], "id_type": "BY_NAME", "operation": "REMOVE"},
        ]});
        let r = skipped(&body, &batch);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].index, 1);
    }

    #[test]
    fn identify_retries_the_valid_ones_without_the_invalid() {
        let body = r#"{"code":400,"error":"Invalid field values on some events","events_with_invalid_fields":{"user_id":[1]}}"#;
        match identify_outcome(400, None, body, 3) {
            Outcome::RetryItems { retry, refused, .. } => {
                assert_eq!(retry, vec![0, 2]);
                assert_eq!(refused[0].index, 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            identify_outcome(429, None, "{}", 1),
            Outcome::Retry {
                after: Some(INGEST_PAUSE),
                ..
            }
        ));
    }

    #[test]
    fn a_server_error_may_have_been_processed_and_a_request_timeout_was_not() {
        for outcome in [
            identify_outcome(502, None, "", 1),
            cohort_failure(500, None, r#"{"message":"internal"}"#),
        ] {
            assert!(matches!(outcome, Outcome::Unknown { .. }), "{outcome:?}");
        }
        for outcome in [
            identify_outcome(408, None, "", 1),
            cohort_failure(408, None, ""),
        ] {
            assert!(
                matches!(
                    outcome,
                    Outcome::Retry {
                        pause_all: false,
                        ..
                    }
                ),
                "{outcome:?}"
            );
        }
    }
}
