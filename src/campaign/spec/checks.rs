//! Checks across campaign files: each campaign's name is its own, and the destination its
//! exposures go to is an Amplitude destination of `cdp.yaml`.

use super::CampaignDef;
use crate::syntax::diagnostic::{Diagnostic, did_you_mean};

pub fn check_campaigns(campaigns: &[CampaignDef]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, c) in campaigns.iter().enumerate() {
        if let Some(first) = campaigns[..i].iter().find(|o| o.name == c.name) {
            out.push(
                Diagnostic::new(
                    &c.file,
                    c.name_pos,
                    "name",
                    format!("campaign `{}` is declared twice", c.name),
                )
                .hint(format!(
                    "`{}` declares it too; give each campaign its own name",
                    first.file
                )),
            );
        }
    }
    out
}

/// Each campaign's `exposures.to` against the destinations declared (name, type).
pub fn check_exposures(
    campaigns: &[CampaignDef],
    declared: &std::collections::BTreeMap<&str, &str>,
) -> Vec<Diagnostic> {
    let amplitude: Vec<&str> = declared
        .iter()
        .filter(|(_, kind)| **kind == "amplitude")
        .map(|(n, _)| *n)
        .collect();
    campaigns
        .iter()
        .filter_map(|c| c.exposures.as_ref().map(|x| (c, x)))
        .filter(|(_, x)| !amplitude.contains(&x.to.as_str()))
        .map(|(c, x)| {
            let what = if declared.contains_key(x.to.as_str()) {
                format!("`{}` is not an Amplitude destination", x.to)
            } else {
                format!("unknown destination `{}`", x.to)
            };
            Diagnostic::new(&c.file, x.to_pos, "exposures.to", what).maybe_hint(
                did_you_mean(&x.to, amplitude.iter().copied()).or_else(|| {
                    Some("exposures go to a `type: amplitude` destination declared under an environment's `destinations:` in cdp.yaml".into())
                }),
            )
        })
        .collect()
}
