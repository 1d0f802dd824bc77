//! Kubernetes `Status` bodies: the error shape that kubectl, client-go and the UI all understand.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CacheControl, CacheDirective};
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Serialize)]
pub struct Status {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    metadata: Map<String, Value>,
    status: &'static str,
    message: String,
    reason: &'static str,
    code: u16,
    /// Hints for our own UI (login and logout URLs...); Kubernetes clients ignore unknown fields.
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl Status {
    pub fn failure(code: StatusCode, message: impl Into<String>) -> Self {
        Status {
            kind: "Status",
            api_version: "v1",
            metadata: Map::new(),
            status: "Failure",
            message: message.into(),
            reason: reason_for(code),
            code: code.as_u16(),
            extra: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn code(&self) -> StatusCode {
        StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn into_response(self) -> HttpResponse {
        HttpResponse::build(self.code())
            .insert_header(CacheControl(vec![CacheDirective::NoStore]))
            .json(self)
    }
}

/// The `reason` values Kubernetes uses for these codes (`metav1.StatusReason`).
fn reason_for(code: StatusCode) -> &'static str {
    match code.as_u16() {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    }
}
