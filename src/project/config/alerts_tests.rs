//! `alerts:` blocks read from cdp.yaml: defaults, secrets, and every mistake in one run.

use super::*;
use crate::project::config::parse_config;
use crate::syntax::diagnostic::Diagnostic;

fn vars(name: &str) -> Option<String> {
    match name {
        "SENDGRID_API_KEY" => Some("SG.secret-key".into()),
        "HOOK" => Some("https://hooks.example.com/services/T1/B2/xyz".into()),
        _ => None,
    }
}

/// The spec of environment `dev` (the one in use) and the problems found.
fn alerts(yaml: &str) -> (Option<AlertsSpec>, Vec<Diagnostic>) {
    let text = format!("environments:\n  dev:\n    alerts:\n{yaml}");
    let mut d = Decoder::new("cdp.yaml");
    d.vars = Some(&vars);
    let node = crate::syntax::yaml::parse(&text).unwrap();
    let config = parse_config(&mut d, &node, None);
    let spec = config.environments[0].1.alerts.clone();
    (spec, d.diagnostics)
}

#[test]
fn both_channels_with_their_defaults() {
    let (spec, problems) = alerts(
        "      webhook: { url: \"${HOOK}\" }\n      sendgrid:\n        api_key: \"${SENDGRID_API_KEY}\"\n        from: alerts@acme.com\n        to: [data@acme.com, ops@acme.com]\n",
    );
    assert!(problems.is_empty(), "{problems:?}");
    let spec = spec.unwrap();
    assert_eq!(spec.rejected_threshold, DEFAULT_REJECTED_THRESHOLD);
    let hook = spec.webhook.unwrap();
    assert_eq!(
        hook.url.expose(),
        "https://hooks.example.com/services/T1/B2/xyz"
    );
    assert_eq!(format!("{:?}", hook.url), "****");
    let sg = spec.sendgrid.unwrap();
    assert_eq!(sg.api_key.expose(), "SG.secret-key");
    assert_eq!(sg.endpoint, SENDGRID_ENDPOINT);
    assert_eq!(sg.to, ["data@acme.com", "ops@acme.com"]);
}

#[test]
fn another_environment_keeps_its_references_unread() {
    let text = "environments:\n  dev: {}\n  prod:\n    alerts:\n      webhook: { url: \"${NOT_SET_ANYWHERE}\" }\n      rejected_threshold: 0\n";
    let mut d = Decoder::new("cdp.yaml");
    d.vars = Some(&vars);
    let node = crate::syntax::yaml::parse(text).unwrap();
    let config = parse_config(&mut d, &node, Some("dev"));
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    let prod = config.environments[1].1.alerts.clone().unwrap();
    assert_eq!(prod.rejected_threshold, 0);
    assert_eq!(prod.webhook.unwrap().url.expose(), "${NOT_SET_ANYWHERE}");
}

#[test]
fn every_mistake_is_reported_in_one_run() {
    let (spec, problems) = alerts(
        "      webhok: { url: \"${HOOK}\" }\n      rejected_threshold: -3\n      sendgrid:\n        api_key: SG.literal\n        from: not-an-address\n        to: [ok@acme.com, \"Ops <ops@acme.com>\", OK@acme.com]\n        endpont: http://127.0.0.1:1\n",
    );
    assert!(spec.is_none());
    let found: Vec<(&str, u32, Option<&str>)> = problems
        .iter()
        .map(|p| (p.key.as_str(), p.line, p.hint.as_deref()))
        .collect();
    let keys: Vec<&str> = found.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(
        keys,
        [
            "environments.dev.alerts.webhok",
            "environments.dev.alerts.rejected_threshold",
            "environments.dev.alerts.sendgrid.endpont",
            "environments.dev.alerts.sendgrid.api_key",
            "environments.dev.alerts.sendgrid.from",
            "environments.dev.alerts.sendgrid.to[1]",
            "environments.dev.alerts.sendgrid.to[2]",
        ],
        "{problems:#?}"
    );
    assert_eq!(found[0].2, Some("did you mean `webhook`?"));
    assert_eq!(found[2].2, Some("did you mean `endpoint`?"));
    assert!(found[3].2.unwrap().contains("${SENDGRID_API_KEY}"));
    assert!(
        !problems
            .iter()
            .any(|p| p.message.contains("SG.literal")
                || p.hint.iter().any(|h| h.contains("SG.literal"))),
        "the literal key is never echoed"
    );
}

#[test]
fn an_empty_list_a_missing_key_and_no_channel() {
    let (_, problems) =
        alerts("      sendgrid: { api_key: \"${SENDGRID_API_KEY}\", from: a@b.io, to: [] }\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("`to` is empty"));
    let (_, problems) = alerts("      sendgrid: { from: a@b.io, to: [c@d.io] }\n");
    assert_eq!(problems[0].key, "environments.dev.alerts.sendgrid.api_key");
    let (_, problems) = alerts("      rejected_threshold: 5\n");
    assert!(problems[0].message.contains("no channel"), "{problems:?}");
    let (_, problems) = alerts("      webhook: { url: \"${UNSET_HOOK}\" }\n");
    assert!(problems[0].message.contains("`UNSET_HOOK` is not set"));
    let (_, problems) = alerts("      webhook: { url: \"hooks.example.com/x\" }\n");
    assert!(problems[0].message.contains("http(s) URL"));
}

#[test]
fn addresses() {
    for ok in ["a@b.io", "first.last+tag@mail.example.co.uk"] {
        assert!(is_email(ok), "{ok}");
    }
    for bad in [
        "", "a", "a@b", "@b.io", "a@.io", "a@b..io", "a b@c.io", "<a@b.io>", "a@b.io,",
    ] {
        assert!(!is_email(bad), "{bad}");
    }
}
