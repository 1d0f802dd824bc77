//! Lamplight in-process, zero2prod's way: bind port 0, spawn the server on the test's runtime, hand
//! back the address. Tests then talk to it over real sockets, as a browser or kubectl would.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use lamplight::settings::{Loaded, Settings};
use lamplight::startup::Application;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::Value;

use crate::kubeconfig::KubeconfigFile;
use crate::pki::ServingTls;
use crate::raw_http::RawHttp;

/// A running Lamplight. It stops with the test's runtime.
pub struct App {
    address: SocketAddr,
    /// The CA of the certificate it serves, when it serves HTTPS.
    tls_ca: Option<String>,
    /// Token files, exec plugins and certificates the kubeconfig names are read after start-up,
    /// so its directory lives as long as the app.
    _kubeconfigs: Vec<KubeconfigFile>,
}

/// Flags and files for an [`App`]; see [`App::builder`].
pub struct AppBuilder {
    listen_addr: String,
    port: u16,
    kubeconfigs: Vec<KubeconfigFile>,
    tls: Option<(String, [String; 2])>,
    flags: Vec<String>,
    env: Vec<(String, String)>,
}

impl App {
    /// Lamplight on 127.0.0.1, port 0, with no kubeconfig (so no clusters) unless given one.
    pub fn builder() -> AppBuilder {
        AppBuilder {
            listen_addr: "127.0.0.1".to_string(),
            port: 0,
            kubeconfigs: Vec::new(),
            tls: None,
            flags: Vec::new(),
            env: Vec::new(),
        }
    }

    /// Lamplight with these flags and nothing else.
    pub async fn start(flags: &[&str]) -> App {
        App::builder().flags(flags).start().await
    }

    /// The bound address: `[::]:PORT` when listening on every IPv6 address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// `http://127.0.0.1:PORT` (or `https://`): what a browser on this machine would type.
    pub fn origin(&self) -> String {
        let scheme = if self.tls_ca.is_some() {
            "https"
        } else {
            "http"
        };
        // An unspecified listen address is reached through the loopback of its family.
        let ip = match self.address.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("{scheme}://{}", SocketAddr::new(ip, self.address.port()))
    }

    /// The absolute URL of `path` (which starts with `/`, and may carry a query).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// The PEM of the CA that signed the app's certificate, when it serves HTTPS.
    pub fn tls_ca(&self) -> Option<&str> {
        self.tls_ca.as_deref()
    }

    /// An HTTP client for this app: [`client`], trusting the app's CA when it serves HTTPS.
    pub fn client(&self) -> awc::Client {
        build_client(self.tls_ca.as_deref().map(trusting))
    }

    /// Exact bytes to this app, for requests no HTTP library would send.
    pub fn raw(&self) -> RawHttp {
        RawHttp::new(self.address)
    }

