//! The proxy-auth attack list: each way a client might smuggle or bend an identity, and the happy path.

use std::net::SocketAddr;

use actix_web::test::TestRequest;
use lamplight::auth::trust::TrustedProxies;
use lamplight::auth::{AuthMethod, Authenticator};
use lamplight::settings::Settings;
use secrecy::ExposeSecret;

use test_support::{App, RawResponse, TRUSTED, UNTRUSTED};

use crate::proxy_app;

const ALICE: (&str, &[u8]) = ("X-Forwarded-User", b"alice");

fn assert_refused(response: &RawResponse, status: u16, secret: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    let body = response.json();
    assert_eq!(body["kind"], "Status");
    assert_eq!(body["code"], status);
    assert!(
        !response.body.contains(secret),
        "the body echoes the header value: {}",
        response.body
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

#[actix_web::test]
async fn a_trusted_proxy_identifies_the_user() {
    let app = proxy_app().await;
    let response = app
        .raw()
        .get(
            "/me",
            &[
                ALICE,
                ("X-Forwarded-Group", b"dev, ops"),
                ("X-Forwarded-Email", b" alice@example.com "),
                ("X-Forwarded-Id-Token", b"Bearer secret-token-value"),
            ],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json(),
        serde_json::json!({
            "username": "alice", "email": "alice@example.com", "groups": ["dev", "ops"], "authMethod": "proxy"
        })
    );
    assert!(
        !response.body.contains("secret-token-value"),
        "the token must never be serialized"
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("vary"), Some("Cookie"));
}

#[actix_web::test]
async fn headlamps_cluster_me_route_answers_the_same() {
    let app = proxy_app().await;
    let response = app.raw().get("/clusters/main/me", &[ALICE]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["username"], "alice");
}

#[actix_web::test]
async fn an_untrusted_peer_cannot_assert_an_identity() {
    let app = proxy_app().await;
    let response = app
        .raw()
        .from(UNTRUSTED)
        .get("/me", &[("X-Forwarded-User", b"admin")])
        .await;
    assert_refused(&response, 403, "admin");
    assert!(
        response.json()["message"]
            .as_str()
            .unwrap()
            .contains("127.0.0.2")
    );
}

#[actix_web::test]
async fn an_untrusted_peer_gets_nothing_even_without_headers() {
    let app = proxy_app().await;
    assert_eq!(app.raw().from(UNTRUSTED).get("/me", &[]).await.status, 403);
}

#[actix_web::test]
async fn x_forwarded_for_does_not_make_a_peer_trusted() {
    let app = proxy_app().await;
    let response = app
        .raw()
        .from(UNTRUSTED)
        .get(
            "/me",
            &[
                ALICE,
                ("X-Forwarded-For", b"127.0.0.1"),
                ("X-Real-IP", b"127.0.0.1"),
            ],
        )
        .await;
    assert_eq!(response.status, 403);
}

#[actix_web::test]
async fn the_insecure_flag_trusts_any_peer() {
    let app = App::start(&["-proxy-auth", "-proxy-auth-insecure-trust-any-peer"]).await;
    let response = app.raw().from(UNTRUSTED).get("/me", &[ALICE]).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[actix_web::test]
async fn a_missing_or_empty_username_asks_for_proxy_authentication() {
    let app = proxy_app().await;
    for headers in [
        &[][..],
        &[("X-Forwarded-User", &b"   "[..])],
        &[("X-Forwarded-Email", &b"a@b.c"[..])],
    ] {
        let response = app.raw().get("/me", headers).await;
        assert_refused(&response, 401, "a@b.c");
        let body = response.json();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("proxy authentication required")
        );
        assert_eq!(body["logoutUrl"], "/oauth2/sign_out");
        assert_eq!(body["loginUrl"], "/");
        assert_eq!(body["authMode"], "proxy");
    }
}

#[actix_web::test]
async fn duplicate_identity_lines_are_refused() {
    let app = proxy_app().await;
    for header in [
        "X-Forwarded-User",
        "X-Forwarded-Email",
        "X-Forwarded-Id-Token",
    ] {
        let response = app
            .raw()
            .get("/me", &[ALICE, (header, b"mallory"), (header, b"mallory")])
            .await;
        assert_refused(&response, 400, "mallory");
        assert!(
            response.body.contains(&header.to_lowercase()),
            "{}",
            response.body
        );
    }
}

#[actix_web::test]
async fn groups_may_span_several_lines() {
    let app = proxy_app().await;
    let response = app
        .raw()
        .get(
            "/me",
            &[
                ALICE,
                ("X-Forwarded-Group", b"dev,ops"),
                ("X-Forwarded-Group", b" ops , qa,"),
            ],
        )
        .await;
    assert_eq!(
        response.json()["groups"],
        serde_json::json!(["dev", "ops", "qa"])
    );
}

#[actix_web::test]
async fn look_alike_header_names_are_refused() {
    let app = proxy_app().await;
    for name in [
        "X_Forwarded_User",
        "X.Forwarded.User",
        "X-Forwarded_Email",
        "x_forwarded_group",
        "X-Forwarded-Id_Token",
    ] {
        let response = app.raw().get("/me", &[ALICE, (name, b"mallory")]).await;
        assert_refused(&response, 400, "mallory");
        assert!(
            response.body.contains("looks like"),
            "{name}: {}",
            response.body
        );
    }
}

#[actix_web::test]
async fn a_look_alike_from_an_untrusted_peer_is_forbidden() {
    let app = proxy_app().await;
    let response = app
        .raw()
        .from(UNTRUSTED)
        .get("/me", &[("X_Forwarded_User", b"admin")])
        .await;
    assert_refused(&response, 403, "admin");
}

#[actix_web::test]
async fn oversized_values_are_refused() {
    let app = proxy_app().await;
    let long_name = "a".repeat(8 * 1024 + 1);
    let response = app
        .raw()
        .get("/me", &[("X-Forwarded-User", long_name.as_bytes())])
        .await;
    assert_refused(&response, 400, &long_name);
    assert!(response.body.contains("longer than 8192"));

    let fits = "a".repeat(8 * 1024);
    assert_eq!(
        app.raw()
            .get("/me", &[("X-Forwarded-User", fits.as_bytes())])
            .await
            .status,
        200
    );

    let big_token = "t".repeat(60 * 1024);
    assert_eq!(
        app.raw()
            .get(
                "/me",
                &[ALICE, ("X-Forwarded-Id-Token", big_token.as_bytes())]
            )
            .await
            .status,
        200
    );
    let huge_token = "t".repeat(64 * 1024 + 1);
    let response = app
        .raw()
        .get(
            "/me",
            &[ALICE, ("X-Forwarded-Id-Token", huge_token.as_bytes())],
        )
        .await;
    assert_refused(&response, 400, &huge_token);
}

#[actix_web::test]
async fn control_characters_are_refused() {
    let app = proxy_app().await;
    let values: [&[u8]; 2] = [b"ali\tce", "ali\u{85}ce".as_bytes()];
    for value in values {
        let response = app.raw().get("/me", &[("X-Forwarded-User", value)]).await;
        assert_refused(&response, 400, "ali");
        assert!(
            response.body.contains("control characters"),
            "{}",
            response.body
        );
    }
    let response = app
        .raw()
        .get("/me", &[ALICE, ("X-Forwarded-Group", b"dev\x0bops")])
        .await;
    assert_ne!(
        response.status, 200,
        "a vertical tab in groups must not pass"
    );
}

#[actix_web::test]
async fn an_ipv4_mapped_peer_matches_an_ipv4_network() {
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
    let app = App::builder()
        .listen_addr("::")
        .flags(&["-proxy-auth", "-proxy-auth-trusted-proxies=127.0.0.1/32"])
        .start()
        .await;
    let response = app.raw().from(TRUSTED).get("/me", &[ALICE]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let response = app.raw().from(UNTRUSTED).get("/me", &[ALICE]).await;
    assert_eq!(response.status, 403, "{}", response.body);
}

fn authenticator(flags: &[&str]) -> Authenticator {
    let settings = Settings::from_flags(flags).unwrap();
    let trusted = TrustedProxies::new(&settings.proxy_auth);
    Authenticator::from_settings(&settings, &trusted, lamplight::metrics::Metrics::new()).unwrap()
}

#[actix_web::test]
async fn the_extractor_canonicalises_mapped_addresses() {
    let auth = authenticator(&["-proxy-auth", "-proxy-auth-trusted-proxies=10.0.0.0/8"]);
    let mapped: SocketAddr = "[::ffff:10.1.2.3]:5555".parse().unwrap();
    let request = TestRequest::get()
        .peer_addr(mapped)
        .insert_header(ALICE)
        .to_http_request();
    let user = auth
        .authenticate(&request)
        .await
        .expect("mapped 10.1.2.3 is inside 10.0.0.0/8");
    assert_eq!(user.method, AuthMethod::Proxy);
    assert_eq!(user.anchors, ["peer-cidr"]);

    let outside: SocketAddr = "[::ffff:11.1.2.3]:5555".parse().unwrap();
    let request = TestRequest::get()
        .peer_addr(outside)
        .insert_header(ALICE)
        .to_http_request();
    assert!(auth.authenticate(&request).await.is_err());
}

#[actix_web::test]
async fn the_token_loses_its_bearer_prefix_and_is_redacted_in_debug() {
    let auth = authenticator(&["-proxy-auth", "-proxy-auth-trusted-proxies=127.0.0.1"]);
    let peer: SocketAddr = "127.0.0.1:1000".parse().unwrap();
    for value in ["Bearer abc.def", "  abc.def ", "bearer abc.def"] {
        let request = TestRequest::get()
            .peer_addr(peer)
            .insert_header(ALICE)
            .insert_header(("X-Forwarded-Id-Token", value))
            .to_http_request();
        let user = auth.authenticate(&request).await.unwrap();
        assert_eq!(
            user.token().unwrap().expose_secret(),
            "abc.def",
            "{value:?}"
        );
        assert!(!format!("{user:?}").contains("abc.def"));
    }
}

#[actix_web::test]
async fn custom_header_names_and_separator_are_honoured() {
    let app = App::start(&[
        "-proxy-auth",
        "-proxy-auth-trusted-proxies=127.0.0.1",
        "-proxy-auth-username-header=X-Auth-Request-User",
        "-proxy-auth-group-header=X-Auth-Request-Groups",
        "-proxy-auth-group-separator=;",
    ])
    .await;
    let response = app
        .raw()
        .get(
            "/me",
            &[
                ("X-Auth-Request-User", b"bob"),
                ("X-Auth-Request-Groups", b"a;b, c"),
            ],
        )
        .await;
    assert_eq!(response.json()["username"], "bob");
    assert_eq!(response.json()["groups"], serde_json::json!(["a", "b, c"]));
    // The default header means nothing once another is configured.
    assert_eq!(app.raw().get("/me", &[ALICE]).await.status, 401);
}

#[actix_web::test]
async fn without_any_auth_mode_me_is_unauthorized() {
    let app = App::start(&[]).await;
    let response = app.raw().get("/me", &[ALICE]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json()["authMode"], "none");
}
