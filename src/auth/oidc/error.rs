//! What can go wrong with OpenID Connect: at start-up, with the identity provider, and during a
//! browser's sign-in (an HTML page, since the browser arrives by top-level navigation).

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, ResponseError};

use crate::clusters::TlsError;
use crate::errors::chain;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why OIDC sign-in cannot be set up; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum OidcSetupError {
    #[error("-oidc-ca-file {}: {source}", path.display())]
    CaFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("-oidc-ca-file: {0}")]
    Tls(#[from] TlsError),
    #[error("{what} {url:?} is not a valid URL: {source}")]
    Url {
        what: &'static str,
        url: String,
        source: url::ParseError,
    },
}

/// A failed exchange with the identity provider.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    #[error("OIDC discovery of {issuer} is pending: {reason}")]
    DiscoveryPending { issuer: String, reason: String },
    #[error("OIDC discovery of {issuer} failed: {}", chain(source.as_ref()))]
    Discovery { issuer: String, source: BoxError },
    #[error("cannot fetch the IdP's keys: {}", chain(.0.as_ref()))]
    Jwks(BoxError),
    #[error("the IdP refused the refresh: {}", chain(.0.as_ref()))]
    Refresh(BoxError),
    #[error("the IdP returned no ID token")]
    NoIdToken,
    #[error("the session has no refresh token")]
    NoRefreshToken,
}

impl IdpError {
    pub fn boxed(error: impl std::error::Error + Send + Sync + 'static) -> BoxError {
        Box::new(error)
    }
}

/// Why a browser's sign-in stopped. Shown as a page with a link to start over.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("The identity provider answered: {error}: {description}")]
    Refused { error: String, description: String },
    #[error(
        "This sign-in was not started in this browser, has already been used, or took longer than 10 minutes."
    )]
    Expired,
    #[error("The state does not match this browser's sign-in.")]
    StateMismatch,
    #[error("The identity provider sent no code.")]
    NoCode,
    #[error("{0}")]
    Unavailable(Arc<IdpError>),
    #[error("The callback URL {url:?} is not valid: {source}")]
    CallbackUrl {
        url: String,
        source: url::ParseError,
    },
    #[error("The identity provider refused the code exchange: {}", chain(.0.as_ref()))]
    Exchange(BoxError),
    #[error("The identity provider returned no ID token.")]
    NoIdToken,
    #[error("The ID token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("The session could not be stored: {0}")]
    Seal(#[from] serde_json::Error),
}

impl SignInError {
    fn title(&self) -> &'static str {
        match self {
            SignInError::Expired => "Sign-in expired",
            SignInError::StateMismatch | SignInError::InvalidIdToken(_) => "Sign-in refused",
            SignInError::Unavailable(_) => "Sign-in unavailable",
            _ => "Sign-in failed",
        }
    }
}

/// A [`SignInError`] with what its page needs: where "sign in again" points, and the cookie to
/// clear (an unfinished sign-in must not be resumed).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct SignInFailure {
    pub error: SignInError,
    pub base_url: String,
    pub clear: Option<Cookie<'static>>,
}

impl ResponseError for SignInFailure {
    fn status_code(&self) -> StatusCode {
        match &self.error {
            SignInError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            SignInError::Exchange(_) | SignInError::NoIdToken => StatusCode::BAD_GATEWAY,
            SignInError::Seal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let escape = |text: &str| {
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type("text/html; charset=utf-8")
            .insert_header(CacheControl(vec![CacheDirective::NoStore]));
        if let Some(cookie) = &self.clear {
            response.cookie(cookie.clone());
        }
        response.body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
             <h1>{title}</h1><p>{detail}</p><p><a href=\"{base_url}/oidc\">Sign in again</a></p></body></html>",
            title = escape(self.error.title()),
            detail = escape(&self.error.to_string()),
            base_url = escape(&self.base_url),
        ))
    }
}
