//! `--demo`: an in-process cluster named `demo` whose workloads change while you watch.

use std::time::Duration;

use serde_json::Value;
use test_support::{App, read_lines};

#[actix_web::test]
async fn demo_mode_serves_a_cluster_that_changes_over_time() {
    let app = App::start(&[
        "--demo",
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1",
        "-proxy-auth-impersonate",
    ])
    .await;
    let client = app.client();
    let base = app.origin();

    let as_alice = |request: awc::ClientRequest| {
        request
            .insert_header(("X-Forwarded-User", "alice"))
            .insert_header(("X-Forwarded-Group", "dev"))
    };
    let mut config = as_alice(client.get(format!("{base}/config")))
        .send()
        .await
        .unwrap();
    let config: Value = config.json().await.unwrap();
    assert_eq!(config["clusters"][0]["name"], "demo");
    assert_eq!(config["clusters"][0]["meta_data"]["source"], "demo");
    let mut list = as_alice(client.get(format!(
        "{base}/clusters/demo/api/v1/namespaces/team-a/pods"
    )))
    .send()
    .await
    .unwrap();
    assert_eq!(list.status(), 200);
    let list: Value = list.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().len() >= 3, "{list}");
    let version = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    // Within a few seconds a worker pod changes, without anyone touching the cluster.
    let mut watch = as_alice(client.get(format!(
        "{base}/clusters/demo/api/v1/namespaces/team-a/pods?watch=true&resourceVersion={version}"
    )))
    .timeout(Duration::from_secs(20))
    .send()
    .await
    .unwrap();
    let event: Value = serde_json::from_str(&read_lines(&mut watch, 1).await[0]).unwrap();
    assert_eq!(event["type"], "MODIFIED", "{event}");
    assert!(
        event["object"]["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("worker-")
    );
}
