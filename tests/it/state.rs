//! The state store's contract, on SQLite and on PostgreSQL: applied versions, runs, snapshots,
//! syncs, keyed locks.

use std::time::Duration;

use cdp::secret::Secret;
use cdp::state::{
    self, Apply, LockHolder, LockOwner, RunKind, RunStatus, Snapshot, StateError, Store,
};
use chrono::{TimeZone, Utc};

use crate::common::{PgDatabase, postgres_url};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn put(name: &str, hash: &str) -> Apply {
    Apply::Put {
        name: name.into(),
        hash: hash.into(),
        content: format!("name: {name}\nrules: {{ trait: plan, eq: {hash} }}\n"),
    }
}

async fn contract(store: &dyn Store) {
    let t = |d: u32| Utc.with_ymd_and_hms(2026, 6, d, 12, 0, 0).unwrap();
    assert!(store.definitions(state::SEGMENT).await.unwrap().is_empty());

    store
        .apply(
            state::SEGMENT,
            &[put("a", "h1"), put("b", "h1")],
            "ana",
            t(1),
            None,
        )
        .await
        .unwrap();
    store
        .apply(
            state::SEGMENT,
            &[put("a", "h2"), Apply::Remove { name: "b".into() }],
            "bo",
            t(2),
            None,
        )
        .await
        .unwrap();
    let current = store.definitions(state::SEGMENT).await.unwrap();
    assert_eq!(current.len(), 1, "b is removed: {current:?}");
    assert_eq!(
        (
            current[0].name.as_str(),
            current[0].version,
            current[0].hash.as_str()
        ),
        ("a", 2, "h2")
    );
    assert_eq!(current[0].applied_by, "bo");
    assert_eq!(current[0].applied_at, t(2));
    let (versions, removed) = store.versions(state::SEGMENT, "b").await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(
        removed,
        Some(t(2)),
        "the removal is recorded, the history kept"
    );
    // Re-adding a removed definition continues its versions.
    store
        .apply(state::SEGMENT, &[put("b", "h3")], "ana", t(3), None)
        .await
        .unwrap();
    let (versions, removed) = store.versions(state::SEGMENT, "b").await.unwrap();
    assert_eq!(versions.last().unwrap().version, 2);
    assert_eq!(removed, None);

    let run = store
        .start_run(RunKind::Refresh, None, "box", t(4))
        .await
        .unwrap();
    assert_eq!(store.unfinished_runs().await.unwrap().len(), 1);
    let snap = Snapshot {
        run_id: run,
        segment: "a".into(),
        version: 2,
        at: t(4),
        size: 10,
        entered: 10,
        exited: 0,
        duration_ms: 5,
    };
    store.record_snapshot(&snap).await.unwrap();
    store.record_snapshot(&snap).await.unwrap();
    assert_eq!(store.snapshots("a").await.unwrap(), vec![snap]);
    store
        .finish_run(run, RunStatus::Succeeded, Some(10), None, t(4))
        .await
        .unwrap();
    assert!(store.unfinished_runs().await.unwrap().is_empty());
    let runs = store.runs(10).await.unwrap();
    assert_eq!(runs[0].kind, RunKind::Refresh, "read back from its string");
    assert_eq!(runs[0].status, "succeeded");
    assert_eq!(runs[0].rows, Some(10));

    assert!(!store.migrations().await.unwrap().is_empty());
}

