use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::auth::Authenticator;

/// Headlamp's `/config`, plus how the UI should authenticate.
pub async fn config(authenticator: web::Data<Authenticator>) -> HttpResponse {
    let hints = authenticator.hints();
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(json!({
            "clusters": [],
            "isDynamicClusterEnabled": false,
            "allowKubeconfigChanges": false,
            "auth": {
                "mode": hints.mode,
                "loginUrl": hints.login_url,
                "logoutUrl": hints.logout_url,
            },
        }))
}
