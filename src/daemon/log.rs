//! The daemon's log on stderr: one line per event, as text (`2026-06-01T06:00:00Z INFO started
//! job=refresh:vip`) or as JSON (`--log-format json`, one object per line) for a log shipper.
//! Errors are written as their chain and hint, which never hold a secret.

use std::io::Write as _;
use std::sync::Arc;

use chrono::{SecondsFormat, Utc};

use crate::error::Error;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Where the daemon's events go. Cloning shares the sink.
#[derive(Clone)]
pub struct Log {
    format: LogFormat,
    sink: Arc<dyn Fn(&str) + Send + Sync>,
}

impl Default for Log {
    fn default() -> Log {
        Log::stderr(LogFormat::Text)
    }
}

impl Log {
    pub fn stderr(format: LogFormat) -> Log {
        Log {
            format,
            sink: Arc::new(|line| {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }),
        }
    }

    /// A log that hands each line to `sink` (tests).
    pub fn to(format: LogFormat, sink: impl Fn(&str) + Send + Sync + 'static) -> Log {
        Log {
            format,
            sink: Arc::new(sink),
        }
    }

    pub fn info(&self, message: &str, fields: &[(&str, &str)]) {
        self.write("info", message, fields);
    }

    pub fn warn(&self, message: &str, fields: &[(&str, &str)]) {
        self.write("warn", message, fields);
    }

    pub fn error(&self, message: &str, e: &Error) {
        self.error_text(message, &[], &super::runner::message(e));
    }

    pub fn error_text(&self, message: &str, fields: &[(&str, &str)], error: &str) {
        let mut all = fields.to_vec();
        all.push(("error", error));
        self.write("error", message, &all);
    }

    fn write(&self, level: &str, message: &str, fields: &[(&str, &str)]) {
        (self.sink)(&line(self.format, level, message, fields));
    }
}

fn line(format: LogFormat, level: &str, message: &str, fields: &[(&str, &str)]) -> String {
    let ts = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    match format {
        LogFormat::Json => {
            let mut object = serde_json::Map::new();
            object.insert("ts".into(), ts.into());
            object.insert("level".into(), level.into());
            object.insert("msg".into(), message.into());
            for (k, v) in fields {
                object.insert((*k).into(), (*v).into());
            }
            serde_json::Value::Object(object).to_string()
        }
        LogFormat::Text => {
            let mut out = format!("{ts} {} {message}", level.to_uppercase());
            for (k, v) in fields {
                if v.is_empty() || v.contains(char::is_whitespace) || v.contains('"') {
                    out.push_str(&format!(" {k}={v:?}"));
                } else {
                    out.push_str(&format!(" {k}={v}"));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_are_one_object_with_the_fields() {
        let l = line(
            LogFormat::Json,
            "info",
            "started",
            &[("job", "refresh:vip"), ("n", "3")],
        );
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["level"], "info");
        assert_eq!(v["msg"], "started");
        assert_eq!(v["job"], "refresh:vip");
        assert!(v["ts"].as_str().unwrap().ends_with('Z'));
        assert!(!l.contains('\n'));
    }

    #[test]
    fn text_lines_quote_values_with_spaces() {
        let l = line(
            LogFormat::Text,
            "error",
            "failed",
            &[("job", "sync:vip"), ("error", "a \"b\" c")],
        );
        assert!(
            l.contains(" ERROR failed job=sync:vip error=\"a \\\"b\\\" c\""),
            "{l}"
        );
        let multi = line(LogFormat::Text, "error", "failed", &[("error", "one\ntwo")]);
        assert!(!multi.contains('\n'), "{multi}");
    }
}
