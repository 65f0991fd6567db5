//! The daemon's alerts against the local webhook receiver and SendGrid double: one alert per
//! failure streak and one on recovery, the rejected users' threshold, refusals reported without
//! secrets, retries after 429 and 5xx, one alert from daemons sharing a PostgreSQL store, and
//! `alerts:` mistakes placed in cdp.yaml.

use cdp::daemon::alerts::{Action, AlertKind, AlertReport, Alerts, Channel, JobOutcome};
use cdp::project::config::{AlertsSpec, SendgridSpec, WebhookSpec};
use cdp::secret::Secret;
use cdp::state::Store;

use crate::alert_doubles::sendgrid::{SendgridConfig, SendgridDouble};
use crate::alert_doubles::webhook::WebhookDouble;
use crate::common::{PgDatabase, TempProject, postgres_url};
use crate::destination_doubles::faults::Fault;

const KEY: &str = "SG.test-key";

fn spec(hook: Option<&WebhookDouble>, mail: Option<(&SendgridDouble, &str)>) -> AlertsSpec {
    AlertsSpec {
        webhook: hook.map(|h| WebhookSpec {
            url: Secret::new(h.hook_url()),
        }),
        sendgrid: mail.map(|(d, key)| SendgridSpec {
            api_key: Secret::new(key),
            from: "alerts@acme.com".into(),
            to: vec!["data@acme.com".into(), "ops@acme.com".into()],
            endpoint: d.url.clone(),
        }),
        rejected_threshold: 100,
    }
}

/// The alerts of environment `prod` of project `acme`, over a SQLite store of their own.
struct Daemon {
    alerts: Alerts,
    store: Box<dyn Store>,
    _dir: tempfile::TempDir,
}

impl Daemon {
    async fn new(spec: &AlertsSpec) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        Daemon {
            alerts: Alerts::new(Some(spec), "acme", "prod"),
            store: cdp::state::open(None, dir.path()).await.unwrap(),
            _dir: dir,
        }
    }

    async fn finished(&self, job: &str, outcome: &JobOutcome) -> AlertReport {
        self.alerts
            .finished(self.store.as_ref(), job, outcome)
            .await
            .unwrap()
    }
}

fn failed(error: &str) -> JobOutcome {
    JobOutcome::Failed {
        error: error.into(),
    }
}

fn ok(rejected: u64) -> JobOutcome {
    JobOutcome::Succeeded { rejected }
}

fn kind(r: &AlertReport) -> Option<AlertKind> {
    match r.action {
        Action::Alerted { kind } => Some(kind),
        _ => None,
    }
}

