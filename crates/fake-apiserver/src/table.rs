//! `meta.k8s.io` Tables: the server-side printing `kubectl get` asks for.

use serde_json::{Value, json};

use crate::clock;
use crate::resources::ResourceType;

mod platform;

/// `includeObject`: what each row carries besides its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

struct Column {
    name: &'static str,
    kind: &'static str,
    format: &'static str,
    description: &'static str,
    priority: u8,
    cell: fn(&Value) -> Value,
}

const fn column(
    name: &'static str,
    description: &'static str,
    cell: fn(&Value) -> Value,
) -> Column {
    Column {
        name,
        kind: "string",
        format: "",
        description,
        priority: 0,
        cell,
    }
}

const fn wide(mut column: Column) -> Column {
    column.priority = 1;
    column
}

const fn integer(mut column: Column) -> Column {
    column.kind = "integer";
    column
}

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

fn name_column() -> Column {
    Column {
        format: "name",
        ..column("Name", NAME_DOC, |o| o["metadata"]["name"].clone())
    }
}

fn age_column() -> Column {
    column("Age", AGE_DOC, |o| {
        json!(clock::age(o["metadata"]["creationTimestamp"].as_str()))
    })
}

/// The default table of CRDs (and other generic registries) shows the creation timestamp.
fn created_at_column() -> Column {
    Column {
        kind: "date",
        ..column("Created At", AGE_DOC, |o| {
            o["metadata"]["creationTimestamp"].clone()
        })
    }
}

/// Custom resources' `date` columns are rendered by the server as an age.
fn custom_age_column() -> Column {
    Column {
        kind: "date",
        ..age_column()
    }
}

fn str_or<'a>(value: &'a Value, fallback: &'a str) -> &'a str {
    value.as_str().filter(|s| !s.is_empty()).unwrap_or(fallback)
}

