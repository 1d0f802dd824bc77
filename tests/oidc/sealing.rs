//! The cookie sealing scheme as the server documents it (`src/auth/oidc/session.rs`), rebuilt
//! from the shared secret: what a replica (or alice, holding her own cookies and the operator's
//! secret) can do. Tests use it to open their own sessions and to seal values an attacker could
//! only get by other means.

use actix_web::cookie::{Cookie, CookieJar, Key};
use hkdf::Hkdf;
use sha2::Sha256;

use crate::flow::SECRET;

/// `oidc-login-state` or `oidc-session`.
pub fn key(purpose: &str, base_url: &str) -> Key {
    let hkdf = Hkdf::<Sha256>::new(Some(b"lamplight cookie sealing"), SECRET.as_bytes());
    let info: [&[u8]; 4] = [
        b"lamplight cookie key v1\0",
        purpose.as_bytes(),
        b"\0",
        base_url.as_bytes(),
    ];
    let mut okm = [0u8; 64];
    hkdf.expand_multi_info(&info, &mut okm).unwrap();
    Key::from(&okm)
}

/// `value` sealed with `key`, the AEAD authenticating `name`.
pub fn seal(key: &Key, name: &str, value: &str) -> String {
    let mut jar = CookieJar::new();
    jar.private_mut(key)
        .add(Cookie::new(name.to_string(), value.to_string()));
    jar.get(name).unwrap().value().to_string()
}

pub fn open(key: &Key, name: &str, sealed: &str) -> Option<String> {
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::new(name.to_string(), sealed.to_string()));
    jar.private(key).get(name).map(|c| c.value().to_string())
}

/// A session's JSON, from the sealed value of its cookies (the chunks joined).
pub fn open_session(sealed: &str) -> serde_json::Value {
    let json = open(&key("oidc-session", ""), "lamplight-session", sealed)
        .expect("a session sealed with the shared secret for base URL \"\"");
    serde_json::from_str(&json).unwrap()
}
