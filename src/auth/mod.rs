//! Who is calling: the [`User`] extractor and what it needs (proxy headers and their trust anchors).

mod error;
pub mod proxy;
pub mod trust;
mod user;

use actix_web::HttpRequest;

pub use error::{AuthError, Hints, Problem};
pub use user::{AuthMethod, User};

use crate::settings::Settings;
use proxy::ProxyAuth;

#[derive(Debug)]
enum Mode {
    Proxy(ProxyAuth),
    None,
}

/// The configured way of establishing identity, shared by every worker (it holds no per-user state).
#[derive(Debug)]
pub struct Authenticator {
    mode: Mode,
    hints: Hints,
}

impl Authenticator {
    pub fn from_settings(settings: &Settings) -> Self {
        let proxy = &settings.proxy_auth;
        if proxy.enabled {
            let base = &settings.server.base_url;
            Authenticator {
                mode: Mode::Proxy(ProxyAuth::new(proxy)),
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
            }
        } else {
            Self::none()
        }
    }

    pub fn none() -> Self {
        Authenticator {
            mode: Mode::None,
            hints: Hints {
                mode: "none",
                ..Hints::default()
            },
        }
    }

    pub fn hints(&self) -> &Hints {
        &self.hints
    }

    pub fn proxy(&self) -> Option<&ProxyAuth> {
        match &self.mode {
            Mode::Proxy(proxy) => Some(proxy),
            Mode::None => None,
        }
    }

    pub fn authenticate(&self, request: &HttpRequest) -> Result<User, AuthError> {
        match &self.mode {
            Mode::Proxy(proxy) => proxy
                .authenticate(request)
                .map_err(|problem| self.error(problem)),
            Mode::None => Err(self.error(Problem::NotConfigured)),
        }
    }

    /// For routes that also serve unauthenticated API clients: with proxy-auth on, a user is required
    /// (and its errors stand); with no auth mode, there is no user and the request goes on without one.
    pub fn identify(&self, request: &HttpRequest) -> Result<Option<User>, AuthError> {
        match &self.mode {
            Mode::None => Ok(None),
            Mode::Proxy(_) => self.authenticate(request).map(Some),
        }
    }

    fn error(&self, problem: Problem) -> AuthError {
        AuthError {
            problem,
            hints: self.hints.clone(),
        }
    }
}
