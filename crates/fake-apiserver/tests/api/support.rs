//! What the tests share: servers, clients, a private PKI, real kubectl, stream readers.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use fake_apiserver::{FakeApiServer, FakeApiServerBuilder, FakeTls};
use futures_util::StreamExt;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};

pub const KUBECTL: &str = "/usr/bin/kubectl";
pub const ADMIN: &str = "admin-token";
pub const DEV: &str = "dev-token";
pub const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// A client's side of a WebSocket: frames in, messages out.
pub trait Frames:
    futures_util::Stream<Item = Result<awc::ws::Frame, awc::error::WsProtocolError>>
    + futures_util::Sink<awc::ws::Message, Error = awc::error::WsProtocolError>
    + Unpin
{
}

impl<T> Frames for T where
    T: futures_util::Stream<Item = Result<awc::ws::Frame, awc::error::WsProtocolError>>
        + futures_util::Sink<awc::ws::Message, Error = awc::error::WsProtocolError>
        + Unpin
{
}

pub fn builder() -> FakeApiServerBuilder {
    FakeApiServer::builder()
        .record_requests(10_000)
        .user(ADMIN, "admin", &["system:masters"])
        .user(DEV, "dev", &["dev"])
        .forbid("dev", "secrets")
        .impersonator("admin")
        .log_interval(Duration::from_millis(200))
}

pub async fn start() -> FakeApiServer {
    builder().start().await.expect("the fake API server starts")
}

pub fn client() -> awc::Client {
    awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(30))
        .finish()
}

pub async fn get(fake: &FakeApiServer, path: &str, token: &str) -> (StatusCode, Value) {
    send(client().get(format!("{}{path}", fake.url())), token, None).await
}

pub async fn send(
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

pub fn assert_status(body: &Value, code: u16, reason: &str) {
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

pub fn names(list: &Value) -> Vec<String> {
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

pub fn cells(row: &Value) -> &[Value] {
    row["cells"].as_array().expect("a table row has cells")
}

pub fn configmap(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "default", "labels": {"test": "yes"}},
           "data": {"key": name}})
}

/// Reads a newline-delimited JSON stream (a watch) one event at a time.
pub struct EventStream {
    response: awc::ClientResponse,
    buffer: Vec<u8>,
}

impl EventStream {
    pub async fn open(fake: &FakeApiServer, path: &str, accept: Option<&str>) -> Self {
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
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
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
pub struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    pub fn new() -> Self {
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

    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    pub fn issue(&self, params: CertificateParams) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    pub fn server_tls(&self, verify_clients: bool) -> FakeTls {
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
    pub fn client(&self, user: &str, group: &str) -> (String, String) {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, user);
        params
            .distinguished_name
            .push(DnType::OrganizationName, group);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params)
    }

    pub fn awc_client(&self, identity: Option<&(String, String)>) -> awc::Client {
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

pub async fn start_tls(pki: &Pki) -> FakeApiServer {
    builder()
        .tls(pki.server_tls(true))
        .start()
        .await
        .expect("the HTTPS fake API server starts")
}

pub enum Credentials<'a> {
    Token(&'a str),
    Certificate(&'a (String, String)),
}

/// Real kubectl with a kubeconfig (and discovery cache) of its own.
pub struct Kubectl {
    dir: tempfile::TempDir,
}

impl Kubectl {
    pub fn new(fake: &FakeApiServer, pki: &Pki, credentials: Credentials) -> Self {
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
        Kubectl::with_config(&config)
    }

    /// kubectl with this kubeconfig.
    pub fn with_config(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kubeconfig"), config).unwrap();
        Kubectl { dir }
    }

    pub fn command(&self, args: &[&str]) -> Command {
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

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        actix_web::rt::task::spawn_blocking(move || command.output().expect("kubectl runs"))
            .await
            .unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(
            output.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    pub fn spawn(&self, args: &[&str]) -> RunningKubectl {
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
pub struct RunningKubectl {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl RunningKubectl {
    pub async fn line(&self, wait: Duration) -> Option<String> {
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

    pub async fn line_containing(&self, needle: &str, wait: Duration) -> String {
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

pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A text stream read line by line (logs).
pub struct EventStreamText {
    response: awc::ClientResponse,
    buffer: String,
}

impl EventStreamText {
    pub async fn open(fake: &FakeApiServer, path: &str) -> Self {
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

    pub async fn next_line(&mut self) -> Option<String> {
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
