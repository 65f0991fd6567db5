//! Snowflake through its SQL API v2 (`../shared/reference/snowflake.md`): authentication first;
//! the statement client builds on it.

pub mod api;
pub mod auth;
pub mod client;
pub mod http;
pub mod types;
