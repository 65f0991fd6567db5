//! The operations driven directly, as the daemon will drive them: no command line, a context
//! built in the test, a token that cancels. Refresh then sync on DuckDB with the destination
//! doubles, cancelled midway, then resumed.

use std::time::Duration;

use cdp::error::Error;
use cdp::membership::refresh::Selection;
use cdp::ops::{self, Actor, Context};
use tokio_util::sync::CancellationToken;

use crate::destination_doubles::braze::BrazeConfig;
use crate::sync::{Setup, VIP, batches, wait_until};

/// The context a host would build: the project loaded with its own variables, the instant the
/// other tests use, a named actor.
fn context(s: &Setup, cancel: CancellationToken) -> Context {
    let vars: Vec<(&'static str, String)> = s.env();
    let lookup = move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let project = cdp::project::load_with(s.p.path(), None, Some(&lookup)).expect("valid project");
    let now = cdp::syntax::time::instant_from_str(crate::common::NOW).unwrap();
    let actor = Actor {
        name: "ops-test".into(),
        host: "test-host".into(),
    };
    Context::new(project, now, actor)
        .with_cancel(cancel)
        .with_command("cdp refresh")
}

#[test]
fn refresh_then_sync_cancelled_midway_then_resumed() {
    // Two requests a second to Braze: 1,000 members in batches of 75 take about seven seconds.
    let s = Setup::with(
        3_000,
        ", rate_limit: { requests: 2, per: 1s }",
        &[("vip.yaml", VIP)],
        BrazeConfig::default(),
        None,
    );
    let rt = tokio::runtime::Runtime::new().unwrap();

    let cancel = CancellationToken::new();
    let ctx = context(&s, cancel.clone());
    let trigger = {
        let braze = s.braze.clone();
        std::thread::spawn(move || {
            wait_until("the first Braze requests", || {
                braze.requests_to("/users/track") >= 3
            });
            cancel.cancel();
        })
    };
    let report = rt
        .block_on(ops::refresh::refresh(
            &ctx,
            &Selection::All,
            Duration::from_secs(30),
            true,
        ))
        .expect("the chain reports, interrupted");
    trigger.join().unwrap();
    assert_eq!(report.refreshed.len(), 1);
    assert_eq!(report.refreshed[0].size, 1_000);
    let syncs = report
        .syncs
        .as_ref()
        .expect("the sync ran after the refresh");
    assert_eq!(syncs[0].destination, "braze");
    assert_eq!(syncs[0].status, cdp::sync::Status::Interrupted);
    assert!(matches!(report.outcome(), Err(Error::Interrupted)));
    let sent_before = s.braze.requests_to("/users/track");
    let held = s.braze_holds("vip").len();
    assert!(held > 0 && held < 1_000, "{held} held after the stop");
    // What was answered was checkpointed, and the JSON a pipeline reads says so.
    let doc = serde_json::to_value(&report).unwrap();
    assert_eq!(doc["syncs"][0]["status"], "interrupted");
    drop(ctx);

    // Resumed with a new context: only what remains is sent, and nothing twice.
    let ctx = context(&s, CancellationToken::new());
    let resumed = rt
        .block_on(ops::sync::sync(
            &ctx,
            &cdp::sync::Options::default(),
            Duration::from_secs(30),
        ))
        .expect("sync");
    resumed.outcome().expect("every target succeeds");
    let members = s.members("vip");
    assert_eq!(s.braze_holds("vip"), members);
    assert_eq!(s.cohort("vip"), members);
    let total = s.braze.requests_to("/users/track");
    // Batches cut at the checkpoint may split one batch in two; none is sent again.
    assert!(
        total <= batches(1_000, 75) + 1,
        "{total} requests ({sent_before} before the stop)"
    );
    let braze = resumed
        .syncs
        .iter()
        .find(|r| r.destination == "braze")
        .unwrap();
    assert_eq!(braze.stats.sent as usize, 1_000 - held);

    // The reports are the documents the API will serve.
    let status = rt.block_on(ops::sync::status(&ctx)).unwrap();
    assert!(
        status
            .destinations
            .iter()
            .all(|t| t.to_add == 0 && t.to_remove == 0)
    );
    let history = rt.block_on(ops::segments::history(&ctx, "vip")).unwrap();
    assert_eq!(history.last().unwrap().size, 1_000);
}

#[test]
fn a_cancelled_refresh_leaves_the_previous_membership_whole() {
    let s = Setup::new(3_000, "", &[("vip.yaml", VIP)]);
    let before = s.members("vip");
    s.query("update users set tier = 'gold'");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let ctx = context(&s, cancel);
    let done = rt.block_on(ops::refresh::refresh(
        &ctx,
        &Selection::All,
        Duration::from_secs(30),
        false,
    ));
    assert!(matches!(done, Err(Error::Interrupted)), "{done:?}");
    drop(ctx);
    assert_eq!(s.members("vip"), before);
    // The next refresh carries on.
    s.run(&["refresh"]).ok();
    assert_eq!(s.members("vip").len(), 3_000);
}

/// Rows thrown away.
struct Discard;

impl cdp::warehouse::RowSink for Discard {
    fn columns(&mut self, _: &[String]) -> Result<(), cdp::warehouse::WarehouseError> {
        Ok(())
    }
    fn row(&mut self, _: &[cdp::table::Cell]) -> Result<(), cdp::warehouse::WarehouseError> {
        Ok(())
    }
}

#[test]
fn a_statement_running_in_duckdb_is_interrupted_by_the_token() {
    let p = crate::common::TempProject::with("", &[]);
    let project = cdp::project::load(p.path(), None).unwrap();
    let now = cdp::syntax::time::instant_from_str(crate::common::NOW).unwrap();
    let cancel = CancellationToken::new();
    let actor = Actor {
        name: "ops-test".into(),
        host: "test-host".into(),
    };
    let ctx = Context::new(project, now, actor).with_cancel(cancel.clone());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let started = std::time::Instant::now();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cancel.cancel();
    });
    // Ten billion rows: minutes of work, unless interrupted.
    let done = rt.block_on(ops::data::query(
        &ctx,
        "select sum(a.range * b.range) from range(100000) a, range(100000) b",
        &mut Discard,
    ));
    assert!(matches!(done, Err(Error::Interrupted)), "{done:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped after {:?}",
        started.elapsed()
    );
}
