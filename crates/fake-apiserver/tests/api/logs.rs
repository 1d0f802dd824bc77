//! `pods/log`: tails, timestamps, follow, `previous`, and WebSocket streams.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use awc::ws;
use base64::Engine;
use bytes::Bytes;
use fake_apiserver::{FakeApiServer, WEB_PODS};
use futures_util::StreamExt;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn pod_logs_tail_timestamps_and_follow_until_deleted() {
    let fake = start().await;
    let path = format!("/api/v1/namespaces/default/pods/{}/log", WEB_PODS[1]);
    let mut response = client()
        .get(format!("{}{path}?tailLines=2&timestamps=true", fake.url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "text/plain"
    );
    let text = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].ends_with("req=4") && lines[1].split(' ').next().unwrap().ends_with('Z'),
        "{text}"
    );

    let (code, body) = get(&fake, &format!("{path}?container=nope"), ADMIN).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_status(&body, 400, "BadRequest");

    let mut follow = EventStreamText::open(&fake, &format!("{path}?follow=true&tailLines=0")).await;
    assert!(follow.next_line().await.unwrap().contains("tick=1"));
    fake.append_log("default", WEB_PODS[1], "appended");
    while follow.next_line().await.unwrap() != "appended" {}
    fake.delete("pods", "default", WEB_PODS[1]).unwrap();
    let started = Instant::now();
    while follow.next_line().await.is_some() {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the stream ends with the pod"
        );
    }
}

#[actix_web::test]
async fn previous_logs_need_a_container_that_restarted() {
    let fake = start().await;
    let path = format!(
        "/api/v1/namespaces/default/pods/{}/log?previous=true",
        WEB_PODS[0]
    );
    let (code, body) = get(&fake, &path, ADMIN).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_status(&body, 400, "BadRequest");
    assert_eq!(
        body["message"],
        format!(
            "previous terminated container \"nginx\" in pod \"{}\" not found",
            WEB_PODS[0]
        )
    );

    let mut pod = fake.get("pods", "default", WEB_PODS[0]).unwrap();
    pod["status"]["containerStatuses"][0]["restartCount"] = json!(2);
    fake.apply(pod).unwrap();
    let mut response = client()
        .get(format!("{}{path}", fake.url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    assert!(text.contains("req=4"), "{text}");
}

/// What a WebSocket log stream carried, decoded: (negotiated protocol, frames' bytes).
async fn websocket_log(
    fake: &FakeApiServer,
    query: &str,
    protocol: Option<&str>,
    frames_wanted: usize,
) -> (String, Vec<ws::Frame>) {
    let mut request = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/log?{query}",
            fake.url(),
            WEB_PODS[1]
        ))
        .bearer_auth(ADMIN);
    if let Some(protocol) = protocol {
        request = request.protocols([protocol]);
    }
    let (response, mut frames) = request.connect().await.expect("the log upgrade succeeds");
    let negotiated = response
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let mut received = Vec::new();
    while received.len() < frames_wanted {
        match actix_web::rt::time::timeout(Duration::from_secs(5), frames.next()).await {
            Ok(Some(Ok(frame))) => {
                let close = matches!(frame, ws::Frame::Close(_));
                received.push(frame);
                if close {
                    break;
                }
            }
            _ => break,
        }
    }
    (negotiated, received)
}

#[actix_web::test]
async fn logs_stream_over_websocket_as_base64_text_or_binary() {
    let fake = start().await;
    let (code, plain) = get(
        &fake,
        &format!(
            "/api/v1/namespaces/default/pods/{}/log?tailLines=3",
            WEB_PODS[1]
        ),
        ADMIN,
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let plain = plain.as_str().unwrap().to_string();

    let (protocol, frames) =
        websocket_log(&fake, "tailLines=3", Some("base64.binary.k8s.io"), 100).await;
    assert_eq!(protocol, "base64.binary.k8s.io");
    assert_eq!(
        frames[0],
        ws::Frame::Text(Bytes::new()),
        "an empty message first"
    );
    let mut decoded = Vec::new();
    for frame in &frames[1..frames.len() - 1] {
        let ws::Frame::Text(text) = frame else {
            panic!("base64 text frames: {frame:?}")
        };
        decoded.extend(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
        );
    }
    assert_eq!(String::from_utf8(decoded).unwrap(), plain);
    assert!(
        matches!(frames.last(), Some(ws::Frame::Close(_))),
        "the socket closes at the end of the log"
    );

    let (protocol, frames) = websocket_log(&fake, "tailLines=3", Some("binary.k8s.io"), 100).await;
    assert_eq!(protocol, "binary.k8s.io");
    let bytes: Vec<u8> = frames
        .iter()
        .filter_map(|f| match f {
            ws::Frame::Binary(b) => Some(b.to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(String::from_utf8(bytes).unwrap(), plain);

    // Following: lines keep coming until the client leaves.
    let (_, frames) = websocket_log(
        &fake,
        "follow=true&tailLines=0",
        Some("base64.binary.k8s.io"),
        2,
    )
    .await;
    let ws::Frame::Text(text) = &frames[1] else {
        panic!("{frames:?}")
    };
    let line = base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap();
    assert!(String::from_utf8_lossy(&line).contains("tick=1"));

    let refused = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/log",
            fake.url(),
            WEB_PODS[1]
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
        "logs speak no channel protocol"
    );
}
