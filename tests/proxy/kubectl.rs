//! Real kubectl through Lamplight: it must behave as it does against the API server directly.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::{DEV_TOKEN, Stack};
use crate::tls::Ca;

fn kubectl(kubeconfig: &Path, cache: &Path) -> Command {
    let mut command = Command::new("kubectl");
    command
        .arg(format!("--kubeconfig={}", kubeconfig.display()))
        .arg(format!("--cache-dir={}", cache.display()))
        .arg("--request-timeout=20s")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn run(mut command: Command) -> String {
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("kubectl finished")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        output.status.success(),
        "kubectl failed: {stderr}\n{stdout}"
    );
    stdout
}

/// A kubeconfig for kubectl that points at Lamplight's cluster path, with no credentials of its own.
fn through_lamplight(stack: &Stack) -> std::path::PathBuf {
    let path = stack.dir.path().join("kubectl-config");
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: via-lamplight\n\
         clusters:\n- name: lamplight\n  cluster:\n    server: http://{}/clusters/fake\n\
         users:\n- name: nobody\n  user: {{}}\n\
         contexts:\n- name: via-lamplight\n  context: {{cluster: lamplight, user: nobody, namespace: default}}\n",
        stack.app
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Reads lines of a long-running kubectl until one contains `needle`.
async fn wait_for_line(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    needle: &str,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no line with {needle:?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("kubectl ended before printing {needle:?}"));
        if line.contains(needle) {
            return;
        }
    }
}

#[actix_web::test]
async fn get_apply_and_delete() {
    let stack = Stack::start(&[]).await;
    let config = through_lamplight(&stack);
    let cache = stack.dir.path().join("cache");

    let mut get = kubectl(&config, &cache);
    get.args(["get", "pods"]);
    let pods = run(get).await;
    assert!(
        pods.contains("NAME") && pods.contains("READY") && pods.contains("web-"),
        "{pods}"
    );

    let manifest = stack.dir.path().join("cm.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v1\n",
    )
    .unwrap();
    let mut apply = kubectl(&config, &cache);
    apply.args(["apply", "-f"]).arg(&manifest);
    assert!(run(apply).await.contains("configmap/applied created"));
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v2\n",
    )
    .unwrap();
    let mut apply = kubectl(&config, &cache);
    apply.args(["apply", "-f"]).arg(&manifest);
    assert!(run(apply).await.contains("configmap/applied configured"));

    let mut get = kubectl(&config, &cache);
    get.args(["get", "configmap", "applied", "-o", "jsonpath={.data.k}"]);
    assert_eq!(run(get).await, "v2");

    let mut delete = kubectl(&config, &cache);
    delete.args(["delete", "configmap", "applied"]);
    assert!(run(delete).await.contains("deleted"));

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
    let config = through_lamplight(&stack);
    let mut watch = kubectl(&config, &stack.dir.path().join("cache"));
    watch
        .args(["get", "configmaps", "-w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = watch.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    wait_for_line(&mut lines, "NAME").await;
    stack
        .fake
        .apply(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "appeared-while-watching", "namespace": "default"},
        }))
        .unwrap();
    wait_for_line(&mut lines, "appeared-while-watching").await;
    child.kill().await.unwrap();
}

#[actix_web::test]
async fn logs_follow() {
    let stack = Stack::start(&[]).await;
    let config = through_lamplight(&stack);
    let cache = stack.dir.path().join("cache");
    let mut get = kubectl(&config, &cache);
    get.args(["get", "pods", "-o", "jsonpath={.items[0].metadata.name}"]);
    let pod = run(get).await;

    let mut logs = kubectl(&config, &cache);
    logs.args(["logs", "-f", &pod])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = logs.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    stack
        .fake
        .append_log("default", &pod, "followed-by-kubectl");
    wait_for_line(&mut lines, "followed-by-kubectl").await;
    child.kill().await.unwrap();
}

#[actix_web::test]
async fn kubectls_own_token_is_used_over_https() {
    // client-go sends bearer tokens only over HTTPS, so Lamplight serves TLS here.
    let stack_dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("lamplight test CA");
    let (cert, key) = ca.issue(&["127.0.0.1", "localhost"], "lamplight", None, false);
    for (name, text) in [("ca.crt", &ca.pem), ("tls.crt", &cert), ("tls.key", &key)] {
        std::fs::write(stack_dir.path().join(name), text).unwrap();
    }
    let cert_flag = format!(
        "-tls-cert-path={}",
        stack_dir.path().join("tls.crt").display()
    );
    let key_flag = format!(
        "-tls-key-path={}",
        stack_dir.path().join("tls.key").display()
    );
    let stack = Stack::start(&[&cert_flag, &key_flag]).await;

    let config = stack.dir.path().join("token-config");
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: t\n\
         clusters:\n- name: l\n  cluster:\n    server: https://{}/clusters/fake\n    certificate-authority: {}\n\
         users:\n- name: dev\n  user:\n    token: {DEV_TOKEN}\n\
         contexts:\n- name: t\n  context: {{cluster: l, user: dev, namespace: default}}\n",
        stack.app,
        stack_dir.path().join("ca.crt").display()
    );
    std::fs::write(&config, text).unwrap();
    let cache = stack.dir.path().join("cache");

    let mut whoami = kubectl(&config, &cache);
    whoami.args([
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ]);
    assert_eq!(run(whoami).await, "dev");

    let mut secrets = kubectl(&config, &cache);
    secrets.args(["get", "secrets"]);
    let output = secrets.output().await.unwrap();
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
    let config = through_lamplight(&stack);
    let cache = stack.dir.path().join("cache");
    let mut get = kubectl(&config, &cache);
    get.args(["get", "pods", "-o", "jsonpath={.items[0].metadata.name}"]);
    let pod = run(get).await;
    let mut exec = kubectl(&config, &cache);
    exec.args(["exec", &pod, "--", "echo", "hello", "from", "exec"]);
    assert_eq!(run(exec).await.trim(), "hello from exec");
}
