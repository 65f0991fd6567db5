//! The daemon's web UI over HTTP, as a browser uses it: the login form (a wrong password sets
//! no session; the sixth failure in a row is refused with 429, per address and per user), a
//! session cookie that opens the pages and stops working when its user's password changes or
//! the user is deleted, CSRF refused without its token (403), a Refresh button that starts a
//! job, logout; the signing key stays out of `state export`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::auth::user_add;
use crate::daemon::{Daemon, vip_project};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// An answer: status, the `Location` header, the `Set-Cookie` headers, the body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) body: String,
}

impl Answer {
    fn sets(&self, cookie: &str) -> bool {
        self.set_cookies
            .iter()
            .any(|c| c.starts_with(&format!("{cookie}=")) && !c.contains("Max-Age=0"))
    }

    /// The value of the hidden field `name` of the page's first form that has one.
    pub(crate) fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name}: {}", self.body));
        let rest = &self.body[start + marker.len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// A client that keeps cookies, does not follow redirects, and connects from `from`.
pub(crate) struct Browser {
    base: String,
    from: IpAddr,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    pub(crate) fn new(d: &Daemon, from: &str) -> Browser {
        Browser {
            base: d.url.clone(),
            from: from.parse().unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    pub(crate) fn get(&mut self, path: &str) -> Answer {
        self.send("GET", path, &[], &[])
    }

    pub(crate) fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send("POST", path, form, &[])
    }

    fn send(
        &mut self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let (form, headers) = (owned(form), owned(headers));
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let cookie = cookie.join("; ");
        let from = self.from;
        let answer = crate::common::on_own_runtime(async move {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(from)
                .build()
                .unwrap();
            let mut request = client.request(method.clone(), url);
            if !cookie.is_empty() {
                request = request.header("cookie", cookie);
            }
            for (k, v) in headers {
                request = request.header(k, v);
            }
            if method == reqwest::Method::POST {
                request = request.form(&form);
            }
            let r = request.send().await.unwrap();
            let header = |name: &str| -> Vec<String> {
                r.headers()
                    .get_all(name)
                    .iter()
                    .map(|v| v.to_str().unwrap().to_string())
                    .collect()
            };
            let (location, set_cookies) = (header("location").pop(), header("set-cookie"));
            Answer {
                status: r.status().as_u16(),
                location,
                set_cookies,
                body: r.text().await.unwrap(),
            }
        });
        for c in &answer.set_cookies {
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        answer
    }

    /// Posts the login form (fetched first, for its CSRF token) as `user`.
    pub(crate) fn login(&mut self, user: &str, password: &str) -> Answer {
        let form = self.get("/login?next=/segments/vip");
        assert_eq!(form.status, 200, "{}", form.body);
        let token = form.field("csrf");
        self.post(
            "/login",
            &[
                ("user", user),
                ("password", password),
                ("csrf", &token),
                ("next", "/segments/vip"),
            ],
        )
    }
}

fn sqlite(p: &crate::common::TempProject, sql: &'static str) -> Vec<String> {
    let url = format!("sqlite://{}", p.path().join(".cdp/state.db").display());
    crate::common::on_own_runtime(async move {
        use sqlx::{Connection, Row};
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let rows = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).unwrap_or_default())
            .collect()
    })
}

#[test]
fn logging_in_csrf_and_a_refresh_from_the_ui() {
    let p = vip_project();
    let (code, err) = user_add(&p, &[], "ana", &format!("{PASSWORD}\n"));
    assert_eq!(code, 0, "{err}");
    let d = Daemon::start(&p);
    let mut b = Browser::new(&d, "127.0.0.1");

    // Wrong password, unknown user: the same answer, and no session.
    for (user, password) in [("ana", "wrong horse battery"), ("nobody", PASSWORD)] {
        let a = b.login(user, password);
        assert_eq!(a.status, 401, "{}", a.body);
        assert!(a.body.contains("Wrong user name or password"), "{}", a.body);
        assert!(!a.sets("cdp_session"), "{:?}", a.set_cookies);
    }
    // The login form's own CSRF check: without the token, or with another form's.
    let a = b.post("/login", &[("user", "ana"), ("password", PASSWORD)]);
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("CSRF") && !a.sets("cdp_session"));

    let a = b.login("ana", PASSWORD);
    assert_eq!(
        (a.status, a.location.as_deref()),
        (303, Some("/segments/vip")),
        "{}",
        a.body
    );
    let session = a
        .set_cookies
        .iter()
        .find(|c| c.starts_with("cdp_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(!session.contains("Secure"), "plain http: {session}");

    // The pages, with the session.
    let page = b.get("/segments");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("href=\"/segments/vip\"") && page.body.contains("<svg"));
    let vip = b.get("/segments/vip");
    assert_eq!(vip.status, 200);
    for expected in [
        "Compiled SQL",
        "gold",
        "tier",
        "<figure class=\"chart\"",
        "<svg",
        "action=\"/segments/vip/refresh\"",
    ] {
        assert!(vip.body.contains(expected), "{expected}: {}", vip.body);
    }
    for path in ["/runs?kind=refresh", "/campaigns", "/environment"] {
        let a = b.get(path);
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        assert!(a.body.contains("Log out"), "{path}");
    }
    assert_eq!(b.get("/").location.as_deref(), Some("/segments"));
    let missing = b.get("/segments/nope");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("nope") && !missing.body.contains("panicked"));
    assert_eq!(
        b.get("/login?next=//evil.test").location.as_deref(),
        Some("/segments")
    );

    // CSRF: a POST without the session's token, or with another's, is refused.
    let token = vip.field("csrf");
    let a = b.post("/segments/vip/refresh", &[]);
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("CSRF"), "{}", a.body);
    let a = b.post("/segments/vip/refresh", &[("csrf", "forged")]);
    assert_eq!(a.status, 403);
    let mut other = Browser::new(&d, "127.0.0.1");
    assert_eq!(other.login("ana", PASSWORD).status, 303);
    let theirs = other.get("/segments/vip").field("csrf");
    assert_ne!(theirs, token);
    assert_eq!(
        b.post("/segments/vip/refresh", &[("csrf", &theirs)]).status,
        403
    );

    // The Refresh button: with the token, a job starts and its page follows it to the end.
    let a = b.post("/segments/vip/refresh", &[("csrf", &token)]);
    assert_eq!(a.status, 303, "{}", a.body);
    let job = a.location.unwrap();
    assert!(job.starts_with("/jobs/"), "{job}");
    let begun = std::time::Instant::now();
    let done = loop {
        let page = b.get(&job);
        assert_eq!(page.status, 200, "{}", page.body);
        if !page.body.contains("http-equiv=\"refresh\"") {
            break page;
        }
        assert!(
            begun.elapsed().as_secs() < 60,
            "the job did not end: {}",
            page.body
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        done.body.contains("badge good\">succeeded"),
        "{}",
        done.body
    );
    let runs = b.get("/runs?kind=refresh&status=succeeded").body;
    assert_eq!(
        runs.matches("badge good\">succeeded").count(),
        2,
        "the command line's refresh and the job's: {runs}"
    );

    // The key signs every daemon's cookies on this store, and never leaves it in an export.
    let key = sqlite(&p, "select value from ui_secrets");
    assert_eq!(key.len(), 1);
    let export = p.run(&["state", "export"]);
    assert!(!export.ok().stdout.contains(&key[0]) && !export.stdout.contains("ui_secrets"));

    // A password changed ends the sessions made with the old one; logging out ends this one.
    let (code, err) = user_add(&p, &[], "ana", "staple battery horse\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(other.get("/segments").status, 401);
    let a = b.login("ana", "staple battery horse");
    assert_eq!(a.status, 303);
    let logout_token = b.get("/segments").field("csrf");
    let a = b.post("/logout", &[("csrf", &logout_token)]);
    assert_eq!((a.status, a.location.as_deref()), (303, Some("/login")));
    assert_eq!(b.get("/segments").status, 401);
    // A deleted user's cookie stops working.
    assert_eq!(b.login("ana", "staple battery horse").status, 303);
    assert_eq!(b.get("/segments").status, 200);
    sqlite(&p, "delete from ui_users where name = 'ana' returning name");
    assert_eq!(b.get("/segments").status, 401);

    // Behind a proxy on https, cookies are Secure.
    let a = b.send("GET", "/login", &[], &[("x-forwarded-proto", "https")]);
    assert!(
        a.set_cookies.iter().all(|c| c.contains("; Secure")),
        "{:?}",
        a.set_cookies
    );
}

#[test]
fn failed_logins_are_limited_per_address_and_per_user() {
    let p = vip_project();
    let (code, err) = user_add(&p, &[], "ana", &format!("{PASSWORD}\n"));
    assert_eq!(code, 0, "{err}");
    let d = Daemon::start(&p);
    let mut b = Browser::new(&d, "127.0.0.2");
    for i in 1..=5 {
        let a = b.login("ana", "wrong horse battery");
        assert_eq!(a.status, 401, "failure {i}: {}", a.body);
    }
    // The sixth try is refused, the right password too, and says when to come back.
    let a = b.login("ana", PASSWORD);
    assert_eq!(a.status, 429, "{}", a.body);
    assert!(a.body.contains("try again in 15 minutes"), "{}", a.body);
    assert!(!a.sets("cdp_session"));
    // From another address, the user is still limited; another user from this address too.
    let mut elsewhere = Browser::new(&d, "127.0.0.3");
    assert_eq!(elsewhere.login("ana", PASSWORD).status, 429);
    assert_eq!(b.login("bob", PASSWORD).status, 429);
    // Another user from another address is not.
    assert_eq!(elsewhere.login("bob", PASSWORD).status, 401);
}
