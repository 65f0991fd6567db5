//! Logging in and out, and the gate in front of every page: a page without a valid session
//! answers 401 with the login form (which comes back to the page asked for), a POST without
//! its session's CSRF token 403. Failed logins are rate limited per address and per user name,
//! and never say whether the user exists.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Form};

use super::layout::{self, LoginForm};
use super::session::{self, COOKIE, Key, Session};
use super::{LoggedIn, Ui, csrf, ratelimit};
use crate::daemon::App;
use crate::daemon::reply::describe;
use crate::error::Result;

/// Where to go after logging in when `next` is not a path of this site.
const HOME: &str = "/segments";

/// `next` when it is a path of this site (`/segments?x=1`), not another site's address
/// (`//evil.test`, `/\evil.test`, `https://...`); `HOME` otherwise.
pub fn local_path(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if ok { next } else { HOME }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The session a request's cookie holds, when it is signed, unexpired, and its user still
/// exists with the same password.
async fn session_of(app: &App, key: &Key, headers: &HeaderMap) -> Result<Option<Session>> {
    let Some(s) = session::cookie(headers, COOKIE)
        .and_then(|value| Session::from_cookie(key, value, unix_now()))
    else {
        return Ok(None);
    };
    let hash = app.ctx.store().await?.password_hash(&s.user).await?;
    Ok(hash
        .filter(|h| session::fingerprint(key, h) == s.fingerprint)
        .map(|_| s))
}

/// The login page in place of what was asked, 401.
fn unauthorized(key: &Key, headers: &HeaderMap, next: &str) -> Response {
    layout::login(
        StatusCode::UNAUTHORIZED,
        &LoginForm {
            error: None,
            user: "",
            next: local_path(next),
            token: &csrf::login_token(key),
            secure: session::over_https(headers),
        },
        None,
    )
}

fn failure(e: &crate::error::Error) -> Response {
    layout::message(
        crate::daemon::reply::status_of(e),
        "Something went wrong",
        &describe(e),
        None,
    )
}

/// In front of every page: a valid session, and on a POST its CSRF token.
pub async fn gate(
    State(app): State<App>,
    Extension(ui): Extension<Arc<Ui>>,
    request: Request,
    next: Next,
) -> Response {
    let key = match ui.key(&app.ctx).await {
        Ok(k) => k,
        Err(e) => return failure(&e),
    };
    let session = match session_of(&app, key, request.headers()).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            // After logging in, back to the page asked for (a form's page, for a POST).
            let wanted = match *request.method() {
                Method::GET => request.uri().path_and_query().map_or("/", |p| p.as_str()),
                _ => HOME,
            };
            return unauthorized(key, request.headers(), wanted);
        }
        Err(e) => return failure(&e),
    };
    let logged_in = LoggedIn {
        user: session.user.clone(),
        csrf: session.csrf(key),
    };
    let mut request = request;
    if request.method() == Method::POST {
        let (kept, token) = match csrf::presented(request).await {
            Ok(read) => read,
            Err(_) => {
                return layout::message(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Form too large",
                    "the form sent is larger than any of this site's",
                    Some(&logged_in.viewer()),
                );
            }
        };
        if !token.is_some_and(|t| session.csrf_ok(key, &t)) {
            return layout::message(
                StatusCode::FORBIDDEN,
                "Form expired",
                "the form had no valid CSRF token (it may come from an earlier session); reload the page and try again",
                Some(&logged_in.viewer()),
            );
        }
        request = kept;
    }
    request.extensions_mut().insert(logged_in);
    next.run(request).await
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /login`: the form, or straight on when already logged in.
pub async fn page(
    State(app): State<App>,
    Extension(ui): Extension<Arc<Ui>>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let key = match ui.key(&app.ctx).await {
        Ok(k) => k,
        Err(e) => return failure(&e),
    };
    let next = local_path(q.next.as_deref().unwrap_or(HOME));
    match session_of(&app, key, &headers).await {
        Ok(Some(_)) => layout::see_other(next),
        Ok(None) => layout::login(
            StatusCode::OK,
            &LoginForm {
                error: None,
                user: "",
                next,
                token: &csrf::login_token(key),
                secure: session::over_https(&headers),
            },
            None,
        ),
        Err(e) => failure(&e),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginFields {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    csrf: Option<String>,
    next: Option<String>,
}

/// `POST /login`: checks the form's token, the rate limit, then the password; on success a
/// session cookie and a 303 to `next`.
pub async fn submit(
    State(app): State<App>,
    Extension(ui): Extension<Arc<Ui>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginFields>,
) -> Response {
    let key = match ui.key(&app.ctx).await {
        Ok(k) => k,
        Err(e) => return failure(&e),
    };
    let next = local_path(f.next.as_deref().unwrap_or(HOME));
    let secure = session::over_https(&headers);
    let user = f.user.trim();
    let again = |status: StatusCode, error: &str, retry: Option<u64>| {
        let form = LoginForm {
            error: Some(error),
            user,
            next,
            token: &csrf::login_token(key),
            secure,
        };
        layout::login(status, &form, retry)
    };
    let cookie = session::cookie(&headers, csrf::LOGIN_COOKIE);
    if !csrf::login_ok(key, cookie, f.csrf.as_deref()) {
        return again(
            StatusCode::FORBIDDEN,
            "This sign-in form expired or did not come from this site (CSRF check); please try again",
            None,
        );
    }
    let keys = ratelimit::keys(addr.ip(), user);
    if let Err(wait) = ui.limiter().check(&keys, Instant::now()) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let plural = if minutes == 1 { "" } else { "s" };
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too many failed sign-ins; try again in {minutes} minute{plural}"),
            Some(wait.as_secs().max(1)),
        );
    }
    let store = match app.ctx.store().await {
        Ok(s) => s,
        Err(e) => return failure(&e),
    };
    let hash = match store.password_hash(user).await {
        Ok(h) => h,
        Err(e) => return failure(&e.into()),
    };
    // Unknown users are checked against a hash too, so that a failure takes as long either way.
    let password = f.password;
    let checked = tokio::task::spawn_blocking(move || {
        let ok = crate::auth::verify_password(&password, hash.as_deref().unwrap_or(DECOY.as_str()));
        (ok && hash.is_some()).then_some(hash).flatten()
    })
    .await
    .ok()
    .flatten();
    let Some(hash) = checked else {
        ui.limiter().fail(&keys, Instant::now());
        return again(
            StatusCode::UNAUTHORIZED,
            "Wrong user name or password",
            None,
        );
    };
    ui.limiter().clear(&keys[1]);
    let session = Session::new(key, user, &hash, unix_now());
    let cookie = session::set_cookie(COOKIE, &session.to_cookie(key), session::LIFETIME, secure);
    let gone = session::set_cookie(csrf::LOGIN_COOKIE, "", 0, secure);
    layout::with_cookie(layout::with_cookie(layout::see_other(next), &cookie), &gone)
}

/// A bcrypt hash, of the users' cost, of a random password nobody knows: what an unknown
/// user's password is checked against.
static DECOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use base64::Engine as _;
    let password = base64::engine::general_purpose::STANDARD.encode(session::random::<24>());
    crate::auth::hash_password(&password).unwrap_or_default()
});

/// `POST /logout` (through the gate, so with CSRF): the cookie removed, back to the login.
pub async fn logout(headers: HeaderMap) -> Response {
    let gone = session::set_cookie(COOKIE, "", 0, session::over_https(&headers));
    layout::with_cookie(layout::see_other("/login"), &gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_only_ever_a_path_of_this_site() {
        for ok in [
            "/segments",
            "/segments/vip?x=1",
            "/",
            "/runs?kind=refresh&status=failed",
        ] {
            assert_eq!(local_path(ok), ok);
        }
        for bad in [
            "//evil.test",
            "/\\evil.test",
            "https://evil.test/",
            "evil.test",
            "",
            "/a b",
            "/x\r\nSet-Cookie: a=b",
            "javascript:alert(1)",
        ] {
            assert_eq!(local_path(bad), HOME, "{bad:?}");
        }
    }

    #[test]
    fn the_decoy_is_a_bcrypt_hash_of_the_users_cost() {
        assert!(DECOY.starts_with(&format!("$2b${}$", crate::auth::BCRYPT_COST)));
        assert_eq!(DECOY.len(), 60);
    }
}
