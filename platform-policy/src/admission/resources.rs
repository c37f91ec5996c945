//! Kinds as the API server names them in admission: each object's group,
//! version, resource (the plural) and scope, from the built-in Kubernetes
//! kinds and the CustomResourceDefinitions in the input.

use std::collections::HashMap;

use serde_json::Value;

use crate::inputs::Manifest;

/// What admission knows of an object's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resource {
    /// API group (`""` for the core group).
    pub group: String,
    /// API version within the group.
    pub version: String,
    /// The plural resource name (`deployments`).
    pub resource: String,
    /// Whether objects of the kind live in a namespace.
    pub namespaced: bool,
}

/// Built-in kinds: `(group, kind, resource, namespaced)`.
const BUILT_IN: &[(&str, &str, &str, bool)] = &[
    ("", "Binding", "bindings", true),
    ("", "ConfigMap", "configmaps", true),
    ("", "Endpoints", "endpoints", true),
    ("", "Event", "events", true),
    ("", "LimitRange", "limitranges", true),
    ("", "Namespace", "namespaces", false),
    ("", "Node", "nodes", false),
    ("", "PersistentVolume", "persistentvolumes", false),
    ("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("", "Pod", "pods", true),
    ("", "PodTemplate", "podtemplates", true),
    ("", "ReplicationController", "replicationcontrollers", true),
    ("", "ResourceQuota", "resourcequotas", true),
    ("", "Secret", "secrets", true),
    ("", "Service", "services", true),
    ("", "ServiceAccount", "serviceaccounts", true),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    ("apps", "ControllerRevision", "controllerrevisions", true),
    ("apps", "DaemonSet", "daemonsets", true),
    ("apps", "Deployment", "deployments", true),
    ("apps", "ReplicaSet", "replicasets", true),
    ("apps", "StatefulSet", "statefulsets", true),
    (
        "autoscaling",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    ("batch", "CronJob", "cronjobs", true),
    ("batch", "Job", "jobs", true),
    (
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
    ),
    ("coordination.k8s.io", "Lease", "leases", true),
    ("discovery.k8s.io", "EndpointSlice", "endpointslices", true),
    ("extensions", "DaemonSet", "daemonsets", true),
    ("extensions", "Deployment", "deployments", true),
    ("extensions", "Ingress", "ingresses", true),
    ("extensions", "NetworkPolicy", "networkpolicies", true),
    ("extensions", "ReplicaSet", "replicasets", true),
    ("networking.k8s.io", "Ingress", "ingresses", true),
    ("networking.k8s.io", "IngressClass", "ingressclasses", false),
    (
        "networking.k8s.io",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    ("node.k8s.io", "RuntimeClass", "runtimeclasses", false),
    (
        "policy",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    ("policy", "PodSecurityPolicy", "podsecuritypolicies", false),
    (
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("rbac.authorization.k8s.io", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    (
        "scheduling.k8s.io",
        "PriorityClass",
        "priorityclasses",
        false,
    ),
    ("storage.k8s.io", "CSIDriver", "csidrivers", false),
    ("storage.k8s.io", "CSINode", "csinodes", false),
    ("storage.k8s.io", "StorageClass", "storageclasses", false),
    (
        "storage.k8s.io",
        "VolumeAttachment",
        "volumeattachments",
        false,
    ),
];

/// Kinds of the input's CustomResourceDefinitions, by `(group, kind)`.
#[derive(Debug, Default)]
pub(crate) struct Kinds {
    custom: HashMap<(String, String), (String, bool)>,
}

impl Kinds {
    /// Reads the CustomResourceDefinitions among `manifests`.
    pub(crate) fn new<'m>(manifests: impl IntoIterator<Item = &'m Manifest>) -> Self {
        let mut custom = HashMap::new();
        for m in manifests {
            if !m.is("apiextensions.k8s.io", "CustomResourceDefinition") {
                continue;
            }
            let text = |p: &str| m.get(p).and_then(Value::as_str);
            if let (Some(group), Some(kind), Some(plural)) = (
                text("/spec/group"),
                text("/spec/names/kind"),
                text("/spec/names/plural"),
            ) {
                let namespaced = text("/spec/scope") != Some("Cluster");
                custom.insert(
                    (group.to_owned(), kind.to_owned()),
                    (plural.to_owned(), namespaced),
                );
            }
        }
        Self { custom }
    }

    /// The resource of objects of `api_version` and `kind`. Kinds neither
    /// built in nor defined by a CustomResourceDefinition get the plural
    /// the API machinery guesses and are taken to be namespaced.
    pub(crate) fn resource(&self, api_version: &str, kind: &str) -> Resource {
        let (group, version) = split_api_version(api_version);
        let known = BUILT_IN
            .iter()
            .find(|(g, k, _, _)| *g == group && *k == kind)
            .map(|(_, _, r, n)| ((*r).to_owned(), *n))
            .or_else(|| {
                self.custom
                    .get(&(group.to_owned(), kind.to_owned()))
                    .cloned()
            });
        let (resource, namespaced) = known.unwrap_or_else(|| (guess_plural(kind), true));
        Resource {
            group: group.to_owned(),
            version: version.to_owned(),
            resource,
            namespaced,
        }
    }
}

/// `apps/v1` → `("apps", "v1")`, `v1` → `("", "v1")`.
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// The API machinery's guess of a kind's plural: lower case, `-es` after
/// an `s`, `-ies` for a `y`, else `-s`.
fn guess_plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with('s') {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_custom_and_guessed_kinds_map_to_resources() {
        let kinds = Kinds::default();
        let d = kinds.resource("apps/v1", "Deployment");
        assert_eq!(
            (
                d.group.as_str(),
                d.version.as_str(),
                d.resource.as_str(),
                d.namespaced
            ),
            ("apps", "v1", "deployments", true)
        );
        let ns = kinds.resource("v1", "Namespace");
        assert_eq!(
            (ns.group.as_str(), ns.resource.as_str(), ns.namespaced),
            ("", "namespaces", false)
        );
        assert_eq!(kinds.resource("x.io/v1", "Policy").resource, "policies");
        assert_eq!(kinds.resource("x.io/v1", "Ingress").resource, "ingresses");
        assert_eq!(kinds.resource("x.io/v1", "Widget").resource, "widgets");
    }
}
