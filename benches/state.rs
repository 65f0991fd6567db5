//! State migration benchmark.
//!
//! Workload: a SQLite state store of 1,000,000 rows in all (100,000 refresh and sync runs, each
//! with two snapshots, a sync checkpoint, an audit entry and five rejected users), loaded with
//! `cdp state import`; `cargo bench --bench state` (set `CDP_BENCH_STATE_ROWS` to change the size;
//! without `--bench`, as `cargo test --all-targets` runs it, a small size checks that it works).
//! It reports, against `cdp state export -o FILE` of the same store measured in the same run
//! (medians of 3 alternating rounds):
//! - `cdp state migrate --to postgres://...` into a new database each round, when
//!   `CDP_TEST_POSTGRES_URL` names a server (target: within 3x the export);
//! - `cdp state migrate --to sqlite://...` into a new file each round;
//!   each with its peak memory. A migration reads the source, writes the target in one
//!   transaction, and reads the target back to compare every table.

use std::time::{Duration, Instant};

#[path = "support/pg.rs"]
mod pg;
#[path = "../tests/it/state_fixture.rs"]
mod state_fixture;
mod support;
use pg::{db_url, pg};
use support::{ms, run};

const NOW: &str = "2026-06-15T00:00:00Z";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let (bench, rows) = support::size("CDP_BENCH_STATE_ROWS", 1_000_000, 2_000);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("cdp.yaml"), "").unwrap();
    let fixture = dir.path().join("fixture.json");
    state_fixture::write(&fixture, rows as usize, &state_fixture::migrations());
    run(
        &project,
        NOW,
        &["state", "import", &fixture.to_string_lossy()],
        None,
    );
    let admin = std::env::var("CDP_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());

    let rounds = if bench { 3 } else { 1 };
    let (mut export, mut to_pg, mut to_sqlite) = (Vec::new(), Vec::new(), Vec::new());
    let (mut export_peak, mut pg_peak, mut sqlite_peak) = (0, 0, 0);
    for round in 0..rounds {
        let out = dir.path().join("export.json");
        let t = Instant::now();
        let (_, peak) = run(
            &project,
            NOW,
            &["state", "export", "-o", &out.to_string_lossy()],
            None,
        );
        export.push(t.elapsed());
        export_peak = export_peak.max(peak);

        if let Some(admin) = &admin {
            let name = format!("cdp_bench_state_{}_{round}", std::process::id());
            pg(admin, &format!("create database {name}"));
            let url = db_url(admin, &name);
            let t = Instant::now();
            let (_, peak) = run(&project, NOW, &["state", "migrate", "--to", &url], None);
            to_pg.push(t.elapsed());
            pg_peak = pg_peak.max(peak);
            pg(admin, &format!("drop database {name} with (force)"));
        }

        let target = dir.path().join(format!("target{round}.db"));
        let url = format!("sqlite://{}", target.display());
        let t = Instant::now();
        let (_, peak) = run(&project, NOW, &["state", "migrate", "--to", &url], None);
        to_sqlite.push(t.elapsed());
        sqlite_peak = sqlite_peak.max(peak);
        std::fs::remove_file(&target).ok();
    }

    let base = median(export);
    println!("state store: {rows} rows; medians of {rounds} rounds");
    println!(
        "  state export -o FILE          {:>9.0} ms  (baseline)   peak {:>4} MB",
        ms(base),
        export_peak / 1024
    );
    if !to_pg.is_empty() {
        let t = median(to_pg);
        println!(
            "  state migrate -> PostgreSQL   {:>9.0} ms  {:>5.2}x       peak {:>4} MB  (target: 3x or less)",
            ms(t),
            t.as_secs_f64() / base.as_secs_f64(),
            pg_peak / 1024
        );
    } else {
        println!("  state migrate -> PostgreSQL   skipped: set CDP_TEST_POSTGRES_URL");
    }
    let t = median(to_sqlite);
    println!(
        "  state migrate -> SQLite       {:>9.0} ms  {:>5.2}x       peak {:>4} MB",
        ms(t),
        t.as_secs_f64() / base.as_secs_f64(),
        sqlite_peak / 1024
    );
}
