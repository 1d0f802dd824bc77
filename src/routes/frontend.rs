//! The web UI: the build in `frontend/dist`, embedded in the binary (or a folder given with
//! `-html-static-dir`, Headlamp's own build included: see [`super::ui_policy`]), with an SPA
//! fallback to `index.html` and security headers (a strict policy for the embedded UI).
//!
//! The build precompresses its files (`frontend/scripts/compress.mjs`: `x.js.br`, `x.js.gz`):
//! a client that accepts Brotli or gzip gets that sibling with `Content-Encoding`, and every file
//! answer says `Vary: Accept-Encoding` so caches keep the variants apart.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};

use super::ui_policy;
use crate::auth::trust::TrustedProxies;
use crate::status::Status;

#[derive(rust_embed::RustEmbed)]
#[folder = "frontend/dist"]
struct Embedded;

/// No inline script or style anywhere in the embedded UI, so the policy can be strict.
pub const CONTENT_SECURITY_POLICY: &str = ui_policy::STRICT;
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
    "plugins",
    "user-plugins",
    "static-plugins",
    "drain-node",
    "drain-node-status",
];

#[derive(Clone)]
pub struct Frontend {
    pub base_url: String,
    pub static_dir: Option<PathBuf>,
    /// `-ui-csp`, when the operator chose the policy.
    pub csp_override: Option<HeaderValue>,
    /// Plugins are configured: Headlamp runs them with `new Function`.
    pub plugins: bool,
}

pub fn configure(frontend: Frontend) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(frontend))
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
            Some(dir) => file_in(dir, path)
                .await
                .map(|file| Asset::File(Box::new(file))),
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

    /// `index.html` as served, and its policy. A Headlamp build gets Headlamp's base-URL rewrite
    /// and a policy with its inline scripts' hashes (read and hashed per request, so a rebuilt UI
    /// is served without a restart); any other page gets `<base href>` set, so deep links load
    /// `./assets/...` from the right place.
    async fn index(&self, host: Option<&str>) -> Option<(Vec<u8>, HeaderValue)> {
        let html: Cow<'static, [u8]> = match &self.static_dir {
            None => Embedded::get("index.html")?.data,
            Some(dir) => tokio::fs::read(dir.join("index.html")).await.ok()?.into(),
        };
        let html = String::from_utf8_lossy(&html);
        let page = if self.static_dir.is_some() && ui_policy::is_headlamp_build(&html) {
            ui_policy::headlamp_rewrite(&html, &self.base_url)
        } else {
            let base = format!(
                "<head>\n    <base href=\"{}/\" />",
                html_escape(&self.base_url)
            );
            html.replacen("<head>", &base, 1)
        };
        let policy = match (&self.csp_override, &self.static_dir) {
            (Some(policy), _) => policy.clone(),
            (None, None) => HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            (None, Some(_)) => {
                let hashes = ui_policy::inline_script_hashes(&page);
                HeaderValue::from_str(&ui_policy::external(&hashes, self.plugins, host)).ok()?
            }
        };
        Some((page.into_bytes(), policy))
    }

    /// The policy for the UI's other files: the operator's, the strict one for the embedded UI,
    /// or an external build's without inline scripts (a worker script gets the policy it is
    /// served with).
    fn file_policy(&self) -> HeaderValue {
        match (&self.csp_override, &self.static_dir) {
            (Some(policy), _) => policy.clone(),
            (None, None) => HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            (None, Some(_)) => HeaderValue::from_str(&ui_policy::external(&[], self.plugins, None))
                .unwrap_or_else(|_| HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        }
    }
}

/// A regular file at `relative` under `dir`, opened by actix-files (off the worker thread, with
/// ETag, Last-Modified and range requests). Only plain names: no `..`, no root, no `\`, and
/// nothing a symbolic link takes outside `dir`.
pub(super) async fn file_in(dir: &Path, relative: &str) -> Option<actix_files::NamedFile> {
    let relative_path = Path::new(relative);
    if relative.contains(['\\', '\0'])
        || relative_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let dir = dir.to_path_buf();
    let full = dir.join(relative_path);
    // Opening stats the file: on the blocking pool too (actix-files streams from there).
    let opened = web::block(move || {
        let inside = full
            .canonicalize()
            .ok()
            .zip(dir.canonicalize().ok())
            .is_some_and(|(file, dir)| file.starts_with(dir));
        (inside && full.is_file())
            .then(|| actix_files::NamedFile::open(full).ok())
            .flatten()
    })
    .await;
    opened.ok().flatten()
}

/// A file of `dir` for this request: its precompressed sibling in the first coding the client
/// accepts (when the file itself exists), with `Vary: Accept-Encoding` and `cache`.
pub(super) async fn serve_file(
    request: &HttpRequest,
    dir: &Path,
    relative: &str,
    cache: &'static str,
) -> Option<HttpResponse> {
    let plain = file_in(dir, relative).await?;
    let mut file = plain;
    for coding in accepted_codings(request) {
        if let Some(encoded) = file_in(dir, &format!("{relative}{}", coding.extension())).await {
            file = encoded
                .set_content_type(file.content_type().clone())
                .set_content_encoding(coding.header())
                .disable_content_disposition();
            break;
        }
    }
    let mut response = file.into_response(request);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    Some(response)
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

pub(super) fn with_security_headers(
    mut response: HttpResponse,
    policy: HeaderValue,
) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
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

async fn serve(
    request: HttpRequest,
    frontend: web::Data<Frontend>,
    trusted: Option<web::Data<TrustedProxies>>,
) -> HttpResponse {
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
        return with_security_headers(response, frontend.file_policy());
    }
    // A missing file is a 404: answering HTML for a script would only hide the mistake.
    let looks_like_a_file =
        relative.starts_with("assets/") || Path::new(relative).extension().is_some();
    if looks_like_a_file && relative != "index.html" {
        return with_security_headers(
            Status::failure(StatusCode::NOT_FOUND, "no such file").into_response(),
            frontend.file_policy(),
        );
    }
    let host = trusted.as_ref().and_then(|trusted| trusted.host(&request));
    match frontend.index(host).await {
        Some((html, policy)) => with_security_headers(
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .body(html),
            policy,
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
