//! What a forwarded request does in Kubernetes terms (verb, group, resource, namespace, name), worked
//! out from its method, path and query string the way kube-apiserver's `RequestInfoFactory` does, so
//! that Lamplight's audit log and the API server's own audit log describe a request alike.
//!
//! Like the API server it parses the path as sent; segments are not percent-decoded. The query string
//! is decoded as Go's `url.ParseQuery` does, since that is what decides `watch` and `fieldSelector`.

/// The Kubernetes attributes of one request (`k8s.io/apiserver/pkg/endpoints/request.RequestInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// `/api/{version}/...` or `/apis/{group}/{version}/...` with at least a resource; everything
    /// else (`/version`, `/healthz`, discovery documents, `/openapi/v3`) is a non-resource request.
    pub is_resource_request: bool,
    /// For resource requests the Kubernetes verb (`get`, `list`, `watch`, `create`, `update`,
    /// `patch`, `delete`, `deletecollection`, or `proxy` through the legacy `/proxy/` prefix); for
    /// other requests the lower-cased HTTP method. Empty for a method Kubernetes has no verb for.
    pub verb: &'static str,
    /// `""` for the core group (`/api/v1`).
    pub api_group: String,
    pub api_version: String,
    pub namespace: Option<String>,
    pub resource: Option<String>,
    pub subresource: Option<String>,
    pub name: Option<String>,
}

/// Verbs that replace the method's verb when they lead the path (`/api/v1/watch/pods`).
const SPECIAL_VERBS: [&str; 2] = ["proxy", "watch"];

/// What follows `namespaces/{name}/` that belongs to the namespace itself rather than naming a
/// namespaced resource (`namespaces/x/status` vs `namespaces/x/pods`).
const NAMESPACE_SUBRESOURCES: [&str; 2] = ["status", "finalize"];

/// Subresources that open a stream into a container or a port: however they are reached (a WebSocket
/// upgrade is a GET), they act on the workload. Kubernetes 1.30+ authorizes the WebSocket form
/// against `create` too (`AuthorizePodWebsocketUpgradeCreatePermission`).
const CONNECT_SUBRESOURCES: [&str; 3] = ["exec", "attach", "portforward"];

impl RequestInfo {
    /// `method` as sent (`GET`), `path` the part after `/clusters/{cluster}`, `query` without `?`.
    pub fn new(method: &str, path: &str, query: &str) -> RequestInfo {
        let mut info = RequestInfo {
            is_resource_request: false,
            verb: http_verb(method),
            api_group: String::new(),
            api_version: String::new(),
            namespace: None,
            resource: None,
            subresource: None,
            name: None,
        };
        let parts = split_path(path);
        let rest = match parts.as_slice() {
            ["api", version, rest @ ..] if !rest.is_empty() => {
                info.api_version = (*version).to_string();
                rest
            }
            ["apis", group, version, rest @ ..] if !rest.is_empty() => {
                info.api_group = (*group).to_string();
                info.api_version = (*version).to_string();
                rest
            }
            _ => return info,
        };
        info.is_resource_request = true;

        let mut rest = match rest {
            [first, after @ ..] if SPECIAL_VERBS.contains(first) => {
                if after.is_empty() {
                    // The API server answers 500 ("unable to determine kind and namespace"); what
                    // is known so far is all there is to report.
                    return info;
                }
                info.verb = if *first == "watch" { "watch" } else { "proxy" };
                after
            }
            _ => {
                info.verb = resource_verb(method);
                rest
            }
        };

        if let ["namespaces", namespace, after @ ..] = rest {
            info.namespace = present(namespace);
            match after {
                [next, ..] if !NAMESPACE_SUBRESOURCES.contains(next) => rest = after,
                _ => {}
            }
        }

        // The path now reads resource/name/subresource/…; anything further is the subresource's.
        let takes_subresource = info.verb != "proxy";
        info.resource = rest.first().and_then(|s| present(s));
        info.name = rest.get(1).and_then(|s| present(s));
        if takes_subresource {
            info.subresource = rest.get(2).and_then(|s| present(s));
        }

        if info.name.is_none() && info.verb == "get" {
            let query = Query::parse(query);
            info.verb = if query.watch() { "watch" } else { "list" };
            // A single-object watch or list is a collection request narrowed by
            // `fieldSelector=metadata.name=x` (client-go's informers for one object, `kubectl get
            // pod x --watch`): the API server reports, and authorizes, the name.
            info.name = query
                .first("fieldSelector")
                .and_then(|selector| exact_match(selector, "metadata.name"))
                .filter(|name| is_valid_path_segment_name(name))
                .and_then(|name| present(&name));
        }
        if info.name.is_none() && info.verb == "delete" {
            info.verb = "deletecollection";
        }
        info
    }

