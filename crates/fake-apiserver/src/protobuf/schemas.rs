//! Field numbers of the Kubernetes protobuf messages kubectl creates imperatively, from
//! `k8s.io/api` and `k8s.io/apimachinery` `generated.proto`. Only the fields those commands
//! set (and a few common ones) are listed.

/// How a field's wire value becomes JSON.
pub enum Kind {
    String,
    /// Base64 in JSON, as `[]byte` fields are.
    Bytes,
    Int,
    Bool,
    Message(&'static [Field]),
    /// `metav1.Time`.
    Time,
    /// `intstr.IntOrString`.
    IntOrString,
    /// `resource.Quantity`.
    Quantity,
    /// `map<string, V>`, with V's kind.
    Map(&'static Kind),
}

pub struct Field {
    pub number: u64,
    pub name: &'static str,
    pub kind: Kind,
    pub repeated: bool,
}

const fn one(number: u64, name: &'static str, kind: Kind) -> Field {
    Field {
        number,
        name,
        kind,
        repeated: false,
    }
}

const fn many(number: u64, name: &'static str, kind: Kind) -> Field {
    Field {
        number,
        name,
        kind,
        repeated: true,
    }
}

const STRING_MAP: Kind = Kind::Map(&Kind::String);
const EMPTY: &[Field] = &[];

const OWNER_REFERENCE: &[Field] = &[
    one(1, "kind", Kind::String),
    one(3, "name", Kind::String),
    one(4, "uid", Kind::String),
    one(5, "apiVersion", Kind::String),
    one(6, "controller", Kind::Bool),
    one(7, "blockOwnerDeletion", Kind::Bool),
];

const OBJECT_META: &[Field] = &[
    one(1, "name", Kind::String),
    one(2, "generateName", Kind::String),
    one(3, "namespace", Kind::String),
    one(5, "uid", Kind::String),
    one(6, "resourceVersion", Kind::String),
    one(7, "generation", Kind::Int),
    one(8, "creationTimestamp", Kind::Time),
    one(11, "labels", STRING_MAP),
    one(12, "annotations", STRING_MAP),
    many(13, "ownerReferences", Kind::Message(OWNER_REFERENCE)),
    many(14, "finalizers", Kind::String),
];

const CONFIG_MAP: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    one(2, "data", STRING_MAP),
    one(3, "binaryData", Kind::Map(&Kind::Bytes)),
    one(4, "immutable", Kind::Bool),
];

const SECRET: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    one(2, "data", Kind::Map(&Kind::Bytes)),
    one(3, "type", Kind::String),
    one(4, "stringData", STRING_MAP),
    one(5, "immutable", Kind::Bool),
];

const NAMESPACE: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    one(
        2,
        "spec",
        Kind::Message(&[many(1, "finalizers", Kind::String)]),
    ),
    one(3, "status", Kind::Message(&[one(1, "phase", Kind::String)])),
];

const SERVICE_PORT: &[Field] = &[
    one(1, "name", Kind::String),
    one(2, "protocol", Kind::String),
    one(3, "port", Kind::Int),
    one(4, "targetPort", Kind::IntOrString),
    one(5, "nodePort", Kind::Int),
    one(6, "appProtocol", Kind::String),
];

const SERVICE_SPEC: &[Field] = &[
    many(1, "ports", Kind::Message(SERVICE_PORT)),
    one(2, "selector", STRING_MAP),
    one(3, "clusterIP", Kind::String),
    one(4, "type", Kind::String),
    many(5, "externalIPs", Kind::String),
    one(7, "sessionAffinity", Kind::String),
    one(8, "loadBalancerIP", Kind::String),
    one(10, "externalName", Kind::String),
    one(11, "externalTrafficPolicy", Kind::String),
    many(18, "clusterIPs", Kind::String),
];

const SERVICE: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    one(2, "spec", Kind::Message(SERVICE_SPEC)),
    one(3, "status", Kind::Message(EMPTY)),
];

const CONTAINER_PORT: &[Field] = &[
    one(1, "name", Kind::String),
    one(2, "hostPort", Kind::Int),
    one(3, "containerPort", Kind::Int),
    one(4, "protocol", Kind::String),
    one(5, "hostIP", Kind::String),
];

const ENV_VAR: &[Field] = &[one(1, "name", Kind::String), one(2, "value", Kind::String)];

const RESOURCES: &[Field] = &[
    one(1, "limits", Kind::Map(&Kind::Quantity)),
    one(2, "requests", Kind::Map(&Kind::Quantity)),
];

const CONTAINER: &[Field] = &[
    one(1, "name", Kind::String),
    one(2, "image", Kind::String),
    many(3, "command", Kind::String),
    many(4, "args", Kind::String),
    one(5, "workingDir", Kind::String),
    many(6, "ports", Kind::Message(CONTAINER_PORT)),
    many(7, "env", Kind::Message(ENV_VAR)),
    one(8, "resources", Kind::Message(RESOURCES)),
    one(13, "terminationMessagePath", Kind::String),
    one(14, "imagePullPolicy", Kind::String),
    one(16, "stdin", Kind::Bool),
    one(17, "stdinOnce", Kind::Bool),
    one(18, "tty", Kind::Bool),
    one(20, "terminationMessagePolicy", Kind::String),
];

