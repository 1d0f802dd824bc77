//! Session-less sign-in: the login state and the tokens travel in cookies sealed with AES-GCM (the
//! cookie crate's private jar) under the shared cookie secret, so any replica can read them.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration as CookieDuration};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub const LOGIN_COOKIE: &str = "lamplight-oidc-login";
pub const SESSION_COOKIE: &str = "lamplight-session";
/// Browsers cap a cookie at 4096 bytes with its name and attributes; ID tokens with many groups
/// (Entra ID) are larger than that, so the sealed session is split into chunks.
const CHUNK_LEN: usize = 3600;
const MAX_CHUNKS: usize = 12;

/// Started by `/oidc`, consumed by `/oidc-callback`.
#[derive(Debug, Serialize, Deserialize)]
pub struct LoginState {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: Option<String>,
    pub cluster: Option<String>,
    pub return_to: String,
    pub callback_url: String,
}

/// A signed-in user's tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub id_token: String,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// When the user signed in (Unix seconds): the session ends `session-ttl` later, refresh or not.
    pub started: i64,
}

pub struct Sealer {
    key: Key,
}

impl Sealer {
    pub fn new(secret: &[u8]) -> Self {
        Sealer {
            key: Key::derive_from(secret),
        }
    }

    pub fn seal<T: Serialize>(&self, name: &str, value: &T) -> Result<String, serde_json::Error> {
        let mut jar = CookieJar::new();
        let json = serde_json::to_string(value)?;
        jar.private_mut(&self.key)
            .add(Cookie::new(name.to_string(), json));
        Ok(jar
            .get(name)
            .map(|c| c.value().to_string())
            .unwrap_or_default())
    }

    pub fn open<T: DeserializeOwned>(&self, name: &str, sealed: &str) -> Option<T> {
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(name.to_string(), sealed.to_string()));
        let cookie = jar.private(&self.key).get(name)?;
        serde_json::from_str(cookie.value()).ok()
    }

    pub fn read_login(&self, request: &HttpRequest) -> Option<LoginState> {
        let cookie = request.cookie(LOGIN_COOKIE)?;
        self.open(LOGIN_COOKIE, cookie.value())
    }

    pub fn read_session(&self, request: &HttpRequest) -> Option<Session> {
        let mut sealed = String::new();
        for index in 0..MAX_CHUNKS {
            match request.cookie(&chunk_name(index)) {
                Some(cookie) => sealed.push_str(cookie.value()),
                None => break,
            }
        }
        if sealed.is_empty() {
            None
        } else {
            self.open(SESSION_COOKIE, &sealed)
        }
    }
}

fn chunk_name(index: usize) -> String {
    format!("{SESSION_COOKIE}-{index}")
}

/// Cookie attributes shared by everything Lamplight sets.
pub struct CookieScope<'a> {
    pub base_url: &'a str,
    pub secure: bool,
}

impl CookieScope<'_> {
    pub fn login_cookie(&self, sealed: String) -> Cookie<'static> {
        Cookie::build(LOGIN_COOKIE, sealed)
            .path(format!("{}/oidc-callback", self.base_url))
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(CookieDuration::minutes(10))
            .finish()
    }

    pub fn clear_login_cookie(&self) -> Cookie<'static> {
        let mut cookie = self.login_cookie(String::new());
        cookie.make_removal();
        cookie
    }

    fn root_path(&self) -> String {
        if self.base_url.is_empty() {
            "/".to_string()
        } else {
            format!("{}/", self.base_url)
        }
    }

    /// The sealed session in as many chunks as it needs, and removals for stale higher chunks.
    pub fn session_cookies(&self, sealed: &str, max_age_secs: i64) -> Vec<Cookie<'static>> {
        let chunks: Vec<String> = sealed
            .as_bytes()
            .chunks(CHUNK_LEN)
            .map(|chunk| String::from_utf8_lossy(chunk).to_string())
            .collect();
        let mut cookies: Vec<Cookie<'static>> = chunks
            .into_iter()
            .enumerate()
            .map(|(index, chunk)| {
                Cookie::build(chunk_name(index), chunk)
                    .path(self.root_path())
                    .http_only(true)
                    .secure(self.secure)
                    .same_site(SameSite::Strict)
                    .max_age(CookieDuration::seconds(max_age_secs))
                    .finish()
            })
            .collect();
        let used = cookies.len();
        cookies.extend((used..MAX_CHUNKS).map(|index| self.removal(index)));
        cookies
    }

    pub fn clear_session(&self) -> Vec<Cookie<'static>> {
        (0..MAX_CHUNKS).map(|index| self.removal(index)).collect()
    }

    fn removal(&self, index: usize) -> Cookie<'static> {
        let mut cookie = Cookie::build(chunk_name(index), "")
            .path(self.root_path())
            .finish();
        cookie.make_removal();
        cookie
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_secret_and_name() {
        let sealer = Sealer::new(&[7u8; 32]);
        let plain = vec!["plaintext-token".to_string()];
        let sealed = sealer.seal("a", &plain).unwrap();
        assert!(!sealed.contains("plaintext"));
        assert_eq!(sealer.open::<Vec<String>>("a", &sealed), Some(plain));
        assert_eq!(
            sealer.open::<Vec<String>>("b", &sealed),
            None,
            "the name is authenticated"
        );
        assert_eq!(
            Sealer::new(&[8u8; 32]).open::<Vec<String>>("a", &sealed),
            None
        );
        let mut tampered = sealed.clone().into_bytes();
        tampered[10] ^= 1;
        assert_eq!(
            sealer.open::<Vec<String>>("a", &String::from_utf8_lossy(&tampered)),
            None
        );
    }

    #[test]
    fn large_sessions_are_split_into_cookies_under_4_kib() {
        let scope = CookieScope {
            base_url: "/ui",
            secure: true,
        };
        let sealed = "s".repeat(10_000);
        let cookies = scope.session_cookies(&sealed, 60);
        let live: Vec<_> = cookies.iter().filter(|c| !c.value().is_empty()).collect();
        assert_eq!(live.len(), 3);
        for cookie in &live {
            assert!(cookie.to_string().len() < 4096);
            assert_eq!(cookie.path(), Some("/ui/"));
            assert_eq!(cookie.same_site(), Some(SameSite::Strict));
            assert_eq!(cookie.http_only(), Some(true));
            assert_eq!(cookie.secure(), Some(true));
        }
        let joined: String = live.iter().map(|c| c.value()).collect();
        assert_eq!(joined, sealed);
    }
}
