//! A bigger cluster for UI and performance work (`--pods N`): namespaces `load-000`, ... of
//! deployments with five replicas each, their replica sets and pods, most of them running, some
//! crash-looping or still starting, spread over the two nodes.

use serde_json::{Value, json};

use crate::clock;
use crate::status::ApiError;
use crate::store::Store;

const PODS_PER_NAMESPACE: usize = 200;
const REPLICAS: usize = 5;
const APPS: &[(&str, &str, u16)] = &[
    ("api", "ghcr.io/example/api:3.2.0", 8080),
    ("web", "nginx:1.27", 80),
    ("worker", "ghcr.io/example/worker:2.4.1", 9090),
    ("cache", "redis:7.4", 6379),
    ("gateway", "envoyproxy/envoy:v1.31.2", 10000),
    ("search", "opensearchproject/opensearch:2.17.1", 9200),
];

/// Stores `count` pods with their owners; returns how many namespaces they went to.
pub fn seed(store: &Store, count: usize) -> Result<usize, ApiError> {
    let namespaces = count.div_ceil(PODS_PER_NAMESPACE);
    for n in 0..namespaces {
        let namespace = format!("load-{n:03}");
        store.upsert(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {"purpose": "load"}}}))?;
        let pods_here = (count - n * PODS_PER_NAMESPACE).min(PODS_PER_NAMESPACE);
        for d in 0..pods_here.div_ceil(REPLICAS) {
            let replicas = (pods_here - d * REPLICAS).min(REPLICAS);
            let workload = Workload::new(&namespace, n, d, replicas);
            store.upsert(workload.deployment())?;
            store.upsert(workload.replicaset())?;
            for r in 0..replicas {
                store.upsert(workload.pod(r))?;
            }
        }
    }
    Ok(namespaces)
}

struct Workload {
    namespace: String,
    name: String,
    hash: String,
    image: &'static str,
    port: u16,
    replicas: usize,
    /// A stable number for this deployment, from which names, ages and states follow.
    seed: usize,
}

impl Workload {
    fn new(namespace: &str, n: usize, d: usize, replicas: usize) -> Self {
        let (app, image, port) = APPS[d % APPS.len()];
        let seed = n * 1000 + d;
        Workload {
            namespace: namespace.to_string(),
            name: format!("{app}-{d:02}"),
            hash: format!(
                "{:010x}",
                (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 24
            ),
            image,
            port,
            replicas,
            seed,
        }
    }

    fn labels(&self) -> Value {
        json!({"app": self.name, "tier": APPS[self.seed % APPS.len()].0})
    }

    fn container(&self) -> Value {
        json!({
            "name": self.name.split('-').next().unwrap_or("app"),
            "image": self.image,
            "ports": [{"containerPort": self.port, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "imagePullPolicy": "IfNotPresent",
        })
    }

    fn created(&self) -> String {
        clock::ago(std::time::Duration::from_secs(
            3600 * (1 + (self.seed % 240) as u64),
        ))
    }

    fn deployment(&self) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": self.name, "namespace": self.namespace, "labels": self.labels(),
                         "creationTimestamp": self.created()},
            "spec": {"replicas": self.replicas, "selector": {"matchLabels": {"app": self.name}},
                     "template": {"metadata": {"labels": self.labels()},
                                  "spec": {"containers": [self.container()]}}}
        })
    }

    fn replicaset_name(&self) -> String {
        format!("{}-{}", self.name, self.hash)
    }

    fn replicaset(&self) -> Value {
        let mut labels = self.labels();
        labels["pod-template-hash"] = json!(self.hash);
        json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": self.replicaset_name(), "namespace": self.namespace, "labels": labels,
                         "creationTimestamp": self.created(),
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": self.name,
                                              "uid": uid(self.seed, 1), "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"replicas": self.replicas,
                     "selector": {"matchLabels": {"app": self.name, "pod-template-hash": self.hash}},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [self.container()]}}}
        })
    }

    fn pod(&self, replica: usize) -> Value {
        let index = self.seed * REPLICAS + replica;
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let suffix: String = (0..5)
            .map(|i| ALPHABET[(index * 7 + i * 13 + i * index) % ALPHABET.len()] as char)
            .collect();
        let mut labels = self.labels();
        labels["pod-template-hash"] = json!(self.hash);
        let container = self.container();
        let container_name = container["name"].clone();
        let started = self.created();
        let (phase, ready, state, restarts) = match index % 50 {
            7 => (
                "Running",
                false,
                json!({"waiting": {"reason": "CrashLoopBackOff",
                    "message": format!("back-off 5m0s restarting failed container={container_name}")}}),
                3 + index % 40,
            ),
            23 => (
                "Pending",
                false,
                json!({"waiting": {"reason": "ContainerCreating"}}),
                0,
            ),
            _ => (
                "Running",
                true,
                json!({"running": {"startedAt": started}}),
                index % 3 / 2,
            ),
        };
        let condition = |kind: &str, status: bool| {
            json!({"type": kind, "status": if status { "True" } else { "False" },
                   "lastProbeTime": null, "lastTransitionTime": started})
        };
        let node = format!("node-{}", index % 2 + 1);
        let ip = format!(
            "10.{}.{}.{}",
            100 + index / 62_500,
            index / 250 % 250,
            index % 250 + 2
        );
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": format!("{}-{suffix}", self.replicaset_name()),
                "generateName": format!("{}-", self.replicaset_name()),
                "namespace": self.namespace, "labels": labels, "creationTimestamp": started,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": self.replicaset_name(),
                                     "uid": uid(self.seed, 2), "controller": true, "blockOwnerDeletion": true}]
            },
            "spec": {"containers": [container], "nodeName": node, "restartPolicy": "Always",
                     "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
                     "serviceAccountName": "default", "terminationGracePeriodSeconds": 30},
            "status": {
                "phase": phase,
                "conditions": [condition("Initialized", true), condition("Ready", ready),
                               condition("ContainersReady", ready), condition("PodScheduled", true)],
                "hostIP": if index.is_multiple_of(2) { "192.168.49.2" } else { "192.168.49.3" },
                "podIP": ip, "podIPs": [{"ip": ip}], "startTime": started, "qosClass": "Burstable",
                "containerStatuses": [{"name": container_name, "image": self.image, "ready": ready,
                                       "started": ready, "restartCount": restarts, "state": state}]
            }
        })
    }
}

fn uid(seed: usize, kind: usize) -> String {
    format!("00000000-0000-4000-{kind:04x}-{seed:012x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use crate::selectors::Selector;

    #[test]
    fn seeds_the_asked_number_of_pods_with_owners() {
        let store = Store::new(100);
        store
            .upsert(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
            )
            .unwrap();
        assert_eq!(seed(&store, 420).unwrap(), 3);
        let pods = resources::by_name("pods").unwrap();
        let (all, _) = store.list(pods, None, &Selector::default());
        assert_eq!(all.len(), 420);
        let (last, _) = store.list(pods, Some("load-002"), &Selector::default());
        assert_eq!(last.len(), 20);
        let names: std::collections::HashSet<_> =
            all.iter().map(|p| p["metadata"]["name"].clone()).collect();
        assert_eq!(names.len(), 420, "unique names");
        assert!(
            all.iter()
                .all(|p| p["status"]["containerStatuses"][0]["imageID"].is_string())
        );
        assert!(all.iter().any(
            |p| p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
                == "CrashLoopBackOff"
        ));
    }
}
