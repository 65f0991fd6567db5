//! The Braze and Amplitude doubles hold to the reference contracts, so that what other tests
//! learn from them about cdp is true of the real APIs.

use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::destination_doubles::amplitude::{AmplitudeConfig, AmplitudeDouble};
use crate::destination_doubles::braze::{BrazeConfig, BrazeDouble};
use crate::destination_doubles::faults::Fault;

fn client() -> reqwest::Client {
    // reqwest is built without a TLS provider; it wants one even for plain HTTP.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().unwrap()
}

async fn track(
    braze: &BrazeDouble,
    key: &str,
    body: &Value,
) -> Result<(StatusCode, reqwest::header::HeaderMap, Value), reqwest::Error> {
    let r = client()
        .post(format!("{}/users/track", braze.url))
        .bearer_auth(key)
        .json(body)
        .send()
        .await?;
    let (status, headers) = (r.status(), r.headers().clone());
    Ok((status, headers, r.json().await?))
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.parse().ok()
}

fn segments(user: &str, add: &[&str], remove: &[&str]) -> Value {
    json!({ "external_id": user, "cdp_segments": { "add": add, "remove": remove } })
}

#[tokio::test]
async fn braze_refuses_a_wrong_key_without_echoing_it() {
    let braze = BrazeDouble::start(BrazeConfig::default());
    let body = json!({ "attributes": [segments("user-1", &["vip"], &[])] });
    let (status, _, reply) = track(&braze, "not-the-key", &body).await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid API key")
    );
    assert!(!reply.to_string().contains("not-the-key"));
    assert_eq!((braze.requests(), braze.processed()), (1, 0));
    assert!(braze.array_attribute("cdp_segments").is_empty());
}

#[tokio::test]
async fn braze_refuses_more_than_75_objects_whole() {
    let braze = BrazeDouble::start(BrazeConfig::default());
    let attributes: Vec<Value> = (0..76)
        .map(|i| segments(&format!("user-{i}"), &["vip"], &[]))
        .collect();
    let body = json!({ "attributes": attributes });
    let (status, _, reply) = track(&braze, "braze-test-key", &body).await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reply["message"], "Max Input Length Exceeded");
    assert!(braze.array_attribute("cdp_segments").is_empty());
    assert_eq!((braze.processed(), braze.users_received()), (0, 0));
}

#[tokio::test]
async fn braze_arrays_change_incrementally_and_bad_objects_are_minor_errors() {
    let braze = BrazeDouble::start(BrazeConfig::default());
    let key = "braze-test-key";
    let first = json!({ "attributes": [
        segments("user-1", &["a", "b", "c"], &[]),
        segments("has space", &["a"], &[]),
        segments("user-2", &["b"], &[]),
        { "external_id": "user-3", "braze_id": "x", "cdp_segments": { "add": ["a"] } },
    ]});
    let (status, _, reply) = track(&braze, key, &first).await.unwrap();
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(reply["message"], "success");
    assert_eq!(reply["attributes_processed"], 2);
    let indexes: Vec<&Value> = reply["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["input_array"], "attributes");
            &e["index"]
        })
        .collect();
    assert_eq!(indexes, [1, 3]);

    // Re-adding moves a value to the end; removing an absent value is no error.
    let second = json!({ "attributes": [
        segments("user-1", &["a"], &["b"]),
        segments("user-2", &[], &["b", "z"]),
    ]});
    let (_, _, reply) = track(&braze, key, &second).await.unwrap();
    assert!(reply.get("errors").is_none());
    let arrays = braze.array_attribute("cdp_segments");
    assert_eq!(arrays["user-1"], ["c", "a"]);
    assert!(arrays["user-2"].is_empty());
    assert_eq!(
        braze
            .users_with("cdp_segments", "a")
            .into_iter()
            .collect::<Vec<_>>(),
        ["user-1"]
    );
    assert_eq!(braze.users_received(), 4);

    let long = "x".repeat(256);
    let third = json!({ "attributes": [segments("user-1", &["d", &long], &[])] });
    let (_, _, reply) = track(&braze, key, &third).await.unwrap();
    assert_eq!(reply["errors"][0]["index"], 0);
    assert_eq!(braze.array_attribute("cdp_segments")["user-1"], ["c", "a"]);
}

