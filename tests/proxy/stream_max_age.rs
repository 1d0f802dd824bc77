//! `-proxy-auth-stream-max-age`: a watch, a followed log or an exec session opened on the proxy's
//! identity headers ends after that long (the proxy re-checks access only when a request is made),
//! cleanly: a stream's chunked body is terminated, a WebSocket gets close code 1008 saying why.
//! At 0, or for streams not opened on proxy identity, there is no such limit.

use std::time::Duration;

use awc::ws::{CloseCode, CloseReason, Frame};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde_json::{Value, json};
use test_support::{Stack, client, eventually};
use tokio::time::Instant;

const ALICE: (&str, &str) = ("X-Forwarded-User", "alice");
const WATCH: &str = "/api/v1/namespaces/default/configmaps?watch=true";
/// Allowance for timers and scheduling on a busy machine, below the limit.
const SLACK: Duration = Duration::from_millis(100);

async fn proxy_stack(max_age: &str) -> Stack {
    Stack::start(&[
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1/32",
        &format!("-proxy-auth-stream-max-age={max_age}"),
    ])
    .await
}

fn configmap(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": {"v": "1"}})
}

/// A pod's name, listed as alice through the proxy.
async fn a_pod(stack: &Stack) -> String {
    let mut response = client()
        .get(stack.cluster_url("/api/v1/namespaces/default/pods"))
        .insert_header(ALICE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let pods: Value = response.json().await.unwrap();
    pods["items"][0]["metadata"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("no pod in default: {pods}"))
        .to_string()
}

/// Opens `path` through Lamplight (as alice when `as_alice`), expecting a 200 that streams.
async fn open_stream(
    stack: &Stack,
    path: &str,
    as_alice: bool,
) -> impl Stream<Item = Result<Bytes, awc::error::PayloadError>> + Unpin {
    let mut request = client().get(stack.cluster_url(path));
    if as_alice {
        request = request.insert_header(ALICE);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response
}

/// Reads `stream` to its end, which must come within `within` and cleanly (a complete chunked
/// body, not a cut connection); returns what arrived.
async fn read_to_clean_end<S>(stream: &mut S, within: Duration) -> String
where
    S: Stream<Item = Result<Bytes, awc::error::PayloadError>> + Unpin,
{
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => panic!(
                "still open after {within:?}: {}",
                String::from_utf8_lossy(&seen)
            ),
            Ok(None) => return String::from_utf8_lossy(&seen).into_owned(),
            Ok(Some(Ok(chunk))) => seen.extend_from_slice(&chunk),
            Ok(Some(Err(error))) => panic!(
                "the stream was cut, not ended ({error}): {}",
                String::from_utf8_lossy(&seen)
            ),
        }
    }
}

/// Reads `stream` for `how_long`, which it must stay open through.
async fn stays_open<S>(stream: &mut S, how_long: Duration)
where
    S: Stream<Item = Result<Bytes, awc::error::PayloadError>> + Unpin,
{
    let deadline = Instant::now() + how_long;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => return,
            Ok(None) => panic!("the stream ended before {how_long:?}"),
            Ok(Some(Err(error))) => panic!("the stream failed before {how_long:?}: {error}"),
            Ok(Some(Ok(_))) => {}
        }
    }
}

fn exec_path(pod: &str) -> String {
    format!(
        "/api/v1/namespaces/default/pods/{pod}/exec?command=cat&stdin=true&stdout=true&stderr=true"
    )
}

/// Opens an interactive exec (`cat`, which runs until stdin closes) as alice.
async fn open_exec(
    stack: &Stack,
) -> (
    impl futures_util::Sink<awc::ws::Message> + Unpin,
    impl Stream<Item = Result<Frame, awc::error::WsProtocolError>> + Unpin,
) {
    let pod = a_pod(stack).await;
    let (_response, framed) = client()
        .ws(stack.cluster_url(&exec_path(&pod)))
        .header(ALICE.0, ALICE.1)
        .protocols(["v5.channel.k8s.io"])
        .connect()
        .await
        .expect("the exec upgrade succeeds");
    framed.split()
}

/// Waits up to `within` for a close frame, skipping data and pings; `None` if none came.
async fn close_frame<S>(stream: &mut S, within: Duration) -> Option<Option<CloseReason>>
where
    S: Stream<Item = Result<Frame, awc::error::WsProtocolError>> + Unpin,
{
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => return None,
            Ok(Some(Ok(Frame::Close(reason)))) => return Some(reason),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(error))) => panic!("not a clean close: {error}"),
            Ok(None) => panic!("the socket ended without a close frame"),
        }
    }
}

