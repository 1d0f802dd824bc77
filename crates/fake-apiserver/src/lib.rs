//! A fake Kubernetes API server that real `kubectl` and proxies cannot tell from the real one
//! for the features they use: discovery, CRUD with resourceVersions and managed fields
//! (server-side apply included), watches, tables, logs, exec and port-forward over WebSocket,
//! tokens, OIDC, client certificates, impersonation and a simple RBAC. The crate's README lists
//! what it speaks and where it differs from a real API server.
//!
//! Start it inside an actix runtime:
//!
//! ```no_run
//! # async fn demo() -> Result<(), fake_apiserver::FakeApiError> {
//! use fake_apiserver::FakeApiServer;
//! let fake = FakeApiServer::builder()
//!     .user("admin-token", "admin", &["system:masters"])
//!     .start()
//!     .await?;
//! println!("{}", fake.url());
//! fake.stop().await;
//! # Ok(())
//! # }
//! ```

mod auth;
mod bulk;
mod clock;
mod crud;
mod defaults;
pub mod demo;
mod discovery;
mod disruption;
mod exec;
mod fake_shell;
mod http;
mod load;
mod logs;
mod managed_fields;
mod oidc;
mod openapi;
mod paging;
mod patch;
mod path;
mod portforward;
mod protobuf;
mod recording;
mod resources;
mod reviews;
mod router;
mod scale;
mod seed;
mod selectors;
mod server;
mod state;
mod status;
mod store;
mod table;
mod tls;
mod watch;
mod wsstream;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use serde_json::Value;

use auth::AuthConfig;
pub use managed_fields::FAKE_MANAGER;
use oidc::OidcAuthenticator;
pub use oidc::OidcSettings;
pub use recording::{RecordedRequest, redact};
use state::{BulkConfig, Options, Shared};
use status::ApiError;
use store::Store;
pub use tls::FakeTls;

/// Names of the seeded `web` deployment's pods, for tests that exec into or read logs of one.
pub const WEB_PODS: [&str; 2] = seed::WEB_POD_NAMES;

#[derive(Debug, thiserror::Error)]
pub enum FakeApiError {
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid TLS material: {0}")]
    Tls(String),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("cannot open the record file {path}: {source}")]
    RecordFile {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A store operation failed as the API would have answered it.
    #[error("{reason} ({code}): {message}")]
    Api {
        code: u16,
        reason: String,
        message: String,
    },
}

impl From<ApiError> for FakeApiError {
    fn from(error: ApiError) -> Self {
        FakeApiError::Api {
            code: error.code,
            reason: error.reason.to_string(),
            message: error.message,
        }
    }
}

/// Configures a [`FakeApiServer`]; see the module documentation.
pub struct FakeApiServerBuilder {
    auth: AuthConfig,
    tls: Option<FakeTls>,
    log_interval: Duration,
    bookmark_interval: Duration,
    bulk: Option<BulkConfig>,
    watch_history: usize,
    record_requests: Option<usize>,
    record_file: Option<PathBuf>,
    oidc: Option<OidcSettings>,
    latency: Option<Duration>,
    extra_pods: usize,
    listen: SocketAddr,
}

