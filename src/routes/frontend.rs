//! The web UI: the build in `frontend/dist`, embedded in the binary (or a folder given with
//! `-html-static-dir`), with an SPA fallback to `index.html` and strict security headers.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::status::Status;

#[derive(rust_embed::RustEmbed)]
#[folder = "frontend/dist"]
struct Embedded;

/// No inline script or style anywhere in the UI, so the policy can be strict.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";
/// Vite puts content hashes in every file name under `assets/`.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Paths owned by the API: an unknown one is a 404, never the UI.
const API_PREFIXES: &[&str] = &[
    "clusters",
    "config",
    "me",
    "healthz",
    "readyz",
    "oidc",
    "oidc-callback",
    "oidc-logout",
];

#[derive(Clone)]
pub struct Frontend {
    base_url: String,
    static_dir: Option<PathBuf>,
}

pub fn configure(
    base_url: String,
    static_dir: Option<PathBuf>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(Frontend {
            base_url,
            static_dir,
        }))
        .default_service(web::to(serve));
    }
}

/// A file of the UI: embedded bytes, or a file in `-html-static-dir` served by actix-files (off
/// the worker thread, with ETag, Last-Modified and range requests).
enum Asset {
    Embedded(rust_embed::EmbeddedFile),
    File(Box<actix_files::NamedFile>),
}

impl Frontend {
    async fn asset(&self, path: &str) -> Option<Asset> {
        match &self.static_dir {
            None => Embedded::get(path).map(Asset::Embedded),
            Some(dir) => {
                let relative = Path::new(path);
                if relative
                    .components()
                    .any(|c| !matches!(c, Component::Normal(_)))
                {
                    return None;
                }
                let full = dir.join(relative);
                // Opening stats the file: on the blocking pool too (actix-files streams from there).
                let opened = web::block(move || {
                    full.is_file()
                        .then(|| actix_files::NamedFile::open(full).ok())
                        .flatten()
                })
                .await;
                opened
                    .ok()
                    .flatten()
                    .map(|file| Asset::File(Box::new(file)))
            }
        }
    }

    /// `index.html` with `<base href>` set, so deep links load `./assets/...` from the right place.
    async fn index(&self) -> Option<Vec<u8>> {
        let html: Cow<'static, [u8]> = match &self.static_dir {
            None => Embedded::get("index.html")?.data,
            Some(dir) => tokio::fs::read(dir.join("index.html")).await.ok()?.into(),
        };
        let html = String::from_utf8_lossy(&html);
        let base = format!(
            "<head>\n    <base href=\"{}/\" />",
            html_escape(&self.base_url)
        );
        Some(html.replacen("<head>", &base, 1).into_bytes())
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn with_security_headers(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn serve(request: HttpRequest, frontend: web::Data<Frontend>) -> HttpResponse {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return Status::failure(StatusCode::METHOD_NOT_ALLOWED, "the UI only answers GET")
            .into_response();
    }
    let Some(relative) = request.path().strip_prefix(frontend.base_url.as_str()) else {
        return Status::failure(StatusCode::NOT_FOUND, "not found").into_response();
    };
    let relative = relative.trim_start_matches('/');
    let first_segment = relative.split('/').next().unwrap_or("");
    if matches!(first_segment, "api" | "apis" | "version" | "openapi") {
        // kubectl pointed at the server itself (`--server=https://dashboard`) would otherwise get
        // the UI's HTML with status 200 and print it as if it were an answer.
        return Status::failure(
            StatusCode::NOT_FOUND,
            format!(
                "this is a dashboard for several clusters: the Kubernetes API of each lives under {}/clusters/{{cluster}}/ \
                 (for kubectl: --server=https://this-host{}/clusters/{{cluster}})",
                frontend.base_url, frontend.base_url
            ),
        )
        .into_response();
    }
    if API_PREFIXES.contains(&first_segment) {
        return Status::failure(
            StatusCode::NOT_FOUND,
            format!("no route for {}", request.path()),
        )
        .into_response();
    }
    if !relative.is_empty()
        && relative != "index.html"
        && let Some(asset) = frontend.asset(relative).await
    {
        let mut response = match asset {
            Asset::Embedded(file) => HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
                .body(file.data.into_owned()),
            Asset::File(file) => file.into_response(&request),
        };
        let cache = if relative.starts_with("assets/") {
            IMMUTABLE
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        return with_security_headers(response);
    }
    // A missing file is a 404: answering HTML for a script would only hide the mistake.
    let looks_like_a_file =
        relative.starts_with("assets/") || Path::new(relative).extension().is_some();
    if looks_like_a_file && relative != "index.html" {
        return with_security_headers(
            Status::failure(StatusCode::NOT_FOUND, "no such file").into_response(),
        );
    }
    match frontend.index().await {
        Some(html) => with_security_headers(
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .body(html),
        ),
        None => Status::failure(StatusCode::NOT_FOUND, "the UI has no index.html").into_response(),
    }
}
