//! The UI's files go out precompressed (`frontend/scripts/compress.mjs` writes `.br` and `.gz`
//! siblings at build time) to clients that accept it, from the embedded build and from
//! `-html-static-dir`, with `Content-Encoding` and `Vary: Accept-Encoding`.

use std::path::Path;

use test_support::App;

/// An asset of the embedded build that has both compressed siblings.
fn compressed_asset() -> String {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("frontend/dist/assets");
    let mut names: Vec<String> = std::fs::read_dir(&assets)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".js"))
        .filter(|n| {
            assets.join(format!("{n}.br")).is_file() && assets.join(format!("{n}.gz")).is_file()
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .next()
        .expect("a precompressed .js in frontend/dist/assets (npm run build)")
}

async fn get(app: &App, path: &str, accept: Option<&str>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut request = app.client().get(app.url(path));
    if let Some(accept) = accept {
        request = request.insert_header(("Accept-Encoding", accept));
    }
    let mut response = request.send().await.unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let body = response.body().limit(64 << 20).await.unwrap().to_vec();
    (response.status().as_u16(), headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[actix_web::test]
async fn the_embedded_ui_goes_out_compressed_when_the_client_accepts_it() {
    let app = App::start(&[]).await;
    let name = compressed_asset();
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("frontend/dist/assets");
    let plain = std::fs::read(dist.join(&name)).unwrap();
    let path = format!("/assets/{name}");

    for (accept, coding, extension) in [
        ("gzip, deflate, br, zstd", "br", ".br"),
        ("br", "br", ".br"),
        ("gzip", "gzip", ".gz"),
        ("br;q=0, gzip;q=0.5", "gzip", ".gz"),
    ] {
        let (status, headers, body) = get(&app, &path, Some(accept)).await;
        assert_eq!(status, 200, "{accept}");
        assert_eq!(
            header(&headers, "content-encoding"),
            Some(coding),
            "{accept}"
        );
        assert_eq!(
            header(&headers, "vary"),
            Some("Accept-Encoding"),
            "{accept}"
        );
        assert!(
            header(&headers, "content-type")
                .unwrap()
                .starts_with("text/javascript"),
            "{headers:?}"
        );
        assert!(
            header(&headers, "cache-control")
                .unwrap()
                .contains("immutable")
        );
        assert!(header(&headers, "content-security-policy").is_some());
        let expected = std::fs::read(dist.join(format!("{name}{extension}"))).unwrap();
        assert_eq!(body, expected, "{accept}: the precompressed file as built");
        assert!(
            body.len() * 2 < plain.len(),
            "{accept}: {} of {} bytes",
            body.len(),
            plain.len()
        );
    }

    for accept in [
        None,
        Some("identity"),
        Some("br;q=0, gzip;q=0"),
        Some("*;q=0"),
    ] {
        let (status, headers, body) = get(&app, &path, accept).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-encoding"), None, "{accept:?}");
        assert_eq!(header(&headers, "vary"), Some("Accept-Encoding"));
        assert_eq!(body, plain, "{accept:?}");
    }

    // index.html is rewritten per request (<base href>): never a stale precompressed copy.
    let (status, headers, body) = get(&app, "/c/demo/core/v1/pods", Some("br, gzip")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), None);
    assert!(String::from_utf8_lossy(&body).contains("<base href=\"/\""));
}

#[actix_web::test]
async fn html_static_dir_serves_precompressed_siblings_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<html><head></head></html>").unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/app-1.js"), "console.log(1)").unwrap();
    std::fs::write(dir.path().join("assets/app-1.js.br"), "BROTLI BYTES").unwrap();
    std::fs::write(dir.path().join("assets/app-1.js.gz"), "GZIP BYTES").unwrap();
    // A sibling without its file does not make the file exist.
    std::fs::write(dir.path().join("assets/gone-2.js.gz"), "GZIP BYTES").unwrap();
    let flag = format!("-html-static-dir={}", dir.path().display());
    let app = App::start(&[&flag]).await;

    let (status, headers, body) = get(&app, "/assets/app-1.js", Some("gzip, br")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), Some("br"));
    assert_eq!(header(&headers, "vary"), Some("Accept-Encoding"));
    assert!(
        header(&headers, "content-type")
            .unwrap()
            .starts_with("text/javascript"),
        "{headers:?}"
    );
    assert_eq!(header(&headers, "content-disposition"), None);
    assert_eq!(body, b"BROTLI BYTES");

    let (_, headers, body) = get(&app, "/assets/app-1.js", Some("gzip")).await;
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    assert_eq!(body, b"GZIP BYTES");

    let (_, headers, body) = get(&app, "/assets/app-1.js", None).await;
    assert_eq!(header(&headers, "content-encoding"), None);
    assert_eq!(header(&headers, "vary"), Some("Accept-Encoding"));
    assert_eq!(body, b"console.log(1)");

    let (status, _, _) = get(&app, "/assets/gone-2.js", Some("gzip")).await;
    assert_eq!(status, 404);
}
