//! Checks across the files of a project: duplicate names, references and cycles between
//! segments, and the destinations segments name.

use std::collections::BTreeMap;

use super::config::Config;
use crate::segment::file::{self as segment_file, Outline};
use crate::segment::graph;
use crate::syntax::decode;
use crate::syntax::diagnostic::{Diagnostic, did_you_mean};

/// Checks that need every segment: duplicate names, references, cycles, destinations.
pub(super) fn check_segments(segments: &[Outline], config: &Config, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &Outline> = BTreeMap::new();
    for s in segments {
        if let Some(first) = seen.get(s.name.as_str()) {
            out.push(
                Diagnostic::new(
                    &s.file,
                    s.name_pos,
                    "name",
                    format!("segment `{}` is defined twice", s.name),
                )
                .hint(format!(
                    "it is also defined in {}:{}:{}; rename one of them",
                    first.file, first.name_pos.line, first.name_pos.column
                )),
            );
        } else {
            seen.insert(&s.name, s);
        }
    }
    let names: Vec<&str> = seen.keys().copied().collect();
    for s in segments {
        for (target, pos, key) in &s.references {
            if !seen.contains_key(target.as_str()) {
                out.push(
                    Diagnostic::new(&s.file, *pos, key, format!("unknown segment `{target}`"))
                        .maybe_hint(did_you_mean(target, names.iter().copied()).or_else(|| {
                            Some("reference a segment defined under `segments/`".into())
                        })),
                );
            } else if *target == s.name {
                out.push(
                    Diagnostic::new(
                        &s.file,
                        *pos,
                        key,
                        format!("segment `{}` refers to itself", s.name),
                    )
                    .hint("a segment cannot contain itself; remove this rule"),
                );
            }
        }
        check_destinations(s, config, out);
    }
    check_attribute_caps(segments, config, out);
    let edges = segments.iter().map(|s| {
        (
            s.name.as_str(),
            s.references.iter().map(|r| r.0.as_str()).collect(),
        )
    });
    for cycle in graph::cycles(edges) {
        let first = segments
            .iter()
            .find(|s| s.name == cycle[0])
            .expect("cycle members exist");
        let (pos, key) = first
            .references
            .iter()
            .find(|(t, _, _)| *t == cycle[1 % cycle.len()])
            .map(|(_, p, k)| (*p, k.clone()))
            .unwrap_or((first.name_pos, "rules".into()));
        let mut chain = cycle.clone();
        chain.push(cycle[0].clone());
        out.push(
            Diagnostic::new(
                &first.file,
                pos,
                &key,
                format!(
                    "segments refer to each other in a cycle: {}",
                    chain.join(" -> ")
                ),
            )
            .hint("break the cycle: one of these segments must not depend on the others"),
        );
    }
}

fn check_destinations(s: &Outline, config: &Config, out: &mut Vec<Diagnostic>) {
    let declared = config.declared_destinations();
    for dest in &s.destinations {
        let key = format!("destinations[{}]", dest.index);
        let Some(kind) = declared.get(dest.to.as_str()) else {
            out.push(
                Diagnostic::new(
                    &s.file,
                    dest.pos,
                    &format!("{key}.to"),
                    format!("unknown destination `{}`", dest.to),
                )
                .maybe_hint(
                    did_you_mean(&dest.to, declared.keys().copied()).or_else(|| {
                        let names: Vec<String> =
                            declared.keys().map(|n| format!("`{n}`")).collect();
                        Some(if names.is_empty() {
                            "declare it under an environment's `destinations:` in cdp.yaml".into()
                        } else {
                            format!(
                                "declared: {}; or declare it under an environment's `destinations:` in cdp.yaml",
                                names.join(", ")
                            )
                        })
                    }),
                ),
            );
            continue;
        };
        let modes: &[&str] = match *kind {
            "braze" => &["attribute", "subscription_group"],
            _ => &["cohort", "user_property"],
        };
        if !modes.contains(&dest.mode.as_str()) {
            out.push(
                Diagnostic::new(
                    &s.file,
                    dest.pos,
                    &format!("{key}.as"),
                    format!("`{}` cannot receive a segment `as: {}`", dest.to, dest.mode),
                )
                .expected(decode::one_of(modes))
                .maybe_hint(did_you_mean(&dest.mode, modes.iter().copied())),
            );
            continue;
        }
        let group = dest.mode == "subscription_group";
        if group != dest.subscription_group_id.is_some() {
            let (path, message, hint) = if group {
                (
                    "subscription_group_id",
                    "`as: subscription_group` needs `subscription_group_id`".to_string(),
                    "copy the group's id from Braze (Audience > Subscriptions)",
                )
            } else {
                (
                    "subscription_group_id",
                    format!(
                        "`subscription_group_id` applies only to `as: subscription_group`, not `as: {}`",
                        dest.mode
                    ),
                    "remove it, or write `as: subscription_group`",
                )
            };
            out.push(
                Diagnostic::new(&s.file, dest.pos, &format!("{key}.{path}"), message).hint(hint),
            );
        }
        if dest.property.is_some() && dest.mode != "user_property" {
            out.push(
                Diagnostic::new(
                    &s.file,
                    dest.pos,
                    &format!("{key}.property"),
                    format!(
                        "`property` applies only to `as: user_property`, not `as: {}`",
                        dest.mode
                    ),
                )
                .hint("remove it, or write `as: user_property`"),
            );
        }
    }
}

/// Braze drops the oldest value of an array attribute past the workspace's cap: a user in more
/// segments than that would silently lose some.
fn check_attribute_caps(segments: &[Outline], config: &Config, out: &mut Vec<Diagnostic>) {
    for (_, env) in &config.environments {
        for (name, spec) in &env.destinations {
            let Some((attribute, cap)) = &spec.attribute_cap else {
                continue;
            };
            let senders: Vec<(&Outline, &segment_file::DestinationRef)> = segments
                .iter()
                .flat_map(|s| s.destinations.iter().map(move |d| (s, d)))
                .filter(|(_, d)| d.to == *name && d.mode == "attribute")
                .collect();
            if senders.len() as u64 > u64::from(*cap)
                && let Some((s, d)) = senders.last()
            {
                let diagnostic = Diagnostic::new(
                        &s.file,
                        d.pos,
                        "destinations",
                        format!(
                            "{} segments go to `{name}` as values of `{}`, more than its cap of {}: a user in all of them would lose the oldest",
                            senders.len(),
                            attribute,
                            cap
                        ),
                    )
                    .hint("raise `attribute_cap` if your Braze workspace allows more items, or declare a second Braze destination with another `attribute` for some segments");
                // The same destination declared in several environments is one problem.
                if !out.iter().any(|o| o.message == diagnostic.message) {
                    out.push(diagnostic);
                }
            }
        }
    }
}
