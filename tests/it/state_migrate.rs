//! `state migrate`: the store moves SQLite -> PostgreSQL -> SQLite with every export the same;
//! a store with other rows is refused unless `--force` (which writes a backup first); a migration
//! killed with SIGKILL at several moments leaves the source as it was, and a re-run finishes.

use std::path::Path;
use std::time::Instant;

use crate::common::{PgDatabase, TempProject, postgres_url};
use crate::state_fixture;
use crate::sync::{Setup, VIP};

fn export(p: &TempProject, vars: &[(&str, &str)], file: &Path) -> String {
    let out = file.to_string_lossy().into_owned();
    p.run_env(&["state", "export", "-o", &out], vars).ok();
    std::fs::read_to_string(file).unwrap()
}

/// A project whose state store is the SQLite file `db`.
fn on_sqlite(db: &Path) -> TempProject {
    TempProject::with(
        &format!(
            "environments:\n  dev:\n    state: {{ url: \"sqlite://{}\" }}\n",
            db.display()
        ),
        &[],
    )
}

#[test]
fn a_store_migrates_to_postgres_and_back_unchanged() {
    let Some(admin) = postgres_url("state_migrate") else {
        return;
    };
    let db = PgDatabase::create(&admin, "state_migrate");
    let s = Setup::new(300, "", &[("vip.yaml", VIP)]);
    s.run(&["sync"]).ok();
    s.churn(20, 10);
    s.run(&["sync"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let out = dir
        .path()
        .join("sqlite.json")
        .to_string_lossy()
        .into_owned();
    s.run(&["state", "export", "-o", &out]).ok();
    let first = std::fs::read_to_string(&out).unwrap();

    // The URL's password comes from the environment and is never printed.
    let vars = [("CDP_TEST_PG", db.url.as_str())];
    let moved = s.run_with(&["state", "migrate", "--to", "${CDP_TEST_PG}"], vars[0]);
    moved.ok();
    assert!(
        moved.stderr.contains("every table compared"),
        "{}",
        moved.stderr
    );
    assert!(!moved.stderr.contains(":cdp@"), "{}", moved.stderr);
    assert!(moved.stdout.contains("sync_rejections"), "{}", moved.stdout);

    let pg = TempProject::with(
        "environments:\n  dev:\n    state: { url: \"${CDP_TEST_PG}\" }\n",
        &[],
    );
    assert_eq!(export(&pg, &vars, &dir.path().join("pg.json")), first);

    // Again: it finds its own copy and says so, copying nothing.
    let again = s.run_with(&["state", "migrate", "--to", "${CDP_TEST_PG}"], vars[0]);
    again.ok();
    assert!(
        again.stderr.contains("already holds this state"),
        "{}",
        again.stderr
    );

    // And back, into a new SQLite file.
    let back_db = dir.path().join("back.db");
    let to = format!("sqlite://{}", back_db.display());
    pg.run_env(&["state", "migrate", "--to", &to], &vars).ok();
    let back = on_sqlite(&back_db);
    assert_eq!(export(&back, &[], &dir.path().join("back.json")), first);

    // Each store logs what it took part in.
    let log = pg.run_env(&["state", "history", "--format", "json"], &vars);
    let log: serde_json::Value = serde_json::from_str(&log.ok().stdout).unwrap();
    let roles: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    // Newest first: the way back from here; the re-run that found its copy; the copy here.
    assert_eq!(roles, ["source", "target", "target"], "{log}");
    assert_eq!(log[1]["result"], "verified");
    assert_eq!(log[2]["result"], "succeeded");
    assert_eq!(log[2]["tables"], 15);
    let source_log = s.run(&["state", "history", "--format", "json"]);
    let source_log: serde_json::Value = serde_json::from_str(&source_log.ok().stdout).unwrap();
    let results: Vec<&str> = source_log
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["verified", "succeeded"]);
}

#[test]
fn a_target_with_other_rows_is_refused_unless_forced_after_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let source = TempProject::with("", &[]);
    let fixture = dir.path().join("fixture.json");
    state_fixture::write(&fixture, 200, &state_fixture::migrations());
    source
        .run(&["state", "import", &fixture.to_string_lossy()])
        .ok();

    let target_db = dir.path().join("target.db");
    let target = on_sqlite(&target_db);
    target.write(
        "segments/top.yaml",
        "name: top\nrules: { trait: tier, eq: platinum }\n",
    );
    target.run(&["apply", "--auto-approve"]).ok();

    let to = format!("sqlite://{}", target_db.display());
    let refused = source.run(&["state", "migrate", "--to", &to]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("the target store is not empty")
            && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    let before = export(&target, &[], &dir.path().join("before.json"));
    assert!(before.contains("platinum"));

    let forced = source.run(&["state", "migrate", "--to", &to, "--force"]);
    forced.ok();
    let backups: Vec<_> = std::fs::read_dir(source.path().join(".cdp/backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), before);
    let source_export = export(&source, &[], &dir.path().join("source.json"));
    assert_eq!(
        export(&target, &[], &dir.path().join("after.json")),
        source_export
    );

    // Into itself: refused.
    let own = format!("sqlite://{}", source.path().join(".cdp/state.db").display());
    let itself = source.run(&["state", "migrate", "--to", &own]);
    assert_eq!(itself.code, 1, "{}", itself.stderr);
}

/// The target for the kill test: a fresh PostgreSQL database when there is a server, else a
/// SQLite file.
enum Target {
    Pg(PgDatabase),
    Sqlite(std::path::PathBuf),
}

impl Target {
    fn url(&self) -> String {
        match self {
            Target::Pg(db) => db.url.clone(),
            Target::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }
}

#[test]
fn a_migration_killed_at_any_moment_leaves_the_source_whole_and_finishes_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let source = TempProject::with("", &[]);
    let fixture = dir.path().join("fixture.json");
    state_fixture::write(&fixture, 30_000, &state_fixture::migrations());
    source
        .run(&["state", "import", &fixture.to_string_lossy()])
        .ok();
    let original = export(&source, &[], &dir.path().join("original.json"));

    // How long a whole migration takes here, on a target thrown away after.
    let probe = Target::Sqlite(dir.path().join("probe.db"));
    let started = Instant::now();
    source.run(&["state", "migrate", "--to", &probe.url()]).ok();
    let span = started.elapsed();

    for (i, fraction) in [0.15, 0.4, 0.65, 0.9].into_iter().enumerate() {
        let target = match postgres_url("state_migrate_kill") {
            Some(admin) => Target::Pg(PgDatabase::create(&admin, &format!("migrate_kill{i}"))),
            None => Target::Sqlite(dir.path().join(format!("target{i}.db"))),
        };
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cdp"))
            .arg("--project-dir")
            .arg(source.path())
            .args(["state", "migrate", "--to", &target.url()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(span.mul_f64(fraction));
        child.kill().unwrap();
        child.wait().unwrap();

        assert_eq!(
            export(&source, &[], &dir.path().join("source.json")),
            original,
            "the source changed after a kill at {fraction} of the run"
        );
        source
            .run(&["state", "migrate", "--to", &target.url()])
            .ok();
        let check = match &target {
            Target::Pg(_) => TempProject::with(
                "environments:\n  dev:\n    state: { url: \"${CDP_TEST_PG}\" }\n",
                &[],
            ),
            Target::Sqlite(path) => on_sqlite(path),
        };
        let url = target.url();
        let vars = [("CDP_TEST_PG", url.as_str())];
        assert_eq!(
            export(&check, &vars, &dir.path().join("target.json")),
            original,
            "the re-run after a kill at {fraction} did not finish the copy"
        );
    }
}