#[tokio::test]
async fn a_failure_streak_alerts_once_and_once_more_on_recovery() {
    let hook = WebhookDouble::start();
    let mail = SendgridDouble::start(SendgridConfig::default());
    let alerts = Daemon::new(&spec(Some(&hook), Some((&mail, KEY)))).await;
    let steps = [
        failed("the warehouse is down"),
        failed("the warehouse is down"),
        failed("the warehouse is still down"),
        ok(0),
        failed("a new problem"),
        ok(0),
        ok(0),
    ];
    let mut kinds = Vec::new();
    for outcome in &steps {
        let r = alerts.finished("refresh:vip", outcome).await;
        if kind(&r).is_some() {
            assert!(r.delivered(), "{r:?}");
            assert_eq!(r.deliveries.len(), 2, "{r:?}");
        }
        kinds.push(kind(&r));
    }
    use AlertKind::{Failed, Recovered};
    assert_eq!(
        kinds,
        [
            Some(Failed),
            None,
            None,
            Some(Recovered),
            Some(Failed),
            Some(Recovered),
            None
        ]
    );
    // Both channels got the same alerts, in the same order.
    let subjects: Vec<String> = mail
        .mails()
        .iter()
        .map(|m| m.subject().to_string())
        .collect();
    assert_eq!(
        subjects,
        [
            "[cdp prod] refresh:vip failed",
            "[cdp prod] refresh:vip recovered",
            "[cdp prod] refresh:vip failed",
            "[cdp prod] refresh:vip recovered",
        ]
    );
    let headers: Vec<String> = hook
        .messages()
        .iter()
        .map(|m| {
            format!(
                "[cdp prod] {}",
                m["blocks"][0]["text"]["text"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(headers, subjects);
    let first = &hook.messages()[0];
    assert_eq!(
        first["text"],
        "[cdp prod] refresh:vip failed: the warehouse is down"
    );
    let recovery = mail.mails()[1].content("text/plain").unwrap();
    assert!(recovery.contains("Failed runs: 3\n"), "{recovery}");
    assert!(
        recovery.contains("the warehouse is still down"),
        "{recovery}"
    );
    assert_eq!(mail.mails()[0].to(), ["data@acme.com", "ops@acme.com"]);
    // Another job keeps its own streak.
    let other = alerts.finished("sync:vip", &ok(0)).await;
    assert_eq!(other.action, Action::Quiet);
}

#[tokio::test]
async fn rejected_users_above_the_threshold_are_a_failure() {
    let hook = WebhookDouble::start();
    let alerts = Daemon::new(&spec(Some(&hook), None)).await;
    let mut kinds = Vec::new();
    for rejected in [100, 101, 5000, 3] {
        let r = alerts.finished("sync:vip", &ok(rejected)).await;
        kinds.push((r.failing, kind(&r)));
    }
    assert_eq!(
        kinds,
        [
            (false, None),
            (true, Some(AlertKind::Failed)),
            (true, None),
            (false, Some(AlertKind::Recovered)),
        ]
    );
    let text = hook.messages()[0]["text"].as_str().unwrap().to_string();
    assert_eq!(
        text,
        "[cdp prod] sync:vip failed: 101 users rejected, above the threshold of 100"
    );
}

#[tokio::test]
async fn no_alerts_configured_records_nothing() {
    let mut d = Daemon::new(&spec(None, None)).await;
    d.alerts = Alerts::new(None, "acme", "dev");
    let r = d.finished("refresh:vip", &failed("x")).await;
    assert_eq!((r.action, r.failing), (Action::Disabled, true));
    assert!(d.store.streaks().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_key_is_reported_without_it_and_the_alert_stays_owed() {
    let mail = SendgridDouble::start(SendgridConfig::default());
    let wrong = "SG.wrong-secret-key-123";
    let alerts = Daemon::new(&spec(None, Some((&mail, wrong)))).await;
    let r = alerts.finished("refresh:vip", &failed("boom")).await;
    assert_eq!(kind(&r), Some(AlertKind::Failed));
    let d = &r.deliveries[0];
    assert_eq!(
        (d.channel, d.delivered, d.attempts),
        (Channel::Sendgrid, false, 1)
    );
    assert_eq!(
        d.error.as_deref(),
        Some(
            "SendGrid refused the alert with HTTP 401: the API key is invalid, expired or revoked"
        )
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        !json.contains(wrong) && !format!("{r:?}").contains(wrong),
        "{json}"
    );
    // Not sent, so still owed: the streak's next failure tries again, with the right key.
    let fixed = Alerts::new(Some(&spec(None, Some((&mail, KEY)))), "acme", "prod");
    let again = fixed
        .finished(alerts.store.as_ref(), "refresh:vip", &failed("boom"))
        .await
        .unwrap();
    assert_eq!(kind(&again), Some(AlertKind::Failed));
    assert!(again.delivered());
    let after = fixed
        .finished(alerts.store.as_ref(), "refresh:vip", &failed("boom"))
        .await
        .unwrap();
    assert_eq!(after.action, Action::Quiet);
    assert_eq!(mail.mails().len(), 1);
    // A key without the Mail Send permission: 403, reported the same way.
    let read_only = Alerts::new(
        Some(&spec(None, Some((&mail, "SG.read-only")))),
        "acme",
        "prod",
    );
    let r = read_only
        .finished(alerts.store.as_ref(), "sync:vip", &failed("boom"))
        .await
        .unwrap();
    let error = r.deliveries[0].error.clone().unwrap();
    assert!(error.contains("HTTP 403: access forbidden"), "{error}");
}

#[tokio::test]
async fn a_429_or_a_5xx_is_retried_and_delivered_once() {
    let hook = WebhookDouble::start();
    // A window of a second: its 429 asks to wait until it ends (`X-RateLimit-Reset`).
    let mail = SendgridDouble::start(SendgridConfig {
        limit: (600, std::time::Duration::from_secs(1)),
        ..SendgridConfig::default()
    });
    hook.inject(&[Fault::RateLimit, Fault::Status(503)]);
    mail.inject(&[Fault::RateLimit]);
    let alerts = Daemon::new(&spec(Some(&hook), Some((&mail, KEY)))).await;
    let r = alerts.finished("refresh:vip", &failed("boom")).await;
    let attempts: Vec<(Channel, bool, u32)> = r
        .deliveries
        .iter()
        .map(|d| (d.channel, d.delivered, d.attempts))
        .collect();
    assert_eq!(
        attempts,
        [(Channel::Webhook, true, 3), (Channel::Sendgrid, true, 2)],
        "{r:?}"
    );
    assert_eq!((hook.messages().len(), mail.mails().len()), (1, 1));
    assert_eq!((hook.rate_limited(), mail.rate_limited()), (1, 1));
}

#[tokio::test]
async fn a_rate_limit_longer_than_the_budget_is_reported_not_waited_for() {
    let mail = SendgridDouble::start(SendgridConfig {
        limit: (600, std::time::Duration::from_secs(3600)),
        ..SendgridConfig::default()
    });
    mail.inject(&[Fault::RateLimit]);
    let alerts = Daemon::new(&spec(None, Some((&mail, KEY)))).await;
    let started = std::time::Instant::now();
    let r = alerts.finished("refresh:vip", &failed("boom")).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let error = r.deliveries[0].error.clone().unwrap();
    assert!(error.starts_with("SendGrid asked to wait "), "{error}");
    assert!(
        error.ends_with("past the alert's time budget: HTTP 429: too many requests"),
        "{error}"
    );
}

#[tokio::test]
async fn a_channel_that_never_answers_is_given_up_in_time_and_the_other_still_delivers() {
    let hook = WebhookDouble::start();
    let mail = SendgridDouble::start(SendgridConfig::default());
    mail.inject(&[Fault::DropBefore; 4]);
    let alerts = Daemon::new(&spec(Some(&hook), Some((&mail, KEY)))).await;
    let started = std::time::Instant::now();
    let r = alerts.finished("refresh:vip", &failed("boom")).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let sendgrid = &r.deliveries[1];
    assert_eq!((sendgrid.delivered, sendgrid.attempts), (false, 4));
    let error = sendgrid.error.as_deref().unwrap();
    assert!(
        error.starts_with("SendGrid still failed after 4 attempts: "),
        "{error}"
    );
    // The webhook took it, so the alert counts as sent and is not repeated.
    assert!(r.delivered());
    let next = alerts.finished("refresh:vip", &failed("boom")).await;
    assert_eq!(next.action, Action::Quiet);
}

#[tokio::test]
async fn a_refused_webhook_is_not_retried_and_its_url_is_not_reported() {
    let hook = WebhookDouble::start();
    let mut wrong = spec(Some(&hook), None);
    let url = format!("{}/services/T0001/B0001/wrongtoken", hook.url);
    wrong.webhook = Some(WebhookSpec {
        url: Secret::new(url.clone()),
    });
    let alerts = Daemon::new(&wrong).await;
    let r = alerts.finished("refresh:vip", &failed("boom")).await;
    let d = &r.deliveries[0];
    assert_eq!((d.delivered, d.attempts), (false, 1));
    assert_eq!(
        d.error.as_deref(),
        Some("the webhook refused the alert with HTTP 404: no_service")
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("wrongtoken"), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_daemons_on_one_postgres_store_send_one_alert_each_time() {
    let Some(admin) = postgres_url("alerts") else {
        return;
    };
    let db = tokio::task::spawn_blocking(move || PgDatabase::create(&admin, "alerts"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = Secret::new(db.url.clone());
    let one = cdp::state::open(Some(&url), dir.path()).await.unwrap();
    let two = cdp::state::open(Some(&url), dir.path()).await.unwrap();
    let hook = WebhookDouble::start();
    let s = spec(Some(&hook), None);
    let (a, b) = (
        Alerts::new(Some(&s), "acme", "prod"),
        Alerts::new(Some(&s), "acme", "prod"),
    );
    let steps = [
        failed("down"),
        failed("down"),
        ok(0),
        ok(0),
        failed("down again"),
    ];
    let mut sent = Vec::new();
    for outcome in &steps {
        let (x, y) = futures::join!(
            a.finished(one.as_ref(), "refresh:vip", outcome),
            b.finished(two.as_ref(), "refresh:vip", outcome)
        );
        let kinds: Vec<AlertKind> = [x.unwrap(), y.unwrap()].iter().filter_map(kind).collect();
        assert!(kinds.len() <= 1, "{kinds:?}");
        sent.push(kinds.first().copied());
    }
    use AlertKind::{Failed, Recovered};
    assert_eq!(
        sent,
        [Some(Failed), None, Some(Recovered), None, Some(Failed)]
    );
    assert_eq!(hook.messages().len(), 3);
    drop((one, two));
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}

#[test]
fn alerts_mistakes_are_placed_in_cdp_yaml_in_one_run() {
    let p = TempProject::with(
        "environments:\n  dev:\n    alerts:\n      webhok: { url: \"${SLACK_HOOK}\" }\n      rejected_threshold: many\n      sendgrid:\n        api_key: SG.literal-key\n        from: alerts-at-acme\n        to: []\n",
        &[],
    );
    let out = p.run(&["validate"]);
    assert_eq!(out.code, 1);
    assert!(!out.stderr.contains("SG.literal-key"), "{}", out.stderr);
    insta::assert_snapshot!(out.snapshot());
}
