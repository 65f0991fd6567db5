//! The daemon's web UI in a real browser: headless Chromium driven through chromedriver's W3C
//! WebDriver API. It logs in through the form, opens a segment and finds its SVG charts, opens
//! the demo dashboard and finds its tiles, presses Refresh and follows the job to its end, and saves screenshots of the main pages at
//! laptop (1280x800) and phone (390x844) sizes under `$CARGO_TARGET_TMPDIR/ui-screenshots/`.
//! Skipped, with a message, only when Chromium or chromedriver is not installed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::auth::user_add;
use crate::common::{NOW, TempProject};
use crate::daemon::Daemon;
use crate::webdriver::{self, Browser, Driver};

const PASSWORD: &str = "correct horse battery";
/// The segment whose page is opened.
const SEGMENT: &str = "active_last_30d";
const SIZES: [(&str, i64, i64); 2] = [("laptop", 1280, 800), ("phone", 390, 844)];

/// The demo project, seeded a week before `NOW` and refreshed each day since, so that the
/// charts have a history.
fn demo_with_history() -> TempProject {
    let p = TempProject::demo();
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
    let at = |days: i64| (now - chrono::Duration::days(days)).to_rfc3339();
    let start = at(7);
    p.run_env(&["demo", "seed", "--users", "2000"], &[("CDP_NOW", &start)])
        .ok();
    p.run_env(&["apply", "--auto-approve"], &[("CDP_NOW", &start)])
        .ok();
    p.run_env(&["refresh"], &[("CDP_NOW", &start)]).ok();
    for day in (0..7).rev() {
        let when = at(day);
        p.run_env(&["demo", "advance"], &[("CDP_NOW", &when)]).ok();
        p.run_env(&["refresh"], &[("CDP_NOW", &when)]).ok();
    }
    p
}

/// A screenshot of the whole page (up to 3000 pixels tall) at this width.
async fn shoot(b: &Browser, dir: &Path, name: &str, (size, width, height): (&str, i64, i64)) {
    b.viewport(width, height).await;
    let tall = b
        .script("return document.documentElement.scrollHeight")
        .await
        .as_i64()
        .unwrap_or(height);
    if tall > height {
        b.viewport(width, tall.min(3000)).await;
    }
    let path = dir.join(format!("{name}-{size}.png"));
    b.screenshot(&path).await;
    // No page scrolls sideways: tables scroll in their own boxes.
    let wide = b
        .script("return document.documentElement.scrollWidth")
        .await;
    assert!(
        wide.as_i64().unwrap_or(0) <= width,
        "{name} at {size} is {wide} wide"
    );
    eprintln!("screenshot: {}", path.display());
}

async fn wait_for(b: &Browser, what: &str, done: impl AsyncFn(&Browser) -> bool) {
    let begun = Instant::now();
    while !done(b).await {
        assert!(
            begun.elapsed() < Duration::from_secs(90),
            "waited for {what}:\n{}",
            b.source().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn the_ui_in_a_headless_browser() {
    let Some((chromium, driver)) = webdriver::installed() else {
        eprintln!(
            "skipped the_ui_in_a_headless_browser: chromium and chromedriver are not installed \
             (`apt-get install chromium chromium-driver`, or set CDP_TEST_CHROMIUM and CDP_TEST_CHROMEDRIVER)"
        );
        return;
    };
    if let Ok(dir) = std::env::var("CDP_TEST_MARKERS") {
        let _ = std::fs::write(Path::new(&dir).join("browser-ui"), "ran");
    }
    let p = demo_with_history();
    let (code, err) = user_add(&p, &[], "ana", &format!("{PASSWORD}\n"));
    assert_eq!(code, 0, "{err}");
    let d = Daemon::start(&p);
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let base = d.url.clone();
    let profile_dir = profile.path().to_path_buf();
    crate::common::on_own_runtime(async move {
        let driver = Driver::start(&driver).await;
        let b = driver.session(&chromium, &profile_dir).await;
        let run = async {
            // A page without a session shows the login form, which comes back to it.
            b.goto(&format!("{base}/segments/{SEGMENT}")).await;
            let login = b.source().await;
            assert!(login.contains("Sign in to cdp"), "{login}");
            for size in SIZES {
                shoot(&b, &shots, "login", size).await;
            }
            b.viewport(1280, 800).await;
            b.type_into("#user", "ana").await;
            b.type_into("#password", "wrong horse battery").await;
            b.click("form[action='/login'] button").await;
            assert!(
                b.text(".notice.error")
                    .await
                    .contains("Wrong user name or password")
            );
            b.type_into("#user", "").await;
            b.type_into("#password", PASSWORD).await;
            b.click("form[action='/login'] button").await;
            wait_for(&b, "the segment's page", async |b| {
                b.url().await.ends_with(&format!("/segments/{SEGMENT}"))
            })
            .await;

            // Its charts are inline SVG drawn from the history: a line with a point per refresh.
            let charts = b.find_all("figure.chart svg").await;
            assert_eq!(charts.len(), 4, "two charts, each wide and narrow");
            let points = b
                .script("return document.querySelector('figure.chart .wide svg polyline').getAttribute('points').split(' ').length")
                .await;
            // Eight refreshes, and those of the schedules the daemon caught up when it started
            // (the demo's segments were applied months before its clock).
            let points = points.as_u64().unwrap();
            assert!((8..=12).contains(&points), "a point per refresh: {points}");
            assert!(b.text("h1").await.contains(SEGMENT));

            // The demo's dashboard, computed by the daemon when it started: its tiles on
            // their grid, the charts as inline SVG.
            let dashboard = format!("{base}/dashboards/growth");
            let begun = Instant::now();
            loop {
                b.goto(&dashboard).await;
                if !b.find_all(".dash .tile").await.is_empty() {
                    break;
                }
                assert!(
                    begun.elapsed() < Duration::from_secs(90),
                    "the dashboard was not computed:\n{}",
                    b.source().await
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            assert_eq!(b.find_all(".dash .tile").await.len(), 11, "every tile");
            assert_eq!(
                b.find_all(".tile.chart svg").await.len(),
                12,
                "6 charts, wide and narrow"
            );

            let pages = [
                ("segments", "/segments".to_string()),
                ("segment", format!("/segments/{SEGMENT}")),
                ("runs", "/runs".to_string()),
                ("campaigns", "/campaigns".to_string()),
                ("campaign", "/campaigns/pro_annual_upsell".to_string()),
                ("dashboards", "/dashboards".to_string()),
                ("dashboard", "/dashboards/growth".to_string()),
                ("environment", "/environment".to_string()),
            ];
            for size in SIZES {
                for (name, path) in &pages {
                    b.goto(&format!("{base}{path}")).await;
                    shoot(&b, &shots, name, size).await;
                }
            }

            // Refresh: the button starts a job, whose page reloads itself until it succeeded.
            b.viewport(1280, 800).await;
            b.goto(&format!("{base}/segments/{SEGMENT}")).await;
            b.click("form[action$='/refresh'] button").await;
            wait_for(&b, "the job to succeed", async |b| {
                b.url().await.contains("/jobs/")
                    && b.find_all("#job-status .badge.good").await.len() == 1
            })
            .await;
            assert_eq!(b.text("#job-status").await, "succeeded");
            for size in SIZES {
                shoot(&b, &shots, "job", size).await;
            }
        };
        run.await;
        b.quit().await;
    });
    drop(profile);
}
