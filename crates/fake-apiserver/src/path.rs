//! Splits API server URLs into what they address.

use crate::resources::{self, ResourceType};

#[derive(Debug)]
pub enum Route {
    /// `/`: the list of served paths.
    Root,
    Version,
    CoreVersions,
    CoreResources,
    Groups,
    Group(String),
    GroupResources(String, String),
    Health,
    OpenApiRoot,
    /// `api/v1` or `apis/{group}/{version}`.
    OpenApiDocument(String),
    Resource(ResourcePath),
    NotFound,
}

/// `/api/v1/namespaces/{ns}/pods/{name}/log` and every shorter or cluster-scoped variant.
#[derive(Debug, Clone)]
pub struct ResourcePath {
    pub resource: &'static ResourceType,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The deprecated `/api/v1/watch/...` prefix, still honoured by the real server.
    pub legacy_watch: bool,
}

impl ResourcePath {
    /// `pods` or `pods/log`: the resource string RBAC and discovery use.
    pub fn rbac_resource(&self) -> String {
        match &self.subresource {
            Some(sub) => format!("{}/{sub}", self.resource.plural),
            None => self.resource.plural.to_string(),
        }
    }
}

/// The path as Go's `net/http` gives it to the API server's handlers (`URL.Path`): percent-escapes
/// decoded (`node%2D2` is `node-2`; `%2F` becomes a `/` that splits segments). A `%` not followed
/// by two hex digits is kept as it is (Go refuses such a URL with 400 before any handler).
pub fn decode(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains('%') {
        return std::borrow::Cow::Borrowed(path);
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits make at most 255.
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

pub fn route(path: &str) -> Route {
    let path = decode(path);
    let segments: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        [] => Route::Root,
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["openapi", "v3"] => Route::OpenApiRoot,
        ["openapi", "v3", rest @ ..] => Route::OpenApiDocument(rest.join("/")),
        ["api"] => Route::CoreVersions,
        ["api", "v1"] => Route::CoreResources,
        ["api", "v1", rest @ ..] => resource_route("", "v1", rest),
        ["apis"] => Route::Groups,
        ["apis", group] if known_group(group) => Route::Group(group.to_string()),
        ["apis", group, version] if known_group_version(group, version) => {
            Route::GroupResources(group.to_string(), version.to_string())
        }
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        _ => Route::NotFound,
    }
}

fn known_group(group: &str) -> bool {
    resources::RESOURCES.iter().any(|r| r.group == group)
}

fn known_group_version(group: &str, version: &str) -> bool {
    resources::RESOURCES
        .iter()
        .any(|r| r.group == group && r.version == version)
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    let (legacy_watch, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let find = |plural: &str| resources::find(group, version, plural);
    let path = match rest {
        ["namespaces", namespace, plural, tail @ ..] if tail.len() <= 2 => {
            let Some(resource) = find(plural).filter(|r| r.namespaced) else {
                return Route::NotFound;
            };
            ResourcePath {
                resource,
                namespace: Some(namespace.to_string()),
                name: tail.first().map(|s| s.to_string()),
                subresource: tail.get(1).map(|s| s.to_string()),
                legacy_watch,
            }
        }
        [plural, tail @ ..] if tail.len() <= 2 => {
            let Some(resource) = find(plural) else {
                return Route::NotFound;
            };
            ResourcePath {
                resource,
                namespace: None,
                name: tail.first().map(|s| s.to_string()),
                subresource: tail.get(1).map(|s| s.to_string()),
                legacy_watch,
            }
        }
        _ => return Route::NotFound,
    };
    Route::Resource(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str) -> ResourcePath {
        match route(path) {
            Route::Resource(r) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn namespaced_and_cluster_paths() {
        let r = resource("/api/v1/namespaces/default/pods/web/log");
        assert_eq!(r.resource.plural, "pods");
        assert_eq!(r.namespace.as_deref(), Some("default"));
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.rbac_resource(), "pods/log");

        let r = resource("/api/v1/namespaces/default");
        assert_eq!(r.resource.plural, "namespaces");
        assert_eq!(r.name.as_deref(), Some("default"));

        let r = resource("/apis/apps/v1/deployments");
        assert_eq!(r.resource.kind, "Deployment");
        assert!(r.namespace.is_none() && r.name.is_none());

        assert!(resource("/api/v1/watch/namespaces/default/pods").legacy_watch);
        assert!(matches!(
            route("/api/v1/namespaces/default/nodes"),
            Route::NotFound
        ));
        assert!(matches!(route("/apis/apps/v1"), Route::GroupResources(..)));
    }

    #[test]
    fn percent_escapes_are_decoded_as_go_does() {
        let r = resource("/api/v1/nodes/node%2D2");
        assert_eq!(r.name.as_deref(), Some("node-2"));
        let r = resource("/api/v1/namespaces/team%2da/pods/web%2D1/log");
        assert_eq!(r.namespace.as_deref(), Some("team-a"));
        assert_eq!(r.name.as_deref(), Some("web-1"));
        assert_eq!(decode("/a%zz/b%2"), "/a%zz/b%2");
        assert_eq!(decode("/caf%C3%A9"), "/café");
    }
}
