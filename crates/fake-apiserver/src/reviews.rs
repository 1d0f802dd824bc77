//! Reviews are answered, never stored: who am I (`auth whoami`), may I (`auth can-i`), and
//! what may I (`auth can-i --list`). kubectl posts them as protobuf.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::auth::{AuthConfig, Identity};
use crate::crud::{is_protobuf, json_body};
use crate::http::json_response;
use crate::protobuf::{self, schemas};
use crate::resources::{RESOURCES, ResourceType, SUBRESOURCES};
use crate::status::ApiError;

pub fn answer(
    req: &HttpRequest,
    resource: &ResourceType,
    body: &Bytes,
    identity: &Identity,
    auth: &AuthConfig,
) -> Result<HttpResponse, ApiError> {
    let mut review = json!({
        "kind": resource.kind,
        "apiVersion": resource.api_version(),
        "metadata": {"creationTimestamp": Value::Null},
    });
    let spec = |schema| {
        if is_protobuf(req) {
            protobuf::review_spec(body, schema)
                .ok_or_else(|| ApiError::bad_request("cannot decode the protobuf review"))
        } else {
            Ok(json_body(req, body)?["spec"].take())
        }
    };
    match resource.kind {
        "SelfSubjectReview" => {
            review["status"] = json!({"userInfo": identity.user_info()});
        }
        "SelfSubjectAccessReview" => {
            review["spec"] = spec(schemas::ACCESS_REVIEW_SPEC)?;
            review["status"] = access(&review["spec"], identity, auth);
        }
        _ => {
            review["spec"] = spec(schemas::RULES_REVIEW_SPEC)?;
            review["status"] = rules(identity, auth);
        }
    }
    Ok(json_response(StatusCode::CREATED, &review))
}

fn access(spec: &Value, identity: &Identity, auth: &AuthConfig) -> Value {
    let attributes = &spec["resourceAttributes"];
    let allowed = match attributes["resource"].as_str() {
        Some(resource) => {
            let resource = match attributes["subresource"].as_str() {
                Some(sub) if !sub.is_empty() => format!("{resource}/{sub}"),
                _ => resource.to_string(),
            };
            let verb = attributes["verb"].as_str().unwrap_or_default();
            auth.allows_verb(identity, verb, &resource)
        }
        None => true,
    };
    if allowed {
        json!({"allowed": true, "reason": "allowed by the fake API server"})
    } else {
        // Real RBAC gives no reason for a plain "no".
        json!({"allowed": false})
    }
}

/// One rule per resource the caller may use: the `forbid` list has no RBAC rule form.
fn rules(identity: &Identity, auth: &AuthConfig) -> Value {
    let mut rules: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| auth.allows(identity, r.plural))
        .map(|r| (r, auth.verbs_of(identity, r.verbs)))
        .filter(|(_, verbs)| !verbs.is_empty())
        .map(|(r, verbs)| json!({"verbs": verbs, "apiGroups": [r.group], "resources": [r.plural]}))
        .collect();
    rules.extend(
        SUBRESOURCES
            .iter()
            .filter(|sub| auth.allows(identity, sub.name))
            .filter(|sub| !auth.verbs_of(identity, sub.verbs).is_empty())
            .map(|sub| {
                let parent = sub.name.split('/').next().unwrap_or_default();
                let group = RESOURCES
                    .iter()
                    .find(|r| r.plural == parent)
                    .map_or("", |r| r.group);
                json!({"verbs": auth.verbs_of(identity, sub.verbs), "apiGroups": [group], "resources": [sub.name]})
            }),
    );
    json!({
        "resourceRules": rules,
        "nonResourceRules": [{
            "verbs": ["get"],
            "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"],
        }],
        "incomplete": false,
    })
}
