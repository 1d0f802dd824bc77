//! Just enough OpenAPI v3 for kubectl: per group-version documents whose PATCH operations
//! declare the `fieldValidation` parameter.
//!
//! Without it `kubectl apply`/`create` fall back to client-side validation, which needs the
//! full OpenAPI v2 schema and fails. With it kubectl leaves validation to the server (this one
//! accepts everything) and computes strategic merge patches from its built-in types. There
//! are no schemas, so `kubectl explain` does not work.

use serde_json::{Map, Value, json};

use crate::resources::{RESOURCES, ResourceType};

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut gvs: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| r.stored) {
        if !gvs.contains(&(r.group, r.version)) {
            gvs.push((r.group, r.version));
        }
    }
    gvs
}

/// `/openapi/v3`: where each group-version's document lives.
pub fn root() -> Value {
    let paths: Map<String, Value> = group_versions()
        .into_iter()
        .map(|(group, version)| {
            let path = gv_path(group, version);
            let url = format!("/openapi/v3/{path}?hash={}", hash(group, version));
            (path, json!({"serverRelativeURL": url}))
        })
        .collect();
    json!({"paths": paths})
}

/// A stable stand-in for the content hash real servers put into the URLs.
fn hash(group: &str, version: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in group.bytes().chain(version.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016X}")
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}`.
pub fn document(path: &str) -> Option<Value> {
    let (group, version) = group_versions()
        .into_iter()
        .find(|(g, v)| gv_path(g, v) == path)?;
    let paths: Map<String, Value> = RESOURCES
        .iter()
        .filter(|r| r.stored && r.group == group && r.version == version)
        .map(|r| (object_path(r), json!({"patch": patch_operation(r)})))
        .collect();
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

fn object_path(r: &ResourceType) -> String {
    let prefix = format!("/{}", gv_path(r.group, r.version));
    if r.namespaced {
        format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
    } else {
        format!("{prefix}/{}/{{name}}", r.plural)
    }
}

fn patch_operation(r: &ResourceType) -> Value {
    let query = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}});
    json!({
        "description": format!("partially update the specified {}", r.kind),
        "operationId": format!("patch{}", r.kind),
        "parameters": [query("dryRun"), query("fieldManager"), query("fieldValidation")],
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
    })
}
