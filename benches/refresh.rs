//! Refresh benchmark.
//!
//! Workload: `cdp demo seed` with 1,000,000 users over 90 days (about 22 million events) and the
//! repository's segments, applied; `cargo bench --bench refresh` (set `CDP_BENCH_USERS` to change
//! the size; without `--bench`, as `cargo test --all-targets` runs it, a small size checks that it
//! works). It reports, each against a baseline measured in the same run:
//! - the fused membership query of `cdp refresh --all` (the SELECT computing every segment's
//!   members at once, as `refresh -v` prints it, without the stage, changes and merge around it)
//!   against the fastest hand-written DuckDB query for the same ten segments (`hand_written`,
//!   below). Both run in this process on the same warehouse file with cdp's memory limit, each
//!   wrapped in the same per-segment `count_if` so every flag is computed; they alternate over
//!   5 rounds and the medians are compared (target: fused at most 1.15x). Before timing, both
//!   are checked to give the same members for every segment, and those members to be the open
//!   intervals `refresh --all` committed;
//! - `cdp refresh --all` against refreshing every segment alone, one after another;
//! - peak memory of `refresh --all` at a tenth of the users, at all of them and at three times
//!   as many (target: under 500 MB, and no growth with the audience);
//! - membership rows added by ten refreshes with no data change (target: none), and by one day of
//!   `cdp demo advance` against the users who entered or exited.

use std::path::Path;
use std::time::{Duration, Instant};

mod support;
use support::{ms, run};

const NOW: &str = "2026-06-15T00:00:00Z";
const NEXT_DAY: &str = "2026-06-16T00:00:00Z";

fn main() {
    let (_, users) = support::size("CDP_BENCH_USERS", 1_000_000, 3_000);

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

    let mut one_by_one = Duration::ZERO;
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
    }

    // After every peak-memory figure: a child's peak RSS counts what this process holds at fork.
    let fused = fused_against_hand_written(dir.path());

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
        "fused membership query of refresh --all ({} members in {} segments) {:.0} ms against the hand-written DuckDB query {:.0} ms = {:.2}x (target <= 1.15x)",
        fused.members,
        fused.segments,
        ms(fused.fused),
        ms(fused.hand),
        fused.fused.as_secs_f64() / fused.hand.as_secs_f64()
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

/// The fused query's and the hand-written query's medians, and what they computed.
struct Fused {
    fused: Duration,
    hand: Duration,
    segments: usize,
    members: i64,
}

/// The membership query `refresh --all -v` prints, with the segments its `cdp_m<i>` columns are
/// (in that order).
fn fused_query(dir: &Path) -> (Vec<String>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cdp"))
        .arg("--project-dir")
        .arg(dir)
        .args(["--no-progress", "refresh", "--all", "-v"])
        .env("CDP_NOW", NOW)
        .output()
        .expect("cdp runs");
    assert!(out.status.success(), "cdp refresh --all -v failed");
    let err = String::from_utf8(out.stderr).unwrap();
    let header = "-- the membership query of ";
    let at = err
        .find(header)
        .expect("refresh -v prints the membership query");
    let (first, query) = err[at + header.len()..].split_once('\n').unwrap();
    let order = first
        .trim_end_matches(':')
        .split(", ")
        .map(str::to_string)
        .collect();
    (order, query.trim().trim_end_matches(';').to_string())
}

