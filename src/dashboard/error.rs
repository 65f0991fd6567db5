//! What can go wrong running or exporting a dashboard, each with a hint.

use crate::syntax::diagnostic::did_you_mean;
use crate::warehouse::WarehouseError;

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("unknown dashboard `{name}`")]
    Unknown { name: String, known: Vec<String> },
    #[error("dashboard `{dashboard}` has no param `{name}`")]
    UnknownParam {
        dashboard: String,
        name: String,
        known: Vec<String>,
    },
    #[error("`--param {0}` must be written `name=value`")]
    ParamSyntax(String),
    #[error("param `{name}` takes {kind}: `{value}` is not one")]
    BadParam {
        name: String,
        kind: String,
        value: String,
    },
    #[error("param `{name}` ({kind}) has no default and was not given")]
    MissingParam { name: String, kind: String },
    #[error("tile `{tile}` ({file}:{line}) has no column{} {} in its result", if missing.len() == 1 { "" } else { "s" }, missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "))]
    MissingColumns {
        tile: String,
        file: String,
        line: u32,
        missing: Vec<String>,
        available: Vec<String>,
    },
    #[error("tile `{tile}` ({file}:{line}) failed in the warehouse")]
    TileQuery {
        tile: String,
        file: String,
        line: u32,
        #[source]
        source: WarehouseError,
    },
    #[error("cannot write the PDF")]
    Pdf(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot write the Excel workbook")]
    Xlsx(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("unknown export format `{0}`")]
    UnknownFormat(String),
    #[error("the tiles of dashboard `{name}` kept in the state store do not read back")]
    StoredTiles {
        name: String,
        #[source]
        source: serde_json::Error,
    },
}

impl DashboardError {
    pub fn hint(&self) -> Option<String> {
        match self {
            DashboardError::Unknown { name, known } => {
                did_you_mean(name, known.iter().map(String::as_str)).or_else(|| {
                    Some(if known.is_empty() {
                        "the project has no dashboards: add one under `dashboards/`".into()
                    } else {
                        format!("dashboards: {}", known.join(", "))
                    })
                })
            }
            DashboardError::UnknownParam { known, name, .. } => {
                did_you_mean(name, known.iter().map(String::as_str)).or_else(|| {
                    Some(if known.is_empty() {
                        "this dashboard declares no params".into()
                    } else {
                        format!("its params: {}", known.join(", "))
                    })
                })
            }
            DashboardError::ParamSyntax(_) => Some("e.g. `--param days=7`".into()),
            DashboardError::BadParam { name, .. } => {
                Some(format!("pass a valid value: `--param {name}=...`"))
            }
            DashboardError::MissingParam { name, .. } => Some(format!(
                "pass `--param {name}=...`, or give it a `default:`"
            )),
            DashboardError::MissingColumns { available, .. } => Some(format!(
                "the result has: {}; fix `x`, `y` or `series`, or the SQL's column names",
                available.join(", ")
            )),
            DashboardError::TileQuery { source, .. } => source.hint().or_else(|| {
                Some(
                    "run the tile's SQL with `cdp query` to see the warehouse's message in full"
                        .into(),
                )
            }),
            DashboardError::UnknownFormat(_) => {
                Some("the formats are `pdf` and `xlsx`, e.g. `--format pdf,xlsx`".into())
            }
            DashboardError::StoredTiles { name, .. } => Some(format!(
                "refresh it to compute them again: `POST /api/v1/dashboards/{name}/refresh`, or its page's Refresh now"
            )),
            DashboardError::Pdf(_) | DashboardError::Xlsx(_) => {
                Some("check that the output folder is writable and has space".into())
            }
        }
    }
}
