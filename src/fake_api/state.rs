//! What every request handler shares: the store, the users, the recorded requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::auth::AuthConfig;
use super::logs::LogBook;
use super::store::Store;

/// A request as it reached the fake server, for tests that check what a proxy forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, still percent-encoded; empty when there is none.
    pub query: String,
    /// Every header (names lower-cased; repeated headers appear once per value).
    pub headers: Vec<(String, String)>,
    /// The effective user (after impersonation); `None` when authentication failed.
    pub user: Option<String>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The generated `bulk` namespace's configmaps.
#[derive(Debug, Clone, Copy)]
pub struct BulkConfig {
    pub count: usize,
    pub bytes_each: usize,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub log_interval: Duration,
    pub bookmark_interval: Duration,
    pub bulk: Option<BulkConfig>,
    /// When the server started: the creation time and version of generated objects.
    pub started: String,
    pub seeded_rv: u64,
}

pub struct Shared {
    pub store: Store,
    pub auth: AuthConfig,
    pub logs: LogBook,
    pub options: Options,
    requests: Mutex<Vec<RecordedRequest>>,
    open_watches: AtomicUsize,
}

impl Shared {
    pub fn new(store: Store, auth: AuthConfig, options: Options) -> Self {
        Shared {
            store,
            auth,
            logs: LogBook::default(),
            options,
            requests: Mutex::default(),
            open_watches: AtomicUsize::new(0),
        }
    }

    fn requests_lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, request: RecordedRequest) {
        self.requests_lock().push(request);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests_lock().clone()
    }

    pub fn clear_requests(&self) {
        self.requests_lock().clear();
    }

    pub fn open_watches(&self) -> usize {
        self.open_watches.load(Ordering::SeqCst)
    }

    pub fn watch_opened(self: &Arc<Self>) -> WatchGuard {
        self.open_watches.fetch_add(1, Ordering::SeqCst);
        WatchGuard(self.clone())
    }
}

/// Counts a watch as open for exactly as long as its producer lives.
pub struct WatchGuard(Arc<Shared>);

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.0.open_watches.fetch_sub(1, Ordering::SeqCst);
    }
}
