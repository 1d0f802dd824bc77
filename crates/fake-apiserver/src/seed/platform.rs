//! What a small cluster has besides its workloads: storage, networking, access control, policy and
//! control-plane objects, so that every section of a dashboard has rows.
//!
//! These are data only: the fake's authorization is its own (see `auth`), not derived from the
//! RBAC objects listed here, and no controller acts on quotas, policies or autoscalers.

use serde_json::{Value, json};

use super::{WEB_POD_NAMES, hours, minutes, web_pod_ip};

const CONTROL_PLANE_IP: &str = "192.168.49.2";
const WEB_VOLUME: &str = "pvc-5b8e2c1a-7f3d-4e6b-9a0c-2d1f4e8b6a73";

pub(super) fn objects(namespaces: &[&str]) -> Vec<Value> {
    let mut objects: Vec<Value> = namespaces
        .iter()
        .map(|ns| service_account(ns, "default"))
        .collect();
    objects.push(service_account("kube-system", "coredns"));
    objects.push(service_account("default", "web"));
    objects.extend(storage());
    objects.extend(networking());
    objects.extend(access_control());
    objects.extend(policy());
    objects.extend(control_plane());
    objects
}

fn meta(name: &str, namespace: Option<&str>, age_hours: u64) -> Value {
    let mut meta = json!({"name": name, "creationTimestamp": hours(age_hours)});
    if let Some(namespace) = namespace {
        meta["namespace"] = json!(namespace);
    }
    meta
}

fn service_account(namespace: &str, name: &str) -> Value {
    let age = if name == "default" { 24 * 30 } else { 5 };
    json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, Some(namespace), age)})
}

fn storage() -> Vec<Value> {
    let mut standard = json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": meta("standard", None, 24 * 30),
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": false
    });
    standard["metadata"]["annotations"] =
        json!({"storageclass.kubernetes.io/is-default-class": "true"});
    vec![
        standard,
        json!({
            "apiVersion": "v1", "kind": "PersistentVolume", "metadata": meta(WEB_VOLUME, None, 5),
            "spec": {
                "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                "volumeMode": "Filesystem", "hostPath": {"path": format!("/var/lib/local-path/{WEB_VOLUME}"), "type": "DirectoryOrCreate"},
                "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": "default", "name": "web-cache"},
                "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1"]}]}]}}
            },
            "status": {"phase": "Bound"}
        }),
        json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("web-cache", Some("default"), 5),
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                     "storageClassName": "standard", "volumeMode": "Filesystem", "volumeName": WEB_VOLUME},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}
        }),
        // Waits for a pod that uses it (WaitForFirstConsumer): the Pending a dashboard should show.
        json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("scratch", Some("team-a"), 2),
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}},
                     "storageClassName": "standard", "volumeMode": "Filesystem"},
            "status": {"phase": "Pending"}
        }),
    ]
}

fn networking() -> Vec<Value> {
    let web_ips: Vec<String> = (0..WEB_POD_NAMES.len()).map(web_pod_ip).collect();
    let web_addresses: Vec<Value> = WEB_POD_NAMES
        .iter()
        .zip(&web_ips)
        .enumerate()
        .map(|(i, (pod, ip))| {
            json!({"ip": ip, "nodeName": if i == 0 { "node-1" } else { "node-2" },
                   "targetRef": {"kind": "Pod", "namespace": "default", "name": pod}})
        })
        .collect();
    let slice_endpoints: Vec<Value> = web_addresses
        .iter()
        .map(|a| {
            json!({"addresses": [a["ip"]], "conditions": {"ready": true, "serving": true, "terminating": false},
                   "nodeName": a["nodeName"], "targetRef": a["targetRef"]})
        })
        .collect();
    let mut web_slice_meta = meta("web-7xq2p", Some("default"), 5);
    web_slice_meta["labels"] = json!({"kubernetes.io/service-name": "web",
                                       "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"});
    let mut ingress_class = json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": meta("traefik", None, 24 * 30),
        "spec": {"controller": "traefik.io/ingress-controller"}
    });
    ingress_class["metadata"]["annotations"] =
        json!({"ingressclass.kubernetes.io/is-default-class": "true"});
    vec![
        json!({
            "apiVersion": "v1", "kind": "Endpoints", "metadata": meta("kubernetes", Some("default"), 24 * 30),
            "subsets": [{"addresses": [{"ip": CONTROL_PLANE_IP}],
                         "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]
        }),
        json!({
            "apiVersion": "v1", "kind": "Endpoints", "metadata": meta("web", Some("default"), 5),
            "subsets": [{"addresses": web_addresses, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]
        }),
        json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": web_slice_meta,
            "addressType": "IPv4", "endpoints": slice_endpoints,
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
        }),
        ingress_class,
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("web", Some("default"), 5),
            "spec": {"ingressClassName": "traefik",
                     "rules": [{"host": "web.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                         "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}],
                     "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": CONTROL_PLANE_IP}]}}
        }),
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta("default-deny-ingress", Some("team-a"), 24 * 7),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}
        }),
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta("web-allow-http", Some("default"), 5),
            "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
                     "ingress": [{"ports": [{"port": 8080, "protocol": "TCP"}]}]}
        }),
    ]
}

