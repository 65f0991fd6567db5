//! Snowflake client benchmark.
//!
//! Workload: a 2,000,000-row result (a text id, an integer, a timestamp) served by the local
//! double of the SQL API in partitions of 100,000 rows, read by `cdp query --format csv` into a
//! file; the baseline is the same query by `cdp query` on an embedded DuckDB holding the same
//! table, in the same run (`cargo bench --bench snowflake`; `CDP_BENCH_ROWS` changes the size;
//! without `--bench`, as the test suite runs it, a small size checks that it works). Reports
//! cdp's peak memory (target: under 150 MB), the time against the baseline, and the requests
//! made (target: one per partition, plus the submission).

use std::path::Path;
use std::time::Instant;

#[path = "../tests/support/serve.rs"]
mod serve;
mod support;
use support::{ms, run};

#[path = "../tests/support/snowflake/double.rs"]
mod double;
#[path = "../tests/support/snowflake/translate.rs"]
mod translate;

const PARTITION: usize = 100_000;

/// The double runs in a process of its own: a child's peak memory counts what it inherits from
/// the process that starts it, and the double holds the whole result.
fn serve_double(rows: u64) {
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snowflake");
    let public = std::fs::read_to_string(keys.join("rsa_key.pub")).unwrap();
    let double = double::Double::start(&public, "XY12345.CDP_SERVICE", PARTITION);
    double.setup(&table(rows));
    println!("{}", double.url);
    // Each line asks how many requests the double has received so far; EOF ends it.
    for line in std::io::stdin().lines() {
        if line.is_err() {
            break;
        }
        println!("{}", double.requests());
    }
}

fn table(rows: u64) -> String {
    format!(
        "create table big as select 'u' || lpad(range::varchar, 8, '0') as user_id, range as n, \
         timestamp '2026-01-01' + to_seconds(range) as ts from range({rows})"
    )
}

struct Remote {
    child: std::process::Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Remote {
    fn start(rows: u64) -> (Remote, String) {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .env("CDP_BENCH_SERVE_DOUBLE", rows.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let url = lines.next().unwrap().unwrap();
        (Remote { child, lines }, url)
    }

    fn requests(&mut self) -> u32 {
        use std::io::Write;
        writeln!(self.child.stdin.as_mut().unwrap()).unwrap();
        self.lines.next().unwrap().unwrap().parse().unwrap()
    }
}

fn main() {
    if let Ok(rows) = std::env::var("CDP_BENCH_SERVE_DOUBLE") {
        return serve_double(rows.parse().unwrap());
    }
    let (_, rows) = support::size("CDP_BENCH_ROWS", 2_000_000, 20_000);
    let table = table(rows);
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snowflake");
    let (mut double, url) = Remote::start(rows);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cdp.yaml"),
        format!(
            "environments:\n  dev: {{}}\n  sf:\n    warehouse:\n      type: snowflake\n      account: xy12345\n      user: cdp_service\n      private_key_path: \"{}\"\n      endpoint: \"{}\"\n",
            keys.join("rsa_key.p8").display(),
            url
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join(".cdp")).unwrap();
    let local = duckdb::Connection::open(dir.path().join(".cdp/warehouse.duckdb")).unwrap();
    local.execute_batch(&table).unwrap();
    drop(local);

    let sql = "select user_id, n, ts from big order by n";
    let out = dir.path().join("out.csv");
    let mut times = [Vec::new(), Vec::new()];
    let mut peak = 0;
    let before = double.requests();
    for round in 0..3 {
        for (i, env) in ["dev", "sf"].iter().enumerate() {
            let t = Instant::now();
            let (_, p) = run(
                dir.path(),
                "2026-06-15T00:00:00Z",
                &["--env", env, "query", sql, "--format", "csv"],
                Some(&out),
            );
            times[i].push(t.elapsed());
            if *env == "sf" {
                peak = peak.max(p);
                if round == 0 {
                    let lines = std::fs::read_to_string(&out).unwrap().lines().count() as u64;
                    assert_eq!(lines, rows + 1, "every row arrives");
                }
            }
        }
    }
    let requests = (double.requests() - before) / 3;
    drop(double.child.stdin.take());
    let _ = double.child.wait();
    let partitions = (rows as usize).div_ceil(PARTITION) as u32;
    let [local_t, sf_t] = times.map(|mut t| {
        t.sort();
        t[1]
    });
    println!("workload: {rows} rows in {partitions} partitions of {PARTITION}");
    println!(
        "cdp query --format csv: Snowflake double {:.0} ms, embedded DuckDB {:.0} ms = {:.2}x",
        ms(sf_t),
        ms(local_t),
        sf_t.as_secs_f64() / local_t.as_secs_f64()
    );
    println!(
        "peak memory of cdp reading from the double: {} MB (target < 150 MB)",
        peak / 1024
    );
    println!(
        "requests per query: {requests} for {partitions} partitions (target: one per partition, plus the submission)"
    );
    assert_eq!(
        requests, partitions,
        "the first partition comes with the submission"
    );
}
