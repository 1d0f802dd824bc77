//! `/version`, `/api`, `/apis` and the per-group resource lists (legacy, non-aggregated).
//!
//! kubectl asks for aggregated discovery first; a plain `application/json` answer makes it
//! fall back to these documents.

use serde_json::{Value, json};

use crate::resources::{self, RESOURCES, SUBRESOURCES};

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "emulationMajor": "1",
        "emulationMinor": "32",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "31",
        "gitVersion": "v1.32.4",
        "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
        "gitTreeState": "clean",
        "buildDate": "2025-04-22T16:03:57Z",
        "goVersion": "go1.23.8",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/`: every path prefix this server answers, like the real root document.
pub fn root_paths() -> Value {
    let mut paths = vec![
        "/api".to_string(),
        "/api/v1".to_string(),
        "/apis".to_string(),
    ];
    for group in resources::groups() {
        paths.push(format!("/apis/{group}"));
        for r in RESOURCES.iter().filter(|r| r.group == group) {
            let path = format!("/apis/{group}/{}", r.version);
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths.extend(
        ["/healthz", "/livez", "/openapi/v3", "/readyz", "/version"]
            .iter()
            .map(|p| p.to_string()),
    );
    json!({"paths": paths})
}

pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn group_versions(group: &str) -> Value {
    let versions: Vec<&str> = {
        let mut v: Vec<&str> = RESOURCES
            .iter()
            .filter(|r| r.group == group)
            .map(|r| r.version)
            .collect();
        v.dedup();
        v
    };
    let entries: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({
        "name": group,
        "versions": entries,
        "preferredVersion": entries.first().cloned().unwrap_or(Value::Null),
    })
}

pub fn group(group: &str) -> Value {
    let mut value = group_versions(group);
    value["kind"] = json!("APIGroup");
    value["apiVersion"] = json!("v1");
    value
}

pub fn groups() -> Value {
    json!({
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": resources::groups().into_iter().map(group_versions).collect::<Vec<_>>(),
    })
}

pub fn resource_list(group: &str, version: &str) -> Value {
    let mut list = Vec::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        list.push(entry);
        for sub in SUBRESOURCES
            .iter()
            .filter(|s| s.name.split('/').next() == Some(r.plural))
        {
            let mut entry = json!({
                "name": sub.name, "singularName": "", "namespaced": r.namespaced,
                "kind": sub.kind, "verbs": sub.verbs,
            });
            if let Some((group, version)) = sub.group_version {
                entry["group"] = json!(group);
                entry["version"] = json!(version);
            }
            list.push(entry);
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": list,
    })
}