#[actix_web::test]
async fn a_watch_on_proxy_identity_ends_cleanly_after_the_max_age() {
    let stack = proxy_stack("1").await;
    let opened = Instant::now();
    let mut watch = open_stream(&stack, WATCH, true).await;
    eventually("the fake sees the watch", || stack.fake.open_watches() == 1).await;
    // A live watch until then: a change made now arrives on it.
    stack.fake.apply(configmap("before-the-deadline")).unwrap();

    let events = read_to_clean_end(&mut watch, Duration::from_secs(8)).await;
    let lasted = opened.elapsed();
    assert!(
        lasted >= Duration::from_secs(1) - SLACK,
        "ended after {lasted:?}, before the max age"
    );
    assert!(lasted < Duration::from_secs(6), "ended after {lasted:?}");
    assert!(events.contains("before-the-deadline"), "{events}");
    // Every event that did arrive is whole: the end falls between events, not inside one.
    for line in events.lines() {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a cut event ({e}): {line:?} in {events}"));
        assert!(event["type"].is_string(), "{event}");
    }
    eventually("the upstream watch closes with it", || {
        stack.fake.open_watches() == 0
    })
    .await;
}

#[actix_web::test]
async fn a_followed_log_on_proxy_identity_ends_cleanly_after_the_max_age() {
    let stack = proxy_stack("1").await;
    let pod = a_pod(&stack).await;
    let opened = Instant::now();
    let path = format!("/api/v1/namespaces/default/pods/{pod}/log?follow=true");
    let mut logs = open_stream(&stack, &path, true).await;
    let lines = read_to_clean_end(&mut logs, Duration::from_secs(8)).await;
    let lasted = opened.elapsed();
    assert!(
        lasted >= Duration::from_secs(1) - SLACK,
        "ended after {lasted:?}, before the max age"
    );
    assert!(lasted < Duration::from_secs(6), "ended after {lasted:?}");
    // The fake writes a line every 100 ms: it was following until the end.
    assert!(lines.lines().count() >= 5, "{lines}");
}

#[actix_web::test]
async fn an_exec_session_on_proxy_identity_is_closed_with_a_policy_code() {
    let stack = proxy_stack("1").await;
    let opened = Instant::now();
    let (_stdin, mut frames) = open_exec(&stack).await;
    let reason = close_frame(&mut frames, Duration::from_secs(8))
        .await
        .expect("the session is closed within 8 s")
        .expect("the close frame says why");
    let lasted = opened.elapsed();
    assert!(
        lasted >= Duration::from_secs(1) - SLACK,
        "closed after {lasted:?}, before the max age"
    );
    assert_eq!(reason.code, CloseCode::Policy, "{reason:?}");
    assert_eq!(u16::from(reason.code), 1008);
    let description = reason.description.unwrap_or_default();
    assert!(
        description.contains("-proxy-auth-stream-max-age"),
        "{description:?}"
    );
}

#[actix_web::test]
async fn at_zero_streams_on_proxy_identity_stay_open() {
    let stack = proxy_stack("0").await;
    let mut watch = open_stream(&stack, WATCH, true).await;
    let (_stdin, mut frames) = open_exec(&stack).await;
    let (_, closed) = tokio::join!(
        stays_open(&mut watch, Duration::from_secs(3)),
        close_frame(&mut frames, Duration::from_secs(3)),
    );
    assert!(closed.is_none(), "the exec session was closed: {closed:?}");
    // Still live, not merely not yet closed.
    stack.fake.apply(configmap("after-three-seconds")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("after-three-seconds") {
        let chunk = tokio::time::timeout_at(deadline, watch.next())
            .await
            .expect("the event arrives")
            .expect("the watch is open")
            .unwrap();
        seen.extend_from_slice(&chunk);
    }
    assert_eq!(stack.fake.open_watches(), 1);
}

#[actix_web::test]
async fn streams_not_opened_on_proxy_identity_have_no_max_age() {
    // No sign-in mode: the request uses the cluster's credentials, and nobody's access at a proxy
    // could be revoked.
    let stack = Stack::start(&["-proxy-auth-stream-max-age=1"]).await;
    let mut watch = open_stream(&stack, WATCH, false).await;
    stays_open(&mut watch, Duration::from_secs(3)).await;
    assert_eq!(stack.fake.open_watches(), 1);
}