fn columns(resource: &ResourceType) -> Vec<Column> {
    match resource.kind {
        "Pod" => vec![
            name_column(),
            column(
                "Ready",
                "The aggregate readiness state of this pod for accepting traffic.",
                pod_ready,
            ),
            column(
                "Status",
                "The aggregate status of the containers in this pod.",
                pod_status,
            ),
            column(
                "Restarts",
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
                pod_restarts,
            ),
            age_column(),
            wide(column(
                "IP",
                "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
                |o| json!(str_or(&o["status"]["podIP"], "<none>")),
            )),
            wide(column(
                "Node",
                "NodeName indicates in which node this pod is scheduled.",
                |o| json!(str_or(&o["spec"]["nodeName"], "<none>")),
            )),
            wide(column(
                "Nominated Node",
                "nominatedNodeName is set only when this pod preempts other pods on the node.",
                |o| json!(str_or(&o["status"]["nominatedNodeName"], "<none>")),
            )),
            wide(column(
                "Readiness Gates",
                "If specified, all readiness gates will be evaluated for pod readiness.",
                |_| json!("<none>"),
            )),
        ],
        "Deployment" => vec![
            name_column(),
            column("Ready", "Number of the pod with ready state", |o| {
                json!(format!(
                    "{}/{}",
                    o["status"]["readyReplicas"].as_i64().unwrap_or(0),
                    o["spec"]["replicas"].as_i64().unwrap_or(0)
                ))
            }),
            integer(column(
                "Up-to-date",
                "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                |o| json!(o["status"]["updatedReplicas"].as_i64().unwrap_or(0)),
            )),
            integer(column(
                "Available",
                "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
                |o| json!(o["status"]["availableReplicas"].as_i64().unwrap_or(0)),
            )),
            age_column(),
            wide(column(
                "Containers",
                "Names of each container in the template.",
                |o| json!(container_field(o, "name")),
            )),
            wide(column(
                "Images",
                "Images referenced by each container in the template.",
                |o| json!(container_field(o, "image")),
            )),
            wide(column(
                "Selector",
                "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
                |o| json!(label_string(&o["spec"]["selector"]["matchLabels"])),
            )),
        ],
        "ReplicaSet" => vec![
            name_column(),
            integer(column(
                "Desired",
                "Replicas is the number of desired replicas.",
                |o| json!(o["spec"]["replicas"].as_i64().unwrap_or(0)),
            )),
            integer(column(
                "Current",
                "Replicas is the most recently observed number of replicas.",
                |o| json!(o["status"]["replicas"].as_i64().unwrap_or(0)),
            )),
            integer(column(
                "Ready",
                "The number of ready replicas for this replica set.",
                |o| json!(o["status"]["readyReplicas"].as_i64().unwrap_or(0)),
            )),
            age_column(),
        ],
        "Service" => vec![
            name_column(),
            column("Type", "type determines how the Service is exposed.", |o| {
                json!(str_or(&o["spec"]["type"], "ClusterIP"))
            }),
            column(
                "Cluster-IP",
                "clusterIP is the IP address of the service and is usually assigned randomly.",
                |o| json!(str_or(&o["spec"]["clusterIP"], "<none>")),
            ),
            column(
                "External-IP",
                "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
                service_external_ip,
            ),
            column(
                "Port(s)",
                "The list of ports that are exposed by this service.",
                service_ports,
            ),
            age_column(),
            wide(column(
                "Selector",
                "Route service traffic to pods with label keys and values matching this selector.",
                |o| json!(label_string(&o["spec"]["selector"])),
            )),
        ],
        "Namespace" => vec![
            name_column(),
            column("Status", "The status of the namespace", |o| {
                json!(str_or(&o["status"]["phase"], "Active"))
            }),
            age_column(),
        ],
        "Node" => vec![
            name_column(),
            column("Status", "The status of the node", node_status),
            column("Roles", "The roles of the node", node_roles),
            age_column(),
            column("Version", "Kubelet Version reported by the node.", |o| {
                o["status"]["nodeInfo"]["kubeletVersion"].clone()
            }),
            wide(column(
                "Internal-IP",
                "List of addresses reachable to the node.",
                |o| json!(node_address(o, "InternalIP")),
            )),
            wide(column(
                "External-IP",
                "List of addresses reachable to the node.",
                |o| json!(node_address(o, "ExternalIP")),
            )),
            wide(column(
                "OS-Image",
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
                |o| o["status"]["nodeInfo"]["osImage"].clone(),
            )),
            wide(column(
                "Kernel-Version",
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
                |o| o["status"]["nodeInfo"]["kernelVersion"].clone(),
            )),
            wide(column(
                "Container-Runtime",
                "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
                |o| o["status"]["nodeInfo"]["containerRuntimeVersion"].clone(),
            )),
        ],
        "ConfigMap" => vec![
            name_column(),
            integer(column("Data", "Number of data in configmap", |o| {
                json!(count(&o["data"]) + count(&o["binaryData"]))
            })),
            age_column(),
        ],
        "Secret" => vec![
            name_column(),
            column("Type", "The type of the secret", |o| {
                json!(str_or(&o["type"], "Opaque"))
            }),
            integer(column("Data", "Number of data in secret", |o| {
                json!(count(&o["data"]))
            })),
            age_column(),
        ],
        "Event" => vec![
            column("Last Seen", "Time since last occurrence", |o| {
                let last = o["lastTimestamp"]
                    .as_str()
                    .or(o["eventTime"].as_str())
                    .or(o["metadata"]["creationTimestamp"].as_str());
                json!(clock::age(last))
            }),
            column("Type", "Type of this event", |o| o["type"].clone()),
            column(
                "Reason",
                "Short, machine understandable string that gives the reason for the transition into the object's current status.",
                |o| o["reason"].clone(),
            ),
            column("Object", "The object that this event is about", |o| {
                let kind = o["involvedObject"]["kind"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                json!(format!(
                    "{kind}/{}",
                    o["involvedObject"]["name"].as_str().unwrap_or_default()
                ))
            }),
            wide(column(
                "Subobject",
                "The subobject (like a container) this event is about",
                |o| {
                    json!(
                        o["involvedObject"]["fieldPath"]
                            .as_str()
                            .unwrap_or_default()
                    )
                },
            )),
            wide(column(
                "Source",
                "The component reporting this event",
                |o| json!(o["source"]["component"].as_str().unwrap_or_default()),
            )),
            column(
                "Message",
                "A human-readable description of the status of this operation.",
                |o| o["message"].clone(),
            ),
            wide(column("First Seen", "Time since first occurrence", |o| {
                json!(clock::age(o["firstTimestamp"].as_str()))
            })),
            wide(column(
                "Count",
                "The number of times this event has occurred.",
                |o| json!(o["count"].as_i64().unwrap_or(1).to_string()),
            )),
            wide(column("Name", NAME_DOC, |o| o["metadata"]["name"].clone())),
        ],
        "CustomResourceDefinition" => vec![name_column(), created_at_column()],
        _ if resource.is_custom() => vec![name_column(), custom_age_column()],
        kind => platform::columns(kind).unwrap_or_else(|| vec![name_column(), age_column()]),
    }
}

fn count(map: &Value) -> usize {
    map.as_object().map_or(0, |m| m.len())
}

fn pod_ready(pod: &Value) -> Value {
    let total = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = pod["status"]["containerStatuses"]
        .as_array()
        .map_or(0, |s| s.iter().filter(|c| c["ready"] == true).count());
    json!(format!("{ready}/{total}"))
}

/// The printer's precedence: deletion, then a waiting/terminated container's reason, then
/// the pod's own reason, then its phase.
fn pod_status(pod: &Value) -> Value {
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        return json!("Terminating");
    }
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for status in statuses.iter().rev() {
        for state in ["waiting", "terminated"] {
            if let Some(reason) = status["state"][state]["reason"].as_str() {
                return json!(reason);
            }
        }
    }
    json!(str_or(
        &pod["status"]["reason"],
        str_or(&pod["status"]["phase"], "Unknown")
    ))
}

fn pod_restarts(pod: &Value) -> Value {
    let restarts: i64 = pod["status"]["containerStatuses"]
        .as_array()
        .map_or(0, |s| {
            s.iter().filter_map(|c| c["restartCount"].as_i64()).sum()
        });
    json!(restarts.to_string())
}

