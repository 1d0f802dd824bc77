//! The demo cluster: the fake with users that show both success and refusal, plus workloads that
//! change over time (a worker pod restarts and an event is recorded every tick), so a dashboard
//! shows live updates without anyone touching the cluster. Used by `lamplight --demo` and by the
//! `fake-apiserver` binary.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{FakeApiServerBuilder, FakeObjects, clock};

/// The token the demo's administrator (who may impersonate) authenticates with.
pub const ADMIN_TOKEN: &str = "demo-admin-token";
/// How often a demo workload changes by default.
pub const DEFAULT_TICK: Duration = Duration::from_secs(4);

const WORKERS: usize = 3;
/// How many of its events the churn keeps: like the API server's `--event-ttl`, older ones are
/// deleted, so a demo that runs for days holds as many objects as one that ran for minutes.
pub const EVENTS_KEPT: usize = 60;

impl FakeApiServerBuilder {
    /// The demo's users: `demo-admin` (token [`ADMIN_TOKEN`], may impersonate), `dev`, who is
    /// refused secrets so a 403 can be seen, and `viewer`, who may only read; JWTs are taken at their word (there is no IdP to ask).
    pub fn demo_users(self) -> Self {
        self.user(ADMIN_TOKEN, "demo-admin", &["system:masters"])
            .impersonator("demo-admin")
            .forbid("dev", "secrets")
            .read_only("viewer")
            .trust_unverified_jwts()
            .log_interval(Duration::from_secs(2))
    }
}

/// The `team-a/worker` deployment, its pods and its config map.
pub fn workload() -> Vec<Value> {
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

/// Every `tick`, one worker goes through a restart (Pending, then Running with one more restart)
/// and an event says so; the event of [`EVENTS_KEPT`] ticks ago is deleted. Runs on the current
/// actix runtime until the server is gone.
pub fn keep_changing(objects: FakeObjects, tick: Duration) {
    actix_web::rt::spawn(async move {
        let mut round = 0usize;
        loop {
            actix_web::rt::time::sleep(tick).await;
            round += 1;
            let index = round % WORKERS;
            let phase = if round % 2 == 1 { "Pending" } else { "Running" };
            let Some(result) = objects.apply(worker_pod(index, phase, round / 2)) else {
                return; // the server is gone
            };
            if let Err(error) = result {
                eprintln!("fake-apiserver: demo update failed: {error}");
            }
            let reason = if phase == "Pending" {
                "BackOff"
            } else {
                "Started"
            };
            // The oldest goes first, so a reader never sees more than EVENTS_KEPT.
            if let Some(old) = round.checked_sub(EVENTS_KEPT) {
                let _ = objects.delete("events", "team-a", &event_name(old, old % WORKERS));
            }
            let _ = objects.apply(event(round, index, reason));
        }
    });
}

fn worker_pod(index: usize, phase: &str, restarts: usize) -> Value {
    let running = phase == "Running";
    let now = clock::now();
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
    let now = clock::now();
    let warning = reason == "BackOff";
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": event_name(round, index), "namespace": "team-a"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": format!("worker-7c9f8d6b5-{index}"), "namespace": "team-a"},
        "reason": reason,
        "message": if warning { "Back-off restarting failed container worker" } else { "Started container worker" },
        "type": if warning { "Warning" } else { "Normal" },
        "source": {"component": "kubelet"}, "firstTimestamp": now, "lastTimestamp": now, "count": 1
    })
}

fn event_name(round: usize, index: usize) -> String {
    format!("worker-7c9f8d6b5-{index}.{round:08x}")
}
