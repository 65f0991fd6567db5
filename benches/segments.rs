//! Benchmark of seeding and segment queries on DuckDB.
//!
//! Workload: `cdp demo seed --users N --days 90` (N = 1,000,000 by default, about 20 events per
//! user; set `CDP_BENCH_USERS`), then the repository's segments. Reports, each measured in this run:
//! - seed time, users and events;
//! - a segment with five event conditions: the compiled SQL against the fastest hand-written
//!   DuckDB query for the same members (checked equal), and against a naive compilation with one
//!   subquery per condition (ratios of medians of 3 runs);
//! - peak memory (VmHWM) of `cdp segments preview --count` for every demo segment and of a csv
//!   preview of the largest segment piped to a file.
//!
//! - with `CDP_BENCH_POSTGRES_URL` set, the busiest-events segment on PostgreSQL (N / 5 users):
//!   compiled one-scan SQL against the naive plan.
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it does the same on 5,000 users.

use std::path::Path;
use std::time::{Duration, Instant};

mod support;
use support::{ms, run};

const FIVE: &str = "name: five_events\nrules:\n  all:\n    - { event: session_start, within: 30d, count: { gte: 5 } }\n    - { event: purchase, within: 90d }\n    - { event: purchase, sum: amount, gte: 20, within: 90d }\n    - not: { event: support_ticket, within: 30d }\n    - { event: add_to_cart, within: 14d, count: { gte: 1 } }\n";

/// Five conditions on the busiest events, where a plan that scans once per condition reads most.
const FIVE_HEAVY: &str = "name: five_heavy\nrules:\n  all:\n    - { event: session_start, within: 30d, count: { gte: 8 } }\n    - { event: page_view, within: 30d, count: { gte: 15 } }\n    - { event: page_view, within: 7d, where: [{ property: path, eq: /pricing }] }\n    - { event: session_start, within: 7d, count: { gte: 2 } }\n    - { event: feature_used, within: 30d }\n";

