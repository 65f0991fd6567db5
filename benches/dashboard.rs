//! Dashboard export benchmark.
//!
//! Workload: `cdp demo seed` with 1,000,000 users over 90 days (about 22 million events) and a
//! ten-tile dashboard over it (two numbers, three lines, two bars, a pie, an area, and two
//! tables of 50,000 rows each: 100,000 table rows in all); `cargo bench --bench dashboard` (set
//! `CDP_BENCH_USERS` to change the size; without `--bench`, as `cargo test --all-targets` runs
//! it, a small size checks that it works). It reports, each against a baseline measured in the
//! same run:
//! - rendering the PDF and the workbook against the tile queries themselves: `dashboard export`
//!   (queries, every row streamed into the workbook, the PDF drawn) minus `dashboard run` (the
//!   same queries, the rows a renderer keeps), over `dashboard run`; medians of 5 alternating
//!   rounds (target: under 1). The export's own split (queries, Excel, PDF) is printed too;
//! - peak memory of exporting one table tile of 2,000,000 rows to xlsx, against exporting the
//!   same tile cut to 1,000 rows (target: under 300 MB, and close to the small one).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

mod support;
use support::{ms, run};

const NOW: &str = "2026-06-15T00:00:00Z";

fn dashboard(table_rows: u64) -> String {
    format!(
        r#"name: bench
title: Benchmark
params: {{ days: 30 }}
tiles:
  - {{ id: users, chart: number, sql: "select count(*) as users from users", layout: {{ x: 0, y: 0, w: 3, h: 2 }} }}
  - {{ id: events, chart: number, sql: "select count(*) as events from events where ts >= {{{{ now }}}} - interval '{{{{ days }}}} days'", layout: {{ x: 3, y: 0, w: 3, h: 2 }} }}
  - id: dau
    chart: line
    sql: "select cast(date_trunc('day', ts) as date) as day, count(distinct user_id) as users from events where event = 'session_start' group by 1 order by 1"
    x: day
    y: users
    layout: {{ x: 0, y: 2, w: 6, h: 4 }}
  - id: by_name
    chart: bar
    sql: "select event, count(*) as n from events group by 1 order by 2 desc"
    x: event
    y: n
    layout: {{ x: 6, y: 2, w: 6, h: 4 }}
  - {{ id: plans, chart: pie, sql: "select plan, count(*) as users from users group by 1 order by 2 desc", x: plan, y: users, layout: {{ x: 0, y: 6, w: 4, h: 4 }} }}
  - id: signups
    chart: area
    sql: "select cast(date_trunc('week', signup_at) as date) as week, count(*) as signups from users group by 1 order by 1"
    x: week
    y: signups
    layout: {{ x: 4, y: 6, w: 8, h: 4 }}
  - id: by_platform
    chart: line
    sql: "select cast(date_trunc('day', e.ts) as date) as day, u.platform, count(*) as sessions from events e join users u using (user_id) where e.event = 'session_start' and e.ts >= {{{{ now }}}} - interval '{{{{ days }}}} days' group by 1, 2 order by 1, 2"
    x: day
    y: sessions
    series: platform
    layout: {{ x: 0, y: 10, w: 6, h: 4 }}
  - id: revenue
    chart: bar
    sql: "select u.country, sum(cast(e.properties->>'amount' as double)) as revenue from events e join users u using (user_id) where e.event = 'purchase' group by 1 order by 2 desc"
    x: country
    y: revenue
    format: {{ revenue: {{ currency: USD }} }}
    layout: {{ x: 6, y: 10, w: 6, h: 4 }}
  - id: purchases
    chart: table
    sql: "select ts, user_id, properties->>'sku' as sku, cast(properties->>'amount' as double) as amount from events where event = 'purchase' order by ts desc limit {table_rows}"
    layout: {{ x: 0, y: 14, w: 12, h: 8 }}
  - id: top_users
    chart: table
    sql: "select user_id, email, country, plan, lifetime_value, signup_at from users order by lifetime_value desc, user_id limit {table_rows}"
    layout: {{ x: 0, y: 22, w: 12, h: 8 }}
"#
    )
}

