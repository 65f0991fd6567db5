//! `cdp token` and `cdp user`: a token is shown once and kept only as its hash, works until it is
//! revoked, and names are unique among live tokens; a UI user's password comes from stdin (or a
//! prompt), never the command line, and is kept as a bcrypt hash. On SQLite and PostgreSQL.

use std::io::Write;
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use cdp::ops::{self, Actor, Context};

use crate::common::{NOW, TempProject};

fn context(p: &TempProject, env: &[(&str, &str)]) -> Context {
    let vars: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let project = cdp::project::load_with(p.path(), None, Some(&lookup)).unwrap();
    let now = cdp::syntax::time::instant_from_str(NOW).unwrap();
    Context::new(
        project,
        now,
        Actor {
            name: "auth-test".into(),
            host: "h".into(),
        },
    )
}

/// Runs `cdp user add NAME` with `input` on stdin.
pub(crate) fn user_add(
    p: &TempProject,
    env: &[(&str, &str)],
    name: &str,
    input: &str,
) -> (i32, String) {
    let mut cmd = Command::cargo_bin("cdp").unwrap();
    cmd.arg("--project-dir")
        .arg(p.path())
        .args(["user", "add", name]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tokens_and_users(p: &TempProject, env: &[(&str, &str)]) {
    let made = p.run_env(&["token", "create", "ci-deploy", "--format", "json"], env);
    let made: serde_json::Value = serde_json::from_str(&made.ok().stdout).unwrap();
    let token = made["token"].as_str().unwrap().to_string();
    let id = made["id"].as_str().unwrap().to_string();
    assert!(token.starts_with(&format!("cdp_{id}_")), "{token}");

    // Listed by name and id, never the token; the store keeps its hash only.
    let list = p.run_env(&["token", "list"], env);
    assert!(list.ok().stdout.contains("ci-deploy") && list.stdout.contains(&id));
    assert!(!list.stdout.contains(&token));
    let export = p.run_env(&["state", "export"], env);
    let dump = export.ok().stdout.clone();
    assert!(!dump.contains(&token), "the token itself is never stored");
    assert!(dump.contains(&cdp::auth::token_hash(&token)));

    let again = p.run_env(&["token", "create", "ci-deploy"], env);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("exists already") && again.stderr.contains("token revoke ci-deploy"),
        "{}",
        again.stderr
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let ctx = context(p, env);
    let found = rt.block_on(ops::auth::check_token(&ctx, &token)).unwrap();
    assert_eq!(found.map(|t| t.name).as_deref(), Some("ci-deploy"));
    let forged = format!("{}x", &token[..token.len() - 1]);
    assert!(
        rt.block_on(ops::auth::check_token(&ctx, &forged))
            .unwrap()
            .is_none()
    );

    p.run_env(&["token", "revoke", "ci-deploy"], env).ok();
    assert!(
        rt.block_on(ops::auth::check_token(&ctx, &token))
            .unwrap()
            .is_none(),
        "revoked at once"
    );
    let list = p.run_env(&["token", "list", "--format", "json"], env);
    let list: serde_json::Value = serde_json::from_str(&list.ok().stdout).unwrap();
    assert!(list["tokens"][0]["revoked_at"].is_string());
    assert!(
        list["tokens"][0]["last_used_at"].is_string(),
        "its use was recorded"
    );
    let gone = p.run_env(&["token", "revoke", "ci-deploy"], env);
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("token list"), "{}", gone.stderr);
    p.run_env(&["token", "create", "ci-deploy"], env).ok();

    // UI users: the password from stdin, never an argument; bcrypt-hashed.
    let (code, err) = user_add(p, env, "ana", "correct horse battery\n");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Added `ana`"), "{err}");
    assert!(
        rt.block_on(ops::auth::check_password(
            &ctx,
            "ana",
            "correct horse battery"
        ))
        .unwrap()
    );
    assert!(
        !rt.block_on(ops::auth::check_password(
            &ctx,
            "ana",
            "wrong horse battery"
        ))
        .unwrap()
    );
    assert!(
        !rt.block_on(ops::auth::check_password(
            &ctx,
            "bob",
            "correct horse battery"
        ))
        .unwrap()
    );
    let (code, err) = user_add(p, env, "ana", "staple battery horse\n");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Set the password of `ana`"), "{err}");
    assert!(
        rt.block_on(ops::auth::check_password(
            &ctx,
            "ana",
            "staple battery horse"
        ))
        .unwrap()
    );
    let (code, err) = user_add(p, env, "bob", "short\n");
    assert_eq!(code, 1);
    assert!(err.contains("at least 12 characters"), "{err}");
    let argument = p.run_env(&["user", "add", "bob", "correct horse battery"], env);
    assert_eq!(
        argument.code, 2,
        "a password is never an argument: {}",
        argument.stderr
    );
    let export = p.run_env(&["state", "export"], env);
    assert!(!export.ok().stdout.contains("staple battery horse"));
    let users = p.run_env(&["user", "list"], env);
    assert!(users.ok().stdout.contains("ana") && !users.stdout.contains("bob"));
}

#[test]
fn tokens_and_users_in_the_sqlite_store() {
    tokens_and_users(&TempProject::with("", &[]), &[]);
}

#[test]
fn tokens_and_users_in_the_postgres_store() {
    let Some(admin) = crate::common::postgres_url("auth") else {
        return;
    };
    let db = crate::common::PgDatabase::create(&admin, "auth");
    let p = TempProject::with(
        "environments:\n  dev:\n    state: { url: \"${CDP_T_STATE}\" }\n",
        &[],
    );
    tokens_and_users(&p, &[("CDP_T_STATE", db.url.as_str())]);
}
