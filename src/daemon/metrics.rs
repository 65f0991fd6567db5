//! `/metrics` in Prometheus's text format: the daemon's jobs by kind and outcome, their
//! durations as histograms, the jobs running, users synced, and the last success of each
//! segment's refresh and sync (from the state store, so runs of the command line count too).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::jobs::Job;
use crate::state::Store;

/// Upper bounds of the duration histograms' buckets, in seconds.
const BUCKETS: [f64; 8] = [0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0, 3600.0];

/// A label value as the format quotes it.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// The text of every metric: `jobs` are the daemon's, the rest is read from `store` for the
/// project's `segments`.
pub async fn render(
    jobs: &[Job],
    queue_depth: Option<usize>,
    segments: &[String],
    store: &dyn Store,
) -> Result<String, crate::state::StateError> {
    let mut out = String::new();
    let mut outcomes: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut durations: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut running = 0;
    for j in jobs {
        match j.ended_at {
            None => running += 1,
            Some(end) => {
                *outcomes.entry((j.kind, j.status)).or_default() += 1;
                let secs = (end - j.started_at).num_milliseconds() as f64 / 1000.0;
                durations.entry(j.kind).or_default().push(secs);
            }
        }
    }
    header(
        &mut out,
        "cdp_jobs_total",
        "counter",
        "Jobs the daemon finished, by kind and outcome.",
    );
    for ((kind, outcome), n) in &outcomes {
        let _ = writeln!(
            out,
            "cdp_jobs_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
        );
    }
    header(&mut out, "cdp_jobs_running", "gauge", "Jobs running now.");
    let _ = writeln!(out, "cdp_jobs_running {running}");
    if let Some(depth) = queue_depth {
        header(
            &mut out,
            "cdp_queue_depth",
            "gauge",
            "Jobs waiting in the queue.",
        );
        let _ = writeln!(out, "cdp_queue_depth {depth}");
    }
    header(
        &mut out,
        "cdp_job_duration_seconds",
        "histogram",
        "How long the daemon's jobs took.",
    );
    for (kind, secs) in &durations {
        for le in BUCKETS {
            let n = secs.iter().filter(|s| **s <= le).count();
            let _ = writeln!(
                out,
                "cdp_job_duration_seconds_bucket{{kind=\"{kind}\",le=\"{le}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "cdp_job_duration_seconds_bucket{{kind=\"{kind}\",le=\"+Inf\"}} {}",
            secs.len()
        );
        let _ = writeln!(
            out,
            "cdp_job_duration_seconds_sum{{kind=\"{kind}\"}} {}",
            secs.iter().sum::<f64>()
        );
        let _ = writeln!(
            out,
            "cdp_job_duration_seconds_count{{kind=\"{kind}\"}} {}",
            secs.len()
        );
    }
    let syncs = store.syncs(None, 100_000).await?;
    header(
        &mut out,
        "cdp_users_synced_total",
        "counter",
        "Users destinations accepted, by destination (the last 100,000 syncs).",
    );
    let mut synced: BTreeMap<&str, i64> = BTreeMap::new();
    for s in &syncs {
        *synced.entry(s.destination.as_str()).or_default() += s.stats.sent;
    }
    for (destination, n) in &synced {
        let _ = writeln!(
            out,
            "cdp_users_synced_total{{destination=\"{}\"}} {n}",
            label(destination)
        );
    }
    header(
        &mut out,
        "cdp_last_success_timestamp_seconds",
        "gauge",
        "When each segment's last successful refresh or sync ended (Unix time).",
    );
    let mut last: BTreeMap<(&str, String), i64> = BTreeMap::new();
    for segment in segments {
        if let Some(snap) = store.snapshots(segment).await?.last() {
            last.insert(("refresh", segment.clone()), snap.at.timestamp());
        }
    }
    for s in syncs.iter().filter(|s| s.status == "succeeded") {
        if let Some(end) = s.ended_at {
            let at = last.entry(("sync", s.segment.clone())).or_default();
            *at = (*at).max(end.timestamp());
        }
    }
    for ((kind, segment), at) in &last {
        let _ = writeln!(
            out,
            "cdp_last_success_timestamp_seconds{{kind=\"{kind}\",segment=\"{}\"}} {at}",
            label(segment)
        );
    }
    header(
        &mut out,
        "cdp_schedule_last_success_timestamp_seconds",
        "gauge",
        "When each schedule's last scheduled run succeeded (Unix time), whichever daemon ran it.",
    );
    let mut schedules: BTreeMap<String, i64> = BTreeMap::new();
    for j in store.jobs(None, 10_000).await? {
        if let (Some(_), Some(end), "succeeded") = (j.instant, j.ended_at, j.status.as_str()) {
            let at = schedules.entry(j.job).or_default();
            *at = (*at).max(end.timestamp());
        }
    }
    for (job, at) in &schedules {
        let _ = writeln!(
            out,
            "cdp_schedule_last_success_timestamp_seconds{{job=\"{}\"}} {at}",
            label(job)
        );
    }
    Ok(out)
}
