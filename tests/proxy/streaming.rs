//! Watches, log follows and big lists: streamed as they happen, never buffered, never cut.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use test_support::{
    ADMIN_TOKEN, App, Binary, Cluster as KubeCluster, Kubeconfig, RawConnection, ServingTls, Stack,
    User, WatchUpstream, client, eventually, fake_apiserver, read_lines,
};

fn configmap(name: &str, value: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": {"v": value}})
}

#[actix_web::test]
async fn a_watch_delivers_events_one_by_one_while_it_stays_open() {
    let stack = Stack::start(&[]).await;
    let client = client();
    let base = stack.url("/clusters/fake/api/v1/namespaces/default/configmaps");
    let mut list = client.get(&base).send().await.unwrap();
    let version = list.json::<Value>().await.unwrap()["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    let mut watch = client
        .get(format!("{base}?watch=true&resourceVersion={version}"))
        .send()
        .await
        .unwrap();
    assert_eq!(watch.status(), 200);

    stack.fake.apply(configmap("watched", "1")).unwrap();
    let event: Value = serde_json::from_str(&read_lines(&mut watch, 1).await[0]).unwrap();
    assert_eq!(event["type"], "ADDED");
    assert_eq!(event["object"]["metadata"]["name"], "watched");

    // The same stream, still open, carries the next change when it happens.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stack.fake.apply(configmap("watched", "2")).unwrap();
    let event: Value = serde_json::from_str(&read_lines(&mut watch, 1).await[0]).unwrap();
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["data"]["v"], "2");
}

#[actix_web::test]
async fn logs_follow_as_they_are_written() {
    let stack = Stack::start(&[]).await;
    let client = client();
    let pod = stack.first_pod().await;
    let mut logs = client
        .get(stack.url(&format!(
            "/clusters/fake/api/v1/namespaces/default/pods/{pod}/log?follow=true"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(logs.status(), 200);
    read_lines(&mut logs, 2).await;
    stack
        .fake
        .append_log("default", &pod, "a line written just now");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let line = read_lines(&mut logs, 1).await.remove(0);
        if line.contains("a line written just now") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the appended line never arrived"
        );
    }
}

/// A watch through Lamplight on a raw socket, open upstream.
async fn raw_watch(stack: &Stack) -> RawConnection {
    let mut connection = stack.app.raw().connect().await;
    connection
        .send(b"GET /clusters/fake/api/v1/namespaces/default/pods?watch=true HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await;
    let response = connection.read_head().await;
    assert_eq!(response.status, 200, "{response:?}");
    eventually("the fake sees the watch", || stack.fake.open_watches() == 1).await;
    connection
}

#[actix_web::test]
async fn a_client_disconnect_closes_the_upstream_watch() {
    let stack = Stack::start(&[]).await;
    // A raw socket, as a browser tab that goes away: its reset is the whole signal.
    raw_watch(&stack).await.reset();
    eventually("the upstream watch closes after the client left", || {
        stack.fake.open_watches() == 0
    })
    .await;
}

#[actix_web::test]
async fn a_client_that_closes_cleanly_closes_the_upstream_watch() {
    let stack = Stack::start(&[]).await;
    let mut connection = raw_watch(&stack).await;
    // A FIN, not a reset, and the socket stays open: an idle watch must not outlive its client
    // until the next event happens to fail to arrive.
    connection.close_write().await;
    eventually("the upstream watch closes after the client left", || {
        stack.fake.open_watches() == 0
    })
    .await;
}

#[actix_web::test]
async fn more_than_a_hundred_watches_stay_open_at_once() {
    let stack = Stack::start(&["-log-level=warn"]).await;
    let client = client();
    let mut watches = Vec::new();
    for _ in 0..120 {
        let watch = client
            .get(stack.url("/clusters/fake/api/v1/namespaces/default/configmaps?watch=true"))
            .send()
            .await
            .unwrap();
        assert_eq!(watch.status(), 200, "watch {} was refused", watches.len());
        watches.push(watch);
    }
    eventually("120 upstream watches", || stack.fake.open_watches() == 120).await;
    // And each of them is live.
    stack.fake.apply(configmap("broadcast", "1")).unwrap();
    for watch in watches.iter_mut() {
        let mut found = false;
        for line in read_lines(watch, 1).await {
            found |= line.contains("broadcast") || line.contains("ADDED");
        }
        assert!(found);
    }
}

/// Peak resident memory of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[actix_web::test]
async fn a_100_mb_list_streams_through_with_flat_memory() {
    let fake = fake_apiserver()
        .bulk_configmaps(26_000, 4096)
        .start()
        .await
        .unwrap();
    let kubeconfig = Kubeconfig::single(fake.url(), Some(User::token(ADMIN_TOKEN))).write();

    // The real binary, so its memory is measured apart from the test's.
    let mut server = Binary::new(env!("CARGO_BIN_EXE_lamplight"))
        .start(&["-log-level=warn,lamplight=info", &kubeconfig.flag()]);
    let address = server.address();

    // Warm up (workers, pools) before the baseline.
    let warm = client()
        .get(format!("http://{address}/clusters/fake/version"))
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), 200);
    let before = peak_rss_kib(server.pid());

    let mut response = client()
        .get(format!(
            "http://{address}/clusters/fake/api/v1/namespaces/bulk/configmaps"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut total = 0usize;
    let mut tail = Vec::new();
    while let Some(chunk) = response.next().await {
        let chunk = chunk.unwrap();
        total += chunk.len();
        tail = chunk.to_vec();
        // A slow reader: the proxy must apply back-pressure rather than buffer.
        if total % (8 << 20) < chunk.len() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let after = peak_rss_kib(server.pid());
    server.stop();

    assert!(total >= 100 << 20, "only {total} bytes arrived");
    assert!(
        String::from_utf8_lossy(&tail).trim_end().ends_with('}'),
        "the list was cut short"
    );
    let growth_mib = (after.saturating_sub(before)) / 1024;
    assert!(
        growth_mib < 32,
        "peak RSS grew by {growth_mib} MiB while streaming {} MiB",
        total >> 20
    );
}

#[actix_web::test]
async fn watches_beyond_a_servers_http2_stream_limit_still_open_and_flow() {
    // 128 concurrent streams per connection, nginx's default (Go's is 250, kube-apiserver's 1,000):
    // on one HTTP/2 connection per worker, the 129th watch would wait for one of the others to end.
    let tls = ServingTls::localhost();
    let upstream = WatchUpstream::start(&tls.cert_path(), &tls.key_path(), 128).await;
    let server = format!("https://{}", upstream.tls);
    let kubeconfig = Kubeconfig::single(KubeCluster::new(&server).ca_file(tls.ca_path()), None);
    let app = App::builder().kubeconfig(&kubeconfig.write()).start().await;

    let mut watches = Vec::new();
    for n in 0..400 {
        let mut connection = app.raw().connect().await;
        connection
            .send(b"GET /clusters/fake/api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await;
        let head = tokio::time::timeout(Duration::from_secs(10), connection.read_head())
            .await
            .unwrap_or_else(|_| panic!("watch {n} got no answer within 10 s"));
        assert_eq!(head.status, 200, "watch {n}: {head:?}");
        watches.push(connection);
    }
    assert_eq!(upstream.emit("after-400").await, 400);
    for (n, connection) in watches.iter_mut().enumerate() {
        tokio::time::timeout(Duration::from_secs(10), connection.read_until("after-400"))
            .await
            .unwrap_or_else(|_| panic!("watch {n} did not get the event"));
    }
}
