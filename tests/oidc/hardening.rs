//! Cookies sealed per purpose and base URL, `__Host-` names, duplicated cookies, sign-out by a
//! same-origin POST only, the callback's error page, and where `redirect_uri` comes from.

use std::time::Duration;

use serde_json::Value;
use test_support::{App, OidcProvider, ServingTls, free_port};

use crate::browser::Browser;
use crate::flow::{SECRET, Stack, client_flags, cluster, me, origin, replica, sign_in_with};
use crate::sealing;

/// What anyone can write into a link to the callback, as `error_description`.
const HOSTILE: &str =
    "Your account is locked. Call +1 555 0100 or visit https://evil.example/unlock";

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// GET `url` with `client`: status, `Content-Security-Policy`, `Set-Cookie`s, body.
async fn fetch(client: &awc::Client, url: &str) -> (u16, Option<String>, usize, String) {
    let mut response = client.get(url).send().await.unwrap();
    let csp = response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_string());
    let set_cookies = response.headers().get_all("set-cookie").count();
    let body = response.body().await.unwrap();
    (
        response.status().as_u16(),
        csp,
        set_cookies,
        String::from_utf8_lossy(&body).to_string(),
    )
}

/// The UI's own policy, as `GET /` serves it.
async fn ui_csp(app: &App) -> String {
    let (status, csp, _, _) = fetch(&app.client(), &app.url("/")).await;
    assert_eq!(status, 200);
    csp.expect("the UI has a Content-Security-Policy")
}

