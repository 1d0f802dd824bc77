//! Real kubectl through Lamplight: it must behave as it does against the API server directly.

use serde_json::json;
use test_support::{CLUSTER, DEV_TOKEN, Kubectl, ServingTls, Stack, User};

/// The manifest `kubectl apply` gets, as JSON (which kubectl takes as well as YAML).
fn configmap(value: &str) -> String {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "applied"},
        "data": {"k": value},
    })
    .to_string()
}

const FIRST_POD: [&str; 4] = ["get", "pods", "-o", "jsonpath={.items[0].metadata.name}"];

#[actix_web::test]
async fn get_apply_and_delete() {
    let stack = Stack::start(&[]).await;
    let kubectl = Kubectl::through(&stack.app, CLUSTER);

    let pods = kubectl.run(&["get", "pods"]).await;
    assert!(
        pods.contains("NAME") && pods.contains("READY") && pods.contains("web-"),
        "{pods}"
    );

    let apply = ["apply", "-f", "-"];
    let created = kubectl.run_with_stdin(&apply, &configmap("v1")).await;
    assert!(created.contains("configmap/applied created"), "{created}");
    let configured = kubectl.run_with_stdin(&apply, &configmap("v2")).await;
    assert!(
        configured.contains("configmap/applied configured"),
        "{configured}"
    );

    let value = kubectl
        .run(&["get", "configmap", "applied", "-o", "jsonpath={.data.k}"])
        .await;
    assert_eq!(value, "v2");

    let deleted = kubectl.run(&["delete", "configmap", "applied"]).await;
    assert!(deleted.contains("deleted"), "{deleted}");

    assert!(
        stack
            .fake
            .requests()
            .iter()
            .any(|r| r.method == "PATCH" && r.path.ends_with("/configmaps/applied"))
    );
}

#[actix_web::test]
async fn get_watch_streams_changes() {
    let stack = Stack::start(&[]).await;
    let kubectl = Kubectl::through(&stack.app, CLUSTER);
    let mut watch = kubectl.spawn_lines(&["get", "configmaps", "-w"]);
    watch.wait_for("NAME").await;
    stack
        .fake
        .apply(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "appeared-while-watching", "namespace": "default"},
        }))
        .unwrap();
    watch.wait_for("appeared-while-watching").await;
    watch.stop().await;
}

#[actix_web::test]
async fn logs_follow() {
    let stack = Stack::start(&[]).await;
    let kubectl = Kubectl::through(&stack.app, CLUSTER);
    let pod = kubectl.run(&FIRST_POD).await;

    let mut logs = kubectl.spawn_lines(&["logs", "-f", &pod]);
    stack
        .fake
        .append_log("default", &pod, "followed-by-kubectl");
    logs.wait_for("followed-by-kubectl").await;
    logs.stop().await;
}

#[actix_web::test]
async fn kubectls_own_token_is_used_over_https() {
    // client-go sends bearer tokens only over HTTPS, so Lamplight serves TLS here.
    let tls = ServingTls::localhost();
    let stack = Stack::builder().app(|app| app.tls(&tls)).start().await;
    let kubectl = Kubectl::through_as(&stack.app, CLUSTER, User::token(DEV_TOKEN));

    let whoami = kubectl
        .run(&[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ])
        .await;
    assert_eq!(whoami, "dev");

    let output = kubectl.output(&["get", "secrets"]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Forbidden") || stderr.contains("forbidden"),
        "{stderr}"
    );
}

#[actix_web::test]
async fn exec_runs_a_command() {
    let stack = Stack::start(&[]).await;
    let kubectl = Kubectl::through(&stack.app, CLUSTER);
    let pod = kubectl.run(&FIRST_POD).await;
    let output = kubectl
        .run(&["exec", &pod, "--", "echo", "hello", "from", "exec"])
        .await;
    assert_eq!(output.trim(), "hello from exec");
}
