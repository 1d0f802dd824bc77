//! Columns of the storage, networking, access-control, policy and control-plane kinds, as
//! kube-apiserver's printers show them (`pkg/printers/internalversion`).

use serde_json::{Value, json};

use super::{
    Column, age_column, column, created_at_column, integer, label_string, load_balancer_addresses,
    name_column, str_or, wide,
};

/// `None` for a kind printed with only its name and age.
pub(super) fn columns(kind: &str) -> Option<Vec<Column>> {
    Some(match kind {
        "PersistentVolumeClaim" => vec![
            name_column(),
            column("Status", "The phase of the claim.", |o| {
                json!(phase_or_terminating(o))
            }),
            column("Volume", "The bound volume.", |o| {
                json!(o["spec"]["volumeName"].as_str().unwrap_or_default())
            }),
            column("Capacity", "The capacity of the bound volume.", |o| {
                json!(
                    o["status"]["capacity"]["storage"]
                        .as_str()
                        .unwrap_or_default()
                )
            }),
            column(
                "Access Modes",
                "The access modes of the bound volume.",
                |o| json!(access_modes(&o["status"]["accessModes"])),
            ),
            column("StorageClass", "The claim's storage class.", |o| {
                json!(o["spec"]["storageClassName"].as_str().unwrap_or_default())
            }),
            column(
                "VolumeAttributesClass",
                "The claim's volume attributes class.",
                |o| json!(str_or(&o["spec"]["volumeAttributesClassName"], "<unset>")),
            ),
            age_column(),
            wide(column("VolumeMode", "Block or Filesystem.", volume_mode)),
        ],
        "PersistentVolume" => vec![
            name_column(),
            column("Capacity", "The volume's capacity.", |o| {
                json!(
                    o["spec"]["capacity"]["storage"]
                        .as_str()
                        .unwrap_or_default()
                )
            }),
            column("Access Modes", "The volume's access modes.", |o| {
                json!(access_modes(&o["spec"]["accessModes"]))
            }),
            column(
                "Reclaim Policy",
                "What happens to the volume when its claim is released.",
                |o| {
                    json!(
                        o["spec"]["persistentVolumeReclaimPolicy"]
                            .as_str()
                            .unwrap_or("Retain")
                    )
                },
            ),
            column("Status", "The phase of the volume.", |o| {
                json!(phase_or_terminating(o))
            }),
            column("Claim", "The claim bound to the volume.", |o| {
                let claim = &o["spec"]["claimRef"];
                json!(match claim["name"].as_str() {
                    Some(name) =>
                        format!("{}/{name}", claim["namespace"].as_str().unwrap_or_default()),
                    None => String::new(),
                })
            }),
            column("StorageClass", "The volume's storage class.", |o| {
                json!(o["spec"]["storageClassName"].as_str().unwrap_or_default())
            }),
            column(
                "VolumeAttributesClass",
                "The volume's attributes class.",
                |o| json!(str_or(&o["spec"]["volumeAttributesClassName"], "<unset>")),
            ),
            column("Reason", "Why the volume is in its phase.", |o| {
                json!(o["status"]["reason"].as_str().unwrap_or_default())
            }),
            age_column(),
            wide(column("VolumeMode", "Block or Filesystem.", volume_mode)),
        ],
        "StorageClass" => vec![
            Column {
                cell: |o| {
                    let name = o["metadata"]["name"].as_str().unwrap_or_default();
                    let default = o["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"]
                        == "true";
                    json!(if default {
                        format!("{name} (default)")
                    } else {
                        name.to_string()
                    })
                },
                ..name_column()
            },
            column(
                "Provisioner",
                "The volume plugin that provisions volumes.",
                |o| o["provisioner"].clone(),
            ),
            column("ReclaimPolicy", "What happens to released volumes.", |o| {
                json!(o["reclaimPolicy"].as_str().unwrap_or("Delete"))
            }),
            column("VolumeBindingMode", "When volumes are bound.", |o| {
                json!(o["volumeBindingMode"].as_str().unwrap_or("Immediate"))
            }),
            column("AllowVolumeExpansion", "Whether claims may grow.", |o| {
                json!(
                    o["allowVolumeExpansion"]
                        .as_bool()
                        .unwrap_or(false)
                        .to_string()
                )
            }),
            age_column(),
        ],
        "ServiceAccount" => vec![
            name_column(),
            integer(column("Secrets", "The number of secrets.", |o| {
                json!(o["secrets"].as_array().map_or(0, Vec::len))
            })),
            age_column(),
        ],
        "Endpoints" => vec![
            name_column(),
            column("Endpoints", "The ready addresses and ports.", endpoints),
            age_column(),
        ],
        "ResourceQuota" => vec![
            name_column(),
            age_column(),
            column("Request", "Used and hard limits of requests.", |o| {
                json!(quota(o, false))
            }),
            column("Limit", "Used and hard limits of limits.", |o| {
                json!(quota(o, true))
            }),
        ],
        "LimitRange" | "Role" | "ClusterRole" => vec![name_column(), created_at_column()],
        "Ingress" => vec![
            name_column(),
            column("Class", "The ingress class.", |o| {
                json!(o["spec"]["ingressClassName"].as_str().unwrap_or("<none>"))
            }),
            column("Hosts", "The hosts the rules answer for.", ingress_hosts),
            column("Address", "The load balancer's addresses.", |o| {
                json!(load_balancer_addresses(o).join(","))
            }),
            column("Ports", "The ports the ingress serves.", |o| {
                let tls = o["spec"]["tls"].as_array().is_some_and(|t| !t.is_empty());
                json!(if tls { "80, 443" } else { "80" })
            }),
            age_column(),
        ],
        "IngressClass" => vec![
            name_column(),
            column(
                "Controller",
                "The controller that implements the class.",
                |o| o["spec"]["controller"].clone(),
            ),
            column("Parameters", "The class's parameters.", |o| {
                let p = &o["spec"]["parameters"];
                json!(match p["name"].as_str() {
                    Some(name) => format!("{}/{name}", p["kind"].as_str().unwrap_or_default()),
                    None => "<none>".to_string(),
                })
            }),
            age_column(),
        ],
        "NetworkPolicy" => vec![
            name_column(),
            column("Pod-Selector", "The pods the policy applies to.", |o| {
                json!(label_string(&o["spec"]["podSelector"]["matchLabels"]))
            }),
            age_column(),
        ],
        "RoleBinding" | "ClusterRoleBinding" => vec![
            name_column(),
            column("Role", "The role granted.", |o| {
                json!(format!(
                    "{}/{}",
                    o["roleRef"]["kind"].as_str().unwrap_or_default(),
                    o["roleRef"]["name"].as_str().unwrap_or_default()
                ))
            }),
            age_column(),
            wide(column("Users", "Users granted the role.", |o| {
                json!(subjects(o, "User"))
            })),
            wide(column("Groups", "Groups granted the role.", |o| {
                json!(subjects(o, "Group"))
            })),
            wide(column(
                "ServiceAccounts",
                "Service accounts granted the role.",
                |o| json!(subjects(o, "ServiceAccount")),
            )),
        ],
        "PodDisruptionBudget" => vec![
            name_column(),
            column("Min Available", "The pods that must stay available.", |o| {
                json!(int_or_string(&o["spec"]["minAvailable"]))
            }),
            column(
                "Max Unavailable",
                "The pods that may be unavailable.",
                |o| json!(int_or_string(&o["spec"]["maxUnavailable"])),
            ),
            integer(column(
                "Allowed Disruptions",
                "Evictions allowed now.",
                |o| json!(o["status"]["disruptionsAllowed"].as_i64().unwrap_or(0)),
            )),
            age_column(),
        ],
        "HorizontalPodAutoscaler" => vec![
            name_column(),
            column("Reference", "The scaled object.", |o| {
                let target = &o["spec"]["scaleTargetRef"];
                json!(format!(
                    "{}/{}",
                    target["kind"].as_str().unwrap_or_default(),
                    target["name"].as_str().unwrap_or_default()
                ))
            }),
            column("Targets", "Current and target metric values.", hpa_targets),
            integer(column("MinPods", "The fewest replicas.", |o| {
                json!(o["spec"]["minReplicas"].as_i64().unwrap_or(1))
            })),
            integer(column("MaxPods", "The most replicas.", |o| {
                o["spec"]["maxReplicas"].clone()
            })),
            integer(column("Replicas", "The current replicas.", |o| {
                json!(o["status"]["currentReplicas"].as_i64().unwrap_or(0))
            })),
            age_column(),
        ],
        "EndpointSlice" => vec![
            name_column(),
            column("AddressType", "IPv4, IPv6 or FQDN.", |o| {
                o["addressType"].clone()
            }),
            column("Ports", "The slice's ports.", |o| {
                let ports: Vec<String> = o["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p["port"].as_i64().map(|p| p.to_string()))
                    .collect();
                json!(if ports.is_empty() {
                    "<unset>".to_string()
                } else {
                    ports.join(",")
                })
            }),
            column("Endpoints", "The slice's addresses.", |o| {
                let addresses: Vec<&str> = o["endpoints"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["addresses"][0].as_str())
                    .collect();
                json!(at_most_three(&addresses))
            }),
            age_column(),
        ],
        "PriorityClass" => vec![
            name_column(),
            integer(column("Value", "The priority.", |o| o["value"].clone())),
            column(
                "Global-Default",
                "Whether pods without a class get it.",
                |o| json!(o["globalDefault"].as_bool().unwrap_or(false).to_string()),
            ),
            age_column(),
            column("PreemptionPolicy", "Whether the class preempts.", |o| {
                json!(
                    o["preemptionPolicy"]
                        .as_str()
                        .unwrap_or("PreemptLowerPriority")
                )
            }),
        ],
        "Lease" => vec![
            name_column(),
            column("Holder", "The lease's holder.", |o| {
                json!(o["spec"]["holderIdentity"].as_str().unwrap_or_default())
            }),
            age_column(),
        ],
        "RuntimeClass" => vec![
            name_column(),
            column("Handler", "The CRI handler.", |o| o["handler"].clone()),
            age_column(),
        ],
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => vec![
            name_column(),
            integer(column("Webhooks", "The number of webhooks.", |o| {
                json!(o["webhooks"].as_array().map_or(0, Vec::len))
            })),
            age_column(),
        ],
        _ => return None,
    })
}

fn phase_or_terminating(object: &Value) -> &str {
    if object["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else {
        object["status"]["phase"].as_str().unwrap_or("Pending")
    }
}

fn volume_mode(object: &Value) -> Value {
    json!(
        object["spec"]["volumeMode"]
            .as_str()
            .unwrap_or("Filesystem")
    )
}

fn access_modes(modes: &Value) -> String {
    modes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some(match m.as_str()? {
                "ReadWriteOnce" => "RWO",
                "ReadOnlyMany" => "ROX",
                "ReadWriteMany" => "RWX",
                "ReadWriteOncePod" => "RWOP",
                other => other,
            })
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `a,b,c + 2 more...`, as kubectl shortens address lists.
fn at_most_three(items: &[&str]) -> String {
    match items.len() {
        0 => "<none>".to_string(),
        n if n <= 3 => items.join(","),
        n => format!("{} + {} more...", items[..3].join(","), n - 3),
    }
}

fn endpoints(object: &Value) -> Value {
    let mut pairs = Vec::new();
    for subset in object["subsets"].as_array().into_iter().flatten() {
        for address in subset["addresses"].as_array().into_iter().flatten() {
            for port in subset["ports"].as_array().into_iter().flatten() {
                pairs.push(format!(
                    "{}:{}",
                    address["ip"].as_str().unwrap_or_default(),
                    port["port"].as_i64().unwrap_or_default()
                ));
            }
        }
    }
    let pairs: Vec<&str> = pairs.iter().map(String::as_str).collect();
    json!(at_most_three(&pairs))
}

/// `requests.cpu: 500m/4, pods: 3/20`: used over hard, sorted by name, limits in their own column.
fn quota(object: &Value, limits: bool) -> String {
    let Some(hard) = object["status"]["hard"]
        .as_object()
        .or(object["spec"]["hard"].as_object())
    else {
        return String::new();
    };
    let mut names: Vec<&String> = hard
        .keys()
        .filter(|k| k.starts_with("limits.") == limits)
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let used = object["status"]["used"][name.as_str()]
                .as_str()
                .unwrap_or("0");
            format!("{name}: {used}/{}", hard[name].as_str().unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn ingress_hosts(object: &Value) -> Value {
    let hosts: Vec<&str> = object["spec"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["host"].as_str())
        .collect();
    json!(if hosts.is_empty() {
        "*".to_string()
    } else {
        hosts.join(",")
    })
}

fn subjects(binding: &Value, kind: &str) -> String {
    binding["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["kind"] == kind)
        .map(|s| {
            let name = s["name"].as_str().unwrap_or_default();
            match (kind, s["namespace"].as_str()) {
                ("ServiceAccount", Some(namespace)) => format!("{namespace}/{name}"),
                _ => name.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn int_or_string(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => "N/A".to_string(),
    }
}

/// `cpu: 23%/70%` per resource metric, `<unknown>` before the first measurement.
fn hpa_targets(hpa: &Value) -> Value {
    let current = hpa["status"]["currentMetrics"].as_array();
    let targets: Vec<String> = hpa["spec"]["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["type"] == "Resource")
        .map(|metric| {
            let name = metric["resource"]["name"].as_str().unwrap_or_default();
            let target = metric["resource"]["target"]["averageUtilization"]
                .as_i64()
                .map_or("<unset>".to_string(), |t| format!("{t}%"));
            let now = current
                .into_iter()
                .flatten()
                .find(|c| c["resource"]["name"] == name)
                .and_then(|c| c["resource"]["current"]["averageUtilization"].as_i64())
                .map_or("<unknown>".to_string(), |c| format!("{c}%"));
            format!("{name}: {now}/{target}")
        })
        .collect();
    json!(if targets.is_empty() {
        "<none>".to_string()
    } else {
        targets.join(", ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(kind: &str, object: &Value) -> Vec<Value> {
        columns(kind)
            .unwrap_or_default()
            .iter()
            .map(|c| (c.cell)(object))
            .collect()
    }

    #[test]
    fn a_bound_claim_shows_its_volume_capacity_and_short_access_modes() {
        let claim = json!({
            "metadata": {"name": "data"},
            "spec": {"volumeName": "pv-1", "storageClassName": "standard"},
            "status": {"phase": "Bound", "capacity": {"storage": "1Gi"},
                       "accessModes": ["ReadWriteOnce", "ReadOnlyMany"]}
        });
        let row = cells("PersistentVolumeClaim", &claim);
        assert_eq!(
            row[1..6],
            [
                json!("Bound"),
                json!("pv-1"),
                json!("1Gi"),
                json!("RWO,ROX"),
                json!("standard")
            ]
        );
        assert_eq!(row[6], json!("<unset>"));
    }

    #[test]
    fn the_default_storage_class_is_marked_in_its_name() {
        let class = json!({"metadata": {"name": "standard", "annotations":
            {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "p"});
        assert_eq!(
            cells("StorageClass", &class)[0],
            json!("standard (default)")
        );
        let other = json!({"metadata": {"name": "fast"}, "provisioner": "p"});
        assert_eq!(cells("StorageClass", &other)[0], json!("fast"));
    }

    #[test]
    fn a_quota_splits_requests_from_limits_with_used_over_hard() {
        let quota = json!({"metadata": {"name": "q"}, "status": {
            "hard": {"pods": "20", "requests.cpu": "4", "limits.cpu": "8"},
            "used": {"pods": "3", "requests.cpu": "500m"}}});
        let row = cells("ResourceQuota", &quota);
        assert_eq!(row[2], json!("pods: 3/20, requests.cpu: 500m/4"));
        assert_eq!(row[3], json!("limits.cpu: 0/8"));
    }

    #[test]
    fn long_address_lists_are_shortened_as_kubectl_does() {
        assert_eq!(at_most_three(&[]), "<none>");
        assert_eq!(at_most_three(&["a", "b"]), "a,b");
        assert_eq!(
            at_most_three(&["a", "b", "c", "d", "e"]),
            "a,b,c + 2 more..."
        );
    }

    #[test]
    fn bindings_list_subjects_by_kind_with_service_accounts_namespaced() {
        let binding = json!({"metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "Group", "name": "team-a"}, {"kind": "User", "name": "alice"},
                         {"kind": "ServiceAccount", "name": "web", "namespace": "default"}]});
        let row = cells("RoleBinding", &binding);
        assert_eq!(row[1], json!("ClusterRole/edit"));
        assert_eq!(
            row[3..],
            [json!("alice"), json!("team-a"), json!("default/web")]
        );
    }

    #[test]
    fn an_autoscaler_shows_current_over_target_and_unknown_before_a_measurement() {
        let mut hpa = json!({"metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                  "target": {"type": "Utilization", "averageUtilization": 70}}}]}});
        assert_eq!(hpa_targets(&hpa), json!("cpu: <unknown>/70%"));
        hpa["status"]["currentMetrics"] = json!([{"type": "Resource",
            "resource": {"name": "cpu", "current": {"averageUtilization": 23}}}]);
        assert_eq!(hpa_targets(&hpa), json!("cpu: 23%/70%"));
        assert_eq!(
            cells("HorizontalPodAutoscaler", &hpa)[1],
            json!("Deployment/web")
        );
    }

    #[test]
    fn kinds_without_printers_get_none() {
        assert!(columns("Widget").is_none());
    }
}
