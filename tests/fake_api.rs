//! The fake Kubernetes API server, checked with awc and with the real kubectl.
//!
//! kubectl only sends credentials over HTTPS, so every kubectl test serves TLS with a CA made
//! here; the awc tests mostly use plain HTTP.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use awc::ws;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use fake_apiserver::{FakeApiServer, FakeApiServerBuilder, FakeTls, WEB_PODS};
use futures_util::{SinkExt, StreamExt};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};

const KUBECTL: &str = "/usr/bin/kubectl";
const ADMIN: &str = "admin-token";
const DEV: &str = "dev-token";
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

// ---------------------------------------------------------------------------------------------
// Support: servers, clients, certificates, kubectl.
// ---------------------------------------------------------------------------------------------

fn builder() -> FakeApiServerBuilder {
    FakeApiServer::builder()
        .record_requests(10_000)
        .user(ADMIN, "admin", &["system:masters"])
        .user(DEV, "dev", &["dev"])
        .forbid("dev", "secrets")
        .impersonator("admin")
        .log_interval(Duration::from_millis(200))
}

async fn start() -> FakeApiServer {
    builder().start().await.expect("the fake API server starts")
}

fn client() -> awc::Client {
    awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(30))
        .finish()
}

async fn get(fake: &FakeApiServer, path: &str, token: &str) -> (StatusCode, Value) {
    send(client().get(format!("{}{path}", fake.url())), token, None).await
}

async fn send(
    request: awc::ClientRequest,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = if token.is_empty() {
        request
    } else {
        request.bearer_auth(token)
    };
    let mut response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .expect("the request is answered");
    let bytes = response
        .body()
        .limit(256 * 1024 * 1024)
        .await
        .expect("the body arrives");
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)));
    (response.status(), value)
}

fn assert_status(body: &Value, code: u16, reason: &str) {
    assert_eq!(body["kind"], "Status", "{body}");
    assert_eq!(body["apiVersion"], "v1", "{body}");
    assert_eq!(body["status"], "Failure", "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["reason"], reason, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("a list has items")
        .iter()
        .map(|i| {
            i["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn cells(row: &Value) -> &[Value] {
    row["cells"].as_array().expect("a table row has cells")
}

fn configmap(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "default", "labels": {"test": "yes"}},
           "data": {"key": name}})
}

/// Reads a newline-delimited JSON stream (a watch) one event at a time.
struct EventStream {
    response: awc::ClientResponse,
    buffer: Vec<u8>,
}

impl EventStream {
    async fn open(fake: &FakeApiServer, path: &str, accept: Option<&str>) -> Self {
        let mut request = client()
            .get(format!("{}{path}", fake.url()))
            .bearer_auth(ADMIN)
            .timeout(Duration::from_secs(60));
        if let Some(accept) = accept {
            request = request.insert_header(("Accept", accept));
        }
        let response = request.send().await.expect("the watch starts");
        assert_eq!(response.status(), StatusCode::OK);
        EventStream {
            response,
            buffer: Vec::new(),
        }
    }

    /// The next event, or `None` when the stream ended or nothing came within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return Some(serde_json::from_slice(&line).expect("each line is one JSON event"));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match actix_web::rt::time::timeout(left, self.response.next()).await {
                Ok(Some(Ok(chunk))) => self.buffer.extend_from_slice(&chunk),
                _ => return None,
            }
        }
    }
}

/// A private CA issuing server and client certificates.
struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "fake-api-test-ca");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        Pki {
            ca: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    fn issue(&self, params: CertificateParams) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    fn server_tls(&self, verify_clients: bool) -> FakeTls {
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let (cert_pem, key_pem) = self.issue(params);
        FakeTls {
            cert_pem,
            key_pem,
            client_ca_pem: verify_clients.then(|| self.ca_pem()),
        }
    }

    /// A client certificate for `user` in group `group` (CN and O).
    fn client(&self, user: &str, group: &str) -> (String, String) {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, user);
        params
            .distinguished_name
            .push(DnType::OrganizationName, group);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params)
    }

    fn awc_client(&self, identity: Option<&(String, String)>) -> awc::Client {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.ca_pem().as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = match identity {
            Some((cert, key)) => builder
                .with_client_auth_cert(
                    vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                    PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
                )
                .unwrap(),
            None => builder.with_no_client_auth(),
        };
        awc::Client::builder()
            .connector(awc::Connector::new().rustls_0_23(Arc::new(config)))
            .disable_redirects()
            .timeout(Duration::from_secs(30))
            .finish()
    }
}

