use actix_web::HttpResponse;
use actix_web::http::header::{CacheControl, CacheDirective, VARY};
use serde::Serialize;

use crate::auth::User;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Me<'a> {
    username: &'a str,
    email: Option<&'a str>,
    groups: &'a [String],
    auth_method: &'static str,
}

/// `GET /me` and Headlamp's `GET /clusters/{cluster}/me`: who the server thinks is calling.
pub async fn me(user: User) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((VARY, "Cookie"))
        .json(Me {
            username: &user.username,
            email: user.email.as_deref(),
            groups: &user.groups,
            auth_method: user.method.as_str(),
        })
}
