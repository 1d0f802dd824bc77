//! A real OpenID provider (the npm `oidc-provider`, see `oidc-provider/provider.mjs`) as a child
//! process: a sign-in is only tested if the other side is a provider others use, with its own idea
//! of redirects, forms, PKCE, refresh-token rotation and logout.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

const PACKAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/oidc-provider");

/// A running provider at `http://127.0.0.1:PORT`, killed when dropped. Every login name is a user
/// (`alice` is in groups `dev` and `ops`, `bob` in `viewers`); any password is accepted.
pub struct OidcProvider {
    issuer: String,
    _child: Child,
}

/// A client to register; see [`OidcProvider::client`].
pub struct Registration<'a> {
    provider: &'a OidcProvider,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    refresh_tokens: bool,
}

/// A registered client's credentials.
#[derive(Clone, Debug)]
pub struct OidcClient {
    pub id: String,
    pub secret: String,
}

impl OidcProvider {
    pub async fn start() -> OidcProvider {
        OidcProvider::start_with(&[]).await
    }

    /// Starts the provider with this environment: `ID_TOKEN_TTL`, `ACCESS_TOKEN_TTL`,
    /// `REFRESH_TOKEN_TTL` (seconds), or `PORT` for a provider that must come up where a server
    /// already expects it.
    pub async fn start_with(env: &[(&str, &str)]) -> OidcProvider {
        assert!(
            Path::new(PACKAGE)
                .join("node_modules/oidc-provider")
                .exists(),
            "the OIDC tests need the npm package oidc-provider: run \
             `npm ci --prefix crates/test-support/oidc-provider` (tests/run does)"
        );
        let mut child = Command::new("node")
            .arg(Path::new(PACKAGE).join("provider.mjs"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node ({e}): tests/run installs it"));
        // Its complaints are kept for the panic message below; read, so a chatty provider never
        // blocks on a full pipe.
        let stderr = Arc::new(Mutex::new(String::new()));
        drain(child.stderr.take().expect("a piped stderr"), stderr.clone());
        let mut stdout = BufReader::new(child.stdout.take().expect("a piped stdout")).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), stdout.next_line()).await;
        let issuer = match first {
            Ok(Ok(Some(line))) => line.strip_prefix("issuer ").map(str::to_string),
            _ => None,
        };
        let Some(issuer) = issuer else {
            // Let it finish dying, so the panic shows all it said.
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            panic!(
                "oidc-provider did not start: {}",
                stderr.lock().expect("not poisoned")
            )
        };
        drain(stdout.into_inner(), Arc::new(Mutex::new(String::new())));
        OidcProvider {
            issuer,
            _child: child,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A client (registered with [`Registration::register`]) that may redirect to `redirect_uri`
    /// and, unless told otherwise, gets refresh tokens.
    pub fn client(&self, redirect_uri: &str) -> Registration<'_> {
        Registration {
            provider: self,
            redirect_uris: vec![redirect_uri.to_string()],
            post_logout_redirect_uris: Vec::new(),
            refresh_tokens: true,
        }
    }
}

impl Registration<'_> {
    pub fn redirect_uri(mut self, uri: &str) -> Self {
        self.redirect_uris.push(uri.to_string());
        self
    }

    /// Where the provider may send the browser after logging out.
    pub fn post_logout_redirect_uri(mut self, uri: &str) -> Self {
        self.post_logout_redirect_uris.push(uri.to_string());
        self
    }

    pub fn without_refresh_tokens(mut self) -> Self {
        self.refresh_tokens = false;
        self
    }

    /// Registers the client at the provider (RFC 7591 dynamic registration).
    pub async fn register(self) -> OidcClient {
        let grants = if self.refresh_tokens {
            json!(["authorization_code", "refresh_token"])
        } else {
            json!(["authorization_code"])
        };
        let mut response = awc::Client::new()
            .post(format!("{}/reg", self.provider.issuer))
            .send_json(&json!({
                "redirect_uris": self.redirect_uris,
                "post_logout_redirect_uris": self.post_logout_redirect_uris,
                "grant_types": grants,
                "response_types": ["code"],
            }))
            .await
            .unwrap_or_else(|e| panic!("register a client at oidc-provider: {e}"));
        let body: Value = response.json().await.expect("a JSON registration");
        assert_eq!(response.status(), 201, "client registration: {body}");
        let field = |name: &str| {
            body[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} in {body}"))
                .to_string()
        };
        OidcClient {
            id: field("client_id"),
            secret: field("client_secret"),
        }
    }
}

/// Reads `pipe` to its end in the background, appending its lines to `into`.
fn drain(pipe: impl AsyncRead + Unpin + Send + 'static, into: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(pipe).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut text = into.lock().expect("not poisoned");
            text.push_str(&line);
            text.push('\n');
        }
    });
}
