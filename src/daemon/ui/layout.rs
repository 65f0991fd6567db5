//! The frame of every page: the document head with the inline style sheet, the header with
//! the navigation and the user's logout button, and the answers built from a page (an HTML
//! page, the login page in place of a page that needs a session, an error page).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::csrf;
use super::html::{escape, notice};

const STYLE: &str = include_str!("style.css");

/// The areas of the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    Segments,
    Runs,
    Campaigns,
    Dashboards,
    Environment,
    None,
}

const NAV: [(Nav, &str, &str); 5] = [
    (Nav::Segments, "/segments", "Segments"),
    (Nav::Runs, "/runs", "Runs"),
    (Nav::Campaigns, "/campaigns", "Campaigns"),
    (Nav::Dashboards, "/dashboards", "Dashboards"),
    (Nav::Environment, "/environment", "Environment"),
];

/// Who is looking, for the header: their name and their session's CSRF token (for logout).
pub struct Viewer<'a> {
    pub user: &'a str,
    pub csrf: &'a str,
}

/// A page: its title, the area it belongs to, whether it reloads itself (seconds), its body.
pub struct Page<'a> {
    pub title: &'a str,
    pub nav: Nav,
    pub refresh: Option<u32>,
    pub body: String,
}

impl Page<'_> {
    /// The whole document, with the header when someone is logged in.
    pub fn render(&self, viewer: Option<&Viewer>) -> String {
        let refresh = self
            .refresh
            .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
            .unwrap_or_default();
        let header = viewer.map(|v| header(self.nav, v)).unwrap_or_else(|| {
            "<header class=\"top\"><div class=\"bar\"><span class=\"brand\">cdp<span>.</span></span></div></header>".to_string()
        });
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
             <title>{} · cdp</title><style>{STYLE}</style></head>\
             <body>{header}<main>{}</main></body></html>\n",
            escape(self.title),
            self.body
        )
    }
}

fn header(active: Nav, v: &Viewer) -> String {
    let links: String = NAV
        .iter()
        .map(|(nav, href, text)| {
            let on = if *nav == active { " class=\"on\"" } else { "" };
            format!("<a href=\"{href}\"{on}>{text}</a>")
        })
        .collect();
    format!(
        "<header class=\"top\"><div class=\"bar\"><a class=\"brand\" href=\"/segments\">cdp<span>.</span></a>\
         <nav class=\"main\">{links}</nav><div class=\"who\"><span>{}</span>\
         <form class=\"inline\" method=\"post\" action=\"/logout\">{}<button type=\"submit\">Log out</button></form>\
         </div></div></header>",
        escape(v.user),
        csrf::hidden(v.csrf)
    )
}

/// An HTML answer, never cached (pages show live state and carry tokens).
pub fn html(status: StatusCode, document: String) -> Response {
    let mut r = (status, document).into_response();
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

/// Adds a `Set-Cookie` header.
pub fn with_cookie(mut r: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(SET_COOKIE, v);
    }
    r
}

/// A 303 to `location` (a local path).
pub fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}

/// A page that only says what went wrong, for a logged-in viewer or not.
pub fn message(status: StatusCode, title: &str, text: &str, viewer: Option<&Viewer>) -> Response {
    let tone = if status.is_server_error() || status.is_client_error() {
        "error"
    } else {
        "info"
    };
    let page = Page {
        title,
        nav: Nav::None,
        refresh: None,
        body: format!(
            "<h1>{}</h1><p class=\"sub\">{}</p>{}<p><a href=\"/segments\">Back to segments</a></p>",
            escape(title),
            status.as_u16(),
            notice(tone, text)
        ),
    };
    html(status, page.render(viewer))
}

/// What the login form shows: a message (a failed try), the user name typed, where to go after.
pub struct LoginForm<'a> {
    pub error: Option<&'a str>,
    pub user: &'a str,
    pub next: &'a str,
    /// The form's CSRF token, also set as its cookie.
    pub token: &'a str,
    pub secure: bool,
}

/// The login page with `status` (401 in place of a page that needs a session, 429 when
/// refused), setting the form's CSRF cookie.
pub fn login(status: StatusCode, form: &LoginForm, retry_after: Option<u64>) -> Response {
    let error = form.error.map(|e| notice("error", e)).unwrap_or_default();
    let body = format!(
        "<div class=\"login card\"><h1>Sign in to cdp</h1>{error}\
         <form method=\"post\" action=\"/login\">{}\
         <input type=\"hidden\" name=\"next\" value=\"{}\">\
         <label for=\"user\">User</label>\
         <input id=\"user\" type=\"text\" name=\"user\" value=\"{}\" autocomplete=\"username\" autocapitalize=\"none\" required autofocus>\
         <label for=\"password\">Password</label>\
         <input id=\"password\" type=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">Sign in</button></form>\
         <p class=\"muted\" style=\"font-size:13px;margin:14px 0 0\">Users are added with <code>cdp user add NAME</code>.</p></div>",
        csrf::hidden(form.token),
        escape(form.next),
        escape(form.user),
    );
    let page = Page {
        title: "Sign in",
        nav: Nav::None,
        refresh: None,
        body,
    };
    let mut r = html(status, page.render(None));
    if let Some(secs) = retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        r.headers_mut().insert(RETRY_AFTER, v);
    }
    let cookie = super::session::set_cookie(
        csrf::LOGIN_COOKIE,
        form.token,
        csrf::LOGIN_MAX_AGE,
        form.secure,
    );
    with_cookie(r, &cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_their_title_and_mark_the_area() {
        let page = Page {
            title: "<x>",
            nav: Nav::Runs,
            refresh: Some(2),
            body: "<p>body</p>".into(),
        };
        let doc = page.render(Some(&Viewer {
            user: "ana<",
            csrf: "tok",
        }));
        assert!(doc.contains("<title>&lt;x&gt; · cdp</title>"), "{doc}");
        assert!(doc.contains("<a href=\"/runs\" class=\"on\">Runs</a>"));
        assert!(doc.contains("ana&lt;") && doc.contains("value=\"tok\""));
        assert!(doc.contains("http-equiv=\"refresh\" content=\"2\""));
        assert!(!page.render(None).contains("/logout"));
    }
}
