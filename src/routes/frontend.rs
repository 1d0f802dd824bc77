use std::path::PathBuf;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};

const PLACEHOLDER: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Lamplight</title></head>\
<body><h1>Lamplight</h1><p>The web UI is not built yet. The API is up: try <a href=\"me\">/me</a> and \
<a href=\"config\">/config</a>.</p></body></html>\n";

/// The UI: a folder given with `-html-static-dir`, otherwise a placeholder page.
pub fn configure(static_dir: Option<PathBuf>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| match static_dir {
        Some(dir) => {
            cfg.service(actix_files::Files::new("", dir).index_file("index.html"));
        }
        None => {
            cfg.default_service(web::to(placeholder));
        }
    }
}

async fn placeholder(request: HttpRequest) -> HttpResponse {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return HttpResponse::MethodNotAllowed().finish();
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(PLACEHOLDER)
}
