//! Lamplight's own OpenID Connect sign-in, session-less: login state and tokens live in sealed
//! cookies, ID tokens are verified on every request against the IdP's cached keys, and expiring
//! tokens are refreshed before the request goes on (once per session and replica at a time).

mod claims;
mod error;
mod http_client;
mod page;
mod provider;
pub mod routes;
pub(crate) mod session;
mod site;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest};
use openidconnect::core::{CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet};
use openidconnect::{
    ClaimsVerificationError, ClientId, ClientSecret, IssuerUrl, Nonce, OAuth2TokenResponse,
    RedirectUrl, RefreshToken, SignatureVerificationError, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::error::Problem;
use super::hosts::AllowedHosts;
use super::trust::TrustedProxies;
use super::user::{AuthMethod, User};
use crate::clusters::tls::{TlsOptions, client_tls};
use crate::settings::{OidcSettings, Settings};
pub use error::{IdpError, OidcSetupError, SignInError, SignInFailure};
use provider::Provider;
use session::{CookieScope, Purpose, Sealer};
pub use session::{SESSION_COOKIE as SESSION_COOKIE_NAME, Session};

/// Refresh when the ID token has less than this left (or a quarter of its lifetime, if shorter).
const REFRESH_MARGIN: i64 = 60;
/// An unknown signing key makes us refetch the JWKS, but not more often than this.
const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// How long a refresh result is shared with the requests that waited for it.
const REFRESH_SHARE: Duration = Duration::from_secs(30);

/// Cookies the extractor decided to set (a refreshed session); the response middleware adds them.
#[derive(Clone, Default)]
pub struct PendingCookies(pub Vec<Cookie<'static>>);

type RefreshSlot = Arc<tokio::sync::Mutex<Option<(Instant, Result<Session, Arc<IdpError>>)>>>;

pub struct Oidc {
    settings: OidcSettings,
    /// Parsed once at start-up: `-oidc-idp-issuer-url`, and the issuer ID tokens must carry.
    issuer: IssuerUrl,
    token_issuer: IssuerUrl,
    /// `-oidc-callback-url`, when set; else derived from each request.
    callback_url: Option<RedirectUrl>,
    base_url: String,
    sealer: Sealer,
    tls: Arc<rustls::ClientConfig>,
    /// `Err` holds why discovery has not succeeded yet.
    provider: RwLock<Result<Arc<Provider>, Arc<IdpError>>>,
    jwks: RwLock<Option<CoreJsonWebKeySet>>,
    last_jwks_fetch: Mutex<Option<Instant>>,
    verified: crate::auth::verified::VerifiedTokens,
    refreshes: Mutex<HashMap<String, RefreshSlot>>,
    /// Whose `X-Forwarded-Proto` and `X-Forwarded-Host` we believe.
    trusted: TrustedProxies,
    /// The names this server answers to: the only hosts a callback URL is derived from.
    hosts: AllowedHosts,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.settings.issuer_url)
            .finish()
    }
}

impl Oidc {
    pub fn new(
        settings: &Settings,
        oidc: &OidcSettings,
        trusted: TrustedProxies,
    ) -> Result<Oidc, OidcSetupError> {
        let ca_pem = match &oidc.ca_file {
            Some(path) => Some(
                std::fs::read(path).map_err(|source| OidcSetupError::CaFile {
                    path: path.clone(),
                    source,
                })?,
            ),
            None => None,
        };
        let tls = client_tls(TlsOptions {
            ca_pem,
            insecure_skip_verify: oidc.skip_tls_verify,
            ..TlsOptions::default()
        })?;
        let url_error = |what, url: &String| {
            let url = url.clone();
            move |source| OidcSetupError::Url { what, url, source }
        };
        let issuer = IssuerUrl::new(oidc.issuer_url.clone())
            .map_err(url_error("the issuer", &oidc.issuer_url))?;
        let token_issuer = IssuerUrl::new(oidc.token_issuer.clone()).map_err(url_error(
            "-oidc-validator-idp-issuer-url",
            &oidc.token_issuer,
        ))?;
        let callback_url = match &oidc.callback_url {
            Some(url) => {
                Some(RedirectUrl::new(url.clone()).map_err(url_error("-oidc-callback-url", url))?)
            }
            None => None,
        };
        Ok(Oidc {
            settings: oidc.clone(),
            issuer,
            token_issuer,
            callback_url,
            base_url: settings.server.base_url.clone(),
            sealer: Sealer::new(
                oidc.cookie_secret.expose_secret().as_bytes(),
                &settings.server.base_url,
            )?,
            tls: tls.upgrade,
            provider: RwLock::new(Err(Arc::new(IdpError::DiscoveryPending {
                issuer: oidc.issuer_url.clone(),
                reason: "discovery has not run yet".to_string(),
            }))),
            jwks: RwLock::new(None),
            last_jwks_fetch: Mutex::new(None),
            verified: crate::auth::verified::VerifiedTokens::default(),
            refreshes: Mutex::new(HashMap::new()),
            trusted,
            hosts: AllowedHosts::new(settings),
        })
    }

