//! The audit log: one JSON object per line, on the `audit` target (its own layer in
//! [`crate::telemetry`], so the lines stay pure JSON whatever `-log-format` says). Every forwarded
//! write and every refused identity is written at info; reads at debug (`-audit-level`).

use std::time::Instant;

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use serde_json::{Value, json};
use tracing_actix_web::RequestId;

use crate::auth::{Problem, User};
use crate::forward::request_info::RequestInfo;

pub const TARGET: &str = "audit";

fn request_id(request: &HttpRequest) -> String {
    use actix_web::HttpMessage;
    request
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn emit(record: &Value, verbose: bool) {
    if verbose {
        tracing::debug!(target: TARGET, "{record}");
    } else {
        tracing::info!(target: TARGET, "{record}");
    }
}

/// A request that reached the forwarding path, with its outcome.
pub fn forwarded(
    request: &HttpRequest,
    base_url: &str,
    user: Option<&User>,
    status: StatusCode,
    started: Instant,
) {
    // The path as sent: `/clusters/{cluster}/{rest}` under the base URL.
    let path = request.uri().path();
    let after = path
        .strip_prefix(base_url)
        .and_then(|p| p.strip_prefix("/clusters/"))
        .unwrap_or_default();
    let (cluster, rest) = after.split_once('/').unwrap_or((after, ""));
    let cluster = percent_encoding::percent_decode_str(cluster).decode_utf8_lossy();
    let call = Call {
        cluster: &cluster,
        method: request.method().as_str(),
        rest,
        query: request.uri().query().unwrap_or_default(),
    };
    record_call(request, user, &call, status, started);
}

/// A request to a cluster's API server: its method, the path after the cluster's prefix
/// (without the leading `/`) and its query.
pub struct Call<'a> {
    pub cluster: &'a str,
    pub method: &'a str,
    pub rest: &'a str,
    pub query: &'a str,
}

/// A request Lamplight made to a cluster on the caller's behalf (Headlamp's node drain), logged as
/// the caller's own forwarded request would be.
pub fn record_call(
    request: &HttpRequest,
    user: Option<&User>,
    call: &Call<'_>,
    status: StatusCode,
    started: Instant,
) {
    let Call {
        cluster,
        method,
        rest,
        query,
    } = *call;
    // Most requests are reads, logged only at debug: they are told apart without parsing the path
    // (a GET is a read unless it opens a stream into a container).
    let plain_read = matches!(method, "GET" | "HEAD" | "OPTIONS")
        && !["/exec", "/attach", "/portforward"]
            .iter()
            .any(|connect| rest.contains(connect));
    if plain_read && !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
        return;
    }
    let info = RequestInfo::new(method, &format!("/{rest}"), query);
    // Asking what one may do (the UI does it for every button) changes nothing: it is a read.
    let write = info.is_write()
        && !matches!(
            info.resource.as_deref(),
            Some("selfsubjectaccessreviews" | "selfsubjectrulesreviews" | "selfsubjectreviews")
        );
    if !write && !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
        return;
    }
    let record = json!({
        "kind": "audit",
        "time": jiff::Timestamp::now().to_string(),
        "request_id": request_id(request),
        "decision": "forwarded",
        "user": user.map(|u| u.username.as_str()),
        "groups": user.map(|u| u.groups.as_slice()).unwrap_or_default(),
        "auth": user.map(|u| u.method.as_str()),
        "anchors": user.map(|u| u.anchors.as_slice()).unwrap_or_default(),
        "cluster": cluster,
        "verb": info.verb,
        "api_group": info.api_group,
        "resource": info.resource,
        "subresource": info.subresource,
        "namespace": info.namespace,
        "name": info.name,
        "path": if info.is_resource_request { None } else { Some(format!("/{rest}")) },
        "status": status.as_u16(),
        "latency_ms": (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
    });
    emit(&record, !write);
}

/// A request whose identity was refused.
pub fn refused(request: &HttpRequest, mode: &'static str, problem: &Problem, status: StatusCode) {
    // Not being signed in is the ordinary state of a browser before sign-in, not an event.
    let routine = matches!(problem, Problem::NotSignedIn | Problem::NotConfigured);
    let record = json!({
        "kind": "audit",
        "time": jiff::Timestamp::now().to_string(),
        "request_id": request_id(request),
        "decision": "refused",
        "auth": mode,
        "reason": problem.reason(),
        "peer": request.peer_addr().map(|addr| addr.ip().to_canonical().to_string()),
        "method": request.method().as_str(),
        "path": request.uri().path(),
        "status": status.as_u16(),
    });
    emit(&record, routine);
}
