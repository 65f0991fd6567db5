//! Segment membership kept in the warehouse as intervals, and the refresh that maintains it.
//!
//! `<cdp_schema>.membership` holds one row per (segment, user, entered_at, exited_at), open while
//! the user is a member; `<cdp_schema>.refreshes` one row per segment refreshed. A refresh writes
//! both for every segment it computed in one warehouse transaction, so a crash leaves the
//! previous state whole.

pub mod history;
pub mod refresh;
pub mod sql;

pub use refresh::{Refreshed, refresh};
