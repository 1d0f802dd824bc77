//! The few HTML pages sign-in and sign-out show themselves (an error, the sign-out confirmation),
//! under the UI's security headers: no script, no inline style, no framing, no sniffing.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder};

/// The UI's own policy: these pages are part of it.
pub use crate::routes::CONTENT_SECURITY_POLICY;

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A builder for an HTML page with `status`, never cached, under the UI's security headers.
pub fn builder(status: StatusCode) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .content_type("text/html; charset=utf-8")
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    builder
}

/// The document: `title` is text (escaped here), `body` is HTML the caller escaped; `head` is
/// extra HTML for the head (a refresh), also escaped by the caller.
pub fn html(title: &str, head: &str, body: &str) -> String {
    let title = escape(title);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>{head}</head><body><h1>{title}</h1>{body}</body></html>"
    )
}

/// The sign-out confirmation: a form posting to `/oidc-logout` (same origin, as `form-action
/// 'self'` wants).
pub fn logout_form(base_url: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\"><button type=\"submit\">Sign out</button></form>\
         <p><a href=\"{home}\">Back to the dashboard</a></p>",
        action = escape(&format!("{base_url}/oidc-logout")),
        home = escape(&format!("{base_url}/")),
    )
}
