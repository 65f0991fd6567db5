//! Command-line definitions (clap) and dispatch; each command's work lives in the library.

mod assets;
mod auth;
mod campaign;
mod campaign_report;
mod check;
mod daemon;
mod dashboard;
mod data;
mod env;
mod formats;
mod meta;
mod plan_view;
mod promote;
mod segments;
mod state;
mod state_dump;
mod state_migrate;
mod subcommands;
mod sync;

mod resolved;
mod tag;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::sql::dialect::DialectKind;

pub use resolved::Resolved;
pub use subcommands::*;

#[derive(Parser, Debug)]
#[command(
    name = "cdp",
    version,
    about = "Customer data platform as code: segments in YAML, compiled to warehouse SQL"
)]
pub struct Cli {
    /// The project folder (holding cdp.yaml and segments/)
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub project_dir: PathBuf,
    /// The environment of cdp.yaml to use (default: its `default_env`)
    #[arg(long, global = true, env = "CDP_ENV")]
    pub env: Option<String>,
    /// How to print data on stdout: table, json, csv, markdown; for `dashboard export`, the
    /// files to write: pdf, xlsx or both (`pdf,xlsx`)
    #[arg(long, global = true, default_value = "table", value_parser = formats::parse, value_name = "FORMAT")]
    pub format: formats::FormatArg,
    /// Print only data and errors
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Show more detail, such as the SQL of a failed query
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Hide progress bars
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Evaluate time windows as of this instant instead of now (RFC 3339 or a date)
    #[arg(long, global = true, env = "CDP_NOW", value_name = "INSTANT")]
    pub now: Option<String>,
    /// How long to wait for what another cdp holds: the project lock (an apply, refresh, sync
    /// or launch running) or the embedded DuckDB file (a daemon's job), e.g. 30s, 10m
    #[arg(long, global = true, default_value = "5m", value_parser = parse_wait, value_name = "DURATION")]
    pub wait: Duration,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write the demo project into the project folder (never overwrites)
    Init,
    /// Set up the demo project if needed, seed demo data, validate, and show every segment's size
    Quickstart {
        /// Demo users to generate
        #[arg(long, default_value_t = 10_000)]
        users: u64,
    },
    /// Check every file of the project and report all problems at once
    Validate {
        /// Also sign in to the environment's warehouse and run `select 1`
        #[arg(long)]
        connect: bool,
    },
    /// Run the `tests:` fixtures of every segment on an in-memory DuckDB
    Test,
    /// Print the SQL a segment compiles to
    Compile {
        segment: String,
        /// SQL dialect (default: the environment's warehouse)
        #[arg(long, value_parser = dialect_parser())]
        dialect: Option<DialectKind>,
    },
    /// Apply the state store's migrations (every command also does on first use)
    Migrate,
    /// Compare the project with what is applied: segments to add, change and remove
    Plan {
        /// Exit 0 when there are no changes, 2 when there are, 1 on an error
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Record the project's segments as the applied versions
    Apply {
        /// Apply without asking (for CI)
        #[arg(long)]
        auto_approve: bool,
    },
    /// Compute applied segments' members in the warehouse and record who entered and exited
    Refresh {
        /// Segments to refresh (with the segments they refer to); none means all
        segments: Vec<String>,
        /// Refresh every applied segment, in one query
        #[arg(long, conflicts_with = "segments")]
        all: bool,
        /// Then send what changed to the refreshed segments' destinations
        #[arg(long)]
        sync: bool,
    },
    /// Send segments' membership changes to their destinations (Braze, Amplitude)
    Sync(SyncArgs),
    /// List, preview and inspect segments and their membership history
    #[command(subcommand)]
    Segments(SegmentsCommand),
    /// The state store: export it to one JSON file, import it, migrate it to another backend
    #[command(subcommand)]
    State(StateCommand),
    /// The project's environments: their components, and whether each answers
    #[command(subcommand)]
    Env(EnvCommand),
    /// List dashboards, run their tiles, export them to PDF and Excel
    #[command(subcommand)]
    Dashboard(DashboardCommand),
    /// Upsell campaigns with a holdout: plan, launch, status, report
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Offer images: upload them, list them, give their URLs, copy them to another environment
    #[command(subcommand)]
    Assets(AssetsCommand),
    /// Run the schedules (segments' refresh and sync, campaigns' launches, dashboards' tiles) and
    /// serve the web UI and the JSON API; `queue: { redis_url }` shares the work between daemons
    Daemon {
        /// The address to listen on; port 0 picks a free one (printed on stderr)
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: std::net::SocketAddr,
        /// At SIGTERM or Ctrl-C, how long the running job has to finish before it is
        /// cancelled (it checkpoints, and is taken up again)
        #[arg(long, default_value = "30s", value_parser = parse_wait)]
        shutdown_timeout: Duration,
        /// With a Redis queue: how long a job's lock lasts unless its daemon renews it (a job
        /// whose daemon died is taken up by another after this)
        #[arg(long, default_value = "30s", value_parser = parse_wait)]
        lock_ttl: Duration,
        /// How the log on stderr is written
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        log_format: String,
    },
    /// API tokens for the daemon: create, list, revoke
    #[command(subcommand)]
    Token(TokenCommand),
    /// Users of the daemon's web UI
    #[command(subcommand)]
    User(UserCommand),
    /// Run SQL in the warehouse and print the result
    Query { sql: String },
    /// Demo data
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Print the JSON Schema of a file kind (`cdp` or `segment`), or write all of them to a folder
    Schema {
        kind: Option<String>,
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script
    Completions { shell: clap_complete::Shell },
}

/// Runs a parsed command line; `cancel` is cancelled when the person asks cdp to stop.
pub async fn run(cli: Cli, cancel: CancellationToken) -> Result<()> {
    let r = Resolved::new(&cli, cancel)?;
    if !cli.format.files.is_empty() && !cli.command.writes_files() {
        return Err(crate::error::Error::Usage(format!(
            "`--format {}` writes files, which only `cdp dashboard export` does",
            cli.format.text
        )));
    }
    match cli.command {
        Command::Init => meta::init(&r),
        Command::Quickstart { users } => data::quickstart(&r, users).await,
        Command::Validate { connect } => check::validate(&r, connect).await,
        Command::Test => check::test(&r).await,
        Command::Compile { segment, dialect } => check::compile(&r, &segment, dialect),
        Command::Migrate => state::migrate(&r).await,
        Command::Plan { detailed_exitcode } => state::plan(&r, detailed_exitcode).await,
        Command::Apply { auto_approve } => state::apply(&r, auto_approve, r.wait).await,
        Command::Refresh {
            segments,
            all,
            sync,
        } => state::refresh(&r, segments, all, r.wait, sync).await,
        Command::Sync(args) => match args.command {
            Some(SyncCommand::Status) => sync::status(&r).await,
            Some(SyncCommand::Log { segment, rejected }) => sync::log(&r, &segment, rejected).await,
            None => {
                let options = crate::sync::Options {
                    segments: args.segments,
                    to: args.to,
                    dry_run: args.dry_run,
                    full: args.full,
                };
                sync::sync(&r, &options, r.wait).await
            }
        },
        Command::Campaign(CampaignCommand::Plan { name }) => campaign::plan(&r, &name).await,
        Command::Campaign(CampaignCommand::Launch {
            name,
            resend_unknown,
        }) => campaign::launch(&r, &name, resend_unknown, r.wait).await,
        Command::Campaign(CampaignCommand::Status { name }) => {
            campaign::status(&r, name.as_deref()).await
        }
        Command::Daemon {
            listen,
            shutdown_timeout,
            lock_ttl,
            log_format,
        } => {
            let options = crate::daemon::Options {
                listen,
                shutdown_timeout,
                lock_ttl,
                log: if log_format == "json" {
                    crate::daemon::log::LogFormat::Json
                } else {
                    crate::daemon::log::LogFormat::Text
                },
            };
            daemon::daemon(&r, &options).await
        }
        Command::Token(TokenCommand::Create { name }) => auth::token_create(&r, &name).await,
        Command::Token(TokenCommand::List) => auth::token_list(&r).await,
        Command::Token(TokenCommand::Revoke { name }) => auth::token_revoke(&r, &name).await,
        Command::User(UserCommand::Add { name }) => auth::user_add(&r, &name).await,
        Command::User(UserCommand::List) => auth::user_list(&r).await,
        Command::Segments(SegmentsCommand::List) => segments::list(&r),
        Command::Segments(SegmentsCommand::Preview { name, limit, count }) => {
            segments::preview(&r, &name, limit, count).await
        }
        Command::Segments(SegmentsCommand::Show { name }) => segments::show(&r, &name).await,
        Command::Segments(SegmentsCommand::History { name }) => segments::history(&r, &name).await,
        Command::Segments(SegmentsCommand::Members { name, at, limit }) => {
            segments::members(&r, &name, at.as_deref(), limit).await
        }
        Command::Segments(SegmentsCommand::Overlap { names }) => {
            segments::overlap(&r, &names).await
        }
        Command::State(StateCommand::Export { out }) => {
            state_dump::export(&r, out.as_deref()).await
        }
        Command::State(StateCommand::Import { file }) => state_dump::import(&r, &file).await,
        Command::State(StateCommand::Migrate { to, force }) => {
            state_migrate::migrate(&r, &to, force, r.wait).await
        }
        Command::State(StateCommand::History { limit }) => state_migrate::history(&r, limit).await,
        Command::Env(EnvCommand::List) => env::list(&r),
        Command::Env(EnvCommand::Status { name }) => env::status(&r, name.as_deref()).await,
        Command::Env(EnvCommand::Promote {
            from,
            to,
            auto_approve,
        }) => promote::promote(&r, &from, &to, auto_approve, r.wait).await,
        Command::Env(EnvCommand::History { limit }) => promote::history(&r, limit).await,
        Command::Dashboard(DashboardCommand::List) => dashboard::list(&r),
        Command::Dashboard(DashboardCommand::Run { name, params }) => {
            dashboard::run(&r, &name, &params).await
        }
        Command::Dashboard(DashboardCommand::Export {
            name,
            params,
            out,
            page_size,
        }) => dashboard::export(&r, &name, &params, &cli.format, &out, page_size).await,
        Command::Assets(c) => assets::run(&r, c).await,
        Command::Campaign(CampaignCommand::Report { name, export, out }) => {
            campaign_report::report(&r, &name, &export, &out).await
        }
        Command::Query { sql } => data::query(&r, &sql).await,
        Command::Demo(DemoCommand::Seed {
            users,
            days,
            seed,
            campaign_effect,
            campaign,
        }) => {
            let effect =
                campaign_effect.map(|effect| crate::ops::data::CampaignEffect { campaign, effect });
            data::seed(&r, users, days, seed, effect).await
        }
        Command::Demo(DemoCommand::Advance { days }) => data::advance(&r, days).await,
        Command::Schema { kind, out } => meta::schema(&r, kind.as_deref(), out),
        Command::Completions { shell } => meta::completions(shell),
    }
}

impl Command {
    /// Whether the command writes files named by `--format` (pdf, xlsx).
    fn writes_files(&self) -> bool {
        matches!(self, Command::Dashboard(DashboardCommand::Export { .. }))
    }
}

fn dialect_parser() -> impl clap::builder::TypedValueParser<Value = DialectKind> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(DialectKind::ALL.map(DialectKind::as_str)).map(
        |name| {
            DialectKind::ALL
                .into_iter()
                .find(|k| k.as_str() == name)
                .expect("one of the possible values")
        },
    )
}

fn parse_wait(text: &str) -> std::result::Result<Duration, String> {
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    crate::syntax::time::span_from_str(text).map(|s| Duration::from_secs(s.seconds.max(0) as u64))
}
