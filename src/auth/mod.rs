//! Who is calling: the [`User`] extractor and what it needs (proxy headers and their trust anchors,
//! or Lamplight's own OpenID Connect sign-in).

mod error;
pub mod hosts;
pub mod oidc;
pub mod proxy;
pub mod token_cookie;
pub mod trust;
mod user;
mod verified;

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::HttpRequest;

pub use error::{AssertionRefusal, AuthError, CertificateRefusal, Hints, Problem};
pub use user::{AuthMethod, Caller, User};

use crate::metrics::Metrics;
use crate::settings::Settings;
use oidc::Oidc;
use proxy::ProxyAuth;
use trust::TrustedProxies;

#[derive(Debug)]
enum Mode {
    Proxy(Box<ProxyAuth>),
    Oidc(Arc<Oidc>),
    None,
}

/// The configured way of establishing identity, shared by every worker (it holds no per-user state).
#[derive(Debug)]
pub struct Authenticator {
    mode: Mode,
    hints: Hints,
    metrics: Arc<Metrics>,
}

impl Authenticator {
    /// Proxy mode or no authentication; OIDC mode is built with [`Authenticator::with_oidc`].
    pub fn from_settings(
        settings: &Settings,
        trusted: &TrustedProxies,
        metrics: Arc<Metrics>,
    ) -> Result<Self, String> {
        let proxy = &settings.proxy_auth;
        if !proxy.enabled {
            return Ok(Self::none());
        }
        let base = &settings.server.base_url;
        Ok(Authenticator {
            mode: Mode::Proxy(Box::new(ProxyAuth::new(proxy, trusted, metrics.clone())?)),
            hints: Hints {
                mode: "proxy",
                login_url: Some(
                    proxy
                        .login_url
                        .clone()
                        .unwrap_or_else(|| format!("{base}/")),
                ),
                logout_url: proxy.logout_url.clone(),
            },
            metrics,
        })
    }

    pub fn with_oidc(oidc: Arc<Oidc>, metrics: Arc<Metrics>) -> Self {
        let base = oidc.base_url().to_string();
        Authenticator {
            hints: Hints {
                mode: "oidc",
                login_url: Some(format!("{base}/oidc")),
                logout_url: Some(format!("{base}/oidc-logout")),
            },
            mode: Mode::Oidc(oidc),
            metrics,
        }
    }

    pub fn none() -> Self {
        Authenticator {
            mode: Mode::None,
            hints: Hints {
                mode: "none",
                ..Hints::default()
            },
            metrics: Metrics::new(),
        }
    }

    pub fn hints(&self) -> &Hints {
        &self.hints
    }

    async fn establish(&self, request: &HttpRequest) -> Result<User, Problem> {
        match &self.mode {
            Mode::Proxy(proxy) => proxy.authenticate(request).await,
            Mode::Oidc(oidc) => oidc.authenticate(request).await,
            Mode::None => Err(Problem::NotConfigured),
        }
    }

    /// The caller's identity, counted in the metrics and, when refused, in the audit log.
    pub async fn authenticate(&self, request: &HttpRequest) -> Result<User, AuthError> {
        let result = self.establish(request).await;
        let mode = self.hints.mode;
        match result {
            Ok(user) => {
                let reason = match user.anchors.as_slice() {
                    [] => Cow::Borrowed(mode),
                    [anchor] => Cow::Borrowed(*anchor),
                    anchors => Cow::Owned(anchors.join("+")),
                };
                self.metrics.auth_decision(mode, "allowed", reason);
                user::record_on_span(request, &user);
                Ok(user)
            }
            Err(problem) => {
                self.metrics
                    .auth_decision(mode, "refused", Cow::Borrowed(problem.reason()));
                let error = self.error(problem);
                let status = actix_web::ResponseError::status_code(&error);
                crate::audit::refused(request, mode, &error.problem, status);
                Err(error)
            }
        }
    }

    /// For the forwarding path. With proxy-auth, a user is required (its errors stand). With OIDC, a
    /// signed-in browser must have a valid session, while an API client presenting its own non-OIDC
    /// credentials goes on without a user (the API server judges them). With no auth mode there is
    /// no user.
    pub async fn identify(&self, request: &HttpRequest) -> Result<Option<User>, AuthError> {
        match &self.mode {
            Mode::None => Ok(None),
            // Its own credentials are the API server's to judge: not a refusal of Lamplight's.
            Mode::Oidc(oidc) if has_authorization(request) && !oidc.has_session_cookie(request) => {
                let user = self.establish(request).await.ok();
                if let Some(user) = &user {
                    user::record_on_span(request, user);
                }
                Ok(user)
            }
            _ => self.authenticate(request).await.map(Some),
        }
    }

    pub(crate) fn error(&self, problem: Problem) -> AuthError {
        AuthError {
            problem,
            hints: self.hints.clone(),
        }
    }
}

fn has_authorization(request: &HttpRequest) -> bool {
    request
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
}
