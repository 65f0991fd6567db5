//! Command-line definitions (clap) and dispatch; each command's work lives in the library.

mod assets;
mod check;
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
        /// How long to wait for another apply or refresh to finish (e.g. 30s, 10m)
        #[arg(long, default_value = "5m", value_parser = parse_wait)]
        wait: Duration,
    },
    /// Compute applied segments' members in the warehouse and record who entered and exited
    Refresh {
        /// Segments to refresh (with the segments they refer to); none means all
        segments: Vec<String>,
        /// Refresh every applied segment, in one query
        #[arg(long, conflicts_with = "segments")]
        all: bool,
        /// How long to wait for another apply or refresh to finish (e.g. 30s, 10m)
        #[arg(long, default_value = "5m", value_parser = parse_wait)]
        wait: Duration,
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
    /// Offer images: upload them, list them, give their URLs, copy them to another environment
    #[command(subcommand)]
    Assets(AssetsCommand),
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

#[derive(Subcommand, Debug)]
pub enum SegmentsCommand {
    /// Name, description, destinations and a one-line summary of each segment
    List,
    /// Members of a segment with their traits, or just how many there are
    Preview {
        name: String,
        /// At most this many members (default: 20 in a table; all in csv and json)
        #[arg(long)]
        limit: Option<u64>,
        /// Print only the number of members
        #[arg(long)]
        count: bool,
    },
    /// Rules, compiled SQL, applied version, last refresh and size of a segment
    Show { name: String },
    /// One row per refresh: when, size, entered, exited, duration
    History { name: String },
    /// Members as of the last refresh, or as of a past instant
    Members {
        name: String,
        /// An instant in RFC 3339 (or a date): the members at that time
        #[arg(long, value_name = "INSTANT")]
        at: Option<String>,
        /// At most this many members (default: 20 in a table; all in csv and json)
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Current members shared by each pair of segments
    Overlap {
        #[arg(num_args = 2.., required = true)]
        names: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// Every table of the state store, with a checksum each, as one versioned JSON document
    Export {
        /// The file to write (default: stdout)
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Load an export into this environment's state store, which must be empty
    Import { file: PathBuf },
    /// Copy the whole state store to another one (SQLite <-> PostgreSQL), then compare them
    Migrate {
        /// The target store: `postgres://...` or `sqlite://path`; `${NAME}` is read from the
        /// environment
        #[arg(long, value_name = "URL")]
        to: String,
        /// Replace what the target holds (a backup of it is written first)
        #[arg(long)]
        force: bool,
        /// How long to wait for a refresh, sync or apply to finish (e.g. 30s, 10m)
        #[arg(long, default_value = "5m", value_parser = parse_wait)]
        wait: Duration,
    },
    /// The migrations this state store took part in, newest first
    History {
        /// How many to show
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum EnvCommand {
    /// Each environment's warehouse, state store, queue, assets and destinations, redacted
    List,
    /// Ask every component of an environment at once; exit 1 when one does not answer
    Status {
        /// The environment (default: the one in use)
        name: Option<String>,
    },
    /// Apply the segments applied in one environment to another, after showing the plan
    Promote {
        /// The environment whose applied segments are promoted
        #[arg(long, value_name = "ENV")]
        from: String,
        /// The environment they are applied to
        #[arg(long, value_name = "ENV")]
        to: String,
        /// Skip the typed confirmation (for CI)
        #[arg(long)]
        auto_approve: bool,
        /// How long to wait for a refresh, sync or apply in the target to finish (e.g. 30s, 10m)
        #[arg(long, default_value = "5m", value_parser = parse_wait)]
        wait: Duration,
    },
    /// Promotions into this environment (`--env`), newest first
    History {
        /// How many to show
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum DashboardCommand {
    /// Name, title, tiles and params of each dashboard
    List,
    /// Run every tile and print each as a table (or one JSON document)
    Run {
        name: String,
        /// A param's value for this run, `name=value` (repeatable)
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
    /// Write the dashboard as PDF and Excel files (`--format pdf,xlsx`, the default)
    Export {
        name: String,
        /// A param's value for this run, `name=value` (repeatable)
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// The folder to write `<name>.pdf` and `<name>.xlsx` to
        #[arg(long, short, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// The PDF's page size (landscape)
        #[arg(long, value_enum, default_value = "a4")]
        page_size: PageSizeArg,
    },
}

#[derive(Subcommand, Debug)]
pub enum AssetsCommand {
    /// Upload images (PNG, JPEG, GIF, WebP, SVG) under content-addressed keys; prints each key
    Upload {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Uploads in flight at once
        #[arg(long, default_value_t = crate::assets::IN_FLIGHT as u64, value_parser = clap::value_parser!(u64).range(1..=256))]
        jobs: u64,
    },
    /// Every asset: key, size, type, when it was uploaded
    List,
    /// An address to fetch an asset at: presigned on S3, the public (or file) URL of a folder
    Url {
        key: String,
        /// How long a presigned URL works (e.g. 30m, 1h, 7d)
        #[arg(long, default_value = "1h", value_parser = parse_wait)]
        expires: Duration,
    },
    /// Copy every asset the environment `--to` lacks, checking each copy; run again to resume
    Migrate {
        /// The environment to copy to (from the one in use)
        #[arg(long, value_name = "ENV")]
        to: String,
        /// List what would be copied; copy nothing
        #[arg(long)]
        dry_run: bool,
        /// Copies in flight at once
        #[arg(long, default_value_t = crate::assets::IN_FLIGHT as u64, value_parser = clap::value_parser!(u64).range(1..=256))]
        jobs: u64,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum PageSizeArg {
    A4,
    Letter,
}

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
    /// Segments to sync; none means every applied segment with destinations
    pub segments: Vec<String>,
    /// Only this destination (its name under `destinations:` in cdp.yaml)
    #[arg(long, value_name = "DESTINATION")]
    pub to: Option<String>,
    /// Print how many users would be added and removed, and sample requests; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Send every member again, not only the changes since the last sync
    #[arg(long)]
    pub full: bool,
    /// How long to wait for another sync, apply or refresh to finish (e.g. 30s, 10m)
    #[arg(long, default_value = "5m", value_parser = parse_wait)]
    pub wait: Duration,
}

#[derive(Subcommand, Debug)]
pub enum SyncCommand {
    /// Per segment and destination: users acknowledged, pending, rejected, and the last run
    Status,
    /// The syncs of a segment, or (with --rejected) every user a destination refused and why
    Log {
        segment: String,
        /// List the refused users with the destination's reason
        #[arg(long)]
        rejected: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Replace the users and events tables with generated demo data
    Seed {
        #[arg(long, default_value_t = 10_000)]
        users: u64,
        #[arg(long, default_value_t = 90)]
        days: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Append the next days of demo activity (new sign-ups, sessions, churn) after `demo seed`
    Advance {
        /// Days to append after where the demo data ends now
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
    },
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
        Command::Apply { auto_approve, wait } => state::apply(&r, auto_approve, wait).await,
        Command::Refresh {
            segments,
            all,
            wait,
            sync,
        } => state::refresh(&r, segments, all, wait, sync).await,
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
                sync::sync(&r, &options, args.wait).await
            }
        },
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
        Command::State(StateCommand::Migrate { to, force, wait }) => {
            state_migrate::migrate(&r, &to, force, wait).await
        }
        Command::State(StateCommand::History { limit }) => state_migrate::history(&r, limit).await,
        Command::Env(EnvCommand::List) => env::list(&r),
        Command::Env(EnvCommand::Status { name }) => env::status(&r, name.as_deref()).await,
        Command::Env(EnvCommand::Promote {
            from,
            to,
            auto_approve,
            wait,
        }) => promote::promote(&r, &from, &to, auto_approve, wait).await,
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
        Command::Query { sql } => data::query(&r, &sql).await,
        Command::Demo(DemoCommand::Seed { users, days, seed }) => {
            data::seed(&r, users, days, seed).await
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
