//! Session-less sign-in: the login state and the tokens travel in cookies sealed with AES-GCM (the
//! cookie crate's private jar), so any replica with the same cookie secret can read them.
//!
//! Each purpose has its own key, derived with HKDF-SHA256 from the cookie secret with the purpose
//! and `-base-url` in the info: a login state cannot be replayed as a session, nor a session of a
//! deployment under another base URL (same secret, same host) as one of ours. The AEAD also
//! authenticates the purpose's cookie name as associated data.
//!
//! Cookies are read from the raw `Cookie` header(s): a name sent twice (one of them planted by a
//! sibling subdomain, say) is refused rather than resolved by "first wins". Over HTTPS with the
//! cookies at `/` (no `-base-url`) the session cookies are `__Host-` cookies, which no other host
//! and no plain-HTTP page can set; reading accepts exactly the names this request would be given.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use hkdf::Hkdf;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const LOGIN_COOKIE: &str = "lamplight-oidc-login";
pub const SESSION_COOKIE: &str = "lamplight-session";
/// Browsers accept a `__Host-` cookie only with `Secure`, `Path=/` and no `Domain`, and only from
/// a secure origin: no sibling subdomain and no man-in-the-middle on plain HTTP can plant one.
const HOST_PREFIX: &str = "__Host-";
/// Browsers cap a cookie at 4096 bytes with its name and attributes; ID tokens with many groups
/// (Entra ID) are larger than that, so the sealed session is split into chunks.
const CHUNK_LEN: usize = 3600;
const MAX_CHUNKS: usize = 12;
/// HKDF salt and info prefix: a version, so a future scheme cannot open today's cookies.
const KDF_SALT: &[u8] = b"lamplight cookie sealing";
const KDF_INFO: &[u8] = b"lamplight cookie key v1\0";

/// What a sealed value is for. Each purpose has its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// [`LoginState`], from `/oidc` to `/oidc-callback`.
    LoginState,
    /// [`Session`], the signed-in user's tokens.
    Session,
    /// A token given to Headlamp's `set-token` for one cluster (`crate::auth::token_cookie`).
    ClusterToken,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::LoginState => "oidc-login-state",
            Purpose::Session => "oidc-session",
            Purpose::ClusterToken => "cluster-token",
        }
    }

    /// The associated data the AEAD authenticates with the value.
    fn associated_name(self) -> &'static str {
        match self {
            Purpose::LoginState => LOGIN_COOKIE,
            Purpose::Session => SESSION_COOKIE,
            Purpose::ClusterToken => "lamplight-token",
        }
    }
}

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

/// The cookie secret could not be turned into keys (never happens with HKDF-SHA256 and 64 bytes;
/// a value rather than a panic all the same).
#[derive(Debug, thiserror::Error)]
#[error("cannot derive the cookie keys from the cookie secret")]
pub struct KeyDerivationError;

/// A cookie this server reads was sent more than once: refused, since which one is ours cannot be
/// told (a sibling subdomain can set a cookie of the same name for the parent domain).
#[derive(Debug, thiserror::Error)]
#[error(
    "the cookie {name} was sent more than once (another site on a parent domain may have set one): \
     clear this site's cookies and sign in again"
)]
pub struct DuplicateCookie {
    pub name: String,
}

pub struct Sealer {
    login: Key,
    session: Key,
    cluster_token: Key,
}

impl Sealer {
    /// Keys for each purpose, bound to `base_url`, from the shared cookie secret.
    pub fn new(secret: &[u8], base_url: &str) -> Result<Self, KeyDerivationError> {
        Ok(Sealer {
            login: derive_key(secret, Purpose::LoginState, base_url)?,
            session: derive_key(secret, Purpose::Session, base_url)?,
            cluster_token: derive_key(secret, Purpose::ClusterToken, base_url)?,
        })
    }

    fn key(&self, purpose: Purpose) -> &Key {
        match purpose {
            Purpose::LoginState => &self.login,
            Purpose::Session => &self.session,
            Purpose::ClusterToken => &self.cluster_token,
        }
    }

