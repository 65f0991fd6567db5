use super::*;

fn key() -> Key {
    Key::decode(&Key::fresh()).unwrap()
}

const NOW: i64 = 1_780_000_000;

#[test]
fn a_signed_session_reads_back_until_it_expires() {
    let k = key();
    let s = Session::new(&k, "ana@acme.test", "$2b$12$hash", NOW);
    let cookie = s.to_cookie(&k);
    assert_eq!(Session::from_cookie(&k, &cookie, NOW + 10), Some(s.clone()));
    assert_eq!(
        Session::from_cookie(&k, &cookie, NOW + LIFETIME - 1).map(|s| s.user),
        Some("ana@acme.test".into())
    );
    assert_eq!(
        Session::from_cookie(&k, &cookie, NOW + LIFETIME),
        None,
        "expired"
    );
    assert_ne!(
        s.nonce,
        Session::new(&k, "ana@acme.test", "$2b$12$hash", NOW).nonce
    );
}

#[test]
fn a_tampered_or_foreign_cookie_is_refused() {
    let k = key();
    let cookie = Session::new(&k, "ana", "h", NOW).to_cookie(&k);
    // Another user, a later expiry, a changed signature: each breaks the signature.
    let other_user = cookie.replacen("ana", "bob", 1);
    let later = {
        let f: Vec<&str> = cookie.split('|').collect();
        format!(
            "{}|{}|{}|{}|{}",
            f[0],
            NOW + 10 * LIFETIME,
            f[2],
            f[3],
            f[4]
        )
    };
    let mut bad_sig = cookie.clone();
    let last = bad_sig.pop().unwrap();
    bad_sig.push(if last == 'A' { 'B' } else { 'A' });
    for forged in [
        other_user,
        later,
        bad_sig,
        String::new(),
        "a|b".into(),
        "|||||".into(),
    ] {
        assert_eq!(Session::from_cookie(&k, &forged, NOW), None, "{forged}");
    }
    assert_eq!(
        Session::from_cookie(&key(), &cookie, NOW),
        None,
        "another key"
    );
}

#[test]
fn the_fingerprint_follows_the_password_hash() {
    let k = key();
    let s = Session::new(&k, "ana", "hash-1", NOW);
    assert_eq!(s.fingerprint, fingerprint(&k, "hash-1"));
    assert_ne!(s.fingerprint, fingerprint(&k, "hash-2"));
    assert!(!s.fingerprint.contains("hash"));
}

#[test]
fn csrf_tokens_belong_to_their_session() {
    let k = key();
    let s = Session::new(&k, "ana", "h", NOW);
    let other = Session::new(&k, "ana", "h", NOW);
    let token = s.csrf(&k);
    assert!(s.csrf_ok(&k, &token));
    assert!(!other.csrf_ok(&k, &token), "another session's token");
    assert!(!s.csrf_ok(&k, ""));
    assert!(!s.csrf_ok(&k, &token[1..]));
    assert!(
        !s.csrf_ok(&k, &k.sign("session", &s.nonce)),
        "another purpose"
    );
}

#[test]
fn keys_are_random_and_long_and_never_printed() {
    let (a, b) = (Key::fresh(), Key::fresh());
    assert_ne!(a, b);
    assert!(Key::decode(&a).is_some());
    assert!(Key::decode("c2hvcnQ").is_none(), "too short");
    assert!(Key::decode("not base64!").is_none());
    assert_eq!(format!("{:?}", key()), "Key(****)");
}

#[test]
fn cookies_are_read_from_headers_and_set_with_their_attributes() {
    let mut h = axum::http::HeaderMap::new();
    h.append("cookie", "a=1; cdp_session=x|y".parse().unwrap());
    h.append("cookie", "b=2".parse().unwrap());
    assert_eq!(cookie(&h, "cdp_session"), Some("x|y"));
    assert_eq!(cookie(&h, "b"), Some("2"));
    assert_eq!(cookie(&h, "c"), None);
    assert!(!over_https(&h));
    h.insert("x-forwarded-proto", "https".parse().unwrap());
    assert!(over_https(&h));
    let set = set_cookie(COOKIE, "v", LIFETIME, true);
    for part in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=43200",
        "Secure",
    ] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set_cookie(COOKIE, "v", 0, false).contains("Secure"));
}
