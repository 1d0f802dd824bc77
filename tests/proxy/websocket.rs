//! exec over WebSocket through the proxy: sub-protocols, the bearer sub-protocol, Origin checks.

use std::time::Duration;

use awc::ws::{Frame, Message};
use base64::Engine;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;

use test_support::{ADMIN_TOKEN, DEV_TOKEN, Stack, client};

fn exec_path(pod: &str) -> String {
    format!(
        "/clusters/fake/api/v1/namespaces/default/pods/{pod}/exec?command=cat&stdin=true&stdout=true&stderr=true"
    )
}

/// Next binary frame, skipping pings (or panics after 10 s).
async fn next_binary<S>(stream: &mut S) -> Bytes
where
    S: futures_util::Stream<Item = Result<Frame, awc::error::WsProtocolError>> + Unpin,
{
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a frame within 10 s")
            .expect("the socket is open")
            .expect("a valid frame");
        match frame {
            Frame::Binary(bytes) => return bytes,
            Frame::Ping(_) | Frame::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

#[actix_web::test]
async fn exec_echoes_stdin_over_the_v5_channel_protocol() {
    let stack = Stack::start(&[]).await;
    let pod = stack.first_pod().await;
    let (response, framed) = client()
        .ws(stack.url(&exec_path(&pod)))
        .protocols(["v5.channel.k8s.io", "v4.channel.k8s.io"])
        .connect()
        .await
        .expect("the upgrade succeeds through the proxy");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "v5.channel.k8s.io"
    );
    let (mut sink, mut stream) = framed.split();

    sink.send(Message::Binary(Bytes::from_static(
        b"\x00hello through lamplight\n",
    )))
    .await
    .unwrap();
    let mut echoed = Vec::new();
    while !String::from_utf8_lossy(&echoed).contains("hello through lamplight") {
        let frame = next_binary(&mut stream).await;
        assert_eq!(frame[0], 1, "stdout channel");
        echoed.extend_from_slice(&frame[1..]);
    }

    // v5: closing stdin (channel 255, then channel 0) ends the command with a status on channel 3.
    sink.send(Message::Binary(Bytes::from_static(b"\xff\x00")))
        .await
        .unwrap();
    let status = loop {
        let frame = next_binary(&mut stream).await;
        if frame[0] == 3 {
            break frame;
        }
    };
    let status: Value = serde_json::from_slice(&status[1..]).unwrap();
    assert_eq!(status["status"], "Success");
    let seen = stack.seen(&format!("/api/v1/namespaces/default/pods/{pod}/exec"));
    assert!(seen.authorization_is(&format!("Bearer {ADMIN_TOKEN}")));
}

#[actix_web::test]
async fn the_bearer_sub_protocol_becomes_authorization_and_is_not_forwarded() {
    let stack = Stack::start(&[]).await;
    let pod = stack.first_pod().await;
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(DEV_TOKEN);
    let bearer = format!("base64url.bearer.authorization.k8s.io.{encoded}");
    let (response, _framed) = client()
        .ws(stack.url(&exec_path(&pod)))
        .protocols([bearer.as_str(), "v4.channel.k8s.io"])
        .connect()
        .await
        .expect("the upgrade succeeds");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "v4.channel.k8s.io"
    );
    let path = format!("/api/v1/namespaces/default/pods/{pod}/exec");
    let seen = stack.seen(&path);
    assert!(seen.authorization_is(&format!("Bearer {DEV_TOKEN}")));
    let offered = seen.header("sec-websocket-protocol").unwrap_or("");
    assert!(
        !offered.contains("bearer"),
        "the token went upstream as a sub-protocol: {offered}"
    );
    assert_eq!(stack.seen_user(&path).as_deref(), Some("dev"));
}

#[actix_web::test]
async fn a_cross_site_page_cannot_open_exec() {
    let stack = Stack::start(&[]).await;
    let pod = stack.first_pod().await;
    let refused = client()
        .ws(stack.url(&exec_path(&pod)))
        .origin("https://evil.example")
        .protocols(["v5.channel.k8s.io"])
        .connect()
        .await;
    assert!(
        matches!(refused, Err(awc::error::WsClientError::InvalidResponseStatus(status)) if status == 403),
        "{:?}",
        refused.err()
    );
    let same_origin = stack.app.origin();
    let allowed = client()
        .ws(stack.url(&exec_path(&pod)))
        .origin(same_origin.as_str())
        .protocols(["v5.channel.k8s.io"])
        .connect()
        .await;
    assert!(allowed.is_ok(), "{:?}", allowed.err());
}

/// An upgrade request written by hand, so the answer can be read whatever it is.
fn upgrade_request(path: &str, extra: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n{extra}\r\n"
    )
    .into_bytes()
}

const KEY: &str = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

