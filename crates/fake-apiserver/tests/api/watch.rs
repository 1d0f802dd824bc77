//! Watches: resourceVersions, selectors, 410 Expired, bookmarks, tables, WebSockets, disconnects.

use std::time::Duration;

use actix_web::http::StatusCode;
use awc::ws;
use base64::Engine;
use fake_apiserver::WEB_PODS;
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn watch_from_a_resource_version_sees_only_later_events() {
    let fake = start().await;
    fake.apply(configmap("before")).unwrap();
    let (_, list) = get(&fake, "/api/v1/namespaces/default/configmaps", ADMIN).await;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    fake.apply(configmap("after-list")).unwrap();

    let mut watch = EventStream::open(
        &fake,
        &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}"),
        None,
    )
    .await;
    let event = watch
        .next(Duration::from_secs(5))
        .await
        .expect("the change after the list");
    assert_eq!(event["type"], "ADDED");
    assert_eq!(event["object"]["metadata"]["name"], "after-list");
    assert_eq!(event["object"]["kind"], "ConfigMap");

    let mut changed = configmap("before");
    changed["data"]["key"] = json!("changed");
    fake.apply(changed).unwrap();
    let event = watch
        .next(Duration::from_secs(5))
        .await
        .expect("a live modification");
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["data"]["key"], "changed");
    fake.apply(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "unrelated", "namespace": "default"}})).unwrap();
    fake.delete("configmaps", "default", "before").unwrap();
    let event = watch
        .next(Duration::from_secs(5))
        .await
        .expect("a deletion");
    assert_eq!(
        event["type"], "DELETED",
        "other resources' events are not sent: {event}"
    );
    assert_eq!(event["object"]["metadata"]["name"], "before");
}

#[actix_web::test]
async fn watch_without_resource_version_starts_with_everything_and_filters() {
    let fake = start().await;
    let path = format!(
        "/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3D{}",
        WEB_PODS[0]
    );
    let mut watch = EventStream::open(&fake, &path, None).await;
    let event = watch.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        (
            event["type"].as_str(),
            event["object"]["metadata"]["name"].as_str()
        ),
        (Some("ADDED"), Some(WEB_PODS[0]))
    );
    fake.apply(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other", "namespace": "default"},
                      "spec": {"containers": [{"name": "c", "image": "busybox"}]}})).unwrap();
    fake.delete("pods", "default", WEB_PODS[0]).unwrap();
    let event = watch.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        event["type"], "DELETED",
        "the other pod is filtered out: {event}"
    );

    let mut namespaced = EventStream::open(
        &fake,
        "/api/v1/namespaces/team-a/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=1",
        None,
    )
    .await;
    fake.apply(configmap("elsewhere")).unwrap();
    assert!(
        namespaced.next(Duration::from_secs(3)).await.is_none(),
        "nothing from other namespaces, and the timeout ends it"
    );
}

#[actix_web::test]
async fn too_old_resource_version_gets_410_expired() {
    let fake = builder().watch_history(5).start().await.unwrap();
    let (_, list) = get(&fake, "/api/v1/namespaces/default/configmaps", ADMIN).await;
    let old = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    for i in 0..10 {
        fake.apply(configmap(&format!("churn-{i}"))).unwrap();
    }
    let mut watch = EventStream::open(
        &fake,
        &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={old}"),
        None,
    )
    .await;
    let event = watch
        .next(Duration::from_secs(5))
        .await
        .expect("an error event");
    assert_eq!(event["type"], "ERROR");
    assert_status(&event["object"], 410, "Expired");
    assert!(
        watch.next(Duration::from_secs(2)).await.is_none(),
        "the stream ends after the error"
    );

    // A version still in the history works.
    let (_, list) = get(&fake, "/api/v1/namespaces/default/configmaps", ADMIN).await;
    let recent = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut watch = EventStream::open(
        &fake,
        &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={recent}"),
        None,
    )
    .await;
    fake.apply(configmap("fresh")).unwrap();
    assert_eq!(
        watch.next(Duration::from_secs(5)).await.unwrap()["object"]["metadata"]["name"],
        "fresh"
    );
}

