//! A `cdp daemon` child process for tests: started on port 0 with its environment and options,
//! its stderr (the log) kept, asked over HTTP with a token, stopped with SIGTERM or SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

pub struct DaemonProc {
    pub child: Child,
    pub url: String,
    /// Every line it wrote on stderr so far.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl DaemonProc {
    /// The daemon of a test project, at the tests' fixed instant.
    pub fn start(p: &crate::common::TempProject) -> DaemonProc {
        DaemonProc::spawn(p.path(), &[], &[("CDP_NOW", crate::common::NOW)])
    }

    pub fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> DaemonProc {
        let mut cmd = Command::cargo_bin("cdp").unwrap();
        cmd.arg("--project-dir")
            .arg(dir)
            .args(["daemon", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        let url = loop {
            let line = lines
                .next()
                .expect("the daemon said where it listens")
                .unwrap();
            log.lock().unwrap().push(line.clone());
            if let Some(url) = line.strip_prefix("listening on ") {
                break url.to_string();
            }
        };
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        DaemonProc { child, url, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// (status, JSON body) of a GET, with the token when given.
    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.call("GET", path, token)
    }

    /// The body of a GET as text, with the token.
    pub fn text(&self, path: &str, token: &str) -> String {
        let url = format!("{}{path}", self.url);
        let token = token.to_string();
        crate::common::on_own_runtime(async move {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let r = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.text().await.unwrap()
        })
    }

    /// (status, body as text) of a request with these headers, as a browser would send it.
    pub fn page(&self, method: &str, path: &str, headers: &[(&str, String)]) -> (u16, String) {
        let url = format!("{}{path}", self.url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        crate::common::on_own_runtime(async move {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let mut request = reqwest::Client::new().request(method, url);
            for (k, v) in headers {
                request = request.header(k, v);
            }
            let r = request.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        })
    }

    /// (status, JSON body) of a request, with the token when given.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let token = token.map(str::to_string);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        crate::common::on_own_runtime(async move {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let mut request = reqwest::Client::new().request(method, url);
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(Value::Null))
        })
    }

    /// The jobs the state store has of one key, oldest first.
    pub fn jobs(&self, key: &str, token: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/api/v1/jobs?job={key}&limit=1000"), Some(token));
        assert_eq!(status, 200, "{body}");
        let mut jobs = body["jobs"].as_array().cloned().unwrap_or_default();
        jobs.reverse();
        jobs
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, and its exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        // SAFETY: a signal to our own child, which is still running.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for DaemonProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits up to `secs` for `check` to give something.
pub fn within<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let begun = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(begun.elapsed().as_secs() < secs, "after {secs}s: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A token made with the command line.
pub fn token(p: &crate::common::TempProject, env: &[(&str, &str)]) -> String {
    let made = p.run_env(&["token", "create", "test", "--format", "json"], env);
    serde_json::from_str::<Value>(&made.ok().stdout).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// How often the daemon reads its schedules again.
pub const RELOAD: Duration = Duration::from_secs(5);

/// The Redis server for tests, when configured; records that a Redis test ran.
pub fn redis_url(test: &str) -> Option<String> {
    let Some(url) = std::env::var("CDP_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped {test}: CDP_TEST_REDIS_URL is not set");
        return None;
    };
    if let Ok(dir) = std::env::var("CDP_TEST_MARKERS") {
        let _ = std::fs::write(Path::new(&dir).join(format!("redis-{test}")), "ran");
    }
    Some(url)
}
