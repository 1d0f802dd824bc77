//! Headlamp's node drain: `POST /drain-node` (`{"cluster", "nodeName"}` → `{"message", "cluster"}`)
//! and `GET /drain-node-status?cluster=&nodeName=` (→ `{"id", "cluster"}`, where `id` is
//! `success`, something starting with `error`, or anything else for "still going": the UI polls).
//!
//! Session-less, unlike Headlamp (which runs the drain in a goroutine with the server's client and
//! keeps the result in one replica's memory): the drain is done before the answer, with the
//! caller's own credentials, exactly as their forwarded requests carry them, so RBAC decides as
//! it would for `kubectl drain`; it cordons the node and evicts its pods (evictions honour
//! PodDisruptionBudgets, where Headlamp deletes). The status is read from the cluster itself:
//! the node is cordoned and no evictable pod is left.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::auth::token_cookie::TokenCookies;
use crate::auth::trust::TrustedProxies;
use crate::forward::call::{Answer, ClusterCall};
use crate::forward::{ForwardError, Forwarding, UpstreamClients};
use crate::status::Status;

#[derive(Deserialize)]
pub struct Target {
    #[serde(default)]
    cluster: String,
    #[serde(default, rename = "nodeName")]
    node_name: String,
}

/// What both routes share: the forwarding machinery and the token cookies.
pub struct Drain<'a> {
    forwarding: &'a Forwarding,
    clients: &'a UpstreamClients,
    cookies: Option<&'a TokenCookies>,
}

fn failure(code: StatusCode, message: impl Into<String>) -> HttpResponse {
    Status::failure(code, message).into_response()
}

/// The API server's own refusal (its `Status`), or ours when it sent something else.
fn relay(answer: &Answer, what: &str) -> HttpResponse {
    match serde_json::from_slice::<Value>(&answer.body) {
        Ok(body) if body.get("kind").and_then(Value::as_str) == Some("Status") => {
            HttpResponse::build(answer.status)
                .insert_header(CacheControl(vec![CacheDirective::NoStore]))
                .json(body)
        }
        _ => failure(
            answer.status,
            format!("{what}: the API server answered {}", answer.status),
        ),
    }
}

/// Checks the target and names the caller's credentials for its cluster.
fn validate(target: &Target) -> Result<(), &'static str> {
    if target.node_name.is_empty() {
        return Err("nodeName not found");
    }
    if target.cluster.is_empty() {
        return Err("clusterName not found");
    }
    // A node's name is a DNS subdomain: nothing in it can change the path it goes into.
    let valid = target.node_name.len() <= 253
        && target
            .node_name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !valid {
        return Err("nodeName is not a node name");
    }
    Ok(())
}

impl Drain<'_> {
    fn call<'a>(
        &'a self,
        request: &HttpRequest,
        user: Option<&'a crate::auth::User>,
        cluster: &str,
    ) -> ClusterCall<'a> {
        // The caller's own `Authorization`, else the set-token cookie for this cluster.
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| SecretString::from(v.to_string()))
            .or_else(|| {
                self.cookies
                    .and_then(|cookies| cookies.token(request, cluster))
                    .map(|token| {
                        use secrecy::ExposeSecret;
                        SecretString::from(format!("Bearer {}", token.expose_secret()))
                    })
            });
        ClusterCall::new(
            self.forwarding,
            self.clients,
            request,
            user,
            cluster,
            authorization,
        )
    }
}

/// The pods a drain evicts: not a DaemonSet's (its controller would bring it back), not a
/// mirror of a static pod (the kubelet owns it), not one that has finished.
fn evictable(pod: &Value) -> bool {
    let owned_by_daemon_set = pod["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|owners| {
            owners.iter().any(|owner| {
                owner["kind"] == "DaemonSet" && owner["controller"].as_bool() == Some(true)
            })
        });
    let mirror = pod["metadata"]["annotations"]
        .get("kubernetes.io/config.mirror")
        .is_some();
    let finished = matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    );
    !owned_by_daemon_set && !mirror && !finished
}

/// Everything but RFC 3986's unreserved characters: names keep their `-` and `.` as sent.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn pods_path(node: &str) -> String {
    let selector = format!("spec.nodeName={node}");
    format!(
        "/api/v1/pods?fieldSelector={}",
        utf8_percent_encode(&selector, COMPONENT)
    )
}

