//! Destination blocks read from cdp.yaml: hosts, defaults.

use super::*;
use crate::project::config::parse_config;

fn destination(yaml: &str) -> (Option<DestinationConfig>, usize) {
    let text = format!("environments:\n  dev:\n    destinations:\n      d: {yaml}\n");
    let mut d = Decoder::new("cdp.yaml");
    let node = crate::syntax::yaml::parse(&text).unwrap();
    let config = parse_config(&mut d, &node, None);
    let spec = config.environments[0].1.destinations.get("d").cloned();
    (spec.and_then(|s| s.config), d.diagnostics.len())
}

#[test]
fn amplitude_hosts_follow_the_region_unless_given() {
    let base =
        "type: amplitude, api_key: \"${PATH}\", secret_key: \"${PATH}\", app_id: 7, owner: o@x.io";
    let (us, problems) = destination(&format!("{{ {base} }}"));
    assert_eq!(problems, 0);
    let Some(DestinationConfig::Amplitude(us)) = us else {
        panic!()
    };
    assert_eq!(
        (us.endpoint.as_str(), us.ingest_endpoint.as_str()),
        ("https://amplitude.com", "https://api2.amplitude.com")
    );
    let (eu, _) = destination(&format!("{{ {base}, region: eu }}"));
    let Some(DestinationConfig::Amplitude(eu)) = eu else {
        panic!()
    };
    assert_eq!(
        (eu.endpoint.as_str(), eu.ingest_endpoint.as_str()),
        (
            "https://analytics.eu.amplitude.com",
            "https://api.eu.amplitude.com"
        )
    );
    let (own, _) = destination(&format!(
        "{{ {base}, region: eu, endpoint: \"http://127.0.0.1:9/\" }}"
    ));
    let Some(DestinationConfig::Amplitude(own)) = own else {
        panic!()
    };
    assert_eq!(own.endpoint, "http://127.0.0.1:9");
    assert_eq!(own.app_id, "7");
}

#[test]
fn braze_defaults_to_the_documented_attribute_and_cap() {
    let (braze, problems) = destination(
        "{ type: braze, endpoint: \"https://rest.fra-01.braze.eu\", api_key: \"${PATH}\" }",
    );
    assert_eq!(problems, 0);
    let Some(DestinationConfig::Braze(b)) = braze else {
        panic!()
    };
    assert_eq!(
        (b.attribute.as_str(), b.attribute_cap),
        ("cdp_segments", 500)
    );
    assert_eq!((b.rate_limit, b.concurrency), (None, None));
}