#[actix_web::test]
async fn bookmarks_and_table_watches() {
    let fake = builder()
        .bookmark_interval(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let (_, list) = get(&fake, "/api/v1/namespaces/default/configmaps", ADMIN).await;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut watch = EventStream::open(&fake, &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&allowWatchBookmarks=true"), None).await;
    let bookmark = watch.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(bookmark["type"], "BOOKMARK");
    assert_eq!(bookmark["object"]["kind"], "ConfigMap");
    assert_eq!(
        bookmark["object"]["metadata"]["resourceVersion"],
        rv.as_str()
    );

    // The watch-list protocol: initial ADDED events, then a bookmark marking their end.
    let mut initial = EventStream::open(&fake, "/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true", None).await;
    let mut added = Vec::new();
    let end = loop {
        let event = initial.next(Duration::from_secs(5)).await.unwrap();
        if event["type"] != "ADDED" {
            break event;
        }
        added.push(
            event["object"]["metadata"]["name"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    };
    assert_eq!(added, ["kube-root-ca.crt", "web-config"]);
    assert_eq!(end["type"], "BOOKMARK");
    assert_eq!(
        end["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );

    let mut table = EventStream::open(
        &fake,
        "/api/v1/namespaces/default/pods?watch=1",
        Some(TABLE),
    )
    .await;
    let first = table.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(first["type"], "ADDED");
    assert_eq!(first["object"]["kind"], "Table");
    assert_eq!(first["object"]["columnDefinitions"][1]["name"], "Ready");
    assert_eq!(first["object"]["rows"].as_array().unwrap().len(), 1);
    let second = table.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        second["object"]["columnDefinitions"],
        json!([]),
        "columns only come once"
    );
    assert_eq!(second["object"]["rows"][0]["cells"][2], "Running");
}

#[actix_web::test]
async fn open_watches_drop_when_clients_disconnect() {
    let fake = start().await;
    let watch = EventStream::open(&fake, "/api/v1/pods?watch=1", None).await;
    let another = EventStream::open(&fake, "/apis/apps/v1/deployments?watch=1", None).await;
    eventually("two open watches", || fake.open_watches() == 2).await;
    drop(watch);
    eventually("one watch left", || fake.open_watches() == 1).await;
    drop(another);
    eventually("no watch left", || fake.open_watches() == 0).await;
}

#[actix_web::test]
async fn websocket_watch_sends_one_event_per_text_frame() {
    let fake = start().await;
    let (_, mut frames) = client()
        .ws(format!(
            "{}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0",
            fake.url()
        ))
        .bearer_auth(ADMIN)
        .connect()
        .await
        .expect("the WebSocket watch opens");
    let mut names = Vec::new();
    fake.apply(configmap("over-websocket")).unwrap();
    while !names.contains(&"over-websocket".to_string()) {
        let frame = actix_web::rt::time::timeout(Duration::from_secs(5), frames.next())
            .await
            .expect("an event frame")
            .unwrap()
            .unwrap();
        let ws::Frame::Text(text) = frame else {
            panic!("text frames only: {frame:?}")
        };
        let event: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(event["type"], "ADDED");
        names.push(
            event["object"]["metadata"]["name"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert!(
        names.contains(&"web-config".to_string()),
        "existing objects first: {names:?}"
    );
    assert_eq!(fake.open_watches(), 1);
    drop(frames);
    eventually("the WebSocket watch to close", || fake.open_watches() == 0).await;
}

/// Headlamp's UI opens watches with `base64.binary.k8s.io` plus its token as a protocol; the API
/// server echoes the former and still sends plain JSON text.
#[actix_web::test]
async fn websocket_watch_echoes_the_one_protocol_offered_and_sends_json() {
    let fake = start().await;
    let token = format!(
        "base64url.bearer.authorization.k8s.io.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ADMIN)
    );
    let url = format!(
        "{}/api/v1/namespaces/default/configmaps?watch=1",
        fake.url()
    );
    let (response, mut frames) = client()
        .ws(&url)
        .protocols(["base64.binary.k8s.io", token.as_str()])
        .connect()
        .await
        .expect("the token protocol authenticates");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "base64.binary.k8s.io"
    );
    let frame = actix_web::rt::time::timeout(Duration::from_secs(5), frames.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let ws::Frame::Text(text) = frame else {
        panic!("text frames: {frame:?}")
    };
    let event: Value = serde_json::from_slice(&text).expect("JSON, not base64");
    assert_eq!(event["type"], "ADDED");

    let status_of = |result: Result<_, awc::error::WsClientError>| match result {
        Err(awc::error::WsClientError::InvalidResponseStatus(code)) => code,
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => StatusCode::SWITCHING_PROTOCOLS,
    };
    let two = client()
        .ws(&url)
        .protocols(["base64.binary.k8s.io", "v4.channel.k8s.io"])
        .bearer_auth(ADMIN)
        .connect()
        .await;
    assert_eq!(status_of(two.map(|_| ())), StatusCode::BAD_REQUEST);
    let token_only = client()
        .ws(&url)
        .protocols([token.as_str()])
        .connect()
        .await;
    assert_eq!(
        status_of(token_only.map(|_| ())),
        StatusCode::UNAUTHORIZED,
        "a token protocol needs another protocol beside it"
    );
}
