//! The small, realistic cluster every fake server starts with.

use std::time::Duration;

use serde_json::{Value, json};

use crate::clock;
use crate::defaults::image_id;
use crate::status::ApiError;
use crate::store::Store;

mod platform;

pub const WEB_POD_NAMES: [&str; 2] = ["web-6d4b9c7f5b-x2k9p", "web-6d4b9c7f5b-q7w4m"];
const WEB_REPLICASET: &str = "web-6d4b9c7f5b";
const KUBE_VERSION: &str = "v1.32.4";

fn hours(h: u64) -> String {
    clock::ago(Duration::from_secs(h * 3600))
}

fn minutes(m: u64) -> String {
    clock::ago(Duration::from_secs(m * 60))
}

pub fn seed(store: &Store, bulk_namespace: bool) -> Result<(), ApiError> {
    let mut namespaces = vec!["default", "kube-system", "team-a"];
    if bulk_namespace {
        namespaces.push("bulk");
    }
    let mut objects: Vec<Value> = namespaces
        .iter()
        .map(|name| {
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": name, "creationTimestamp": hours(24 * 30)}})
        })
        .collect();
    objects.extend(
        ["node-1", "node-2"]
            .iter()
            .enumerate()
            .map(|(i, n)| node(n, i)),
    );
    objects.push(crd());
    objects.push(deployment());
    objects.push(replicaset());
    objects.extend(
        WEB_POD_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| web_pod(name, i)),
    );
    objects.push(coredns_pod());
    objects.push(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default", "creationTimestamp": hours(24 * 30),
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}
    }));
    objects.push(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": hours(5),
                     "labels": {"app": "web"}},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.12.34", "clusterIPs": ["10.96.12.34"],
                 "selector": {"app": "web"},
                 "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}
    }));
    objects.push(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web-config", "namespace": "default", "creationTimestamp": hours(5),
                     "labels": {"app": "web"}},
        "data": {"LOG_LEVEL": "info", "nginx.conf": "server {\n  listen 8080;\n  location / { root /usr/share/nginx/html; }\n}\n"}
    }));
    objects.push(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kube-root-ca.crt", "namespace": "default", "creationTimestamp": hours(24 * 30)},
        "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"}
    }));
    objects.push(json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "web-credentials", "namespace": "default", "creationTimestamp": hours(5)},
        "data": {"username": "d2Vi", "password": "czNjcjN0LXBhc3N3b3Jk"}
    }));
    objects.extend(platform::objects(&namespaces));
    objects.push(json!({
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "blue-widget", "namespace": "default", "creationTimestamp": hours(2),
                     "labels": {"color": "blue"}},
        "spec": {"color": "blue", "size": 3}
    }));
    for object in objects {
        store.upsert(object)?;
    }
    // Events point at their pod by uid, which only exists once the pod is stored.
    let pod_uid = crate::resources::by_name("pods")
        .and_then(|pods| store.get(pods, "default", WEB_POD_NAMES[0]))
        .map(|pod| pod["metadata"]["uid"].clone())
        .unwrap_or_default();
    for mut event in events() {
        event["involvedObject"]["uid"] = pod_uid.clone();
        store.upsert(event)?;
    }
    Ok(())
}

fn node(name: &str, index: usize) -> Value {
    let ip = format!("192.168.49.{}", index + 2);
    let mut labels = json!({
        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
    });
    if index == 0 {
        labels["node-role.kubernetes.io/control-plane"] = json!("");
    }
    let heartbeat = minutes(1);
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": hours(24 * 30), "labels": labels},
        "spec": {"podCIDR": format!("10.244.{index}.0/24"), "podCIDRs": [format!("10.244.{index}.0/24")]},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "capacity": {"cpu": "4", "memory": "16370056Ki", "pods": "110", "ephemeral-storage": "102626232Ki"},
            "allocatable": {"cpu": "4", "memory": "16267656Ki", "pods": "110", "ephemeral-storage": "102626232Ki"},
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
                 "message": "kubelet has sufficient memory available", "lastHeartbeatTime": heartbeat, "lastTransitionTime": hours(24 * 30)},
                {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure",
                 "message": "kubelet has no disk pressure", "lastHeartbeatTime": heartbeat, "lastTransitionTime": hours(24 * 30)},
                {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID",
                 "message": "kubelet has sufficient PID available", "lastHeartbeatTime": heartbeat, "lastTransitionTime": hours(24 * 30)},
                {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status", "lastHeartbeatTime": heartbeat, "lastTransitionTime": hours(24 * 30)}
            ],
            "nodeInfo": {
                "architecture": "amd64", "bootID": format!("00000000-0000-0000-0000-00000000000{index}"),
                "containerRuntimeVersion": "containerd://1.7.24", "kernelVersion": "6.1.0-31-amd64",
                "kubeProxyVersion": KUBE_VERSION, "kubeletVersion": KUBE_VERSION,
                "machineID": format!("fake{index}"), "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "systemUUID": format!("fake-{index}")
            }
        }
    })
}

fn crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com", "creationTimestamp": hours(24 * 7)},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets",
                      "singular": "widget", "shortNames": ["wg"]},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                }}}
            }],
            "conversion": {"strategy": "None"}
        },
        "status": {
            "acceptedNames": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets",
                              "singular": "widget", "shortNames": ["wg"]},
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found", "lastTransitionTime": hours(24 * 7)},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted", "lastTransitionTime": hours(24 * 7)}
            ],
            "storedVersions": ["v1"]
        }
    })
}