    pub fn seal<T: Serialize>(
        &self,
        purpose: Purpose,
        value: &T,
    ) -> Result<String, serde_json::Error> {
        let name = purpose.associated_name();
        let mut jar = CookieJar::new();
        let json = serde_json::to_string(value)?;
        jar.private_mut(self.key(purpose))
            .add(Cookie::new(name, json));
        Ok(jar
            .get(name)
            .map(|c| c.value().to_string())
            .unwrap_or_default())
    }

    /// The value sealed for `purpose` under this secret and base URL; `None` for anything else.
    pub fn open<T: DeserializeOwned>(&self, purpose: Purpose, sealed: &str) -> Option<T> {
        let name = purpose.associated_name();
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(name, sealed.to_string()));
        let cookie = jar.private(self.key(purpose)).get(name)?;
        serde_json::from_str(cookie.value()).ok()
    }

    pub fn read_login(&self, request: &HttpRequest) -> Result<Option<LoginState>, DuplicateCookie> {
        Ok(single_cookie(request, LOGIN_COOKIE)?
            .and_then(|sealed| self.open(Purpose::LoginState, &sealed)))
    }

    /// The session in this request's cookies, under the names `scope` gives them: `Ok(None)` when
    /// there is none or it does not open, an error when one of its cookies was sent twice.
    pub fn read_session(
        &self,
        request: &HttpRequest,
        scope: &CookieScope<'_>,
    ) -> Result<Option<Session>, DuplicateCookie> {
        let names: Vec<String> = (0..MAX_CHUNKS).map(|i| scope.chunk_name(i)).collect();
        let values = cookies_named(request, &names)?;
        let sealed: String = values.into_iter().map_while(|value| value).collect();
        if sealed.is_empty() {
            return Ok(None);
        }
        Ok(self.open(Purpose::Session, &sealed))
    }
}

fn derive_key(secret: &[u8], purpose: Purpose, base_url: &str) -> Result<Key, KeyDerivationError> {
    let hkdf = Hkdf::<Sha256>::new(Some(KDF_SALT), secret);
    // The purpose labels contain no NUL, so the info reads back unambiguously.
    let info: [&[u8]; 4] = [
        KDF_INFO,
        purpose.label().as_bytes(),
        b"\0",
        base_url.as_bytes(),
    ];
    let mut okm = [0u8; 64];
    hkdf.expand_multi_info(&info, &mut okm)
        .map_err(|_| KeyDerivationError)?;
    Key::try_from(&okm[..]).map_err(|_| KeyDerivationError)
}

/// The value of each cookie in `names` (`None` when absent), read from every `Cookie` header line
/// exactly as sent: no percent-decoding, names compared byte for byte.
pub(crate) fn cookies_named(
    request: &HttpRequest,
    names: &[String],
) -> Result<Vec<Option<String>>, DuplicateCookie> {
    let mut values: Vec<Option<String>> = vec![None; names.len()];
    for line in request.headers().get_all(header::COOKIE) {
        for (name, value) in parse_cookie_header(line.as_bytes()) {
            let Some(index) = names.iter().position(|n| n.as_bytes() == name) else {
                continue;
            };
            if values[index].is_some() {
                return Err(DuplicateCookie {
                    name: names[index].clone(),
                });
            }
            values[index] = Some(String::from_utf8_lossy(value).into_owned());
        }
    }
    Ok(values)
}

/// The one value of cookie `name`, or an error when it was sent more than once.
fn single_cookie(request: &HttpRequest, name: &str) -> Result<Option<String>, DuplicateCookie> {
    let mut values = cookies_named(request, &[name.to_string()])?;
    Ok(values.pop().flatten())
}

/// `name=value` pairs of a `Cookie` header (RFC 6265 §5.4: `; `-separated), whitespace trimmed.
fn parse_cookie_header(line: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    line.split(|&b| b == b';').filter_map(|pair| {
        let pair = pair.trim_ascii();
        let at = pair.iter().position(|&b| b == b'=')?;
        let (name, value) = (&pair[..at], &pair[at + 1..]);
        let name = name.trim_ascii();
        (!name.is_empty()).then_some((name, value.trim_ascii()))
    })
}

