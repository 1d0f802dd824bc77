//! `deployments/scale`, `replicasets/scale` and `statefulsets/scale`: the `autoscaling/v1` Scale view of
//! `spec.replicas` that `kubectl scale` reads and patches.

use serde_json::{Value, json};

use crate::patch::{self, PatchType};
use crate::status::ApiError;

pub fn to_scale(object: &Value) -> Value {
    let metadata = &object["metadata"];
    let selector = object["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata["uid"],
            "resourceVersion": metadata["resourceVersion"],
            "creationTimestamp": metadata["creationTimestamp"],
        },
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(0)},
        "status": {
            "replicas": object["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": selector,
        },
    })
}

/// The object with the replicas of a new Scale: a PUT body, or a patch of the current Scale.
/// The Scale's resourceVersion, if any, guards the write like the object's own would.
pub fn apply(
    current: &Value,
    patch_type: Option<PatchType>,
    body: &[u8],
) -> Result<Value, ApiError> {
    let scale = match patch_type {
        Some(kind) => patch::apply(kind, &to_scale(current), body)?,
        None => patch::parse(body)?,
    };
    let replicas = scale["spec"]["replicas"]
        .as_i64()
        .ok_or_else(|| ApiError::bad_request("spec.replicas is required"))?;
    let mut object = current.clone();
    object["spec"]["replicas"] = json!(replicas);
    if let Some(rv) = scale["metadata"]["resourceVersion"]
        .as_str()
        .filter(|rv| !rv.is_empty())
    {
        object["metadata"]["resourceVersion"] = json!(rv);
    }
    Ok(object)
}
