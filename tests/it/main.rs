//! The integration suite: one binary (each links DuckDB), a module per area.

#[path = "../support/alerts/mod.rs"]
pub mod alert_doubles;
mod alert_state;
mod alerts;
mod assets;
mod assignment;
mod auth;
mod braze_messaging;
mod browser_ui;
mod campaign_launch;
mod campaign_report;
mod campaigns;
mod cli;
mod common;
mod compile;
mod connect;
mod crash;
mod daemon;
mod daemon_dashboards;
mod daemon_jobs;
mod daemon_proc;
mod daemon_schedule;
mod daemon_ui;
mod dashboard_export;
mod dashboards;
mod demo;
#[path = "../support/destinations/mod.rs"]
pub mod destination_doubles;
mod differential;
mod doubles;
mod env;
mod examples;
mod freeze;
mod fused;
mod ops;
mod promote;
#[path = "../support/s3.rs"]
pub mod s3server;
#[path = "../support/serve.rs"]
mod serve;
mod snowflake;
mod state;
mod state_dump;
mod state_fixture;
mod state_migrate;
mod sync;
mod validate;
mod warehouses;
#[path = "../support/webdriver.rs"]
mod webdriver;
mod workflow;
