//! A `cdp daemon` child process for the benchmarks and what they read of it: its address, its
//! resident memory and CPU time from `/proc`, and the latencies of many keep-alive clients.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Daemon {
    pub child: Child,
    pub url: String,
}

impl Daemon {
    /// Starts `cdp daemon` on port 0 with `env` (and the environment of this process, but not
    /// `CDP_NOW`: a daemon runs on the clock); returns once it listens. Its log is read and
    /// dropped, so that a full pipe never stops it.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Daemon {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdp"));
        cmd.arg("--project-dir")
            .arg(dir)
            .args(["--no-progress", "daemon", "--listen", "127.0.0.1:0"])
            .args(["--lock-ttl", "10s"])
            .env_remove("CDP_NOW")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("cdp daemon runs");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("the daemon says where it listens");
            if let Some(url) = line.unwrap().strip_prefix("listening on ") {
                break url.to_string();
            }
        };
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        Daemon { child, url }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then waits for it to finish its job and stop.
    pub fn stop(mut self) {
        // SAFETY: a signal to our own child, not yet reaped.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of `pid` in KiB: in all, anonymous, and file-backed (`/proc/PID/status`).
pub fn rss(pid: u32) -> (u64, u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or(0)
    };
    (kib("VmRSS:"), kib("RssAnon:"), kib("RssFile:"))
}

/// CPU time of `pid` (user and system) in clock ticks, from `/proc/PID/stat`.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // After the command's closing parenthesis: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Clock ticks a second (`_SC_CLK_TCK`).
pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

/// The `n` largest resident mappings of `pid` by file (anonymous ones together), in KiB.
pub fn largest_mappings(pid: u32, n: usize) -> Vec<(String, u64)> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap();
    let mut by: std::collections::BTreeMap<String, u64> = Default::default();
    let mut name = String::new();
    for line in smaps.lines() {
        let mut parts = line.split_whitespace();
        let first = parts.next().unwrap_or_default();
        if first.contains('-') && !first.ends_with(':') {
            let path = parts.nth(4).unwrap_or("[anonymous]");
            name = Path::new(path)
                .file_name()
                .map_or(path.into(), |f| f.to_string_lossy().into_owned());
        } else if first == "Rss:" {
            *by.entry(name.clone()).or_default() += parts.next().unwrap().parse::<u64>().unwrap();
        }
    }
    let mut all: Vec<_> = by.into_iter().collect();
    all.sort_by_key(|(_, kib)| std::cmp::Reverse(*kib));
    all.truncate(n);
    all
}

/// What a load run measured: each answered request's latency, the requests that were not
/// answered 200 (with the first such answer), and the run's wall time.
pub struct Load {
    pub latencies: Vec<Duration>,
    pub errors: usize,
    pub first_error: Option<String>,
    pub wall: Duration,
}

impl Load {
    /// The latency at quantile `q` (nearest rank), in ms.
    pub fn at(&self, q: f64) -> f64 {
        let rank = ((q * self.latencies.len() as f64).ceil() as usize).max(1);
        crate::support::ms(self.latencies[rank.min(self.latencies.len()) - 1])
    }

    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}

/// A client keeping its connections alive, sending `header` with every request (a token or a
/// session cookie) and following no redirect.
pub fn client(header: (&str, &str)) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::HeaderName::from_bytes(header.0.as_bytes()).unwrap(),
        header.1.parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `clients` concurrent clients, each sending GETs one after another for `time` (client `c`'s
/// `i`th request goes to `paths[(c + i) % len]`), after a warm-up request each that opens its
/// connection and is not counted.
pub async fn load(
    client: &reqwest::Client,
    base: &str,
    paths: &[String],
    clients: usize,
    time: Duration,
) -> Load {
    let urls: Arc<Vec<String>> = Arc::new(paths.iter().map(|p| format!("{base}{p}")).collect());
    let get = |c: reqwest::Client, url: String| async move {
        let t = Instant::now();
        let answer = c.get(url).send().await.unwrap();
        let status = answer.status();
        let body = answer.bytes().await.unwrap();
        let failed =
            (status != 200).then(|| format!("{status}: {}", String::from_utf8_lossy(&body)));
        (t.elapsed(), failed)
    };
    let warm: Vec<_> = (0..clients)
        .map(|c| tokio::spawn(get(client.clone(), urls[c % urls.len()].clone())))
        .collect();
    for w in warm {
        w.await.unwrap();
    }
    let begun = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (client, urls) = (client.clone(), urls.clone());
            tokio::spawn(async move {
                let mut out = Vec::new();
                let mut i = c;
                while begun.elapsed() < time {
                    out.push(get(client.clone(), urls[i % urls.len()].clone()).await);
                    i += 1;
                }
                out
            })
        })
        .collect();
    let mut load = Load {
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
        wall: Duration::ZERO,
    };
    for t in tasks {
        for (latency, failed) in t.await.unwrap() {
            match failed {
                None => load.latencies.push(latency),
                Some(e) => {
                    load.errors += 1;
                    load.first_error.get_or_insert(e);
                }
            }
        }
    }
    load.wall = begun.elapsed();
    load.latencies.sort();
    load
}

/// Logs in to the UI as `user` (the login form first, for its CSRF cookie and field); the
/// `Cookie` header of the session.
pub async fn login(base: &str, user: &str, password: &str) -> String {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookies = |r: &reqwest::Response| -> Vec<String> {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .collect()
    };
    let form = c.get(format!("{base}/login")).send().await.unwrap();
    let jar = cookies(&form).join("; ");
    let page = form.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let rest = &page[page.find(marker).expect("a CSRF field") + marker.len()..];
    let csrf = &rest[..rest.find('"').unwrap()];
    let done = c
        .post(format!("{base}/login"))
        .header("cookie", jar)
        .form(&[
            ("user", user),
            ("password", password),
            ("csrf", csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303, "logged in");
    cookies(&done).join("; ")
}