#[tokio::test]
async fn braze_rate_limit_answers_429_with_its_headers() {
    let braze = BrazeDouble::start(BrazeConfig {
        track_limit: (5, Duration::from_secs(5)),
        ..BrazeConfig::default()
    });
    let body = json!({ "attributes": [segments("user-1", &["a"], &[])] });
    let mut remaining = Vec::new();
    for _ in 0..5 {
        let (status, headers, _) = track(&braze, "braze-test-key", &body).await.unwrap();
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(header(&headers, "x-ratelimit-limit"), Some(5));
        remaining.push(header(&headers, "x-ratelimit-remaining").unwrap());
    }
    assert_eq!(remaining, [4, 3, 2, 1, 0]);
    let (status, headers, reply) = track(&braze, "braze-test-key", &body).await.unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply["message"], "Rate limit exceeded");
    assert_eq!(header(&headers, "x-ratelimit-remaining"), Some(0));
    let reset = header(&headers, "x-ratelimit-reset").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now..=now + 6).contains(&reset), "{reset} is no epoch");
    assert_eq!((braze.rate_limited(), braze.processed()), (1, 5));
}

#[tokio::test]
async fn braze_mau_plan_429_carries_only_a_delay() {
    let braze = BrazeDouble::start(BrazeConfig {
        track_limit: (1, Duration::from_secs(5)),
        mau_plan: true,
        ..BrazeConfig::default()
    });
    let body = json!({ "attributes": [segments("user-1", &["a"], &[])] });
    let (status, headers, _) = track(&braze, "braze-test-key", &body).await.unwrap();
    assert_eq!(status, StatusCode::CREATED);
    // On these plans Reset counts seconds remaining, not an epoch.
    assert!(header(&headers, "x-ratelimit-reset").unwrap() <= 5);
    let (status, headers, _) = track(&braze, "braze-test-key", &body).await.unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after = header(&headers, "x-ratelimit-retry-after").unwrap();
    assert!((1..=5).contains(&retry_after), "{retry_after}");
    assert!(headers.get("x-ratelimit-limit").is_none());
    assert!(headers.get("x-ratelimit-remaining").is_none());
    assert!(headers.get("x-ratelimit-reset").is_none());
}

#[tokio::test]
async fn braze_faults_lose_the_answer_but_not_the_change() {
    let braze = BrazeDouble::start(BrazeConfig::default());
    braze.inject(&[
        Fault::DropAfter,
        Fault::Status(503),
        Fault::After(500),
        Fault::DropBefore,
        Fault::Delay(50),
    ]);
    let body = |user: &str| json!({ "attributes": [segments(user, &["a"], &[])] });
    assert!(
        track(&braze, "braze-test-key", &body("user-1"))
            .await
            .is_err()
    );
    let (status, _, _) = track(&braze, "braze-test-key", &body("user-2"))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _, reply) = track(&braze, "braze-test-key", &body("user-3"))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply["message"].is_string());
    assert!(
        track(&braze, "braze-test-key", &body("user-4"))
            .await
            .is_err()
    );
    let started = std::time::Instant::now();
    let (status, _, _) = track(&braze, "braze-test-key", &body("user-5"))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED);
    assert!(started.elapsed() >= Duration::from_millis(50));
    let users: Vec<String> = braze.users_with("cdp_segments", "a").into_iter().collect();
    assert_eq!(users, ["user-1", "user-3", "user-5"]);
    assert_eq!(braze.injected(), 5);
    assert_eq!(
        (braze.requests_to("/users/track"), braze.processed()),
        (5, 3)
    );
}

#[tokio::test]
async fn braze_subscription_status_takes_at_most_50_ids() {
    let braze = BrazeDouble::start(BrazeConfig::default());
    let set = |n: usize, state: &str| {
        let ids: Vec<String> = (0..n).map(|i| format!("user-{i}")).collect();
        json!({ "subscription_groups": [{
            "subscription_group_id": "group-1", "subscription_state": state, "external_ids": ids,
        }]})
    };
    let send = |body: Value| {
        client()
            .post(format!("{}/v2/subscription/status/set", braze.url))
            .bearer_auth("braze-test-key")
            .json(&body)
            .send()
    };
    let r = send(set(51, "subscribed")).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("at most 50"));
    assert!(braze.subscribed("group-1").is_empty());
    let r = send(set(50, "subscribed")).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(braze.subscribed("group-1").len(), 50);
    let r = send(set(10, "unsubscribed")).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(braze.subscribed("group-1").len(), 40);
    let r = send(set(1, "maybe")).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(braze.requests_to("/v2/subscription/status/set"), 4);
}

