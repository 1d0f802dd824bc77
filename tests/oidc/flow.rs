//! The sign-in flow end to end, across replicas, through refresh and logout.

use std::time::Duration;

use fake_apiserver::FakeApiServer;
use serde_json::Value;
use test_support::{
    App, Cluster, Context, Kubeconfig, KubeconfigFile, OidcClient, OidcProvider, User,
    fake_apiserver, free_port,
};

use crate::browser::Browser;

/// The replicas' shared `-oidc-cookie-secret`.
pub const SECRET: &str = "an-example-cookie-secret-of-more-than-32-bytes";

/// Lamplight's origin on `port`, for URLs the provider must know before the app exists.
pub fn origin(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// The fake API server and a kubeconfig without credentials: whatever reaches it is the user's token.
pub struct FakeCluster {
    pub fake: FakeApiServer,
    pub kubeconfig: KubeconfigFile,
}

pub async fn cluster() -> FakeCluster {
    let fake = fake_apiserver().start().await.unwrap();
    let kubeconfig = Kubeconfig::single(fake.url(), None).write();
    FakeCluster { fake, kubeconfig }
}

/// The flags that make Lamplight a relying party of `idp` as `client`.
pub fn client_flags(idp: &OidcProvider, client: &OidcClient) -> [String; 3] {
    [
        format!("-oidc-client-id={}", client.id),
        format!("-oidc-client-secret={}", client.secret),
        format!("-oidc-idp-issuer-url={}", idp.issuer()),
    ]
}

/// A Lamplight replica in OIDC mode on `port` (where `client` may redirect), once it has read the
/// provider's discovery document.
pub async fn replica(
    port: u16,
    idp: &OidcProvider,
    client: &OidcClient,
    cluster: &FakeCluster,
    extra: &[&str],
) -> App {
    let app = App::builder()
        .port(port)
        .kubeconfig(&cluster.kubeconfig)
        .flags(&client_flags(idp, client))
        .flags(&[
            "-oidc-scopes=profile,email,groups",
            &format!("-oidc-cookie-secret={SECRET}"),
        ])
        .flags(extra)
        .start()
        .await;
    app.wait_for_oidc_discovery().await;
    app
}

/// One provider, one registered client, one replica: the common case.
pub struct Stack {
    pub idp: OidcProvider,
    pub client: OidcClient,
    pub cluster: FakeCluster,
    pub app: App,
}

impl Stack {
    pub async fn start(idp_env: &[(&str, &str)], refresh: bool, extra: &[&str]) -> Stack {
        let idp = OidcProvider::start_with(idp_env).await;
        let port = free_port();
        let registration = idp
            .client(&format!("{}/oidc-callback", origin(port)))
            .post_logout_redirect_uri(&format!("{}/", origin(port)));
        let registration = if refresh {
            registration
        } else {
            registration.without_refresh_tokens()
        };
        let client = registration.register().await;
        let cluster = cluster().await;
        let app = replica(port, &idp, &client, &cluster, extra).await;
        Stack {
            idp,
            client,
            cluster,
            app,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    pub fn origin(&self) -> String {
        self.app.origin()
    }

    /// Signs `user` in and returns the browser and where Lamplight sent it at the end.
    pub async fn sign_in(&self, user: &str, return_to: &str) -> (Browser, String) {
        let mut browser = Browser::default();
        let location = sign_in_with(
            &mut browser,
            &self.url(&format!("/oidc?cluster=fake&returnTo={return_to}")),
            user,
            &self.origin(),
        )
        .await;
        (browser, location)
    }
}

/// Runs the sign-in from `start` and returns the callback's redirect.
pub async fn sign_in_with(
    browser: &mut Browser,
    start: &str,
    user: &str,
    callback_origin: &str,
) -> String {
    let callback = browser.through_idp(start, user, callback_origin).await;
    assert_eq!(
        callback.status, 302,
        "callback at {}: {}",
        callback.url, callback.body
    );
    callback.location.expect("the callback redirects")
}

/// Where a page's `<meta http-equiv="refresh">` sends the browser.
pub fn refresh_target(html: &str) -> Option<String> {
    let meta = &html[html.find("http-equiv=\"refresh\"")?..];
    let url = &meta[meta.find("url=")? + 4..];
    Some(url[..url.find('"')?].replace("&amp;", "&"))
}

pub async fn me(browser: &mut Browser, url: &str) -> (u16, Value) {
    let page = browser.get(url).await;
    (
        page.status,
        serde_json::from_str(&page.body).unwrap_or(Value::Null),
    )
}

/// What the fake API server kept of the last request's credential: its fingerprint and, for a
/// JWT, its claims (the fake keeps no token).
pub fn last_bearer(fake: &FakeApiServer) -> (String, Option<Value>) {
    let request = fake
        .requests()
        .into_iter()
        .last()
        .expect("a request reached the API server");
    let fingerprint = request
        .header("authorization")
        .filter(|v| v.starts_with("Bearer "))
        .expect("a bearer token")
        .to_string();
    (fingerprint, request.bearer_claims)
}

#[actix_web::test]
async fn sign_in_shows_the_user_and_forwards_the_id_token() {
    let stack = Stack::start(&[], true, &[]).await;
    let (mut browser, location) = stack.sign_in("alice", "/c/fake/pods").await;
    assert_eq!(location, stack.url("/c/fake/pods"));

    let login_cookie_path = browser.jar["127.0.0.1"]
        .get("lamplight-oidc-login")
        .map(|(_, path)| path.clone());
    assert_eq!(
        login_cookie_path, None,
        "the login state cookie is consumed by the callback"
    );
    let (status, me_body) = me(&mut browser, &stack.url("/me")).await;
    assert_eq!(status, 200, "{me_body}");
    assert_eq!(me_body["username"], "alice");
    assert_eq!(me_body["email"], "alice@example.com");
    assert_eq!(me_body["groups"], serde_json::json!(["dev", "ops"]));
    assert_eq!(me_body["authMethod"], "oidc");

    browser
        .get(&stack.url("/clusters/fake/api/v1/namespaces/default/pods"))
        .await;
    let (_, claims) = last_bearer(&stack.cluster.fake);
    let claims = claims.expect("a JWT went upstream");
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["aud"], stack.client.id.as_str());
    assert_eq!(claims["iss"], stack.idp.issuer());
}

#[actix_web::test]
async fn cookies_are_sealed_http_only_and_strict() {
    let stack = Stack::start(&[], true, &[]).await;
    let mut browser = Browser::default();
    let start = browser
        .get(&stack.url("/oidc?cluster=fake&returnTo=/"))
        .await;
    assert_eq!(start.status, 302);
    let location = start.location.clone().unwrap();
    assert!(
        location.starts_with(&format!("{}/auth?", stack.idp.issuer())),
        "{location}"
    );
    for part in [
        "code_challenge_method=S256",
        "code_challenge=",
        "nonce=",
        "state=",
        "scope=openid",
    ] {
        assert!(location.contains(part), "{part} missing from {location}");
    }
    let login = start
        .set_cookies
        .iter()
        .find(|c| c.starts_with("lamplight-oidc-login="))
        .unwrap();
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/oidc-callback",
        "Max-Age=600",
    ] {
        assert!(
            login.contains(attribute),
            "{attribute} missing from {login}"
        );
    }
    assert!(
        !login.contains("S256") && !login.contains("fake"),
        "the login state is sealed: {login}"
    );

    let callback = browser
        .through_idp(&location, "alice", &stack.origin())
        .await;
    let session = callback
        .set_cookies
        .iter()
        .find(|c| c.starts_with("lamplight-session-0="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            session.contains(attribute),
            "{attribute} missing from {session}"
        );
    }
    assert!(
        !session.contains("eyJ"),
        "the tokens are sealed, not readable JWTs: {session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain HTTP gets no Secure flag"
    );
    assert!(
        !callback
            .set_cookies
            .iter()
            .any(|c| c.starts_with("__Host-")),
        "no __Host- names over plain HTTP: {:?}",
        callback.set_cookies
    );
}

#[actix_web::test]
async fn secure_cookies_behind_a_trusted_tls_proxy_only() {
    let stack = Stack::start(&[], true, &["-proxy-auth-trusted-proxies=127.0.0.1"]).await;
    let mut browser = Browser::default();
    let trusted = browser
        .request(
            "GET",
            &stack.url("/oidc"),
            None,
            &[("X-Forwarded-Proto", "https")],
        )
        .await;
    assert!(
        trusted.set_cookies[0].contains("Secure"),
        "{:?}",
        trusted.set_cookies
    );
    assert!(
        trusted
            .location
            .unwrap()
            .contains("redirect_uri=https%3A%2F%2F127.0.0.1")
    );

    let other = Stack::start(&[], true, &[]).await;
    let untrusted = browser
        .request(
            "GET",
            &other.url("/oidc"),
            None,
            &[("X-Forwarded-Proto", "https")],
        )
        .await;
    assert!(
        !untrusted.set_cookies[0].contains("Secure"),
        "X-Forwarded-Proto from an untrusted peer is ignored"
    );
}

#[actix_web::test]
async fn access_token_mode_forwards_the_access_token() {
    let stack = Stack::start(&[], true, &["-oidc-use-access-token"]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    browser.get(&stack.url("/clusters/fake/api/v1/pods")).await;
    let (token, claims) = last_bearer(&stack.cluster.fake);
    assert!(
        claims.is_none_or(|claims| claims.get("nonce").is_none()),
        "an ID token was sent: {token}"
    );
}

#[actix_web::test]
async fn a_login_started_on_one_replica_finishes_on_another() {
    let idp = OidcProvider::start().await;
    let (port_a, port_b) = (free_port(), free_port());
    let callback_b = format!("{}/oidc-callback", origin(port_b));
    let client = idp.client(&callback_b).register().await;
    let cluster = cluster().await;
    // Behind one load balancer both replicas share the public callback URL; here it lands on B.
    let callback_flag = format!("-oidc-callback-url={callback_b}");
    replica(port_a, &idp, &client, &cluster, &[&callback_flag]).await;
    replica(port_b, &idp, &client, &cluster, &[&callback_flag]).await;

    let mut browser = Browser::default();
    let start = format!("{}/oidc?cluster=fake&returnTo=/c/fake", origin(port_a));
    let location = sign_in_with(&mut browser, &start, "bob", &origin(port_b)).await;
    assert_eq!(location, format!("{}/c/fake", origin(port_b)));

    for port in [port_b, port_a] {
        let (status, body) = me(&mut browser, &format!("{}/me", origin(port))).await;
        assert_eq!(
            (status, body["username"].as_str()),
            (200, Some("bob")),
            "replica on {port}"
        );
    }
}

#[actix_web::test]
async fn an_expiring_token_is_refreshed_once_even_under_concurrency() {
    let stack = Stack::start(&[("ID_TOKEN_TTL", "4")], true, &[]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    browser.get(&stack.url("/clusters/fake/api/v1/pods")).await;
    let first = last_bearer(&stack.cluster.fake);

    tokio::time::sleep(Duration::from_millis(4500)).await;
    let page = browser.get(&stack.url("/clusters/fake/api/v1/pods")).await;
    assert!(
        page.set_cookies
            .iter()
            .any(|c| c.starts_with("lamplight-session-0=")),
        "the refreshed session is stored"
    );
    let second = last_bearer(&stack.cluster.fake);
    assert_ne!(
        first, second,
        "the request went upstream with the new token"
    );
    let exp =
        |(_, claims): &(String, Option<Value>)| claims.as_ref().and_then(|c| c["exp"].as_i64());
    assert!(exp(&second) > exp(&first));

    // The provider rotates refresh tokens and revokes the grant if one is used twice: concurrent
    // requests of one session must share a single refresh.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let requests = (0..6).map(|_| {
        let mut copy = browser.clone();
        let url = stack.url("/me");
        async move { me(&mut copy, &url).await }
    });
    for (status, body) in futures_util::future::join_all(requests).await {
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = me(&mut browser, &stack.url("/me")).await;
    assert_eq!(status, 200, "the session survives: {body}");
}

#[actix_web::test]
async fn logout_ends_the_session_here_and_at_the_provider() {
    let stack = Stack::start(&[], true, &[]).await;
    let (mut browser, _) = stack.sign_in("alice", "/").await;
    // The confirmation page's form, as a browser submits it: a POST with this site's Origin.
    let logout = browser
        .request(
            "POST",
            &stack.url("/oidc-logout"),
            None,
            &[("Origin", &stack.origin())],
        )
        .await;
    // A page that refreshes to the provider, not a redirect: `form-action 'self'` would stop one.
    assert_eq!(logout.status, 200, "{}", logout.body);
    assert_eq!(logout.location, None);
    let location = refresh_target(&logout.body).expect("a refresh to the provider");
    assert!(
        location.starts_with(&format!("{}/session/end", stack.idp.issuer())),
        "{location}"
    );
    assert!(location.contains("id_token_hint=") && location.contains("post_logout_redirect_uri="));
    assert!(
        browser.cookie("127.0.0.1", "lamplight-session-0").is_none(),
        "the session cookies are cleared"
    );
    assert_eq!(me(&mut browser, &stack.url("/me")).await.0, 401);

    let back = browser
        .through_idp(&location, "alice", &stack.origin())
        .await;
    assert!(
        back.url.starts_with(&stack.origin()),
        "the provider sends the user back: {}",
        back.url
    );

    // The provider's own session is gone too: signing in asks for the login again.
    let mut page = browser.get(&stack.url("/oidc")).await;
    while let Some(next) = page.location.clone() {
        page = browser.get(&next).await;
    }
    assert!(
        page.body.contains("value=\"login\""),
        "expected the login form, got {}",
        page.url
    );
}

#[actix_web::test]
async fn the_server_starts_while_the_provider_is_down_and_recovers() {
    let idp_port = free_port();
    let cluster = cluster().await;
    let issuer = origin(idp_port);
    let app = App::builder()
        .kubeconfig(&cluster.kubeconfig)
        .flags(&[
            "-oidc-client-id=later".to_string(),
            format!("-oidc-idp-issuer-url={issuer}"),
            format!("-oidc-cookie-secret={SECRET}"),
        ])
        .start()
        .await;
    // Time for a first discovery attempt to fail.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut browser = Browser::default();
    let ready = app.readyz().await;
    assert!(
        ready["checks"]["oidc"]
            .as_str()
            .unwrap()
            .contains("pending"),
        "{ready}"
    );
    let start = browser.get(&app.url("/oidc")).await;
    assert_eq!(start.status, 503);
    assert!(start.body.contains(&issuer), "{}", start.body);

    let port_text = idp_port.to_string();
    let _idp = OidcProvider::start_with(&[("PORT", &port_text)]).await;
    app.wait_for_oidc_discovery().await;
    assert_eq!(browser.get(&app.url("/oidc")).await.status, 302);
}

#[actix_web::test]
async fn a_wrong_client_secret_shows_the_providers_error() {
    let idp = OidcProvider::start().await;
    let port = free_port();
    let mut client = idp
        .client(&format!("{}/oidc-callback", origin(port)))
        .register()
        .await;
    client.secret = "not-the-secret".to_string();
    let cluster = cluster().await;
    let app = replica(port, &idp, &client, &cluster, &[]).await;
    let mut browser = Browser::default();
    let callback = browser
        .through_idp(&app.url("/oidc"), "alice", &app.origin())
        .await;
    assert_eq!(callback.status, 502, "{}", callback.body);
    assert!(
        callback.body.contains("invalid_client"),
        "{}",
        callback.body
    );
    assert!(callback.body.contains("Sign in again"));
}

#[actix_web::test]
async fn the_client_can_come_from_a_kubeconfig_auth_provider_as_in_headlamp() {
    let idp = OidcProvider::start().await;
    let port = free_port();
    let client = idp
        .client(&format!("{}/oidc-callback", origin(port)))
        .register()
        .await;
    let fake = fake_apiserver().start().await.unwrap();
    let kubeconfig = Kubeconfig::new()
        .cluster("c", Cluster::new(fake.url()))
        .user(
            "oidc-user",
            User::oidc(&[
                ("client-id", &client.id),
                ("client-secret", &client.secret),
                ("idp-issuer-url", idp.issuer()),
                ("extra-scopes", "groups,email"),
            ]),
        )
        .context("corp", Context::new("c").user("oidc-user"))
        .write();
    let app = App::builder()
        .port(port)
        .kubeconfig(&kubeconfig)
        .flag(format!("-oidc-cookie-secret={SECRET}"))
        .start()
        .await;
    app.wait_for_oidc_discovery().await;

    let mut browser = Browser::default();
    let config = browser.get(&format!("{}/config", origin(port))).await;
    let config: Value = serde_json::from_str(&config.body).unwrap();
    assert_eq!(config["auth"]["mode"], "oidc");
    assert_eq!(config["clusters"][0]["auth_type"], "oidc");
    sign_in_with(
        &mut browser,
        &format!("{}/oidc?cluster=corp", origin(port)),
        "alice",
        &origin(port),
    )
    .await;
    let (status, body) = me(&mut browser, &format!("{}/me", origin(port))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["groups"],
        serde_json::json!(["dev", "ops"]),
        "extra-scopes asked for groups"
    );
}

#[actix_web::test]
async fn demo_mode_works_with_oidc_sign_in() {
    let idp = OidcProvider::start().await;
    let port = free_port();
    let client = idp
        .client(&format!("{}/oidc-callback", origin(port)))
        .register()
        .await;
    let app = App::builder()
        .port(port)
        .flag("--demo")
        .flags(&client_flags(&idp, &client))
        .flags(&[
            "-oidc-scopes=profile,groups".to_string(),
            format!("-oidc-cookie-secret={SECRET}"),
        ])
        .start()
        .await;
    app.wait_for_oidc_discovery().await;

    let mut browser = Browser::default();
    sign_in_with(
        &mut browser,
        &format!("{}/oidc?cluster=demo", origin(port)),
        "alice",
        &origin(port),
    )
    .await;
    let review = browser
        .request(
            "POST",
            &format!(
                "{}/clusters/demo/apis/authentication.k8s.io/v1/selfsubjectreviews",
                origin(port)
            ),
            None,
            &[
                ("Content-Type", "application/json"),
                ("Origin", &origin(port)),
            ],
        )
        .await;
    assert_eq!(review.status, 201, "{}", review.body);
    let review: Value = serde_json::from_str(&review.body).unwrap();
    assert_eq!(
        review["status"]["userInfo"]["username"], "alice",
        "the demo cluster sees the signed-in user"
    );
}