fn container_field(deployment: &Value, field: &str) -> String {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c[field].as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn label_string(labels: &Value) -> String {
    match labels.as_object() {
        Some(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".to_string(),
    }
}

/// `status.loadBalancer.ingress` of a Service or an Ingress: each entry's IP, else its hostname.
fn load_balancer_addresses(object: &Value) -> Vec<String> {
    object["status"]["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["ip"].as_str().or(e["hostname"].as_str()))
        .map(str::to_string)
        .collect()
}

fn service_external_ip(service: &Value) -> Value {
    let mut ips = load_balancer_addresses(service);
    if let Some(external) = service["spec"]["externalIPs"].as_array() {
        ips.extend(
            external
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string),
        );
    }
    match (ips.is_empty(), service["spec"]["type"].as_str()) {
        (false, _) => json!(ips.join(",")),
        (true, Some("LoadBalancer")) => json!("<pending>"),
        (true, _) => json!("<none>"),
    }
}

fn service_ports(service: &Value) -> Value {
    let ports: Vec<String> = service["spec"]["ports"]
        .as_array()
        .map(|ports| {
            ports
                .iter()
                .map(|p| {
                    let protocol = str_or(&p["protocol"], "TCP");
                    match p["nodePort"].as_i64() {
                        Some(node_port) => format!("{}:{node_port}/{protocol}", p["port"]),
                        None => format!("{}/{protocol}", p["port"]),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if ports.is_empty() {
        json!("<none>")
    } else {
        json!(ports.join(","))
    }
}

fn node_status(node: &Value) -> Value {
    let ready = node["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
        .map(|c| c["status"] == "True");
    let mut status = match ready {
        Some(true) => "Ready".to_string(),
        _ => "NotReady".to_string(),
    };
    if node["spec"]["unschedulable"] == true {
        status.push_str(",SchedulingDisabled");
    }
    json!(status)
}

fn node_roles(node: &Value) -> Value {
    let roles: Vec<&str> = node["metadata"]["labels"]
        .as_object()
        .map(|labels| {
            labels
                .keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .collect()
        })
        .unwrap_or_default();
    if roles.is_empty() {
        json!("<none>")
    } else {
        json!(roles.join(","))
    }
}

fn node_address(node: &Value, kind: &str) -> String {
    node["status"]["addresses"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["type"] == kind))
        .and_then(|a| a["address"].as_str())
        .unwrap_or("<none>")
        .to_string()
}

/// Renders rows one at a time so big lists can be streamed.
pub struct TablePrinter {
    columns: Vec<Column>,
    meta_version: &'static str,
    include: IncludeObject,
}

impl TablePrinter {
    pub fn new(
        resource: &ResourceType,
        meta_version: &'static str,
        include: IncludeObject,
    ) -> Self {
        TablePrinter {
            columns: columns(resource),
            meta_version,
            include,
        }
    }

    pub fn column_definitions(&self) -> Value {
        Value::Array(
            self.columns
                .iter()
                .map(|c| {
                    json!({
                        "name": c.name,
                        "type": c.kind,
                        "format": c.format,
                        "description": c.description,
                        "priority": c.priority,
                    })
                })
                .collect(),
        )
    }

    pub fn row(&self, object: &Value) -> Value {
        let cells: Vec<Value> = self.columns.iter().map(|c| (c.cell)(object)).collect();
        let mut row = json!({"cells": cells});
        match self.include {
            IncludeObject::None => {}
            IncludeObject::Metadata => row["object"] = partial_metadata(object, self.meta_version),
            IncludeObject::Object => row["object"] = object.clone(),
        }
        row
    }

    /// A whole Table; `with_columns` is false for watch events after the first, which the real
    /// server sends without column definitions.
    pub fn table(&self, objects: &[Value], list_metadata: Value, with_columns: bool) -> Value {
        json!({
            "kind": "Table",
            "apiVersion": self.meta_version,
            "metadata": list_metadata,
            "columnDefinitions": if with_columns { self.column_definitions() } else { json!([]) },
            "rows": objects.iter().map(|o| self.row(o)).collect::<Vec<_>>(),
        })
    }

    pub fn meta_version(&self) -> &'static str {
        self.meta_version
    }
}

pub fn partial_metadata(object: &Value, meta_version: &str) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": meta_version,
        "metadata": object["metadata"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    #[test]
    fn pod_cells() {
        let pod = json!({
            "metadata": {"name": "web-1", "creationTimestamp": clock::now()},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "node-2"},
            "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 1, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}
        });
        let printer = TablePrinter::new(
            resources::by_name("pods").unwrap(),
            "meta.k8s.io/v1",
            IncludeObject::None,
        );
        let row = printer.row(&pod);
        assert_eq!(
            row["cells"],
            json!([
                "web-1",
                "1/2",
                "CrashLoopBackOff",
                "3",
                "0s",
                "10.0.0.7",
                "node-2",
                "<none>",
                "<none>"
            ])
        );
        assert!(row.get("object").is_none());
    }
}