    /// Discovers the IdP, retrying with backoff while it is down; the server serves meanwhile.
    pub fn start_discovery(self: &Arc<Self>) {
        let oidc = self.clone();
        actix_web::rt::spawn(async move {
            let mut delay = Duration::from_millis(500);
            loop {
                match Provider::discover(&oidc.issuer, oidc.tls.clone()).await {
                    Ok(provider) => {
                        tracing::info!(issuer = %oidc.settings.issuer_url, "OIDC discovery done");
                        *oidc.jwks.write().unwrap_or_else(|p| p.into_inner()) =
                            Some(provider.jwks().clone());
                        *oidc.provider.write().unwrap_or_else(|p| p.into_inner()) =
                            Ok(Arc::new(provider));
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(%error, retry_in = ?delay, "OIDC discovery failed");
                        *oidc.provider.write().unwrap_or_else(|p| p.into_inner()) =
                            Err(Arc::new(IdpError::DiscoveryPending {
                                issuer: oidc.settings.issuer_url.clone(),
                                reason: error.to_string(),
                            }));
                        actix_web::rt::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(30));
                    }
                }
            }
        });
    }

    pub fn provider(&self) -> Result<Arc<Provider>, Arc<IdpError>> {
        self.provider
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// HTTPS as the browser sees it: our own TLS, or `X-Forwarded-Proto: https` from a trusted proxy.
    pub fn is_https(&self, request: &HttpRequest) -> bool {
        self.trusted.is_https(request)
    }

    /// `scheme://host` as the browser sees this server, when the request's host is one this
    /// server answers to.
    fn request_origin(&self, request: &HttpRequest) -> Option<String> {
        site::origin_of(
            self.is_https(request),
            self.trusted.host(request),
            &self.hosts,
        )
    }

    /// The `redirect_uri`: `-oidc-callback-url`, else `/oidc-callback` at the request's (allowed)
    /// host. Never an arbitrary `Host`.
    fn redirect_url(&self, request: &HttpRequest) -> Result<RedirectUrl, SignInError> {
        if let Some(url) = &self.callback_url {
            return Ok(url.clone());
        }
        let origin = self
            .request_origin(request)
            .ok_or(SignInError::UnknownHost)?;
        RedirectUrl::new(format!("{origin}{}/oidc-callback", self.base_url))
            .map_err(SignInError::CallbackUrl)
    }

    /// The origins this server's own pages have: the callback URL's, and the request's (allowed) host.
    fn own_origins(&self, request: &HttpRequest) -> Vec<url::Origin> {
        let configured = self.callback_url.as_ref().map(|url| url.url().origin());
        let derived = self
            .request_origin(request)
            .and_then(|origin| url::Url::parse(&origin).ok())
            .map(|url| url.origin());
        configured.into_iter().chain(derived).collect()
    }

    /// The dashboard's home as an absolute URL (where the IdP sends the user after sign-out).
    fn home_url(&self, request: &HttpRequest) -> Option<String> {
        let origin = match &self.callback_url {
            Some(url) => url.url().origin().ascii_serialization(),
            None => self.request_origin(request)?,
        };
        Some(format!("{origin}{}/", self.base_url))
    }

    /// Whether the request carries a session cookie under the names this request would be given
    /// (`__Host-` ones over HTTPS at the root).
    pub fn has_session_cookie(&self, request: &HttpRequest) -> bool {
        self.cookie_scope(request).has_session(request)
    }

    /// Removals of the session cookies: Headlamp's "Log out" (`set-token` with no token) ends
    /// the sign-in here, as it clears Headlamp's own per-cluster cookie (not at the IdP: that
    /// is `POST /oidc-logout`).
    pub fn session_removals(&self, request: &HttpRequest) -> Vec<Cookie<'static>> {
        self.cookie_scope(request).clear_session()
    }

    fn cookie_scope(&self, request: &HttpRequest) -> CookieScope<'_> {
        CookieScope {
            base_url: &self.base_url,
            secure: self.is_https(request),
        }
    }

    fn verifier<'a>(&self, jwks: &'a CoreJsonWebKeySet) -> CoreIdTokenVerifier<'a> {
        let issuer = self.token_issuer.clone();
        let audience = ClientId::new(self.settings.audience.clone());
        match &self.settings.client_secret {
            Some(secret) => CoreIdTokenVerifier::new_confidential_client(
                audience,
                ClientSecret::new(secret.expose_secret().to_string()),
                issuer,
                jwks.clone(),
            ),
            None => CoreIdTokenVerifier::new_public_client(audience, issuer, jwks.clone()),
        }
    }

    /// Verifies an ID token's signature, issuer, audience, expiry and (when given) nonce, and
    /// returns its claims. An unknown key id triggers one JWKS refetch (at most once a minute).
    pub async fn verify(
        &self,
        token: &str,
        nonce: Option<&Nonce>,
    ) -> Result<Value, ClaimsVerificationError> {
        // A sign-in's own token (with its nonce) is always checked in full.
        if nonce.is_none()
            && let Some(claims) = self.verified.get(token)
        {
            return Ok(claims);
        }
        let parsed: CoreIdToken = token.parse().map_err(|e: serde_json::Error| {
            ClaimsVerificationError::Other(format!("not a JWT: {e}"))
        })?;
        let first = self.check(&parsed, nonce);
        let unknown_key = matches!(
            first,
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey
            ))
        );
        if unknown_key && self.refetch_jwks().await {
            self.check(&parsed, nonce)?;
        } else {
            first?;
        }
        let claims = claims::payload(token)
            .ok_or_else(|| ClaimsVerificationError::Other("unreadable claims".into()))?;
        if nonce.is_none() {
            self.verified.insert(token, &claims);
        }
        Ok(claims)
    }

    fn check(
        &self,
        token: &CoreIdToken,
        nonce: Option<&Nonce>,
    ) -> Result<(), ClaimsVerificationError> {
        let jwks = self.jwks.read().unwrap_or_else(|p| p.into_inner()).clone();
        let jwks = jwks.ok_or_else(|| {
            ClaimsVerificationError::Other("the IdP's keys are not known yet".into())
        })?;
        let verifier = self.verifier(&jwks);
        match nonce {
            Some(nonce) => token.claims(&verifier, nonce).map(|_| ()),
            None => token
                .claims(&verifier, |_: Option<&Nonce>| Ok(()))
                .map(|_| ()),
        }
    }

    async fn refetch_jwks(&self) -> bool {
        {
            let mut last = self
                .last_jwks_fetch
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|at| at.elapsed() < JWKS_REFETCH_INTERVAL) {
                return false;
            }
            *last = Some(Instant::now());
        }
        let Ok(provider) = self.provider() else {
            return false;
        };
        match provider.fetch_jwks(self.tls.clone()).await {
            Ok(jwks) => {
                *self.jwks.write().unwrap_or_else(|p| p.into_inner()) = Some(jwks);
                true
            }
            Err(error) => {
                tracing::warn!(%error, "JWKS refetch failed");
                false
            }
        }
    }

    fn user(&self, claims: &Value, session: &Session) -> Result<User, Problem> {
        let username = claims::first_string(claims, &self.settings.username_paths)
            .or_else(|| claims::first_string(claims, &["sub".to_string()]))
            .ok_or_else(|| Problem::InvalidToken("the token names no user".into()))?;
        let token = if self.settings.use_access_token {
            session
                .access_token
                .clone()
                .unwrap_or_else(|| session.id_token.clone())
        } else {
            session.id_token.clone()
        };
        Ok(User::new(
            username,
            claims::first_string(claims, &self.settings.email_paths),
            claims::first_list(claims, &self.settings.groups_paths),
            Some(SecretString::from(token)),
            AuthMethod::Oidc,
        ))
    }

    pub async fn authenticate(&self, request: &HttpRequest) -> Result<User, Problem> {
        if let Some(token) = bearer(request) {
            // API clients such as kubectl present an ID token themselves.
            let claims = self
                .verify(&token, None)
                .await
                .map_err(|e| Problem::InvalidToken(e.to_string()))?;
            let session = Session {
                id_token: token,
                access_token: None,
                refresh_token: None,
                started: 0,
            };
            return self.user(&claims, &session);
        }
        let session = self
            .sealer
            .read_session(request, &self.cookie_scope(request))
            .map_err(|duplicate| Problem::DuplicateCookie(duplicate.to_string()))?
            .ok_or(Problem::NotSignedIn)?;
        let now = jiff::Timestamp::now().as_second();
        if now > session.started + self.settings.session_ttl.as_secs() as i64 {
            return Err(Problem::SessionEnded);
        }
        let verified = self.verify(&session.id_token, None).await;
        let needs_refresh = match &verified {
            Ok(claims) => expires_in(claims, now) <= refresh_margin(claims),
            Err(ClaimsVerificationError::Expired(_)) => true,
            Err(error) => return Err(Problem::InvalidToken(error.to_string())),
        };
        if !needs_refresh || session.refresh_token.is_none() {
            let claims = verified.map_err(|_| Problem::SessionEnded)?;
            return self.user(&claims, &session);
        }
        let fresh = self
            .refresh(&session)
            .await
            .map_err(|e| Problem::RefreshFailed(e.to_string()))?;
        let claims = self
            .verify(&fresh.id_token, None)
            .await
            .map_err(|e| Problem::RefreshFailed(e.to_string()))?;
        let sealed = self
            .sealer
            .seal(Purpose::Session, &fresh)
            .map_err(|e| Problem::RefreshFailed(e.to_string()))?;
        let max_age = (fresh.started + self.settings.session_ttl.as_secs() as i64 - now).max(0);
        let cookies = self.cookie_scope(request).session_cookies(&sealed, max_age);
        request.extensions_mut().insert(PendingCookies(cookies));
        self.user(&claims, &fresh)
    }

    /// One refresh per refresh token at a time in this replica: concurrent requests of one session
    /// wait for it and share its result, so rotating refresh tokens are not spent twice.
    async fn refresh(&self, session: &Session) -> Result<Session, Arc<IdpError>> {
        let refresh_token = session
            .refresh_token
            .clone()
            .ok_or(IdpError::NoRefreshToken)?;
        let slot = {
            let mut slots = self.refreshes.lock().unwrap_or_else(|p| p.into_inner());
            // Forget finished refreshes nobody waits for any more.
            slots.retain(|_, slot| {
                let recent = |outcome: &Option<(Instant, _)>| {
                    outcome
                        .as_ref()
                        .is_some_and(|(at, _)| at.elapsed() < REFRESH_SHARE)
                };
                Arc::strong_count(slot) > 1
                    || slot
                        .try_lock()
                        .map(|outcome| recent(&outcome))
                        .unwrap_or(true)
            });
            slots.entry(refresh_token.clone()).or_default().clone()
        };
        let mut outcome = slot.lock().await;
        if let Some((at, result)) = outcome.as_ref()
            && at.elapsed() < REFRESH_SHARE
        {
            return result.clone();
        }
        let result = self
            .refresh_now(session, &refresh_token)
            .await
            .map_err(Arc::new);
        *outcome = Some((Instant::now(), result.clone()));
        result
    }

    async fn refresh_now(
        &self,
        session: &Session,
        refresh_token: &str,
    ) -> Result<Session, IdpError> {
        let provider = self
            .provider()
            .map_err(|pending| IdpError::DiscoveryPending {
                issuer: self.settings.issuer_url.clone(),
                reason: pending.to_string(),
            })?;
        let client = provider.client(&self.settings);
        let tls = self.tls.clone();
        let http = move |request| http_client::send(tls.clone(), request);
        let token = RefreshToken::new(refresh_token.to_string());
        let response = client
            .exchange_refresh_token(&token)
            .map_err(|e| IdpError::Refresh(IdpError::boxed(e)))?
            .request_async(&http)
            .await
            .map_err(|e| IdpError::Refresh(IdpError::boxed(e)))?;
        let id_token = response
            .id_token()
            .map(|t| t.to_string())
            .ok_or(IdpError::NoIdToken)?;
        Ok(Session {
            id_token,
            access_token: Some(response.access_token().secret().clone()),
            refresh_token: response
                .refresh_token()
                .map(|t| t.secret().clone())
                .or(session.refresh_token.clone()),
            started: session.started,
        })
    }
}

