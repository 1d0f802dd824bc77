//! Headlamp's token sign-in, session-less: `POST /clusters/{cluster}/set-token` puts the token in
//! a cookie for that cluster, and requests to that cluster carry it upstream as
//! `Authorization: Bearer` (the cookie itself never goes upstream: see `forward::headers`).
//!
//! Headlamp keeps the token in plain cookies. Here it is sealed (AES-GCM, with a key of its own
//! derived from `-oidc-cookie-secret` and `-base-url`, as the OIDC session is), `HttpOnly`,
//! `SameSite=Strict`, `Secure` over HTTPS (a `__Host-` name at the root), and bound to its cluster
//! inside the seal: a cookie set for cluster A, renamed to B's name, does not open for B. Any
//! replica with the same secret reads it; without a secret there is no token sign-in.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::oidc::session::{KeyDerivationError, Purpose, Sealer, cookies_named};
use super::trust::TrustedProxies;

const NAME: &str = "lamplight-token";
const HOST_PREFIX: &str = "__Host-";
/// Under the 4 KiB browsers allow a cookie with its name and attributes.
const CHUNK_LEN: usize = 3600;
/// A token of up to about 30 KB (sealing adds a third).
const MAX_CHUNKS: usize = 12;
/// Longer than any token Kubernetes issues; keeps every chunk within [`MAX_CHUNKS`].
pub const MAX_TOKEN_LEN: usize = 24 * 1024;

/// What the cookie holds, sealed.
#[derive(Serialize, Deserialize)]
struct Sealed {
    cluster: String,
    token: String,
    /// Unix seconds: the seal outlives no `Max-Age`, even if a client keeps the cookie.
    expires: i64,
}

/// Sets, clears and reads the token cookies. Built once; holds no per-user state.
pub struct TokenCookies {
    sealer: Sealer,
    base_url: String,
    ttl: Duration,
    trusted: TrustedProxies,
    /// False in proxy-auth mode without `-proxy-auth-allow-set-token`: cookies are neither set
    /// nor read, so a token cookie cannot stand in for the proxy's identity.
    pub enabled: bool,
}

impl TokenCookies {
    pub fn new(
        secret: &SecretString,
        base_url: &str,
        ttl: Duration,
        trusted: TrustedProxies,
        enabled: bool,
    ) -> Result<Self, KeyDerivationError> {
        Ok(TokenCookies {
            sealer: Sealer::new(secret.expose_secret().as_bytes(), base_url)?,
            base_url: base_url.to_string(),
            ttl,
            trusted,
            enabled,
        })
    }

    fn secure(&self, request: &HttpRequest) -> bool {
        self.trusted.is_https(request)
    }

    /// A cookie name per cluster, from a hash: cluster names may hold any character, and two
    /// names must not share a cookie (Headlamp strips characters, so `a.b` and `ab` collide).
    fn chunk_names(&self, request: &HttpRequest, cluster: &str) -> Vec<String> {
        let digest = Sha256::digest(cluster.as_bytes());
        let id: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let prefix = if self.secure(request) && self.base_url.is_empty() {
            HOST_PREFIX
        } else {
            ""
        };
        (0..MAX_CHUNKS)
            .map(|index| format!("{prefix}{NAME}-{id}-{index}"))
            .collect()
    }

    #[cfg(test)]
    fn chunk_name(&self, request: &HttpRequest, cluster: &str, index: usize) -> String {
        self.chunk_names(request, cluster).swap_remove(index)
    }

