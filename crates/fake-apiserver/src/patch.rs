//! PATCH bodies: JSON merge, strategic merge (approximated), JSON patch and apply patches.

use serde_json::{Map, Value};

use crate::status::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Merge,
    Strategic,
    Json,
    /// Server-side apply; handled as a merge that may create the object.
    Apply,
}

impl PatchType {
    pub fn from_content_type(content_type: &str) -> Result<Self, ApiError> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        match media {
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Ok(PatchType::Apply),
            _ => Err(ApiError::unsupported_media_type(content_type)),
        }
    }
}

pub fn apply(kind: PatchType, current: &Value, body: &[u8]) -> Result<Value, ApiError> {
    let mut result = current.clone();
    match kind {
        PatchType::Json => {
            let patch: json_patch::Patch = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
            json_patch::patch(&mut result, &patch)
                .map_err(|e| ApiError::new(422, "Invalid", e.to_string()))?;
        }
        PatchType::Merge | PatchType::Apply => json_patch::merge(&mut result, &parse(body)?),
        PatchType::Strategic => strategic_merge(&mut result, &parse(body)?),
    }
    Ok(result)
}

pub fn parse(body: &[u8]) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::bad_request("a patch must be a JSON object"))
    }
}

/// An apply configuration: YAML (which JSON also is), one object with `apiVersion` and `kind`.
pub fn parse_apply(body: &[u8]) -> Result<Value, ApiError> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) => serde_saphyr::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?,
    };
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the apply configuration must be an object",
        ));
    }
    for field in ["apiVersion", "kind"] {
        if value[field].as_str().is_none_or(str::is_empty) {
            return Err(ApiError::bad_request(format!(
                "Object '{}' is missing in the apply configuration",
                if field == "kind" {
                    "Kind"
                } else {
                    "apiVersion"
                }
            )));
        }
    }
    if !value["metadata"]["managedFields"].is_null() {
        return Err(ApiError::bad_request("metadata.managedFields must be nil"));
    }
    Ok(value)
}

/// Strategic merge without the Go type schemas: lists of objects are merged by the first
/// key that identifies every element (`name`, then port and path keys), other lists are
/// replaced, and the `$patch` / `$setElementOrder` / `$retainKeys` /
/// `$deleteFromPrimitiveList` directives kubectl sends are honoured rather than stored.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = strip_directives(&Value::Object(patch.clone()));
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(map) = target.as_object_mut() else {
        return;
    };
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Some(remove)) =
                (map.get_mut(field), value.as_array())
            {
                items.retain(|item| !remove.contains(item));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        match value {
            Value::Null => {
                map.remove(key);
            }
            Value::Object(_) => strategic_merge(map.entry(key).or_insert(Value::Null), value),
            Value::Array(items) => merge_list(map.entry(key).or_insert(Value::Null), items),
            _ => {
                map.insert(key.clone(), value.clone());
            }
        }
    }
    for (key, order) in patch {
        if let (Some(field), Some(order)) =
            (key.strip_prefix("$setElementOrder/"), order.as_array())
            && let Some(Value::Array(items)) = map.get_mut(field)
        {
            reorder(items, order);
        }
    }
    if let Some(Value::Array(retain)) = patch.get("$retainKeys") {
        map.retain(|key, _| retain.iter().any(|r| r.as_str() == Some(key)));
    }
}

const MERGE_KEYS: &[&str] = &[
    "name",
    "containerPort",
    "port",
    "mountPath",
    "devicePath",
    "type",
    "ip",
];

fn merge_key(target: &[Value], patch: &[Value]) -> Option<&'static str> {
    if patch.is_empty() {
        return None;
    }
    let all: Vec<&Value> = patch.iter().chain(target).collect();
    key_of_all(&all)
}

