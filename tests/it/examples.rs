//! The example projects stay valid, and the CI example's pipeline only runs commands cdp has.

use crate::common::{cdp_in, repo};

#[test]
fn the_ci_example_validates_and_its_fixtures_pass() {
    let dir = repo().join("examples/ci");
    cdp_in(&dir, &["validate"], &[]).ok();
    cdp_in(&dir, &["test"], &[]).ok();
}

#[test]
fn the_ci_pipeline_runs_only_real_cdp_commands() {
    let path = repo().join("examples/ci/.github/workflows/segments.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).expect("the workflow is YAML");
    let jobs = workflow["jobs"].as_object().expect("jobs");
    assert!(
        jobs.len() >= 2,
        "a check job for pull requests and an apply job on merge"
    );
    let mut commands = Vec::new();
    for job in jobs.values() {
        for step in job["steps"].as_array().expect("steps") {
            let Some(script) = step["run"].as_str() else {
                continue;
            };
            for line in script.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                if let Some(at) = words.iter().position(|w| *w == "cdp") {
                    // `cdp [--env E] <command> [<subcommand>] [--flags]`
                    let mut args: Vec<&str> = words[at + 1..]
                        .iter()
                        .take_while(|w| !matches!(**w, ">" | "||" | "&&" | "|"))
                        .copied()
                        .collect();
                    if args.first() == Some(&"--env") {
                        args.drain(..2);
                    }
                    commands.push(args.join(" "));
                }
            }
        }
    }
    for needed in ["validate", "test", "plan", "apply", "refresh"] {
        assert!(
            commands.iter().any(|c| c.split(' ').next() == Some(needed)),
            "the pipeline runs `cdp {needed}`: {commands:?}"
        );
    }
    for c in &commands {
        // Every flag the pipeline passes is one the command accepts.
        let args: Vec<&str> = c.split(' ').collect();
        let sub = args[0];
        for flag in args.iter().filter(|a| a.starts_with("--")) {
            let help = cdp_in(&repo(), &[sub, "--help"], &[]);
            help.ok();
            assert!(help.stdout.contains(flag), "`cdp {sub}` has no `{flag}`");
        }
    }
}