    fn cookie(&self, request: &HttpRequest, name: String, value: String) -> Cookie<'static> {
        let path = if self.base_url.is_empty() {
            "/".to_string()
        } else {
            format!("{}/", self.base_url)
        };
        Cookie::build(name, value)
            .path(path)
            .http_only(true)
            .secure(self.secure(request))
            .same_site(SameSite::Strict)
            .finish()
    }

    /// The cookies that hold `token` for `cluster`, and removals for any higher chunks left over.
    pub fn set(
        &self,
        request: &HttpRequest,
        cluster: &str,
        token: &str,
    ) -> Result<Vec<Cookie<'static>>, serde_json::Error> {
        let sealed = self.sealer.seal(
            Purpose::ClusterToken,
            &Sealed {
                cluster: cluster.to_string(),
                token: token.to_string(),
                expires: jiff::Timestamp::now().as_second() + self.ttl.as_secs() as i64,
            },
        )?;
        let names = self.chunk_names(request, cluster);
        let mut cookies: Vec<Cookie<'static>> = sealed
            .as_bytes()
            .chunks(CHUNK_LEN)
            .zip(names)
            .map(|(chunk, name)| {
                let mut cookie =
                    self.cookie(request, name, String::from_utf8_lossy(chunk).into_owned());
                cookie.set_max_age(CookieDuration::seconds(self.ttl.as_secs() as i64));
                cookie
            })
            .collect();
        let used = cookies.len();
        cookies.extend(self.removals(request, cluster, used));
        Ok(cookies)
    }

    /// Removals for every chunk of `cluster`'s cookie (Headlamp's "log out").
    pub fn clear(&self, request: &HttpRequest, cluster: &str) -> Vec<Cookie<'static>> {
        self.removals(request, cluster, 0)
    }

    fn removals(&self, request: &HttpRequest, cluster: &str, from: usize) -> Vec<Cookie<'static>> {
        self.chunk_names(request, cluster)
            .into_iter()
            .skip(from)
            .map(|name| {
                let mut cookie = self.cookie(request, name, String::new());
                cookie.make_removal();
                cookie
            })
            .collect()
    }

    /// The token this request's cookies hold for `cluster`: none when there is no cookie, it
    /// does not open, it was sealed for another cluster, has expired, or a chunk came twice.
    pub fn token(&self, request: &HttpRequest, cluster: &str) -> Option<SecretString> {
        // Most requests carry no token cookie: they cost one scan of the Cookie header.
        let any = request.headers().get_all(header::COOKIE).any(|line| {
            line.as_bytes()
                .windows(NAME.len())
                .any(|w| w == NAME.as_bytes())
        });
        if !self.enabled || !any {
            return None;
        }
        let names = self.chunk_names(request, cluster);
        let values = cookies_named(request, &names).ok()?;
        let sealed: String = values.into_iter().map_while(|value| value).collect();
        if sealed.is_empty() {
            return None;
        }
        let opened: Sealed = self.sealer.open(Purpose::ClusterToken, &sealed)?;
        let fresh = opened.expires > jiff::Timestamp::now().as_second();
        (opened.cluster == cluster && fresh).then(|| SecretString::from(opened.token))
    }
}

/// For requests under `/clusters/{cluster}/`: a client that sent no `Authorization` of its own
/// gets the token of its cookie for that cluster, and only that cluster, as `Authorization:
/// Bearer`, before identity and forwarding look at the request.
pub async fn authorize(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let cookies = request.app_data::<web::Data<TokenCookies>>().cloned();
    if let Some(cookies) = cookies.filter(|c| c.enabled)
        && !request.headers().contains_key(header::AUTHORIZATION)
        && let Some(cluster) = cluster_of(request.path(), &cookies.base_url)
        && let Some(token) = cookies.token(request.request(), &cluster)
        && let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
    {
        value.set_sensitive(true);
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    next.call(request).await
}

/// The cluster of a `{base}/clusters/{cluster}/...` path, percent-decoded as the forwarder does.
fn cluster_of(path: &str, base_url: &str) -> Option<String> {
    let rest = path.strip_prefix(base_url)?.strip_prefix("/clusters/")?;
    let raw = rest.split('/').next().filter(|c| !c.is_empty())?;
    Some(
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use actix_web::test::TestRequest;

    fn cookies() -> TokenCookies {
        let settings = Settings::from_flags(&[]).unwrap();
        TokenCookies::new(
            &SecretString::from("0123456789abcdef0123456789abcdef"),
            "",
            Duration::from_secs(60),
            TrustedProxies::new(&settings.proxy_auth),
            true,
        )
        .unwrap()
    }

    fn request_with(set: &[Cookie<'static>]) -> HttpRequest {
        let line: Vec<String> = set
            .iter()
            .filter(|c| !c.value().is_empty())
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        TestRequest::default()
            .insert_header((header::COOKIE, line.join("; ")))
            .to_http_request()
    }

    #[test]
    fn a_token_opens_for_its_own_cluster_only() {
        let jar = cookies();
        let plain = TestRequest::default().to_http_request();
        let set = jar.set(&plain, "a", "secret-token").unwrap();
        assert!(set.iter().all(|c| c.http_only() == Some(true)));
        assert!(set.iter().all(|c| c.same_site() == Some(SameSite::Strict)));
        assert!(!set[0].value().contains("secret-token"), "sealed");
        let request = request_with(&set);
        assert_eq!(
            jar.token(&request, "a")
                .map(|t| t.expose_secret().to_string()),
            Some("secret-token".to_string())
        );
        assert!(jar.token(&request, "b").is_none(), "another cluster's name");
        // A's cookie under B's name: the seal names A.
        let renamed: Vec<Cookie<'static>> = set
            .iter()
            .enumerate()
            .map(|(i, c)| Cookie::new(jar.chunk_name(&plain, "b", i), c.value().to_string()))
            .collect();
        assert!(jar.token(&request_with(&renamed), "b").is_none());
    }

    #[test]
    fn large_tokens_are_chunked_and_cleared() {
        let jar = cookies();
        let plain = TestRequest::default().to_http_request();
        let token = "t".repeat(10_000);
        let set = jar.set(&plain, "a", &token).unwrap();
        assert!(set.iter().filter(|c| !c.value().is_empty()).count() > 1);
        assert!(set.iter().all(|c| c.to_string().len() < 4096));
        let request = request_with(&set);
        assert_eq!(
            jar.token(&request, "a").map(|t| t.expose_secret().len()),
            Some(10_000)
        );
        assert!(jar.clear(&plain, "a").iter().all(|c| c.value().is_empty()));
    }
}
