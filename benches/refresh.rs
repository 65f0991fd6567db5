//! Refresh benchmark.
//!
//! Workload: `cdp demo seed` with 1,000,000 users over 90 days (about 22 million events) and the
//! repository's segments, applied; `cargo bench --bench refresh` (set `CDP_BENCH_USERS` to change
//! the size; without `--bench`, as `cargo test --all-targets` runs it, a small size checks that it
//! works). It reports, each against a baseline measured in the same run:
//! - `cdp refresh --all` against refreshing its single most expensive segment alone (one scan of
//!   events serves every segment, so the target is at most 2x), and against refreshing every
//!   segment alone, one after another;
//! - peak memory of `refresh --all` at a tenth of the users, at all of them and at three times
//!   as many (target: under 500 MB, and no growth with the audience);
//! - membership rows added by ten refreshes with no data change (target: none), and by one day of
//!   `cdp demo advance` against the users who entered or exited.

use std::path::Path;
use std::time::Instant;

mod support;
use support::{ms, run};

const NOW: &str = "2026-06-15T00:00:00Z";
const NEXT_DAY: &str = "2026-06-16T00:00:00Z";

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let users: u64 = std::env::var("CDP_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 1_000_000 } else { 3_000 });

    // Peak memory at a tenth and at three times the audience: the buffer pool is capped by
    // `memory_limit`, so growth should stop once the audience fills it.
    let peak_at = |n: u64| {
        let dir = project();
        seed_and_apply(dir.path(), n);
        run(dir.path(), NOW, &["refresh", "--all"], None);
        run(dir.path(), NOW, &["refresh", "--all"], None).1
    };
    let peak_small = peak_at(users / 10);
    let peak_large = peak_at(users * 3);

    let dir = project();
    seed_and_apply(dir.path(), users);
    let t = Instant::now();
    let (_, peak_first) = run(dir.path(), NOW, &["refresh", "--all"], None);
    let first = t.elapsed();

    // Steady state: refreshing what is already current, as a schedule does most of the time.
    let rows_before = membership_rows(dir.path());
    let mut all_times = Vec::new();
    let mut peak_all = 0;
    for _ in 0..10 {
        let t = Instant::now();
        let (_, peak) = run(dir.path(), NOW, &["refresh", "--all"], None);
        all_times.push(t.elapsed());
        peak_all = peak_all.max(peak);
    }
    let rows_after = membership_rows(dir.path());
    all_times.sort();
    let all = all_times[all_times.len() / 2];

    let mut slowest = (String::new(), std::time::Duration::ZERO);
    let mut one_by_one = std::time::Duration::ZERO;
    for name in segment_names() {
        let mut times: Vec<_> = (0..3)
            .map(|_| {
                let t = Instant::now();
                run(dir.path(), NOW, &["refresh", &name], None);
                t.elapsed()
            })
            .collect();
        times.sort();
        one_by_one += times[1];
        if times[1] > slowest.1 {
            slowest = (name, times[1]);
        }
    }

    run(dir.path(), NOW, &["demo", "advance", "--days", "1"], None);
    let before_day = membership_rows(dir.path());
    let t = Instant::now();
    let (out, _) = run(
        dir.path(),
        NEXT_DAY,
        &["refresh", "--all", "--format", "csv"],
        None,
    );
    let day_time = t.elapsed();
    let after_day = membership_rows(dir.path());
    let (mut entered, mut exited) = (0i64, 0i64);
    for line in String::from_utf8(out).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        entered += f[3].parse::<i64>().unwrap();
        exited += f[4].parse::<i64>().unwrap();
    }

    println!(
        "workload: {users} users, 90 days of demo events, {} segments",
        segment_names().len()
    );
    println!(
        "first refresh --all (everyone enters): {:.1}s, peak memory {} MB",
        first.as_secs_f64(),
        peak_first / 1024
    );
    println!(
        "refresh --all {:.0} ms against its slowest single segment alone ({}) {:.0} ms = {:.2}x (target <= 2x)",
        ms(all),
        slowest.0,
        ms(slowest.1),
        all.as_secs_f64() / slowest.1.as_secs_f64()
    );
    println!(
        "refresh --all {:.0} ms against refreshing each segment alone, one after another, {:.0} ms = {:.2}x",
        ms(all),
        ms(one_by_one),
        all.as_secs_f64() / one_by_one.as_secs_f64()
    );
    println!(
        "peak memory of refresh --all: {} MB at {} users, {} MB at {users} users = {:.2}x, {} MB at {} users = {:.2}x of {users} (target < 500 MB, no growth)",
        peak_small / 1024,
        users / 10,
        peak_all.max(peak_first) / 1024,
        peak_all.max(peak_first) as f64 / peak_small as f64,
        peak_large / 1024,
        users * 3,
        peak_large as f64 / peak_all.max(peak_first) as f64
    );
    println!(
        "ten refreshes with no data change added {} membership rows (target 0)",
        rows_after - rows_before
    );
    println!(
        "one day of demo advance: refresh --all {:.2}s, {entered} entered + {exited} exited, {} membership rows added (one per entry; an exit closes its row)",
        day_time.as_secs_f64(),
        after_day - before_day
    );
    assert_eq!(rows_after, rows_before, "unchanged refreshes add no rows");
    assert_eq!(after_day - before_day, entered, "history grows with change");
    assert!(exited > 0 && entered > 0, "a day of activity moves members");
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("cdp.yaml"), dir.path().join("cdp.yaml")).unwrap();
    std::fs::create_dir_all(dir.path().join("segments")).unwrap();
    for name in segment_names() {
        let file = format!("segments/{name}.yaml");
        std::fs::copy(root.join(&file), dir.path().join(&file)).unwrap();
    }
    dir
}

fn segment_names() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("segments");
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    names.sort();
    names
}

fn seed_and_apply(dir: &Path, users: u64) {
    let n = users.to_string();
    run(
        dir,
        NOW,
        &["demo", "seed", "--users", &n, "--days", "90"],
        None,
    );
    run(dir, NOW, &["apply", "--auto-approve"], None);
}

fn membership_rows(dir: &Path) -> i64 {
    let (out, _) = run(
        dir,
        NOW,
        &[
            "query",
            "select count(*) from cdp.membership",
            "--format",
            "csv",
        ],
        None,
    );
    String::from_utf8(out)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}
