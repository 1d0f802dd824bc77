//! Long-lived connections are capped per user and in total, and idle WebSockets are pinged away.

use std::time::Duration;

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};

use test_support::{RawConnection, Stack, client, eventually};

const WATCH: &str = "/clusters/fake/api/v1/namespaces/default/configmaps?watch=true";

async fn open_watch(stack: &Stack) -> RawConnection {
    let mut connection = stack.app.raw().connect().await;
    connection
        .send(format!("GET {WATCH} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
        .await;
    let head = connection.read_head().await;
    assert_eq!(head.status, 200, "{head:?}");
    connection
}

#[actix_web::test]
async fn a_user_holds_no_more_watches_than_allowed_and_gets_them_back() {
    let stack = Stack::start(&["-max-watches-per-user=2"]).await;
    let first = open_watch(&stack).await;
    let _second = open_watch(&stack).await;
    eventually("both watches are open upstream", || {
        stack.fake.open_watches() == 2
    })
    .await;

    let mut response = stack
        .app
        .client()
        .get(stack.url(WATCH))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let status: serde_json::Value = response.json().await.unwrap();
    let message = status["message"].as_str().unwrap();
    assert!(message.contains("-max-watches-per-user"), "{message}");
    assert_eq!(
        stack.fake.open_watches(),
        2,
        "the refused watch reached the API server"
    );
    // Lists are not watches: the cap does not get in their way.
    let list = stack
        .app
        .client()
        .get(stack.cluster_url("/api/v1/namespaces/default/configmaps"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);

    first.reset();
    eventually("the closed watch gives its place back", || {
        stack.fake.open_watches() == 1
    })
    .await;
    let _third = open_watch(&stack).await;
}

#[actix_web::test]
async fn the_total_caps_everyone_together() {
    let stack = Stack::start(&["-max-watches=1"]).await;
    let _held = open_watch(&stack).await;
    // Another caller (its own credentials) is refused all the same: the server is full.
    let response = stack
        .app
        .client()
        .get(stack.url(WATCH))
        .bearer_auth(test_support::DEV_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
}

#[actix_web::test]
async fn a_user_holds_no_more_websockets_than_allowed() {
    let stack = Stack::start(&["-max-upgrades-per-user=1"]).await;
    let ws_watch = "/clusters/fake/api/v1/namespaces/default/configmaps?watch=true";
    let (_response, held) = client()
        .ws(stack.url(ws_watch))
        .connect()
        .await
        .expect("the first upgrade");
    let refused = client().ws(stack.url(ws_watch)).connect().await;
    assert!(
        matches!(refused, Err(awc::error::WsClientError::InvalidResponseStatus(status)) if status == 429),
        "{:?}",
        refused.err()
    );
    drop(held);
    eventually("the closed WebSocket gives its place back", || {
        stack.fake.open_watches() == 0
    })
    .await;
    client()
        .ws(stack.url(ws_watch))
        .connect()
        .await
        .expect("an upgrade once the first is closed");
}

#[actix_web::test]
async fn a_websocket_client_that_stops_answering_pings_is_disconnected() {
    let stack = Stack::start(&["-websocket-ping-interval=1"]).await;
    let (_response, framed) = client()
        .ws(stack.url(WATCH))
        .connect()
        .await
        .expect("the upgrade");
    let (_sink, mut stream) = framed.split();
    eventually("the watch is open upstream", || {
        stack.fake.open_watches() == 1
    })
    .await;
    // awc answers nothing by itself: this client is a laptop whose lid closed.
    let mut pings = 0;
    let close = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.next().await {
                Some(Ok(Frame::Ping(_))) => pings += 1,
                Some(Ok(Frame::Close(reason))) => break reason,
                Some(Ok(_)) => {}
                other => panic!("the connection ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("the server closes within 10 s");
    assert!(pings >= 1, "closed without pinging first");
    let reason = close.expect("a close reason");
    assert_eq!(u16::from(reason.code), 1001, "{reason:?}");
    eventually("the upstream watch ends with its client", || {
        stack.fake.open_watches() == 0
    })
    .await;
}

#[actix_web::test]
async fn a_websocket_client_that_answers_pings_stays_connected() {
    let stack = Stack::start(&["-websocket-ping-interval=1"]).await;
    let (_response, framed) = client()
        .ws(stack.url(WATCH))
        .connect()
        .await
        .expect("the upgrade");
    let (mut sink, mut stream) = framed.split();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut pings = 0;
    while let Ok(frame) = tokio::time::timeout_at(deadline, stream.next()).await {
        match frame {
            Some(Ok(Frame::Ping(payload))) => {
                pings += 1;
                sink.send(Message::Pong(payload)).await.unwrap();
            }
            Some(Ok(Frame::Close(reason))) => panic!("closed while answering pings: {reason:?}"),
            Some(Ok(_)) => {}
            other => panic!("the connection ended: {other:?}"),
        }
    }
    assert!(pings >= 3, "{pings} pings in 5 s at a 1 s interval");
    assert_eq!(stack.fake.open_watches(), 1, "the watch did not survive");
}
