//! `pods/exec` over WebSocket: channel protocols, stdin, exit statuses, POST upgrades.

use std::time::Duration;

use actix_web::http::StatusCode;
use awc::ws;
use base64::Engine;
use bytes::Bytes;
use fake_apiserver::{FakeApiServer, WEB_PODS};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::support::*;

/// Runs an exec over WebSocket; returns the negotiated protocol and every (channel, data).
async fn exec(
    fake: &FakeApiServer,
    query: &str,
    protocols: &[&str],
    stdin: &[Bytes],
) -> (String, Vec<(u8, Vec<u8>)>) {
    let (response, mut frames) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/exec?{query}",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols(protocols)
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the exec upgrade succeeds");
    let protocol = response
        .headers()
        .get("sec-websocket-protocol")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for chunk in stdin {
        frames
            .send(ws::Message::Binary(chunk.clone()))
            .await
            .unwrap();
    }
    let mut received = Vec::new();
    loop {
        let frame = actix_web::rt::time::timeout(Duration::from_secs(5), frames.next())
            .await
            .expect("the exec answers in time");
        match frame {
            Some(Ok(ws::Frame::Binary(data))) => received.push((data[0], data[1..].to_vec())),
            Some(Ok(ws::Frame::Close(_))) | None => break,
            Some(Ok(other)) => panic!("unexpected frame {other:?}"),
            Some(Err(e)) => panic!("{e}"),
        }
    }
    (protocol, received)
}

fn status_of(frames: &[(u8, Vec<u8>)]) -> Value {
    let (_, data) = frames
        .iter()
        .find(|(channel, _)| *channel == 3)
        .expect("a status on channel 3");
    serde_json::from_slice(data).unwrap()
}

#[actix_web::test]
async fn exec_over_websocket_v5_and_v4() {
    let fake = start().await;
    let (protocol, frames) = exec(
        &fake,
        "command=echo&command=a&command=b&stdout=true&stderr=true",
        &["v5.channel.k8s.io", "v4.channel.k8s.io"],
        &[],
    )
    .await;
    assert_eq!(protocol, "v5.channel.k8s.io");
    assert_eq!(frames[0], (1, b"a b\n".to_vec()));
    assert_eq!(
        status_of(&frames),
        json!({"metadata": {}, "status": "Success"})
    );

    let (protocol, frames) = exec(
        &fake,
        "command=sh&command=-c&command=exit%203&stdout=true",
        &["v4.channel.k8s.io", "v5.channel.k8s.io"],
        &[],
    )
    .await;
    assert_eq!(protocol, "v4.channel.k8s.io", "the client's order decides");
    let status = status_of(&frames);
    assert_eq!(status["status"], "Failure");
    assert_eq!(status["reason"], "NonZeroExitCode");
    assert_eq!(
        status["details"]["causes"],
        json!([{"reason": "ExitCode", "message": "3"}])
    );

    let stdin = [
        Bytes::from_static(b"\x00hello "),
        Bytes::from_static(b"\x00world"),
        Bytes::from_static(b"\xff\x00"),
    ];
    let (_, frames) = exec(
        &fake,
        "command=cat&stdin=true&stdout=true&stderr=true",
        &["v5.channel.k8s.io"],
        &stdin,
    )
    .await;
    let echoed: Vec<u8> = frames
        .iter()
        .filter(|(c, _)| *c == 1)
        .flat_map(|(_, d)| d.clone())
        .collect();
    assert_eq!(echoed, b"hello world");
    assert_eq!(
        status_of(&frames)["status"],
        "Success",
        "closing stdin ends the command"
    );

    // Browsers pass the token as a sub-protocol instead of a header.
    let token_protocol = format!(
        "base64url.bearer.authorization.k8s.io.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ADMIN)
    );
    let (response, _) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/exec?command=true&stdout=true",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols([token_protocol.as_str(), "v4.channel.k8s.io"])
        .connect()
        .await
        .expect("the token in the protocol authenticates");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "v4.channel.k8s.io"
    );
    assert_eq!(
        fake.requests().last().unwrap().user.as_deref(),
        Some("admin")
    );

    let refused = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/exec?command=ls&stdout=true",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols(["v9.channel.k8s.io"])
        .bearer_auth(ADMIN)
        .connect()
        .await;
    match refused {
        Err(awc::error::WsClientError::InvalidResponseStatus(code)) => {
            assert_eq!(code, StatusCode::BAD_REQUEST)
        }
        Err(other) => panic!("refused for the wrong reason: {other}"),
        Ok(_) => panic!("an unknown protocol must not be accepted"),
    }
}

