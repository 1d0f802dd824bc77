//! `--demo`: the fake API server in-process as cluster `demo`, with workloads that change over time,
//! so the dashboard shows something real on a machine without Kubernetes.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};

use crate::clusters::{Cluster, ClusterSource, Connection, Credentials};
use crate::fake_api::{FakeApiError, FakeApiServer};

pub const CLUSTER_NAME: &str = "demo";
const TOKEN: &str = "demo-admin-token";
/// How often a demo workload changes (a worker pod restarts, an event is recorded).
const TICK: Duration = Duration::from_secs(4);

pub struct Demo {
    fake: FakeApiServer,
}

impl Demo {
    pub async fn start() -> Result<Demo, FakeApiError> {
        let fake = FakeApiServer::builder()
            .user(TOKEN, "demo-admin", &["system:masters"])
            .impersonator("demo-admin")
            // Someone the demo refuses, so 403s can be seen (with -proxy-auth-impersonate).
            .forbid("dev", "secrets")
            .trust_unverified_jwts()
            .log_interval(Duration::from_secs(2))
            .start()
            .await?;
        for object in workers() {
            fake.apply(object)?;
        }
        let demo = Demo { fake };
        demo.keep_changing();
        Ok(demo)
    }

    /// The cluster entry Lamplight serves.
    pub fn cluster(&self) -> Cluster {
        Cluster {
            name: CLUSTER_NAME.to_string(),
            server: self.fake.url().to_string(),
            source: ClusterSource::Demo,
            namespace: Some("default".to_string()),
            auth_type: "",
            oidc_provider: None,
            connection: Ok(Connection {
                base_url: self.fake.url().to_string(),
                tls: None,
                credentials: Credentials::Token(SecretString::from(TOKEN)),
                always_use_own_credentials: false,
            }),
        }
    }

    pub fn api(&self) -> &FakeApiServer {
        &self.fake
    }

    fn keep_changing(&self) {
        let objects = self.fake.objects();
        actix_web::rt::spawn(async move {
            let mut round = 0usize;
            loop {
                actix_web::rt::time::sleep(TICK).await;
                round += 1;
                let index = round % WORKERS;
                // A worker goes through a restart: Pending, then Running again with one more restart.
                let phase = if round % 2 == 1 { "Pending" } else { "Running" };
                let restarts = round / 2;
                let Some(result) = objects.apply(worker_pod(index, phase, restarts)) else {
                    return; // the demo cluster is gone
                };
                if let Err(error) = result {
                    tracing::warn!(%error, "demo cluster update failed");
                }
                let reason = if phase == "Pending" {
                    "BackOff"
                } else {
                    "Started"
                };
                let _ = objects.apply(event(round, index, reason));
            }
        });
    }
}

const WORKERS: usize = 3;

fn worker_pod(index: usize, phase: &str, restarts: usize) -> Value {
    let running = phase == "Running";
    let now = jiff::Timestamp::now().to_string();
    let state = if running {
        json!({"running": {"startedAt": now}})
    } else {
        json!({"waiting": {"reason": "ContainerCreating"}})
    };
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("worker-7c9f8d6b5-{index}"), "namespace": "team-a",
            "labels": {"app": "worker", "pod-template-hash": "7c9f8d6b5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "worker-7c9f8d6b5",
                                 "uid": "00000000-0000-4000-8000-0000000000a1", "controller": true}]
        },
        "spec": {"containers": [{"name": "worker", "image": "ghcr.io/example/worker:2.4.1"}], "nodeName": format!("node-{}", index % 2 + 1)},
        "status": {
            "phase": phase,
            "podIP": format!("10.244.3.{}", 10 + index),
            "conditions": [{"type": "Ready", "status": if running { "True" } else { "False" }}],
            "containerStatuses": [{"name": "worker", "image": "ghcr.io/example/worker:2.4.1", "ready": running,
                                   "started": running, "restartCount": restarts, "state": state}]
        }
    })
}

fn event(round: usize, index: usize, reason: &str) -> Value {
    let now = jiff::Timestamp::now().to_string();
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("worker-7c9f8d6b5-{index}.{round:08x}"), "namespace": "team-a"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": format!("worker-7c9f8d6b5-{index}"), "namespace": "team-a"},
        "reason": reason,
        "message": if reason == "BackOff" { "Back-off restarting failed container worker" } else { "Started container worker" },
        "type": if reason == "BackOff" { "Warning" } else { "Normal" },
        "source": {"component": "kubelet"}, "firstTimestamp": now, "lastTimestamp": now, "count": 1
    })
}

fn workers() -> Vec<Value> {
    let mut objects = vec![json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "worker", "namespace": "team-a", "labels": {"app": "worker"}},
        "spec": {"replicas": WORKERS, "selector": {"matchLabels": {"app": "worker"}},
                 "template": {"metadata": {"labels": {"app": "worker"}},
                              "spec": {"containers": [{"name": "worker", "image": "ghcr.io/example/worker:2.4.1"}]}}},
        "status": {"replicas": WORKERS, "readyReplicas": WORKERS, "updatedReplicas": WORKERS, "availableReplicas": WORKERS}
    })];
    objects.extend((0..WORKERS).map(|index| worker_pod(index, "Running", 0)));
    objects.push(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "worker-config", "namespace": "team-a"},
        "data": {"QUEUE": "orders", "CONCURRENCY": "8"}
    }));
    objects
}