async fn start_tls(pki: &Pki) -> FakeApiServer {
    builder()
        .tls(pki.server_tls(true))
        .start()
        .await
        .expect("the HTTPS fake API server starts")
}

enum Credentials<'a> {
    Token(&'a str),
    Certificate(&'a (String, String)),
}

/// Real kubectl with a kubeconfig (and discovery cache) of its own.
struct Kubectl {
    dir: tempfile::TempDir,
}

impl Kubectl {
    fn new(fake: &FakeApiServer, pki: &Pki, credentials: Credentials) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let user = match credentials {
            Credentials::Token(token) => format!("    token: {token}"),
            Credentials::Certificate((cert, key)) => format!(
                "    client-certificate-data: {}\n    client-key-data: {}",
                BASE64.encode(cert),
                BASE64.encode(key)
            ),
        };
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: user\n  user:\n{user}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: user\n    namespace: default\ncurrent-context: fake\n",
            fake.url(),
            BASE64.encode(pki.ca_pem())
        );
        std::fs::write(dir.path().join("kubeconfig"), config).unwrap();
        Kubectl { dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(KUBECTL);
        command
            .arg("--kubeconfig")
            .arg(self.dir.path().join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .stdin(Stdio::null());
        command
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        actix_web::rt::task::spawn_blocking(move || command.output().expect("kubectl runs"))
            .await
            .unwrap()
    }

    /// Runs and expects success; returns stdout.
    async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(
            output.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn spawn(&self, args: &[&str]) -> RunningKubectl {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("kubectl starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        RunningKubectl { child, lines }
    }
}

/// A long-running kubectl (`-w`, `-f`), killed when dropped.
struct RunningKubectl {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl RunningKubectl {
    async fn line(&self, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.lines.try_recv() {
                Ok(line) => return Some(line),
                Err(mpsc::TryRecvError::Empty) => {
                    actix_web::rt::time::sleep(Duration::from_millis(20)).await
                }
                Err(mpsc::TryRecvError::Disconnected) => return None,
            }
        }
        None
    }

    async fn line_containing(&self, needle: &str, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.line(left).await {
                Some(line) if line.contains(needle) => return line,
                Some(line) => seen.push(line),
                None => break,
            }
        }
        panic!("no line with {needle:?}; saw {seen:#?}");
    }
}

impl Drop for RunningKubectl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// kubectl against the fake server.
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn kubectl_gets_pods_widgets_and_all_namespaces() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let pods = kubectl.ok(&["get", "pods"]).await;
    let header: Vec<&str> = pods.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    for pod in WEB_PODS {
        let row = pods
            .lines()
            .find(|l| l.starts_with(pod))
            .expect("each web pod is listed");
        assert_eq!(
            row.split_whitespace().collect::<Vec<_>>()[1..4],
            ["1/1", "Running", "0"]
        );
    }
    assert_eq!(
        pods.lines().count(),
        3,
        "only the default namespace: {pods}"
    );

    let wide = kubectl.ok(&["get", "pods", "-A", "-o", "wide"]).await;
    assert!(wide.starts_with("NAMESPACE"), "{wide}");
    assert!(
        wide.lines().next().unwrap().contains("IP") && wide.contains("NODE"),
        "{wide}"
    );
    let coredns = wide
        .lines()
        .find(|l| l.starts_with("kube-system"))
        .expect("kube-system pods");
    assert!(
        coredns.contains("10.244.0.2") && coredns.contains("node-1"),
        "{coredns}"
    );

    let widgets = kubectl.ok(&["get", "widgets"]).await;
    let row = widgets.lines().nth(1).expect("one widget");
    assert!(row.starts_with("blue-widget"), "{widgets}");
    assert_eq!(
        row.split_whitespace().nth(1),
        Some("120m"),
        "the age, rendered: {widgets}"
    );

    // Names kubectl must have resolved through discovery (short names, groups).
    let all = kubectl.ok(&["get", "deploy,svc,cm,no,ns"]).await;
    for expected in [
        "deployment.apps/web",
        "service/web",
        "configmap/web-config",
        "node/node-2",
        "namespace/team-a",
    ] {
        assert!(all.contains(expected), "{expected} missing from {all}");
    }
}

#[actix_web::test]
async fn kubectl_watch_prints_new_pods_and_its_watch_closes_when_killed() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let watch = kubectl.spawn(&["get", "pods", "-w"]);
    assert!(
        watch
            .line_containing("NAME", Duration::from_secs(20))
            .await
            .contains("STATUS")
    );
    for _ in WEB_PODS {
        let line = watch
            .line(Duration::from_secs(10))
            .await
            .expect("a listed pod");
        assert!(WEB_PODS.iter().any(|p| line.starts_with(p)), "{line}");
    }
    eventually("kubectl's watch", || fake.open_watches() == 1).await;

    fake.apply(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "late-pod", "namespace": "default"},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]}}))
        .unwrap();
    let line = watch
        .line_containing("late-pod", Duration::from_secs(10))
        .await;
    assert!(line.contains("Running"), "{line}");

    drop(watch);
    eventually("the watch to close after kubectl died", || {
        fake.open_watches() == 0
    })
    .await;
}

