//! A fake Kubernetes API server that real `kubectl` and proxies cannot tell from the real one
//! for the features they use: discovery, CRUD with resourceVersions, watches, tables, logs,
//! exec over WebSocket, tokens, client certificates, impersonation and a simple RBAC.
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
mod exec;
mod fake_shell;
mod http;
mod logs;
mod openapi;
mod paging;
mod patch;
mod path;
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

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use serde_json::Value;

use auth::AuthConfig;
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

    /// Seeds the store and listens on `127.0.0.1:0`; must run inside an actix runtime.
    pub async fn start(self) -> Result<FakeApiServer, FakeApiError> {
        let store = Store::new(self.watch_history);
        seed::seed(&store, self.bulk.is_some());
        let options = Options {
            log_interval: self.log_interval,
            bookmark_interval: self.bookmark_interval,
            bulk: self.bulk,
            started: clock::now(),
            seeded_rv: store.current_rv(),
        };
        let recorder = recording::Recorder::new(self.record_requests);
        let shared = Arc::new(Shared::new(store, self.auth, options, recorder));
        for (namespace, pod, line) in seed::seed_logs() {
            shared.logs.append(namespace, pod, &line);
        }

        let tls = self.tls.as_ref().map(tls::server_config).transpose()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind("127.0.0.1:0")?;
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
        let resource = self.resource(resource)?;
        let namespace = resource.namespaced.then_some(namespace);
        Ok(self.shared.store.delete(resource, namespace, name, false)?)
    }

    /// The stored object, if any.
    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let resource = self.resource(resource).ok()?;
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

    fn resource(&self, name: &str) -> Result<&'static resources::ResourceType, FakeApiError> {
        resources::by_name(name)
            .filter(|r| r.stored)
            .ok_or_else(|| ApiError::not_found("resources", "", name).into())
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
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        // The stop command is sent at once; nobody needs to wait for it here.
        std::mem::drop(self.handle.stop(false));
    }
}