    /// Whether the request can change anything: every verb but get/list/watch (GET, HEAD and
    /// OPTIONS outside the resource API), and exec/attach/portforward whatever the verb.
    pub fn is_write(&self) -> bool {
        if self.is_resource_request {
            let connects = self
                .subresource
                .as_deref()
                .is_some_and(|sub| CONNECT_SUBRESOURCES.contains(&sub));
            connects || !matches!(self.verb, "get" | "list" | "watch")
        } else {
            !matches!(self.verb, "get" | "head" | "options")
        }
    }
}

/// The API server's empty string is "none" (an empty namespace segment means cluster-wide).
fn present(segment: &str) -> Option<String> {
    (!segment.is_empty()).then(|| segment.to_string())
}

/// Go's `strings.Split(strings.Trim(path, "/"), "/")`: empty segments inside the path stay.
fn split_path(path: &str) -> Vec<&str> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    }
}

/// The lower-cased method, for non-resource requests; methods outside RFC 9110's (and PATCH) are
/// not Kubernetes verbs of any kind, and an audit line is no place for an arbitrary token.
fn http_verb(method: &str) -> &'static str {
    const METHODS: [&str; 9] = [
        "get", "head", "post", "put", "patch", "delete", "options", "connect", "trace",
    ];
    METHODS
        .into_iter()
        .find(|verb| method.eq_ignore_ascii_case(verb))
        .unwrap_or("")
}

fn resource_verb(method: &str) -> &'static str {
    match method {
        "POST" => "create",
        "GET" | "HEAD" => "get",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => "delete",
        _ => "",
    }
}

/// A query string decoded as Go's `url.ParseQuery`: `&`-separated pairs, `+` and `%XX` decoded, and
/// pairs with a `;` or a bad escape left out.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: &str) -> Query {
        let pairs = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.contains(';'))
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                Some((query_unescape(key)?, query_unescape(value)?))
            })
            .collect();
        Query(pairs)
    }

    fn first(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `ListOptions.Watch` as apimachinery converts it: the first value, true unless `0` or
    /// `false` (in any case), so `?watch` and `?watch=yes` are watches.
    fn watch(&self) -> bool {
        self.first("watch")
            .is_some_and(|value| value != "0" && !value.eq_ignore_ascii_case("false"))
    }
}

fn query_unescape(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16))?;
                let low = bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16))?;
                out.push(u8::try_from(high * 16 + low).ok()?);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The value a field selector requires `field` to equal (`fields.Selector.RequiresExactMatch`), if
/// the selector parses as apimachinery parses it: terms split on unescaped `,`, each `f=v`, `f==v`
/// or `f!=v`, values with `\\`, `\,` and `\=` escapes; the first matching term in sorted order wins.
fn exact_match(selector: &str, field: &str) -> Option<String> {
    let mut terms = split_terms(selector);
    terms.sort_unstable();
    let mut found = None;
    for term in terms.into_iter().filter(|term| !term.is_empty()) {
        let (lhs, op, rhs) = split_term(term)?;
        let value = unescape_selector_value(rhs)?;
        if found.is_none() && op != "!=" && lhs == field {
            found = Some(value);
        }
    }
    found
}

fn split_terms(selector: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in selector.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            terms.push(selector.get(start..i).unwrap_or(""));
            start = i + 1;
        }
    }
    terms.push(selector.get(start..).unwrap_or(""));
    terms
}

fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    term.char_indices().find_map(|(i, _)| {
        let remaining = term.get(i..)?;
        ["!=", "==", "="].into_iter().find_map(|op| {
            remaining
                .strip_prefix(op)
                .map(|rhs| (term.get(..i).unwrap_or(""), op, rhs))
        })
    })
}

fn unescape_selector_value(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                escaped @ ('\\' | ',' | '=') => out.push(escaped),
                _ => return None,
            },
            ',' | '=' => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