#[actix_web::test]
async fn kubectl_follows_logs() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let logs = kubectl.spawn(&["logs", "-f", "--tail=1", WEB_PODS[0]]);
    let first = logs
        .line(Duration::from_secs(20))
        .await
        .expect("the last stored line");
    assert!(
        first.contains("req=4"),
        "tailLines=1 gives the last line: {first}"
    );
    logs.line_containing("tick=2", Duration::from_secs(10))
        .await;
    fake.append_log("default", WEB_PODS[0], "marker from the test");
    logs.line_containing("marker from the test", Duration::from_secs(10))
        .await;
}

#[actix_web::test]
async fn kubectl_applies_twice_then_deletes() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));
    let manifest = kubectl.path("cm.yaml");
    let yaml = |data: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: default\ndata:\n{data}"
        )
    };

    std::fs::write(&manifest, yaml("  a: \"1\"\n  gone: \"soon\"\n")).unwrap();
    let out = kubectl
        .ok(&["apply", "-f", manifest.to_str().unwrap()])
        .await;
    assert_eq!(out.trim(), "configmap/applied created");
    let stored = fake.get("configmaps", "default", "applied").unwrap();
    assert_eq!(stored["data"], json!({"a": "1", "gone": "soon"}));
    let last_applied =
        stored["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .expect("client-side apply keeps its annotation");
    assert_eq!(
        serde_json::from_str::<Value>(last_applied).unwrap()["data"]["gone"],
        "soon"
    );

    std::fs::write(&manifest, yaml("  a: \"2\"\n  b: \"3\"\n")).unwrap();
    let out = kubectl
        .ok(&["apply", "-f", manifest.to_str().unwrap()])
        .await;
    assert_eq!(out.trim(), "configmap/applied configured");
    let stored = fake.get("configmaps", "default", "applied").unwrap();
    assert_eq!(
        stored["data"],
        json!({"a": "2", "b": "3"}),
        "the removed key is patched away"
    );
    let patch = fake
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .expect("the second apply patches");
    assert_eq!(
        patch.header("content-type"),
        Some("application/strategic-merge-patch+json")
    );

    let out = kubectl.ok(&["delete", "configmap", "applied"]).await;
    assert_eq!(out.trim(), "configmap \"applied\" deleted");
    assert!(fake.get("configmaps", "default", "applied").is_none());
}