fn main() {
    let (_, users) = support::size("CDP_BENCH_USERS", 1_000_000, 5_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("cdp.yaml"), dir.path().join("cdp.yaml")).unwrap();
    std::fs::create_dir_all(dir.path().join("segments")).unwrap();
    for e in std::fs::read_dir(root.join("segments")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join("segments").join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.path().join("segments/five_events.yaml"), FIVE).unwrap();
    std::fs::write(dir.path().join("segments/five_heavy.yaml"), FIVE_HEAVY).unwrap();
    let now = "2026-06-15T00:00:00Z";

    let t = Instant::now();
    let (_, peak_seed) = run(
        dir.path(),
        now,
        &[
            "demo",
            "seed",
            "--users",
            &users.to_string(),
            "--days",
            "90",
        ],
        None,
    );
    let seed_time = t.elapsed();
    // Measured before this process opens DuckDB: a child's peak RSS counts what it inherits at fork.
    let mut largest = (String::new(), 0i64);
    let mut peak_count = (0, String::new());
    for e in std::fs::read_dir(dir.path().join("segments")).unwrap() {
        let name = e
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let (out, peak) = run(
            dir.path(),
            now,
            &["segments", "preview", &name, "--count", "--format", "csv"],
            None,
        );
        let n: i64 = String::from_utf8(out)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        if n > largest.1 {
            largest = (name.clone(), n);
        }
        if peak > peak_count.0 {
            peak_count = (peak, name.clone());
        }
    }
    let file = dir.path().join("largest.csv");
    let (_, peak_csv) = run(
        dir.path(),
        now,
        &["segments", "preview", &largest.0, "--format", "csv"],
        Some(&file),
    );
    let rows = std::fs::read_to_string(&file).unwrap().lines().count() - 1;
    assert_eq!(rows as i64, largest.1);
    println!(
        "peak memory: preview --count of every segment at most {} MB ({}); csv preview of {} ({} members) {} MB (target < 300 MB)",
        peak_count.0 / 1024,
        peak_count.1,
        largest.0,
        largest.1,
        peak_csv / 1024
    );
    let wh = duckdb::Connection::open(dir.path().join(".cdp/warehouse.duckdb")).unwrap();
    let events: i64 = wh
        .query_row("select count(*) from events", [], |r| r.get(0))
        .unwrap();
    println!(
        "workload: {users} users, {events} events ({:.1} per user)",
        events as f64 / users as f64
    );
    println!(
        "seed: {:.1}s, peak memory {} MB",
        seed_time.as_secs_f64(),
        peak_seed / 1024
    );

    let compiled = compile(dir.path(), now, &["compile", "five_events"]);
    let cutoff = |days: i64| format!("timestamp '2026-06-15 00:00:00' - interval '{days} days'");
    let hand = format!(
        "select user_id from events
         where ((event = 'session_start' and ts > {d30}) or (event = 'purchase' and ts > {d90}) or (event = 'support_ticket' and ts > {d30}) or (event = 'add_to_cart' and ts > {d14}))
           and ts <= timestamp '2026-06-15 00:00:00'
         group by user_id
         having count(*) filter (where event = 'session_start') >= 5
            and count(*) filter (where event = 'purchase') >= 1
            and coalesce(sum(case when event = 'purchase' and json_type(properties, '$.amount') in ('BIGINT', 'UBIGINT', 'DOUBLE') then cast(properties->>'amount' as double) end), 0) >= 20
            and count(*) filter (where event = 'support_ticket') = 0
            and count(*) filter (where event = 'add_to_cart') >= 1",
        d90 = cutoff(90), d30 = cutoff(30), d14 = cutoff(14)
    );
    let w = |cond: &str| {
        format!("select user_id from events where {cond} and ts <= timestamp '2026-06-15 00:00:00'")
    };
    let naive = format!(
        "select user_id from users u where
           u.user_id in ({s} group by user_id having count(*) >= 5)
           and u.user_id in ({p})
           and coalesce((select sum(cast(e.properties->>'amount' as double)) from events e where e.user_id = u.user_id and e.event = 'purchase' and e.ts > {d90} and e.ts <= timestamp '2026-06-15 00:00:00'), 0) >= 20
           and u.user_id not in ({t})
           and u.user_id in ({c})",
        s = w(&format!("event = 'session_start' and ts > {}", cutoff(30))),
        p = w(&format!("event = 'purchase' and ts > {}", cutoff(90))),
        t = w(&format!("event = 'support_ticket' and ts > {}", cutoff(30))),
        c = w(&format!("event = 'add_to_cart' and ts > {}", cutoff(14))),
        d90 = cutoff(90)
    );
    compare(&wh, "five event conditions", &compiled, &hand, &naive);
    heavy(&wh, dir.path(), now);
    if let Ok(url) = std::env::var("CDP_BENCH_POSTGRES_URL") {
        postgres(&url, users / 5, now);
    }
    drop(wh);
}

/// The SQL `cdp compile` prints, without its closing semicolon, ready to nest.
fn compile(dir: &Path, now: &str, args: &[&str]) -> String {
    let (out, _) = run(dir, now, args, None);
    String::from_utf8(out)
        .unwrap()
        .trim()
        .trim_end_matches(';')
        .to_string()
}

