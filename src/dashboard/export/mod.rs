//! The dashboard's exports: each renderer writes one file from a run's header and tiles.

pub mod xlsx;