/// kubectl's imperative commands post protobuf bodies; `scale` goes through `/scale`.
#[actix_web::test]
async fn kubectl_imperative_creates_and_scale() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    kubectl
        .ok(&[
            "create",
            "configmap",
            "made",
            "--from-literal=a=b",
            "--from-literal=c=d",
        ])
        .await;
    let made = fake.get("configmaps", "default", "made").unwrap();
    assert_eq!(made["data"], json!({"a": "b", "c": "d"}));
    let create = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/configmaps"))
        .unwrap();
    assert_eq!(
        create.header("content-type"),
        Some("application/vnd.kubernetes.protobuf")
    );

    kubectl.ok(&["create", "namespace", "demo"]).await;
    kubectl
        .ok(&[
            "create",
            "deployment",
            "nginx",
            "--image=nginx:1.27",
            "--replicas=2",
            "--port=80",
            "-n",
            "demo",
        ])
        .await;
    let deployment = fake.get("deployments", "demo", "nginx").unwrap();
    assert_eq!(deployment["spec"]["replicas"], 2);
    assert_eq!(
        deployment["spec"]["selector"]["matchLabels"],
        json!({"app": "nginx"})
    );
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1.27");
    assert_eq!(container["ports"], json!([{"containerPort": 80}]));

    let out = kubectl
        .ok(&["scale", "deployment", "nginx", "-n", "demo", "--replicas=5"])
        .await;
    assert_eq!(out.trim(), "deployment.apps/nginx scaled");
    let deployment = fake.get("deployments", "demo", "nginx").unwrap();
    assert_eq!(deployment["spec"]["replicas"], 5);
    assert_eq!(deployment["status"]["readyReplicas"], 5);
    let table = kubectl
        .ok(&["get", "deployment", "nginx", "-n", "demo"])
        .await;
    assert!(table.lines().nth(1).unwrap().contains("5/5"), "{table}");

    kubectl
        .ok(&["run", "tester", "--image=busybox", "--", "sleep", "3600"])
        .await;
    let pod = fake.get("pods", "default", "tester").unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["args"],
        json!(["sleep", "3600"])
    );
    assert_eq!(pod["status"]["phase"], "Running");
}

#[actix_web::test]
async fn kubectl_auth_whoami_for_token_impersonation_and_certificate() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let admin = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let out = admin.ok(&["auth", "whoami", "-o", "json"]).await;
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(review["status"]["userInfo"]["username"], "admin");
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        json!(["system:masters", "system:authenticated"])
    );

    let out = admin
        .ok(&[
            "auth",
            "whoami",
            "--as",
            "bob",
            "--as-group",
            "qa",
            "-o",
            "json",
        ])
        .await;
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(review["status"]["userInfo"]["username"], "bob");
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        json!(["qa", "system:authenticated"])
    );

    let identity = pki.client("alice", "team-x");
    let alice = Kubectl::new(&fake, &pki, Credentials::Certificate(&identity));
    let out = alice.ok(&["auth", "whoami", "-o", "json"]).await;
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(review["status"]["userInfo"]["username"], "alice");
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        json!(["team-x", "system:authenticated"])
    );

    let dev = Kubectl::new(&fake, &pki, Credentials::Token(DEV));
    let refused = dev.run(&["get", "secrets"]).await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("Forbidden")
            && stderr.contains("User \"dev\" cannot list resource \"secrets\""),
        "{stderr}"
    );
    assert_eq!(
        dev.ok(&["auth", "can-i", "get", "pods"]).await.trim(),
        "yes"
    );
    let no = dev.run(&["auth", "can-i", "get", "secrets"]).await;
    assert_eq!(String::from_utf8_lossy(&no.stdout).trim(), "no");
    let rules = dev.ok(&["auth", "can-i", "--list"]).await;
    assert!(
        rules.lines().any(|l| l.starts_with("configmaps ")),
        "{rules}"
    );
    assert!(!rules.lines().any(|l| l.starts_with("secrets ")), "{rules}");
}

#[actix_web::test]
async fn kubectl_exec_runs_commands_over_websocket() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let out = kubectl.ok(&["exec", WEB_PODS[0], "--", "echo", "hi"]).await;
    assert_eq!(out, "hi\n");
    let exec = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/exec"))
        .expect("kubectl called exec");
    assert_eq!(
        exec.header("upgrade")
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("websocket")
    );

    let failed = kubectl
        .run(&["exec", WEB_PODS[0], "--", "sh", "-c", "exit 3"])
        .await;
    assert_eq!(failed.status.code(), Some(3));

    let mut command = kubectl.command(&["exec", "-i", WEB_PODS[1], "--", "cat"]);
    command.stdin(Stdio::piped()).stdout(Stdio::piped());
    let output = actix_web::rt::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"typed in\n").unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "typed in\n");
}

