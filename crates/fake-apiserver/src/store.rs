//! The object store: one global resourceVersion, a bounded event history, live watchers.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::clock;
use crate::defaults;
use crate::managed_fields::{self, FAKE_MANAGER, Scope, Writer};
use crate::resources::{self, ResourceType};
use crate::selectors::Selector;
use crate::status::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as every watcher of its resource type will be told about it.
#[derive(Debug)]
pub struct StoreEvent {
    pub kind: EventType,
    pub resource: &'static ResourceType,
    pub object: Value,
    /// The state before a modification, so selector watches can turn it into ADDED/DELETED.
    pub previous: Option<Value>,
    pub rv: u64,
}

/// Where a watch starts, from its `resourceVersion` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchStart {
    /// Unset or "0": synthetic ADDED events for everything that exists, then live events.
    Snapshot,
    /// Only the changes after this version.
    After(u64),
}

/// What a new watch must send first, and the channel of everything after.
pub struct Subscription {
    pub backlog: Vec<Arc<StoreEvent>>,
    pub live: broadcast::Receiver<Arc<StoreEvent>>,
    pub current_rv: u64,
}

/// Where an object is stored: ordered by type, namespace and name, as etcd lists them.
#[derive(Debug, Clone)]
struct Key {
    resource: &'static ResourceType,
    namespace: String,
    name: String,
}