#[tokio::test]
async fn random_faults_follow_the_seed() {
    async fn statuses(seed: u64) -> (Vec<Option<u16>>, u64) {
        let braze = BrazeDouble::start(BrazeConfig::default());
        braze.fail_randomly(0.5, seed);
        let body = json!({ "attributes": [segments("user-1", &["a"], &[])] });
        let mut seen = Vec::new();
        for _ in 0..12 {
            let r = track(&braze, "braze-test-key", &body).await;
            seen.push(r.ok().map(|(status, _, _)| status.as_u16()));
        }
        (seen, braze.injected())
    }
    let (first, injected) = statuses(7).await;
    assert_eq!(statuses(7).await, (first.clone(), injected));
    assert!(
        (1..12).contains(&injected),
        "{injected} faults in 12 requests"
    );
    assert!(first.contains(&Some(201)));
}

fn amplitude_auth() -> String {
    let pair = "amplitude-test-key:amplitude-test-secret";
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

async fn cohort_api(amplitude: &AmplitudeDouble, path: &str, body: &Value) -> (StatusCode, Value) {
    let r = client()
        .post(format!("{}{path}", amplitude.url))
        .header("authorization", amplitude_auth())
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn amplitude_cohorts_upload_replace_and_change_membership() {
    let amplitude = AmplitudeDouble::start(AmplitudeConfig::default());
    let upload = |ids: Value, extra: Value| {
        let mut body = json!({
            "name": "vip", "app_id": 123, "id_type": "BY_USER_ID", "ids": ids,
            "owner": "cdp@example.com", "published": true,
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };

    let r = client()
        .get(format!("{}/api/3/cohorts", amplitude.url))
        .basic_auth("amplitude-test-key", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json::<Value>().await.unwrap()["http_code"], 401);

    let ids = json!(["user-1", "user-2", "null", "user 3"]);
    let (status, reply) = cohort_api(
        &amplitude,
        "/api/3/cohorts/upload",
        &upload(ids.clone(), json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reply["http_code"], 400);
    let mut no_owner = upload(ids.clone(), json!({}));
    no_owner.as_object_mut().unwrap().remove("owner");
    let (status, _) = cohort_api(&amplitude, "/api/3/cohorts/upload", &no_owner).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, reply) = cohort_api(
        &amplitude,
        "/api/3/cohorts/upload",
        &upload(ids, json!({ "skip_invalid_ids": true })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply["metadata"]["matched"], 2);
    assert_eq!(reply["metadata"]["totals"], 4);
    assert_eq!(
        reply["metadata"]["invalid_ids_sample"],
        json!(["null", "user 3"])
    );
    let id = reply["cohortId"].as_str().unwrap().to_string();

    let (status, reply) = cohort_api(
        &amplitude,
        "/api/3/cohorts/upload",
        &upload(json!(["user-4"]), json!({ "existing_cohort_id": id })),
    )
    .await;
    assert_eq!(
        (status, reply["cohortId"].as_str()),
        (StatusCode::OK, Some(id.as_str()))
    );
    let (status, _) = cohort_api(
        &amplitude,
        "/api/3/cohorts/upload",
        &upload(json!(["user-4"]), json!({ "existing_cohort_id": "nope" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let membership = json!({ "cohort_id": id, "memberships": [
        { "ids": ["user-5", "user-6", "anonymous"], "id_type": "BY_NAME", "operation": "ADD" },
        { "ids": ["user-4", "-1"], "id_type": "BY_NAME", "operation": "REMOVE" },
    ]});
    let (status, reply) = cohort_api(&amplitude, "/api/3/cohorts/membership", &membership).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reply["memberships_result"][0]["skipped_ids"],
        json!(["anonymous"])
    );
    assert_eq!(reply["memberships_result"][1]["skipped_ids"], json!(["-1"]));
    assert_eq!(reply["memberships_result"][1]["operation"], "REMOVE");
    let members: Vec<String> = amplitude
        .cohort_members("vip")
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(members, ["user-5", "user-6"]);
    assert_eq!(amplitude.cohorts(), [(id.clone(), "vip".to_string(), 2)]);

    let many: Vec<String> = (0..100_001).map(|i| format!("user-{i}")).collect();
    let too_many = json!({ "cohort_id": id, "memberships": [
        { "ids": many, "id_type": "BY_NAME", "operation": "ADD" },
    ]});
    let (status, _) = cohort_api(&amplitude, "/api/3/cohorts/membership", &too_many).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let unknown = json!({ "cohort_id": "nope", "memberships": [
        { "ids": ["user-7"], "id_type": "BY_NAME", "operation": "ADD" },
    ]});
    let (status, _) = cohort_api(&amplitude, "/api/3/cohorts/membership", &unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let r = client()
        .get(format!("{}/api/3/cohorts", amplitude.url))
        .header("authorization", amplitude_auth())
        .send()
        .await
        .unwrap();
    let listed: Value = r.json().await.unwrap();
    assert_eq!(listed["cohorts"][0]["id"], id.as_str());
    assert_eq!(listed["cohorts"][0]["size"], 2);
    assert_eq!(listed["cohorts"][0]["owners"], json!(["cdp@example.com"]));
    assert_eq!(amplitude.processed(), 3);
}

#[tokio::test]
async fn amplitude_cohort_rate_limit_when_configured() {
    let amplitude = AmplitudeDouble::start(AmplitudeConfig {
        cohort_limit: Some((1, Duration::from_secs(5))),
        ..AmplitudeConfig::default()
    });
    let list = || {
        client()
            .get(format!("{}/api/3/cohorts", amplitude.url))
            .header("authorization", amplitude_auth())
            .send()
    };
    assert_eq!(list().await.unwrap().status(), StatusCode::OK);
    let r = list().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json::<Value>().await.unwrap()["http_code"], 429);
    assert_eq!(amplitude.rate_limited(), 1);
}

/// Percent-encodes a form value (reqwest's form feature is off).
fn form_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn identify(
    amplitude: &AmplitudeDouble,
    api_key: &str,
    identification: &Value,
) -> (StatusCode, String) {
    let body = format!(
        "api_key={}&identification={}",
        form_value(api_key),
        form_value(&identification.to_string())
    );
    let r = client()
        .post(format!("{}/identify", amplitude.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn amplitude_identify_sets_and_unsets_user_properties() {
    let amplitude = AmplitudeDouble::start(AmplitudeConfig::default());
    let key = "amplitude-test-key";
    let set = json!([
        { "user_id": "user-1", "user_properties": { "$set": { "cdp_vip": true, "plan": "gold & co" } } },
        { "user_id": "user-2", "user_properties": { "cdp_vip": true } },
    ]);
    assert_eq!(
        identify(&amplitude, key, &set).await,
        (StatusCode::OK, "success".to_string())
    );
    let unset = json!({ "user_id": "user-2", "user_properties": { "$unset": { "cdp_vip": "-" } } });
    assert_eq!(identify(&amplitude, key, &unset).await.0, StatusCode::OK);
    let vip: Vec<String> = amplitude.user_property("cdp_vip").into_keys().collect();
    assert_eq!(vip, ["user-1"]);
    assert_eq!(amplitude.user_property("plan")["user-1"], "gold & co");

    let bad = json!([
        { "user_id": "user-3", "user_properties": { "$set": { "cdp_vip": true } } },
        { "user_id": "usr", "user_properties": { "$set": { "cdp_vip": true } } },
        { "user_id": "null", "user_properties": { "$set": { "cdp_vip": true } } },
    ]);
    let (status, body) = identify(&amplitude, key, &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["events_with_invalid_fields"]["user_id"], json!([1, 2]));
    assert_eq!(amplitude.user_property("cdp_vip").len(), 1);

    let mixed = json!({ "user_id": "user-3", "user_properties": { "$set": { "a": 1 }, "b": 2 } });
    assert_eq!(
        identify(&amplitude, key, &mixed).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, body) = identify(&amplitude, "wrong", &set).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Invalid API key"));
    let too_many: Vec<Value> = (0..2_001)
        .map(|i| json!({ "user_id": format!("user-{i}"), "user_properties": { "x": 1 } }))
        .collect();
    assert_eq!(
        identify(&amplitude, key, &Value::Array(too_many)).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        (amplitude.processed(), amplitude.requests_to("/identify")),
        (2, 6)
    );
}
