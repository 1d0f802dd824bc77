use actix_web::HttpResponse;
use serde_json::json;

/// Liveness: answers while the server is serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness: settings are validated before the server listens, so serving means ready.
pub async fn readyz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ready", "checks": { "settings": "loaded" } }))
}
