//! `metadata.managedFields`: which field manager set which fields, kept the way the API server
//! keeps them (one entry per manager, operation and subresource, the fields as `FieldsV1`), and
//! server-side apply on top of it: conflicts with other managers, and removal of the fields an
//! applier stops applying.
//!
//! Without the Go type schemas, lists are associative (`k:{"name":...}`) when every element is an
//! object with one of the usual merge keys (see [`crate::patch::list_merge_key`]), and atomic
//! otherwise; maps and objects are granular.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::clock;
use crate::patch::list_merge_key;
use crate::resources::{ResourceType, STATUS_SUBRESOURCE};
use crate::status::ApiError;

/// Who writes the objects given to the fake's own API (`FakeApiServer::apply`, seeds, the demo).
pub const FAKE_MANAGER: &str = "fake-apiserver";

/// A path as `FieldsV1` spells its steps: `f:name` for a field, `k:{"name":"x"}` for the element
/// of an associative list with that key.
pub type Path = Vec<String>;

/// A set of paths in `FieldsV1`'s shape: a tree whose nodes are members of the set themselves
/// (`member`) or only hold members below.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    member: bool,
    children: BTreeMap<String, FieldSet>,
}

impl FieldSet {
    /// Every path `value` sets: scalars, empty objects and atomic lists are leaves; elements of
    /// associative lists are members and hold their fields. Nulls set nothing.
    pub fn of(value: &Value) -> Self {
        let mut set = FieldSet::default();
        set.collect(value);
        set.member = false;
        set
    }

    fn collect(&mut self, value: &Value) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (name, child) in map.iter().filter(|(_, v)| !v.is_null()) {
                    self.child(format!("f:{name}")).collect(child);
                }
            }
            Value::Array(items) if list_merge_key(items).is_some() => {
                let key = list_merge_key(items).unwrap_or_default();
                for item in items {
                    let node = self.child(item_key(key, item));
                    node.member = true;
                    node.collect(item);
                }
            }
            _ => self.member = true,
        }
    }

    fn child(&mut self, key: String) -> &mut FieldSet {
        self.children.entry(key).or_default()
    }

    pub fn from_fields_v1(value: &Value) -> Self {
        let mut set = FieldSet::default();
        if let Some(map) = value.as_object() {
            for (key, child) in map {
                if key == "." {
                    set.member = true;
                } else {
                    let mut node = FieldSet::from_fields_v1(child);
                    if node.children.is_empty() {
                        node.member = true;
                    }
                    set.children.insert(key.clone(), node);
                }
            }
        }
        set
    }

    pub fn to_fields_v1(&self) -> Value {
        let mut map = Map::new();
        if self.member && !self.children.is_empty() {
            map.insert(".".into(), json!({}));
        }
        for (key, child) in &self.children {
            map.insert(key.clone(), child.to_fields_v1());
        }
        Value::Object(map)
    }

    pub fn is_empty(&self) -> bool {
        !self.member && self.children.values().all(FieldSet::is_empty)
    }

    /// Every member path, parents before their children.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.walk(&mut Vec::new(), &mut out);
        out
    }

    fn walk(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        if self.member && !prefix.is_empty() {
            out.push(prefix.clone());
        }
        for (key, child) in &self.children {
            prefix.push(key.clone());
            child.walk(prefix, out);
            prefix.pop();
        }
    }

    fn node(&self, path: &[String]) -> Option<&FieldSet> {
        path.iter()
            .try_fold(self, |node, key| node.children.get(key))
    }

    pub fn contains(&self, path: &[String]) -> bool {
        self.node(path).is_some_and(|n| n.member)
    }

    /// Whether the path is a member with nothing below it: a value, not a container of others.
    pub fn is_leaf(&self, path: &[String]) -> bool {
        self.node(path)
            .is_some_and(|n| n.member && n.children.is_empty())
    }

    pub fn insert(&mut self, path: &[String]) {
        let mut node = self;
        for key in path {
            node = node.child(key.clone());
        }
        node.member = true;
    }

    pub fn remove(&mut self, path: &[String]) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut node = &mut *self;
        for key in parents {
            let Some(child) = node.children.get_mut(key) else {
                return;
            };
            node = child;
        }
        if let Some(target) = node.children.get_mut(last) {
            target.member = false;
        }
        self.prune();
    }

    fn prune(&mut self) {
        for child in self.children.values_mut() {
            child.prune();
        }
        self.children.retain(|_, child| !child.is_empty());
    }
}

