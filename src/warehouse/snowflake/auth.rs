//! Signing in to Snowflake's SQL API: key-pair JWTs (RS256) as the reference describes, or a
//! token the user already has (OAuth, programmatic access token).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::sha2::{Digest, Sha256};
use rsa::{PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};

/// Snowflake accepts a JWT for at most an hour after it was issued.
const TOKEN_LIFETIME: Duration = Duration::from_secs(59 * 60);
/// A token is replaced this long before it expires, so a request never carries a stale one.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the private key is encrypted, and no passphrase was given")]
    NeedsPassphrase,
    #[error("cannot decrypt the private key: the passphrase is wrong, or the key is damaged")]
    Decrypt,
    #[error("the private key is not an RSA key in PEM form (PKCS#8 or PKCS#1)")]
    NotPem,
    #[error("cannot sign the token")]
    Sign(#[source] rsa::Error),
}

/// A user's RSA key, with the fingerprint Snowflake knows its public half by.
pub struct KeyPair {
    key: RsaPrivateKey,
    /// `SHA256:<base64 of the SHA-256 of the public key's DER>`, as `DESC USER` shows it.
    pub fingerprint: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair({})", self.fingerprint)
    }
}

impl KeyPair {
    /// Reads a PEM private key: PKCS#8 (plain or encrypted with `passphrase`) or PKCS#1.
    pub fn from_pem(pem: &str, passphrase: Option<&str>) -> Result<KeyPair, AuthError> {
        let key = if pem.contains("BEGIN ENCRYPTED PRIVATE KEY") {
            let pass = passphrase.ok_or(AuthError::NeedsPassphrase)?;
            RsaPrivateKey::from_pkcs8_encrypted_pem(pem, pass).map_err(|_| AuthError::Decrypt)?
        } else if pem.contains("BEGIN RSA PRIVATE KEY") {
            RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| AuthError::NotPem)?
        } else {
            RsaPrivateKey::from_pkcs8_pem(pem).map_err(|_| AuthError::NotPem)?
        };
        let fingerprint = fingerprint(&key.to_public_key());
        Ok(KeyPair { key, fingerprint })
    }

    /// A JWT for `account` and `user`, issued at `issued_at` (Unix seconds).
    pub fn jwt(&self, account: &str, user: &str, issued_at: u64) -> Result<String, AuthError> {
        let qualified = format!("{}.{}", claim_account(account), user.to_uppercase());
        let header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
        let claims = serde_json::json!({
            "iss": format!("{qualified}.{}", self.fingerprint),
            "sub": qualified,
            "iat": issued_at,
            "exp": issued_at + TOKEN_LIFETIME.as_secs(),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .key
            .pkcs1v15_sign::<Sha256>(signing_input.as_bytes())
            .map_err(AuthError::Sign)?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// `SHA256:` and the base64 SHA-256 of the public key in DER (SubjectPublicKeyInfo).
pub fn fingerprint(public: &RsaPublicKey) -> String {
    let der = public
        .to_public_key_der()
        .expect("an RSA public key always encodes");
    format!("SHA256:{}", STANDARD.encode(Sha256::digest(der.as_bytes())))
}

/// The account as JWT claims name it: upper case, without a region or cloud after the first dot.
pub fn claim_account(account: &str) -> String {
    account.split('.').next().unwrap_or(account).to_uppercase()
}

/// How requests prove who they are, with the header Snowflake reads the kind from.
#[derive(Debug)]
pub enum Credentials {
    KeyPair {
        // Boxed: an RSA key is far larger than a token.
        key: Box<KeyPair>,
        account: String,
        user: String,
    },
    OAuth(String),
    ProgrammaticAccessToken(String),
}

/// The bearer token in use and when to replace it.
pub struct Session {
    credentials: Credentials,
    token: Option<(String, u64)>,
}

impl Session {
    pub fn new(credentials: Credentials) -> Session {
        Session {
            credentials,
            token: None,
        }
    }

    /// The value of `X-Snowflake-Authorization-Token-Type`.
    pub fn token_type(&self) -> &'static str {
        match self.credentials {
            Credentials::KeyPair { .. } => "KEYPAIR_JWT",
            Credentials::OAuth(_) => "OAUTH",
            Credentials::ProgrammaticAccessToken(_) => "PROGRAMMATIC_ACCESS_TOKEN",
        }
    }

    /// The bearer token for a request made at `now` (Unix seconds); a JWT is signed again
    /// when the one in hand is within a few minutes of expiring.
    pub fn bearer(&mut self, now: u64) -> Result<String, AuthError> {
        match &self.credentials {
            Credentials::OAuth(t) | Credentials::ProgrammaticAccessToken(t) => Ok(t.clone()),
            Credentials::KeyPair { key, account, user } => {
                if let Some((token, expires)) = &self.token
                    && now + REFRESH_MARGIN.as_secs() < *expires
                {
                    return Ok(token.clone());
                }
                let token = key.jwt(account, user, now)?;
                self.token = Some((token.clone(), now + TOKEN_LIFETIME.as_secs()));
                Ok(token)
            }
        }
    }
}

/// Decodes a JWT's claims (no signature check): for tests and the local double.
pub fn claims(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// Checks a JWT's RS256 signature against a public key in PEM (SubjectPublicKeyInfo).
pub fn verify(jwt: &str, public_pem: &str) -> bool {
    use rsa::pkcs8::DecodePublicKey;
    let Ok(public) = RsaPublicKey::from_public_key_pem(public_pem) else {
        return false;
    };
    let Some((input, sig)) = jwt.rsplit_once('.') else {
        return false;
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    public
        .pkcs1v15_verify::<Sha256>(input.as_bytes(), &sig)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snowflake");

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
    }

    #[test]
    fn the_fingerprint_is_the_one_openssl_computes() {
        let key = KeyPair::from_pem(&fixture("rsa_key.p8"), None).unwrap();
        assert_eq!(
            key.fingerprint,
            format!("SHA256:{}", fixture("fingerprint.txt").trim())
        );
    }

    #[test]
    fn an_encrypted_key_needs_its_passphrase() {
        let pem = fixture("rsa_key_encrypted.p8");
        assert!(matches!(
            KeyPair::from_pem(&pem, None),
            Err(AuthError::NeedsPassphrase)
        ));
        assert!(matches!(
            KeyPair::from_pem(&pem, Some("wrong")),
            Err(AuthError::Decrypt)
        ));
        let key = KeyPair::from_pem(&pem, Some("correct-horse")).unwrap();
        assert_eq!(
            key.fingerprint,
            format!("SHA256:{}", fixture("fingerprint.txt").trim())
        );
        assert!(matches!(
            KeyPair::from_pem("not a key", None),
            Err(AuthError::NotPem)
        ));
    }

    #[test]
    fn the_jwt_carries_the_documented_claims_and_verifies() {
        let key = KeyPair::from_pem(&fixture("rsa_key.p8"), None).unwrap();
        let jwt = key
            .jwt("xy12345.us-east-1", "cdp_service", 1_800_000_000)
            .unwrap();
        let c = claims(&jwt).unwrap();
        let fp = format!("SHA256:{}", fixture("fingerprint.txt").trim());
        assert_eq!(c["iss"], format!("XY12345.CDP_SERVICE.{fp}"));
        assert_eq!(c["sub"], "XY12345.CDP_SERVICE");
        assert_eq!(c["iat"], 1_800_000_000u64);
        assert!(c["exp"].as_u64().unwrap() - 1_800_000_000 <= 3600);
        assert!(verify(&jwt, &fixture("rsa_key.pub")));
        let other = KeyPair::from_pem(&fixture("other_key.p8"), None).unwrap();
        let forged = other.jwt("xy12345", "cdp_service", 1_800_000_000).unwrap();
        assert!(!verify(&forged, &fixture("rsa_key.pub")));
    }

    #[test]
    fn a_session_signs_again_before_the_token_expires() {
        let key = KeyPair::from_pem(&fixture("rsa_key.p8"), None).unwrap();
        let mut s = Session::new(Credentials::KeyPair {
            key: Box::new(key),
            account: "xy12345".into(),
            user: "u".into(),
        });
        let first = s.bearer(1_000).unwrap();
        assert_eq!(s.bearer(1_000 + 50 * 60).unwrap(), first);
        let later = s.bearer(1_000 + 55 * 60).unwrap();
        assert_ne!(later, first, "within five minutes of expiry: a new token");
        assert_eq!(s.token_type(), "KEYPAIR_JWT");
    }
}
