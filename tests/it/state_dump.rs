//! `state export` and `state import`: after plan, apply, refresh and sync history exists, the
//! store moves SQLite -> PostgreSQL -> SQLite and every export is byte for byte the same; a
//! changed file, another format or a store that is not empty is refused and nothing is written.

use crate::common::{PgDatabase, TempProject, postgres_url};
use crate::sync::{Setup, VIP};

fn export(p: &TempProject, vars: &[(&str, &str)], file: &std::path::Path) -> String {
    let out = file.to_string_lossy().into_owned();
    p.run_env(&["state", "export", "-o", &out], vars).ok();
    std::fs::read_to_string(file).unwrap()
}

fn export_setup(s: &Setup, file: &std::path::Path) -> String {
    let out = file.to_string_lossy().into_owned();
    s.run(&["state", "export", "-o", &out]).ok();
    std::fs::read_to_string(file).unwrap()
}

/// A store with applies, refreshes, syncs and a destination's cohort.
fn history() -> Setup {
    let s = Setup::new(300, "", &[("vip.yaml", VIP)]);
    s.run(&["sync"]).ok();
    s.churn(20, 10);
    s.run(&["sync"]).ok();
    s
}

#[test]
fn a_store_moves_to_postgres_and_back_unchanged() {
    let Some(admin) = postgres_url("state_dump") else {
        return;
    };
    let db = PgDatabase::create(&admin, "state_dump");
    let s = history();
    let dir = tempfile::tempdir().unwrap();
    let first = export_setup(&s, &dir.path().join("sqlite.json"));
    let doc: serde_json::Value = serde_json::from_str(&first).unwrap();
    for table in [
        "definitions",
        "runs",
        "snapshots",
        "audit",
        "syncs",
        "destination_objects",
    ] {
        assert!(
            !doc["tables"][table]["rows"].as_array().unwrap().is_empty(),
            "{table} is empty"
        );
    }

    let pg = TempProject::with(
        "environments:\n  dev:\n    state: { url: \"${CDP_TEST_PG}\" }\n",
        &[],
    );
    let vars = [("CDP_TEST_PG", db.url.as_str())];
    let file = dir
        .path()
        .join("sqlite.json")
        .to_string_lossy()
        .into_owned();
    pg.run_env(&["state", "import", &file], &vars).ok();
    let second = export(&pg, &vars, &dir.path().join("pg.json"));
    assert_eq!(first, second, "SQLite and PostgreSQL exports differ");

    // Back into a new SQLite store.
    let back = TempProject::with("", &[]);
    let pg_file = dir.path().join("pg.json").to_string_lossy().into_owned();
    back.run(&["state", "import", &pg_file]).ok();
    assert_eq!(export(&back, &[], &dir.path().join("back.json")), first);

    // The imported store carries on: new runs and audit entries take new ids.
    pg.write(
        "segments/top.yaml",
        "name: top\nrules: { trait: tier, eq: platinum }\n",
    );
    pg.run_env(&["apply", "--auto-approve"], &vars).ok();
    let after: serde_json::Value =
        serde_json::from_str(&export(&pg, &vars, &dir.path().join("after.json"))).unwrap();
    let audit = after["tables"]["audit"]["rows"].as_array().unwrap();
    assert!(audit.len() > doc["tables"]["audit"]["rows"].as_array().unwrap().len());
}

#[test]
fn a_changed_file_or_a_store_with_rows_is_refused() {
    let s = history();
    let dir = tempfile::tempdir().unwrap();
    let text = export_setup(&s, &dir.path().join("a.json"));
    let file = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        path.to_string_lossy().into_owned()
    };

    // Into the store it came from: not empty.
    let same = file("same.json", &text);
    let out = s.run(&["state", "import", &same]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("the target store is not empty"),
        "{}",
        out.stderr
    );

    let fresh = TempProject::with("", &[]);
    let tampered = file("tampered.json", &text.replacen("\"vip\"", "\"vop\"", 1));
    let out = fresh.run(&["state", "import", &tampered]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("does not match its checksum"),
        "{}",
        out.stderr
    );

    let other = file(
        "format.json",
        &text.replacen("\"format\":1", "\"format\":9", 1),
    );
    let out = fresh.run(&["state", "import", &other]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("the export's format is 9"),
        "{}",
        out.stderr
    );

    let cut = file("cut.json", &text[..text.len() / 2]);
    let out = fresh.run(&["state", "import", &cut]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("not a cdp state export"),
        "{}",
        out.stderr
    );

    // Nothing was written by the refusals: the fresh store still takes the whole export.
    let good = file("good.json", &text);
    fresh.run(&["state", "import", &good]).ok();
    assert_eq!(export(&fresh, &[], &dir.path().join("b.json")), text);
}
