//! CSRF: every form carries a token in a hidden field, checked on every POST. A session's token
//! is derived from its nonce ([`super::session::Session::csrf`]); the login form, before any
//! session, uses a signed double-submit cookie: the same random token in a cookie and in the
//! form, which another site can neither read nor set.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;

use super::html::escape;
use super::session::{Key, random};

/// The hidden field's name.
pub const FIELD: &str = "csrf";
/// The login form's cookie.
pub const LOGIN_COOKIE: &str = "cdp_login";
/// How long a login form stays usable, in seconds.
pub const LOGIN_MAX_AGE: i64 = 3600;
/// The largest form body read.
const MAX_FORM: usize = 64 * 1024;

/// The hidden input that carries `token`.
pub fn hidden(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{FIELD}\" value=\"{}\">",
        escape(token)
    )
}

/// A new login form token: a random nonce and its signature.
pub fn login_token(key: &Key) -> String {
    use base64::Engine as _;
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random::<18>());
    let signature = key.sign("login", &nonce);
    format!("{nonce}.{signature}")
}

/// Whether a login form's token is the one its cookie holds, and one the key signed.
pub fn login_ok(key: &Key, cookie: Option<&str>, field: Option<&str>) -> bool {
    match (cookie, field) {
        (Some(c), Some(f)) if c == f => c
            .split_once('.')
            .is_some_and(|(nonce, sig)| key.verify("login", nonce, sig)),
        _ => false,
    }
}

#[derive(serde::Deserialize)]
struct Field {
    csrf: Option<String>,
}

/// The CSRF token a POST presents (the `csrf` field of its urlencoded form, or the
/// `X-CSRF-Token` header), and the request with its body intact for the handler. `Err` when the
/// body is too large or unreadable.
pub async fn presented(request: Request) -> Result<(Request, Option<String>), Request> {
    let header = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return Err(Request::from_parts(parts, Body::empty()));
    };
    let field = match header {
        Some(h) => Some(h),
        None => form_field(parts.headers.get(CONTENT_TYPE), bytes.clone()).await,
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), field))
}

async fn form_field(
    content_type: Option<&axum::http::HeaderValue>,
    bytes: Bytes,
) -> Option<String> {
    let mut probe = Request::post("/").body(Body::from(bytes)).ok()?;
    if let Some(ct) = content_type {
        probe.headers_mut().insert(CONTENT_TYPE, ct.clone());
    }
    let axum::Form(f) = axum::Form::<Field>::from_request(probe, &()).await.ok()?;
    f.csrf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::decode(&Key::fresh()).unwrap()
    }

    #[test]
    fn a_login_token_passes_only_with_its_own_cookie() {
        let k = key();
        let t = login_token(&k);
        assert!(login_ok(&k, Some(&t), Some(&t)));
        assert!(!login_ok(&k, None, Some(&t)), "no cookie");
        assert!(!login_ok(&k, Some(&t), None), "no field");
        assert!(
            !login_ok(&k, Some(&t), Some(&login_token(&k))),
            "another form's"
        );
        let unsigned = "abc.def";
        assert!(!login_ok(&k, Some(unsigned), Some(unsigned)), "not signed");
        assert!(!login_ok(&key(), Some(&t), Some(&t)), "another key");
    }

    #[test]
    fn the_hidden_field_escapes_its_value() {
        assert_eq!(
            hidden("a\"><b"),
            "<input type=\"hidden\" name=\"csrf\" value=\"a&quot;&gt;&lt;b\">"
        );
    }

    #[tokio::test]
    async fn the_token_is_read_from_the_form_or_the_header_and_the_body_kept() {
        let form = |body: &'static str| {
            Request::post("/x")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        let (kept, token) = presented(form("a=1&csrf=t%2Bk&b=2")).await.unwrap();
        assert_eq!(token.as_deref(), Some("t+k"));
        let body = axum::body::to_bytes(kept.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"a=1&csrf=t%2Bk&b=2");
        assert_eq!(presented(form("a=1")).await.unwrap().1, None);
        let mut with_header = form("");
        with_header
            .headers_mut()
            .insert("x-csrf-token", "h".parse().unwrap());
        assert_eq!(
            presented(with_header).await.unwrap().1.as_deref(),
            Some("h")
        );
        let json = Request::post("/x")
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from("{\"csrf\":\"t\"}"))
            .unwrap();
        assert_eq!(presented(json).await.unwrap().1, None, "only a form counts");
    }
}