impl Default for FakeApiServerBuilder {
    fn default() -> Self {
        FakeApiServerBuilder {
            auth: AuthConfig::default(),
            tls: None,
            log_interval: Duration::from_secs(1),
            bookmark_interval: Duration::from_secs(5),
            bulk: None,
            watch_history: 1000,
            record_requests: None,
            record_file: None,
            oidc: None,
            latency: None,
            extra_pods: 0,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl FakeApiServerBuilder {
    /// A bearer token that authenticates as `user` in `groups` (plus `system:authenticated`).
    pub fn user(mut self, token: &str, user: &str, groups: &[&str]) -> Self {
        self.auth.add_user(token, user, groups);
        self
    }

    /// `user` gets 403 Forbidden for every verb on `resource` (`secrets`, `pods/exec`, `*`).
    pub fn forbid(mut self, user: &str, resource: &str) -> Self {
        self.auth.forbid(user, resource);
        self
    }

    /// `user` may only `get`, `list` and `watch` (403 for every write), like a `view` binding.
    pub fn read_only(mut self, user: &str) -> Self {
        self.auth.read_only(user);
        self
    }

    /// Demo mode only: accept any JWT as its subject, without verifying it.
    pub fn trust_unverified_jwts(mut self) -> Self {
        self.auth.trust_unverified_jwts();
        self
    }

    /// Lets `user` send `Impersonate-*` headers; everyone else gets 403 for them.
    pub fn impersonator(mut self, user: &str) -> Self {
        self.auth.add_impersonator(user);
        self
    }

    /// Serves HTTPS instead of HTTP.
    pub fn tls(mut self, tls: FakeTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// How often `follow=true` log streams print a line of their own.
    pub fn log_interval(mut self, interval: Duration) -> Self {
        self.log_interval = interval;
        self
    }

    /// How often watches with `allowWatchBookmarks=true` get a BOOKMARK.
    pub fn bookmark_interval(mut self, interval: Duration) -> Self {
        self.bookmark_interval = interval;
        self
    }

    /// Serves `count` configmaps of about `bytes_each` bytes in the namespace `bulk`, generated
    /// while the list is streamed.
    pub fn bulk_configmaps(mut self, count: usize, bytes_each: usize) -> Self {
        self.bulk = Some(BulkConfig { count, bytes_each });
        self
    }

    /// How many past events watches can resume from; older resourceVersions get 410 Expired.
    pub fn watch_history(mut self, events: usize) -> Self {
        self.watch_history = events;
        self
    }

    /// Keeps the last `capacity` requests for [`FakeApiServer::requests`], credentials replaced by
    /// fingerprints (see [`redact`]). Off by default: a long-running fake keeps nothing.
    pub fn record_requests(mut self, capacity: usize) -> Self {
        self.record_requests = Some(capacity);
        self
    }

    /// Also appends every request to `path` as one JSON line ([`RecordedRequest`]'s fields),
    /// written as requests arrive.
    pub fn record_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.record_file = Some(path.into());
        self
    }

    /// Verifies bearer JWTs of `issuer_url` for audience `client_id` like kube-apiserver's
    /// `--oidc-issuer-url` and `--oidc-client-id`: the user is `{issuer}#{sub}` by default (see
    /// the other `oidc_*` methods for kube-apiserver's other `--oidc-*` flags).
    pub fn oidc_issuer(mut self, issuer_url: &str, client_id: &str) -> Self {
        let mut settings = OidcSettings::new(issuer_url, client_id);
        if let Some(previous) = self.oidc.take() {
            settings = OidcSettings {
                issuer_url: settings.issuer_url,
                client_id: settings.client_id,
                ..previous
            };
        }
        self.oidc = Some(settings);
        self
    }

    fn oidc_settings(&mut self) -> &mut OidcSettings {
        self.oidc.get_or_insert_with(|| OidcSettings::new("", ""))
    }

    /// `--oidc-username-claim` (default `sub`).
    pub fn oidc_username_claim(mut self, claim: &str) -> Self {
        self.oidc_settings().username_claim = claim.to_string();
        self
    }

    /// `--oidc-username-prefix`: `-` for none; by default `{issuer}#` unless the claim is `email`.
    pub fn oidc_username_prefix(mut self, prefix: &str) -> Self {
        self.oidc_settings().username_prefix = Some(prefix.to_string());
        self
    }

    /// `--oidc-groups-claim` (default: none, the token gives no groups).
    pub fn oidc_groups_claim(mut self, claim: &str) -> Self {
        self.oidc_settings().groups_claim = Some(claim.to_string());
        self
    }

    /// `--oidc-groups-prefix` (default none).
    pub fn oidc_groups_prefix(mut self, prefix: &str) -> Self {
        self.oidc_settings().groups_prefix = prefix.to_string();
        self
    }

    /// `--oidc-signing-algs` (default `RS256`).
    pub fn oidc_signing_algs(mut self, algorithms: &[&str]) -> Self {
        self.oidc_settings().signing_algs = algorithms.iter().map(|a| a.to_string()).collect();
        self
    }

    /// `--oidc-ca-file`: the PEM CA bundle an HTTPS issuer is checked with (else the Web PKI).
    pub fn oidc_ca_pem(mut self, pem: &str) -> Self {
        self.oidc_settings().ca_pem = Some(pem.to_string());
        self
    }

    /// Waits this long before answering every request.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    /// Seeds `count` more pods (with their deployments and replica sets) in namespaces
    /// `load-000`, `load-001`, ... of 200 pods each.
    pub fn extra_pods(mut self, count: usize) -> Self {
        self.extra_pods = count;
        self
    }

    /// Where to listen (default `127.0.0.1:0`, any free port).
    pub fn listen(mut self, address: SocketAddr) -> Self {
        self.listen = address;
        self
    }

    /// Seeds the store and listens; must run inside an actix runtime.
    pub async fn start(self) -> Result<FakeApiServer, FakeApiError> {
        let mut auth = self.auth;
        if let Some(settings) = self.oidc {
            auth.set_oidc(OidcAuthenticator::new(settings)?);
        }
        let tls = self.tls.as_ref().map(tls::server_config).transpose()?;
        let mut recorder = recording::Recorder::new(self.record_requests);
        if let Some(path) = &self.record_file {
            recorder = recorder
                .with_file(path)
                .map_err(|source| FakeApiError::RecordFile {
                    path: path.clone(),
                    source,
                })?;
        }
        let store = Store::new(self.watch_history);
        seed::seed(&store, self.bulk.is_some())?;
        if self.extra_pods > 0 {
            load::seed(&store, self.extra_pods)?;
        }
        let options = Options {
            log_interval: self.log_interval,
            bookmark_interval: self.bookmark_interval,
            bulk: self.bulk,
            started: clock::now(),
            seeded_rv: store.current_rv(),
            latency: self.latency,
        };
        let shared = Arc::new(Shared::new(store, auth, options, recorder));
        for (namespace, pod, line) in seed::seed_logs() {
            shared.logs.append(namespace, pod, &line);
        }
        logs::forget_deleted_pods(&shared);

        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind(self.listen)?;
        let address = listener.local_addr()?;
        let server = server::start(shared.clone(), listener, tls)?;
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Ok(FakeApiServer {
            url: format!("{scheme}://{address}"),
            address,
            shared,
            handle,
        })
    }
}

/// A running fake API server; stopped by [`FakeApiServer::stop`] or when dropped.
pub struct FakeApiServer {
    url: String,
    address: SocketAddr,
    shared: Arc<Shared>,
    handle: ServerHandle,
}

impl FakeApiServer {
    pub fn builder() -> FakeApiServerBuilder {
        FakeApiServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The recorded requests, oldest first, including refused ones.
    ///
    /// # Panics
    /// When the server was not built with [`FakeApiServerBuilder::record_requests`]: a test that
    /// asserts on requests must not pass because nothing was recorded.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.requests()
    }

    pub fn clear_requests(&self) {
        self.shared.recorder.clear();
    }

    /// Watch streams currently open (HTTP and WebSocket).
    pub fn open_watches(&self) -> usize {
        self.shared.open_watches()
    }

    /// A handle that changes objects from another task, for as long as the server lives.
    pub fn objects(&self) -> FakeObjects {
        FakeObjects(Arc::downgrade(&self.shared))
    }

    /// Creates or replaces an object (found by `apiVersion` and `kind`); watchers see it.
    /// Unlike a client's PUT, this may set `status` too.
    pub fn apply(&self, object: Value) -> Result<Value, FakeApiError> {
        Ok(self.shared.store.upsert(object)?)
    }

    /// Deletes an object by resource (`pods`, `deployments` or `deployments.apps`);
    /// `namespace` is "" for cluster-scoped resources.
    pub fn delete(
        &self,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, FakeApiError> {
        delete(&self.shared, resource, namespace, name)
    }

    /// The stored object, if any.
    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let resource = stored_resource(resource).ok()?;
        let namespace = if resource.namespaced { namespace } else { "" };
        self.shared.store.get(resource, namespace, name)
    }

    /// Adds a line to a pod's log; `follow=true` readers of that pod get it at once.
    pub fn append_log(&self, namespace: &str, pod: &str, line: &str) {
        self.shared.logs.append(namespace, pod, line);
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// See [`FakeApiServer::objects`].
#[derive(Clone)]
pub struct FakeObjects(std::sync::Weak<Shared>);

impl FakeObjects {
    /// Like [`FakeApiServer::apply`]; `None` once the server is gone.
    pub fn apply(&self, object: Value) -> Option<Result<Value, FakeApiError>> {
        let shared = self.0.upgrade()?;
        Some(shared.store.upsert(object).map_err(FakeApiError::from))
    }

    /// Like [`FakeApiServer::delete`]; `None` once the server is gone.
    pub fn delete(
        &self,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Option<Result<Value, FakeApiError>> {
        let shared = self.0.upgrade()?;
        Some(delete(&shared, resource, namespace, name))
    }
}

fn stored_resource(name: &str) -> Result<&'static resources::ResourceType, FakeApiError> {
    resources::by_name(name)
        .filter(|r| r.stored)
        .ok_or_else(|| ApiError::not_found("resources", "", name).into())
}

fn delete(
    shared: &Shared,
    resource: &str,
    namespace: &str,
    name: &str,
) -> Result<Value, FakeApiError> {
    let resource = stored_resource(resource)?;
    let namespace = resource.namespaced.then_some(namespace);
    Ok(shared.store.delete(resource, namespace, name, false)?)
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        // The stop command is sent at once; nobody needs to wait for it here.
        std::mem::drop(self.handle.stop(false));
    }
}