impl Key {
    fn new(resource: &'static ResourceType, namespace: &str, name: &str) -> Self {
        Key {
            resource,
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    fn order(&self) -> (&str, &str, &str, &str) {
        (
            self.resource.group,
            self.resource.plural,
            &self.namespace,
            &self.name,
        )
    }

    fn is_of(&self, resource: &ResourceType) -> bool {
        self.resource.group == resource.group && self.resource.plural == resource.plural
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.order() == other.order()
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order().cmp(&other.order())
    }
}

struct Inner {
    objects: BTreeMap<Key, Value>,
    rv: u64,
    history: VecDeque<Arc<StoreEvent>>,
    history_limit: usize,
    /// The newest version dropped from the history: watches from before it get 410 Expired.
    compacted: u64,
    next_pod_ip: u32,
}

pub struct Store {
    inner: Mutex<Inner>,
    events: broadcast::Sender<Arc<StoreEvent>>,
}

/// Events a watcher may fall behind before it is told to start again (410). Every slot holds its
/// event until overwritten, so this bounds memory as much as it bounds lag.
const LIVE_EVENTS: usize = 4096;

impl Inner {
    /// The objects of one type (in one namespace), found by key range rather than by a scan.
    fn of_type<'a>(
        &'a self,
        resource: &'static ResourceType,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = (&'a Key, &'a Value)> + 'a {
        let from = Key::new(resource, namespace.unwrap_or_default(), "");
        let namespace = namespace.map(str::to_string);
        self.objects.range(from..).take_while(move |(k, _)| {
            k.is_of(resource) && namespace.as_ref().is_none_or(|ns| &k.namespace == ns)
        })
    }
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        let (events, _) = broadcast::channel(LIVE_EVENTS);
        Store {
            inner: Mutex::new(Inner {
                objects: BTreeMap::new(),
                rv: 1000,
                history: VecDeque::new(),
                history_limit: history_limit.max(1),
                compacted: 0,
                next_pod_ip: 10,
            }),
            events,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map half-written, so keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every change from now on, for streams that only care about a few (log followers).
    pub fn events(&self) -> broadcast::Receiver<Arc<StoreEvent>> {
        self.events.subscribe()
    }

    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(
        &self,
        resource: &'static ResourceType,
        namespace: &str,
        name: &str,
    ) -> Option<Value> {
        self.lock()
            .objects
            .get(&Key::new(resource, namespace, name))
            .cloned()
    }

    /// Matching objects in key order (namespace, then name), as etcd returns them.
    pub fn list(
        &self,
        resource: &'static ResourceType,
        namespace: Option<&str>,
        selector: &Selector,
    ) -> (Vec<Value>, u64) {
        let inner = self.lock();
        let items = inner
            .of_type(resource, namespace)
            .map(|(_, v)| v)
            .filter(|v| selector.matches(v))
            .cloned()
            .collect();
        (items, inner.rv)
    }

    pub fn create(
        &self,
        resource: &'static ResourceType,
        namespace: Option<&str>,
        mut object: Value,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let namespace = namespace.unwrap_or_default();
        prepare_identity(resource, namespace, &mut object)?;
        if resource.namespaced
            && let Some(namespaces) = resources::by_name("namespaces")
            && !inner
                .objects
                .contains_key(&Key::new(namespaces, "", namespace))
        {
            return Err(ApiError::not_found("namespaces", "", namespace));
        }
        let name = match object["metadata"]["name"].as_str() {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => match object["metadata"]["generateName"].as_str() {
                Some(prefix) if !prefix.is_empty() => {
                    let name = unique_name(&inner, resource, namespace, prefix);
                    object["metadata"]["name"] = json!(name);
                    name
                }
                _ => {
                    return Err(ApiError::invalid(
                        resource.kind,
                        resource.group,
                        "",
                        "metadata.name: Required value: name or generateName is required",
                    ));
                }
            },
        };
        validate_name(resource, &name)?;
        let key = Key::new(resource, namespace, &name);
        if inner.objects.contains_key(&key) {
            return Err(ApiError::already_exists(
                resource.plural,
                resource.group,
                &name,
            ));
        }
        if let Some(metadata) = object["metadata"].as_object_mut() {
            metadata.remove("resourceVersion");
            metadata.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
            metadata
                .entry("creationTimestamp")
                .and_modify(|t| {
                    if !t.is_string() {
                        *t = json!(clock::now());
                    }
                })
                .or_insert_with(|| json!(clock::now()));
        }
        let pod_ip = inner.next_pod_ip;
        if defaults::on_create(resource, &mut object, pod_ip) {
            inner.next_pod_ip += 1;
        }
        if dry_run {
            return Ok(object);
        }
        Ok(inner.commit(&self.events, key, EventType::Added, object, None))
    }

    /// Read-modify-write under the store lock, with update's conflict rules on the result.
    /// `client` writes cannot change a status that real clusters only take through `/status`.
    #[allow(clippy::too_many_arguments)]
    pub fn modify(
        &self,
        resource: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        dry_run: bool,
        client: bool,
        change: impl FnOnce(&Value) -> Result<Value, ApiError>,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let namespace = namespace.unwrap_or_default();
        let key = Key::new(resource, namespace, name);
        let Some(current) = inner.objects.get(&key).cloned() else {
            return Err(ApiError::not_found(resource.plural, resource.group, name));
        };
        let mut object = change(&current)?;
        prepare_identity(resource, namespace, &mut object)?;
        match object["metadata"]["name"].as_str() {
            Some(n) if n == name => {}
            None | Some("") => object["metadata"]["name"] = json!(name),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({other}) does not match the name on the URL ({name})"
                )));
            }
        }
        let current_rv = &current["metadata"]["resourceVersion"];
        match &object["metadata"]["resourceVersion"] {
            Value::Null => {}
            Value::String(rv) if rv.is_empty() => {}
            rv if rv == current_rv => {}
            _ => return Err(ApiError::conflict(resource.plural, resource.group, name)),
        }
        // Identity fields belong to the server: clients cannot change them by update.
        for field in ["uid", "creationTimestamp"] {
            object["metadata"][field] = current["metadata"][field].clone();
        }
        defaults::on_update(resource, &current, &mut object, client);
        if dry_run {
            return Ok(object);
        }
        // Like the API server, a write that changes nothing is not stored: no new
        // resourceVersion, no watch event.
        object["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"].clone();
        if object == current {
            return Ok(current);
        }
        Ok(inner.commit(
            &self.events,
            key,
            EventType::Modified,
            object,
            Some(current),
        ))
    }

    /// Create-or-replace for tests and seeding: never conflicts. The fields it sets are owned by
    /// [`FAKE_MANAGER`], as a controller's would be.
    pub fn upsert(&self, mut object: Value) -> Result<Value, ApiError> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        let resource = resources::by_kind(api_version, kind)
            .filter(|r| r.stored)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "no kind \"{kind}\" is registered for version \"{api_version}\""
                ))
            })?;
        let namespace = if resource.namespaced {
            Some(
                object["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("default")
                    .to_string(),
            )
        } else {
            None
        };
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let writer = Writer {
            manager: FAKE_MANAGER,
            scope: Scope::Everything,
            subresource: None,
        };
        if self
            .get(resource, namespace.as_deref().unwrap_or_default(), &name)
            .is_some()
        {
            if let Some(metadata) = object["metadata"].as_object_mut() {
                metadata.remove("resourceVersion");
            }
            self.modify(
                resource,
                namespace.as_deref(),
                &name,
                false,
                false,
                |current| {
                    managed_fields::record_update(resource, Some(current), &mut object, &writer);
                    Ok(object)
                },
            )
        } else {
            managed_fields::record_update(resource, None, &mut object, &writer);
            self.create(resource, namespace.as_deref(), object, false)
        }
    }

    /// Removes an object; deleting a namespace removes everything in it too.
    pub fn delete(
        &self,
        resource: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let key = Key::new(resource, namespace.unwrap_or_default(), name);
        let Some(object) = inner.objects.get(&key).cloned() else {
            return Err(ApiError::not_found(resource.plural, resource.group, name));
        };
        if dry_run {
            return Ok(object);
        }
        if resource.plural == "namespaces" {
            let contents: Vec<Key> = inner
                .objects
                .keys()
                .filter(|k| k.namespace == name)
                .cloned()
                .collect();
            for key in contents {
                inner.remove(&self.events, key);
            }
        }
        inner
            .remove(&self.events, key)
            .ok_or_else(|| ApiError::not_found(resource.plural, resource.group, name))
    }

    /// Registers a watcher; the backlog and the live channel meet without gap or overlap
    /// because both are taken under the lock every change is published under.
    pub fn subscribe(
        &self,
        resource: &'static ResourceType,
        start: WatchStart,
    ) -> Result<Subscription, ApiError> {
        let inner = self.lock();
        let live = self.events.subscribe();
        let backlog = match start {
            WatchStart::Snapshot => inner
                .of_type(resource, None)
                .map(|(_, object)| {
                    Arc::new(StoreEvent {
                        kind: EventType::Added,
                        resource,
                        object: object.clone(),
                        previous: None,
                        rv: rv_of(object),
                    })
                })
                .collect(),
            WatchStart::After(rv) if rv < inner.compacted => {
                return Err(ApiError::expired(format!(
                    "too old resource version: {rv} ({})",
                    inner.compacted + 1
                )));
            }
            WatchStart::After(rv) => inner
                .history
                .iter()
                .filter(|e| e.rv > rv && std::ptr::eq(e.resource, resource))
                .cloned()
                .collect(),
        };
        Ok(Subscription {
            backlog,
            live,
            current_rv: inner.rv,
        })
    }
}