/// Checks the fused query and `hand_written` against each other and against the intervals
/// refresh committed, then times them (alternating, 5 rounds, medians).
fn fused_against_hand_written(dir: &Path) -> Fused {
    let (order, fused) = fused_query(dir);
    let hand = hand_written(NOW);
    let wh = duckdb::Connection::open(dir.join(".cdp/warehouse.duckdb")).unwrap();
    // As cdp opens the warehouse (`warehouse/duckdb.rs`).
    wh.execute_batch(&format!(
        "set memory_limit = '{}'; set temp_directory = '{}'; set preserve_insertion_order = false;",
        cdp::project::config::DEFAULT_DUCKDB_MEMORY,
        dir.join(".cdp/bench.tmp").display()
    ))
    .unwrap();
    wh.execute_batch(&format!(
        "create temp table bench_fused as {fused};\ncreate temp table bench_hand as {hand};"
    ))
    .unwrap();
    let count = |sql: &str| -> i64 { wh.query_row(sql, [], |r| r.get(0)).unwrap() };
    let mut members = 0;
    for (i, name) in order.iter().enumerate() {
        let fused_members = format!("select user_id from bench_fused where cdp_m{i}");
        let hand_members = format!("select user_id from bench_hand where \"{name}\"");
        let committed = format!(
            "select user_id from cdp.membership where segment = '{name}' and exited_at is null"
        );
        for (a, b, what) in [
            (&fused_members, &hand_members, "the hand-written query"),
            (&fused_members, &committed, "the committed intervals"),
        ] {
            let differ = count(&format!(
                "select count(*) from (({a} except {b}) union all ({b} except {a}))"
            ));
            assert_eq!(differ, 0, "{name}: the fused query and {what} differ");
        }
        members += count(&format!("select count(*) from ({fused_members})"));
    }
    wh.execute_batch("drop table bench_fused; drop table bench_hand;")
        .unwrap();

    // The same consumer for both: every segment's flag is read.
    let flags = |column: &dyn Fn(usize, &str) -> String| -> String {
        order
            .iter()
            .enumerate()
            .map(|(i, n)| format!("count_if({})", column(i, n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let timed = [
        format!(
            "select {} from ({fused})",
            flags(&|i, _| format!("cdp_m{i}"))
        ),
        format!("select {} from ({hand})", flags(&|_, n| format!("\"{n}\""))),
    ];
    let mut times = [Vec::new(), Vec::new()];
    let mut counts = [Vec::new(), Vec::new()];
    for _ in 0..5 {
        for (i, sql) in timed.iter().enumerate() {
            let t = Instant::now();
            let mut stmt = wh.prepare(sql).unwrap();
            let row: Vec<i64> = stmt
                .query_row([], |r| (0..order.len()).map(|k| r.get(k)).collect())
                .unwrap();
            times[i].push(t.elapsed());
            counts[i] = row;
        }
    }
    assert_eq!(counts[0], counts[1], "both queries count the same members");
    let [fused_time, hand_time] = times.map(|mut t| {
        t.sort();
        t[t.len() / 2]
    });
    Fused {
        fused: fused_time,
        hand: hand_time,
        segments: order.len(),
        members,
    }
}

/// The fastest DuckDB query found by hand for the ten demo segments' members as of `now`: one
/// row per user, one boolean column per segment, named after it. What makes it fast:
/// - one aggregate per kind of event instead of one over every scanned event: a filter of one
///   event name is pushed into the scan (cheap), where an `or` of names and windows is evaluated
///   row by row, and the busiest name (`session_start`) is aggregated with three columns, not
///   seventeen; the rarer names share a second aggregate over 3% of the events;
/// - `page_view` (the busiest event of all) is never aggregated for everyone: only for the users
///   with two `feature_used` in 30 days (a semi-join), the only ones `power_users` can hold;
/// - the sequence is a hash join of each add-to-cart with the page views of the day before it,
///   whose JSON is read only for the pairs it forms;
/// - JSON is parsed only where the raw text can hold the value: a path that is `/help` or starts
///   with `/pri` is written in the text as such or with an escape (a backslash), so rows with
///   neither are decided without parsing (exact for any JSON);
/// - first install in (now-14d, now-7d] is a group of the installs up to now-7d whose minimum
///   is after now-14d, and "no session in 14 (or 7) days" is read from the latest session in
///   60 days rather than counted in a window of its own;
/// - the regular expression of `web_europe_engaged` runs only for users whose cheap traits
///   match, and what is joined to the users is narrow: three columns of `session_start`, ten of
///   the rarer events for the 32% of users who have any, and sets of users for the rest.
fn hand_written(now: &str) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap();
    let at = |days: i64| {
        format!(
            "timestamp '{}'",
            (now - chrono::Duration::days(days)).format("%Y-%m-%d %H:%M:%S")
        )
    };
    let (now, d3, d7, d14, d30, d60, d90, d365) =
        (at(0), at(3), at(7), at(14), at(30), at(60), at(90), at(365));
    let amount = "case when json_type(properties, '$.amount') in ('BIGINT', 'UBIGINT', 'DOUBLE') then cast(properties->>'$.amount' as double) end";
    format!(
        r#"with s as (
  select user_id,
    count(case when ts > {d30} then 1 end) as ss30,
    count(*) as ss60,
    max(ts) as ss_last
  from events
  where event = 'session_start' and ts > {d60} and ts <= {now}
  group by user_id
),
r as (
  select user_id,
    count(case when event = 'feature_used' then 1 end) as fu_all,
    count(case when event = 'feature_used' and ts > {d30} then 1 end) as fu30,
    count(case when event = 'support_ticket' then 1 end) as st90,
    count(case when event = 'add_to_cart' then 1 end) as atc3,
    max(case when event = 'purchase' and ts <= {now} then ts end) as p_last,
    count(case when event = 'purchase' and ts >= timestamp '2026-01-01' then 1 end) as p2026,
    max(case when event = 'purchase' and ts >= timestamp '2026-01-01' then {amount} end) as max2026,
    min(case when event = 'purchase' and ts <= {now} then {amount} end) as min365,
    avg(case when event = 'purchase' and ts <= {now} then {amount} end) as avg365,
    sum(case when event = 'purchase' and ts <= {now} and properties->>'$.currency' = 'USD' then {amount} end) as usd365
  from events
  where (event = 'feature_used' and ts <= {now})
     or (event = 'support_ticket' and ts > {d90} and ts <= {now})
     or (event = 'add_to_cart' and ts > {d3} and ts <= {now})
     or (event = 'purchase' and ts > {d365} and ts < timestamp '2027-01-01')
  group by user_id
),
installed as (
  select user_id from events
  where event = 'app_install' and ts <= {d7}
  group by user_id
  having min(ts) > {d14}
),
page_views as (
  select user_id from events
  where event = 'page_view' and ts > {d30} and ts <= {now}
    and user_id in (select user_id from r where fu30 >= 2)
  group by user_id
  having count(case when case when contains(properties, '/help') or contains(properties, '\') then coalesce(properties->>'$.path' <> '/help', true) else true end then 1 end) >= 15
),
carts as (
  select user_id, ts from events
  where event = 'add_to_cart' and ts > {d30} and ts <= {now}
),
sequences as (
  select c.user_id
  from carts c join events pv on c.user_id = pv.user_id and c.ts >= pv.ts and c.ts <= pv.ts + interval 1 day
  where pv.event = 'page_view' and pv.ts > {d30} and pv.ts <= {now}
    and (contains(pv.properties, '/pri') or contains(pv.properties, '\'))
  group by c.user_id
  having bool_or(coalesce(starts_with(pv.properties->>'$.path', '/pri'), false))
),
f as (
  select u.*,
    coalesce(s.ss30 >= 1, false) as active,
    coalesce(r.p_last > {d90}, false) and coalesce(s.ss_last <= {d14}, true) as lapsed,
    s.ss30, s.ss60, s.ss_last, r.fu_all, r.st90, r.atc3, r.p_last, r.p2026, r.max2026, r.min365, r.avg365, r.usd365,
    i.user_id is not null as installed, p.user_id is not null as page_views, q.user_id is not null as in_sequence
  from users u
  left join s on s.user_id = u.user_id
  left join r on r.user_id = u.user_id
  left join installed i on i.user_id = u.user_id
  left join page_views p on p.user_id = u.user_id
  left join sequences q on q.user_id = u.user_id
  where u.user_id is not null
)
select user_id,
  active as active_last_30d,
  coalesce(usd365 >= 100 and avg365 > 20, false) and (coalesce(country not in ('BR', 'IN'), true) or coalesce(lifetime_value between 200 and 5000, false)) as big_spenders_usd,
  coalesce(p2026 >= 1 and max2026 > 25 and min365 >= 5 and st90 <= 1, false) and coalesce(ends_with(email, '@example.com'), false) and coalesce(signup_at < timestamp '2026-11-01', false) and (coalesce(lifetime_value > 100 or lifetime_value <= 0, false) or coalesce(plan = 'team', false)) as buyers_2026,
  coalesce(atc3 >= 1, false) and coalesce(p_last <= {d3}, true) and coalesce(marketing_opt_in, false) and email is not null as cart_abandoners,
  coalesce(plan in ('pro', 'team') and lifetime_value >= 300 and ss60 >= 3 and ss_last <= {d7}, false) as high_value_at_risk,
  lapsed as lapsed_payers,
  installed and coalesce(fu_all = 0, true) as new_not_activated,
  coalesce(ss30 >= 10, false) and page_views as power_users,
  coalesce(plan in ('free', 'basic'), false) and active and not lapsed and in_sequence as upsell_candidates,
  case when coalesce(country in ('DE', 'FR', 'ES', 'GB') and platform = 'web' and lifetime_value > 0, false) and coalesce(plan <> 'free', true)
    then coalesce(contains(email, '@example.') and regexp_matches(email, '^[a-z]+\.[a-z]+[0-9]+@example\.com$'), false)
    else false end as web_europe_engaged
from f"#
    )
}