    /// `/readyz`, parsed.
    pub async fn readyz(&self) -> Value {
        let mut response = self
            .client()
            .get(self.url("/readyz"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET /readyz: {e}"));
        response
            .json()
            .await
            .unwrap_or_else(|e| panic!("/readyz is not JSON: {e}"))
    }

    /// Waits until the app has read its OpenID provider's discovery document: before that, `/oidc`
    /// answers 503, and a test would be testing the start-up race rather than the sign-in.
    pub async fn wait_for_oidc_discovery(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let ready = self.readyz().await;
            if ready["checks"]["oidc"] == "discovered" {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "OIDC discovery did not finish: {ready}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Returns once the server answers HTTP at all (any status: the routes may live under
    /// `-base-url`), so a failure to serve shows here rather than as a puzzling test failure.
    async fn wait_until_serving(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let client = self.client();
        loop {
            match client.get(self.url("/healthz")).send().await {
                Ok(_) => return,
                Err(error) if tokio::time::Instant::now() >= deadline => {
                    panic!("Lamplight at {} does not answer: {error}", self.origin())
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}

impl AppBuilder {
    /// One more command-line flag, as a user would type it (`-proxy-auth=true`).
    pub fn flag(mut self, flag: impl Into<String>) -> Self {
        self.flags.push(flag.into());
        self
    }

    pub fn flags<S: AsRef<str>>(mut self, flags: &[S]) -> Self {
        self.flags
            .extend(flags.iter().map(|flag| flag.as_ref().to_string()));
        self
    }

    /// An environment variable as the server would see it (`KUBERNETES_SERVICE_HOST` for
    /// `-in-cluster`, `HEADLAMP_CONFIG_*`); the test process's own environment is never read.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Reads clusters from this kubeconfig; given several times, from all of them in order
    /// (`-kubeconfig=a:b`).
    pub fn kubeconfig(mut self, kubeconfig: &KubeconfigFile) -> Self {
        self.kubeconfigs.push(kubeconfig.clone());
        self
    }

    /// Listens on this address instead of 127.0.0.1: `::` for the dual-stack tests.
    pub fn listen_addr(mut self, address: &str) -> Self {
        self.listen_addr = address.to_string();
        self
    }

    /// Listens on this port instead of port 0. Only for a URL that must be known before the app
    /// exists (an OIDC redirect URI); see [`free_port`].
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves HTTPS with this certificate (`-tls-cert-path`, `-tls-key-path`).
    pub fn tls(mut self, tls: &ServingTls) -> Self {
        let flags = [
            format!("-tls-cert-path={}", tls.cert_path().display()),
            format!("-tls-key-path={}", tls.key_path().display()),
        ];
        self.tls = Some((tls.ca().pem().to_string(), flags));
        self
    }

    /// Builds and spawns the app, and waits until it answers.
    pub async fn start(self) -> App {
        let mut flags = vec![
            format!("-listen-addr={}", self.listen_addr),
            format!("-port={}", self.port),
        ];
        if !self.kubeconfigs.is_empty() {
            flags.push(KubeconfigFile::flag_all(&self.kubeconfigs));
        }
        if let Some((_, tls_flags)) = &self.tls {
            flags.extend(tls_flags.iter().cloned());
        }
        flags.extend(self.flags);
        let args = std::iter::once("lamplight".to_string()).chain(flags.iter().cloned());
        let settings = match Settings::load_from(args, self.env.clone()) {
            Ok(Loaded::Run(settings)) => *settings,
            Ok(Loaded::Print(text)) => panic!("the flags {flags:?} asked for --help: {text}"),
            Err(e) => panic!("invalid test settings {flags:?} {:?}: {e}", self.env),
        };
        let application = Application::build(settings)
            .await
            .unwrap_or_else(|e| panic!("Lamplight did not start with {flags:?}: {e}"));
        let app = App {
            address: application.address(),
            tls_ca: self.tls.map(|(ca, _)| ca),
            _kubeconfigs: self.kubeconfigs,
        };
        actix_web::rt::spawn(application.run_until_stopped());
        app.wait_until_serving().await;
        app
    }
}

/// An HTTP client as tests want one: redirects are the answer under test, not something to follow;
/// no limit on connections (a test opens 120 watches); a timeout so a hang fails the test.
pub fn client() -> awc::Client {
    build_client(None)
}

fn build_client(tls: Option<Arc<rustls::ClientConfig>>) -> awc::Client {
    let mut connector = awc::Connector::new().limit(0);
    if let Some(config) = tls {
        connector = connector.rustls_0_23(config);
    }
    awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(30))
        .connector(connector)
        .finish()
}

/// A rustls client configuration trusting only `ca_pem`.
fn trusting(ca_pem: &str) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots
            .add(certificate.expect("the test CA is PEM"))
            .expect("the test CA is a certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// A port that was free a moment ago. Racy (another process may take it before the app binds it),
/// so only for what must know the port before the app exists: an OIDC client's redirect URI is
/// registered at the provider before Lamplight starts with that client's id.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}