fn segment(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

async fn pods_on(call: &ClusterCall<'_>, node: &str) -> Result<Vec<Value>, HttpResponse> {
    let answer = call
        .send(Method::GET, &pods_path(node), None, None)
        .await
        .map_err(|e| actix_web::ResponseError::error_response(&e))?;
    if !answer.status.is_success() {
        return Err(relay(&answer, "listing the node's pods"));
    }
    let list: Value = serde_json::from_slice(&answer.body)
        .map_err(|_| failure(StatusCode::BAD_GATEWAY, "the pod list is not JSON"))?;
    Ok(list["items"].as_array().cloned().unwrap_or_default())
}

fn error_response(error: ForwardError) -> HttpResponse {
    actix_web::ResponseError::error_response(&error)
}

pub async fn drain_node(
    request: HttpRequest,
    body: web::Bytes,
    Caller(user): Caller,
    trusted: web::Data<TrustedProxies>,
    forwarding: web::Data<Forwarding>,
    clients: web::Data<UpstreamClients>,
    cookies: Option<web::Data<TokenCookies>>,
) -> HttpResponse {
    // A page of another site must not drain nodes with this user's credentials.
    if let Err(error) = crate::forward::origin::check(&request, &trusted) {
        return error_response(error);
    }
    let Ok(target) = serde_json::from_slice::<Target>(&body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "invalid JSON: expected {\"cluster\", \"nodeName\"}",
        );
    };
    if let Err(problem) = validate(&target) {
        return failure(StatusCode::BAD_REQUEST, problem);
    }
    let drain = Drain {
        forwarding: &forwarding,
        clients: &clients,
        cookies: cookies.as_ref().map(|c| c.get_ref()),
    };
    let call = drain.call(&request, user.as_ref(), &target.cluster);
    let node = segment(&target.node_name);
    let cordon = json!({"spec": {"unschedulable": true}})
        .to_string()
        .into_bytes();
    let answer = match call
        .send(
            Method::PATCH,
            &format!("/api/v1/nodes/{node}"),
            Some("application/strategic-merge-patch+json"),
            Some(cordon),
        )
        .await
    {
        Ok(answer) => answer,
        Err(error) => return error_response(error),
    };
    if !answer.status.is_success() {
        return relay(&answer, "cordoning the node");
    }
    let pods = match pods_on(&call, &target.node_name).await {
        Ok(pods) => pods,
        Err(response) => return response,
    };
    let mut refused = 0;
    for pod in pods.iter().filter(|pod| evictable(pod)) {
        let (Some(namespace), Some(name)) = (
            pod["metadata"]["namespace"].as_str(),
            pod["metadata"]["name"].as_str(),
        ) else {
            continue;
        };
        let eviction = json!({
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": namespace},
        });
        let path = format!(
            "/api/v1/namespaces/{}/pods/{}/eviction",
            segment(namespace),
            segment(name)
        );
        match call
            .send(
                Method::POST,
                &path,
                Some("application/json"),
                Some(eviction.to_string().into_bytes()),
            )
            .await
        {
            Ok(answer) if answer.status.is_success() || answer.status == StatusCode::NOT_FOUND => {}
            // A PodDisruptionBudget (429) or RBAC (403): the status will name the pods left.
            Ok(_) | Err(_) => refused += 1,
        }
    }
    tracing::info!(
        cluster = %target.cluster,
        node = %target.node_name,
        refused,
        "drain: node cordoned, pods evicted"
    );
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(json!({
            "message": "Drain node request submitted successfully",
            "cluster": target.cluster,
        }))
}

pub async fn drain_node_status(
    request: HttpRequest,
    query: web::Query<Target>,
    Caller(user): Caller,
    forwarding: web::Data<Forwarding>,
    clients: web::Data<UpstreamClients>,
    cookies: Option<web::Data<TokenCookies>>,
) -> HttpResponse {
    let target = query.into_inner();
    if let Err(problem) = validate(&target) {
        return failure(StatusCode::BAD_REQUEST, problem);
    }
    let drain = Drain {
        forwarding: &forwarding,
        clients: &clients,
        cookies: cookies.as_ref().map(|c| c.get_ref()),
    };
    let call = drain.call(&request, user.as_ref(), &target.cluster);
    let node = segment(&target.node_name);
    let answer = match call
        .send(Method::GET, &format!("/api/v1/nodes/{node}"), None, None)
        .await
    {
        Ok(answer) => answer,
        Err(error) => return error_response(error),
    };
    if !answer.status.is_success() {
        return relay(&answer, "reading the node");
    }
    let node_object: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let id = if node_object["spec"]["unschedulable"].as_bool() != Some(true) {
        format!(
            "error: node {} is not cordoned (the drain did not start, or the node was uncordoned)",
            target.node_name
        )
    } else {
        let pods = match pods_on(&call, &target.node_name).await {
            Ok(pods) => pods,
            Err(response) => return response,
        };
        let left: Vec<&Value> = pods.iter().filter(|pod| evictable(pod)).collect();
        let stuck: Vec<String> = left
            .iter()
            .filter(|pod| pod["metadata"]["deletionTimestamp"].is_null())
            .map(|pod| {
                format!(
                    "{}/{}",
                    pod["metadata"]["namespace"].as_str().unwrap_or_default(),
                    pod["metadata"]["name"].as_str().unwrap_or_default()
                )
            })
            .collect();
        if left.is_empty() {
            "success".to_string()
        } else if stuck.is_empty() {
            format!("draining: {} pod(s) terminating", left.len())
        } else {
            format!(
                "error: {} pod(s) not evicted (a PodDisruptionBudget or missing permission; drain again to retry): {}",
                stuck.len(),
                stuck.join(", ")
            )
        }
    };
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(json!({ "id": id, "cluster": target.cluster }))
}
