//! The requests Headlamp's frontend (0.45, `frontend/src/lib/k8s`) makes for live data, as they
//! reach the API server: exactly its URLs and its offered WebSocket sub-protocols.
//!
//! - Watches (`api/v2/webSocket.ts`, the default build; the `/wsMultiplexer` path is off unless
//!   built with `REACT_APP_ENABLE_WEBSOCKET_MULTIPLEXER=true`): `?watch=1&resourceVersion=RV`
//!   for lists, `?watch=1&fieldSelector=metadata.name=NAME` for one object, protocol
//!   `base64.binary.k8s.io`, and `JSON.parse(message.data)` on every message: text frames of JSON.
//! - Logs (`pod.ts` `getLogs` via `api/v1/streamingApi.ts`): `log?container=C&previous=false&
//!   timestamps=false&follow=true&tailLines=100`, protocol `base64.binary.k8s.io`,
//!   `Base64.decode(message.data)` on every non-empty message: base64 text frames.
//! - Exec (`pod.ts` `exec`, `components/common/Terminal.tsx`): protocols `base64.binary.k8s.io`,
//!   `v4.channel.k8s.io`, `v3.channel.k8s.io`, `v2.channel.k8s.io`, `channel.k8s.io` in that
//!   order (the kubelet picks v4), command `bash` first, binary messages of channel byte + data,
//!   resize as `{"Width":W,"Height":H}` on channel 4.

use std::time::Duration;

use awc::ws;
use base64::Engine;
use bytes::Bytes;
use fake_apiserver::WEB_PODS;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::support::*;

const HEADLAMP_EXEC_PROTOCOLS: [&str; 5] = [
    "base64.binary.k8s.io",
    "v4.channel.k8s.io",
    "v3.channel.k8s.io",
    "v2.channel.k8s.io",
    "channel.k8s.io",
];

async fn next_frame(frames: &mut (impl Frames + ?Sized)) -> ws::Frame {
    actix_web::rt::time::timeout(Duration::from_secs(5), frames.next())
        .await
        .expect("a frame in time")
        .expect("the socket is open")
        .expect("a valid frame")
}

#[actix_web::test]
async fn headlamp_list_and_object_watches_get_json_text_frames() {
    let fake = start().await;
    let (_, list) = get(&fake, "/api/v1/namespaces/default/configmaps", ADMIN).await;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    let (response, mut frames) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}",
            fake.url()
        ))
        .protocols(["base64.binary.k8s.io"])
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the list watch opens");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "base64.binary.k8s.io"
    );
    // The object's own watch, as the detail page opens it.
    let (_, mut one) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dheadlamp-watch",
            fake.url()
        ))
        .protocols(["base64.binary.k8s.io"])
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the object watch opens");

    fake.apply(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "headlamp-watch", "namespace": "default"},
        "data": {"k": "v"},
    }))
    .unwrap();
    for socket in [&mut frames, &mut one] {
        let ws::Frame::Text(text) = next_frame(socket).await else {
            panic!("JSON in text frames: the frontend calls JSON.parse(message.data)")
        };
        let event: Value = serde_json::from_slice(&text).expect("plain JSON, not base64");
        assert_eq!(event["type"], "ADDED");
        assert_eq!(event["object"]["metadata"]["name"], "headlamp-watch");
    }
}

#[actix_web::test]
async fn headlamp_followed_log_is_base64_text_after_an_empty_message() {
    let fake = start().await;
    let (_, pod) = get(
        &fake,
        &format!("/api/v1/namespaces/default/pods/{}", WEB_PODS[0]),
        ADMIN,
    )
    .await;
    let container = pod["spec"]["containers"][0]["name"].as_str().unwrap();
    let (response, mut frames) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/log?container={container}&previous=false&timestamps=false&follow=true&tailLines=100",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols(["base64.binary.k8s.io"])
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the log upgrade succeeds");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "base64.binary.k8s.io"
    );
    assert_eq!(next_frame(&mut frames).await, ws::Frame::Text(Bytes::new()));
    let mut text = String::new();
    // The existing lines, then at least one more while following (a line every 200 ms here).
    let started = std::time::Instant::now();
    while text.lines().count() < 3 && started.elapsed() < Duration::from_secs(5) {
        let ws::Frame::Text(chunk) = next_frame(&mut frames).await else {
            panic!("base64 text frames: the frontend calls Base64.decode(message.data)")
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&chunk)
            .expect("standard base64");
        text.push_str(std::str::from_utf8(&bytes).unwrap());
    }
    assert!(text.lines().count() >= 3, "{text:?}");
    assert!(text.ends_with('\n'), "whole lines: {text:?}");
}

#[actix_web::test]
async fn headlamp_terminal_gets_v4_and_an_echoing_bash() {
    let fake = start().await;
    let (_, pod) = get(
        &fake,
        &format!("/api/v1/namespaces/default/pods/{}", WEB_PODS[0]),
        ADMIN,
    )
    .await;
    let container = pod["spec"]["containers"][0]["name"].as_str().unwrap();
    let (response, mut frames) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/exec?container={container}&command=bash&stdin=1&stderr=1&stdout=1&tty=1",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols(HEADLAMP_EXEC_PROTOCOLS)
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the exec upgrade succeeds");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "v4.channel.k8s.io",
        "the first offered protocol exec speaks"
    );
    let message = |channel: u8, data: &str| {
        let mut bytes = vec![channel];
        bytes.extend_from_slice(data.as_bytes());
        ws::Message::Binary(Bytes::from(bytes))
    };
    frames
        .send(message(4, r#"{"Width":80,"Height":24}"#))
        .await
        .unwrap();
    frames.send(message(0, "hello headlamp\r")).await.unwrap();
    let mut stdout = Vec::new();
    while !String::from_utf8_lossy(&stdout).contains("hello headlamp") {
        let ws::Frame::Binary(data) = next_frame(&mut frames).await else {
            panic!("binary channel frames: the terminal reads an ArrayBuffer")
        };
        assert_eq!(data[0], 1, "stdout only (a resize is not echoed)");
        stdout.extend_from_slice(&data[1..]);
    }
}

/// Proxies may escape more than they must (Lamplight's drain sends `nodes/node%2D2`); the API
/// server sees Go's decoded `URL.Path`, so escaped names address the same objects.
#[actix_web::test]
async fn percent_escaped_names_address_the_same_objects() {
    let fake = start().await;
    let escaped = WEB_PODS[0].replace('-', "%2D");
    let (code, pod) = get(
        &fake,
        &format!("/api/v1/namespaces/d%65fault/pods/{escaped}"),
        ADMIN,
    )
    .await;
    assert_eq!(code, actix_web::http::StatusCode::OK, "{pod}");
    assert_eq!(pod["metadata"]["name"], WEB_PODS[0]);
}
