//! What the real control plane would fill in: defaults, allocated IPs, a "running" status.
//!
//! There are no controllers here, so objects are made to look settled at once: a created pod is
//! Running and ready, a deployment has all its replicas available.

use serde_json::{Value, json};

use sha2::{Digest, Sha256};

use crate::clock;
use crate::resources::{ResourceType, STATUS_SUBRESOURCE};

/// Returns whether `pod_ip` was used, so the store moves on to the next address.
pub fn on_create(resource: &ResourceType, object: &mut Value, pod_ip: u32) -> bool {
    if object.get("spec").is_some() && object["metadata"].get("generation").is_none() {
        object["metadata"]["generation"] = json!(1);
    }
    match resource.kind {
        "Pod" => {
            let used_ip = pod(object, pod_ip);
            complete_container_statuses(object);
            return used_ip;
        }
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
    if resource.kind == "Pod" {
        complete_container_statuses(object);
    }
}

/// The status lists of a pod and the spec lists they describe.
const CONTAINER_STATUS_LISTS: &[(&str, &str)] = &[
    ("containerStatuses", "containers"),
    ("initContainerStatuses", "initContainers"),
    ("ephemeralContainerStatuses", "ephemeralContainers"),
];

/// `ContainerStatus` has required fields a kubelet always writes (`name`, `image`, `imageID`,
/// `ready`, `restartCount`); clients such as the official Python one refuse a pod without them,
/// so statuses given without them (by `apply`, or a client's status write) get them here.
/// `imageID` is empty until the image is pulled, as the kubelet reports a waiting container.
fn complete_container_statuses(pod: &mut Value) {
    for (status_list, spec_list) in CONTAINER_STATUS_LISTS {
        let specs = pod["spec"][spec_list]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let Some(statuses) = pod["status"][status_list].as_array_mut() else {
            continue;
        };
        for status in statuses.iter_mut().filter(|s| s.is_object()) {
            let spec_image = specs
                .iter()
                .find(|c| c["name"] == status["name"])
                .and_then(|c| c["image"].as_str())
                .unwrap_or_default()
                .to_string();
            if status["name"].is_null() {
                status["name"] = json!("");
            }
            if status["image"].is_null() {
                status["image"] = json!(spec_image);
            }
            if status["imageID"].is_null() {
                let waiting = status["state"].get("waiting").is_some();
                let image = status["image"].as_str().unwrap_or_default();
                status["imageID"] = json!(if waiting || image.is_empty() {
                    String::new()
                } else {
                    image_id(image)
                });
            }
            if status["ready"].is_null() {
                status["ready"] = json!(false);
            }
            if status["restartCount"].is_null() {
                status["restartCount"] = json!(0);
            }
        }
    }
}

/// What containerd reports as the `imageID` of a pulled image: the fully qualified repository
/// and a digest (here a stable one made from the reference).
pub fn image_id(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, digest.to_string()),
        None => {
            let hash = Sha256::digest(image.as_bytes());
            let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
            (image, format!("sha256:{hex}"))
        }
    };
    // A tag follows the last colon after the last slash (a colon before it is a port).
    let repository = match name.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => repository,
        _ => name,
    };
    let first = repository.split('/').next().unwrap_or_default();
    let has_registry = repository.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost");
    let qualified = match (has_registry, repository.contains('/')) {
        (true, _) => repository.to_string(),
        (false, true) => format!("docker.io/{repository}"),
        (false, false) => format!("docker.io/library/{repository}"),
    };
    format!("{qualified}@{digest}")
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
            json!({
                "name": c["name"].as_str().unwrap_or("main"),
                "image": c["image"],
                "imageID": image_id(c["image"].as_str().unwrap_or_default()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    #[test]
    fn image_ids_are_qualified_repositories_with_digests() {
        let nginx = image_id("nginx:1.27");
        assert!(
            nginx.starts_with("docker.io/library/nginx@sha256:"),
            "{nginx}"
        );
        assert_eq!(nginx.len(), "docker.io/library/nginx@sha256:".len() + 64);
        assert!(
            image_id("ghcr.io/example/worker:2.4.1").starts_with("ghcr.io/example/worker@sha256:")
        );
        assert!(image_id("localhost:5000/app").starts_with("localhost:5000/app@sha256:"));
        assert!(image_id("bitnami/redis").starts_with("docker.io/bitnami/redis@sha256:"));
        assert_eq!(
            image_id("busybox@sha256:abc"),
            "docker.io/library/busybox@sha256:abc"
        );
    }

    #[test]
    fn statuses_given_without_required_fields_are_completed() {
        let pods = resources::by_name("pods").unwrap();
        let mut pod = json!({
            "spec": {"containers": [{"name": "app", "image": "busybox"}, {"name": "side", "image": "envoy"}]},
            "status": {"phase": "Pending", "containerStatuses": [
                {"name": "app", "state": {"running": {}}},
                {"name": "side", "image": "envoy", "state": {"waiting": {"reason": "ContainerCreating"}}}
            ]}
        });
        on_create(pods, &mut pod, 1);
        let statuses = &pod["status"]["containerStatuses"];
        assert_eq!(statuses[0]["image"], "busybox");
        assert!(
            statuses[0]["imageID"]
                .as_str()
                .unwrap()
                .starts_with("docker.io/library/busybox@sha256:")
        );
        assert_eq!(statuses[0]["ready"], false);
        assert_eq!(statuses[0]["restartCount"], 0);
        assert_eq!(statuses[1]["imageID"], "", "not pulled yet");
    }
}
