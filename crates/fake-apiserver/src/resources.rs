//! The resource types this server knows, with the discovery facts kubectl relies on.

/// One served resource type (an entry of an `APIResourceList`).
#[derive(Debug)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub verbs: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Stored objects, as opposed to virtual ones (reviews) that only answer a create.
    pub stored: bool,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// Custom resources are served differently in places (tables, delete answers).
    pub fn is_custom(&self) -> bool {
        self.group == "example.com"
    }
}

/// Kinds whose `status` is only written through a `/status` subresource: a client's PUT or
/// PATCH of the main resource leaves it as it was.
pub const STATUS_SUBRESOURCE: &[&str] = &[
    "Pod",
    "Service",
    "Namespace",
    "Node",
    "Deployment",
    "ReplicaSet",
    "CustomResourceDefinition",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "ResourceQuota",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Ingress",
];

const CRUD: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const CLUSTER_CRUD: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const CREATE_ONLY: &[&str] = &["create"];

/// A stored kind with every verb, as the built-in registries of storage, networking, access control
/// and policy serve them.
const fn stored(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> ResourceType {
    ResourceType {
        group,
        version,
        plural,
        singular,
        kind,
        namespaced,
        short_names,
        verbs: if namespaced { CRUD } else { CLUSTER_CRUD },
        categories: &[],
        stored: true,
    }
}

pub static RESOURCES: &[ResourceType] = &[
    ResourceType {
        group: "",
        version: "v1",
        plural: "namespaces",
        singular: "namespace",
        kind: "Namespace",
        namespaced: false,
        short_names: &["ns"],
        verbs: CLUSTER_CRUD,
        categories: &[],
        stored: true,
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "nodes",
        singular: "node",
        kind: "Node",
        namespaced: false,
        short_names: &["no"],
        verbs: CRUD,
        categories: &[],
        stored: true,
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "pods",
        singular: "pod",
        kind: "Pod",
        namespaced: true,
        short_names: &["po"],
        verbs: CRUD,
        categories: &["all"],
        stored: true,
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "services",
        singular: "service",
        kind: "Service",
        namespaced: true,
        short_names: &["svc"],
        verbs: CRUD,
        categories: &["all"],
        stored: true,
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "configmaps",
        singular: "configmap",
        kind: "ConfigMap",
        namespaced: true,
        short_names: &["cm"],
        verbs: CRUD,
        categories: &[],
        stored: true,
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "secrets",
        singular: "secret",
        kind: "Secret",
        namespaced: true,
        short_names: &[],
        verbs: CRUD,
        categories: &[],
        stored: true,
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "events",
        singular: "event",
        kind: "Event",
        namespaced: true,
        short_names: &["ev"],
        verbs: CRUD,
        categories: &[],
        stored: true,
    },
    stored(
        "",
        "v1",
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        &["sa"],
    ),
    stored(
        "",
        "v1",
        "endpoints",
        "endpoints",
        "Endpoints",
        true,
        &["ep"],
    ),
    stored(
        "",
        "v1",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        true,
        &["pvc"],
    ),
    stored(
        "",
        "v1",
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        false,
        &["pv"],
    ),
    stored(
        "",
        "v1",
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        true,
        &["quota"],
    ),
    stored(
        "",
        "v1",
        "limitranges",
        "limitrange",
        "LimitRange",
        true,
        &["limits"],
    ),
    ResourceType {
        group: "apps",
        version: "v1",
        plural: "deployments",
        singular: "deployment",
        kind: "Deployment",
        namespaced: true,
        short_names: &["deploy"],
        verbs: CRUD,
        categories: &["all"],
        stored: true,
    },
    ResourceType {
        group: "apps",
        version: "v1",
        plural: "replicasets",
        singular: "replicaset",
        kind: "ReplicaSet",
        namespaced: true,
        short_names: &["rs"],
        verbs: CRUD,
        categories: &["all"],
        stored: true,
    },
    ResourceType {
        group: "apps",
        version: "v1",
        plural: "statefulsets",
        singular: "statefulset",
        kind: "StatefulSet",
        namespaced: true,
        short_names: &["sts"],
        verbs: CRUD,
        categories: &["all"],
        stored: true,
    },
    ResourceType {
        group: "apps",
        version: "v1",
        plural: "daemonsets",
        singular: "daemonset",
        kind: "DaemonSet",
        namespaced: true,
        short_names: &["ds"],
        verbs: CRUD,
        categories: &["all"],
        stored: true,
    },
    ResourceType {
        group: "batch",
        version: "v1",
        plural: "jobs",
        singular: "job",
        kind: "Job",
        namespaced: true,
        short_names: &[],
        verbs: CRUD,
        categories: &["all"],
        stored: true,
    },
    ResourceType {
        group: "batch",
        version: "v1",
        plural: "cronjobs",
        singular: "cronjob",
        kind: "CronJob",
        namespaced: true,
        short_names: &["cj"],
        verbs: CRUD,
        categories: &["all"],
        stored: true,
    },
    ResourceType {
        categories: &["all"],
        ..stored(
            "autoscaling",
            "v2",
            "horizontalpodautoscalers",
            "horizontalpodautoscaler",
            "HorizontalPodAutoscaler",
            true,
            &["hpa"],
        )
    },
    stored(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        true,
        &["pdb"],
    ),
    stored(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "ingress",
        "Ingress",
        true,
        &["ing"],
    ),
    stored(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "ingressclass",
        "IngressClass",
        false,
        &[],
    ),
    stored(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "networkpolicy",
        "NetworkPolicy",
        true,
        &["netpol"],
    ),
    stored(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        true,
        &[],
    ),
    stored(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "storageclass",
        "StorageClass",
        false,
        &["sc"],
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "role",
        "Role",
        true,
        &[],
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        &[],
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        &[],
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        &[],
    ),
    stored(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "priorityclass",
        "PriorityClass",
        false,
        &["pc"],
    ),
    stored(
        "coordination.k8s.io",
        "v1",
        "leases",
        "lease",
        "Lease",
        true,
        &[],
    ),
    stored(
        "node.k8s.io",
        "v1",
        "runtimeclasses",
        "runtimeclass",
        "RuntimeClass",
        false,
        &[],
    ),
    stored(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        "MutatingWebhookConfiguration",
        false,
        &[],
    ),
    stored(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        "ValidatingWebhookConfiguration",
        false,
        &[],
    ),
    ResourceType {
        group: "apiextensions.k8s.io",
        version: "v1",
        plural: "customresourcedefinitions",
        singular: "customresourcedefinition",
        kind: "CustomResourceDefinition",
        namespaced: false,
        short_names: &["crd", "crds"],
        verbs: CRUD,
        categories: &["api-extensions"],
        stored: true,
    },
    ResourceType {
        group: "example.com",
        version: "v1",
        plural: "widgets",
        singular: "widget",
        kind: "Widget",
        namespaced: true,
        short_names: &["wg"],
        verbs: CRUD,
        categories: &[],
        stored: true,
    },
    ResourceType {
        group: "authentication.k8s.io",
        version: "v1",
        plural: "selfsubjectreviews",
        singular: "selfsubjectreview",
        kind: "SelfSubjectReview",
        namespaced: false,
        short_names: &[],
        verbs: CREATE_ONLY,
        categories: &[],
        stored: false,
    },
    ResourceType {
        group: "authorization.k8s.io",
        version: "v1",
        plural: "selfsubjectaccessreviews",
        singular: "selfsubjectaccessreview",
        kind: "SelfSubjectAccessReview",
        namespaced: false,
        short_names: &[],
        verbs: CREATE_ONLY,
        categories: &[],
        stored: false,
    },
    ResourceType {
        group: "authorization.k8s.io",
        version: "v1",
        plural: "selfsubjectrulesreviews",
        singular: "selfsubjectrulesreview",
        kind: "SelfSubjectRulesReview",
        namespaced: false,
        short_names: &[],
        verbs: CREATE_ONLY,
        categories: &[],
        stored: false,
    },
];

/// Subresources advertised in discovery (`pods/log`, `pods/exec`).
pub struct Subresource {
    /// `pods/log`: the parent's plural, a slash, the subresource.
    pub name: &'static str,
    pub kind: &'static str,
    /// Set when the subresource speaks another group's type (`autoscaling/v1` Scale).
    pub group_version: Option<(&'static str, &'static str)>,
    pub verbs: &'static [&'static str],
}