/// `k:{"name":"x"}`: the key of an associative list's element (JSON with sorted keys).
fn item_key(key: &str, item: &Value) -> String {
    format!("k:{}", json!({ key: item[key] }))
}

/// The value a path leads to.
pub fn value_at<'v>(object: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter()
        .try_fold(object, |value, step| step_into(value, step))
}

fn step_into<'v>(value: &'v Value, step: &str) -> Option<&'v Value> {
    if let Some(name) = step.strip_prefix("f:") {
        return value.get(name);
    }
    let key = parse_key(step)?;
    value
        .as_array()?
        .iter()
        .find(|item| matches_key(item, &key))
}

fn parse_key(step: &str) -> Option<Map<String, Value>> {
    serde_json::from_str(step.strip_prefix("k:")?).ok()
}

fn matches_key(item: &Value, key: &Map<String, Value>) -> bool {
    key.iter()
        .all(|(name, value)| item.get(name) == Some(value))
}

/// Removes what a path leads to, if it is there.
pub fn remove_at(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut parent = object;
    for step in parents {
        let next = if let Some(name) = step.strip_prefix("f:") {
            parent.get_mut(name)
        } else {
            parse_key(step).and_then(|key| {
                parent
                    .as_array_mut()?
                    .iter_mut()
                    .find(|item| matches_key(item, &key))
            })
        };
        let Some(next) = next else { return };
        parent = next;
    }
    if let Some(name) = last.strip_prefix("f:") {
        if let Some(map) = parent.as_object_mut() {
            map.remove(name);
        }
    } else if let (Some(key), Some(items)) = (parse_key(last), parent.as_array_mut()) {
        items.retain(|item| !matches_key(item, &key));
    }
}

/// A path as the API server prints it in conflicts: `.spec.containers[name="nginx"].image`.
pub fn path_string(path: &[String]) -> String {
    path.iter()
        .map(|step| match step.strip_prefix("f:") {
            Some(name) => format!(".{name}"),
            None => {
                let key = parse_key(step).unwrap_or_default();
                let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("[{}]", parts.join(","))
            }
        })
        .collect()
}

/// Which part of an object a write may set, and so which fields it is tracked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The object through its own endpoint: `status` belongs to `/status` where there is one.
    Main,
    /// `/status`: only `status`.
    Status,
    /// The fake's own API, which may set anything.
    Everything,
}

/// The part of an object whose fields are tracked: identity and server-owned metadata are never
/// anyone's, and the scope decides about `status`.
fn tracked(resource: &ResourceType, object: &Value, scope: Scope) -> Value {
    let mut object = object.clone();
    let Some(map) = object.as_object_mut() else {
        return json!({});
    };
    map.remove("apiVersion");
    map.remove("kind");
    if let Some(metadata) = map.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "managedFields",
            "selfLink",
        ] {
            metadata.remove(field);
        }
    }
    // What is left of metadata may be nothing, which is not a field anyone set.
    if map
        .get("metadata")
        .is_some_and(|m| m.as_object().is_some_and(Map::is_empty))
    {
        map.remove("metadata");
    }
    let has_status_subresource = STATUS_SUBRESOURCE.contains(&resource.kind);
    match scope {
        Scope::Main if has_status_subresource => {
            map.remove("status");
        }
        Scope::Status => map.retain(|field, _| field == "status"),
        Scope::Main | Scope::Everything => {}
    }
    object
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    manager: String,
    operation: &'static str,
    subresource: Option<String>,
    api_version: String,
    time: String,
    fields: FieldSet,
}

impl Entry {
    fn is(&self, manager: &str, operation: &str, subresource: Option<&str>) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource.as_deref() == subresource
    }

    fn to_json(&self) -> Value {
        let mut entry = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": self.fields.to_fields_v1(),
        });
        if let Some(subresource) = &self.subresource {
            entry["subresource"] = json!(subresource);
        }
        entry
    }

    /// How conflicts name the manager: `"kubectl"`, or for updates `"m" using v1 at <time>`.
    fn describe(&self) -> String {
        let mut text = format!("{:?}", self.manager);
        if let Some(subresource) = &self.subresource {
            text.push_str(&format!(" with subresource {subresource:?}"));
        }
        if self.operation == "Update" {
            text.push_str(&format!(" using {} at {}", self.api_version, self.time));
        }
        text
    }
}

