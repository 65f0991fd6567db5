//! Local doubles of the destination APIs cdp syncs audiences to (Braze, Amplitude) and the fault
//! machinery they share.
// The benchmarks use only part of it.
#![allow(dead_code)]

pub mod amplitude;
pub mod braze;
pub mod faults;