// ---------------------------------------------------------------------------------------------
// Authentication, authorization, impersonation, recording.
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn requests_without_known_credentials_get_401_and_are_recorded() {
    let fake = start().await;
    let (code, body) = get(&fake, "/api/v1/namespaces/default/pods", "").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_status(&body, 401, "Unauthorized");
    let (code, _) = get(&fake, "/version", "wrong-token").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, _) = get(&fake, "/version", ADMIN).await;
    assert_eq!(code, StatusCode::OK);

    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].path, "/api/v1/namespaces/default/pods");
    assert_eq!(requests[0].user, None);
    assert!(requests[1].authorization_is("Bearer wrong-token"));
    assert!(
        !format!("{requests:?}").contains("wrong-token"),
        "recordings keep no credentials"
    );
    assert_eq!(requests[1].user, None);
    assert_eq!(requests[2].user.as_deref(), Some("admin"));
    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[actix_web::test]
async fn dev_is_forbidden_secrets_only() {
    let fake = start().await;
    let (code, body) = get(&fake, "/api/v1/namespaces/default/secrets", DEV).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_status(&body, 403, "Forbidden");
    assert_eq!(
        body["message"],
        "secrets is forbidden: User \"dev\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""
    );
    let (code, body) = get(
        &fake,
        "/api/v1/namespaces/default/secrets/web-credentials",
        DEV,
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body["details"],
        json!({"name": "web-credentials", "kind": "secrets"})
    );

    let (code, _) = get(&fake, "/api/v1/namespaces/default/configmaps", DEV).await;
    assert_eq!(code, StatusCode::OK);
    let (code, body) = get(&fake, "/api/v1/namespaces/default/secrets", ADMIN).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(names(&body), ["web-credentials"]);
}

#[actix_web::test]
async fn impersonation_is_for_impersonators_and_rbac_follows_the_effective_user() {
    let fake = start().await;
    let whoami = |token: &'static str, headers: Vec<(&'static str, &'static str)>| {
        let mut request = client().post(format!(
            "{}/apis/authentication.k8s.io/v1/selfsubjectreviews",
            fake.url()
        ));
        for header in headers {
            request = request.append_header(header);
        }
        send(
            request,
            token,
            Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
        )
    };

    let (code, review) = whoami(
        ADMIN,
        vec![
            ("Impersonate-User", "bob"),
            ("Impersonate-Group", "qa"),
            ("Impersonate-Group", "ops"),
            ("Impersonate-Extra-Scopes", "view"),
        ],
    )
    .await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(review["kind"], "SelfSubjectReview");
    assert_eq!(
        review["status"]["userInfo"],
        json!({"username": "bob", "groups": ["qa", "ops", "system:authenticated"], "extra": {"scopes": ["view"]}})
    );
    assert_eq!(fake.requests().last().unwrap().user.as_deref(), Some("bob"));

    let (code, body) = whoami(DEV, vec![("Impersonate-User", "bob")]).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_status(&body, 403, "Forbidden");
    assert_eq!(
        body["message"],
        "users \"bob\" is forbidden: User \"dev\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );

    let as_dev = client()
        .get(format!("{}/api/v1/namespaces/default/secrets", fake.url()))
        .insert_header(("Impersonate-User", "dev"));
    let (code, _) = send(as_dev, ADMIN, None).await;
    assert_eq!(
        code,
        StatusCode::FORBIDDEN,
        "forbid applies to whom admin impersonates"
    );
    assert_eq!(fake.requests().last().unwrap().user.as_deref(), Some("dev"));
}

#[actix_web::test]
async fn https_with_client_certificates_tokens_and_nothing() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    assert!(fake.url().starts_with("https://127.0.0.1:"));
    let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});

    let alice = pki.client("alice", "team-x");
    let request = pki
        .awc_client(Some(&alice))
        .post(format!("{}{path}", fake.url()));
    let (code, body) = send(request, "", Some(review.clone())).await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(body["status"]["userInfo"]["username"], "alice");
    assert_eq!(
        body["status"]["userInfo"]["groups"],
        json!(["team-x", "system:authenticated"])
    );

    let request = pki.awc_client(None).post(format!("{}{path}", fake.url()));
    let (_, body) = send(request, ADMIN, Some(review.clone())).await;
    assert_eq!(body["status"]["userInfo"]["username"], "admin");

    let request = pki
        .awc_client(None)
        .get(format!("{}/api/v1/pods", fake.url()));
    let (code, body) = send(request, "", None).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_status(&body, 401, "Unauthorized");

    // A certificate from another CA is refused during the handshake.
    let stranger = Pki::new().client("mallory", "system:masters");
    let refused = pki
        .awc_client(Some(&stranger))
        .get(format!("{}/api/v1/pods", fake.url()))
        .send()
        .await;
    assert!(refused.is_err(), "an unknown CA must not authenticate");
}

