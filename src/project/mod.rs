//! Loading a project folder: `cdp.yaml` and `segments/*.yaml`, checked as a whole.

pub mod config;
pub mod decode;
pub mod diagnostic;
pub mod interpolate;
pub mod secret;
pub mod segment_file;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use config::{Config, Tables, WarehouseConfig};
use decode::Decoder;
use diagnostic::{Diagnostic, did_you_mean};
use segment_file::{Outline, SegmentDef};

use crate::segment::graph;

/// A loaded, valid project for one environment.
#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    pub env: String,
    pub warehouse: WarehouseConfig,
    /// The state store URL of this environment; `None` is the SQLite file `.cdp/state.db`.
    pub state_url: Option<secret::Secret>,
    /// Segments sorted by name.
    pub segments: Vec<SegmentDef>,
}

/// Every problem of a project, with the text of each file for rendering snippets.
#[derive(Debug)]
pub struct Invalid {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the project has {} problem{}", invalid.diagnostics.len(), if invalid.diagnostics.len() == 1 { "" } else { "s" })]
    Invalid { invalid: Invalid },
}

impl Project {
    pub fn segment(&self, name: &str) -> Option<&SegmentDef> {
        self.segments.iter().find(|s| s.name == name)
    }

    pub fn tables(&self) -> &Tables {
        &self.config.tables
    }

    /// A destination of the environment in use, with its secrets resolved.
    pub fn destination(&self, name: &str) -> Option<&config::DestinationConfig> {
        self.config
            .environments
            .iter()
            .find(|(n, _)| *n == self.env)
            .and_then(|(_, e)| e.destinations.get(name))
            .and_then(|d| d.config.as_ref())
    }

    /// Where cdp keeps its local files (`.cdp/`).
    pub fn local_dir(&self) -> PathBuf {
        self.root.join(".cdp")
    }
}

/// Loads and checks the project at `root` for environment `env` (or its `default_env`).
pub fn load(root: &Path, env: Option<&str>) -> Result<Project, LoadError> {
    let mut sources = BTreeMap::new();
    let mut diagnostics = Vec::new();

    let config_path = root.join("cdp.yaml");
    let config_text = match std::fs::read_to_string(&config_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(LoadError::Io {
                path: config_path,
                source,
            });
        }
    };
    let mut d = Decoder::new("cdp.yaml");
    let config = match yaml::parse(&config_text) {
        Ok(node) => config::parse_config(&mut d, &node, env),
        Err(e) => {
            d.syntax(&e);
            let empty = yaml::Node {
                pos: Default::default(),
                value: yaml::Value::Null,
            };
            config::parse_config(&mut d, &empty, env)
        }
    };
    let env_name = env
        .map(str::to_string)
        .unwrap_or_else(|| config.default_env.clone());
    let warehouse = resolve_warehouse(&mut d, &config, &env_name, env.is_some());
    diagnostics.append(&mut d.diagnostics);
    sources.insert("cdp.yaml".to_string(), config_text);

    let mut segments = Vec::new();
    let mut outlines = Vec::new();
    for path in segment_files(root)? {
        let rel = relative(root, &path);
        let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        let mut d = Decoder::new(&rel);
        match yaml::parse(&text) {
            Ok(node) if node.value == yaml::Value::Null => {
                d.report(node.pos, "", "the segment file is empty").hint =
                    Some("a segment needs at least `name:` and `rules:`".into());
            }
            Ok(node) => {
                let (def, outline) = segment_file::parse_segment(&mut d, &node);
                segments.extend(def);
                outlines.extend(outline);
            }
            Err(e) => {
                d.syntax(&e);
            }
        }
        diagnostics.append(&mut d.diagnostics);
        sources.insert(rel, text);
    }
    segments.sort_by(|a, b| a.name.cmp(&b.name));
    check_segments(&outlines, &config, &mut diagnostics);

    if !diagnostics.is_empty() {
        return Err(LoadError::Invalid {
            invalid: Invalid {
                diagnostics,
                sources,
            },
        });
    }
    let state_url = config
        .environments
        .iter()
        .find(|(n, _)| *n == env_name)
        .and_then(|(_, spec)| spec.state_url.clone());
    Ok(Project {
        root: root.to_path_buf(),
        state_url,
        config,
        env: env_name,
        warehouse: warehouse.expect("no diagnostics means the warehouse resolved"),
        segments,
    })
}

fn resolve_warehouse(
    d: &mut Decoder,
    config: &Config,
    env: &str,
    explicit: bool,
) -> Option<WarehouseConfig> {
    let embedded = WarehouseConfig::DuckDb {
        path: None,
        cdp_schema: config::DEFAULT_CDP_SCHEMA.into(),
        memory_limit: config::DEFAULT_DUCKDB_MEMORY.into(),
    };
    match config.environments.iter().find(|(n, _)| n == env) {
        // A warehouse that failed to parse was reported; the project will not be used.
        Some((_, spec)) => Some(spec.warehouse.clone().unwrap_or(embedded)),
        None if env == config::DEFAULT_ENV => Some(embedded),
        None => {
            let names: Vec<&str> = config
                .environments
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            if explicit {
                let diag = d.report(
                    config.environments_at,
                    "environments",
                    format!("environment `{env}` is not declared"),
                );
                diag.hint = did_you_mean(env, names.iter().copied()).or_else(|| {
                    Some(format!(
                        "declared environments: {}",
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    ))
                });
            }
            // An undeclared `default_env` was reported where it is set.
            None
        }
    }
}

fn segment_files(root: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let dir = root.join("segments");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(source) => return Err(LoadError::Io { path: dir, source }),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    Ok(files)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Checks that need every segment: duplicate names, references, cycles, destinations.
fn check_segments(segments: &[Outline], config: &Config, out: &mut Vec<Diagnostic>) {
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
    let declared: BTreeMap<&str, &str> = config
        .environments
        .iter()
        .flat_map(|(_, e)| {
            e.destinations
                .iter()
                .map(|(n, d)| (n.as_str(), d.kind.as_str()))
        })
        .collect();
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

/// One segment from its YAML text, as `apply` recorded it; `file` names it in diagnostics.
pub fn parse_segment_text(file: &str, text: &str) -> Result<SegmentDef, Invalid> {
    let mut d = Decoder::new(file);
    let def = match yaml::parse(text) {
        Ok(node) => segment_file::parse_segment(&mut d, &node).0,
        Err(e) => {
            d.syntax(&e);
            None
        }
    };
    match def {
        Some(def) if d.diagnostics.is_empty() => Ok(def),
        _ => Err(Invalid {
            diagnostics: d.diagnostics,
            sources: BTreeMap::from([(file.to_string(), text.to_string())]),
        }),
    }
}