/// Syncs: checkpoints with refusals, folding, the log, and objects made in destinations.
async fn sync_contract(store: &dyn Store) {
    use cdp::state::sync::{Rejection, SyncKey, SyncStats};
    let t = |d: u32| Utc.with_ymd_and_hms(2026, 6, d, 12, 0, 0).unwrap();
    let mut runs = Vec::new();
    for day in 1..=4 {
        let run_id = store
            .start_run(RunKind::Sync, Some("vip"), "box", t(day))
            .await
            .unwrap();
        runs.push(run_id);
        let key = SyncKey {
            run_id,
            segment: "vip",
            destination: "braze:attribute",
        };
        store.start_sync(key, (10, 8, 2), t(day)).await.unwrap();
        let refused = |user: &str| Rejection {
            run_id,
            segment: "vip".into(),
            destination: "braze:attribute".into(),
            user_id: user.into(),
            is_member: true,
            reason: "'external_id' is invalid".into(),
            permanent: false,
            at: t(day),
        };
        let stats = SyncStats {
            sent: 5,
            rejected: 1,
            retried: 2,
            requests: 3,
            duration_ms: 40,
        };
        store
            .checkpoint(key, 6, &stats, &[refused("bad id")])
            .await
            .unwrap();
        // A checkpoint written twice (a resend) records the refusal once.
        store
            .checkpoint(key, 6, &stats, &[refused("bad id")])
            .await
            .unwrap();
        // Refused by the run before too, from the second run on.
        assert_eq!(
            store.refused_before(key).await.unwrap(),
            i64::from(day > 1),
            "day {day}"
        );
        if day < 4 {
            store
                .finish_sync(key, RunStatus::Succeeded, &stats, None, t(day))
                .await
                .unwrap();
        }
        let unfolded = store
            .unfolded_syncs("vip", "braze:attribute")
            .await
            .unwrap();
        assert_eq!(unfolded.len(), 1);
        assert_eq!((unfolded[0].acked_seq, unfolded[0].stats), (6, stats));
        let settled = store.settle_rejections(key).await.unwrap();
        assert_eq!(settled.len(), 1);
        // Refused in three runs: not sent again.
        assert_eq!(settled[0].permanent, day >= 3, "day {day}");
        store.mark_folded(key).await.unwrap();
        assert!(
            store
                .unfolded_syncs("vip", "braze:attribute")
                .await
                .unwrap()
                .is_empty()
        );
    }
    let all = store.syncs(Some("vip"), 10).await.unwrap();
    let statuses: Vec<&str> = all.iter().map(|r| r.status.as_str()).collect();
    // The last never finished: folding it marks it interrupted.
    assert_eq!(
        statuses,
        ["interrupted", "succeeded", "succeeded", "succeeded"]
    );
    assert_eq!(all[0].run_id, *runs.last().unwrap());
    assert!(store.syncs(Some("other"), 10).await.unwrap().is_empty());
    assert_eq!(store.rejection_log("vip").await.unwrap().len(), 4);

    assert_eq!(
        store
            .object("vip", "amplitude:cohort", "cohort")
            .await
            .unwrap(),
        None
    );
    for id in ["c-1", "c-2"] {
        store
            .put_object("vip", "amplitude:cohort", "cohort", id, t(1))
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .object("vip", "amplitude:cohort", "cohort")
            .await
            .unwrap()
            .as_deref(),
        Some("c-2")
    );
}

fn owner(holder: &str, actor: &str) -> LockOwner {
    LockOwner {
        holder: holder.into(),
        actor: actor.into(),
        host: "box".into(),
    }
}