#[actix_web::test]
async fn a_login_state_is_not_a_session() {
    let stack = Stack::start(&[], true, &[]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    assert!(
        browser.cookie("127.0.0.1", "lamplight-session-1").is_none(),
        "one chunk"
    );
    let sealed = browser.cookie("127.0.0.1", "lamplight-session-0").unwrap();
    let json = sealing::open(
        &sealing::key("oidc-session", ""),
        "lamplight-session",
        &sealed,
    )
    .unwrap();
    // alice's own, valid session, sealed again: as a login state (what the login cookie could
    // carry), and under the login-state key with the session's name.
    for (purpose, name, expected) in [
        ("oidc-login-state", "lamplight-oidc-login", 401),
        ("oidc-login-state", "lamplight-session", 401),
        ("oidc-session", "lamplight-session", 200),
    ] {
        let resealed = sealing::seal(&sealing::key(purpose, ""), name, &json);
        browser.set_cookie("127.0.0.1", "lamplight-session-0", &resealed, "/");
        let (status, body) = me(&mut browser, &stack.url("/me")).await;
        assert_eq!(status, expected, "sealed as {purpose} / {name}: {body}");
    }

    // A real login cookie, presented as a session.
    let mut other = Browser::default();
    other.get(&stack.url("/oidc")).await;
    let login = other.cookie("127.0.0.1", "lamplight-oidc-login").unwrap();
    other.set_cookie("127.0.0.1", "lamplight-session-0", &login, "/");
    assert_eq!(me(&mut other, &stack.url("/me")).await.0, 401);
}

/// Waits until `app` has discovered its provider, `/readyz` living under `base_url`.
async fn wait_for_discovery(app: &App, base_url: &str) {
    for _ in 0..200 {
        let (_, _, _, body) = fetch(&app.client(), &app.url(&format!("{base_url}/readyz"))).await;
        let ready: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        if ready["checks"]["oidc"] == "discovered" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("OIDC discovery did not finish under {base_url}");
}

#[actix_web::test]
async fn a_session_sealed_for_another_base_url_is_refused() {
    // Two deployments on one host with one client and one cookie secret; only -base-url differs.
    let idp = OidcProvider::start().await;
    let (port_a, port_b) = (free_port(), free_port());
    let client = idp
        .client(&format!("{}/oidc-callback", origin(port_a)))
        .redirect_uri(&format!("{}/other/oidc-callback", origin(port_b)))
        .register()
        .await;
    let cluster = cluster().await;
    let _a = replica(port_a, &idp, &client, &cluster, &[]).await;
    let b = App::builder()
        .port(port_b)
        .kubeconfig(&cluster.kubeconfig)
        .flags(&client_flags(&idp, &client))
        .flags(&[
            format!("-oidc-cookie-secret={SECRET}"),
            "-base-url=/other".to_string(),
        ])
        .start()
        .await;
    wait_for_discovery(&b, "/other").await;

    let mut browser = Browser::default();
    sign_in_with(
        &mut browser,
        &format!("{}/other/oidc?returnTo=/other/", origin(port_b)),
        "alice",
        &origin(port_b),
    )
    .await;
    let (status, body) = me(&mut browser, &format!("{}/other/me", origin(port_b))).await;
    assert_eq!(status, 200, "{body}");

    // The same cookie, sent to the deployment at the root (cookies are per host, not per port;
    // a path is no boundary either: any page of the host can write a cookie for `/`).
    let sealed = browser.cookie("127.0.0.1", "lamplight-session-0").unwrap();
    browser.set_cookie("127.0.0.1", "lamplight-session-0", &sealed, "/");
    let (status, body) = me(&mut browser, &format!("{}/me", origin(port_a))).await;
    assert_eq!(status, 401, "{body}");
}

#[actix_web::test]
async fn a_duplicated_session_cookie_is_refused_not_first_wins() {
    let stack = Stack::start(&[], true, &[]).await;
    let (browser, _) = stack.sign_in("alice", "/").await;
    let sealed = browser.cookie("127.0.0.1", "lamplight-session-0").unwrap();
    let ours = format!("lamplight-session-0={sealed}");
    let planted = "lamplight-session-0=set-by-a-sibling-subdomain-for-the-parent-domain";
    let mut bare = Browser::default();
    for (cookies, expected) in [
        (ours.clone(), 200),
        (format!("{ours}; {planted}"), 401),
        (format!("{planted}; {ours}"), 401),
        (format!("{ours}; {ours}"), 401),
    ] {
        let page = bare
            .request("GET", &stack.url("/me"), None, &[("Cookie", &cookies)])
            .await;
        assert_eq!(page.status, expected, "{}", page.body);
        if expected == 401 {
            assert!(page.body.contains("more than once"), "{}", page.body);
            assert!(!page.body.contains("set-by-a-sibling"), "{}", page.body);
        }
    }
    // On the forwarding path too: nothing reaches the API server.
    let count = stack.cluster.fake.requests().len();
    let page = bare
        .request(
            "GET",
            &stack.url("/clusters/fake/api/v1/pods"),
            None,
            &[("Cookie", &format!("{ours}; {planted}"))],
        )
        .await;
    assert_eq!(page.status, 401, "{}", page.body);
    assert_eq!(stack.cluster.fake.requests().len(), count);
}

#[actix_web::test]
async fn get_logout_shows_a_confirmation_and_signs_nobody_out() {
    let stack = Stack::start(&[], true, &[]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    // An <img src=".../oidc-logout"> on any site makes the browser do this.
    let page = browser.get(&stack.url("/oidc-logout")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.set_cookies.is_empty(), "{:?}", page.set_cookies);
    assert!(
        page.body
            .contains("<form method=\"post\" action=\"/oidc-logout\">"),
        "{}",
        page.body
    );
    assert_eq!(me(&mut browser, &stack.url("/me")).await.0, 200);

    let (_, csp, _, _) = fetch(&stack.app.client(), &stack.url("/oidc-logout")).await;
    assert_eq!(csp, Some(ui_csp(&stack.app).await), "the UI's policy");

    // The form, from a browser that sends Sec-Fetch-Site but (say, privacy settings) no Origin.
    let signed_out = browser
        .request(
            "POST",
            &stack.url("/oidc-logout"),
            None,
            &[("Sec-Fetch-Site", "same-origin")],
        )
        .await;
    assert_eq!(signed_out.status, 200, "{}", signed_out.body);
    assert_eq!(me(&mut browser, &stack.url("/me")).await.0, 401);
}

#[actix_web::test]
async fn a_cross_site_logout_is_refused_and_the_session_kept() {
    let stack = Stack::start(&[], true, &["-oidc-logout=false"]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    let other_port = format!("http://127.0.0.1:{}", free_port());
    for headers in [
        vec![("Origin", "http://evil.example")],
        vec![("Origin", "null")],
        vec![("Origin", other_port.as_str())],
        vec![
            ("Origin", "http://evil.example"),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Sec-Fetch-Site", "same-site")],
        vec![("Referer", "http://evil.example/page")],
        vec![],
    ] {
        let page = browser
            .request("POST", &stack.url("/oidc-logout"), None, &headers)
            .await;
        assert_eq!(page.status, 403, "{headers:?}: {}", page.body);
        assert!(page.set_cookies.is_empty(), "{headers:?}");
        assert!(page.body.contains("still signed in"), "{}", page.body);
        assert!(!page.body.contains("evil.example"), "{}", page.body);
        assert_eq!(
            me(&mut browser, &stack.url("/me")).await.0,
            200,
            "{headers:?}"
        );
    }
    // This site's own page may (no IdP sign-out here: straight back to the dashboard).
    let page = browser
        .request(
            "POST",
            &stack.url("/oidc-logout"),
            None,
            &[("Origin", &stack.origin())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location, Some(stack.url("/")));
    assert_eq!(me(&mut browser, &stack.url("/me")).await.0, 401);
}

#[actix_web::test]
async fn the_callback_shows_the_idps_error_code_never_its_text() {
    let stack = Stack::start(&[], true, &[]).await;
    let csp = ui_csp(&stack.app).await;
    for (error, shown) in [
        ("access_denied", true),
        ("<img src=x onerror=alert(1)> \"quoted\"", false),
        ("Please call +1 555 0100", false),
    ] {
        let url = stack.url(&format!(
            "/oidc-callback?error={}&error_description={}",
            encode(error),
            encode(HOSTILE)
        ));
        let (status, page_csp, _, body) = fetch(&stack.app.client(), &url).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(page_csp.as_deref(), Some(csp.as_str()), "the UI's policy");
        for text in ["locked", "555 0100", "evil.example"] {
            assert!(!body.contains(text), "{text} shown: {body}");
        }
        if shown {
            assert!(body.contains("error code access_denied"), "{body}");
        } else {
            assert!(
                !body.contains("img") && !body.contains("onerror") && !body.contains("quoted"),
                "{body}"
            );
            assert!(body.contains("not a valid OAuth 2.0 error code"), "{body}");
        }
        assert!(body.contains("Sign in again"), "{body}");
    }
}

#[actix_web::test]
async fn the_redirect_uri_comes_from_an_allowed_host_only() {
    let stack = Stack::start(&[], true, &["-allowed-hosts=dash.example.com"]).await;
    let mut browser = Browser::default();
    let allowed = browser
        .request(
            "GET",
            &stack.url("/oidc"),
            None,
            &[("Host", "dash.example.com")],
        )
        .await;
    assert_eq!(allowed.status, 302, "{}", allowed.body);
    let location = allowed.location.unwrap();
    assert!(
        location.contains(&format!(
            "redirect_uri={}",
            encode("http://dash.example.com/oidc-callback")
        )),
        "{location}"
    );
    let refused = browser
        .request(
            "GET",
            &stack.url("/oidc"),
            None,
            &[("Host", "attacker.example")],
        )
        .await;
    assert_ne!(refused.status, 302, "{}", refused.body);
    assert!(refused.location.is_none());
    assert!(
        !refused.body.contains("attacker.example"),
        "{}",
        refused.body
    );

    // Even where every name is allowed, a Host that is more than a host never makes a URL
    // (`dash.example.com@attacker.example` would be a redirect_uri at attacker.example).
    let any = Stack::start(&[], true, &["-allowed-hosts=*"]).await;
    for host in [
        "dash.example.com@attacker.example",
        "attacker.example/dash.example.com",
    ] {
        let page = browser
            .request("GET", &any.url("/oidc"), None, &[("Host", host)])
            .await;
        assert_eq!(
            page.status, 400,
            "{host}: {:?} {}",
            page.location, page.body
        );
        assert!(page.body.contains("-oidc-callback-url"), "{}", page.body);
        assert!(!page.body.contains("attacker"), "{}", page.body);
    }
}

#[actix_web::test]
async fn https_at_the_root_uses_host_prefixed_cookies() {
    let tls = ServingTls::localhost();
    let idp = OidcProvider::start().await;
    let port = free_port();
    let app_origin = format!("https://127.0.0.1:{port}");
    let client = idp
        .client(&format!("{app_origin}/oidc-callback"))
        .register()
        .await;
    let cluster = cluster().await;
    let app = App::builder()
        .port(port)
        .tls(&tls)
        .kubeconfig(&cluster.kubeconfig)
        .flags(&client_flags(&idp, &client))
        .flags(&[
            format!("-oidc-cookie-secret={SECRET}"),
            "-oidc-logout=false".to_string(),
        ])
        .start()
        .await;
    app.wait_for_oidc_discovery().await;
    assert_eq!(app.origin(), app_origin);

    let mut browser = Browser::with_client(app.client());
    let callback = browser
        .through_idp(&app.url("/oidc?returnTo=/"), "alice", &app_origin)
        .await;
    assert_eq!(callback.status, 302, "{}", callback.body);
    let session = callback
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-lamplight-session-0="))
        .unwrap_or_else(|| panic!("{:?}", callback.set_cookies));
    for attribute in ["Secure", "Path=/;", "HttpOnly", "SameSite=Strict"] {
        assert!(
            format!("{session};").contains(attribute),
            "{attribute} missing from {session}"
        );
    }
    assert!(!session.contains("Domain"), "{session}");
    assert!(
        !callback
            .set_cookies
            .iter()
            .any(|c| c.starts_with("lamplight-session-")),
        "no plain names: {:?}",
        callback.set_cookies
    );
    assert_eq!(me(&mut browser, &app.url("/me")).await.0, 200);

    // Over HTTPS at the root only the __Host- name is read: the same value under the plain name
    // (which a sibling subdomain or a plain-HTTP page could set) is not a session...
    let sealed = browser
        .cookie("127.0.0.1", "__Host-lamplight-session-0")
        .unwrap();
    let mut plain = Browser::with_client(app.client());
    plain.set_cookie("127.0.0.1", "lamplight-session-0", &sealed, "/");
    assert_eq!(me(&mut plain, &app.url("/me")).await.0, 401);
    // ...nor does a planted plain-named cookie next to ours get in the way.
    browser.set_cookie("127.0.0.1", "lamplight-session-0", "planted", "/");
    assert_eq!(me(&mut browser, &app.url("/me")).await.0, 200);

    // Sign-out removes the __Host- cookies with the attributes they were set with.
    let logout = browser
        .request(
            "POST",
            &app.url("/oidc-logout"),
            None,
            &[("Origin", &app_origin)],
        )
        .await;
    assert_eq!(logout.status, 303, "{}", logout.body);
    let removal = logout
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-lamplight-session-0="))
        .unwrap_or_else(|| panic!("{:?}", logout.set_cookies));
    assert!(
        removal.contains("Secure") && removal.contains("Path=/"),
        "{removal}"
    );
    assert_eq!(me(&mut browser, &app.url("/me")).await.0, 401);
}
