//! The `fake-apiserver` program: its listening line, `--kubeconfig-out` used by kubectl,
//! `--record-file`, seeds and latency, signals, and exit status 2 for bad flags.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_apiserver::{WEB_PODS, redact};
use serde_json::Value;

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_fake-apiserver");

/// The program, killed when dropped.
struct Program {
    child: Child,
    url: String,
}

impl Program {
    /// Starts it and waits for its listening line.
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .trim_end()
            .strip_prefix("fake-apiserver listening on ")
            .unwrap_or_else(|| panic!("not the listening line: {line:?}"))
            .to_string();
        Program { child, url }
    }

    /// Sends SIGTERM and returns the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "SIGTERM did not stop the program"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[actix_web::test]
async fn serves_https_writes_a_kubeconfig_for_kubectl_and_records_requests() {
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let tls = pki.server_tls(false);
    let cert = dir.path().join("tls.crt");
    let key = dir.path().join("tls.key");
    // A full chain, CA last: that is the CA the kubeconfig gets.
    std::fs::write(&cert, format!("{}{}", tls.cert_pem, pki.ca_pem())).unwrap();
    std::fs::write(&key, &tls.key_pem).unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let record = dir.path().join("requests.jsonl");
    let args = [
        "--port=0",
        "--tls-cert-file",
        cert.to_str().unwrap(),
        "--tls-key-file",
        key.to_str().unwrap(),
        "--user",
        "admin-token:admin:system:masters",
        "--user",
        "dev-token:dev",
        "--forbid",
        "dev:secrets",
        "--kubeconfig-out",
        kubeconfig.to_str().unwrap(),
        "--kubeconfig-context",
        "lab",
        "--record-file",
        record.to_str().unwrap(),
    ];
    let program = Program::start(&args);
    assert!(
        program.url.starts_with("https://127.0.0.1:"),
        "{}",
        program.url
    );
    let written = std::fs::read_to_string(&kubeconfig).expect("written before the listening line");
    let document: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(document["current-context"], "lab");
    assert_eq!(
        document["clusters"][0]["cluster"]["server"],
        program.url.as_str()
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&kubeconfig).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "it holds a token");

    let kubectl = Kubectl::with_config(&written);
    let pods = kubectl.ok(&["get", "pods"]).await;
    assert!(pods.contains(WEB_PODS[0]), "{pods}");
    let whoami = kubectl
        .ok(&[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ])
        .await;
    assert_eq!(whoami, "admin", "the first user's token");

    let lines: Vec<Value> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let list = lines
        .iter()
        .find(|r| r["path"] == "/api/v1/namespaces/default/pods" && r["method"] == "GET")
        .expect("kubectl's list was recorded");
    assert_eq!(list["user"], "admin");
    assert!(list["query"].is_string() && list["bearer_claims"].is_null());
    let authorization: Vec<&Value> = list["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "authorization")
        .map(|h| &h[1])
        .collect();
    assert_eq!(authorization, [&Value::from(redact("Bearer admin-token"))]);
    let raw = std::fs::read_to_string(&record).unwrap();
    assert!(!raw.contains("admin-token"), "no credential is written");

    assert!(program.terminate().success(), "SIGTERM stops it cleanly");
}

#[actix_web::test]
async fn seeds_more_pods_and_answers_late_when_asked() {
    let program = Program::start(&["--port=0", "--user=t:admin", "--pods=450", "--latency=300"]);
    let started = Instant::now();
    let mut response = client()
        .get(format!("{}/api/v1/pods?limit=1", program.url))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let list: Value = response.json().limit(1 << 20).await.unwrap();
    assert_eq!(
        list["metadata"]["remainingItemCount"].as_u64(),
        Some(450 + 3 - 1),
        "the seeded three pods and the 450 more"
    );
    let mut namespaces = client()
        .get(format!("{}/api/v1/namespaces", program.url))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let namespaces: Value = namespaces.json().limit(1 << 20).await.unwrap();
    let load: Vec<String> = names(&namespaces)
        .into_iter()
        .filter(|n| n.starts_with("load-"))
        .collect();
    assert_eq!(load, ["load-000", "load-001", "load-002"]);
}

#[actix_web::test]
async fn the_demo_flag_brings_the_workload_and_its_users() {
    let program = Program::start(&["--port=0", "--demo", "--churn-interval=50ms"]);
    let mut response = client()
        .get(format!("{}/api/v1/namespaces/team-a/pods", program.url))
        .bearer_auth(fake_apiserver::demo::ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let pods: Value = response.json().await.unwrap();
    assert_eq!(names(&pods).len(), 3, "{pods}");
    assert!(program.terminate().success());
}

#[test]
fn bad_flags_exit_2_with_one_line_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["--port", "http"], "--port"),
        (&["--user", "no-name"], "--user"),
        (&["--latency", "soon"], "--latency"),
        (&["--churn-interval", "2s"], "--demo"),
        (
            &[
                "--tls-cert-file",
                "/nonexistent/crt",
                "--tls-key-file",
                "/nonexistent/key",
            ],
            "--tls-cert-file",
        ),
        (
            &["--oidc-issuer-url", "idp.example", "--oidc-client-id", "x"],
            "--oidc-issuer-url",
        ),
        (
            &[
                "--oidc-issuer-url",
                "https://idp.example",
                "--oidc-client-id",
                "x",
                "--oidc-signing-algs",
                "HS256",
            ],
            "--oidc-signing-algs",
        ),
        (&["--listen-addr", "localhost"], "--listen-addr"),
        (&["--no-such-flag"], "--no-such-flag"),
    ];
    for (args, flag) in cases {
        let output = Command::new(BIN).args(*args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("fake-apiserver: ") && stderr.contains(flag),
            "{args:?}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?}: nothing listened");
    }
}