fn pod_template() -> Value {
    json!({
        "metadata": {"labels": {"app": "web", "pod-template-hash": "6d4b9c7f5b"}},
        "spec": {"containers": [{
            "name": "nginx", "image": "nginx:1.27",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "resources": {}, "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"
        }], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30}
    })
}

fn deployment() -> Value {
    let mut template = pod_template();
    template["metadata"]["labels"] = json!({"app": "web"});
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": hours(5),
                     "labels": {"app": "web"}, "annotations": {"deployment.kubernetes.io/revision": "1"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template,
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                 "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}
    })
}

fn replicaset() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": WEB_REPLICASET, "namespace": "default", "creationTimestamp": hours(5),
                     "labels": {"app": "web", "pod-template-hash": "6d4b9c7f5b"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                          "uid": "00000000-0000-4000-8000-000000000001",
                                          "controller": true, "blockOwnerDeletion": true}]},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "6d4b9c7f5b"}},
                 "template": pod_template()}
    })
}

fn running_pod(
    name: &str,
    namespace: &str,
    node: &str,
    ip: &str,
    started: &str,
    container: Value,
) -> Value {
    let container_name = container["name"].clone();
    let image = container["image"].clone();
    let condition = |kind: &str| json!({"type": kind, "status": "True", "lastProbeTime": null, "lastTransitionTime": started});
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": started},
        "spec": {"containers": [container], "nodeName": node, "restartPolicy": "Always",
                 "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
                 "serviceAccountName": "default", "terminationGracePeriodSeconds": 30},
        "status": {
            "phase": "Running",
            "conditions": [condition("Initialized"), condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
            "hostIP": if node == "node-1" { "192.168.49.2" } else { "192.168.49.3" },
            "podIP": ip, "podIPs": [{"ip": ip}], "startTime": started, "qosClass": "BestEffort",
            "containerStatuses": [{
                "name": container_name, "image": image, "imageID": image_id(image.as_str().unwrap_or_default()),
                "containerID": format!("containerd://{:064x}", name.len()), "ready": true, "started": true,
                "restartCount": 0, "state": {"running": {"startedAt": started}}
            }]
        }
    })
}

fn web_pod_ip(index: usize) -> String {
    format!("10.244.{index}.{}", 17 + index)
}

fn web_pod(name: &str, index: usize) -> Value {
    let node = if index == 0 { "node-1" } else { "node-2" };
    let mut pod = running_pod(
        name,
        "default",
        node,
        &web_pod_ip(index),
        &hours(5),
        pod_template()["spec"]["containers"][0].clone(),
    );
    pod["metadata"]["labels"] = json!({"app": "web", "pod-template-hash": "6d4b9c7f5b"});
    pod["metadata"]["generateName"] = json!(format!("{WEB_REPLICASET}-"));
    pod["metadata"]["ownerReferences"] = json!([{
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": WEB_REPLICASET,
        "uid": "00000000-0000-4000-8000-000000000002", "controller": true, "blockOwnerDeletion": true
    }]);
    pod
}

fn coredns_pod() -> Value {
    let mut pod = running_pod(
        "coredns-7db6d8ff4d-lk8zt",
        "kube-system",
        "node-1",
        "10.244.0.2",
        &hours(24 * 30),
        json!({"name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.11.3",
               "args": ["-conf", "/etc/coredns/Corefile"],
               "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"}]}),
    );
    pod["metadata"]["labels"] = json!({"k8s-app": "kube-dns"});
    pod
}

fn events() -> Vec<Value> {
    let pod = WEB_POD_NAMES[0];
    [
        ("Normal", "Scheduled", "default-scheduler", format!("Successfully assigned default/{pod} to node-1"), 300),
        ("Normal", "Pulled", "kubelet", "Container image \"nginx:1.27\" already present on machine".to_string(), 299),
        ("Normal", "Created", "kubelet", "Created container: nginx".to_string(), 299),
        ("Normal", "Started", "kubelet", "Started container nginx".to_string(), 298),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (kind, reason, component, message, ago))| {
        let at = minutes(ago);
        let mut event = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{pod}.{:016x}", 0x17f0_0000_0000_0000_u64 + i as u64),
                         "namespace": "default", "creationTimestamp": at},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod, "namespace": "default"},
            "reason": reason, "message": message, "type": kind,
            "source": {"component": component},
            "firstTimestamp": at, "lastTimestamp": at, "count": 1,
            "reportingComponent": component, "reportingInstance": ""
        });
        if component == "kubelet" {
            event["involvedObject"]["fieldPath"] = json!("spec.containers{nginx}");
            event["source"]["host"] = json!("node-1");
        }
        event
    })
    .collect()
}

/// The log lines the seeded pods "already printed".
pub fn seed_logs() -> Vec<(&'static str, &'static str, String)> {
    let mut lines = Vec::new();
    for pod in WEB_POD_NAMES {
        lines.push((
            "default",
            pod,
            "/docker-entrypoint.sh: Configuration complete; ready for start up".to_string(),
        ));
        for i in 0..5 {
            lines.push((
                "default",
                pod,
                format!("10.244.0.1 - - \"GET /healthz HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.32\" req={i}"),
            ));
        }
    }
    lines.push((
        "kube-system",
        "coredns-7db6d8ff4d-lk8zt",
        "[INFO] plugin/reload: Running configuration SHA512".to_string(),
    ));
    lines.push((
        "kube-system",
        "coredns-7db6d8ff4d-lk8zt",
        "CoreDNS-1.11.3".to_string(),
    ));
    lines
}
