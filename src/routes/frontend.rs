//! The web UI: the build in `frontend/dist`, embedded in the binary (or a folder given with
//! `-html-static-dir`), with an SPA fallback to `index.html` and strict security headers.
//!
//! The build precompresses its files (`frontend/scripts/compress.mjs`: `x.js.br`, `x.js.gz`):
//! a client that accepts Brotli or gzip gets that sibling with `Content-Encoding`, and every file
//! answer says `Vary: Accept-Encoding` so caches keep the variants apart.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use actix_web::http::header::{self, ContentEncoding, HeaderValue};
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

/// A content coding the build precompresses into a sibling file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    /// Smallest first: the server's preference when the client takes both.
    const PREFERENCE: [Coding; 2] = [Coding::Brotli, Coding::Gzip];

    fn extension(self) -> &'static str {
        match self {
            Coding::Brotli => ".br",
            Coding::Gzip => ".gz",
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Coding::Brotli => &["br"],
            Coding::Gzip => &["gzip", "x-gzip"],
        }
    }

    fn header(self) -> ContentEncoding {
        match self {
            Coding::Brotli => ContentEncoding::Brotli,
            Coding::Gzip => ContentEncoding::Gzip,
        }
    }
}

/// The precompressed codings `Accept-Encoding` allows, in the server's order of preference: a
/// coding named with `q=0` is refused, `*` stands for the codings not named.
fn accepted_codings(request: &HttpRequest) -> Vec<Coding> {
    let mut weights: Vec<(String, f32)> = Vec::new();
    for value in request.headers().get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            let q = parts
                .filter_map(|p| {
                    let (key, value) = p.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| value.trim().parse::<f32>().unwrap_or(0.0))
                })
                .next()
                .unwrap_or(1.0);
            weights.push((name, q));
        }
    }
    let weight = |name: &str| weights.iter().find(|(n, _)| n == name).map(|(_, q)| *q);
    Coding::PREFERENCE
        .into_iter()
        .filter(|coding| {
            coding
                .names()
                .iter()
                .find_map(|name| weight(name))
                .or_else(|| weight("*"))
                .is_some_and(|q| q > 0.0)
        })
        .collect()
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

    /// The file, or its precompressed sibling in the first coding the client accepts (only when
    /// the file itself exists, so a stray `.gz` never stands for a missing file).
    async fn negotiated(&self, path: &str, accepted: &[Coding]) -> Option<Response> {
        let plain = self.asset(path).await?;
        for &coding in accepted {
            let Some(encoded) = self.asset(&format!("{path}{}", coding.extension())).await else {
                continue;
            };
            return Some(match (plain, encoded) {
                (Asset::Embedded(plain), Asset::Embedded(encoded)) => HttpResponse::Ok()
                    .insert_header((header::CONTENT_TYPE, plain.metadata.mimetype()))
                    .insert_header((header::CONTENT_ENCODING, coding.header()))
                    .body(encoded.data.into_owned())
                    .into(),
                (Asset::File(plain), Asset::File(encoded)) => Response::File(Box::new(
                    encoded
                        .set_content_type(plain.content_type().clone())
                        .set_content_encoding(coding.header())
                        .disable_content_disposition(),
                )),
                // Both come from the same place; keep the plain file if they ever do not.
                (plain, _) => plain.into(),
            });
        }
        Some(plain.into())
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

/// What `negotiated` found: a finished response, or a file for actix-files to answer (it needs the
/// request, for ranges and conditional requests).
enum Response {
    Ready(HttpResponse),
    File(Box<actix_files::NamedFile>),
}

impl From<HttpResponse> for Response {
    fn from(response: HttpResponse) -> Self {
        Response::Ready(response)
    }
}

impl From<Asset> for Response {
    fn from(asset: Asset) -> Self {
        match asset {
            Asset::Embedded(file) => Response::Ready(
                HttpResponse::Ok()
                    .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
                    .body(file.data.into_owned()),
            ),
            Asset::File(file) => Response::File(file),
        }
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
        && let Some(found) = frontend
            .negotiated(relative, &accepted_codings(&request))
            .await
    {
        let mut response = match found {
            Response::Ready(response) => response,
            Response::File(file) => file.into_response(&request),
        };
        let cache = if relative.starts_with("assets/") {
            IMMUTABLE
        } else {
            "no-cache"
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
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

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::{Coding, accepted_codings};

    fn codings(accept: Option<&str>) -> Vec<Coding> {
        let mut request = TestRequest::get();
        if let Some(accept) = accept {
            request = request.insert_header(("Accept-Encoding", accept));
        }
        accepted_codings(&request.to_http_request())
    }

    #[test]
    fn accept_encoding_picks_the_precompressed_codings() {
        use Coding::{Brotli, Gzip};
        assert_eq!(codings(None), vec![]);
        assert_eq!(codings(Some("identity")), vec![]);
        assert_eq!(codings(Some("gzip, deflate, br, zstd")), vec![Brotli, Gzip]);
        assert_eq!(codings(Some("gzip")), vec![Gzip]);
        assert_eq!(codings(Some("x-gzip")), vec![Gzip]);
        assert_eq!(codings(Some("BR;q=0.5")), vec![Brotli]);
        assert_eq!(codings(Some("br;q=0, gzip;q=0.8")), vec![Gzip]);
        assert_eq!(codings(Some("*")), vec![Brotli, Gzip]);
        assert_eq!(codings(Some("*;q=0")), vec![]);
        assert_eq!(codings(Some("gzip;q=0, *")), vec![Brotli]);
        assert_eq!(codings(Some("br;q=nonsense")), vec![]);
    }
}
