//! Headlamp's own frontend on Lamplight (`-html-static-dir` pointed at a Headlamp build): the page's
//! policy, Headlamp's base-URL rewrite, its precompressed files, its plugins and `/config`.
//! `fixtures/headlamp/index.html` is the `index.html` of a real Headlamp build.

use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use test_support::App;

const HEADLAMP_INDEX: &str = include_str!("fixtures/headlamp/index.html");

/// A Headlamp build's layout: its `index.html`, a script with precompressed siblings, and the
/// editor's files under `assets/vs`.
fn headlamp_build() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("index.html"), HEADLAMP_INDEX).unwrap();
    std::fs::create_dir_all(root.join("assets/vs")).unwrap();
    std::fs::write(
        root.join("assets/index-DdXsbupy.js"),
        "console.log('headlamp')",
    )
    .unwrap();
    std::fs::write(root.join("assets/index-DdXsbupy.js.br"), "BROTLI").unwrap();
    std::fs::write(root.join("assets/index-DdXsbupy.js.gz"), "GZIP").unwrap();
    std::fs::write(root.join("assets/vs/loader.js"), "define()").unwrap();
    std::fs::write(root.join("assets/vs/loader.js.gz"), "GZIP LOADER").unwrap();
    dir
}

struct Page {
    status: u16,
    policy: String,
    content_encoding: Option<String>,
    body: String,
}

