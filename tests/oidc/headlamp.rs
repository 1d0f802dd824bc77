//! Headlamp's frontend signs in through a popup: `/oidc?cluster=X` (with a `dt` cache-buster and no
//! `returnTo`), the provider, `/oidc-callback`, then its own page `{base}/auth?cluster=X`, which
//! tells the main window. `/config` marks the clusters `auth_type: "oidc"` so it offers that.

use serde_json::Value;

use crate::browser::Browser;
use crate::flow::{Stack, me, sign_in_with};

#[actix_web::test]
async fn headlamps_popup_sign_in_ends_at_its_auth_page() {
    let stack = Stack::start(&[], true, &[]).await;
    let mut browser = Browser::default();
    let config = browser.get(&stack.url("/config")).await;
    let config: Value = serde_json::from_str(&config.body).unwrap();
    assert_eq!(config["clusters"][0]["name"], "fake");
    assert_eq!(
        config["clusters"][0]["auth_type"], "oidc",
        "a cluster without auth-provider in its kubeconfig is signed in through the IdP too"
    );

    let start = stack.url("/oidc?dt=Thu%20Dec%2003%202026&cluster=fake");
    let location = sign_in_with(&mut browser, &start, "alice", &stack.origin()).await;
    assert_eq!(location, stack.url("/auth?cluster=fake"));
    let page = browser.get(&location).await;
    assert_eq!(page.status, 200, "the UI serves its /auth page");
    let (status, body) = me(&mut browser, &stack.url("/me")).await;
    assert_eq!((status, body["username"].as_str()), (200, Some("alice")));

    // Headlamp's "Log out" is `set-token` with a null token: it ends the session here.
    let session = browser
        .cookie("127.0.0.1", "lamplight-session-0")
        .expect("a session cookie");
    let mut response = test_support::client()
        .post(stack.url("/clusters/fake/set-token"))
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("Origin", stack.origin()))
        .insert_header(("Cookie", format!("lamplight-session-0={session}")))
        .send_body(r#"{"token": null}"#)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let cleared: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("lamplight-session-0=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let _ = response.body().await;
}

#[actix_web::test]
async fn the_embedded_uis_return_path_still_wins() {
    let stack = Stack::start(&[], true, &[]).await;
    let (_, location) = stack.sign_in("alice", "/c/fake/pods").await;
    assert_eq!(location, stack.url("/c/fake/pods"));
}