fn entries(object: &Value) -> Vec<Entry> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    let operation = match e["operation"].as_str()? {
                        "Apply" => "Apply",
                        "Update" => "Update",
                        _ => return None,
                    };
                    Some(Entry {
                        manager: e["manager"].as_str().unwrap_or_default().to_string(),
                        operation,
                        subresource: e["subresource"].as_str().map(str::to_string),
                        api_version: e["apiVersion"].as_str().unwrap_or_default().to_string(),
                        time: e["time"].as_str().unwrap_or_default().to_string(),
                        fields: FieldSet::from_fields_v1(&e["fieldsV1"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn store_entries(object: &mut Value, entries: Vec<Entry>) {
    let entries: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(Entry::to_json)
        .collect();
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    if let Some(metadata) = object["metadata"].as_object_mut() {
        if entries.is_empty() {
            metadata.remove("managedFields");
        } else {
            metadata.insert("managedFields".into(), Value::Array(entries));
        }
    }
}

/// Who is writing, as the API server names them.
#[derive(Debug, Clone)]
pub struct Writer<'a> {
    pub manager: &'a str,
    pub scope: Scope,
    /// `status` or `scale` for writes through those subresources.
    pub subresource: Option<&'a str>,
}

/// A create, update or (non-apply) patch: the writer takes over every field it changed, and
/// fields that disappeared are no one's any more. `object` keeps the managed fields of `current`
/// (those a client sends along are not taken).
pub fn record_update(
    resource: &ResourceType,
    current: Option<&Value>,
    object: &mut Value,
    writer: &Writer,
) {
    let empty = json!({});
    let before = tracked(resource, current.unwrap_or(&empty), writer.scope);
    let after = tracked(resource, object, writer.scope);
    let (old_fields, new_fields) = (FieldSet::of(&before), FieldSet::of(&after));
    let changed: Vec<Path> = new_fields
        .paths()
        .into_iter()
        .filter(|p| value_at(&after, p) != value_at(&before, p))
        .collect();
    let removed: Vec<Path> = old_fields
        .paths()
        .into_iter()
        .filter(|p| !new_fields.contains(p))
        .collect();
    let mut entries = current.map(entries).unwrap_or_default();
    for entry in &mut entries {
        for path in changed.iter().chain(&removed) {
            entry.fields.remove(path);
        }
    }
    let own = own_entry(&mut entries, resource, writer, "Update");
    for path in &changed {
        own.fields.insert(path);
    }
    if !changed.is_empty() || !removed.is_empty() {
        own.time = clock::now();
    }
    store_entries(object, entries);
}

fn own_entry<'e>(
    entries: &'e mut Vec<Entry>,
    resource: &ResourceType,
    writer: &Writer,
    operation: &'static str,
) -> &'e mut Entry {
    let position = entries
        .iter()
        .position(|e| e.is(writer.manager, operation, writer.subresource));
    let index = match position {
        Some(index) => index,
        None => {
            entries.push(Entry {
                manager: writer.manager.to_string(),
                operation,
                subresource: writer.subresource.map(str::to_string),
                api_version: resource.api_version(),
                time: clock::now(),
                fields: FieldSet::default(),
            });
            entries.len() - 1
        }
    };
    &mut entries[index]
}

/// Server-side apply of `config` by `writer` onto `current` (nothing yet, for a create).
/// Fields other managers own with another value are conflicts, refused unless `force` (which
/// takes them over); fields this manager applied before and applies no more are removed, unless
/// someone else also owns them.
pub fn apply(
    resource: &ResourceType,
    current: Option<&Value>,
    config: &Value,
    writer: &Writer,
    force: bool,
) -> Result<Value, ApiError> {
    let mut object = current.cloned().unwrap_or_else(|| json!({}));
    let live = tracked(resource, &object, writer.scope);
    let wanted = tracked(resource, config, writer.scope);
    let applied = FieldSet::of(&wanted);
    let mut entries = entries(&object);
    let mut conflicts: Vec<(usize, Path)> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if entry.is(writer.manager, "Apply", writer.subresource) {
            continue;
        }
        for path in applied.paths() {
            if applied.is_leaf(&path)
                && entry.fields.contains(&path)
                && value_at(&live, &path) != value_at(&wanted, &path)
            {
                conflicts.push((index, path));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflict_error(&entries, &conflicts));
    }
    for (index, path) in &conflicts {
        entries[*index].fields.remove(path);
    }
    merge(
        &mut object,
        &strip_for_merge(resource, config, writer.scope),
    );
    let previous = entries
        .iter()
        .find(|e| e.is(writer.manager, "Apply", writer.subresource))
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    for path in previous.paths() {
        let owned_by_others = entries
            .iter()
            .filter(|e| !e.is(writer.manager, "Apply", writer.subresource))
            .any(|e| e.fields.contains(&path));
        if !applied.contains(&path) && !owned_by_others {
            remove_at(&mut object, &path);
            remove_emptied_parents(&mut object, &path, &applied, &entries);
        }
    }
    let unchanged =
        current.is_some_and(|c| without_managed_fields(c) == without_managed_fields(&object));
    let own = own_entry(&mut entries, resource, writer, "Apply");
    if !(unchanged && own.fields == applied) {
        own.time = clock::now();
    }
    own.fields = applied;
    store_entries(&mut object, entries);
    Ok(object)
}

fn without_managed_fields(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(metadata) = object["metadata"].as_object_mut() {
        metadata.remove("managedFields");
    }
    object
}

/// After a removal, the maps it left empty go too, unless they are someone's field themselves
/// (`labels: {}` applied on purpose stays).
fn remove_emptied_parents(
    object: &mut Value,
    path: &[String],
    applied: &FieldSet,
    entries: &[Entry],
) {
    for end in (1..path.len()).rev() {
        let parent = &path[..end];
        let emptied =
            value_at(object, parent).is_some_and(|v| v.as_object().is_some_and(Map::is_empty));
        let owned = applied.contains(parent) || entries.iter().any(|e| e.fields.contains(parent));
        if !emptied || owned {
            return;
        }
        remove_at(object, parent);
    }
}

/// What of an apply configuration is merged into the object: what its scope may set, plus the
/// identity fields that must match anyway.
fn strip_for_merge(resource: &ResourceType, config: &Value, scope: Scope) -> Value {
    let mut merged = tracked(resource, config, scope);
    for field in ["apiVersion", "kind"] {
        if let Some(value) = config.get(field) {
            merged[field] = value.clone();
        }
    }
    for field in ["name", "namespace"] {
        if let Some(value) = config["metadata"].get(field) {
            merged["metadata"][field] = value.clone();
        }
    }
    merged
}

/// Applies a configuration onto an object: objects merge field by field, associative lists
/// element by element, anything else is replaced; a null removes the field.
fn merge(target: &mut Value, config: &Value) {
    match (&mut *target, config) {
        (Value::Object(target), Value::Object(config)) => {
            for (name, value) in config {
                match (value, target.get_mut(name)) {
                    (Value::Null, _) => {
                        target.remove(name);
                    }
                    (_, Some(existing)) => merge(existing, value),
                    (_, None) => {
                        target.insert(name.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(items), Value::Array(wanted)) => {
            let all: Vec<Value> = items.iter().chain(wanted).cloned().collect();
            let Some(key) = list_merge_key(&all) else {
                *target = config.clone();
                return;
            };
            for item in wanted {
                match items.iter_mut().find(|i| i.get(key) == item.get(key)) {
                    Some(existing) => merge(existing, item),
                    None => items.push(item.clone()),
                }
            }
        }
        (target, config) => *target = config.clone(),
    }
}

/// The API server's 409 for apply conflicts (`NewConflictError`).
fn conflict_error(entries: &[Entry], conflicts: &[(usize, Path)]) -> ApiError {
    let describe = |index: usize| entries[index].describe();
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(index, path)| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {}", describe(*index)),
                "field": path_string(path),
            })
        })
        .collect();
    let message = match conflicts {
        [(index, path)] => format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            describe(*index),
            path_string(path)
        ),
        _ => {
            let mut by_manager: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (index, path) in conflicts {
                by_manager
                    .entry(describe(*index))
                    .or_default()
                    .push(path_string(path));
            }
            let lines: Vec<String> = by_manager
                .iter()
                .flat_map(|(manager, paths)| {
                    std::iter::once(format!("conflicts with {manager}:"))
                        .chain(paths.iter().map(|p| format!("- {p}")))
                })
                .collect();
            format!(
                "Apply failed with {} conflicts: {}",
                conflicts.len(),
                lines.join("\n")
            )
        }
    };
    ApiError::new(409, "Conflict", message).with_details(json!({"causes": causes}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    fn configmaps() -> &'static ResourceType {
        resources::by_name("configmaps").unwrap()
    }

    fn writer(manager: &str) -> Writer<'_> {
        Writer {
            manager,
            scope: Scope::Main,
            subresource: None,
        }
    }

    #[test]
    fn fields_v1_round_trips_with_associative_lists() {
        let object = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}], "args": ["a"]}});
        let set = FieldSet::of(&object);
        let v1 = set.to_fields_v1();
        assert_eq!(
            v1,
            json!({"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {
                "f:args": {},
                "f:containers": {"k:{\"name\":\"nginx\"}": {".": {}, "f:image": {}, "f:name": {}}}}})
        );
        assert_eq!(FieldSet::from_fields_v1(&v1), set);
        let image: Path = vec![
            "f:spec".into(),
            "f:containers".into(),
            "k:{\"name\":\"nginx\"}".into(),
            "f:image".into(),
        ];
        assert_eq!(value_at(&object, &image), Some(&json!("nginx")));
        assert_eq!(
            path_string(&image),
            ".spec.containers[name=\"nginx\"].image"
        );
    }

    #[test]
    fn updates_take_over_changed_fields() {
        let mut created = json!({"data": {"a": "1", "b": "2"}});
        record_update(configmaps(), None, &mut created, &writer("creator"));
        let mut updated = created.clone();
        updated["data"]["a"] = json!("changed");
        record_update(
            configmaps(),
            Some(&created),
            &mut updated,
            &writer("editor"),
        );
        let entries = entries(&updated);
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].fields.to_fields_v1(),
            json!({"f:data": {"f:b": {}}})
        );
        assert_eq!(entries[1].manager, "editor");
        assert_eq!(
            entries[1].fields.to_fields_v1(),
            json!({"f:data": {"f:a": {}}})
        );
    }

    #[test]
    fn apply_conflicts_force_and_removal() {
        let mut live = json!({"metadata": {"name": "cm"}, "data": {"a": "1"}});
        record_update(configmaps(), None, &mut live, &writer("kubectl-create"));
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"},
                            "data": {"a": "2", "b": "new"}});
        let error = apply(configmaps(), Some(&live), &config, &writer("ssa"), false).unwrap_err();
        assert_eq!(error.code, 409);
        assert!(
            error.message.starts_with(
                "Apply failed with 1 conflict: conflict with \"kubectl-create\" using v1 at "
            ),
            "{}",
            error.message
        );
        assert!(error.message.ends_with(": .data.a"), "{}", error.message);
        assert_eq!(error.details["causes"][0]["field"], ".data.a");

        let same = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1", "b": "new"}});
        let shared = apply(configmaps(), Some(&live), &same, &writer("ssa"), false)
            .expect("the same value is no conflict");
        assert_eq!(shared["data"], json!({"a": "1", "b": "new"}));

        let forced = apply(configmaps(), Some(&live), &config, &writer("ssa"), true).unwrap();
        assert_eq!(forced["data"], json!({"a": "2", "b": "new"}));
        let managers: Vec<&str> = forced["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["manager"].as_str().unwrap())
            .collect();
        assert_eq!(managers, ["ssa"], "kubectl-create lost its only field");

        let fewer = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "2"}});
        let after = apply(configmaps(), Some(&forced), &fewer, &writer("ssa"), false).unwrap();
        assert_eq!(
            after["data"],
            json!({"a": "2"}),
            "b is no longer applied by anyone"
        );
    }
}
