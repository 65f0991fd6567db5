//! Session cookies: who logged in, until when, and a random nonce, signed with HMAC-SHA256
//! under the key the state store keeps (so it survives restarts and every daemon on the store
//! accepts the others' cookies). A cookie also carries a fingerprint of the user's password
//! hash: a password changed or a user deleted ends their sessions.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngExt as _;
use sha2::Sha256;

/// The session cookie's name.
pub const COOKIE: &str = "cdp_session";
/// How long a session lasts, in seconds (12 hours).
pub const LIFETIME: i64 = 12 * 3600;

/// The signing key. Never printed.
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(****)")
    }
}

impl Key {
    /// A key as the state store keeps it (base64); `None` when it is not one.
    pub fn decode(text: &str) -> Option<Key> {
        let bytes = B64.decode(text.trim()).ok()?;
        (bytes.len() >= 32).then_some(Key(bytes))
    }

    /// A new random key, written as the state store keeps it.
    pub fn fresh() -> String {
        B64.encode(random::<32>())
    }

    fn mac(&self, purpose: &str, data: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("any length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(data.as_bytes());
        mac
    }

    /// The signature of `data` for `purpose` (base64); one purpose's signatures are never
    /// another's.
    pub fn sign(&self, purpose: &str, data: &str) -> String {
        B64.encode(self.mac(purpose, data).finalize().into_bytes())
    }

    /// Whether `signature` is `data`'s for `purpose`, compared in constant time.
    pub fn verify(&self, purpose: &str, data: &str, signature: &str) -> bool {
        B64.decode(signature)
            .is_ok_and(|tag| self.mac(purpose, data).verify_slice(&tag).is_ok())
    }
}

/// `N` random bytes.
pub fn random<const N: usize>() -> [u8; N] {
    rand::rng().random()
}

/// A logged-in user's session, as a request carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub user: String,
    /// Seconds since the epoch.
    pub expires: i64,
    /// Random, per session: the CSRF token is derived from it.
    pub nonce: String,
    /// Of the password hash the user had when they logged in.
    pub fingerprint: String,
}

/// A fingerprint of a password hash: changes when the password does, tells nothing of it.
pub fn fingerprint(key: &Key, password_hash: &str) -> String {
    key.sign("password", password_hash)[..16].to_string()
}

impl Session {
    /// A new session for `user`, whose password hash is `password_hash`, from `now`.
    pub fn new(key: &Key, user: &str, password_hash: &str, now: i64) -> Session {
        Session {
            user: user.to_string(),
            expires: now + LIFETIME,
            nonce: B64.encode(random::<18>()),
            fingerprint: fingerprint(key, password_hash),
        }
    }

    /// The cookie's value: the fields and their signature, `|`-separated.
    pub fn to_cookie(&self, key: &Key) -> String {
        let data = format!(
            "{}|{}|{}|{}",
            self.user, self.expires, self.nonce, self.fingerprint
        );
        let signature = key.sign("session", &data);
        format!("{data}|{signature}")
    }

    /// The session a cookie's value holds, when its signature is the key's and it has not
    /// expired at `now`. (Whether the user still exists, with that password, is the caller's
    /// to check.)
    pub fn from_cookie(key: &Key, value: &str, now: i64) -> Option<Session> {
        let (data, signature) = value.rsplit_once('|')?;
        if !key.verify("session", data, signature) {
            return None;
        }
        let mut fields = data.split('|');
        let (user, expires, nonce, fingerprint) = (
            fields.next()?,
            fields.next()?,
            fields.next()?,
            fields.next()?,
        );
        let expires: i64 = expires.parse().ok()?;
        (fields.next().is_none() && now < expires).then(|| Session {
            user: user.to_string(),
            expires,
            nonce: nonce.to_string(),
            fingerprint: fingerprint.to_string(),
        })
    }

    /// The CSRF token of this session's forms.
    pub fn csrf(&self, key: &Key) -> String {
        key.sign("csrf", &self.nonce)
    }

    /// Whether `presented` is this session's CSRF token.
    pub fn csrf_ok(&self, key: &Key, presented: &str) -> bool {
        key.verify("csrf", &self.nonce, presented)
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, `Max-Age` seconds (0 removes it),
/// and Secure when the page came over https.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The value of cookie `name` among a request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h axum::http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Whether the request came over https (as a proxy in front says).
pub fn over_https(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