const POD_SPEC: &[Field] = &[
    many(2, "containers", Kind::Message(CONTAINER)),
    one(3, "restartPolicy", Kind::String),
    one(4, "terminationGracePeriodSeconds", Kind::Int),
    one(5, "activeDeadlineSeconds", Kind::Int),
    one(6, "dnsPolicy", Kind::String),
    one(7, "nodeSelector", STRING_MAP),
    one(8, "serviceAccountName", Kind::String),
    one(10, "nodeName", Kind::String),
    one(11, "hostNetwork", Kind::Bool),
    one(19, "schedulerName", Kind::String),
    many(20, "initContainers", Kind::Message(CONTAINER)),
];

const POD: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    one(2, "spec", Kind::Message(POD_SPEC)),
    one(3, "status", Kind::Message(EMPTY)),
];

const POD_TEMPLATE_SPEC: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    one(2, "spec", Kind::Message(POD_SPEC)),
];

const LABEL_SELECTOR: &[Field] = &[
    one(1, "matchLabels", STRING_MAP),
    many(
        2,
        "matchExpressions",
        Kind::Message(&[
            one(1, "key", Kind::String),
            one(2, "operator", Kind::String),
            many(3, "values", Kind::String),
        ]),
    ),
];

const DEPLOYMENT_STRATEGY: &[Field] = &[
    one(1, "type", Kind::String),
    one(
        2,
        "rollingUpdate",
        Kind::Message(&[
            one(1, "maxUnavailable", Kind::IntOrString),
            one(2, "maxSurge", Kind::IntOrString),
        ]),
    ),
];

const DEPLOYMENT_SPEC: &[Field] = &[
    one(1, "replicas", Kind::Int),
    one(2, "selector", Kind::Message(LABEL_SELECTOR)),
    one(3, "template", Kind::Message(POD_TEMPLATE_SPEC)),
    one(4, "strategy", Kind::Message(DEPLOYMENT_STRATEGY)),
    one(5, "minReadySeconds", Kind::Int),
    one(6, "revisionHistoryLimit", Kind::Int),
    one(7, "paused", Kind::Bool),
    one(9, "progressDeadlineSeconds", Kind::Int),
];

const DEPLOYMENT: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    one(2, "spec", Kind::Message(DEPLOYMENT_SPEC)),
    one(3, "status", Kind::Message(EMPTY)),
];

/// `SelfSubjectAccessReviewSpec`.
pub const ACCESS_REVIEW_SPEC: &[Field] = &[one(
    1,
    "resourceAttributes",
    Kind::Message(&[
        one(1, "namespace", Kind::String),
        one(2, "verb", Kind::String),
        one(3, "group", Kind::String),
        one(4, "version", Kind::String),
        one(5, "resource", Kind::String),
        one(6, "subresource", Kind::String),
        one(7, "name", Kind::String),
    ]),
)];

const OBJECT_REFERENCE: &[Field] = &[
    one(1, "kind", Kind::String),
    one(2, "namespace", Kind::String),
    one(3, "name", Kind::String),
    one(4, "uid", Kind::String),
    one(5, "apiVersion", Kind::String),
    one(6, "resourceVersion", Kind::String),
    one(7, "fieldPath", Kind::String),
];

const SERVICE_ACCOUNT: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    many(2, "secrets", Kind::Message(OBJECT_REFERENCE)),
    many(
        3,
        "imagePullSecrets",
        Kind::Message(&[one(1, "name", Kind::String)]),
    ),
    one(4, "automountServiceAccountToken", Kind::Bool),
];

const POLICY_RULE: &[Field] = &[
    many(1, "verbs", Kind::String),
    many(2, "apiGroups", Kind::String),
    many(3, "resources", Kind::String),
    many(4, "resourceNames", Kind::String),
    many(5, "nonResourceURLs", Kind::String),
];

/// `Role` and `ClusterRole` (whose field 3, the aggregation rule, `kubectl create` does not set).
const ROLE: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    many(2, "rules", Kind::Message(POLICY_RULE)),
];

/// `RoleBinding` and `ClusterRoleBinding`.
const BINDING: &[Field] = &[
    one(1, "metadata", Kind::Message(OBJECT_META)),
    many(
        2,
        "subjects",
        Kind::Message(&[
            one(1, "kind", Kind::String),
            one(2, "apiGroup", Kind::String),
            one(3, "name", Kind::String),
            one(4, "namespace", Kind::String),
        ]),
    ),
    one(
        3,
        "roleRef",
        Kind::Message(&[
            one(1, "apiGroup", Kind::String),
            one(2, "kind", Kind::String),
            one(3, "name", Kind::String),
        ]),
    ),
];

pub const KINDS: [&str; 11] = [
    "ConfigMap",
    "Secret",
    "Namespace",
    "Service",
    "Pod",
    "Deployment",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
];

pub fn for_kind(kind: &str) -> Option<&'static [Field]> {
    Some(match kind {
        "ConfigMap" => CONFIG_MAP,
        "Secret" => SECRET,
        "Namespace" => NAMESPACE,
        "Service" => SERVICE,
        "Pod" => POD,
        "Deployment" => DEPLOYMENT,
        "ServiceAccount" => SERVICE_ACCOUNT,
        "Role" | "ClusterRole" => ROLE,
        "RoleBinding" | "ClusterRoleBinding" => BINDING,
        _ => return None,
    })
}

/// `SelfSubjectRulesReviewSpec`.
pub const RULES_REVIEW_SPEC: &[Field] = &[one(1, "namespace", Kind::String)];
