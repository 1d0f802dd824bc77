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

#[actix_web::test]
async fn a_refused_upgrade_keeps_the_api_servers_status_code() {
    let stack = Stack::start(&[]).await;
    let refused = client()
        .ws(stack.url(
            "/clusters/fake/api/v1/namespaces/default/pods/no-such-pod/exec?command=sh&stdout=true",
        ))
        .protocols(["v5.channel.k8s.io"])
        .connect()
        .await;
    assert!(
        matches!(refused, Err(awc::error::WsClientError::InvalidResponseStatus(status)) if status == 404),
        "{:?}",
        refused.err()
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
