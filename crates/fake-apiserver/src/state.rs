//! What every request handler shares: the store, the users, the recorded requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::auth::AuthConfig;
use crate::logs::LogBook;
use crate::recording::Recorder;
use crate::store::Store;

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
    /// Added before every answer, to see how clients cope with a slow API server.
    pub latency: Option<Duration>,
}

pub struct Shared {
    pub store: Store,
    pub auth: AuthConfig,
    pub logs: LogBook,
    pub options: Options,
    pub recorder: Recorder,
    open_watches: AtomicUsize,
}

impl Shared {
    pub fn new(store: Store, auth: AuthConfig, options: Options, recorder: Recorder) -> Self {
        Shared {
            store,
            auth,
            logs: LogBook::default(),
            options,
            recorder,
            open_watches: AtomicUsize::new(0),
        }
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