const SCALE_VERBS: &[&str] = &["get", "patch", "update"];

/// Subresources advertised in discovery, besides `/status` which is not listed.
pub static SUBRESOURCES: &[Subresource] = &[
    Subresource {
        name: "pods/log",
        kind: "Pod",
        group_version: None,
        verbs: &["get"],
    },
    Subresource {
        name: "pods/exec",
        kind: "PodExecOptions",
        group_version: None,
        verbs: &["create", "get"],
    },
    Subresource {
        name: "pods/attach",
        kind: "PodAttachOptions",
        group_version: None,
        verbs: &["create", "get"],
    },
    Subresource {
        name: "pods/portforward",
        kind: "PodPortForwardOptions",
        group_version: None,
        verbs: &["create", "get"],
    },
    Subresource {
        name: "pods/eviction",
        kind: "Eviction",
        group_version: Some(("policy", "v1")),
        verbs: &["create"],
    },
    Subresource {
        name: "deployments/scale",
        kind: "Scale",
        group_version: Some(("autoscaling", "v1")),
        verbs: SCALE_VERBS,
    },
    Subresource {
        name: "statefulsets/scale",
        kind: "Scale",
        group_version: Some(("autoscaling", "v1")),
        verbs: SCALE_VERBS,
    },
    Subresource {
        name: "replicasets/scale",
        kind: "Scale",
        group_version: Some(("autoscaling", "v1")),
        verbs: SCALE_VERBS,
    },
];

pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Finds a type by `plural` or `plural.group` (the form test helpers use).
pub fn by_name(name: &str) -> Option<&'static ResourceType> {
    RESOURCES.iter().find(|r| {
        r.plural == name || (!r.group.is_empty() && format!("{}.{}", r.plural, r.group) == name)
    })
}

/// Finds the type of a manifest from its `apiVersion` and `kind`.
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.kind == kind && r.api_version() == api_version)
}

/// The groups of `/apis`, in the order discovery lists them.
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&str> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !groups.contains(&r.group) {
            groups.push(r.group);
        }
    }
    groups
}
