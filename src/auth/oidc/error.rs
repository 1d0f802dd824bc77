//! What can go wrong with OpenID Connect: at start-up, with the identity provider, and during a
//! browser's sign-in (an HTML page, since the browser arrives by top-level navigation).

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::page;
use super::session::{DuplicateCookie, KeyDerivationError};

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
    #[error("-oidc-cookie-secret: {0}")]
    CookieKey(#[from] KeyDerivationError),
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
    /// The IdP's `error` code, when it is a valid one (see [`SignInError::refused`]); its
    /// `error_description` is free text anyone can put in a link to the callback, never shown.
    #[error("{}", refused_message(.code.as_deref()))]
    Refused { code: Option<String> },
    #[error("{0}")]
    DuplicateCookie(#[from] DuplicateCookie),
    #[error(
        "This server cannot tell its own address from this request: set -oidc-callback-url, or -allowed-hosts to the name in the browser's address bar."
    )]
    UnknownHost,
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
    #[error("The callback URL is not valid: {0}")]
    CallbackUrl(url::ParseError),
    #[error("The identity provider refused the code exchange: {}", chain(.0.as_ref()))]
    Exchange(BoxError),
    #[error("The identity provider returned no ID token.")]
    NoIdToken,
    #[error("The ID token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("The session could not be stored: {0}")]
    Seal(#[from] serde_json::Error),
}

/// RFC 6749's `error` is `1*NQSCHAR`; we take its characters but no space and at most 64 of them,
/// so what we show is a code, not a sentence someone wrote into a link.
const MAX_ERROR_CODE: usize = 64;

fn refused_message(code: Option<&str>) -> String {
    match code {
        Some(code) => format!("The identity provider refused the sign-in with the error code {code}."),
        None => "The identity provider refused the sign-in (its error code is not a valid OAuth 2.0 error code, so it is not shown).".to_string(),
    }
}

impl SignInError {
    /// The IdP's answer `error=...` at the callback: the code is kept only if it is one.
    pub fn refused(error: &str) -> Self {
        let valid = !error.is_empty()
            && error.len() <= MAX_ERROR_CODE
            && error
                .bytes()
                .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
        SignInError::Refused {
            code: valid.then(|| error.to_string()),
        }
    }

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
        let mut response = page::builder(self.status_code());
        if let Some(cookie) = &self.clear {
            response.cookie(cookie.clone());
        }
        let body = format!(
            "<p>{detail}</p><p><a href=\"{href}\">Sign in again</a></p>",
            detail = page::escape(&self.error.to_string()),
            href = page::escape(&format!("{}/oidc", self.base_url)),
        );
        response.body(page::html(self.error.title(), "", &body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_valid_error_codes_are_kept() {
        for ok in [
            "access_denied",
            "login_required",
            "invalid_request",
            "x",
            "a.b-c~d",
        ] {
            assert!(
                matches!(SignInError::refused(ok), SignInError::Refused { code: Some(c) } if c == ok),
                "{ok}"
            );
        }
        for bad in [
            "",
            "access denied",
            "<script>alert(1)</script>\"",
            "back\\slash",
            "caf\u{e9}",
            "line\nbreak",
            &"a".repeat(65),
        ] {
            assert!(
                matches!(
                    SignInError::refused(bad),
                    SignInError::Refused { code: None }
                ),
                "{bad:?}"
            );
        }
    }
}
