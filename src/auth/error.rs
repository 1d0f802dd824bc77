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
    #[error(
        "identity is accepted only from the authenticating proxy, which presents a client certificate: {0}"
    )]
    ClientCertificate(CertificateRefusal),
    #[error("the signed identity assertion in {header} was refused: {refusal}")]
    Assertion {
        header: HeaderName,
        refusal: AssertionRefusal,
    },
    #[error(
        "the keys that sign the assertions in {header} cannot be fetched just now; try again shortly"
    )]
    KeysUnavailable { header: HeaderName },
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

/// Why a client certificate does not make a peer the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CertificateRefusal {
    #[error("none was presented")]
    Missing,
    #[error("its names are not among -proxy-auth-allowed-names")]
    NameNotAllowed,
}

/// Why a signed assertion is not believed. Messages name the claim, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionRefusal {
    #[error("it is missing")]
    Missing,
    #[error("it is not a signed JWT")]
    Malformed,
    #[error("algorithm {0} is not accepted for its key")]
    Algorithm(String),
    #[error("no known key has its kid")]
    UnknownKey,
    #[error("its signature does not verify")]
    BadSignature,
    #[error("it has expired")]
    Expired,
    #[error("it is not valid yet (nbf)")]
    NotYetValid,
    #[error("it was issued in the future (iat)")]
    IssuedInFuture,
    #[error("it has no exp claim")]
    NoExpiry,
    #[error("its issuer (iss) is not the one configured")]
    WrongIssuer,
    #[error("its audience (aud) is not this application")]
    WrongAudience,
    #[error("its signer is not the configured load balancer")]
    WrongSigner,
    #[error("it has no {0} claim for the username")]
    NoUsername(String),
}

impl AssertionRefusal {
    /// A label for metrics and the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            AssertionRefusal::Missing => "assertion_missing",
            AssertionRefusal::Malformed => "assertion_malformed",
            AssertionRefusal::Algorithm(_) => "assertion_algorithm",
            AssertionRefusal::UnknownKey => "assertion_unknown_key",
            AssertionRefusal::BadSignature => "assertion_bad_signature",
            AssertionRefusal::Expired => "assertion_expired",
            AssertionRefusal::NotYetValid => "assertion_not_yet_valid",
            AssertionRefusal::IssuedInFuture => "assertion_issued_in_future",
            AssertionRefusal::NoExpiry => "assertion_no_expiry",
            AssertionRefusal::WrongIssuer => "assertion_wrong_issuer",
            AssertionRefusal::WrongAudience => "assertion_wrong_audience",
            AssertionRefusal::WrongSigner => "assertion_wrong_signer",
            AssertionRefusal::NoUsername(_) => "assertion_no_username",
        }
    }
}

impl Problem {
    /// A short label for metrics and the audit log.
    pub fn reason(&self) -> &'static str {
        match self {
            Problem::UntrustedPeer { .. } => "untrusted_peer",
            Problem::MissingProxySecret { .. } => "missing_proxy_secret",
            Problem::ClientCertificate(CertificateRefusal::Missing) => "client_certificate_missing",
            Problem::ClientCertificate(CertificateRefusal::NameNotAllowed) => {
                "client_certificate_name"
            }
            Problem::Assertion { refusal, .. } => refusal.code(),
            Problem::KeysUnavailable { .. } => "keys_unavailable",
            Problem::LookAlike { .. } => "look_alike_header",
            Problem::Duplicate { .. } => "duplicate_header",
            Problem::TooLong { .. } => "header_too_long",
            Problem::ControlCharacters { .. } => "control_characters",
            Problem::NotUtf8 { .. } => "not_utf8",
            Problem::IdentityMismatch { .. } => "identity_mismatch",
            Problem::MissingUsername { .. } => "missing_username",
            Problem::NotConfigured => "not_configured",
            Problem::NotSignedIn => "not_signed_in",
            Problem::DuplicateCookie(_) => "duplicate_cookie",
            Problem::InvalidToken(_) => "invalid_token",
            Problem::SessionEnded => "session_ended",
            Problem::RefreshFailed(_) => "refresh_failed",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Problem::Assertion {
                refusal: AssertionRefusal::Expired,
                ..
            } => StatusCode::UNAUTHORIZED,
            Problem::KeysUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Problem::UntrustedPeer { .. }
            | Problem::MissingProxySecret { .. }
            | Problem::ClientCertificate(_)
            | Problem::Assertion { .. }
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