/// Kubernetes also takes the exec upgrade by POST; awc only upgrades with GET, so this speaks
/// the handshake by hand.
#[actix_web::test]
async fn exec_upgrade_by_post_works_and_is_recorded_as_post() {
    let fake = start().await;
    let address = fake.address();
    let pod = WEB_PODS[0];
    let reply = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let request = format!(
            "POST /api/v1/namespaces/default/pods/{pod}/exec?command=echo&command=posted&stdout=true HTTP/1.1\r\n\
             Host: {address}\r\nAuthorization: Bearer {ADMIN}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n"
        );
        std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let mut reply = Vec::new();
        let mut buffer = [0u8; 4096];
        // Enough for the response head and the first (stdout) frame.
        while !reply.windows(7).any(|w| w == b"posted\n") {
            let n = std::io::Read::read(&mut stream, &mut buffer).expect("the server answers");
            assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&reply));
            reply.extend_from_slice(&buffer[..n]);
        }
        reply
    })
    .await
    .unwrap();
    let head_end = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&reply[..head_end]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains("sec-websocket-protocol: v4.channel.k8s.io"),
        "{head}"
    );
    let frame = &reply[head_end..];
    assert_eq!(frame[0], 0x82, "a final binary frame");
    assert_eq!(&frame[2..2 + frame[1] as usize], b"\x01posted\n");
    let recorded = fake.requests().pop().unwrap();
    assert_eq!(
        (recorded.method.as_str(), recorded.user.as_deref()),
        ("POST", Some("admin"))
    );
}

/// Opens an exec, sends `messages`, and returns every frame until the server closes.
async fn exec_frames(
    fake: &FakeApiServer,
    query: &str,
    protocol: &str,
    messages: Vec<ws::Message>,
) -> Vec<ws::Frame> {
    let (_, mut frames) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/exec?{query}",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols([protocol])
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the exec upgrade succeeds");
    for message in messages {
        frames.send(message).await.unwrap();
    }
    let mut received = Vec::new();
    while let Ok(Some(Ok(frame))) =
        actix_web::rt::time::timeout(Duration::from_secs(5), frames.next()).await
    {
        let close = matches!(frame, ws::Frame::Close(_));
        received.push(frame);
        if close {
            break;
        }
    }
    received
}

#[actix_web::test]
async fn stdin_may_come_in_text_frames() {
    let fake = start().await;
    let frames = exec_frames(
        &fake,
        "command=cat&stdin=true&stdout=true",
        "v5.channel.k8s.io",
        vec![
            ws::Message::Text("\u{0}typed in a text frame".into()),
            ws::Message::Binary(Bytes::from_static(b"\xff\x00")),
        ],
    )
    .await;
    let stdout: Vec<u8> = frames
        .iter()
        .filter_map(|f| match f {
            ws::Frame::Binary(data) if data[0] == 1 => Some(data[1..].to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(String::from_utf8(stdout).unwrap(), "typed in a text frame");
}

#[actix_web::test]
async fn base64_channel_protocols_encode_both_ways() {
    let fake = start().await;
    let b64 = base64::engine::general_purpose::STANDARD;
    let frames = exec_frames(
        &fake,
        "command=echo&command=hi&stdout=true",
        "v4.base64.channel.k8s.io",
        vec![],
    )
    .await;
    assert_eq!(
        frames[0],
        ws::Frame::Text(Bytes::from(format!("1{}", b64.encode("hi\n"))))
    );
    let ws::Frame::Text(status) = &frames[1] else {
        panic!("{frames:?}")
    };
    let status = b64.decode(&status[1..]).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&status).unwrap()["status"],
        "Success"
    );

    // stdin in base64 comes back on stdout in base64.
    let (_, mut socket) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/exec?command=cat&stdin=true&stdout=true",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols(["base64.channel.k8s.io"])
        .bearer_auth(ADMIN)
        .connect()
        .await
        .unwrap();
    socket
        .send(ws::Message::Text(
            format!("0{}", b64.encode("echo me")).into(),
        ))
        .await
        .unwrap();
    let frame = actix_web::rt::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        frame,
        ws::Frame::Text(Bytes::from(format!("1{}", b64.encode("echo me"))))
    );
}

#[actix_web::test]
async fn attach_echoes_stdin_until_it_is_closed() {
    let fake = start().await;
    let (response, mut frames) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/pods/{}/attach?stdin=true&stdout=true&tty=true",
            fake.url(),
            WEB_PODS[0]
        ))
        .protocols(["v5.channel.k8s.io"])
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the attach upgrade succeeds");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "v5.channel.k8s.io"
    );
    for frame in [&b"\x00hello\r"[..], &[255, 0]] {
        frames
            .send(ws::Message::Binary(Bytes::copy_from_slice(frame)))
            .await
            .unwrap();
    }
    let mut received = Vec::new();
    while let Some(frame) = actix_web::rt::time::timeout(Duration::from_secs(5), frames.next())
        .await
        .expect("the attach answers in time")
    {
        match frame.unwrap() {
            ws::Frame::Binary(data) => received.push((data[0], data[1..].to_vec())),
            ws::Frame::Close(_) => break,
            other => panic!("unexpected frame {other:?}"),
        }
    }
    assert_eq!(received[0], (1, b"hello\r".to_vec()));
    assert_eq!(status_of(&received)["status"], "Success");
}
