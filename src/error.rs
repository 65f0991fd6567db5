//! The library's error type: what failed, its causes, and a hint for the person running cdp.

use std::path::PathBuf;

use crate::project::LoadError;
use crate::syntax::diagnostic::did_you_mean;
use crate::warehouse::WarehouseError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    #[error("the project does not fit the warehouse: {} problem{}", invalid.diagnostics.len(), if invalid.diagnostics.len() == 1 { "" } else { "s" })]
    Mismatch { invalid: crate::project::Invalid },
    #[error("unknown segment `{name}`")]
    UnknownSegment { name: String, known: Vec<String> },
    #[error("{failed} of {total} segment test fixtures failed")]
    TestsFailed { failed: usize, total: usize },
    #[error("the query failed in the warehouse")]
    Query {
        sql: String,
        #[source]
        source: WarehouseError,
    },
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the output")]
    Output(#[source] std::io::Error),
    #[error("`{argument}` refers to `${{{name}}}`, which is not set")]
    MissingEnvVar { argument: String, name: String },
    #[error("`{argument}` has a malformed environment reference `{part}`")]
    MalformedEnvRef { argument: String, part: String },
    #[error("`{0}` is not a valid instant")]
    BadNow(String),
    #[error("no schema for `{0}`")]
    UnknownSchema(String),
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("the applied version of segment `{name}` no longer parses")]
    AppliedInvalid {
        name: String,
        invalid: crate::project::Invalid,
    },
    #[error("no segment is applied yet")]
    NothingApplied,
    #[error("no segment is applied in environment `{env}`: nothing to promote")]
    NothingToPromote { env: String },
    #[error("`--from` and `--to` are both `{env}`")]
    PromoteToItself { env: String },
    #[error("a project is already here: `{}`", path.display())]
    ProjectExists { path: PathBuf },
    #[error("{} not applied: {}", if names.len() == 1 { "this segment is" } else { "these segments are" }, names.join(", "))]
    NotApplied { names: Vec<String> },
    #[error(
        "cannot refresh `{segment}` as of {now}: it was last refreshed as of {last}, which is later"
    )]
    RefreshInPast {
        segment: String,
        last: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    },
    /// `plan --detailed-exitcode` found changes: exit 2, nothing printed.
    #[error("the plan has changes")]
    ChangesPresent,
    #[error("apply needs confirmation, and there is no terminal to ask on")]
    NeedsApproval,
    #[error("apply cancelled; nothing changed")]
    Declined,
    #[error("segment `{name}` was removed from the project on {at}")]
    Removed {
        name: String,
        at: chrono::DateTime<chrono::Utc>,
    },
    #[error("segment `{0}` has not been refreshed yet")]
    NeverRefreshed(String),
    #[error(transparent)]
    Destination(#[from] crate::destinations::DestinationError),
    #[error(transparent)]
    Assets(#[from] crate::assets::AssetsError),
    #[error(transparent)]
    Campaign(#[from] crate::campaign::CampaignError),
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error("cannot serve on {addr}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The job queue (Redis) failed; the message never holds the URL.
    #[error("the job queue failed: {message}")]
    Queue { message: String },
    #[error("a token named `{0}` exists already")]
    TokenExists(String),
    #[error("no token is named `{0}` (or has that id), or it is revoked already")]
    NoSuchToken(String),
    #[error(transparent)]
    Dashboard(Box<crate::dashboard::DashboardError>),
    #[error("{}", match to { Some(d) => format!("no applied segment is sent to `{d}`"), None => "no applied segment has `destinations:`".into() })]
    NoDestinations { to: Option<String> },
    #[error("destination `{destination}` is not declared in environment `{env}`")]
    DestinationNotInEnv { destination: String, env: String },
    #[error("{down} component{} of environment `{environment}` did not answer", if *down == 1 { "" } else { "s" })]
    EnvDown { environment: String, down: usize },
    /// A command line that asks for something cdp does not do.
    #[error("{0}")]
    Usage(String),
    #[error("stopped by Ctrl-C")]
    Interrupted,
    #[error("{failed} of {total} sync{} failed", if *total == 1 { "" } else { "s" })]
    SyncFailed { failed: usize, total: usize },
    #[error("campaign `{0}` was never launched: it has no frozen assignments to measure")]
    NotLaunched(String),
    #[error("cannot compute the statistics of campaign `{campaign}`")]
    CampaignStats {
        campaign: String,
        #[source]
        source: crate::campaign::stats::StatsError,
    },
    #[error("cannot read the report of campaign `{campaign}`")]
    CampaignTotals {
        campaign: String,
        #[source]
        source: crate::campaign::report::ReportError,
    },
    #[error("there is no demo data to advance: {table} does not exist")]
    NotSeeded { table: String },
    #[error("cannot advance the demo data: {table} is not as `cdp demo seed` wrote it: {problem}")]
    BadDemoSpec { table: String, problem: String },
}

impl From<crate::dashboard::DashboardError> for Error {
    fn from(e: crate::dashboard::DashboardError) -> Error {
        Error::Dashboard(Box::new(e))
    }
}

/// An error and its causes on one line, for the state store's run log.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(cause.to_string().trim());
        source = cause.source();
    }
    text
}

impl Error {
    /// What to do about it, when cdp knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::UnknownSegment { name, known } => did_you_mean(name, known.iter().map(String::as_str))
                .or_else(|| Some("`cdp segments list` shows the segments of this project".into())),
            Error::Load(LoadError::Invalid { .. }) => Some("fix the problems above, then run `cdp validate` again".into()),
            Error::Mismatch { .. } => Some("fix the problems above; `cdp validate --connect` checks the project against the warehouse".into()),
            Error::Warehouse(e) => e.hint(),
            Error::State(e) => e.hint(),
            Error::Destination(e) => e.hint(),
            Error::Assets(e) => e.hint(),
            Error::Campaign(e) => e.hint(),
            Error::Auth(crate::auth::AuthError::ShortPassword(_)) => Some("a passphrase of a few words is long enough and easy to type".into()),
            Error::Auth(crate::auth::AuthError::BadName(_)) => Some("use letters, digits and `_ - . @`, at most 64".into()),
            Error::Auth(_) => None,
            Error::Listen { .. } => Some("another process may hold the address; `--listen 127.0.0.1:0` picks a free port".into()),
            Error::Queue { .. } => Some("check that Redis answers at the environment's `queue: { redis_url }` (`cdp env status` pings it)".into()),
            Error::TokenExists(name) => Some(format!("`cdp token revoke {name}` first, or choose another name")),
            Error::NoSuchToken(_) => Some("`cdp token list` shows the tokens, their ids and which are revoked".into()),
            Error::Dashboard(e) => e.hint(),
            Error::EnvDown { .. } => Some("the table above says which and why".into()),
            Error::Query { source, .. } if source.hint().is_some() => source.hint(),
            Error::Query { .. } => Some("check the table and column names against `tables:` in cdp.yaml; `cdp demo seed` creates the demo tables".into()),
            Error::TestsFailed { .. } => Some("each failure above shows the rule that decided it and the values it saw".into()),
            Error::UnknownSchema(_) => Some("the kinds are `cdp`, `segment` and `dashboard`".into()),
            Error::AppliedInvalid { .. } => Some("apply the segment again from the project (`cdp apply`) to record a version this cdp reads".into()),
            Error::NothingToPromote { env } => Some(format!("apply the project there first: `cdp apply --env {env}`")),
            Error::PromoteToItself { .. } => Some("promote from one environment to another, e.g. `--from staging --to prod`; `cdp env list` shows them".into()),
            Error::NothingApplied => Some("run `cdp plan` to see what the project holds, then `cdp apply`".into()),
            Error::ProjectExists { .. } => Some("`cdp validate` checks it and `cdp quickstart` runs it; `cdp init` starts a project in an empty folder".into()),
            Error::NotApplied { .. } => Some("run `cdp apply` first: refresh and sync work on applied definitions only".into()),
            Error::RefreshInPast { .. } => Some("membership history moves forward only; check `--now` / CDP_NOW".into()),
            Error::NeedsApproval => Some("pass `--auto-approve` (as CI does) after reviewing `cdp plan`".into()),
            Error::Removed { name, .. } => Some(format!("its history stays readable: `cdp segments history {name}`")),
            Error::NeverRefreshed(name) => Some(format!("run `cdp refresh {name}`")),
            Error::NoDestinations { .. } => Some("add `destinations: [{ to: braze, as: attribute }]` to a segment, declare the destination under the environment in cdp.yaml, then `cdp apply`".into()),
            Error::DestinationNotInEnv { .. } => Some("declare it under this environment's `destinations:` in cdp.yaml, or pick another with `--env`".into()),
            Error::Interrupted => Some("what finished is kept: a sync keeps what was answered (`cdp sync` sends the rest), a refresh leaves the previous membership whole, an export leaves the files it would have replaced".into()),
            Error::SyncFailed { .. } => Some("the table above says why; what was acknowledged is kept, and the next `cdp sync` sends only what remains".into()),
            Error::NotLaunched(name) => Some(format!("run `cdp campaign launch {name}` first: the report compares the users a launch assigned")),
            Error::NotSeeded { .. } => Some("run `cdp demo seed` first; `cdp demo advance` continues the data it generated".into()),
            Error::BadDemoSpec { .. } => Some("run `cdp demo seed` again to start the demo data over".into()),
            Error::MissingEnvVar { name, .. } => Some(format!("export {name} first; a URL with a password is best passed as `${{NAME}}` so it stays out of shell history")),
            Error::MalformedEnvRef { .. } => Some("write `${NAME}` with letters, digits and `_`".into()),
            Error::BadNow(_) => Some("give an RFC 3339 timestamp such as `2026-01-31T12:00:00Z`, or a date".into()),
            _ => None,
        }
    }

    /// The problems placed in the project's files, when the error is made of them.
    pub fn problems(&self) -> Option<&crate::project::Invalid> {
        match self {
            Error::Load(LoadError::Invalid { invalid }) | Error::Mismatch { invalid } => {
                Some(invalid)
            }
            _ => None,
        }
    }

    /// Whether the command was asked to stop (Ctrl-C): exit 130, as shells report it.
    pub fn is_interrupted(&self) -> bool {
        match self {
            Error::Interrupted => true,
            Error::Warehouse(e) | Error::Query { source: e, .. } => e.is_interrupted(),
            Error::Dashboard(d) => match d.as_ref() {
                crate::dashboard::DashboardError::TileQuery { source, .. } => {
                    source.is_interrupted()
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The SQL that failed, shown under the error with `--verbose`.
    pub fn sql(&self) -> Option<&str> {
        match self {
            Error::Query { sql, .. } => Some(sql),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
