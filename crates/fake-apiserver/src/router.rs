//! The one entry point: record, authenticate, authorize, then hand to the right endpoint.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::auth::{Access, Identity};
use crate::crud::Target;
use crate::discovery;
use crate::exec;
use crate::http::{Query, Representation, ok_json, response};
use crate::logs;
use crate::openapi;
use crate::path::{self, ResourcePath, Route};
use crate::portforward;
use crate::recording::{self, RecordedRequest};
use crate::reviews;
use crate::state::Shared;
use crate::status::ApiError;
use crate::watch::{self, WatchRequest};
use crate::wsstream::is_websocket;

const MAX_BODY: usize = 32 * 1024 * 1024;

/// The method the client really sent, when [`websocket_post_as_get`] rewrote it.
#[derive(Clone)]
struct OriginalMethod(Method);

/// Kubernetes takes `exec`, `attach` and `portforward` upgrades by POST as well as GET, but the WebSocket
/// handshake helper only accepts GET: present such requests to it as GET, remembering the
/// original.
pub async fn websocket_post_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::POST
        && ["/exec", "/attach", "/portforward"]
            .iter()
            .any(|end| req.path().ends_with(end))
        && is_websocket(req.request())
    {
        req.extensions_mut().insert(OriginalMethod(Method::POST));
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

pub async fn dispatch(
    req: HttpRequest,
    payload: web::Payload,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let shared = shared.into_inner();
    if let Some(latency) = shared.options.latency {
        actix_web::rt::time::sleep(latency).await;
    }
    let authenticated = shared.auth.authenticate(&req).await;
    let effective = authenticated
        .clone()
        .and_then(|caller| shared.auth.impersonate(caller, &req));
    let recorded_user = match (&authenticated, &effective) {
        (_, Ok(identity)) | (Ok(identity), Err(_)) => Some(identity.user.clone()),
        (Err(_), Err(_)) => None,
    };
    shared.recorder.record(|| record(&req, recorded_user));
    let identity = match effective {
        Ok(identity) => identity,
        Err(error) => return error.into_response(),
    };
    route(&shared, &req, payload, &identity)
        .await
        .unwrap_or_else(ApiError::into_response)
}

fn record(req: &HttpRequest, user: Option<String>) -> RecordedRequest {
    let method = req
        .extensions()
        .get::<OriginalMethod>()
        .map_or_else(|| req.method().clone(), |m| m.0.clone());
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    RecordedRequest {
        method: method.to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        headers: req
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes());
                (
                    name.as_str().to_string(),
                    recording::recorded_header(name.as_str(), &value),
                )
            })
            .collect(),
        user,
        bearer_claims: recording::bearer_claims(authorization),
    }
}

async fn route(
    shared: &Arc<Shared>,
    req: &HttpRequest,
    payload: web::Payload,
    identity: &Identity,
) -> Result<HttpResponse, ApiError> {
    let get_only = || {
        if req.method() == Method::GET {
            Ok(())
        } else {
            Err(ApiError::method_not_allowed())
        }
    };
    match path::route(req.path()) {
        Route::Root => get_only().map(|_| ok_json(&discovery::root_paths())),
        Route::Version => get_only().map(|_| ok_json(&discovery::version())),
        Route::Health => get_only().map(|_| {
            response(StatusCode::OK)
                .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body("ok")
        }),
        Route::CoreVersions => {
            let address = req.connection_info().host().to_string();
            get_only().map(|_| ok_json(&discovery::core_versions(&address)))
        }
        Route::CoreResources => get_only().map(|_| ok_json(&discovery::resource_list("", "v1"))),
        Route::Groups => get_only().map(|_| ok_json(&discovery::groups())),
        Route::Group(group) => get_only().map(|_| ok_json(&discovery::group(&group))),
        Route::GroupResources(group, version) => {
            get_only().map(|_| ok_json(&discovery::resource_list(&group, &version)))
        }
        Route::OpenApiRoot => get_only().map(|_| ok_json(&openapi::root())),
        Route::OpenApiDocument(path) => {
            get_only()?;
            openapi::document(&path)
                .map(|doc| ok_json(&doc))
                .ok_or_else(ApiError::no_such_path)
        }
        Route::NotFound => Err(ApiError::no_such_path()),
        Route::Resource(path) => resource(shared, req, payload, identity, path).await,
    }
}