/// The key that identifies every element of a list of objects, making it an associative list
/// (merged element by element) rather than an atomic one.
pub fn list_merge_key(items: &[Value]) -> Option<&'static str> {
    if items.is_empty() {
        return None;
    }
    key_of_all(&items.iter().collect::<Vec<_>>())
}

fn key_of_all(items: &[&Value]) -> Option<&'static str> {
    MERGE_KEYS.iter().copied().find(|key| {
        items.iter().all(|item| {
            item.get(key)
                .is_some_and(|v| v.is_string() || v.is_number())
        })
    })
}

fn merge_list(target: &mut Value, patch: &[Value]) {
    let key = match target {
        Value::Array(current) => merge_key(current, patch),
        _ => None,
    };
    let (Some(key), Value::Array(current)) = (key, &mut *target) else {
        *target = Value::Array(patch.iter().map(strip_directives).collect());
        return;
    };
    for item in patch {
        let position = current.iter().position(|c| c.get(key) == item.get(key));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                current.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_merge(&mut current[i], item),
            (None, false) => current.push(strip_directives(item)),
        }
    }
}

/// Puts the elements named in a `$setElementOrder` list first, in its order.
fn reorder(items: &mut Vec<Value>, order: &[Value]) {
    let Some(key) = order
        .first()
        .and_then(Value::as_object)
        .and_then(|o| o.keys().next().cloned())
    else {
        return;
    };
    let mut ordered = Vec::with_capacity(items.len());
    for wanted in order {
        if let Some(i) = items
            .iter()
            .position(|item| item.get(&key) == wanted.get(&key))
        {
            ordered.push(items.remove(i));
        }
    }
    ordered.append(items);
    *items = ordered;
}

fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_keeps_unnamed_container_fields() {
        let mut deployment = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "busybox"}
        ]}}}});
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}],
            "containers": [{"name": "nginx", "image": "nginx:1.26"}]
        }}}});
        strategic_merge(&mut deployment, &patch);
        let containers = &deployment["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[0]["name"], "sidecar");
        assert_eq!(containers[1]["image"], "nginx:1.26");
        assert_eq!(containers[1]["ports"][0]["containerPort"], 80);
        assert!(
            deployment["spec"]["template"]["spec"]
                .get("$setElementOrder/containers")
                .is_none()
        );
    }

    #[test]
    fn strategic_merge_deletes() {
        let mut cm = json!({"data": {"a": "1", "b": "2"}, "items": [{"name": "x"}, {"name": "y"}]});
        strategic_merge(
            &mut cm,
            &json!({"data": {"a": null}, "items": [{"name": "x", "$patch": "delete"}]}),
        );
        assert_eq!(cm, json!({"data": {"b": "2"}, "items": [{"name": "y"}]}));
    }

    #[test]
    fn apply_configurations_may_be_yaml() {
        let yaml = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n";
        let value = parse_apply(yaml).unwrap();
        assert_eq!(value["data"]["a"], "1");
        assert_eq!(value["metadata"]["name"], "x");
        let json = br#"{"apiVersion":"v1","kind":"ConfigMap","data":{"n":1}}"#;
        assert_eq!(parse_apply(json).unwrap()["data"]["n"], 1);
        assert!(
            parse_apply(b"data:\n  a: b\n").is_err(),
            "kind and apiVersion are required"
        );
        assert!(parse_apply(b"- a\n- b\n").is_err());
    }

    #[test]
    fn json_patch_and_merge() {
        let current = json!({"metadata": {"labels": {"a": "1"}}});
        let patched = apply(
            PatchType::Json,
            &current,
            br#"[{"op":"add","path":"/metadata/labels/b","value":"2"}]"#,
        )
        .unwrap();
        assert_eq!(patched["metadata"]["labels"]["b"], "2");
        let merged = apply(
            PatchType::Merge,
            &current,
            br#"{"metadata":{"labels":{"a":null}}}"#,
        )
        .unwrap();
        assert_eq!(merged["metadata"]["labels"], json!({}));
    }
}