/// Cookie names and attributes for one request.
pub struct CookieScope<'a> {
    pub base_url: &'a str,
    pub secure: bool,
}

impl CookieScope<'_> {
    /// `__Host-` names need `Secure`, `Path=/` and no `Domain`: HTTPS with no `-base-url`.
    fn host_prefixed(&self) -> bool {
        self.secure && self.base_url.is_empty()
    }

    fn chunk_name(&self, index: usize) -> String {
        let prefix = if self.host_prefixed() {
            HOST_PREFIX
        } else {
            ""
        };
        format!("{prefix}{SESSION_COOKIE}-{index}")
    }

    /// Whether the request carries (the first chunk of) a session under this scope's names.
    pub fn has_session(&self, request: &HttpRequest) -> bool {
        let name = self.chunk_name(0);
        request
            .headers()
            .get_all(header::COOKIE)
            .any(|line| parse_cookie_header(line.as_bytes()).any(|(n, _)| n == name.as_bytes()))
    }

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
                self.session_cookie(self.chunk_name(index), chunk)
                    .max_age(CookieDuration::seconds(max_age_secs))
                    .finish()
            })
            .collect();
        let used = cookies.len();
        cookies.extend((used..MAX_CHUNKS).map(|index| self.removal(self.chunk_name(index))));
        cookies
    }

    /// Removals for every chunk; over HTTPS at `/` also for the plain names an earlier version
    /// (or plain HTTP) may have left.
    pub fn clear_session(&self) -> Vec<Cookie<'static>> {
        let mut cookies: Vec<Cookie<'static>> = (0..MAX_CHUNKS)
            .map(|index| self.removal(self.chunk_name(index)))
            .collect();
        if self.host_prefixed() {
            cookies.extend(
                (0..MAX_CHUNKS).map(|index| self.removal(format!("{SESSION_COOKIE}-{index}"))),
            );
        }
        cookies
    }

    fn session_cookie(
        &self,
        name: String,
        value: String,
    ) -> actix_web::cookie::CookieBuilder<'static> {
        Cookie::build(name, value)
            .path(self.root_path())
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Strict)
    }

    /// A removal with the attributes the cookie was set with (a `__Host-` removal without
    /// `Secure` would be ignored by the browser).
    fn removal(&self, name: String) -> Cookie<'static> {
        let mut cookie = self.session_cookie(name, String::new()).finish();
        cookie.make_removal();
        cookie
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"a cookie secret of at least thirty-two bytes";

    fn sealer(base_url: &str) -> Sealer {
        Sealer::new(SECRET, base_url).unwrap()
    }

    fn session() -> Session {
        Session {
            id_token: "header.payload.signature".into(),
            access_token: Some("access".into()),
            refresh_token: None,
            started: 1,
        }
    }

    #[test]
    fn sealed_values_open_only_for_the_same_secret_purpose_and_base_url() {
        let sealer = sealer("");
        let plain = vec!["plaintext-token".to_string()];
        let sealed = sealer.seal(Purpose::Session, &plain).unwrap();
        assert!(!sealed.contains("plaintext"));
        assert_eq!(
            sealer.open::<Vec<String>>(Purpose::Session, &sealed),
            Some(plain.clone())
        );
        assert_eq!(
            sealer.open::<Vec<String>>(Purpose::LoginState, &sealed),
            None,
            "the purpose is bound"
        );
        assert_eq!(
            self::sealer("/other").open::<Vec<String>>(Purpose::Session, &sealed),
            None,
            "the base URL is bound"
        );
        let other_secret = Sealer::new(b"another cookie secret of at least 32 bytes", "").unwrap();
        assert_eq!(
            other_secret.open::<Vec<String>>(Purpose::Session, &sealed),
            None
        );
        let mut tampered = sealed.clone().into_bytes();
        tampered[10] ^= 1;
        assert_eq!(
            sealer.open::<Vec<String>>(Purpose::Session, &String::from_utf8_lossy(&tampered)),
            None
        );
    }

    #[test]
    fn the_old_single_key_scheme_no_longer_opens() {
        // What the previous version sealed: one key for everything, derived without the purpose.
        let mut jar = CookieJar::new();
        let json = serde_json::to_string(&session()).unwrap();
        jar.private_mut(&Key::derive_from(SECRET))
            .add(Cookie::new(SESSION_COOKIE, json));
        let old = jar.get(SESSION_COOKIE).unwrap().value().to_string();
        assert!(sealer("").open::<Session>(Purpose::Session, &old).is_none());
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
            assert!(
                cookie.name().starts_with("lamplight-session-"),
                "no __Host- under /ui"
            );
            assert_eq!(cookie.path(), Some("/ui/"));
            assert_eq!(cookie.same_site(), Some(SameSite::Strict));
            assert_eq!(cookie.http_only(), Some(true));
            assert_eq!(cookie.secure(), Some(true));
        }
        let joined: String = live.iter().map(|c| c.value()).collect();
        assert_eq!(joined, sealed);
    }

    #[test]
    fn host_prefixed_names_only_over_https_at_the_root() {
        let https_root = CookieScope {
            base_url: "",
            secure: true,
        };
        for cookie in https_root.session_cookies("sealed", 60) {
            assert!(cookie.name().starts_with("__Host-lamplight-session-"));
            assert_eq!(cookie.secure(), Some(true), "{cookie}");
            assert_eq!(cookie.path(), Some("/"), "{cookie}");
            assert_eq!(cookie.domain(), None, "{cookie}");
        }
        let cleared = https_root.clear_session();
        assert!(cleared.iter().all(|c| c.secure() == Some(true)));
        assert!(
            cleared.iter().any(|c| c.name() == "lamplight-session-0"),
            "plain names left by plain HTTP are cleared too"
        );
        let http_root = CookieScope {
            base_url: "",
            secure: false,
        };
        assert_eq!(
            http_root.session_cookies("sealed", 60)[0].name(),
            "lamplight-session-0"
        );
    }

    fn request_with_cookies(lines: &[&str]) -> HttpRequest {
        let mut request = TestRequest::default();
        for line in lines {
            request = request.append_header((header::COOKIE, *line));
        }
        request.to_http_request()
    }

    fn sealed_session(scope: &CookieScope<'_>, sealer: &Sealer) -> Vec<(String, String)> {
        let sealed = sealer.seal(Purpose::Session, &session()).unwrap();
        scope
            .session_cookies(&sealed, 60)
            .into_iter()
            .filter(|c| !c.value().is_empty())
            .map(|c| (c.name().to_string(), c.value().to_string()))
            .collect()
    }

    #[test]
    fn a_session_is_read_under_exactly_the_names_of_this_request() {
        let sealer = sealer("");
        let https = CookieScope {
            base_url: "",
            secure: true,
        };
        let http = CookieScope {
            base_url: "",
            secure: false,
        };
        let cookies = sealed_session(&https, &sealer);
        let header: Vec<String> = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let request = request_with_cookies(&[&header.join("; ")]);
        assert!(https.has_session(&request));
        let read = sealer.read_session(&request, &https).unwrap().unwrap();
        assert_eq!(read.id_token, session().id_token);
        assert!(!http.has_session(&request));
        assert!(sealer.read_session(&request, &http).unwrap().is_none());

        // The plain name over HTTPS at the root is not ours.
        let plain = header.join("; ").replace("__Host-", "");
        let request = request_with_cookies(&[&plain]);
        assert!(sealer.read_session(&request, &https).unwrap().is_none());
        assert!(sealer.read_session(&request, &http).unwrap().is_some());
    }

    #[test]
    fn a_session_cookie_sent_twice_is_refused_whichever_comes_first() {
        let sealer = sealer("");
        let scope = CookieScope {
            base_url: "",
            secure: false,
        };
        let (name, value) = sealed_session(&scope, &sealer).remove(0);
        let ours = format!("{name}={value}");
        let planted = format!("{name}=planted");
        for lines in [
            vec![format!("{ours}; {planted}")],
            vec![format!("{planted}; {ours}")],
            vec![ours.clone(), planted.clone()],
            vec![ours.clone(), ours.clone()],
        ] {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let error = sealer
                .read_session(&request_with_cookies(&lines), &scope)
                .unwrap_err();
            assert_eq!(error.name, "lamplight-session-0", "{lines:?}");
        }
        // A different (percent-encoded) name is another cookie, not a duplicate.
        let other = format!("{ours}; lamplight%2Dsession-0=x");
        assert!(
            sealer
                .read_session(&request_with_cookies(&[&other]), &scope)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_login_cookie_sent_twice_is_refused() {
        let sealer = sealer("");
        let request = request_with_cookies(&[&format!("{LOGIN_COOKIE}=a; {LOGIN_COOKIE}=b")]);
        assert!(sealer.read_login(&request).is_err());
    }

    fn valid_sealed() -> String {
        sealer("").seal(Purpose::Session, &session()).unwrap()
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        Flip { at: usize, bit: u8 },
        Replace { at: usize, with: u8 },
        Truncate { to: usize },
        Insert { at: usize, byte: u8 },
        Remove { at: usize },
        Append(Vec<u8>),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
            (any::<usize>(), any::<u8>()).prop_map(|(at, with)| Mutation::Replace { at, with }),
            any::<usize>().prop_map(|to| Mutation::Truncate { to }),
            (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
            any::<usize>().prop_map(|at| Mutation::Remove { at }),
            proptest::collection::vec(any::<u8>(), 1..8).prop_map(Mutation::Append),
        ]
    }

    fn apply(original: &str, mutations: &[Mutation]) -> Vec<u8> {
        let mut bytes = original.as_bytes().to_vec();
        for mutation in mutations {
            let len = bytes.len();
            match mutation {
                Mutation::Flip { at, bit } if len > 0 => bytes[at % len] ^= 1 << bit,
                Mutation::Replace { at, with } if len > 0 => bytes[at % len] = *with,
                Mutation::Truncate { to } => bytes.truncate(to % (len + 1)),
                Mutation::Insert { at, byte } => bytes.insert(at % (len + 1), *byte),
                Mutation::Remove { at } if len > 0 => {
                    bytes.remove(at % len);
                }
                Mutation::Append(tail) => bytes.extend_from_slice(tail),
                _ => {}
            }
        }
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn unsealing_arbitrary_bytes_never_panics_nor_accepts(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let sealer = sealer("");
            let text = String::from_utf8_lossy(&bytes);
            prop_assert!(sealer.open::<serde_json::Value>(Purpose::Session, &text).is_none());
            prop_assert!(sealer.open::<serde_json::Value>(Purpose::LoginState, &text).is_none());
        }

        #[test]
        fn unsealing_a_mutated_sealed_value_never_accepts(mutations in proptest::collection::vec(mutation(), 1..4)) {
            let sealer = sealer("");
            let original = valid_sealed();
            let mutated = apply(&original, &mutations);
            let mutated = String::from_utf8_lossy(&mutated);
            prop_assume!(mutated != original);
            prop_assert!(sealer.open::<serde_json::Value>(Purpose::Session, &mutated).is_none());
        }

        #[test]
        fn a_truncated_session_never_opens(to in any::<proptest::sample::Index>()) {
            let sealer = sealer("");
            let original = valid_sealed();
            let to = to.index(original.len());
            prop_assert!(sealer.open::<Session>(Purpose::Session, &original[..to]).is_none());
        }

        #[test]
        fn reading_arbitrary_cookie_headers_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..400)) {
            let sealer = sealer("");
            let scope = CookieScope { base_url: "", secure: false };
            if let Ok(value) = header::HeaderValue::from_bytes(&raw) {
                let request = TestRequest::default()
                    .insert_header((header::COOKIE, value))
                    .to_http_request();
                let read = sealer.read_session(&request, &scope);
                prop_assert!(!matches!(read, Ok(Some(_))));
                let _ = sealer.read_login(&request);
                let _ = scope.has_session(&request);
            }
        }
    }
}
