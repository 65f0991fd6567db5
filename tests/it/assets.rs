//! `cdp assets`: uploads checked and content-addressed, listings, URLs, and migrations between a
//! local folder and a real S3-compatible server on loopback (`s3s-fs`), killed and resumed.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::{TempProject, s3_server};
use crate::s3server::S3Server;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

fn png(n: usize) -> Vec<u8> {
    let mut bytes = PNG.to_vec();
    bytes.extend(format!("IHDR pixels of image {n}").bytes());
    bytes
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes bytes (images are not text) to `rel` in the project.
fn put(p: &TempProject, rel: &str, bytes: &[u8]) {
    let path = p.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn keys_listed(p: &TempProject, args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let mut all = args.to_vec();
    all.extend(["assets", "list", "--format", "json"]);
    let out = p.run_env(&all, env);
    out.ok();
    json(&out.stdout)["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn local_uploads_are_checked_listed_and_addressed() {
    let p = TempProject::with(
        "environments:\n  dev:\n    assets: { max_bytes: 100 }\n  cdn:\n    assets: { local: { path: public, public_base_url: \"https://cdn.example.com/offers/\" } }\n",
        &[],
    );
    let logo = png(1);
    let svg =
        b"<?xml version=\"1.0\"?>\n<!-- logo -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n";
    put(&p, "img/logo.png", &logo);
    put(&p, "img/badge.svg", svg);
    put(&p, "img/gif.png", b"GIF89a pretending");
    put(&p, "img/notes.txt", b"hello");
    put(&p, "img/big.png", &[PNG, &[b'x'; 200]].concat());
    let dir = p.path().to_string_lossy().to_string();
    let file = |name: &str| format!("{dir}/img/{name}");

    let refused = p.run(&["assets", "upload", &file("logo.png"), &file("gif.png")]);
    assert_eq!(refused.code, 1, "{}", refused.snapshot());
    assert!(
        refused
            .stderr
            .contains("gif.png` holds a GIF image, not the PNG its name says"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("hint: rename the file to end in `.gif`")
    );
    let big = p.run(&["assets", "upload", &file("big.png")]);
    assert_eq!(big.code, 1);
    assert!(
        big.stderr
            .contains("is 208 bytes, over the limit of 100 bytes"),
        "{}",
        big.stderr
    );
    assert!(big.stderr.contains("raise `max_bytes`"));
    let text = p.run(&["assets", "upload", &file("notes.txt")]);
    assert_eq!(text.code, 1);
    assert!(
        text.stderr
            .contains("is not a PNG, JPEG, GIF, WebP or SVG file by its name")
    );
    // Nothing was uploaded by the refused runs.
    assert!(keys_listed(&p, &[], &[]).is_empty());

    let up = p.run(&[
        "assets",
        "upload",
        &file("logo.png"),
        &file("badge.svg"),
        "--format",
        "json",
    ]);
    up.ok();
    let report = json(&up.stdout);
    let logo_key = format!("{}.png", sha(&logo));
    let svg_key = format!("{}.svg", sha(svg));
    assert_eq!(report["uploaded"][0]["key"], logo_key.as_str());
    assert_eq!(report["uploaded"][1]["key"], svg_key.as_str());
    assert_eq!(report["uploaded"][1]["content_type"], "image/svg+xml");
    assert_eq!(report["uploaded"][0]["stored"], true);
    let again = p.run(&["assets", "upload", &file("logo.png"), "--format", "json"]);
    assert_eq!(json(&again.ok().stdout)["uploaded"][0]["stored"], false);
    let table = p.run(&["assets", "upload", &file("logo.png")]);
    assert!(table.ok().stdout.contains(&logo_key));

    let listed = p.run(&["assets", "list", "--format", "json"]);
    let listed = json(&listed.ok().stdout);
    let mut expected = [(logo_key.clone(), logo.len()), (svg_key.clone(), svg.len())];
    expected.sort();
    for (i, (key, size)) in expected.iter().enumerate() {
        assert_eq!(listed["assets"][i]["key"], key.as_str());
        assert_eq!(listed["assets"][i]["size"], *size as u64);
        assert!(listed["assets"][i]["uploaded_at"].is_string());
    }

    // No public address: a file URL of the object, which holds the bytes uploaded.
    let url = p.run(&["assets", "url", &logo_key]);
    let url = url.ok().stdout.trim().to_string();
    let path = url.strip_prefix("file://").expect("a file URL");
    assert!(path.ends_with(&format!(".cdp/assets/{logo_key}")), "{url}");
    assert_eq!(std::fs::read(path).unwrap(), logo);
    let missing = p.run(&["assets", "url", &format!("{}.png", "0".repeat(64))]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("no asset"), "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("hint: `cdp assets list` shows the keys")
    );
    let escape = p.run(&["assets", "url", "../cdp.yaml"]);
    assert!(escape.stderr.contains("`../cdp.yaml` is not an asset key"));

    // A migration names an environment of cdp.yaml, other than the one in use.
    let unknown = p.run(&["assets", "migrate", "--to", "cdnn"]);
    assert_eq!(unknown.code, 1, "{}", unknown.snapshot());
    assert!(
        unknown
            .stderr
            .contains("environment `cdnn` is not declared"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("hint: did you mean `cdn`?"),
        "{}",
        unknown.stderr
    );
    let itself = p.run(&["assets", "migrate", "--to", "dev"]);
    assert_eq!(itself.code, 1);
    assert!(
        itself
            .stderr
            .contains("cannot migrate assets from environment `dev` to itself")
    );

    // Published by a CDN: its address.
    let cdn = p.run(&["--env", "cdn", "assets", "upload", &file("logo.png")]);
    cdn.ok();
    assert!(p.path().join("public").join(&logo_key).is_file());
    let url = p.run(&["--env", "cdn", "assets", "url", &logo_key]);
    assert_eq!(
        url.ok().stdout.trim(),
        format!("https://cdn.example.com/offers/{logo_key}")
    );
}

#[test]
fn the_assets_block_is_checked_like_the_rest_of_the_config() {
    let p = TempProject::with(
        "environments:\n  dev:\n    assets: { local: {}, s3: { bucket: b } }\n  a:\n    assets: { locl: { path: x } }\n  b:\n    assets: { path: old/shape }\n  c:\n    assets: { s3: { bucket: b, regoin: eu-west-1 }, max_bytes: lots }\n  d:\n    assets: { s3: { prefix: p/ } }\n",
        &[],
    );
    let out = p.run(&["validate"]);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    for expected in [
        "error: `assets` has both `local` and `s3`\n  --> cdp.yaml:3:26",
        "hint: keep one: `local: { path }` for a folder",
        "unknown key `locl` in `assets`",
        "hint: did you mean `local`?",
        "unknown key `path` in `assets`\n  --> cdp.yaml:7:15",
        "unknown key `regoin` in `s3`",
        "hint: did you mean `region`?",
        "`max_bytes` must be a positive size",
        "missing required key `bucket`",
    ] {
        assert!(
            out.stderr.contains(expected),
            "{expected} missing:\n{}",
            out.stderr
        );
    }
}

/// A project whose `dev` keeps assets in its folder and whose `s3` environment uses the
/// server, its bucket and endpoint given by variables.
fn s3_project(extra: &str) -> TempProject {
    TempProject::with(
        &format!(
            "environments:\n  dev: {{}}\n  s3:\n    assets: {{ s3: {{ bucket: \"${{CDP_T_BUCKET}}\", prefix: offers/, endpoint: \"${{CDP_T_ENDPOINT}}\" }} }}\n  mirror:\n    assets: {{ local: {{ path: mirror }} }}\n{extra}"
        ),
        &[],
    )
}

fn server_env<'a>(server: &'a S3Server, bucket: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut env = server.env();
    env.extend([
        ("CDP_T_BUCKET", bucket),
        ("CDP_T_ENDPOINT", server.endpoint.as_str()),
    ]);
    env
}

/// `n` distinct PNG files in the project's local asset folder, under their keys; returns the
/// keys and bytes.
fn seed_local(p: &TempProject, n: usize) -> Vec<(String, Vec<u8>)> {
    let dir = p.path().join(".cdp/assets");
    std::fs::create_dir_all(&dir).unwrap();
    (0..n)
        .map(|i| {
            let bytes = png(i);
            let key = format!("{}.png", sha(&bytes));
            std::fs::write(dir.join(&key), &bytes).unwrap();
            (key, bytes)
        })
        .collect()
}

fn assert_intact(server: &S3Server, bucket: &str, objects: &[(String, Vec<u8>)]) {
    for (key, bytes) in objects {
        let path = server.object_path(bucket, &format!("offers/{key}"));
        let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&stored, bytes, "{key}");
    }
}

#[test]
fn s3_upload_list_presign_and_fetch() {
    let Some(server) = s3_server("upload_list_presign", &["offers"]) else {
        return;
    };
    let p = s3_project("");
    let env = server_env(&server, "offers");
    let logo = png(7);
    put(&p, "logo.png", &logo);
    let file = p.path().join("logo.png").to_string_lossy().to_string();
    let up = p.run_env(
        &["--env", "s3", "assets", "upload", &file, "--format", "json"],
        &env,
    );
    let key = format!("{}.png", sha(&logo));
    assert_eq!(json(&up.ok().stdout)["uploaded"][0]["key"], key.as_str());
    assert_eq!(
        std::fs::read(server.object_path("offers", &format!("offers/{key}"))).unwrap(),
        logo
    );

    let listed = p.run_env(&["--env", "s3", "assets", "list", "--format", "json"], &env);
    let listed = json(&listed.ok().stdout);
    assert_eq!(listed["location"], "s3://offers/offers/");
    assert_eq!(listed["assets"][0]["key"], key.as_str());
    assert_eq!(listed["assets"][0]["size"], logo.len() as u64);
    assert_eq!(listed["assets"][0]["content_type"], "image/png");

    let url = p.run_env(
        &[
            "--env",
            "s3",
            "assets",
            "url",
            &key,
            "--expires",
            "10m",
            "--format",
            "json",
        ],
        &env,
    );
    let url = json(&url.ok().stdout);
    assert_eq!(url["expires_in_seconds"], 600);
    let url = url["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/offers/offers/{key}?", server.endpoint)),
        "{url}"
    );
    assert!(url.contains("X-Amz-Expires=600"), "{url}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = cdp::http::client(Duration::from_secs(10)).unwrap();
    let (status, kind, body) = rt.block_on(async {
        let r = http.get(&url).send().await.unwrap();
        let kind = r.headers()["content-type"].to_str().unwrap().to_string();
        (r.status().as_u16(), kind, r.bytes().await.unwrap().to_vec())
    });
    assert_eq!((status, kind.as_str()), (200, "image/png"));
    assert_eq!(body, logo);
    // The signature covers the URL: changed, it is refused.
    let tampered = url.replace("X-Amz-Expires=600", "X-Amz-Expires=6000");
    let status = rt.block_on(async { http.get(&tampered).send().await.unwrap().status().as_u16() });
    assert_eq!(status, 403);
}

#[test]
fn s3_migrations_copy_once_verify_and_go_back() {
    let Some(server) = s3_server("migrate_thousand", &["offers"]) else {
        return;
    };
    let p = s3_project("");
    let env = server_env(&server, "offers");
    let objects = seed_local(&p, 1_000);

    let dry = p.run_env(
        &[
            "assets",
            "migrate",
            "--to",
            "s3",
            "--dry-run",
            "--format",
            "json",
        ],
        &env,
    );
    let dry = json(&dry.ok().stdout);
    assert_eq!(dry["to_copy"].as_array().unwrap().len(), 1_000);
    assert_eq!(dry["copied"], 0);
    assert!(
        !server
            .object_path("offers", &format!("offers/{}", objects[0].0))
            .exists()
    );

    let first = p.run_env(
        &["assets", "migrate", "--to", "s3", "--format", "json"],
        &env,
    );
    let first = json(&first.ok().stdout);
    assert_eq!(
        (
            first["objects"].clone(),
            first["copied"].clone(),
            first["skipped"].clone()
        ),
        (1_000.into(), 1_000.into(), 0.into())
    );
    assert_intact(&server, "offers", &objects);

    let again = p.run_env(
        &["assets", "migrate", "--to", "s3", "--format", "json"],
        &env,
    );
    let again = json(&again.ok().stdout);
    assert_eq!(
        (again["copied"].clone(), again["skipped"].clone()),
        (0.into(), 1_000.into())
    );

    // One more file: a dry run names it alone, and prints nothing else on stdout.
    let extra = seed_local(&p, 1_001).pop().unwrap();
    let dry = p.run_env(&["assets", "migrate", "--to", "s3", "--dry-run"], &env);
    assert_eq!(dry.ok().stdout, format!("{}\n", extra.0));

    let first_extra = p.run_env(
        &["assets", "migrate", "--to", "s3", "--format", "json"],
        &env,
    );
    assert_eq!(json(&first_extra.ok().stdout)["copied"], 1);

    // And back: from the bucket to another folder, every file whole.
    let back = p.run_env(
        &[
            "--env", "s3", "assets", "migrate", "--to", "mirror", "--format", "json",
        ],
        &env,
    );
    assert_eq!(json(&back.ok().stdout)["copied"], 1_001);
    for (key, bytes) in objects.iter().chain([&extra]) {
        assert_eq!(
            &std::fs::read(p.path().join("mirror").join(key)).unwrap(),
            bytes
        );
    }
    // A damaged copy (same size, other bytes) is found by its checksum and copied again.
    let (key, bytes) = &objects[3];
    let mut damaged = bytes.clone();
    damaged[10] ^= 1;
    std::fs::write(p.path().join("mirror").join(key), &damaged).unwrap();
    let repair = p.run_env(
        &[
            "--env", "s3", "assets", "migrate", "--to", "mirror", "--format", "json",
        ],
        &env,
    );
    let repair = json(&repair.ok().stdout);
    assert_eq!(
        (repair["copied"].clone(), repair["skipped"].clone()),
        (1.into(), 1_000.into()),
        "{repair}"
    );
    assert_eq!(
        &std::fs::read(p.path().join("mirror").join(key)).unwrap(),
        bytes
    );
}

#[test]
fn s3_migration_killed_midway_resumes_with_every_object_intact() {
    let Some(server) = s3_server("migrate_killed", &["offers"]) else {
        return;
    };
    let p = s3_project("");
    let env = server_env(&server, "offers");
    let objects = seed_local(&p, 1_000);
    let stored = || {
        std::fs::read_dir(server.object_path("offers", "offers"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
                    .count()
            })
            .unwrap_or(0)
    };
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cdp"));
    cmd.arg("--project-dir")
        .arg(p.path())
        .args(["assets", "migrate", "--to", "s3", "--jobs", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    while stored() < 100 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the migration did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL: no chance to finish what is in flight.
    child.kill().unwrap();
    child.wait().unwrap();
    let before = stored();
    assert!(
        before < objects.len(),
        "the migration finished before it was killed"
    );

    let resumed = p.run_env(
        &["assets", "migrate", "--to", "s3", "--format", "json"],
        &env,
    );
    let resumed = json(&resumed.ok().stdout);
    let copied = resumed["copied"].as_u64().unwrap();
    let skipped = resumed["skipped"].as_u64().unwrap();
    assert_eq!(copied + skipped, 1_000);
    assert!(
        skipped as usize >= before - 2,
        "{resumed}: {before} were there"
    );
    assert!(copied > 0);
    assert_intact(&server, "offers", &objects);
    let listed = keys_listed(&p, &["--env", "s3"], &env);
    assert_eq!(listed.len(), 1_000);
}

#[test]
fn s3_wrong_credentials_and_a_missing_bucket_say_what_to_fix() {
    let Some(server) = s3_server("errors", &["offers"]) else {
        return;
    };
    let p = s3_project("");
    put(&p, "logo.png", &png(1));
    let file = p.path().join("logo.png").to_string_lossy().to_string();
    let wrong = "wr0ng-s3cret-value";
    let mut env = server_env(&server, "offers");
    env.retain(|(k, _)| *k != "AWS_SECRET_ACCESS_KEY");
    env.push(("AWS_SECRET_ACCESS_KEY", wrong));
    for args in [
        vec!["--env", "s3", "assets", "list"],
        vec!["--env", "s3", "assets", "upload", file.as_str()],
        vec!["assets", "migrate", "--to", "s3"],
    ] {
        let out = p.run_env(&args, &env);
        assert_eq!(out.code, 1, "{}", out.snapshot());
        // A listing's answer names the code; a HEAD's has no body, only its status.
        assert!(out.stderr.contains("HTTP 403"), "{}", out.stderr);
        assert!(
            out.stderr
                .contains("hint: check the AWS credentials cdp finds"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains(wrong) && !out.stdout.contains(wrong));
    }
    // (s3s-fs, unlike S3, stores a PUT to a missing bucket: a listing finds it missing.)
    let env = server_env(&server, "no-such-bucket");
    for args in [
        vec!["--env", "s3", "assets", "list"],
        vec!["assets", "migrate", "--to", "s3"],
    ] {
        let out = p.run_env(&args, &env);
        assert_eq!(out.code, 1, "{}", out.snapshot());
        assert!(
            out.stderr.contains("bucket `no-such-bucket`"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("NoSuchBucket (HTTP 404)"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("hint: create the bucket"),
            "{}",
            out.stderr
        );
    }
    // The target's variables are resolved: one not set is named, in its place.
    let unset: Vec<_> = server.env();
    let out = p.run_env(&["assets", "migrate", "--to", "s3"], &unset);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        out.stderr
            .contains("environment variable `CDP_T_BUCKET` is not set"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--> cdp.yaml:4:"), "{}", out.stderr);
    for out in [&out.stdout, &out.stderr] {
        assert!(!out.contains(crate::s3server::SECRET_KEY));
    }
}
