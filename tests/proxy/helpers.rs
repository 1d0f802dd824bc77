use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use awc::Client;
use bytes::Bytes;
use fake_apiserver::FakeApiServer;
use futures_util::StreamExt;
use lamplight::settings::Settings;
use lamplight::startup::Application;

pub const ADMIN_TOKEN: &str = "admin-token";
pub const DEV_TOKEN: &str = "dev-token";
pub const ALICE_TOKEN: &str = "alice-token";

/// The fake API server with its users: `admin` (may impersonate, used by Lamplight's kubeconfig),
/// `dev` (forbidden from secrets) and `alice` (a token a proxy might hand over).
pub async fn fake() -> FakeApiServer {
    FakeApiServer::builder()
        .record_requests(10_000)
        .user(ADMIN_TOKEN, "admin", &["system:masters"])
        .user(DEV_TOKEN, "dev", &["dev"])
        .user(ALICE_TOKEN, "alice", &["alice-group"])
        .forbid("dev", "secrets")
        .impersonator("admin")
        .log_interval(Duration::from_millis(100))
        .start()
        .await
        .expect("the fake API server starts")
}

pub fn write_kubeconfig(dir: &Path, server: &str, user_yaml: &str, cluster_extra: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
         clusters:\n- name: fake\n  cluster:\n    server: {server}\n{cluster_extra}\
         users:\n- name: lamplight\n  user:\n{user_yaml}\
         contexts:\n- name: fake\n  context: {{cluster: fake, user: lamplight}}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

pub struct Stack {
    pub fake: FakeApiServer,
    pub app: SocketAddr,
    pub dir: tempfile::TempDir,
}

impl Stack {
    /// Lamplight (plain HTTP, no auth mode unless `flags` say so) in front of the fake, whose
    /// kubeconfig user is `admin`.
    pub async fn start(flags: &[&str]) -> Stack {
        let fake = fake().await;
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = write_kubeconfig(
            dir.path(),
            fake.url(),
            &format!("    token: {ADMIN_TOKEN}\n"),
            "",
        );
        let app = spawn_lamplight(&kubeconfig, flags).await;
        Stack { fake, app, dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.app)
    }

    /// The headers of the last request the fake API server received for `path`.
    pub fn seen_headers(&self, path: &str) -> Vec<(String, String)> {
        self.fake
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("the fake API server never saw {path}"))
            .headers
    }

    pub fn seen_user(&self, path: &str) -> Option<String> {
        self.fake
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.path == path)
            .and_then(|r| r.user)
    }
}

pub async fn spawn_lamplight(kubeconfig: &Path, flags: &[&str]) -> SocketAddr {
    let kubeconfig = format!("-kubeconfig={}", kubeconfig.display());
    let mut all = vec!["-listen-addr=127.0.0.1", "-port=0", kubeconfig.as_str()];
    all.extend_from_slice(flags);
    let settings = Settings::from_flags(&all).expect("valid test settings");
    let application = Application::build(settings).await.expect("the app starts");
    let address = application.address();
    actix_web::rt::spawn(application.run_until_stopped());
    address
}

pub fn client() -> Client {
    Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(30))
        .connector(awc::Connector::new().limit(0))
        .finish()
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Reads a streaming body until `lines` complete lines arrived (or panics after 10 s).
pub async fn read_lines<S, E>(stream: &mut S, lines: usize) -> Vec<String>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Debug,
{
    let mut buffer = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let complete = buffer.iter().filter(|b| **b == b'\n').count();
        if complete >= lines {
            let text = String::from_utf8_lossy(&buffer).to_string();
            return text.lines().take(lines).map(String::from).collect();
        }
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "only {complete} of {lines} lines arrived: {}",
                    String::from_utf8_lossy(&buffer)
                )
            })
            .expect("the stream ended early")
            .expect("the stream failed");
        buffer.extend_from_slice(&chunk);
    }
}

/// Polls until `check` holds (or panics after 10 s): for effects that happen asynchronously.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