/// `path.IsValidPathSegmentName`: a name that could stand in a URL path as one segment.
fn is_valid_path_segment_name(name: &str) -> bool {
    name != "." && name != ".." && !name.contains(['/', '%'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(method: &str, path: &str, query: &str) -> RequestInfo {
        RequestInfo::new(method, path, query)
    }

    /// (verb, group, version, namespace, resource, subresource, name) of a resource request.
    type Attributes<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );

    fn attributes(info: &RequestInfo) -> Attributes<'_> {
        assert!(info.is_resource_request, "{info:?}");
        (
            info.verb,
            &info.api_group,
            &info.api_version,
            info.namespace.as_deref(),
            info.resource.as_deref(),
            info.subresource.as_deref(),
            info.name.as_deref(),
        )
    }

    #[test]
    fn core_and_named_groups() {
        assert_eq!(
            attributes(&info("GET", "/api/v1/namespaces/default/pods/web-1", "")),
            (
                "get",
                "",
                "v1",
                Some("default"),
                Some("pods"),
                None,
                Some("web-1")
            )
        );
        assert_eq!(
            attributes(&info(
                "GET",
                "/apis/apps/v1/namespaces/shop/deployments",
                ""
            )),
            (
                "list",
                "apps",
                "v1",
                Some("shop"),
                Some("deployments"),
                None,
                None
            )
        );
        assert_eq!(
            attributes(&info(
                "GET",
                "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                ""
            )),
            (
                "list",
                "rbac.authorization.k8s.io",
                "v1",
                None,
                Some("clusterroles"),
                None,
                None
            )
        );
    }

    #[test]
    fn discovery_and_other_paths_are_non_resource_requests() {
        for path in [
            "",
            "/",
            "/api",
            "/api/v1",
            "/api/v1/",
            "/apis",
            "/apis/apps",
            "/apis/apps/v1",
            "/version",
            "/healthz/etcd",
            "/openapi/v3/apis/apps/v1",
            "/metrics",
        ] {
            let info = info("GET", path, "");
            assert!(!info.is_resource_request, "{path}: {info:?}");
            assert_eq!(info.verb, "get", "{path}");
            assert!(!info.is_write(), "{path}");
        }
    }

    #[test]
    fn non_resource_verbs_are_the_lower_cased_method() {
        assert_eq!(info("HEAD", "/version", "").verb, "head");
        assert_eq!(info("OPTIONS", "/version", "").verb, "options");
        assert_eq!(info("POST", "/apis", "").verb, "post");
        assert_eq!(info("delete", "/apis", "").verb, "delete");
        assert_eq!(info("BREW", "/apis", "").verb, "");
        assert!(!info("HEAD", "/version", "").is_write());
        assert!(!info("OPTIONS", "/version", "").is_write());
        assert!(info("POST", "/apis", "").is_write());
        assert!(info("BREW", "/apis", "").is_write());
    }

    #[test]
    fn verbs_follow_the_method() {
        let named = "/api/v1/namespaces/default/configmaps/settings";
        let collection = "/api/v1/namespaces/default/configmaps";
        for (method, path, verb) in [
            ("GET", named, "get"),
            ("HEAD", named, "get"),
            ("GET", collection, "list"),
            ("HEAD", collection, "list"),
            ("POST", collection, "create"),
            ("PUT", named, "update"),
            ("PATCH", named, "patch"),
            ("DELETE", named, "delete"),
            ("DELETE", collection, "deletecollection"),
            ("OPTIONS", named, ""),
        ] {
            assert_eq!(info(method, path, "").verb, verb, "{method} {path}");
        }
    }

    #[test]
    fn writes_are_everything_but_reads() {
        let path = "/api/v1/namespaces/default/configmaps";
        assert!(!info("GET", path, "").is_write());
        assert!(!info("GET", path, "watch=1").is_write());
        assert!(!info("GET", &format!("{path}/x"), "").is_write());
        for method in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert!(
                info(method, &format!("{path}/x"), "").is_write(),
                "{method}"
            );
        }
        assert!(info("DELETE", path, "").is_write());
    }

    #[test]
    fn watch_query_turns_a_list_into_a_watch() {
        let path = "/api/v1/namespaces/default/pods";
        for (query, verb) in [
            ("watch=true", "watch"),
            ("watch=1", "watch"),
            ("watch=", "watch"),
            ("watch", "watch"),
            ("watch=TRUE", "watch"),
            (
                "resourceVersion=5&watch=true&allowWatchBookmarks=true",
                "watch",
            ),
            ("watch=false", "list"),
            ("watch=False", "list"),
            ("watch=0", "list"),
            ("watch=0&watch=1", "list"),
            ("watch=1&watch=0", "watch"),
            ("watchx=1", "list"),
            ("labelSelector=watch%3D1", "list"),
            // Go's ParseQuery drops a pair with a semicolon or a bad escape.
            ("watch=1;x", "list"),
            ("watch=%zz", "list"),
            ("wat%63h=1", "watch"),
            ("", "list"),
        ] {
            assert_eq!(info("GET", path, query).verb, verb, "{query}");
        }
    }

    #[test]
    fn watch_query_does_not_change_other_verbs() {
        let named = "/api/v1/namespaces/default/pods/web-1";
        assert_eq!(info("GET", named, "watch=true").verb, "get");
        assert_eq!(
            info("POST", "/api/v1/namespaces/default/pods", "watch=true").verb,
            "create"
        );
        assert_eq!(
            info("DELETE", "/api/v1/namespaces/default/pods", "watch=1").verb,
            "deletecollection"
        );
    }

    #[test]
    fn legacy_watch_prefix() {
        assert_eq!(
            attributes(&info("GET", "/api/v1/watch/namespaces/default/pods", "")),
            ("watch", "", "v1", Some("default"), Some("pods"), None, None)
        );
        assert_eq!(
            attributes(&info(
                "GET",
                "/api/v1/watch/namespaces/default/pods/web-1",
                ""
            )),
            (
                "watch",
                "",
                "v1",
                Some("default"),
                Some("pods"),
                None,
                Some("web-1")
            )
        );
        assert_eq!(
            attributes(&info("GET", "/apis/apps/v1/watch/deployments", "watch=0")),
            ("watch", "apps", "v1", None, Some("deployments"), None, None)
        );
        // The prefix alone names nothing; the API server refuses it.
        let bare = info("GET", "/api/v1/watch", "");
        assert!(bare.is_resource_request);
        assert_eq!((bare.verb, bare.resource), ("get", None));
    }

    #[test]
    fn legacy_proxy_prefix_has_no_subresource() {
        assert_eq!(
            attributes(&info(
                "GET",
                "/api/v1/proxy/namespaces/default/pods/web-1/metrics",
                ""
            )),
            (
                "proxy",
                "",
                "v1",
                Some("default"),
                Some("pods"),
                None,
                Some("web-1")
            )
        );
    }

    #[test]
    fn field_selector_on_the_name_names_the_object() {
        let path = "/api/v1/namespaces/default/pods";
        let watch = info(
            "GET",
            path,
            "watch=true&fieldSelector=metadata.name%3Dweb-1",
        );
        assert_eq!(
            (watch.verb, watch.name.as_deref()),
            ("watch", Some("web-1"))
        );
        for (query, name) in [
            ("fieldSelector=metadata.name%3D%3Dweb-1", Some("web-1")),
            ("fieldSelector=metadata.name=web-1", Some("web-1")),
            (
                "fieldSelector=spec.nodeName%3Dn1,metadata.name%3Dweb-1",
                Some("web-1"),
            ),
            (
                "fieldSelector=metadata.name%3Da,metadata.name%3Db",
                Some("a"),
            ),
            ("fieldSelector=metadata.name%21%3Dweb-1", None),
            ("fieldSelector=spec.nodeName%3Dn1", None),
            ("fieldSelector=metadata.name%3Da%2Fb", None),
            ("fieldSelector=metadata.name%3D..", None),
            ("fieldSelector=metadata.name%3Da%5C%2Cb", Some("a,b")),
            // Not a selector apimachinery parses: no name.
            ("fieldSelector=metadata.name", None),
            ("fieldSelector=metadata.name%3Da%5Cx", None),
            ("fieldSelector=metadata.name%3Da,junk", None),
        ] {
            let list = info("GET", path, query);
            assert_eq!(list.verb, "list", "{query}");
            assert_eq!(list.name.as_deref(), name, "{query}");
        }
    }

    #[test]
    fn namespaces_alone_are_the_namespace_object() {
        assert_eq!(
            attributes(&info("GET", "/api/v1/namespaces/default", "")),
            (
                "get",
                "",
                "v1",
                Some("default"),
                Some("namespaces"),
                None,
                Some("default")
            )
        );
        assert_eq!(
            attributes(&info("GET", "/api/v1/namespaces", "")),
            ("list", "", "v1", None, Some("namespaces"), None, None)
        );
        assert_eq!(
            attributes(&info("PUT", "/api/v1/namespaces/old/finalize", "")),
            (
                "update",
                "",
                "v1",
                Some("old"),
                Some("namespaces"),
                Some("finalize"),
                Some("old")
            )
        );
        assert_eq!(
            attributes(&info("GET", "/api/v1/namespaces/old/status", "")),
            (
                "get",
                "",
                "v1",
                Some("old"),
                Some("namespaces"),
                Some("status"),
                Some("old")
            )
        );
        assert_eq!(
            attributes(&info("DELETE", "/api/v1/namespaces/old", "")).0,
            "delete"
        );
    }

    #[test]
    fn subresources() {
        for (method, path, resource, sub, verb) in [
            (
                "GET",
                "/api/v1/namespaces/default/pods/web-1/log",
                "pods",
                "log",
                "get",
            ),
            (
                "PUT",
                "/apis/apps/v1/namespaces/shop/deployments/api/scale",
                "deployments",
                "scale",
                "update",
            ),
            (
                "PATCH",
                "/apis/apps/v1/namespaces/shop/deployments/api/status",
                "deployments",
                "status",
                "patch",
            ),
            (
                "GET",
                "/api/v1/nodes/n1/proxy/metrics/cadvisor",
                "nodes",
                "proxy",
                "get",
            ),
        ] {
            let info = info(method, path, "");
            assert_eq!(info.resource.as_deref(), Some(resource), "{path}");
            assert_eq!(info.subresource.as_deref(), Some(sub), "{path}");
            assert_eq!(info.verb, verb, "{path}");
        }
        assert!(!info("GET", "/api/v1/namespaces/d/pods/web-1/log", "follow=true").is_write());
    }

    #[test]
    fn exec_attach_portforward_follow_the_api_server_and_count_as_writes() {
        for sub in CONNECT_SUBRESOURCES {
            let path = format!("/api/v1/namespaces/default/pods/web-1/{sub}");
            let post = info("POST", &path, "command=sh&stdin=true");
            assert_eq!(post.verb, "create", "{sub}");
            assert!(post.is_write(), "{sub}");
            // A WebSocket upgrade is a GET; RequestInfo says `get`, and it still runs commands.
            let get = info("GET", &path, "command=sh");
            assert_eq!(get.verb, "get", "{sub}");
            assert_eq!(get.subresource.as_deref(), Some(sub));
            assert!(get.is_write(), "{sub}");
        }
    }

    #[test]
    fn empty_segments_count_as_in_go() {
        let info = info("GET", "//api//v1/pods/", "");
        assert!(info.is_resource_request);
        assert_eq!(info.api_version, "");
        assert_eq!(info.resource.as_deref(), Some("v1"));
        assert_eq!(info.name.as_deref(), Some("pods"));
    }

    #[test]
    fn custom_resources() {
        assert_eq!(
            attributes(&info(
                "DELETE",
                "/apis/example.com/v1alpha1/namespaces/a/widgets/w1",
                ""
            )),
            (
                "delete",
                "example.com",
                "v1alpha1",
                Some("a"),
                Some("widgets"),
                None,
                Some("w1")
            )
        );
    }

    mod properties {
        use super::super::RequestInfo;
        use proptest::prelude::*;

        fn segment() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(String::new()),
                Just("api".to_string()),
                Just("apis".to_string()),
                Just("v1".to_string()),
                Just("namespaces".to_string()),
                Just("watch".to_string()),
                Just("proxy".to_string()),
                Just("status".to_string()),
                Just("pods".to_string()),
                ".*",
            ]
        }

        fn path() -> impl Strategy<Value = String> {
            prop_oneof![
                proptest::collection::vec(segment(), 0..8)
                    .prop_map(|s| format!("/{}", s.join("/"))),
                ".*",
            ]
        }

        fn query() -> impl Strategy<Value = String> {
            prop_oneof![
                "(watch|fieldSelector|[a-z%=&;+]{0,6})(=[a-zA-Z0-9%.=,!\\\\;+&]{0,20})?(&watch=1)?",
                ".*",
            ]
        }

        fn method() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("GET".to_string()),
                Just("POST".to_string()),
                Just("PUT".to_string()),
                Just("PATCH".to_string()),
                Just("DELETE".to_string()),
                Just("HEAD".to_string()),
                ".*",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2048))]

            #[test]
            fn parsing_never_panics_and_is_deterministic(
                method in method(),
                path in path(),
                query in query(),
            ) {
                let first = RequestInfo::new(&method, &path, &query);
                let second = RequestInfo::new(&method, &path, &query);
                prop_assert_eq!(&first, &second);
                let _ = first.is_write();
                if !first.is_resource_request {
                    prop_assert!(first.resource.is_none() && first.namespace.is_none());
                }
                if first.resource.is_some() && first.name.is_none() {
                    prop_assert!(first.verb != "get" && first.verb != "delete");
                }
                prop_assert!(!first.verb.is_empty() || first.is_write());
            }

            #[test]
            fn arbitrary_bytes_never_panic(
                method in ".*",
                path in proptest::collection::vec(any::<u8>(), 0..64),
                query in proptest::collection::vec(any::<u8>(), 0..64),
            ) {
                let path = String::from_utf8_lossy(&path);
                let query = String::from_utf8_lossy(&query);
                let _ = RequestInfo::new(&method, &path, &query).is_write();
            }
        }
    }
}