fn access_control() -> Vec<Value> {
    let all = json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]);
    let read = json!(["get", "list", "watch"]);
    let cluster_role = |name: &str, rules: Value| {
        let mut role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                              "metadata": meta(name, None, 24 * 30), "rules": rules});
        role["metadata"]["labels"] = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
        role
    };
    let binding =
        |kind: &str, name: &str, namespace: Option<&str>, role: (&str, &str), subjects: Value| {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
               "metadata": meta(name, namespace, 24 * 30),
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role.0, "name": role.1},
               "subjects": subjects})
        };
    vec![
        cluster_role("cluster-admin", all),
        cluster_role(
            "edit",
            json!([{"apiGroups": ["", "apps", "batch"], "resources": ["*"],
                                     "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}]),
        ),
        cluster_role(
            "view",
            json!([{"apiGroups": ["", "apps", "batch"], "resources": ["*"], "verbs": read}]),
        ),
        cluster_role(
            "system:coredns",
            json!([
            {"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"], "verbs": ["list", "watch"]},
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]}]),
        ),
        binding(
            "ClusterRoleBinding",
            "cluster-admin",
            None,
            ("ClusterRole", "cluster-admin"),
            json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]),
        ),
        binding(
            "ClusterRoleBinding",
            "system:coredns",
            None,
            ("ClusterRole", "system:coredns"),
            json!([{"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}]),
        ),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
               "metadata": meta("web-config-reader", Some("default"), 5),
               "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["web-config"], "verbs": ["get", "watch"]}]}),
        binding(
            "RoleBinding",
            "web-config-reader",
            Some("default"),
            ("Role", "web-config-reader"),
            json!([{"kind": "ServiceAccount", "name": "web", "namespace": "default"}]),
        ),
        binding(
            "RoleBinding",
            "team-a-edit",
            Some("team-a"),
            ("ClusterRole", "edit"),
            json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "team-a"}]),
        ),
    ]
}

fn policy() -> Vec<Value> {
    vec![
        json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta("web", Some("default"), 5),
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
            "status": {"currentHealthy": 2, "desiredHealthy": 1, "disruptionsAllowed": 1, "expectedPods": 2,
                       "observedGeneration": 1}
        }),
        json!({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta("web", Some("default"), 5),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 2, "maxReplicas": 5,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                  "target": {"type": "Utilization", "averageUtilization": 70}}}]},
            "status": {"currentReplicas": 2, "desiredReplicas": 2, "lastScaleTime": hours(5),
                       "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
                                           "current": {"averageUtilization": 23, "averageValue": "23m"}}}],
                       "conditions": [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                                       "message": "recommended size matches current size", "lastTransitionTime": hours(5)}]}
        }),
        json!({
            "apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("team-a-quota", Some("team-a"), 24 * 7),
            "spec": {"hard": {"pods": "20", "requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi"}},
            "status": {"hard": {"pods": "20", "requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi"},
                       "used": {"pods": "0", "requests.cpu": "0", "requests.memory": "0", "limits.cpu": "0", "limits.memory": "0"}}
        }),
        json!({
            "apiVersion": "v1", "kind": "LimitRange", "metadata": meta("container-defaults", Some("team-a"), 24 * 7),
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "512Mi"},
                                 "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]}
        }),
    ]
}

fn control_plane() -> Vec<Value> {
    let priority = |name: &str, value: i64| {
        json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": meta(name, None, 24 * 30),
               "value": value, "globalDefault": false, "preemptionPolicy": "PreemptLowerPriority",
               "description": "Used for system critical pods that must not be moved from their current node."})
    };
    let lease = |name: &str| {
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta(name, Some("kube-system"), 24 * 30),
               "spec": {"holderIdentity": format!("node-1_{name}"), "leaseDurationSeconds": 15,
                        "acquireTime": hours(24 * 30), "renewTime": minutes(0), "leaseTransitions": 0}})
    };
    vec![
        priority("system-cluster-critical", 2_000_000_000),
        priority("system-node-critical", 2_000_001_000),
        lease("kube-controller-manager"),
        lease("kube-scheduler"),
        json!({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": meta("runc", None, 24 * 30),
               "handler": "runc"}),
    ]
}