fn big(name: &str, rows: u64) -> String {
    format!(
        "name: {name}\ntiles:\n  - {{ id: events, chart: table, sql: \"select user_id, event, ts, properties from events order by ts limit {rows}\" }}\n"
    )
}

/// Runs an export and returns its wall time and its own split (queries, Excel, PDF) in ms.
fn export(dir: &Path, name: &str, extra: &[&str]) -> (f64, String) {
    let out = dir.join("out");
    let t = Instant::now();
    let done = Command::new(env!("CARGO_BIN_EXE_cdp"))
        .arg("--project-dir")
        .arg(dir)
        .args(["--no-progress", "dashboard", "export", name, "-o"])
        .arg(&out)
        .args(extra)
        .env("CDP_NOW", NOW)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("cdp runs");
    let wall = ms(t.elapsed());
    let stderr = String::from_utf8_lossy(&done.stderr).into_owned();
    assert!(done.status.success(), "export failed: {stderr}");
    let split = stderr.lines().last().unwrap_or_default().to_string();
    (wall, split)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let (bench, users) = support::size("CDP_BENCH_USERS", 1_000_000, 3_000);
    let scale = users as f64 / 1_000_000.0;
    let table_rows = ((50_000.0 * scale) as u64).max(100);
    let big_rows = ((2_000_000.0 * scale) as u64).max(1_000);

    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("cdp.yaml"), dir.path().join("cdp.yaml")).unwrap();
    std::fs::create_dir_all(dir.path().join("dashboards")).unwrap();
    std::fs::write(
        dir.path().join("dashboards/bench.yaml"),
        dashboard(table_rows),
    )
    .unwrap();
    std::fs::write(dir.path().join("dashboards/big.yaml"), big("big", big_rows)).unwrap();
    std::fs::write(
        dir.path().join("dashboards/small.yaml"),
        big("small", 1_000),
    )
    .unwrap();
    let n = users.to_string();
    run(
        dir.path(),
        NOW,
        &["demo", "seed", "--users", &n, "--days", "90"],
        None,
    );

    // Warm the file cache once, then alternate.
    run(
        dir.path(),
        NOW,
        &["dashboard", "run", "bench", "--format", "json"],
        None,
    );
    let (mut runs, mut exports) = (Vec::new(), Vec::new());
    let mut split = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        run(
            dir.path(),
            NOW,
            &["dashboard", "run", "bench", "--format", "json"],
            None,
        );
        runs.push(ms(t.elapsed()));
        let (wall, s) = export(dir.path(), "bench", &[]);
        exports.push(wall);
        split = s;
    }
    let (run_ms, export_ms) = (median(runs), median(exports));
    let rendering = (export_ms - run_ms).max(0.0);
    println!(
        "dashboard of 10 tiles, {} table rows ({users} users): run {run_ms:.0} ms, export {export_ms:.0} ms",
        table_rows * 2
    );
    println!(
        "  rendering (export - run) / queries (run): {:.2}x ({rendering:.0} / {run_ms:.0} ms; target under 1)",
        rendering / run_ms
    );
    println!("  the export's own split: {split}");

    let (_, peak_small) = run(
        dir.path(),
        NOW,
        &[
            "dashboard",
            "export",
            "small",
            "--format",
            "xlsx",
            "-o",
            &dir.path().join("out").to_string_lossy(),
        ],
        None,
    );
    let t = Instant::now();
    let (_, peak_big) = run(
        dir.path(),
        NOW,
        &[
            "dashboard",
            "export",
            "big",
            "--format",
            "xlsx",
            "-o",
            &dir.path().join("out").to_string_lossy(),
        ],
        None,
    );
    let big_ms = ms(t.elapsed());
    let size = std::fs::metadata(dir.path().join("out").join("big.xlsx"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "xlsx of one tile of {big_rows} rows: {big_ms:.0} ms, {:.1} MB file, peak {} MB (1,000 rows: {} MB; target under 300 MB)",
        size as f64 / 1e6,
        peak_big / 1024,
        peak_small / 1024
    );
    if bench {
        assert!(peak_big / 1024 < 300, "peak memory {} MB", peak_big / 1024);
    }
}
