//! What can go wrong with assets, each with what to do about it.

use std::path::PathBuf;

use super::ImageType;

#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a PNG, JPEG, GIF, WebP or SVG file by its name", path.display())]
    UnknownExtension { path: PathBuf },
    #[error("`{}` is not a PNG, JPEG, GIF, WebP or SVG image", path.display())]
    NotAnImage { path: PathBuf },
    #[error("`{}` holds a {found} image, not the {named} its name says", path.display())]
    TypeMismatch {
        path: PathBuf,
        named: ImageType,
        found: ImageType,
    },
    #[error("`{}` is {size} bytes, over the limit of {max} bytes", path.display())]
    TooBig { path: PathBuf, size: u64, max: u64 },
    #[error("`{0}` is not an asset key")]
    BadKey(String),
    #[error("no asset `{key}` in `{location}`")]
    NotFound { key: String, location: String },
    #[error("cannot {action} on S3 (bucket `{bucket}`)")]
    S3 {
        action: String,
        bucket: String,
        /// S3's error code or the HTTP status, which choose the hint.
        code: Option<String>,
        status: Option<u16>,
        #[source]
        source: Detail,
    },
    #[error("cannot make a presigned URL for `{key}`")]
    Presign {
        key: String,
        #[source]
        source: Detail,
    },
    #[error("the copy of `{key}` in `{location}` does not match its source: {problem}")]
    Verify {
        key: String,
        location: String,
        problem: String,
    },
    #[error("`{key}` in `{location}` does not hold what its name says (its SHA-256 is {found})")]
    Corrupt {
        key: String,
        location: String,
        found: String,
    },
    #[error("cannot migrate assets from environment `{0}` to itself")]
    SameEnvironment(String),
}

/// A cause given as text (an SDK's error, with its own causes joined).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Detail(pub String);

impl AssetsError {
    pub fn hint(&self) -> Option<String> {
        let text = match self {
            AssetsError::UnknownExtension { .. } | AssetsError::NotAnImage { .. } => {
                "assets are images: name files `.png`, `.jpg`/`.jpeg`, `.gif`, `.webp` or `.svg`"
                    .into()
            }
            AssetsError::TypeMismatch { found, .. } => format!(
                "rename the file to end in `.{}`, or export it again as the type its name says",
                found.extension()
            ),
            AssetsError::TooBig { .. } => "make the image smaller, or raise `max_bytes` under the environment's `assets:` in cdp.yaml (e.g. `max_bytes: 10MB`)".into(),
            AssetsError::BadKey(_) | AssetsError::NotFound { .. } => {
                "`cdp assets list` shows the keys; a key is `<sha256>.<ext>`, as `cdp assets upload` prints it".into()
            }
            AssetsError::S3 { code, status, .. } => return s3_hint(code.as_deref(), *status),
            AssetsError::Verify { .. } | AssetsError::Corrupt { .. } => {
                "run the migration again: objects already copied and intact are skipped, the others copied again".into()
            }
            AssetsError::SameEnvironment(_) => {
                "name another environment with `--to`; `--env` picks the one to copy from".into()
            }
            AssetsError::Read { .. }
            | AssetsError::Write { .. }
            | AssetsError::Presign { .. } => return None,
        };
        Some(text)
    }
}

fn s3_hint(code: Option<&str>, status: Option<u16>) -> Option<String> {
    let credentials = "check the AWS credentials cdp finds (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the instance's role) and that they may use this bucket";
    let text = match (code, status) {
        (Some("NoSuchBucket"), _) => {
            "create the bucket, or fix `assets.s3.bucket` (and `endpoint`) in cdp.yaml"
        }
        (
            Some(
                "InvalidAccessKeyId"
                | "SignatureDoesNotMatch"
                | "AccessDenied"
                | "InvalidSecurity"
                | "ExpiredToken",
            ),
            _,
        )
        | (_, Some(401 | 403)) => credentials,
        (Some("credentials"), _) => {
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an instance role gives credentials"
        }
        (Some("region"), _) => {
            "set the bucket's region: `region:` under `assets: { s3: ... }` in cdp.yaml, or AWS_REGION"
        }
        (Some("PermanentRedirect" | "AuthorizationHeaderMalformed"), _) | (_, Some(301)) => {
            "the bucket is in another region: set `assets.s3.region` in cdp.yaml"
        }
        (Some("dispatch"), _) => {
            "check `assets.s3.endpoint` (or the region) and this machine's network; `cdp env status` asks the endpoint"
        }
        (_, Some(404)) => "create the bucket, or fix `assets.s3.bucket` in cdp.yaml",
        _ => return None,
    };
    Some(text.into())
}