fn bearer(request: &HttpRequest) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

fn refresh_margin(claims: &Value) -> i64 {
    let lifetime = match (
        claims.get("exp").and_then(Value::as_i64),
        claims.get("iat").and_then(Value::as_i64),
    ) {
        (Some(exp), Some(iat)) => exp - iat,
        _ => REFRESH_MARGIN * 4,
    };
    REFRESH_MARGIN.min(lifetime / 4)
}

fn expires_in(claims: &Value, now: i64) -> i64 {
    claims
        .get("exp")
        .and_then(Value::as_i64)
        .map(|exp| exp - now)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn oidc(extra: &[&str]) -> Oidc {
        let flags = [
            &[
                "-oidc-client-id=lamplight",
                "-oidc-idp-issuer-url=https://idp.example.com",
                "-oidc-cookie-secret=a-cookie-secret-of-at-least-thirty-two-bytes",
                "-allowed-hosts=dash.example.com",
            ][..],
            extra,
        ]
        .concat();
        let settings = Settings::from_flags(&flags).unwrap();
        let oidc_settings = settings.oidc.clone().unwrap();
        let trusted = TrustedProxies::new(&settings.proxy_auth);
        Oidc::new(&settings, &oidc_settings, trusted).unwrap()
    }

    fn request(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut request = TestRequest::get().peer_addr(peer.parse().unwrap());
        for header in headers {
            request = request.insert_header(*header);
        }
        request.to_http_request()
    }

    fn redirect_uri(oidc: &Oidc, request: &HttpRequest) -> Option<String> {
        oidc.redirect_url(request).ok().map(|url| url.to_string())
    }

    #[test]
    fn the_redirect_uri_comes_from_an_allowed_host_only() {
        let oidc = oidc(&["-base-url=/ui"]);
        let peer = "192.0.2.1:5000";
        assert_eq!(
            redirect_uri(&oidc, &request(peer, &[("Host", "dash.example.com")])).as_deref(),
            Some("http://dash.example.com/ui/oidc-callback")
        );
        assert_eq!(
            redirect_uri(&oidc, &request(peer, &[("Host", "127.0.0.1:4466")])).as_deref(),
            Some("http://127.0.0.1:4466/ui/oidc-callback")
        );
        for host in [
            "attacker.example",
            "dash.example.com/evil",
            "dash.example.com@evil",
        ] {
            assert_eq!(
                redirect_uri(&oidc, &request(peer, &[("Host", host)])),
                None,
                "{host}"
            );
        }
        // X-Forwarded-Host only counts from a trusted proxy.
        let forwarded = [
            ("Host", "dash.example.com"),
            ("X-Forwarded-Host", "attacker.example"),
        ];
        assert_eq!(
            redirect_uri(&oidc, &request(peer, &forwarded)).as_deref(),
            Some("http://dash.example.com/ui/oidc-callback")
        );
        let behind_proxy = self::oidc(&["-proxy-auth-trusted-proxies=10.0.0.0/8"]);
        let trusted_peer = "10.0.0.5:5000";
        assert_eq!(
            redirect_uri(&behind_proxy, &request(trusted_peer, &forwarded)),
            None,
            "a trusted proxy's X-Forwarded-Host must be allowed too"
        );
        let proxied = [
            ("Host", "lamplight.internal:4466"),
            ("X-Forwarded-Host", "dash.example.com"),
            ("X-Forwarded-Proto", "https"),
        ];
        assert_eq!(
            redirect_uri(&behind_proxy, &request(trusted_peer, &proxied)).as_deref(),
            Some("https://dash.example.com/oidc-callback")
        );
    }

    #[test]
    fn a_configured_callback_url_wins_over_any_host() {
        let oidc = oidc(&["-oidc-callback-url=https://dash.example.com/oidc-callback"]);
        let request = request("192.0.2.1:5000", &[("Host", "attacker.example")]);
        assert_eq!(
            redirect_uri(&oidc, &request).as_deref(),
            Some("https://dash.example.com/oidc-callback")
        );
        assert_eq!(
            oidc.home_url(&request).as_deref(),
            Some("https://dash.example.com/")
        );
        assert_eq!(
            oidc.own_origins(&request),
            vec![
                url::Url::parse("https://dash.example.com")
                    .unwrap()
                    .origin()
            ]
        );
    }
}
