//! One pair of HTTP clients per cluster and worker: hyper through hyper-util's pooled client (what
//! kube-rs uses), over the cluster's own rustls configuration. hyper reads interim (`1xx`)
//! responses as interim, so a `103 Early Hints` relayed from a pod never passes for the final
//! response and never leaves that response behind for the next request on the connection
//! (`docs/forwarding-transport.md`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::Request;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::{Client, ResponseFuture};
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::body::RequestBody;
use crate::clusters::ClusterRegistry;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Until the response head: the API server answers or times out itself within a minute.
pub(super) const RESPONSE_HEAD_TIMEOUT: Duration = Duration::from_secs(120);

/// The cluster's URL decides the scheme: an `http://` cluster has no TLS configuration, so its
/// client cannot speak TLS, and a `https://` one gets exactly the rustls configuration its
/// kubeconfig describes.
#[derive(Clone)]
pub(super) enum UpstreamClient {
    Plain(Client<HttpConnector, RequestBody>),
    Tls(Client<HttpsConnector<HttpConnector>, RequestBody>),
}

impl UpstreamClient {
    pub(super) fn request(&self, request: Request<RequestBody>) -> ResponseFuture {
        match self {
            UpstreamClient::Plain(client) => client.request(request),
            UpstreamClient::Tls(client) => client.request(request),
        }
    }
}

pub struct ClusterClients {
    /// HTTP/2 where the server offers it (ALPN).
    pub(super) http: UpstreamClient,
    /// Watches and followed logs, which hold their stream for as long as they last.
    pub(super) watches: WatchLanes,
    /// HTTP/1.1 only: a WebSocket is opened with an HTTP/1.1 upgrade.
    pub(super) upgrade: UpstreamClient,
}

#[derive(Default)]
pub struct UpstreamClients {
    clients: HashMap<String, ClusterClients>,
}

impl UpstreamClients {
    pub fn new(registry: &ClusterRegistry) -> Self {
        let clients = registry
            .iter()
            .filter_map(|cluster| {
                let connection = cluster.connection.as_ref().ok()?;
                let tls = connection.tls.as_ref();
                Some((
                    cluster.name.clone(),
                    ClusterClients {
                        http: client(tls.map(|t| t.http.clone())),
                        watches: WatchLanes::new(tls.map(|t| t.http.clone())),
                        upgrade: client(tls.map(|t| t.upgrade.clone())),
                    },
                ))
            })
            .collect();
        UpstreamClients { clients }
    }

    pub fn get(&self, cluster: &str) -> Option<&ClusterClients> {
        self.clients.get(cluster)
    }
}

/// Long-lived streams per upstream connection, at most: below what servers allow at once on one
/// HTTP/2 connection (nginx 128, Go's default 250, kube-apiserver's 1,000).
const WATCHES_PER_CONNECTION: usize = 100;

/// Watches spread over as many clients (each with its own pool, so its own HTTP/2 connection) as
/// it takes to keep [`WATCHES_PER_CONNECTION`] streams or fewer on each: hyper keeps one HTTP/2
/// connection per host, and once a server's `SETTINGS_MAX_CONCURRENT_STREAMS` is reached on it,
/// every new stream waits for an old one to end, which a watch never does.
pub(super) struct WatchLanes {
    tls: Option<Arc<rustls::ClientConfig>>,
    lanes: Mutex<Vec<Lane>>,
}

struct Lane {
    client: UpstreamClient,
    open: Arc<AtomicUsize>,
}

/// A watch's place on a lane, given back when the watch's response body is dropped.
pub(super) struct LaneTicket(Arc<AtomicUsize>);

impl Drop for LaneTicket {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl WatchLanes {
    fn new(tls: Option<Arc<rustls::ClientConfig>>) -> Self {
        WatchLanes {
            tls,
            lanes: Mutex::default(),
        }
    }

    /// The client for one more watch, and its place on that client's connection.
    pub(super) fn lane(&self) -> (UpstreamClient, LaneTicket) {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        let free = lanes
            .iter()
            .find(|lane| lane.open.load(Ordering::Relaxed) < WATCHES_PER_CONNECTION);
        let lane = match free {
            Some(lane) => lane,
            None => {
                lanes.push(Lane {
                    client: client(self.tls.clone()),
                    open: Arc::default(),
                });
                &lanes[lanes.len() - 1]
            }
        };
        lane.open.fetch_add(1, Ordering::Relaxed);
        (lane.client.clone(), LaneTicket(lane.open.clone()))
    }
}

/// A client that follows no redirect, adds no header but `Host` and a body's framing, and never
/// decompresses: hyper does none of these by itself. Connections are unlimited (an open watch
/// holds one, or an HTTP/2 stream) and idle ones are kept per host without a cap.
fn client(tls: Option<Arc<rustls::ClientConfig>>) -> UpstreamClient {
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.set_nodelay(true);
    let mut builder = Client::builder(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new());
    match tls {
        None => UpstreamClient::Plain(builder.build(http)),
        Some(tls) => {
            // `https://` goes through the TLS layer, which needs the TCP connector to let it by.
            http.enforce_http(false);
            // The cluster's configuration as it is, ALPN included (h2 and http/1.1, or http/1.1
            // only for upgrades): hyper-rustls' builder would insist on choosing ALPN itself.
            UpstreamClient::Tls(builder.build(HttpsConnector::from((http, tls))))
        }
    }
}