async fn get(app: &App, path: &str, accept: Option<&str>) -> Page {
    let mut request = app.client().get(app.url(path));
    if let Some(accept) = accept {
        request = request.insert_header(("Accept-Encoding", accept));
    }
    let mut response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let policy = header("content-security-policy").unwrap_or_default();
    let content_encoding = header("content-encoding");
    let body = response.body().limit(1 << 20).await.unwrap();
    Page {
        status: response.status().as_u16(),
        policy,
        content_encoding,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The `script-src` of a policy, one source per item.
fn script_sources(policy: &str) -> Vec<String> {
    let directive = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {policy}"));
    directive
        .split_whitespace()
        .skip(1)
        .map(String::from)
        .collect()
}

/// `'sha256-…'` of every inline `<script>` in `html`, as a browser computes them.
fn inline_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let tag_end = start + rest[start..].find('>').unwrap();
        let close = tag_end + rest[tag_end..].find("</script>").unwrap();
        if !rest[start..tag_end].contains("src=") {
            let digest = Sha256::digest(&rest.as_bytes()[tag_end + 1..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &rest[close..];
    }
    hashes
}

#[actix_web::test]
async fn a_headlamp_build_runs_under_a_policy_with_its_inline_scripts_hashes() {
    let build = headlamp_build();
    let app = App::start(&[&format!("-html-static-dir={}", build.path().display())]).await;
    let page = get(&app, "/c/main/pods", None).await;
    assert_eq!(page.status, 200);
    let hashes = inline_hashes(&page.body);
    assert_eq!(
        hashes.len(),
        2,
        "Headlamp's index.html has two inline scripts"
    );
    let mut expected = vec!["'self'".to_string()];
    expected.extend(hashes);
    assert_eq!(script_sources(&page.policy), expected, "{}", page.policy);
    for needed in [
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data: blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
    ] {
        assert!(page.policy.contains(needed), "{needed}: {}", page.policy);
    }
    let host = app.address().to_string();
    assert!(
        page.policy
            .contains(&format!("connect-src 'self' ws://{host} wss://{host};")),
        "{}",
        page.policy
    );
    assert!(
        !page.policy.contains("unsafe-eval"),
        "no plugins, no eval: {}",
        page.policy
    );
}

#[actix_web::test]
async fn plugins_need_eval_and_the_operator_can_set_the_policy() {
    let build = headlamp_build();
    let plugins = tempfile::tempdir().unwrap();
    let static_dir = format!("-html-static-dir={}", build.path().display());
    let app = App::start(&[
        &static_dir,
        &format!("-plugins-dir={}", plugins.path().display()),
    ])
    .await;
    let page = get(&app, "/", None).await;
    assert!(
        script_sources(&page.policy).contains(&"'unsafe-eval'".to_string()),
        "Headlamp runs plugins with new Function: {}",
        page.policy
    );

    let app = App::start(&[&static_dir, "-ui-csp=default-src 'self'; script-src 'none'"]).await;
    for path in ["/", "/assets/index-DdXsbupy.js"] {
        let page = get(&app, path, None).await;
        assert_eq!(
            page.policy, "default-src 'self'; script-src 'none'",
            "{path}"
        );
    }
}

#[actix_web::test]
async fn the_embedded_ui_keeps_its_strict_policy() {
    let app = App::start(&[]).await;
    let page = get(&app, "/", None).await;
    assert_eq!(page.policy, lamplight::routes::CONTENT_SECURITY_POLICY);
    assert_eq!(script_sources(&page.policy), vec!["'self'"]);
    assert!(!page.policy.contains("unsafe"), "{}", page.policy);
}

#[actix_web::test]
async fn base_url_is_written_into_headlamps_index_as_its_server_does() {
    let build = headlamp_build();
    let app = App::start(&[
        &format!("-html-static-dir={}", build.path().display()),
        "-base-url=/headlamp",
    ])
    .await;
    let page = get(&app, "/headlamp/c/main/pods", None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("headlampBaseUrl = '/headlamp'"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("src=\"/headlamp/assets/index-DdXsbupy.js\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<base href"),
        "Headlamp's page has none"
    );
    // The hashes are of the rewritten scripts, the ones the browser runs.
    let hashes = inline_hashes(&page.body);
    assert!(script_sources(&page.policy).contains(&hashes[0]));
    // Where the UI then asks for its configuration and scripts.
    assert_eq!(get(&app, "/headlamp/config", None).await.status, 200);
    assert_eq!(
        get(&app, "/headlamp/assets/index-DdXsbupy.js", None)
            .await
            .status,
        200
    );
    assert_eq!(get(&app, "/config", None).await.status, 404);

    let root = App::start(&[&format!("-html-static-dir={}", build.path().display())]).await;
    let page = get(&root, "/", None).await;
    assert!(page.body.contains("headlampBaseUrl = '/'"), "{}", page.body);
    // The build on disk is left as it was (Headlamp rewrites it in place).
    let on_disk = std::fs::read_to_string(build.path().join("index.html")).unwrap();
    assert_eq!(on_disk, HEADLAMP_INDEX);
}

#[actix_web::test]
async fn headlamps_precompressed_files_go_out_compressed() {
    let build = headlamp_build();
    let app = App::start(&[&format!("-html-static-dir={}", build.path().display())]).await;
    let page = get(&app, "/assets/index-DdXsbupy.js", Some("gzip, deflate, br")).await;
    assert_eq!(page.content_encoding.as_deref(), Some("br"));
    assert_eq!(page.body, "BROTLI");
    let page = get(&app, "/assets/vs/loader.js", Some("gzip, deflate, br")).await;
    assert_eq!(page.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(page.body, "GZIP LOADER");
    let page = get(&app, "/assets/vs/loader.js", None).await;
    assert_eq!(page.content_encoding, None);
    assert_eq!(page.body, "define()");
}

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

#[actix_web::test]
async fn plugins_are_listed_and_served_read_only_as_headlamp_does() {
    let dirs = tempfile::tempdir().unwrap();
    let dev = dirs.path().join("plugins");
    let user = dirs.path().join("user-plugins");
    let shipped = dirs.path().join("static-plugins");
    write(&dev.join("hello/main.js"), "registerPlugin('hello')");
    write(&dev.join("hello/package.json"), r#"{"name": "hello"}"#);
    write(&dev.join("hello/main.js.gz"), "GZIP PLUGIN");
    write(
        &dev.join("from-catalog/main.js"),
        "registerPlugin('catalog')",
    );
    write(
        &dev.join("from-catalog/package.json"),
        r#"{"isManagedByHeadlampPlugin": true}"#,
    );
    write(&dev.join("no-main/package.json"), "{}");
    write(&dev.join("loose-file.js"), "not a plugin");
    write(&user.join("mine/main.js"), "registerPlugin('mine')");
    write(
        &shipped.join("shipped/main.js"),
        "registerPlugin('shipped')",
    );
    write(
        &dirs.path().join("secret.txt"),
        "outside the plugin folders",
    );
    let app = App::start(&[
        &format!("-plugins-dir={}", dev.display()),
        &format!("-user-plugins-dir={}", user.display()),
        &format!("-static-plugins-dir={}", shipped.display()),
    ])
    .await;

    let mut response = app.client().get(app.url("/plugins")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let list: Value = response.json().await.unwrap();
    assert_eq!(
        list,
        json!([
            {"path": "static-plugins/shipped", "type": "shipped", "name": "shipped"},
            {"path": "user-plugins/mine", "type": "user", "name": "mine"},
            {"path": "plugins/from-catalog", "type": "user", "name": "from-catalog"},
            {"path": "plugins/hello", "type": "development", "name": "hello"},
        ])
    );

    for (path, body) in [
        ("/plugins/hello/main.js", "registerPlugin('hello')"),
        ("/plugins/hello/package.json", r#"{"name": "hello"}"#),
        ("/user-plugins/mine/main.js", "registerPlugin('mine')"),
        (
            "/static-plugins/shipped/main.js",
            "registerPlugin('shipped')",
        ),
    ] {
        let page = get(&app, path, None).await;
        assert_eq!((page.status, page.body.as_str()), (200, body), "{path}");
    }
    let page = get(&app, "/plugins/hello/main.js", Some("gzip")).await;
    assert_eq!(page.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(page.body, "GZIP PLUGIN");

    // Nothing outside the folders, however the path is spelt, and no folder listings.
    #[cfg(unix)]
    std::os::unix::fs::symlink(dirs.path().join("secret.txt"), dev.join("hello/link.txt")).unwrap();
    for path in [
        "/plugins/../secret.txt",
        "/plugins/hello/../../secret.txt",
        "/plugins/%2e%2e/secret.txt",
        "/plugins/hello/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/plugins/..%5csecret.txt",
        "/plugins//etc/passwd",
        "/plugins/hello/link.txt",
        "/plugins/hello/",
        "/plugins/hello",
        "/user-plugins/../plugins/hello/main.js",
    ] {
        let response = app.raw().get(path, &[]).await;
        assert!(
            !response.body.contains("outside the plugin folders")
                && !response.body.contains("root:"),
            "{path}: {}",
            response.body
        );
        assert_eq!(response.status, 404, "{path}: {}", response.body);
    }
    // Read-only: Headlamp's DELETE /plugins/{name} is not served.
    let response = app
        .client()
        .delete(app.url("/plugins/hello"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    assert!(dev.join("hello/main.js").is_file());

    let none = App::start(&[]).await;
    let mut response = none
        .client()
        .get(none.url("/plugins"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
}

#[actix_web::test]
async fn config_carries_headlamps_ui_defaults() {
    let app = App::start(&[
        "-pod-debug-image=busybox:1.36",
        "-node-shell-image=alpine:3",
        "-node-shell-namespace=ops",
        "-force-theme=dark",
    ])
    .await;
    let mut response = app.client().get(app.url("/config")).send().await.unwrap();
    let config: Value = response.json().await.unwrap();
    assert_eq!(config["defaultPodDebugImage"], "busybox:1.36");
    assert_eq!(config["defaultNodeShellImage"], "alpine:3");
    assert_eq!(config["defaultNodeShellNamespace"], "ops");
    assert_eq!(config["forceTheme"], "dark");
    assert!(
        config.get("defaultLightTheme").is_none(),
        "omitted when unset, as in Headlamp"
    );
    assert_eq!(config["isDynamicClusterEnabled"], false);
}
