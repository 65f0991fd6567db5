//! A real S3-compatible server for tests and benchmarks: `s3s-fs` (which checks SigV4
//! signatures and keeps objects as files) found, started on a free loopback port over a
//! temporary folder, its buckets created, and killed when dropped. Each crate that uses it
//! declares it once.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The credentials the server accepts.
pub const ACCESS_KEY: &str = "test";
pub const SECRET_KEY: &str = "testsecret";

/// The `s3s-fs` binary: `CDP_TEST_S3FS`, else on `PATH`, else in `~/.cargo/bin`.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CDP_TEST_S3FS").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let cargo_bin = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin"));
    on_path
        .into_iter()
        .chain(cargo_bin)
        .map(|dir| dir.join("s3s-fs"))
        .find(|p| p.is_file())
}

pub struct S3Server {
    child: Child,
    /// The server's root folder: one folder per bucket, one file per object.
    pub root: tempfile::TempDir,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl S3Server {
    /// Starts the server with `buckets`; `None` when `s3s-fs` is not installed.
    pub fn start(buckets: &[&str]) -> Option<S3Server> {
        let binary = binary()?;
        let root = tempfile::tempdir().expect("temp dir");
        // s3s-fs keeps each bucket as a folder of its root.
        for bucket in buckets {
            std::fs::create_dir_all(root.path().join(bucket)).unwrap();
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", binary.display()));
        let server = S3Server {
            child,
            root,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "s3s-fs did not answer on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    /// The file holding `key` of `bucket`.
    pub fn object_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.path().join(bucket).join(key)
    }

    /// The variables that give cdp's AWS credential chain the server's credentials (and keep
    /// it from asking an instance metadata service).
    pub fn env(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