// ---------------------------------------------------------------------------------------------
// Discovery and the REST verbs.
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn discovery_documents() {
    let fake = start().await;
    let (_, version) = get(&fake, "/version", ADMIN).await;
    assert_eq!(version["major"], "1");
    assert!(version["gitVersion"].as_str().unwrap().starts_with("v1."));

    let (_, core) = get(&fake, "/api/v1", ADMIN).await;
    assert_eq!(core["kind"], "APIResourceList");
    let pods = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods")
        .unwrap();
    assert_eq!(pods["shortNames"], json!(["po"]));
    assert_eq!(pods["namespaced"], true);
    assert!(pods["verbs"].as_array().unwrap().contains(&json!("watch")));
    let nodes = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "nodes")
        .unwrap();
    assert_eq!(nodes["namespaced"], false);

    let (_, groups) = get(&fake, "/apis", ADMIN).await;
    let group_names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    for group in [
        "apps",
        "apiextensions.k8s.io",
        "example.com",
        "authentication.k8s.io",
    ] {
        assert!(group_names.contains(&group), "{group} in {group_names:?}");
    }
    let (_, widgets) = get(&fake, "/apis/example.com/v1", ADMIN).await;
    assert_eq!(widgets["groupVersion"], "example.com/v1");
    assert_eq!(widgets["resources"][0]["kind"], "Widget");

    let (_, root) = get(&fake, "/", ADMIN).await;
    let paths = root["paths"].as_array().unwrap();
    assert!(paths.contains(&json!("/apis/example.com/v1")) && paths.contains(&json!("/version")));

    let (code, body) = get(&fake, "/apis/nothing.example/v1", ADMIN).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_status(&body, 404, "NotFound");
}

