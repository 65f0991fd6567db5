//! The `assets:` of any environment of the project, not only the one in use: read again from
//! `cdp.yaml` with that environment's `${NAME}` references resolved.

use std::collections::BTreeMap;

use super::{Invalid, LoadError, Project, config};
use crate::syntax::decode::Decoder;
use crate::syntax::diagnostic::did_you_mean;
use crate::syntax::yaml;

impl Project {
    /// The `assets:` of environment `env`, its `${NAME}` references resolved from the process
    /// environment (only the environment in use has them resolved at load).
    pub fn assets_of(&self, env: &str) -> Result<config::AssetsSpec, LoadError> {
        let declared = self.config.environments.iter().find(|(n, _)| n == env);
        if env == self.env || (declared.is_none() && env == config::DEFAULT_ENV) {
            return Ok(declared
                .and_then(|(_, spec)| spec.assets.clone())
                .unwrap_or_default());
        }
        let file = "cdp.yaml";
        let mut d = Decoder::new(file);
        let text = self.sources.get(file).map(String::as_str).unwrap_or("");
        let node = yaml::parse(text).ok();
        let env_node = node
            .as_ref()
            .and_then(|n| child(n, "environments"))
            .and_then(|n| child(n, env));
        match env_node {
            None => {
                let names: Vec<&str> = self
                    .config
                    .environments
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect();
                d.report(
                    self.config.environments_at,
                    "environments",
                    format!("environment `{env}` is not declared"),
                )
                .hint = did_you_mean(env, names.iter().copied())
                    .or_else(|| Some(format!("declared environments: {}", names.join(", "))));
            }
            Some(n) => {
                if let Some(assets) = child(n, "assets") {
                    let path = format!("environments.{env}.assets");
                    let spec = config::parse_assets(&mut d, assets, &path, true);
                    if d.diagnostics.is_empty() {
                        return Ok(spec.unwrap_or_default());
                    }
                } else {
                    return Ok(config::AssetsSpec::default());
                }
            }
        }
        Err(LoadError::Invalid {
            invalid: Invalid {
                diagnostics: d.diagnostics,
                sources: BTreeMap::from([(file.to_string(), text.to_string())]),
            },
        })
    }
}

/// The value of `name` in a mapping node.
fn child<'n>(node: &'n yaml::Node, name: &str) -> Option<&'n yaml::Node> {
    match &node.value {
        yaml::Value::Map(entries) => entries.iter().find(|(k, _)| k.name == name).map(|(_, v)| v),
        _ => None,
    }
}
