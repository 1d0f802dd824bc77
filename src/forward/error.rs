use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::settings::flags::Key;
use crate::status::Status;

/// Why a request did not reach the API server, as a Kubernetes `Status` kubectl and the UI understand.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("cluster {0:?} not found")]
    UnknownCluster(String),
    #[error("not found: a cluster's API is under clusters/{{cluster}}/")]
    NotAClusterPath,
    #[error("cluster {cluster:?} is not available: {reason}")]
    ClusterUnavailable { cluster: String, reason: String },
    #[error(
        "the {header} header is not allowed: the dashboard does not lend its credentials for impersonation"
    )]
    ImpersonationRefused { header: String },
    #[error("the path may not contain '..' segments")]
    DotSegments,
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "cluster {cluster:?} is the cluster this server runs in, and its service account is not lent to anonymous \
         callers: sign in (-proxy-auth or -oidc-*), send your own token, or have the operator set \
         -unsafe-use-service-account-token"
    )]
    AnonymousServiceAccount { cluster: String },
    #[error("impersonation needs an authenticated user, and this request has none")]
    NoUserToImpersonate,
    #[error("cannot get credentials for cluster {cluster:?} (the reason is in the server's log)")]
    Credentials { cluster: String },
    #[error("cannot reach the API server of cluster {cluster:?}: {reason}")]
    Unreachable { cluster: String, reason: String },
    #[error("the API server of cluster {cluster:?} did not answer in time: {reason}")]
    Timeout { cluster: String, reason: String },
    #[error(
        "the API server of cluster {cluster:?} answered a WebSocket upgrade with {status} instead of switching protocols"
    )]
    NotUpgraded { cluster: String, status: u16 },
    #[error(
        "{whose} {limit} {what} open through this server, the most -{flag} allows: close some (another tab?) or \
         ask the operator to raise -{flag}"
    )]
    TooManyStreams {
        what: &'static str,
        whose: &'static str,
        limit: usize,
        flag: Key,
    },
    #[error(
        "cross-origin request refused: the Origin header does not name the host this request was sent to"
    )]
    CrossOrigin,
}

impl ResponseError for ForwardError {
    fn status_code(&self) -> StatusCode {
        match self {
            ForwardError::UnknownCluster(_) | ForwardError::NotAClusterPath => {
                StatusCode::NOT_FOUND
            }
            ForwardError::ClusterUnavailable { .. }
            | ForwardError::DotSegments
            | ForwardError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ForwardError::ImpersonationRefused { .. } | ForwardError::CrossOrigin => {
                StatusCode::FORBIDDEN
            }
            ForwardError::NoUserToImpersonate | ForwardError::AnonymousServiceAccount { .. } => {
                StatusCode::UNAUTHORIZED
            }
            ForwardError::Credentials { .. }
            | ForwardError::Unreachable { .. }
            | ForwardError::NotUpgraded { .. } => StatusCode::BAD_GATEWAY,
            ForwardError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ForwardError::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        Status::failure(self.status_code(), self.to_string()).into_response()
    }
}