/// Keyed locks, between two handles on one store (as two processes would hold them): two keys at
/// once, the same key waits and names its holder, renewing moves `until`, a dropped lock is free.
async fn locks_are_keyed(open: impl AsyncFn() -> Box<dyn Store>) {
    let first = open().await;
    let second = open().await;
    let quiet = |_: &LockHolder| {};
    let mut project = first
        .lock(
            state::PROJECT_LOCK,
            &owner("cdp refresh", "ana"),
            Duration::ZERO,
            &quiet,
        )
        .await
        .unwrap();
    assert_eq!(project.key(), "project");
    assert_eq!(
        (
            project.holder().holder.as_str(),
            project.holder().actor.as_str(),
            project.holder().host.as_str(),
            project.holder().pid,
        ),
        ("cdp refresh", "ana", "box", i64::from(std::process::id()))
    );
    assert_eq!(project.expires_at(), None, "no lease until one is declared");

    // Other keys are free, at once and beside each other.
    let vip = second
        .lock(
            "job:refresh:vip",
            &owner("cdp daemon", "scheduler"),
            Duration::ZERO,
            &quiet,
        )
        .await
        .expect("another key does not wait for the project lock");
    let lapsed = second
        .lock(
            "job:refresh:lapsed",
            &owner("cdp daemon", "scheduler"),
            Duration::ZERO,
            &quiet,
        )
        .await
        .expect("nor for another job");
    assert_eq!(
        (vip.key(), lapsed.key()),
        ("job:refresh:vip", "job:refresh:lapsed")
    );

    // The same key waits, says once whom for, then names the holder.
    let told = std::sync::Mutex::new(Vec::new());
    let waiting = |h: &LockHolder| told.lock().unwrap().push(h.clone());
    let refused = second
        .lock(
            state::PROJECT_LOCK,
            &owner("cdp apply", "bo"),
            Duration::from_millis(500),
            &waiting,
        )
        .await;
    let Err(StateError::Locked { key, holder }) = refused else {
        panic!("the same key must wait, then fail: {refused:?}");
    };
    assert_eq!(key, "project");
    assert_eq!(&*holder, project.holder());
    assert_eq!(told.into_inner().unwrap(), vec![*holder]);

    // Renewing declares a lease and moves it; whoever waits sees it.
    let before = Utc::now();
    first
        .renew_lock(&mut project, Duration::from_secs(60))
        .await
        .unwrap();
    let until = project.expires_at().expect("renewed");
    assert!(
        until >= before + Duration::from_secs(59),
        "{until} {before}"
    );
    assert!(until <= Utc::now() + Duration::from_secs(60), "{until}");
    tokio::time::sleep(Duration::from_millis(20)).await;
    first
        .renew_lock(&mut project, Duration::from_secs(60))
        .await
        .unwrap();
    let later = project.expires_at().unwrap();
    assert!(later > until, "renewing moves `until`: {until} -> {later}");
    match second
        .lock(
            state::PROJECT_LOCK,
            &owner("cdp apply", "bo"),
            Duration::ZERO,
            &quiet,
        )
        .await
    {
        Err(StateError::Locked { holder, .. }) => {
            assert_eq!(holder.until, Some(later));
            assert_eq!(
                holder.since,
                project.holder().since,
                "renewing keeps `since`"
            );
        }
        other => panic!("still held: {other:?}"),
    }
    assert_eq!(vip.expires_at(), None, "one key's lease is its own");

    // A dropped lock is free again; the others stay held.
    drop(project);
    let again = second
        .lock(
            state::PROJECT_LOCK,
            &owner("cdp apply", "bo"),
            Duration::from_secs(5),
            &quiet,
        )
        .await
        .expect("free once the first is dropped");
    assert_eq!(again.holder().holder, "cdp apply");
    assert_eq!(
        again.expires_at(),
        None,
        "a new holder starts without a lease"
    );
    match first
        .lock(
            "job:refresh:vip",
            &owner("cdp refresh", "ana"),
            Duration::ZERO,
            &quiet,
        )
        .await
    {
        Err(StateError::Locked { key, holder }) => {
            assert_eq!(
                (key.as_str(), holder.holder.as_str()),
                ("job:refresh:vip", "cdp daemon")
            );
        }
        other => panic!("the job lock is still held: {other:?}"),
    }
    drop(vip);
    first
        .lock(
            "job:refresh:vip",
            &owner("cdp refresh", "ana"),
            Duration::ZERO,
            &quiet,
        )
        .await
        .expect("free once dropped");
    drop(lapsed);
}

#[test]
fn sqlite_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = state::open(None, dir.path()).await.unwrap();
        contract(store.as_ref()).await;
        sync_contract(store.as_ref()).await;
        locks_are_keyed(async || state::open(None, dir.path()).await.unwrap()).await;
    });
    assert!(dir.path().join("state.db").exists());
}

#[test]
fn postgres_store_keeps_the_contract() {
    let Some(admin) = postgres_url("state_contract") else {
        return;
    };
    let db = PgDatabase::create(&admin, "state");
    let url = Secret::new(db.url.as_str());
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = state::open(Some(&url), dir.path()).await.unwrap();
        contract(store.as_ref()).await;
        sync_contract(store.as_ref()).await;
        locks_are_keyed(async || state::open(Some(&url), dir.path()).await.unwrap()).await;
        // Opening again finds the migrations applied.
        let again = state::open(Some(&url), dir.path()).await.unwrap();
        assert_eq!(again.definitions(state::SEGMENT).await.unwrap().len(), 2);
    });
}

#[test]
fn an_unknown_url_scheme_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = runtime()
        .block_on(state::open(
            Some(&Secret::new("mysql://u:pw@h/db")),
            dir.path(),
        ))
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(text.contains("mysql://"), "{text}");
    assert!(!text.contains("pw"), "the password is redacted: {text}");
}
