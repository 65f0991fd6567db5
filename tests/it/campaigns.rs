//! Campaign files: the demo's campaign is valid, and realistic mistakes are each placed at their
//! file, line, column and key with a hint, every one of them in one run.

use crate::common::TempProject;

const SEGMENT: &str = "name: active\nrules:\n  event: session_start\n  within: 30d\n";

/// A valid campaign, with `{}` replaced by the case's change.
pub(crate) const CAMPAIGN: &str = "name: spring
audience: active
holdout: 10%
offer:
  items:
    - { sku: pro_annual, title: Pro annual, price: 79.99, currency: USD, image: offer.svg }
message:
  via: braze
  campaign_id: \"${BRAZE_CAMPAIGN_ID}\"
  trigger_properties: { sku: \"{{ offer.sku }}\", image_url: \"{{ offer.image_url }}\" }
goal: { event: purchase, within: 14d, revenue: amount }
";

pub(crate) const SVG: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>\n";

fn project(campaign: &str) -> TempProject {
    let p = TempProject::with("", &[("active.yaml", SEGMENT)]);
    p.write("offer.svg", SVG);
    p.write("campaigns/spring.yaml", campaign);
    p
}

#[test]
fn the_demo_campaign_is_valid_and_counted() {
    let p = TempProject::demo();
    let out = p.run(&["validate"]);
    out.ok();
    assert!(out.stdout.contains("1 campaign valid"), "{}", out.stdout);
    let ok = project(CAMPAIGN).run(&["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&ok.ok().stdout).unwrap();
    assert_eq!(v["campaigns"], 1);
}

#[test]
fn every_campaign_mistake_is_placed_in_one_run() {
    let text = CAMPAIGN
        .replace("audience: active", "audience: actve")
        .replace("holdout: 10%", "holdout: 10")
        .replace("image: offer.svg", "image: ofer.svg")
        .replace("{{ offer.sku }}", "{{ offer.skus }}")
        .replace("currency: USD", "currency: usd")
        .replace("within: 14d", "within: 2 weeks")
        .replace("via: braze", "via: brase");
    let p = project(&text);
    let out = p.run(&["validate", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json on stdout");
    let found: Vec<(String, String, bool)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                format!("{}:{}", p["file"].as_str().unwrap(), p["line"]),
                p["key"].as_str().unwrap().to_string(),
                p["hint"].is_string() || p["expected"].is_string(),
            )
        })
        .collect();
    let keys: Vec<&str> = found.iter().map(|(_, k, _)| k.as_str()).collect();
    for key in [
        "audience",
        "holdout",
        "offer.items[0].currency",
        "offer.items[0].image",
        "message.via",
        "message.trigger_properties.sku",
        "goal.within",
    ] {
        assert!(keys.contains(&key), "{key} not reported: {found:?}");
    }
    assert!(
        found
            .iter()
            .all(|(at, _, helped)| at.starts_with("campaigns/spring.yaml:") && *helped),
        "{found:?}"
    );
    let text = p.run(&["validate"]).stderr;
    for hint in [
        "did you mean `active`?",
        "did you mean `offer.sku`?",
        "did you mean `braze`?",
        "did you mean `offer.svg`?",
    ] {
        assert!(text.contains(hint), "{hint} missing:\n{text}");
    }
}

#[test]
fn an_image_that_is_not_an_image_or_two_braze_targets_are_refused() {
    let p = project(&CAMPAIGN.replace(
        "campaign_id: \"${BRAZE_CAMPAIGN_ID}\"",
        "campaign_id: \"${BRAZE_CAMPAIGN_ID}\"\n  canvas_id: \"${BRAZE_CANVAS_ID}\"",
    ));
    p.write("offer.svg", "not an image at all\n");
    let out = p.run(&["validate"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("`campaign_id` and `canvas_id` are both set"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("offer.svg"), "{}", out.stderr);
    let dup = project(CAMPAIGN);
    dup.write("campaigns/again.yaml", CAMPAIGN);
    let out = dup.run(&["validate"]);
    assert!(
        out.stderr.contains("campaign `spring` is declared twice"),
        "{}",
        out.stderr
    );
}

#[test]
fn exposures_must_go_to_an_amplitude_destination_of_the_project() {
    let config = "environments:\n  dev:\n    destinations:\n      \
                  amplitude: { type: amplitude, endpoint: \"https://amplitude.com\", api_key: \"${T_KEY}\", secret_key: \"${T_KEY}\", app_id: 1, owner: a@b.test }\n      \
                  braze: { type: braze, endpoint: \"https://rest.iad-01.braze.com\", api_key: \"${T_KEY}\" }\n";
    let p = TempProject::with(config, &[("active.yaml", SEGMENT)]);
    p.write("offer.svg", SVG);
    p.write(
        "campaigns/spring.yaml",
        &format!("{CAMPAIGN}exposures: {{ to: amplitud }}\n"),
    );
    p.write(
        "campaigns/other.yaml",
        &format!(
            "{}exposures: {{ to: braze }}\n",
            CAMPAIGN.replace("name: spring", "name: other")
        ),
    );
    let env = [("T_KEY", "not-a-real-key")];
    let out = p.run_env(&["validate"], &env);
    assert_eq!(out.code, 1, "{}", out.snapshot());
    assert!(
        out.stderr.contains("unknown destination `amplitud`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `amplitude`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`braze` is not an Amplitude destination"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("campaigns/spring.yaml:"),
        "{}",
        out.stderr
    );
    p.write(
        "campaigns/spring.yaml",
        &format!("{CAMPAIGN}exposures: {{ to: amplitude, event: offer_seen }}\n"),
    );
    p.write(
        "campaigns/other.yaml",
        &CAMPAIGN.replace("name: spring", "name: other"),
    );
    p.run_env(&["validate"], &env).ok();
}
