//! The `assets:` block of an environment: a local folder or an S3 bucket, and the largest file
//! accepted, with `${ENV}` references resolved on request.

use super::warehouse::env_value;
use crate::syntax::decode::{Decoder, Fields};
use crate::syntax::yaml::{Node, Value};

/// The largest asset accepted when `max_bytes` is not given: 5 MB.
pub const DEFAULT_MAX_BYTES: u64 = 5_000_000;

/// Where the local backend keeps assets when no `path` is given, relative to the project.
pub const DEFAULT_LOCAL_PATH: &str = ".cdp/assets";

/// `assets:` of an environment. Values are resolved for the environment in use and kept as
/// written (`${...}` and all) for the others.
#[derive(Clone, Debug, PartialEq)]
pub struct AssetsSpec {
    pub backend: AssetsBackend,
    /// The largest file `assets upload` accepts, in bytes.
    pub max_bytes: u64,
}

impl Default for AssetsSpec {
    fn default() -> Self {
        AssetsSpec {
            backend: AssetsBackend::Local {
                path: None,
                public_base_url: None,
            },
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum AssetsBackend {
    /// A folder, relative to the project unless absolute (`.cdp/assets` when `None`).
    Local {
        path: Option<String>,
        /// The address a CDN or web server publishes the folder at.
        public_base_url: Option<String>,
    },
    S3(S3Spec),
}

/// A bucket on S3 or on an S3-compatible server (`endpoint`, addressed path-style).
#[derive(Clone, Debug, PartialEq)]
pub struct S3Spec {
    pub bucket: String,
    pub region: Option<String>,
    /// Prepended to every key (`cdp/`).
    pub prefix: Option<String>,
    pub endpoint: Option<String>,
}

const KEYS: &[&str] = &["local", "s3", "max_bytes"];
const LOCAL_KEYS: &[&str] = &["path", "public_base_url"];
const S3_KEYS: &[&str] = &["bucket", "region", "prefix", "endpoint"];

/// Checks an `assets:` block; with `resolve`, also reads its `${ENV}` references.
pub fn parse_assets(d: &mut Decoder, node: &Node, path: &str, resolve: bool) -> Option<AssetsSpec> {
    let f = d.fields(node, path, "`assets`", KEYS)?;
    let text = |d: &mut Decoder, f: &Fields, name: &str| {
        env_value(d, f, name, resolve).map(|s| s.expose().to_string())
    };
    // Read before the backend and not returned early, so that both are checked in one run.
    let max_bytes = match f.get("max_bytes") {
        Some(n) => size(d, n, &f.at("max_bytes")),
        None => Some(DEFAULT_MAX_BYTES),
    };
    let backend = match (f.get("local"), f.get("s3")) {
        (Some(_), Some(s3)) => {
            let key = f.key("s3").map_or(s3.pos, |k| k.pos);
            d.report(key, &f.at("s3"), "`assets` has both `local` and `s3`")
                .hint = Some(
                "keep one: `local: { path }` for a folder, or `s3: { bucket }` for a bucket".into(),
            );
            return None;
        }
        (Some(local), None) => {
            if local.value == Value::Null {
                AssetsBackend::Local {
                    path: None,
                    public_base_url: None,
                }
            } else {
                let lf = d.fields(local, &f.at("local"), "`local`", LOCAL_KEYS)?;
                AssetsBackend::Local {
                    path: text(d, &lf, "path"),
                    public_base_url: text(d, &lf, "public_base_url")
                        .map(|u| u.trim_end_matches('/').to_string()),
                }
            }
        }
        (None, Some(s3)) => {
            let sf = d.fields(s3, &f.at("s3"), "`s3`", S3_KEYS)?;
            if !sf.has("bucket") {
                d.missing(
                    &sf,
                    "bucket",
                    "a string",
                    Some("e.g. `bucket: my-cdp-assets`"),
                );
                return None;
            }
            AssetsBackend::S3(S3Spec {
                bucket: text(d, &sf, "bucket")?,
                region: text(d, &sf, "region"),
                prefix: text(d, &sf, "prefix"),
                endpoint: text(d, &sf, "endpoint"),
            })
        }
        (None, None) => AssetsBackend::Local {
            path: None,
            public_base_url: None,
        },
    };
    Some(AssetsSpec {
        backend,
        max_bytes: max_bytes?,
    })
}

/// A size in bytes: a whole number, or one with a unit (`500KB`, `5MB`, `2MiB`).
fn size(d: &mut Decoder, node: &Node, path: &str) -> Option<u64> {
    let parsed = match &node.value {
        Value::Int(i) if *i > 0 => Some(*i as u64),
        Value::Str(s) => size_from_str(s),
        _ => None,
    };
    if parsed.is_none() {
        d.report(node.pos, path, "`max_bytes` must be a positive size")
            .hint = Some(
            "write bytes or a number with a unit, e.g. `max_bytes: 5MB` or `max_bytes: 500KB`"
                .into(),
        );
    }
    parsed
}

fn size_from_str(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    let number: u64 = t[..digits].parse().ok().filter(|n| *n > 0)?;
    let unit: u64 = match t[digits..].trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "KIB" => 1 << 10,
        "MIB" => 1 << 20,
        "GIB" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_their_units() {
        assert_eq!(size_from_str("5MB"), Some(5_000_000));
        assert_eq!(size_from_str("2 MiB"), Some(2 << 20));
        assert_eq!(size_from_str("512"), Some(512));
        assert_eq!(size_from_str("0MB"), None);
        assert_eq!(size_from_str("5 parsecs"), None);
        assert_eq!(size_from_str("MB"), None);
    }
}