/// Checks that the three queries give the same members and prints their medians and ratios.
fn compare(wh: &duckdb::Connection, label: &str, compiled: &str, hand: &str, naive: &str) {
    let members = |sql: &str| -> Vec<String> {
        let mut stmt = wh
            .prepare(&format!(
                "select user_id from ({}) order by 1",
                sql.trim_end_matches(';')
            ))
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let m = members(compiled);
    assert_eq!(
        m,
        members(hand),
        "the hand-written query must give the same members"
    );
    assert_eq!(
        m,
        members(naive),
        "the naive query must give the same members"
    );
    // As cdp runs it (the embedded warehouse's default memory limit), then with DuckDB's own
    // defaults; rounds interleave the three queries so that noise hits them alike.
    for (setting, reset) in [
        (
            format!(
                "set memory_limit = '{}'",
                cdp::project::config::DEFAULT_DUCKDB_MEMORY
            ),
            "cdp's default memory_limit",
        ),
        (
            "reset memory_limit".to_string(),
            "DuckDB's default memory_limit",
        ),
    ] {
        wh.execute_batch(&setting).unwrap();
        let mut times = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..5 {
            for (i, sql) in [compiled, hand, naive].iter().enumerate() {
                let t = Instant::now();
                let n: i64 = wh
                    .query_row(
                        &format!("select count(*) from ({})", sql.trim_end_matches(';')),
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                std::hint::black_box(n);
                times[i].push(t.elapsed());
            }
        }
        let [tc, th, tn] = times.map(|mut t| {
            t.sort();
            t[t.len() / 2]
        });
        println!(
            "{label} ({} members), {reset}: compiled {:.0} ms, hand-written {:.0} ms, naive {:.0} ms",
            m.len(),
            ms(tc),
            ms(th),
            ms(tn)
        );
        println!(
            "  compiled / hand-written = {:.2}x (target <= 1.5x); naive / compiled = {:.2}x",
            tc.as_secs_f64() / th.as_secs_f64(),
            tn.as_secs_f64() / tc.as_secs_f64()
        );
    }
}

/// The same comparison on conditions over the busiest events.
fn heavy(wh: &duckdb::Connection, dir: &Path, now: &str) {
    let compiled = compile(dir, now, &["compile", "five_heavy"]);
    let at = "timestamp '2026-06-15 00:00:00'";
    let d = |days: i64| format!("{at} - interval '{days} days'");
    let hand = format!(
        "select user_id from events
         where event in ('session_start', 'page_view', 'feature_used') and ts > {d30} and ts <= {at}
         group by user_id
         having count(*) filter (where event = 'session_start') >= 8
            and count(*) filter (where event = 'page_view') >= 15
            and count(*) filter (where event = 'page_view' and ts > {d7} and properties->>'path' = '/pricing') >= 1
            and count(*) filter (where event = 'session_start' and ts > {d7}) >= 2
            and count(*) filter (where event = 'feature_used') >= 1",
        d30 = d(30),
        d7 = d(7)
    );
    let naive = heavy_naive(at);
    compare(
        wh,
        "five conditions on the busiest events",
        &compiled,
        &hand,
        &naive,
    );
}

/// The naive plan of `five_heavy`: one subquery per condition.
fn heavy_naive(at: &str) -> String {
    let d = |days: i64| format!("{at} - interval '{days} days'");
    let sub = |cond: String, min: i64| {
        format!(
            "u.user_id in (select user_id from events where {cond} and ts <= {at} group by user_id having count(*) >= {min})"
        )
    };
    format!(
        "select user_id from users u where {} and {} and {} and {} and {}",
        sub(format!("event = 'session_start' and ts > {}", d(30)), 8),
        sub(format!("event = 'page_view' and ts > {}", d(30)), 15),
        sub(
            format!(
                "event = 'page_view' and ts > {} and properties->>'path' = '/pricing'",
                d(7)
            ),
            1
        ),
        sub(format!("event = 'session_start' and ts > {}", d(7)), 2),
        sub(format!("event = 'feature_used' and ts > {}", d(30)), 1),
    )
}

/// One scan against one subquery per condition on PostgreSQL, where every scan reads whole rows.
fn postgres(url: &str, users: u64, now: &str) {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cdp.yaml"),
        "environments:\n  pg:\n    warehouse: { type: postgres, url: \"${CDP_BENCH_POSTGRES_URL}\" }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("segments")).unwrap();
    std::fs::write(dir.path().join("segments/five_heavy.yaml"), FIVE_HEAVY).unwrap();
    run(
        dir.path(),
        now,
        &[
            "--env",
            "pg",
            "demo",
            "seed",
            "--users",
            &users.to_string(),
            "--days",
            "90",
        ],
        None,
    );
    let compiled = compile(dir.path(), now, &["--env", "pg", "compile", "five_heavy"]);
    let naive = heavy_naive("timestamp '2026-06-15 00:00:00'");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql("analyze users; analyze events").execute(&mut c).await.unwrap();
        let mut timings = Vec::new();
        for sql in [&compiled, &naive] {
            let mut best = (Duration::MAX, 0i64);
            for _ in 0..3 {
                let t = Instant::now();
                let q = sqlx::AssertSqlSafe(format!("select count(*) from ({sql}) m"));
                let n: i64 = sqlx::query_scalar(q).fetch_one(&mut c).await.unwrap();
                best = best.min((t.elapsed(), n));
            }
            timings.push(best);
        }
        let ((tc, nc), (tn, nn)) = (timings[0], timings[1]);
        assert_eq!(nc, nn, "the naive query must give the same number of members");
        println!(
            "PostgreSQL, five conditions on the busiest events ({users} users, {nc} members): compiled {:.0} ms, naive {:.0} ms, naive / compiled = {:.2}x",
            ms(tc),
            ms(tn),
            tn.as_secs_f64() / tc.as_secs_f64()
        );
    });
}
