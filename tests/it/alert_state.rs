//! The state store's part of the alerts, on SQLite and on PostgreSQL: what each outcome owes,
//! claims and their leases, settling, and the table's rows as `state export` reads them.

use cdp::secret::Secret;
use cdp::state::{self, Store};
use chrono::{DateTime, TimeZone, Utc};
use futures::StreamExt;

use crate::common::{PgDatabase, postgres_url};

fn t(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, minute, 0).unwrap()
}

fn ms(minute: u32) -> i64 {
    t(minute).timestamp_millis()
}

async fn contract(store: &dyn Store) {
    let job = "refresh:vip";
    // A first failure owes an alert; a second adds to the streak.
    let s = store.record_outcome(job, Some("down"), t(0)).await.unwrap();
    assert!(s.failing && s.pending && s.failures == 1 && s.since == t(0));
    let s = store
        .record_outcome(job, Some("worse"), t(1))
        .await
        .unwrap();
    assert_eq!(
        (s.failures, s.since, s.last_error.as_deref()),
        (2, t(0), Some("worse"))
    );
    assert!(s.pending);

    // One claim at a time, until its lease passes.
    let a = store.claim_alert(job, "a", ms(1), ms(3)).await.unwrap();
    assert_eq!(a.map(|s| s.failing), Some(true));
    assert!(
        store
            .claim_alert(job, "b", ms(2), ms(4))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .claim_alert(job, "b", ms(5), ms(7))
            .await
            .unwrap()
            .is_some()
    );
    // `a` lost its claim: settling it changes nothing; `b` gives it back unsent.
    store.settle_alert(job, "a", Some(t(5))).await.unwrap();
    store.settle_alert(job, "b", None).await.unwrap();
    let now = &store.streaks().await.unwrap()[0];
    assert!(now.pending && now.alerted_at.is_none(), "{now:?}");

    // A streak whose alert never went out ends quietly: no recovery is owed.
    let s = store.record_outcome(job, None, t(6)).await.unwrap();
    assert!(!s.failing && !s.pending, "{s:?}");
    assert!(
        store
            .claim_alert(job, "c", ms(6), ms(8))
            .await
            .unwrap()
            .is_none()
    );

    // A new streak, reported: its end owes a recovery, which keeps the streak's facts.
    let s = store
        .record_outcome(job, Some("again"), t(7))
        .await
        .unwrap();
    assert!(s.pending && s.failures == 1 && s.since == t(7));
    store
        .claim_alert(job, "d", ms(7), ms(9))
        .await
        .unwrap()
        .unwrap();
    store.settle_alert(job, "d", Some(t(8))).await.unwrap();
    let s = store
        .record_outcome(job, Some("again"), t(9))
        .await
        .unwrap();
    assert!(!s.pending && s.alerted_at == Some(t(8)));
    let s = store.record_outcome(job, None, t(10)).await.unwrap();
    assert!(!s.failing && s.pending && s.alerted_at.is_none(), "{s:?}");
    assert_eq!(
        (s.failures, s.since, s.last_error.as_deref()),
        (2, t(7), Some("again"))
    );
    let claimed = store.claim_alert(job, "e", ms(10), ms(12)).await.unwrap();
    assert_eq!(claimed.map(|s| s.failing), Some(false));

    // A success arriving while the failure alert is being sent: the recovery is still owed.
    let other = "sync:vip";
    store.record_outcome(other, Some("x"), t(11)).await.unwrap();
    store
        .claim_alert(other, "f", ms(11), ms(13))
        .await
        .unwrap()
        .unwrap();
    let s = store.record_outcome(other, None, t(12)).await.unwrap();
    assert!(s.pending, "{s:?}");
    // ...and the late settle of the failure alert does not take it away.
    store.settle_alert(other, "f", Some(t(12))).await.unwrap();
    assert!(store.streaks().await.unwrap()[1].pending);

    // The rows as `state export` reads them.
    let (table, columns, order) = state::dump::TABLES
        .iter()
        .find(|(name, _, _)| *name == "alert_streaks")
        .unwrap();
    let rows: Vec<_> = store.stream_table(table, columns, order).collect().await;
    let rows: Vec<Vec<serde_json::Value>> = rows.into_iter().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "refresh:vip");
    assert_eq!(
        (&rows[0][1], &rows[0][2]),
        (
            &serde_json::json!(false),
            &serde_json::json!("2026-06-01T12:07:00.000000Z")
        )
    );
    assert_eq!(rows[0][7], "e");
}

#[tokio::test]
async fn sqlite_keeps_the_alerts_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = state::open(None, dir.path()).await.unwrap();
    contract(store.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_alerts_contract() {
    let Some(admin) = postgres_url("alert_state") else {
        return;
    };
    let db = tokio::task::spawn_blocking(move || PgDatabase::create(&admin, "alert_state"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = state::open(Some(&Secret::new(db.url.clone())), dir.path())
        .await
        .unwrap();
    contract(store.as_ref()).await;
    drop(store);
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}
