//! Prometheus metrics (`-metrics-enabled`), in the OpenMetrics text format prometheus-client writes.
//! They are counted whether or not they are served (a few atomic additions per request), so the
//! code that counts never asks whether anyone is looking.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::telemetry::RoutePattern;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AuthLabels {
    /// `proxy`, `oidc` or `none`.
    pub method: &'static str,
    /// `allowed` or `refused`.
    pub decision: &'static str,
    /// Why it was refused (`Problem::reason`), or the anchors that vouched.
    pub reason: Cow<'static, str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClusterLabels {
    pub cluster: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchLabels {
    /// `ok` or `error`.
    pub result: &'static str,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Mutex<Registry>,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: HistogramFamily,
    pub auth_decisions: Family<AuthLabels, Counter>,
    pub upstream_errors: Family<ClusterLabels, Counter>,
    pub open_watches: Gauge,
    pub open_websockets: Gauge,
    pub key_set_fetches: Family<FetchLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s: API calls, and the time to the first byte of a watch.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("lamplight");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern and status",
            requests.clone(),
        );
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to the response's head, by route pattern",
            latency.clone(),
        );
        let auth_decisions = Family::<AuthLabels, Counter>::default();
        registry.register(
            "auth_decisions",
            "Identity decisions, by method (proxy, oidc), decision (allowed, refused) and reason",
            auth_decisions.clone(),
        );
        let upstream_errors = Family::<ClusterLabels, Counter>::default();
        registry.register(
            "upstream_errors",
            "Requests the cluster's API server could not be reached for, by cluster",
            upstream_errors.clone(),
        );
        let open_watches = Gauge::default();
        registry.register(
            "open_watches",
            "Watches and followed logs open now",
            open_watches.clone(),
        );
        let open_websockets = Gauge::default();
        registry.register(
            "open_websockets",
            "WebSocket connections (exec, attach, port-forward, watches) open now",
            open_websockets.clone(),
        );
        let key_set_fetches = Family::<FetchLabels, Counter>::default();
        registry.register(
            "key_set_fetches",
            "Fetches of the keys that sign proxies' assertions, by result",
            key_set_fetches.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            auth_decisions,
            upstream_errors,
            open_watches,
            open_websockets,
            key_set_fetches,
        }
    }
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        Arc::new(Metrics::default())
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }

    pub fn auth_decision(
        &self,
        method: &'static str,
        decision: &'static str,
        reason: Cow<'static, str>,
    ) {
        self.auth_decisions
            .get_or_create(&AuthLabels {
                method,
                decision,
                reason,
            })
            .inc();
    }

    pub fn upstream_error(&self, cluster: &str) {
        self.upstream_errors
            .get_or_create(&ClusterLabels {
                cluster: cluster.to_string(),
            })
            .inc();
    }
}

/// Counts every response by route pattern and status, with the time to its head.
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = request.app_data::<web::Data<Metrics>>().cloned();
    let started = std::time::Instant::now();
    let response = next.call(request).await?;
    if let Some(metrics) = metrics {
        let route = route_of(&response);
        metrics
            .requests
            .get_or_create(&RequestLabels {
                route,
                status: response.status().as_u16(),
            })
            .inc();
        metrics
            .latency
            .get_or_create(&RouteLabels { route })
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// The route's pattern, as a `'static` label: the forwarding path names itself; other routes are
/// few and fixed, so their patterns are interned once.
fn route_of<B>(response: &ServiceResponse<B>) -> &'static str {
    let request = response.request();
    if let Some(route) = request.extensions().get::<RoutePattern>() {
        return route.0;
    }
    match request.match_pattern() {
        Some(pattern) => intern(pattern),
        None => "default",
    }
}

fn intern(pattern: String) -> &'static str {
    static PATTERNS: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut patterns = PATTERNS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = patterns.iter().find(|known| **known == pattern) {
        return known;
    }
    // Patterns come from the app's route table, never from a request: the set is bounded.
    let leaked: &'static str = Box::leak(pattern.into_boxed_str());
    patterns.push(leaked);
    leaked
}

pub async fn serve(metrics: web::Data<Metrics>) -> HttpResponse {
    let mut response = HttpResponse::Ok().body(metrics.encode());
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
