//! A small W3C WebDriver client over reqwest, enough to drive a headless Chromium through
//! chromedriver in tests: sessions, navigation, elements, typing and clicking, window size,
//! screenshots. Chromedriver is started on a free port and stopped on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The key W3C WebDriver names an element reference by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where Chromium and chromedriver are, when both are installed (`CDP_TEST_CHROMIUM` and
/// `CDP_TEST_CHROMEDRIVER` override the Debian paths).
pub fn installed() -> Option<(PathBuf, PathBuf)> {
    let path = |var: &str, default: &str| {
        PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_string()))
    };
    let chromium = path("CDP_TEST_CHROMIUM", "/usr/bin/chromium");
    let driver = path("CDP_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
    (chromium.is_file() && driver.is_file()).then_some((chromium, driver))
}

/// A running chromedriver.
pub struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Driver {
    pub async fn start(driver: &Path) -> Driver {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let d = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let begun = Instant::now();
        loop {
            if let Ok(r) = d.http.get(format!("{}/status", d.url)).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                return d;
            }
            assert!(
                begun.elapsed() < Duration::from_secs(30),
                "chromedriver is not ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new headless browser with its own fresh profile in `profile`.
    pub async fn session(&self, chromium: &Path, profile: &Path) -> Browser {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        }}});
        let r = call(
            &self.http,
            "POST",
            &format!("{}/session", self.url),
            Some(caps),
        )
        .await;
        let id = r["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"));
        Browser {
            http: self.http.clone(),
            base: format!("{}/session/{id}", self.url),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command's `value`; panics with the driver's message on an error.
async fn call(http: &reqwest::Client, method: &str, url: &str, body: Option<Value>) -> Value {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http.request(method, url);
    if let Some(b) = body {
        request = request.json(&b);
    }
    let r = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {v}");
    v["value"].clone()
}

/// One browser session.
pub struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        call(&self.http, method, &format!("{}{path}", self.base), body).await
    }

    pub async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The elements `css` selects, by reference.
    pub async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self
            .cmd(
                "POST",
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first element `css` selects, waiting up to 10 s for it (a page a click led to may
    /// still be loading); panics when there is none.
    pub async fn find(&self, css: &str) -> String {
        let begun = std::time::Instant::now();
        loop {
            if let Some(e) = self.find_all(css).await.into_iter().next() {
                return e;
            }
            if begun.elapsed() > std::time::Duration::from_secs(10) {
                panic!("no `{css}` in:\n{}", self.source().await);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})))
            .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        let t = self.cmd("GET", &format!("/element/{e}/text"), None).await;
        t.as_str().unwrap_or_default().to_string()
    }

    /// Runs `script` in the page; its result.
    pub async fn script(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Sizes the window so that the page's viewport is `width` by `height` CSS pixels.
    pub async fn viewport(&self, width: i64, height: i64) {
        let rect = json!({ "width": width, "height": height });
        self.cmd("POST", "/window/rect", Some(rect)).await;
        // The window's frame takes some of it: grow the window by the difference.
        let inner = self
            .script("return [window.innerWidth, window.innerHeight]")
            .await;
        let (w, h) = (
            inner[0].as_i64().unwrap_or(width),
            inner[1].as_i64().unwrap_or(height),
        );
        if (w, h) != (width, height) {
            let rect = json!({ "width": 2 * width - w, "height": 2 * height - h });
            self.cmd("POST", "/window/rect", Some(rect)).await;
        }
    }

    /// A PNG of the whole page at the viewport's width, written to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.cmd("GET", "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    pub async fn quit(self) {
        self.cmd("DELETE", "", None).await;
    }
}