#[actix_web::test]
async fn a_refused_upgrade_is_answered_in_the_api_servers_words() {
    let stack = Stack::builder()
        .fake(|fake| fake.user(DEV_TOKEN, "dev", &[]).forbid("dev", "pods/exec"))
        .start()
        .await;
    let pod = stack.first_pod().await;

    let mut connection = stack.app.raw().connect().await;
    let missing =
        "/clusters/fake/api/v1/namespaces/default/pods/no-such-pod/exec?command=sh&stdout=true";
    connection.send(&upgrade_request(missing, KEY)).await;
    let refused = connection.read_response().await;
    assert_eq!(refused.status, 404, "{refused:?}");
    let status = refused.json();
    assert_eq!(status["kind"], "Status", "{status}");
    assert_eq!(status["reason"], "NotFound", "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains(r#"pods "no-such-pod" not found"#),
        "{status}"
    );

    // RBAC's refusal, with the API server's reason, for a user the cluster forbids exec.
    let mut connection = stack.app.raw().connect().await;
    let forbidden = format!("{KEY}Authorization: Bearer {DEV_TOKEN}\r\n");
    connection
        .send(&upgrade_request(&exec_path(&pod), &forbidden))
        .await;
    let refused = connection.read_response().await;
    assert_eq!(refused.status, 403, "{refused:?}");
    let status = refused.json();
    assert_eq!(status["reason"], "Forbidden", "{status}");
    assert!(
        status["message"].as_str().unwrap().contains("pods/exec")
            || status["message"].as_str().unwrap().contains("\"exec\""),
        "{status}"
    );
}

#[actix_web::test]
async fn a_malformed_handshake_never_reaches_the_api_server() {
    let stack = Stack::start(&[]).await;
    let pod = stack.first_pod().await;
    // No Sec-WebSocket-Key: no client can use this connection, so no exec may start for it.
    let mut connection = stack.app.raw().connect().await;
    connection
        .send(&upgrade_request(&exec_path(&pod), ""))
        .await;
    let refused = connection.read_response().await;
    assert_eq!(refused.status, 400, "{refused:?}");
    assert!(
        !stack.saw(&format!("/api/v1/namespaces/default/pods/{pod}/exec")),
        "the API server was asked to start an exec for a handshake that could never complete"
    );
}

#[actix_web::test]
async fn a_websocket_watch_is_bridged() {
    let stack = Stack::start(&[]).await;
    let (_response, framed) = client()
        .ws(stack.url(
            "/clusters/fake/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0",
        ))
        .connect()
        .await
        .expect("the upgrade succeeds");
    let (_sink, mut stream) = framed.split();
    stack
        .fake
        .apply(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ws-watched", "namespace": "default"}}))
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("the event arrives")
            .unwrap()
            .unwrap();
        if let Frame::Text(text) = frame {
            let event: Value = serde_json::from_slice(&text).unwrap();
            if event["object"]["metadata"]["name"] == "ws-watched" {
                assert_eq!(event["type"], "ADDED");
                break;
            }
        }
    }
}

/// `kubectl port-forward` (WebSocket since kubectl 1.31) goes through as exec does; the UI offers no
/// port-forward (frontend/README.md says why), and a cross-site page cannot open one either.
#[actix_web::test]
async fn port_forward_goes_through_for_api_clients_and_not_for_cross_site_pages() {
    let stack = Stack::start(&[]).await;
    let pod = stack.first_pod().await;
    let path =
        format!("/clusters/fake/api/v1/namespaces/default/pods/{pod}/portforward?ports=8080");
    let refused = client()
        .ws(stack.url(&path))
        .origin("https://evil.example")
        .protocols(["v4.channel.k8s.io"])
        .connect()
        .await;
    assert!(
        matches!(refused, Err(awc::error::WsClientError::InvalidResponseStatus(status)) if status == 403),
        "{:?}",
        refused.err()
    );

    let (response, framed) = client()
        .ws(stack.url(&path))
        .protocols(["v4.channel.k8s.io"])
        .connect()
        .await
        .expect("the port-forward upgrade succeeds through the proxy");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "v4.channel.k8s.io"
    );
    let (mut sink, mut stream) = framed.split();
    let port = 8080u16.to_le_bytes();
    for channel in [0u8, 1] {
        assert_eq!(
            next_binary(&mut stream).await[..],
            [channel, port[0], port[1]]
        );
    }
    sink.send(Message::Binary(Bytes::from_static(
        b"\x00GET /through-lamplight HTTP/1.1\r\nHost: localhost:8080\r\n\r\n",
    )))
    .await
    .unwrap();
    let answer = next_binary(&mut stream).await;
    assert_eq!(answer[0], 0, "on the data channel");
    let text = String::from_utf8_lossy(&answer[1..]);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("GET /through-lamplight"), "{text}");
    let seen = stack.seen(&format!(
        "/api/v1/namespaces/default/pods/{pod}/portforward"
    ));
    assert!(seen.authorization_is(&format!("Bearer {ADMIN_TOKEN}")));
}
