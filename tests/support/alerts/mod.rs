//! Local doubles of where the daemon's alerts go: SendGrid's `mail/send` and a Slack-compatible
//! webhook receiver, with the destination doubles' faults.
#![allow(dead_code)]

pub mod sendgrid;
pub mod webhook;
