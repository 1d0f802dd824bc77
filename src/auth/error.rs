use std::net::IpAddr;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, VARY};
use actix_web::{HttpResponse, ResponseError};

use crate::status::Status;

/// Why a request has no usable identity. Messages name headers, never their values.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error(
        "identity headers are accepted only from the trusted proxies, and peer {} is not one of them{}",
        peer.map(|ip| ip.to_string()).unwrap_or_else(|| "(unknown)".to_string()),
        header.as_ref().map(|h| format!(" (it sent {h})")).unwrap_or_default()
    )]
    UntrustedPeer {
        peer: Option<IpAddr>,
        header: Option<String>,
    },
    #[error(
        "identity is accepted only from the authenticating proxy, which sends its shared secret in \
         {header}; it is missing or wrong"
    )]
    MissingProxySecret { header: HeaderName },
    #[error("header {header} looks like the identity header {identity} and is refused")]
    LookAlike {
        header: String,
        identity: HeaderName,
    },
    #[error("header {header} appears more than once")]
    Duplicate { header: HeaderName },
    #[error("header {header} is longer than {limit} bytes")]
    TooLong { header: HeaderName, limit: usize },
    #[error("header {header} contains control characters")]
    ControlCharacters { header: HeaderName },
    #[error("header {header} is not valid UTF-8")]
    NotUtf8 { header: HeaderName },
    #[error("the identity in {header} disagrees with the identity the trust anchors attest")]
    IdentityMismatch { header: HeaderName },
    #[error("proxy authentication required: the proxy did not send a username in {header}")]
    MissingUsername { header: HeaderName },
    #[error("no authentication is configured on this server")]
    NotConfigured,
    #[error("not signed in")]
    NotSignedIn,
    #[error("{0}")]
    DuplicateCookie(String),
    #[error("the token was refused: {0}")]
    InvalidToken(String),
    #[error("the session has ended: sign in again")]
    SessionEnded,
    #[error("the session could not be refreshed: {0}")]
    RefreshFailed(String),
}

impl Problem {
    fn status(&self) -> StatusCode {
        match self {
            Problem::UntrustedPeer { .. }
            | Problem::MissingProxySecret { .. }
            | Problem::IdentityMismatch { .. } => StatusCode::FORBIDDEN,
            Problem::MissingUsername { .. }
            | Problem::NotConfigured
            | Problem::NotSignedIn
            | Problem::InvalidToken(_)
            | Problem::DuplicateCookie(_)
            | Problem::SessionEnded
            | Problem::RefreshFailed(_) => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Where the UI can send the user next.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub mode: &'static str,
    pub login_url: Option<String>,
    pub logout_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{problem}")]
pub struct AuthError {
    pub problem: Problem,
    pub hints: Hints,
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        self.problem.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut status =
            Status::failure(self.status_code(), self.to_string()).with("authMode", self.hints.mode);
        if let Some(url) = &self.hints.login_url {
            status = status.with("loginUrl", url.as_str());
        }
        if let Some(url) = &self.hints.logout_url {
            status = status.with("logoutUrl", url.as_str());
        }
        let mut response = status.into_response();
        response.headers_mut().insert(
            VARY,
            actix_web::http::header::HeaderValue::from_static("Cookie"),
        );
        response
    }
}
