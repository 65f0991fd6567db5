//! What the benchmarks share: running the cdp binary and measuring its peak memory.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Whether this is a real benchmark run (`cargo bench`) and its size: the variable `var` when
/// set, else `full` under `--bench` and `small` when `cargo test --all-targets` checks that the
/// benchmark works.
pub fn size(var: &str, full: u64, small: u64) -> (bool, u64) {
    let bench = std::env::args().any(|a| a == "--bench");
    let n = std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { full } else { small });
    (bench, n)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs the cdp binary; returns its stdout and peak resident memory in KiB.
pub fn run(dir: &Path, now: &str, args: &[&str], stdout_file: Option<&Path>) -> (Vec<u8>, u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdp"));
    cmd.arg("--project-dir")
        .arg(dir)
        .arg("--no-progress")
        .args(args)
        .env("CDP_NOW", now)
        .stderr(Stdio::inherit());
    match stdout_file {
        Some(f) => cmd.stdout(std::fs::File::create(f).unwrap()),
        None => cmd.stdout(Stdio::piped()),
    };
    // Reaped by `wait4` below, which also reports its peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("cdp runs");
    let pid = child.id();
    let mut out = Vec::new();
    let reader = child.stdout.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut s, &mut buf).unwrap();
            buf
        })
    });
    // wait4 reports the child's peak resident set size, which polling /proc could miss.
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid as libc::pid_t);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "cdp {args:?} failed"
    );
    let peak = usage.ru_maxrss as u64;
    if let Some(r) = reader {
        out = r.join().unwrap();
    }
    (out, peak)
}
