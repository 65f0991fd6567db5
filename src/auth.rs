//! Credentials for the daemon: API tokens (random, shown once, kept as a SHA-256) and UI users'
//! passwords (kept as bcrypt hashes). What checks them on each request lives with the daemon.

use base64::Engine as _;
use rand::RngExt as _;
use sha2::{Digest, Sha256};

/// Every token starts so, for secret scanners and for people.
pub const TOKEN_PREFIX: &str = "cdp_";
/// bcrypt's cost: the crate's default (2^12 rounds).
pub const BCRYPT_COST: u32 = 12;
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("a password needs at least {MIN_PASSWORD} characters; this one has {0}")]
    ShortPassword(usize),
    #[error("`{0}` is not a valid name for a token or a user")]
    BadName(String),
    #[error("cannot hash the password")]
    Hash(#[from] bcrypt::BcryptError),
}

/// A new token: its public id and the token itself, `cdp_<id>_<secret>`.
pub fn new_token() -> (String, String) {
    let id: [u8; 4] = rand::rng().random();
    let secret: [u8; 32] = rand::rng().random();
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    (id.clone(), format!("{TOKEN_PREFIX}{id}_{secret}"))
}

/// What the state store keeps of a token: its SHA-256, hex. A token has 256 random bits, so a
/// fast hash cannot be searched back.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A name for a token or a user: letters, digits, `_ - . @`, 1 to 64 of them.
pub fn check_name(name: &str) -> Result<(), AuthError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.@".contains(c));
    ok.then_some(())
        .ok_or_else(|| AuthError::BadName(name.to_string()))
}

pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(AuthError::ShortPassword(n));
    }
    Ok(bcrypt::hash(password, BCRYPT_COST)?)
}

/// Whether `password` is the one `hash` was made from; a malformed hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    bcrypt::verify(password, hash).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_kept_only_as_their_hash() {
        let (id, token) = new_token();
        let (other_id, other) = new_token();
        assert_ne!(token, other);
        assert_ne!(id, other_id);
        assert!(token.starts_with(&format!("cdp_{id}_")), "{token}");
        assert_eq!(token.len(), 4 + 8 + 1 + 43);
        let hash = token_hash(&token);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token[13..]));
        assert_eq!(
            hash,
            token_hash(&format!("{token}\n")),
            "a pasted newline is not the token"
        );
        assert_ne!(hash, token_hash(&other));
    }

    #[test]
    fn passwords_are_bcrypt_hashed_and_checked() {
        assert!(matches!(
            hash_password("short"),
            Err(AuthError::ShortPassword(5))
        ));
        let hash = bcrypt::hash("correct horse battery", 4).unwrap();
        assert!(hash.starts_with("$2b$04$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn names_are_plain() {
        assert!(check_name("ci-deploy").is_ok());
        assert!(check_name("ana@acme.test").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("two words").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