#[actix_web::test]
async fn lists_honour_namespaces_selectors_and_limits() {
    let fake = start().await;
    let (_, all) = get(&fake, "/api/v1/pods", ADMIN).await;
    assert_eq!(all["kind"], "PodList");
    assert_eq!(all["apiVersion"], "v1");
    assert!(
        all["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(names(&all).len(), 3);
    let (_, default) = get(&fake, "/api/v1/namespaces/default/pods", ADMIN).await;
    let mut expected = WEB_PODS.map(String::from).to_vec();
    expected.sort();
    assert_eq!(names(&default), expected);
    let pod = &default["items"][0];
    assert_eq!(pod["status"]["phase"], "Running");
    assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
    assert!(pod["metadata"]["uid"].is_string() && pod["metadata"]["creationTimestamp"].is_string());

    let (_, selected) = get(
        &fake,
        "/api/v1/pods?labelSelector=app%3Dweb%2Cmissing!%3Dx",
        ADMIN,
    )
    .await;
    assert_eq!(names(&selected).len(), 2);
    let (_, by_field) = get(
        &fake,
        &format!("/api/v1/pods?fieldSelector=metadata.name%3D{}", WEB_PODS[1]),
        ADMIN,
    )
    .await;
    assert_eq!(names(&by_field), [WEB_PODS[1]]);
    let (_, by_namespace) = get(
        &fake,
        "/api/v1/pods?fieldSelector=metadata.namespace%3Dkube-system",
        ADMIN,
    )
    .await;
    assert_eq!(names(&by_namespace), ["coredns-7db6d8ff4d-lk8zt"]);

    let (_, page) = get(&fake, "/api/v1/pods?limit=2", ADMIN).await;
    assert_eq!(names(&page).len(), 2);
    let token = page["metadata"]["continue"]
        .as_str()
        .expect("a continue token");
    let (_, rest) = get(
        &fake,
        &format!("/api/v1/pods?limit=2&continue={token}"),
        ADMIN,
    )
    .await;
    assert_eq!(
        names(&rest),
        ["coredns-7db6d8ff4d-lk8zt"],
        "namespace, then name order"
    );
    assert!(rest["metadata"].get("continue").is_none());
}

#[actix_web::test]
async fn create_update_patch_delete_with_real_status_answers() {
    let fake = start().await;
    let url = |path: &str| format!("{}/api/v1/namespaces/default/configmaps{path}", fake.url());

    let (code, created) = send(client().post(url("")), ADMIN, Some(configmap("one"))).await;
    assert_eq!(code, StatusCode::CREATED);
    let rv: u64 = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (code, body) = send(client().post(url("")), ADMIN, Some(configmap("one"))).await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert_status(&body, 409, "AlreadyExists");
    assert_eq!(body["message"], "configmaps \"one\" already exists");

    let generated = json!({"metadata": {"generateName": "gen-"}, "data": {}});
    let (code, body) = send(client().post(url("")), ADMIN, Some(generated)).await;
    assert_eq!(code, StatusCode::CREATED);
    let name = body["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");

    let mut update = created.clone();
    update["data"]["key"] = json!("updated");
    let (code, updated) = send(client().put(url("/one")), ADMIN, Some(update.clone())).await;
    assert_eq!(code, StatusCode::OK);
    let new_rv: u64 = updated["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(new_rv > rv, "resourceVersion grows: {rv} -> {new_rv}");
    assert_eq!(updated["metadata"]["uid"], created["metadata"]["uid"]);
    let (code, body) = send(client().put(url("/one")), ADMIN, Some(update)).await;
    assert_eq!(code, StatusCode::CONFLICT, "a stale resourceVersion");
    assert_status(&body, 409, "Conflict");

    let merge = client()
        .patch(url("/one"))
        .content_type("application/merge-patch+json");
    let (code, patched) = send(
        merge,
        ADMIN,
        Some(json!({"data": {"key": null, "added": "1"}})),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(patched["data"], json!({"added": "1"}));
    let json_patch = client()
        .patch(url("/one"))
        .content_type("application/json-patch+json");
    let ops = json!([{"op": "replace", "path": "/data/added", "value": "2"}]);
    let (_, patched) = send(json_patch, ADMIN, Some(ops)).await;
    assert_eq!(patched["data"]["added"], "2");

    let (code, body) = send(client().delete(url("/one")), ADMIN, None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body["kind"], "Status");
    assert_eq!(body["status"], "Success");
    assert_eq!(body["details"]["name"], "one");
    let (code, body) = get(&fake, "/api/v1/namespaces/default/configmaps/one", ADMIN).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_status(&body, 404, "NotFound");
    assert_eq!(body["message"], "configmaps \"one\" not found");

    let (code, body) = send(client().put(url("")), ADMIN, Some(configmap("x"))).await;
    assert_eq!(code, StatusCode::METHOD_NOT_ALLOWED);
    assert_status(&body, 405, "MethodNotAllowed");
    let (code, body) = send(
        client().post(url("")),
        ADMIN,
        Some(json!({"metadata": {"name": "Not_Valid"}})),
    )
    .await;
    assert_eq!(code.as_u16(), 422);
    assert_status(&body, 422, "Invalid");
    let bad_json = client()
        .post(url(""))
        .bearer_auth(ADMIN)
        .content_type("application/json");
    let mut response = bad_json.send_body("{not json").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_status(&response.json::<Value>().await.unwrap(), 400, "BadRequest");
}

#[actix_web::test]
async fn tables_have_kubectl_columns() {
    let fake = start().await;
    let request = client()
        .get(format!("{}/api/v1/namespaces/default/pods", fake.url()))
        .insert_header(("Accept", TABLE));
    let (_, table) = send(request, ADMIN, None).await;
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    assert!(table["metadata"]["resourceVersion"].is_string());
    let columns: Vec<(&str, u64)> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["priority"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        columns,
        [
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1)
        ]
    );
    assert_eq!(table["columnDefinitions"][0]["format"], "name");
    assert_eq!(table["columnDefinitions"][0]["type"], "string");
    let row = &table["rows"][0];
    assert_eq!(row["cells"][0], WEB_PODS[1], "sorted by name");
    assert_eq!(
        cells(row)[1..5],
        [json!("1/1"), json!("Running"), json!("0"), json!("5h")]
    );
    assert_eq!(row["cells"][6], "node-2");
    assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(row["object"]["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(row["object"]["metadata"]["name"], WEB_PODS[1]);

    let request = client()
        .get(format!(
            "{}/apis/apps/v1/namespaces/default/deployments?includeObject=Object",
            fake.url()
        ))
        .insert_header(("Accept", TABLE));
    let (_, table) = send(request, ADMIN, None).await;
    let names: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names[..5],
        ["Name", "Ready", "Up-to-date", "Available", "Age"]
    );
    assert_eq!(
        cells(&table["rows"][0])[..4],
        [json!("web"), json!("2/2"), json!(2), json!(2)]
    );
    assert_eq!(table["rows"][0]["object"]["kind"], "Deployment");
    assert_eq!(table["rows"][0]["object"]["spec"]["replicas"], 2);

    let request = client()
        .get(format!(
            "{}/api/v1/namespaces/default/services/web",
            fake.url()
        ))
        .insert_header(("Accept", TABLE));
    let (_, table) = send(request, ADMIN, None).await;
    assert_eq!(table["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        cells(&table["rows"][0])[..5],
        [
            json!("web"),
            json!("ClusterIP"),
            json!("10.96.12.34"),
            json!("<none>"),
            json!("80/TCP")
        ]
    );

    let request = client()
        .get(format!(
            "{}/apis/example.com/v1/namespaces/default/widgets",
            fake.url()
        ))
        .insert_header(("Accept", TABLE));
    let (_, table) = send(request, ADMIN, None).await;
    let names: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Name", "Age"]);
}

// ---------------------------------------------------------------------------------------------
// Watches.
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Logs, exec, bulk lists.
// ---------------------------------------------------------------------------------------------

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

/// A text stream read line by line (logs).
struct EventStreamText {
    response: awc::ClientResponse,
    buffer: String,
}

impl EventStreamText {
    async fn open(fake: &FakeApiServer, path: &str) -> Self {
        let response = client()
            .get(format!("{}{path}", fake.url()))
            .bearer_auth(ADMIN)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .unwrap();
        EventStreamText {
            response,
            buffer: String::new(),
        }
    }

    async fn next_line(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find('\n') {
                let line: String = self.buffer.drain(..=end).collect();
                return Some(line.trim_end().to_string());
            }
            let chunk = actix_web::rt::time::timeout(Duration::from_secs(5), self.response.next())
                .await
                .expect("a line in time")?
                .ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

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

#[actix_web::test]
async fn bulk_configmaps_stream_as_one_valid_list() {
    let count = 20_000;
    let fake = builder().bulk_configmaps(count, 200).start().await.unwrap();
    let mut response = client()
        .get(format!("{}/api/v1/namespaces/bulk/configmaps", fake.url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers().get("content-length").is_none(),
        "streamed, not buffered"
    );
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    assert!(body.len() > count * 200);
    let list: Value = serde_json::from_slice(&body).expect("one valid JSON list");
    assert_eq!(list["kind"], "ConfigMapList");
    let listed = names(&list);
    assert_eq!(listed.len(), count);
    assert_eq!(listed[0], "bulk-000000");
    assert_eq!(listed[count - 1], format!("bulk-{:06}", count - 1));
    assert_eq!(
        list["items"][7]["data"]["payload"].as_str().unwrap().len(),
        200
    );

    let (_, page) = get(
        &fake,
        "/api/v1/namespaces/bulk/configmaps?limit=3&labelSelector=shard%3D4",
        ADMIN,
    )
    .await;
    assert_eq!(names(&page), ["bulk-000004", "bulk-000014", "bulk-000024"]);
    let token = page["metadata"]["continue"].as_str().unwrap();
    let (_, next) = get(
        &fake,
        &format!(
            "/api/v1/namespaces/bulk/configmaps?limit=1&labelSelector=shard%3D4&continue={token}"
        ),
        ADMIN,
    )
    .await;
    assert_eq!(names(&next), ["bulk-000034"]);
    let (code, one) = get(
        &fake,
        "/api/v1/namespaces/bulk/configmaps/bulk-000123",
        ADMIN,
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(one["data"]["index"], "123");
}
