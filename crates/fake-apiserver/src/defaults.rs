//! What the real control plane would fill in: defaults, allocated IPs, a "running" status.
//!
//! There are no controllers here, so objects are made to look settled at once: a created pod is
//! Running and ready, a deployment has all its replicas available.

use serde_json::{Value, json};

use crate::clock;
use crate::resources::ResourceType;

/// Kinds whose `status` is only written through a `/status` subresource: a client's PUT or
/// PATCH of the main resource leaves it as it was.
const STATUS_SUBRESOURCE: &[&str] = &[
    "Pod",
    "Service",
    "Namespace",
    "Node",
    "Deployment",
    "ReplicaSet",
    "CustomResourceDefinition",
];

/// Returns whether `pod_ip` was used, so the store moves on to the next address.
pub fn on_create(resource: &ResourceType, object: &mut Value, pod_ip: u32) -> bool {
    if object.get("spec").is_some() && object["metadata"].get("generation").is_none() {
        object["metadata"]["generation"] = json!(1);
    }
    match resource.kind {
        "Pod" => return pod(object, pod_ip),
        "Namespace" => {
            let name = object["metadata"]["name"].clone();
            object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            object["spec"]["finalizers"] = json!(["kubernetes"]);
            object["status"] = json!({"phase": "Active"});
        }
        "Service" => return service(object, pod_ip),
        "Deployment" | "ReplicaSet" => settle_replicas(object),
        _ => {}
    }
    false
}

/// `client` is false for the test API's `apply`, which may set any status it likes.
pub fn on_update(resource: &ResourceType, current: &Value, object: &mut Value, client: bool) {
    let spec_changed = current.get("spec") != object.get("spec");
    if let Some(generation) = current["metadata"]["generation"].as_i64() {
        let generation = if spec_changed {
            generation + 1
        } else {
            generation
        };
        object["metadata"]["generation"] = json!(generation);
    }
    let status_given = object.get("status").is_some_and(|s| !s.is_null());
    if STATUS_SUBRESOURCE.contains(&resource.kind) && (client || !status_given) {
        match current.get("status") {
            Some(status) => object["status"] = status.clone(),
            None => {
                if let Some(map) = object.as_object_mut() {
                    map.remove("status");
                }
            }
        }
    }
    if matches!(resource.kind, "Deployment" | "ReplicaSet") && (client || !status_given) {
        settle_replicas(object);
    }
}

fn pod(object: &mut Value, ip: u32) -> bool {
    if object["spec"]["nodeName"].is_null() {
        object["spec"]["nodeName"] = json!("node-1");
    }
    for (field, value) in [
        ("restartPolicy", "Always"),
        ("dnsPolicy", "ClusterFirst"),
        ("schedulerName", "default-scheduler"),
        ("serviceAccountName", "default"),
    ] {
        if object["spec"][field].is_null() {
            object["spec"][field] = json!(value);
        }
    }
    if object
        .get("status")
        .is_some_and(|s| s.get("phase").is_some())
    {
        return false;
    }
    let started = clock::now();
    let containers = object["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap_or("main");
            json!({
                "name": name,
                "image": c["image"],
                "imageID": format!("{}@sha256:{:064x}", c["image"].as_str().unwrap_or_default(), name.len()),
                "containerID": format!("containerd://{}", uuid::Uuid::new_v4().simple()),
                "ready": true,
                "started": true,
                "restartCount": 0,
                "state": {"running": {"startedAt": started}},
            })
        })
        .collect();
    let node_ip = if object["spec"]["nodeName"] == "node-2" {
        "192.168.49.3"
    } else {
        "192.168.49.2"
    };
    let pod_ip = format!("10.244.{}.{}", ip / 250, ip % 250 + 2);
    let condition = |kind: &str| json!({"type": kind, "status": "True", "lastProbeTime": null, "lastTransitionTime": started});
    object["status"] = json!({
        "phase": "Running",
        "conditions": [condition("Initialized"), condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
        "hostIP": node_ip,
        "hostIPs": [{"ip": node_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": started,
        "containerStatuses": statuses,
        "qosClass": "BestEffort",
    });
    true
}

fn service(object: &mut Value, ip: u32) -> bool {
    let spec = &mut object["spec"];
    if spec["type"].is_null() {
        spec["type"] = json!("ClusterIP");
    }
    if let Some(ports) = spec["ports"].as_array_mut() {
        for port in ports {
            if port["protocol"].is_null() {
                port["protocol"] = json!("TCP");
            }
            if port["targetPort"].is_null() {
                port["targetPort"] = port["port"].clone();
            }
        }
    }
    if spec["sessionAffinity"].is_null() {
        spec["sessionAffinity"] = json!("None");
    }
    if object.get("status").is_none() {
        object["status"] = json!({"loadBalancer": {}});
    }
    if !object["spec"]["clusterIP"].is_null() {
        return false;
    }
    let cluster_ip = format!("10.96.{}.{}", ip / 250, ip % 250 + 2);
    object["spec"]["clusterIP"] = json!(cluster_ip);
    object["spec"]["clusterIPs"] = json!([cluster_ip]);
    true
}

/// Pretends the controller has already rolled everything out.
fn settle_replicas(object: &mut Value) {
    let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
    if object["spec"]["replicas"].is_null() {
        object["spec"]["replicas"] = json!(replicas);
    }
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
    let now = clock::now();
    let mut status = json!({
        "observedGeneration": generation,
        "replicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
    });
    if object["kind"] == "Deployment" {
        status["updatedReplicas"] = json!(replicas);
        status["conditions"] = json!([
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
             "message": "Deployment has minimum availability.", "lastUpdateTime": now, "lastTransitionTime": now},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "message": "ReplicaSet has successfully progressed.", "lastUpdateTime": now, "lastTransitionTime": now},
        ]);
    } else {
        status["fullyLabeledReplicas"] = json!(replicas);
    }
    object["status"] = status;
}
