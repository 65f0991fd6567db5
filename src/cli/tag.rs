//! The query tag: the command and the segments it names, as the warehouse's query history shows
//! them.

use super::{
    AssetsCommand, CampaignCommand, Command, DashboardCommand, DemoCommand, EnvCommand,
    SegmentsCommand, StateCommand, SyncCommand, TokenCommand, UserCommand,
};

impl Command {
    /// `cdp`, the command and the segments it names (`cdp segments preview power_users`), for
    /// the warehouse's query history; never other arguments, which may hold SQL.
    pub fn tag(&self) -> String {
        let mut words: Vec<&str> = Vec::new();
        match self {
            Command::Init => words.push("init"),
            Command::Quickstart { .. } => words.push("quickstart"),
            Command::Validate { connect } => {
                words.push("validate");
                if *connect {
                    words.push("--connect");
                }
            }
            Command::Test => words.push("test"),
            Command::Compile { segment, .. } => words.extend(["compile", segment.as_str()]),
            Command::Migrate => words.push("migrate"),
            Command::Plan { .. } => words.push("plan"),
            Command::Apply { .. } => words.push("apply"),
            Command::Refresh { segments, .. } => {
                words.push("refresh");
                words.extend(segments.iter().map(String::as_str));
            }
            Command::Sync(args) => {
                words.push("sync");
                match &args.command {
                    Some(SyncCommand::Status) => words.push("status"),
                    Some(SyncCommand::Log { segment, .. }) => {
                        words.extend(["log", segment.as_str()])
                    }
                    None => words.extend(args.segments.iter().map(String::as_str)),
                }
            }
            Command::Segments(c) => {
                words.push("segments");
                match c {
                    SegmentsCommand::List => words.push("list"),
                    SegmentsCommand::Preview { name, .. } => {
                        words.extend(["preview", name.as_str()])
                    }
                    SegmentsCommand::Show { name } => words.extend(["show", name.as_str()]),
                    SegmentsCommand::History { name } => words.extend(["history", name.as_str()]),
                    SegmentsCommand::Members { name, .. } => {
                        words.extend(["members", name.as_str()])
                    }
                    SegmentsCommand::Overlap { names } => {
                        words.push("overlap");
                        words.extend(names.iter().map(String::as_str));
                    }
                }
            }
            Command::State(StateCommand::Export { .. }) => words.extend(["state", "export"]),
            Command::State(StateCommand::Import { .. }) => words.extend(["state", "import"]),
            Command::State(StateCommand::Migrate { .. }) => words.extend(["state", "migrate"]),
            Command::State(StateCommand::History { .. }) => words.extend(["state", "history"]),
            Command::Env(EnvCommand::List) => words.extend(["env", "list"]),
            Command::Env(EnvCommand::Status { .. }) => words.extend(["env", "status"]),
            Command::Env(EnvCommand::Promote { .. }) => words.extend(["env", "promote"]),
            Command::Env(EnvCommand::History { .. }) => words.extend(["env", "history"]),
            Command::Dashboard(c) => {
                words.push("dashboard");
                match c {
                    DashboardCommand::List => words.push("list"),
                    DashboardCommand::Run { name, .. } => words.extend(["run", name.as_str()]),
                    DashboardCommand::Export { name, .. } => {
                        words.extend(["export", name.as_str()])
                    }
                }
            }
            Command::Campaign(c) => {
                words.push("campaign");
                match c {
                    CampaignCommand::Plan { name } => words.extend(["plan", name.as_str()]),
                    CampaignCommand::Launch { name, .. } => words.extend(["launch", name.as_str()]),
                    CampaignCommand::Status { name } => {
                        words.push("status");
                        words.extend(name.as_deref());
                    }
                    CampaignCommand::Report { name, .. } => words.extend(["report", name.as_str()]),
                }
            }
            Command::Assets(c) => words.extend([
                "assets",
                match c {
                    AssetsCommand::Upload { .. } => "upload",
                    AssetsCommand::List => "list",
                    AssetsCommand::Url { .. } => "url",
                    AssetsCommand::Migrate { .. } => "migrate",
                },
            ]),
            Command::Daemon { .. } => words.push("daemon"),
            Command::Token(c) => words.extend([
                "token",
                match c {
                    TokenCommand::Create { .. } => "create",
                    TokenCommand::List => "list",
                    TokenCommand::Revoke { .. } => "revoke",
                },
            ]),
            Command::User(c) => words.extend([
                "user",
                match c {
                    UserCommand::Add { .. } => "add",
                    UserCommand::List => "list",
                },
            ]),
            Command::Query { .. } => words.push("query"),
            Command::Demo(DemoCommand::Seed { .. }) => words.extend(["demo", "seed"]),
            Command::Demo(DemoCommand::Advance { .. }) => words.extend(["demo", "advance"]),
            Command::Schema { .. } => words.push("schema"),
            Command::Completions { .. } => words.push("completions"),
        }
        let mut tag = String::from("cdp");
        // Names only: a word that is not one (a typo, something pasted) ends the tag.
        for w in words {
            if w == "--connect" {
                tag.push(' ');
                tag.push_str(w);
                continue;
            }
            if w.is_empty()
                || !w
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                break;
            }
            tag.push(' ');
            tag.push_str(w);
        }
        tag
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    fn tag(args: &[&str]) -> String {
        let mut all = vec!["cdp"];
        all.extend(args);
        crate::cli::Cli::parse_from(all).command.tag()
    }

    #[test]
    fn the_query_tag_names_the_command_and_segments_only() {
        assert_eq!(
            tag(&[
                "--project-dir",
                "demo",
                "refresh",
                "power_users",
                "lapsed_payers"
            ]),
            "cdp refresh power_users lapsed_payers"
        );
        assert_eq!(
            tag(&[
                "--env",
                "prod",
                "segments",
                "preview",
                "power_users",
                "--limit",
                "5"
            ]),
            "cdp segments preview power_users"
        );
        assert_eq!(tag(&["query", "select secret from t"]), "cdp query");
        assert_eq!(tag(&["refresh", "--all"]), "cdp refresh");
        assert_eq!(tag(&["refresh", "Robert'); drop"]), "cdp refresh");
    }
}
