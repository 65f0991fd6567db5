//! Assets benchmark.
//!
//! Workload: 10,000 small PNG files (about 1 KB each; `CDP_BENCH_ASSETS` changes the count;
//! without `--bench`, as the test suite runs it, 300) in a project's local asset folder, copied
//! by `cdp assets migrate` to a real S3-compatible server on loopback (`s3s-fs`, started here;
//! the benchmark says so and stops when it is not installed):
//! - the migration as cdp runs it (16 copies in flight) into one bucket, against the baseline,
//!   measured in the same run: the same migration one copy at a time (`--jobs 1`) into another
//!   bucket. Target: at least 5x the files per second of the baseline;
//! - cdp's peak resident memory during the concurrent migration (target: under 100 MB), read
//!   from `wait4`'s resource usage of the finished process;
//! - the same migration again, which copies nothing: its time;
//! - both migrations again through a proxy that holds each of the server's answers for 2 ms,
//!   as a network between cdp and S3 would: on loopback, cdp and the server share the
//!   machine's cores and no request waits on a wire, so the first ratio is bounded by the
//!   number of cores; the second shows what several in flight buy when requests do wait.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "../tests/support/s3.rs"]
mod s3;
// Only its listener; the axum server is for the doubles of other benchmarks.
#[allow(dead_code)]
#[path = "../tests/support/serve.rs"]
mod serve;
mod support;
use support::{ms, run};

const NOW: &str = "2026-06-15T12:00:00Z";

fn main() {
    let (bench, files) = support::size("CDP_BENCH_ASSETS", 10_000, 300);
    let buckets = ["concurrent", "serial", "concurrent-rtt", "serial-rtt"];
    let Some(server) = s3::S3Server::start(&buckets) else {
        println!(
            "skipped: s3s-fs is not installed (`cargo install s3s-fs@0.14.1 --features binary --locked`, or set CDP_TEST_S3FS)"
        );
        return;
    };
    // The children cdp runs inherit these; nothing else runs yet.
    for (name, value) in server.env() {
        unsafe { std::env::set_var(name, value) };
    }
    let distant = delaying_proxy(&server.endpoint, Duration::from_millis(2));
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("environments:\n  dev: {}\n");
    for bucket in buckets {
        let endpoint = if bucket.ends_with("-rtt") {
            &distant
        } else {
            &server.endpoint
        };
        config.push_str(&format!(
            "  {bucket}:\n    assets: {{ s3: {{ bucket: {bucket}, endpoint: \"{endpoint}\" }} }}\n"
        ));
    }
    std::fs::write(dir.path().join("cdp.yaml"), config).unwrap();
    let folder = dir.path().join(".cdp/assets");
    std::fs::create_dir_all(&folder).unwrap();
    let mut bytes_total = 0;
    for i in 0..files {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend((0..1_000u32).map(|j| (i as u32).wrapping_mul(31).wrapping_add(j) as u8));
        bytes.extend(format!("{i}").bytes());
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        bytes_total += bytes.len();
        std::fs::write(folder.join(format!("{sha}.png")), &bytes).unwrap();
    }

    let migrate = |to: &str, extra: &[&str]| {
        let mut args = vec!["assets", "migrate", "--to", to, "--format", "json"];
        args.extend(extra);
        let started = Instant::now();
        let (out, peak) = run(dir.path(), NOW, &args, None);
        let took = started.elapsed();
        let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
        (report, took, peak)
    };
    let (serial, serial_took, serial_peak) = migrate("serial", &["--jobs", "1"]);
    let (concurrent, took, peak) = migrate("concurrent", &[]);
    let (again, again_took, _) = migrate("concurrent", &[]);
    let (serial_rtt, serial_rtt_took, _) = migrate("serial-rtt", &["--jobs", "1"]);
    let (concurrent_rtt, rtt_took, _) = migrate("concurrent-rtt", &[]);
    for report in [&serial, &concurrent, &serial_rtt, &concurrent_rtt] {
        assert_eq!(report["copied"], files, "every file copied: {report}");
    }
    assert_eq!(again["copied"], 0, "nothing copied again: {again}");
    assert_eq!(again["skipped"], files);
    for entry in std::fs::read_dir(&folder).unwrap() {
        let entry = entry.unwrap();
        let sent = std::fs::read(entry.path()).unwrap();
        for bucket in buckets {
            let stored =
                std::fs::read(server.object_path(bucket, &entry.file_name().to_string_lossy()));
            assert_eq!(
                stored.ok().as_ref(),
                Some(&sent),
                "{bucket}: {:?}",
                entry.file_name()
            );
        }
    }

    let rate = |d: Duration| files as f64 / d.as_secs_f64();
    let ratio = rate(took) / rate(serial_took);
    println!(
        "workload: {files} PNG files of about 1 KB ({:.1} MB) from a local folder to s3s-fs on loopback",
        bytes_total as f64 / 1e6
    );
    println!(
        "cdp assets migrate, 16 in flight: {:.1} s = {:.0} files/s; peak memory {} MB (target < 100 MB)",
        took.as_secs_f64(),
        rate(took),
        peak / 1024
    );
    println!(
        "baseline, same run, one at a time (--jobs 1): {:.1} s = {:.0} files/s; peak memory {} MB",
        serial_took.as_secs_f64(),
        rate(serial_took),
        serial_peak / 1024
    );
    println!("concurrent / one at a time = {ratio:.2}x the files per second (target >= 5x)");
    println!(
        "the same migration again: {:.0} ms, {} copied, {} skipped",
        ms(again_took),
        again["copied"],
        again["skipped"]
    );
    println!(
        "through a proxy holding each answer 2 ms: 16 in flight {:.1} s = {:.0} files/s; one at a time {:.1} s = {:.0} files/s; = {:.2}x",
        rtt_took.as_secs_f64(),
        rate(rtt_took),
        serial_rtt_took.as_secs_f64(),
        rate(serial_rtt_took),
        rate(rtt_took) / rate(serial_rtt_took)
    );
    assert!(
        peak / 1024 < 100 || !bench,
        "peak memory {} MB",
        peak / 1024
    );
}

/// A TCP proxy to `endpoint` (`http://host:port`) that holds each chunk of the server's
/// answers for `delay` before passing it on; returns its own `http://` address.
fn delaying_proxy(endpoint: &str, delay: Duration) -> String {
    let upstream = endpoint.trim_start_matches("http://").to_string();
    serve::listen(move |listener| async move {
        loop {
            let (client, _) = listener.accept().await.unwrap();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
                });
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n @ 1..) = from_server.read(&mut buf).await {
                    tokio::time::sleep(delay).await;
                    if to_client.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    })
}