async fn read_body(mut payload: web::Payload) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::new(
                413,
                "RequestEntityTooLarge",
                "Request entity too large",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The RBAC verb of a request on a resource.
fn verb(method: &Method, path: &ResourcePath, watch: bool) -> Result<&'static str, ApiError> {
    let named = path.name.is_some();
    Ok(match (method.as_str(), named) {
        ("GET", _) if watch => "watch",
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("POST", false) => "create",
        ("PUT", true) => "update",
        ("PATCH", true) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => return Err(ApiError::method_not_allowed()),
    })
}

async fn resource(
    shared: &Arc<Shared>,
    req: &HttpRequest,
    payload: web::Payload,
    identity: &Identity,
    path: ResourcePath,
) -> Result<HttpResponse, ApiError> {
    let query = Query::parse(req.query_string());
    let resource = path.resource;
    let namespace = path.namespace.as_deref();
    let watch = path.legacy_watch || query.flag("watch");
    let rbac_resource = path.rbac_resource();
    let authorize = |verb: &str| {
        shared.auth.authorize(
            identity,
            &Access {
                verb,
                group: resource.group,
                resource: &rbac_resource,
                namespace,
                name: path.name.as_deref(),
            },
        )
    };
    // Namespaced objects are only addressed inside their namespace; across all namespaces
    // there are only collections to list and watch.
    if resource.namespaced
        && namespace.is_none()
        && (path.name.is_some() || req.method() != Method::GET)
    {
        return Err(ApiError::no_such_path());
    }
    let mut target = Target {
        shared,
        resource,
        namespace,
        query: &query,
        representation: Representation::negotiate(req),
        status_subresource: false,
    };
    match (path.subresource.as_deref(), path.name.as_deref()) {
        (None, _) => {}
        (Some("status"), Some(_)) => target.status_subresource = true,
        (Some("log"), Some(name)) if resource.plural == "pods" => {
            if req.method() != Method::GET {
                return Err(ApiError::method_not_allowed());
            }
            authorize("get")?;
            let namespace = namespace.unwrap_or_default();
            return logs::pod_logs(shared, req, payload, resource, namespace, name, &query);
        }
        (Some("exec"), Some(name)) if resource.plural == "pods" => {
            authorize("create")?;
            let namespace = namespace.unwrap_or_default();
            return exec::pod_exec(shared, req, payload, resource, namespace, name, &query);
        }
        (Some("attach"), Some(name)) if resource.plural == "pods" => {
            authorize("create")?;
            let namespace = namespace.unwrap_or_default();
            return exec::pod_attach(shared, req, payload, resource, namespace, name, &query);
        }
        (Some("portforward"), Some(name)) if resource.plural == "pods" => {
            authorize("create")?;
            let namespace = namespace.unwrap_or_default();
            return portforward::pod_portforward(
                shared, req, payload, resource, namespace, name, &query,
            );
        }
        (Some("eviction"), Some(name)) if resource.plural == "pods" => {
            if req.method() != Method::POST {
                return Err(ApiError::method_not_allowed());
            }
            authorize("create")?;
            read_body(payload).await?;
            return target.evict(name);
        }
        (Some("scale"), Some(name))
            if matches!(
                resource.plural,
                "deployments" | "replicasets" | "statefulsets"
            ) =>
        {
            let verb = match req.method().as_str() {
                "GET" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                _ => return Err(ApiError::method_not_allowed()),
            };
            authorize(verb)?;
            if verb == "get" {
                return target.get_scale(name);
            }
            let body = read_body(payload).await?;
            return target.write_scale(req, name, &body, verb == "patch");
        }
        _ => return Err(ApiError::no_such_path()),
    }
    let verb = verb(req.method(), &path, watch && !target.status_subresource)?;
    if !resource.verbs.contains(&verb) {
        return Err(ApiError::method_not_allowed());
    }
    if !resource.stored {
        let body = read_body(payload).await?;
        return reviews::answer(req, resource, &body, identity, &shared.auth);
    }
    authorize(verb)?;
    let name = path.name.as_deref().unwrap_or_default();
    match verb {
        "watch" => {
            let request = WatchRequest::parse(
                resource,
                path.namespace.clone(),
                path.name.as_deref(),
                &query,
                target.representation,
            )?;
            if is_websocket(req) {
                watch::watch_websocket(shared, req, payload, request)
            } else {
                Ok(watch::watch_http(shared, request))
            }
        }
        "get" => target.get(name),
        "list" => target.list(),
        "delete" => target.delete(name),
        "deletecollection" => target.delete_collection(),
        _ => {
            let body = read_body(payload).await?;
            match verb {
                "create" => target.create(req, &body),
                "update" => target.update(req, name, &body),
                _ => target.patch(req, name, &body),
            }
        }
    }
}
