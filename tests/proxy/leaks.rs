//! Nothing the API server must not see crosses the proxy, whatever the client sends.

use test_support::{ALICE_TOKEN, Stack, client};

const PODS: &str = "/api/v1/namespaces/default/pods";

const FORBIDDEN: &[(&str, &str)] = &[
    ("Cookie", "session=leak-cookie"),
    ("X-Forwarded-User", "leak-user"),
    ("X-Forwarded-Email", "leak@example.com"),
    ("X-Forwarded-Group", "leak-group"),
    ("X-Forwarded-Id-Token", "leak-token"),
    ("X_Forwarded_User", "leak-underscore"),
    ("X.Forwarded.Email", "leak-dot"),
    ("X-Remote-User", "leak-remote-user"),
    ("X-Remote-Group", "leak-remote-group"),
    ("X-Remote-Extra-Scopes", "leak-remote-extra"),
    ("Proxy-Authorization", "Basic bGVhazpsZWFr"),
    ("Connection", "X-Hop-Secret"),
    ("X-Hop-Secret", "leak-hop"),
    ("Keep-Alive", "timeout=5"),
];

fn assert_no_leak(stack: &Stack) {
    let seen = stack.seen_headers(PODS);
    for (name, value) in &seen {
        assert!(
            !value.contains("leak"),
            "{name}: {value} reached the API server"
        );
        for (forbidden, _) in FORBIDDEN {
            assert!(
                !name.eq_ignore_ascii_case(forbidden),
                "{name} reached the API server"
            );
        }
    }
}

#[actix_web::test]
async fn identity_cookie_remote_and_hop_headers_never_reach_the_api_server() {
    let stack = Stack::start(&[]).await;
    // Raw bytes: HTTP client libraries rewrite `Connection` themselves. The connection stays
    // open (it names its own hop-by-hop header), so only the response head is read.
    let mut request = format!("GET /clusters/fake{PODS} HTTP/1.1\r\nHost: localhost\r\n");
    for (name, value) in FORBIDDEN {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut connection = stack.app.raw().connect().await;
    connection.send(request.as_bytes()).await;
    let response = connection.read_head().await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_no_leak(&stack);
}

#[actix_web::test]
async fn in_proxy_mode_the_identity_headers_are_consumed_not_forwarded() {
    let stack = Stack::start(&["-proxy-auth=true", "-proxy-auth-trusted-proxies=127.0.0.1"]).await;
    let response = client()
        .get(stack.cluster_url(PODS))
        .insert_header(("X-Forwarded-User", "alice"))
        .insert_header(("X-Forwarded-Email", "alice@example.com"))
        .insert_header(("X-Forwarded-Group", "dev"))
        .insert_header(("X-Forwarded-Id-Token", ALICE_TOKEN))
        .insert_header(("Cookie", "_oauth2_proxy=leak-cookie"))
        .insert_header(("X-Remote-User", "leak-remote"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = stack.seen_headers(PODS);
    for (name, value) in &seen {
        assert!(
            !name.to_ascii_lowercase().starts_with("x-forwarded-"),
            "{name} reached the API server"
        );
        assert!(
            !value.contains("leak") && !value.contains("alice@"),
            "{name}: {value} reached the API server"
        );
    }
}

#[actix_web::test]
async fn custom_identity_headers_are_stripped_too() {
    let stack = Stack::start(&["-proxy-auth-username-header=X-Auth-Request-User"]).await;
    let response = client()
        .get(stack.cluster_url(PODS))
        .insert_header(("X-Auth-Request-User", "leak-custom"))
        .insert_header(("x_auth_request_user", "leak-custom-underscore"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        stack
            .seen_headers(PODS)
            .iter()
            .all(|(_, v)| !v.contains("leak"))
    );
}
