//! `pods/portforward` over WebSocket: per port a data and an error channel, each opened with
//! the port in two little-endian bytes; declared ports answer HTTP, others are refused.

use std::time::Duration;

use actix_web::http::StatusCode;
use awc::ws;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use fake_apiserver::{FakeApiServer, WEB_PODS};
use futures_util::{SinkExt, StreamExt};

use crate::support::*;

async fn open(fake: &FakeApiServer, query: &str, protocol: &str) -> (String, impl Frames) {
    let (response, frames) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/portforward?{query}",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols([protocol])
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the port-forward upgrade succeeds");
    let protocol = response
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (protocol, frames)
}

async fn next(frames: &mut impl Frames) -> ws::Frame {
    actix_web::rt::time::timeout(Duration::from_secs(5), frames.next())
        .await
        .expect("a frame in time")
        .expect("the socket is open")
        .expect("a valid frame")
}

#[actix_web::test]
async fn a_declared_port_answers_http_through_the_data_channel() {
    let fake = start().await;
    let (protocol, mut frames) = open(&fake, "ports=8080", "v4.channel.k8s.io").await;
    assert_eq!(protocol, "v4.channel.k8s.io");
    let port = 8080u16.to_le_bytes();
    for channel in [0u8, 1] {
        let ws::Frame::Binary(first) = next(&mut frames).await else {
            panic!("binary frames")
        };
        assert_eq!(
            &first[..],
            [channel, port[0], port[1]],
            "channel {channel} opens with its port"
        );
    }
    let mut request = vec![0u8];
    request.extend_from_slice(b"GET /hello HTTP/1.1\r\nHost: localhost:8080\r\n\r\n");
    frames
        .send(ws::Message::Binary(Bytes::from(request)))
        .await
        .unwrap();
    let ws::Frame::Binary(answer) = next(&mut frames).await else {
        panic!("a binary answer")
    };
    assert_eq!(answer[0], 0, "on the data channel");
    let text = String::from_utf8_lossy(&answer[1..]);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(
        text.ends_with(&format!(
            "pod default/{} port 8080 answered GET /hello HTTP/1.1\n",
            WEB_PODS[0]
        )),
        "{text}"
    );
}

#[actix_web::test]
async fn base64_channels_carry_the_same_bytes_as_text() {
    let fake = start().await;
    let (protocol, mut frames) = open(&fake, "ports=8080", "v4.base64.channel.k8s.io").await;
    assert_eq!(protocol, "v4.base64.channel.k8s.io");
    let port = BASE64.encode(8080u16.to_le_bytes());
    for channel in ['0', '1'] {
        let ws::Frame::Text(first) = next(&mut frames).await else {
            panic!("text frames")
        };
        assert_eq!(String::from_utf8_lossy(&first), format!("{channel}{port}"));
    }
    let request = format!("0{}", BASE64.encode("GET / HTTP/1.1\r\n\r\n"));
    frames
        .send(ws::Message::Text(request.into()))
        .await
        .unwrap();
    let ws::Frame::Text(answer) = next(&mut frames).await else {
        panic!("a text answer")
    };
    let answer = String::from_utf8_lossy(&answer);
    let bytes = BASE64
        .decode(answer.strip_prefix('0').expect("data channel"))
        .unwrap();
    assert!(String::from_utf8_lossy(&bytes).starts_with("HTTP/1.1 200 OK"));
}

#[actix_web::test]
async fn ports_nothing_listens_on_are_refused_on_the_error_channel() {
    let fake = start().await;
    let (_, mut frames) = open(&fake, "ports=9999", "v4.channel.k8s.io").await;
    next(&mut frames).await;
    next(&mut frames).await;
    let ws::Frame::Binary(error) = next(&mut frames).await else {
        panic!("a binary error")
    };
    assert_eq!(error[0], 1, "on the error channel");
    let message = String::from_utf8_lossy(&error[1..]);
    assert!(
        message.starts_with(&format!(
            "error forwarding port 9999 to pod {}",
            WEB_PODS[0]
        )) && message.contains("connection refused"),
        "{message}"
    );
    assert!(
        matches!(next(&mut frames).await, ws::Frame::Close(_)),
        "the connection ends with its only port"
    );

    let refused = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/portforward",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols(["v4.channel.k8s.io"])
        .bearer_auth(ADMIN)
        .connect()
        .await;
    assert!(
        matches!(
            refused,
            Err(awc::error::WsClientError::InvalidResponseStatus(
                StatusCode::BAD_REQUEST
            ))
        ),
        "ports are required"
    );
    let (code, body) = get(
        &fake,
        &format!(
            "/api/v1/namespaces/default/pods/{}/portforward?ports=8080",
            WEB_PODS[0]
        ),
        ADMIN,
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "SPDY is not spoken: {body}");
}