impl Inner {
    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn commit(
        &mut self,
        events: &broadcast::Sender<Arc<StoreEvent>>,
        key: Key,
        kind: EventType,
        mut object: Value,
        previous: Option<Value>,
    ) -> Value {
        let rv = self.next_rv();
        object["metadata"]["resourceVersion"] = json!(rv.to_string());
        let resource = key.resource;
        self.objects.insert(key, object.clone());
        self.publish(
            events,
            StoreEvent {
                kind,
                resource,
                object: object.clone(),
                previous,
                rv,
            },
        );
        object
    }

    fn remove(&mut self, events: &broadcast::Sender<Arc<StoreEvent>>, key: Key) -> Option<Value> {
        let resource = key.resource;
        let mut object = self.objects.remove(&key)?;
        let rv = self.next_rv();
        object["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.publish(
            events,
            StoreEvent {
                kind: EventType::Deleted,
                resource,
                object: object.clone(),
                previous: None,
                rv,
            },
        );
        Some(object)
    }

    fn publish(&mut self, events: &broadcast::Sender<Arc<StoreEvent>>, event: StoreEvent) {
        let event = Arc::new(event);
        self.history.push_back(event.clone());
        while self.history.len() > self.history_limit {
            if let Some(dropped) = self.history.pop_front() {
                self.compacted = dropped.rv;
            }
        }
        // No receivers is the normal idle state, not an error.
        let _ = events.send(event);
    }
}

pub fn rv_of(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|rv| rv.parse().ok())
        .unwrap_or(0)
}

/// Fills `apiVersion`/`kind`/`metadata.namespace` and refuses objects that contradict the URL.
fn prepare_identity(
    resource: &'static ResourceType,
    namespace: &str,
    object: &mut Value,
) -> Result<(), ApiError> {
    if !object.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request is not an object",
        ));
    }
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    match object["kind"].as_str() {
        None | Some("") => object["kind"] = json!(resource.kind),
        Some(kind) if kind == resource.kind => {}
        Some(kind) => {
            return Err(ApiError::bad_request(format!(
                "the kind of the object ({kind}) does not match the resource {} ({})",
                resource.plural, resource.kind
            )));
        }
    }
    if object["apiVersion"].as_str().is_none_or(str::is_empty) {
        object["apiVersion"] = json!(resource.api_version());
    }
    if resource.namespaced {
        match object["metadata"]["namespace"].as_str() {
            None | Some("") => object["metadata"]["namespace"] = json!(namespace),
            Some(ns) if ns == namespace => {}
            Some(_) => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
        }
    } else if let Some(metadata) = object["metadata"].as_object_mut() {
        metadata.remove("namespace");
    }
    Ok(())
}

/// DNS-subdomain names, as the API server validates most objects' names; RBAC objects only need to
/// be a path segment (`system:coredns`).
fn validate_name(resource: &ResourceType, name: &str) -> Result<(), ApiError> {
    if resource.group == "rbac.authorization.k8s.io" {
        return if matches!(name, "" | "." | "..") || name.contains(['/', '%']) {
            Err(ApiError::invalid(
                resource.kind,
                resource.group,
                name,
                format!(
                    "metadata.name: Invalid value: \"{name}\": may not be '.' or '..' and may not contain '/' or '%'"
                ),
            ))
        } else {
            Ok(())
        };
    }
    let valid = name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid(
            resource.kind,
            resource.group,
            name,
            format!(
                "metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            ),
        ))
    }
}

/// `generateName`: the prefix plus five characters from the API server's alphabet.
fn unique_name(
    inner: &Inner,
    resource: &'static ResourceType,
    namespace: &str,
    prefix: &str,
) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    loop {
        let random = uuid::Uuid::new_v4();
        let suffix: String = random.as_bytes()[..5]
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .collect();
        let name = format!("{prefix}{suffix}");
        if !inner
            .objects
            .contains_key(&Key::new(resource, namespace, &name))
        {
            return name;
        }
    }
}
