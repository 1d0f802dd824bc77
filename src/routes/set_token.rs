//! `POST /clusters/{cluster}/set-token`, Headlamp's token sign-in and "Log out": its frontend
//! posts `{"token": "..."}` (or `{"token": null}` to sign out) and expects an empty 200; the
//! server keeps the token in a cookie (see [`crate::auth::token_cookie`] for how it is sealed).
//! With OIDC sign-in, an empty token also ends the session: Headlamp's UI signs out this way.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use std::sync::Arc;

use crate::auth::oidc::Oidc;
use crate::auth::token_cookie::{MAX_TOKEN_LEN, TokenCookies};
use crate::auth::trust::TrustedProxies;
use crate::clusters::ClusterRegistry;
use crate::settings::Settings;
use crate::settings::flags::Key;
use crate::status::Status;

#[derive(Deserialize)]
struct Body {
    /// `null` and `""` both sign out, as in Headlamp (Go decodes `null` into `""`).
    #[serde(default)]
    token: Option<String>,
}

fn refuse(code: StatusCode, message: impl Into<String>) -> HttpResponse {
    Status::failure(code, message).into_response()
}

pub async fn set_token(
    request: HttpRequest,
    cluster: web::Path<String>,
    body: web::Bytes,
    settings: web::Data<Settings>,
    trusted: web::Data<TrustedProxies>,
    registry: web::Data<ClusterRegistry>,
    cookies: Option<web::Data<TokenCookies>>,
) -> HttpResponse {
    let oidc = request.app_data::<web::Data<Arc<Oidc>>>().cloned();
    // A page of another site must not sign this browser in as someone else, or out.
    if crate::forward::origin::check(&request, &trusted).is_err() {
        return refuse(
            StatusCode::FORBIDDEN,
            "cross-origin request refused: the Origin header does not name the host this request was sent to",
        );
    }
    // What Headlamp's frontend sends; a cross-site form cannot send it without a preflight.
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !json {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "set-token takes a JSON body: {\"token\": \"...\"}",
        );
    }
    if settings.proxy_auth.enabled && !settings.proxy_auth.allow_set_token {
        return refuse(
            StatusCode::FORBIDDEN,
            format!(
                "token sign-in is off: this server signs users in through the authenticating proxy \
                 (the operator can allow it with -{})",
                Key::ProxyAuthAllowSetToken
            ),
        );
    }
    let Some(cookies) = cookies else {
        return refuse(
            StatusCode::NOT_IMPLEMENTED,
            format!(
                "token sign-in needs the server to seal its cookie: the operator sets -{} (or -{})",
                Key::OidcCookieSecret,
                Key::OidcCookieSecretFile
            ),
        );
    };
    if registry.get(&cluster).is_none() {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("cluster {:?} not found", cluster.as_str()),
        );
    }
    let Ok(body) = serde_json::from_slice::<Body>(&body) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid JSON: expected {\"token\": \"...\"}",
        );
    };
    let token = body.token.unwrap_or_default();
    let token = token
        .strip_prefix("Bearer ")
        .unwrap_or(&token)
        .trim()
        .to_string();
    let set = if token.is_empty() {
        let mut removals = cookies.clear(&request, &cluster);
        if let Some(oidc) = &oidc {
            removals.extend(oidc.session_removals(&request));
        }
        Ok(removals)
    } else if token.len() > MAX_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("a token is at most {MAX_TOKEN_LEN} printable characters without spaces"),
        );
    } else {
        cookies.set(&request, &cluster, &token)
    };
    let Ok(set) = set else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "cannot seal the token");
    };
    let mut response = HttpResponse::Ok();
    response.insert_header(CacheControl(vec![CacheDirective::NoStore]));
    for cookie in set {
        response.cookie(cookie);
    }
    response.finish()
}
