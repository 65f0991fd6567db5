//! Loading a project folder: `cdp.yaml`, `segments/*.yaml`, `dashboards/*.yaml` and
//! `campaigns/*.yaml`, checked as a whole.

mod assets_of;
mod checks;
pub mod config;
pub mod interpolate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::campaign::spec::{self as campaign_spec, CampaignDef};
use crate::dashboard::spec::{self as dashboard_spec, DashboardDef};
use crate::secret;
use crate::segment::file::{self as segment_file, SegmentDef};
use crate::syntax::decode::Decoder;
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml;
use config::{Config, Tables, WarehouseConfig};

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
    /// Dashboards sorted by name.
    pub dashboards: Vec<DashboardDef>,
    /// Campaigns sorted by name.
    pub campaigns: Vec<CampaignDef>,
    /// The text of each file read, by path relative to the project, for finding and showing
    /// the place of a problem found later (against the warehouse).
    pub sources: BTreeMap<String, String>,
}

pub use crate::syntax::diagnostic::Invalid;

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
    /// The Redis URL of the environment's job queue (`queue: { redis_url }`); `None` is the
    /// in-process queue.
    pub fn queue_url(&self) -> Option<&secret::Secret> {
        self.config
            .environments
            .iter()
            .find(|(n, _)| *n == self.env)
            .and_then(|(_, s)| s.queue_url.as_ref())
    }

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

    /// The alerts of the environment in use, with their secrets resolved.
    pub fn alerts(&self) -> Option<&config::AlertsSpec> {
        self.config
            .environments
            .iter()
            .find(|(n, _)| *n == self.env)
            .and_then(|(_, e)| e.alerts.as_ref())
    }

    /// Where cdp keeps its local files (`.cdp/`).
    pub fn local_dir(&self) -> PathBuf {
        self.root.join(".cdp")
    }
}

/// Loads and checks the project at `root` for environment `env` (or its `default_env`), its
/// `${NAME}` references read from the process environment.
pub fn load(root: &Path, env: Option<&str>) -> Result<Project, LoadError> {
    load_with(root, env, None)
}

/// Loads the project with `${NAME}` references looked up in `vars` (the process environment
/// when `None`): for a host that keeps its own settings, and for tests.
pub fn load_with(
    root: &Path,
    env: Option<&str>,
    vars: Option<&crate::syntax::decode::Vars>,
) -> Result<Project, LoadError> {
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
    d.vars = vars;
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
    read_files(
        root,
        "segments",
        &mut sources,
        &mut diagnostics,
        |d, node| {
            if node.value == yaml::Value::Null {
                d.report(node.pos, "", "the segment file is empty").hint =
                    Some("a segment needs at least `name:` and `rules:`".into());
                return;
            }
            let (def, outline) = segment_file::parse_segment(d, node);
            segments.extend(def);
            outlines.extend(outline);
        },
    )?;
    segments.sort_by(|a, b| a.name.cmp(&b.name));
    checks::check_segments(&outlines, &config, &mut diagnostics);

    let mut dashboards = Vec::new();
    read_files(
        root,
        "dashboards",
        &mut sources,
        &mut diagnostics,
        |d, node| {
            dashboards.extend(dashboard_spec::parse_dashboard(d, node));
        },
    )?;
    let names: Vec<&str> = outlines.iter().map(|o| o.name.as_str()).collect();
    diagnostics.extend(dashboard_spec::check_dashboards(&dashboards, &names));
    dashboards.sort_by(|a, b| a.name.cmp(&b.name));

    let mut campaigns = Vec::new();
    let mut images = Vec::new();
    read_files(
        root,
        "campaigns",
        &mut sources,
        &mut diagnostics,
        |d, node| {
            campaigns.extend(campaign_spec::parse_campaign(d, node, &names, &mut images));
        },
    )?;
    diagnostics.extend(campaign_spec::check_campaigns(&campaigns));
    diagnostics.extend(campaign_spec::check_exposures(
        &campaigns,
        &config.declared_destinations(),
    ));
    let max_bytes = config
        .environments
        .iter()
        .find(|(n, _)| *n == env_name)
        .and_then(|(_, spec)| spec.assets.clone())
        .unwrap_or_default()
        .max_bytes;
    diagnostics.extend(crate::campaign::assets::check_files(
        root, &images, max_bytes,
    ));
    campaigns.sort_by(|a, b| a.name.cmp(&b.name));

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
        dashboards,
        campaigns,
        sources,
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

/// Reads and parses every YAML file under `folder`, hands each one's root to `decode` with a
/// decoder named for the file, and keeps the problems found and the text (for snippets).
fn read_files(
    root: &Path,
    folder: &str,
    sources: &mut BTreeMap<String, String>,
    diagnostics: &mut Vec<crate::syntax::diagnostic::Diagnostic>,
    mut decode: impl FnMut(&mut Decoder, &yaml::Node),
) -> Result<(), LoadError> {
    for path in yaml_files(root, folder)? {
        let rel = relative(root, &path);
        let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        let mut d = Decoder::new(&rel);
        match yaml::parse(&text) {
            Ok(node) => decode(&mut d, &node),
            Err(e) => d.syntax(&e),
        }
        diagnostics.append(&mut d.diagnostics);
        sources.insert(rel, text);
    }
    Ok(())
}

/// Every `.yaml` / `.yml` file under `folder` (`segments/`, `dashboards/`), subfolders included
/// (teams group files by owner or channel), in a stable order; hidden files and folders are
/// left out.
fn yaml_files(root: &Path, folder: &str) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    let mut folders = vec![root.join(folder)];
    while let Some(dir) = folders.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(LoadError::Io { path: dir, source }),
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(path);
            }
        }
    }
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
