//! Helpers shared by the integration tests: temporary projects, running the binary, PostgreSQL.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A fixed instant, so windows and snapshots do not move with the clock.
pub const NOW: &str = "2026-06-15T12:00:00Z";

pub struct TempProject {
    pub dir: TempDir,
}

impl TempProject {
    pub fn empty() -> Self {
        TempProject {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A project with `cdp.yaml` and the given segment files.
    pub fn with(config: &str, segments: &[(&str, &str)]) -> Self {
        let p = Self::empty();
        p.write("cdp.yaml", config);
        for (name, text) in segments {
            p.write(&format!("segments/{name}"), text);
        }
        p
    }

    /// A copy of the repository's demo project.
    pub fn demo() -> Self {
        let p = Self::empty();
        p.write(
            "cdp.yaml",
            &std::fs::read_to_string(repo().join("cdp.yaml")).unwrap(),
        );
        for folder in ["segments", "dashboards", "campaigns", "assets/offers"] {
            for entry in std::fs::read_dir(repo().join(folder)).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                p.write(
                    &format!("{folder}/{name}"),
                    &std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Runs `cdp` in this project at the fixed instant; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        cdp_in(self.path(), args, env)
    }
}

/// Runs `cdp` on the project at `dir` at the fixed instant; returns (exit code, stdout, stderr).
pub fn cdp_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::cargo_bin("cdp").expect("binary");
    cmd.arg("--project-dir")
        .arg(dir)
        .args(args)
        .env("CDP_NOW", NOW)
        .env_remove("CDP_ENV");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Exit code, stdout and stderr together, as snapshots record them.
    pub fn snapshot(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "cdp failed:\n{}", self.snapshot());
        self
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The PostgreSQL server for tests, when configured; records that a PostgreSQL test ran.
pub fn postgres_url(test: &str) -> Option<String> {
    let url = std::env::var("CDP_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    if let Ok(dir) = std::env::var("CDP_TEST_MARKERS") {
        let _ = std::fs::write(Path::new(&dir).join(format!("postgres-{test}")), "ran");
    }
    Some(url)
}

/// The S3-compatible server for tests (`s3s-fs`), started with `buckets`, when it is installed;
/// records that an S3 test ran.
pub fn s3_server(test: &str, buckets: &[&str]) -> Option<crate::s3server::S3Server> {
    let Some(server) = crate::s3server::S3Server::start(buckets) else {
        eprintln!(
            "skipped {test}: s3s-fs is not installed (`cargo install s3s-fs@0.14.1 --features binary --locked`, or set CDP_TEST_S3FS)"
        );
        return None;
    };
    if let Ok(dir) = std::env::var("CDP_TEST_MARKERS") {
        let _ = std::fs::write(Path::new(&dir).join(format!("s3-{test}")), "ran");
    }
    Some(server)
}

/// Runs `work` to its end on a runtime of its own, in a thread of its own, so that sync and
/// async tests alike can wait for it.
pub fn on_own_runtime<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    })
    .join()
    .expect("the work finished")
}

/// A fresh database on the test server, dropped when the guard goes.
pub struct PgDatabase {
    pub url: String,
    admin: String,
    name: String,
}

impl PgDatabase {
    pub fn create(admin_url: &str, test: &str) -> PgDatabase {
        let name = format!("cdp_t_{}_{}", test, std::process::id());
        let (admin, db) = (admin_url.to_string(), name.clone());
        on_own_runtime(async move {
            {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("admin connection");
                for sql in [
                    format!("drop database if exists {db} with (force)"),
                    format!("create database {db}"),
                ] {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut c)
                        .await
                        .unwrap();
                }
            }
        });
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(admin_url);
        PgDatabase {
            url: format!("{base}/{name}"),
            admin: admin_url.to_string(),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "drop database if exists {name} with (force)"
                    )))
                    .execute(&mut c)
                    .await;
                }
            });
        })
        .join();
    }
}
