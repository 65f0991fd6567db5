//! The subcommands of each command group, their arguments and help.

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;

use super::parse_wait;

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

/// An absolute effect on a conversion rate, in [0, 1).
fn effect_size(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(e) if (0.0..1.0).contains(&e) => Ok(e),
        _ => Err(format!(
            "`{text}` is not an effect: give a share of users from 0 to below 1, such as 0.05"
        )),
    }
}

#[derive(Subcommand, Debug)]
pub enum CampaignCommand {
    /// What a launch would do: audience, arms, the goal's base rate, the detectable effect, the first requests
    Plan { name: String },
    /// Assign the audience's new members and message the treatment users not messaged yet
    Launch {
        name: String,
        /// Message again the users a lost answer left `unknown` (they may receive it twice)
        #[arg(long)]
        resend_unknown: bool,
    },
    /// Per campaign: audience, treatment, holdout, sent, unknown, failed, last run
    Status { name: Option<String> },
    /// Treatment against holdout on the goal: rates, uplift with 95% CIs, p-value, chance to
    /// beat holdout, incremental conversions and revenue, SRM check, MDE, guardrails, verdict
    Report {
        /// The campaign (its `name:` in `campaigns/`)
        name: String,
        /// Also write the report as files: pdf, xlsx or both (`pdf,xlsx`)
        #[arg(long, value_delimiter = ',', value_name = "FILES", value_parser = super::campaign_report::export_file)]
        export: Vec<crate::dashboard::export::FileFormat>,
        /// The folder to write `<campaign>-report.pdf` and `.xlsx` to
        #[arg(long, short, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Make an API token for the daemon's API; it is shown once, and only its hash is kept
    Create { name: String },
    /// The tokens: name, id, who made them, when last used, whether revoked (never the token)
    List,
    /// Revoke the token of that name (or id): it stops working at once
    Revoke { name: String },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user of the daemon's web UI, or set their password. The password is read from a
    /// prompt, or from the first line of stdin when it is not a terminal; never an argument
    Add { name: String },
    /// The UI's users
    List,
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
        /// Then plant a true effect in a campaign: assign its audience as a launch would, as of
        /// its goal window plus a day before the data ends, and add goal events to treatment
        /// users so that treatment converts at the holdout's rate plus this many (absolute:
        /// 0.05 is five percentage points). `cdp campaign report` then measures it
        #[arg(long, value_name = "EFFECT", value_parser = effect_size)]
        campaign_effect: Option<f64>,
        /// The campaign for `--campaign-effect` (default: the project's first)
        #[arg(long, value_name = "NAME", requires = "campaign_effect")]
        campaign: Option<String>,
    },
    /// Append the next days of demo activity (new sign-ups, sessions, churn) after `demo seed`
    Advance {
        /// Days to append after where the demo data ends now
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
    },
}
