//! What `cdp sync` prints, as a person sees it: snapshots of the dry run, the summary, status
//! and the log of refused users (times and speeds filtered out).

use super::{Setup, VIP};

fn snapshot(name: &str, out: &crate::common::Output) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]");
    settings.add_filter(r"http://127\.0\.0\.1:\d+", "[double]");
    // Duration and users/s: the last numeric columns of the summary.
    settings.add_filter(r"┆ \d+\.\ds\s*┆ \d+\s*┆", "┆ [duration] ┆ [users/s] ┆");
    settings.bind(|| insta::assert_snapshot!(name, out.snapshot()));
}

#[test]
fn sync_output() {
    let s = Setup::new(30, "", &[("vip.yaml", VIP)]);
    s.query("insert into users values ('bad id', 'gold')");
    s.run(&["refresh"]).ok();
    snapshot(
        "sync_dry_run",
        &s.run(&["sync", "--dry-run", "--to", "braze"]),
    );
    let out = s.run(&["sync"]);
    out.ok();
    snapshot("sync_summary", &out);
    snapshot("sync_status", &s.run(&["sync", "status"]));
    snapshot(
        "sync_log_rejected",
        &s.run(&["sync", "log", "vip", "--rejected", "--format", "csv"]),
    );
}
