//! `k8s.api-version`: an object of a built-in kind under an `apiVersion`
//! that does not serve it (`apiVersion: v1` with `kind: Deployment`), or
//! under one Kubernetes removed (`extensions/v1beta1` Ingresses), is
//! refused by the API server; every other rule would silently skip it.
//!
//! The removal releases are Kubernetes' deprecated API migration guide's.
//! With the option `kubernetes_version` (`1.24`), a version removed only
//! after that release is a warning (it still works there), not an error.

use semver::Version;

use crate::finding::Finding;
use crate::rule::RuleContext;

/// A built-in kind: the `apiVersion`s that serve it today, and the ones
/// that did, with the release that removed them.
struct Served {
    kind: &'static str,
    current: &'static [&'static str],
    removed: &'static [(&'static str, (u64, u64))],
}

const WORKLOAD_REMOVED: &[(&str, (u64, u64))] = &[
    ("extensions/v1beta1", (1, 16)),
    ("apps/v1beta1", (1, 16)),
    ("apps/v1beta2", (1, 16)),
];

/// The built-in kinds checked (kinds of other groups, CRDs included, are
/// not judged).
const KINDS: &[Served] = &[
    Served {
        kind: "Deployment",
        current: &["apps/v1"],
        removed: WORKLOAD_REMOVED,
    },
    Served {
        kind: "StatefulSet",
        current: &["apps/v1"],
        removed: WORKLOAD_REMOVED,
    },
    Served {
        kind: "DaemonSet",
        current: &["apps/v1"],
        removed: WORKLOAD_REMOVED,
    },
    Served {
        kind: "ReplicaSet",
        current: &["apps/v1"],
        removed: WORKLOAD_REMOVED,
    },
    Served {
        kind: "Job",
        current: &["batch/v1"],
        removed: &[],
    },
    Served {
        kind: "CronJob",
        current: &["batch/v1"],
        removed: &[("batch/v1beta1", (1, 25)), ("batch/v2alpha1", (1, 21))],
    },
    Served {
        kind: "PodDisruptionBudget",
        current: &["policy/v1"],
        removed: &[("policy/v1beta1", (1, 25))],
    },
    Served {
        kind: "Ingress",
        current: &["networking.k8s.io/v1"],
        removed: &[
            ("extensions/v1beta1", (1, 22)),
            ("networking.k8s.io/v1beta1", (1, 22)),
        ],
    },
    Served {
        kind: "IngressClass",
        current: &["networking.k8s.io/v1"],
        removed: &[("networking.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "NetworkPolicy",
        current: &["networking.k8s.io/v1"],
        removed: &[("extensions/v1beta1", (1, 16))],
    },
    Served {
        kind: "HorizontalPodAutoscaler",
        current: &["autoscaling/v2", "autoscaling/v1"],
        removed: &[
            ("autoscaling/v2beta1", (1, 25)),
            ("autoscaling/v2beta2", (1, 26)),
        ],
    },
    Served {
        kind: "Role",
        current: &["rbac.authorization.k8s.io/v1"],
        removed: &[("rbac.authorization.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "ClusterRole",
        current: &["rbac.authorization.k8s.io/v1"],
        removed: &[("rbac.authorization.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "RoleBinding",
        current: &["rbac.authorization.k8s.io/v1"],
        removed: &[("rbac.authorization.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "ClusterRoleBinding",
        current: &["rbac.authorization.k8s.io/v1"],
        removed: &[("rbac.authorization.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "PriorityClass",
        current: &["scheduling.k8s.io/v1"],
        removed: &[("scheduling.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "CustomResourceDefinition",
        current: &["apiextensions.k8s.io/v1"],
        removed: &[("apiextensions.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "ValidatingWebhookConfiguration",
        current: &["admissionregistration.k8s.io/v1"],
        removed: &[("admissionregistration.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "MutatingWebhookConfiguration",
        current: &["admissionregistration.k8s.io/v1"],
        removed: &[("admissionregistration.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "EndpointSlice",
        current: &["discovery.k8s.io/v1"],
        removed: &[("discovery.k8s.io/v1beta1", (1, 25))],
    },
    Served {
        kind: "RuntimeClass",
        current: &["node.k8s.io/v1"],
        removed: &[("node.k8s.io/v1beta1", (1, 25))],
    },
    Served {
        kind: "PodSecurityPolicy",
        current: &[],
        removed: &[("policy/v1beta1", (1, 25)), ("extensions/v1beta1", (1, 16))],
    },
    Served {
        kind: "FlowSchema",
        current: &["flowcontrol.apiserver.k8s.io/v1"],
        removed: &[
            ("flowcontrol.apiserver.k8s.io/v1beta1", (1, 26)),
            ("flowcontrol.apiserver.k8s.io/v1beta2", (1, 29)),
            ("flowcontrol.apiserver.k8s.io/v1beta3", (1, 32)),
        ],
    },
    Served {
        kind: "StorageClass",
        current: &["storage.k8s.io/v1"],
        removed: &[("storage.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "CSIDriver",
        current: &["storage.k8s.io/v1"],
        removed: &[("storage.k8s.io/v1beta1", (1, 22))],
    },
    Served {
        kind: "Pod",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "Service",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "ConfigMap",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "Secret",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "ServiceAccount",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "Namespace",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "PersistentVolumeClaim",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "PersistentVolume",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "LimitRange",
        current: &["v1"],
        removed: &[],
    },
    Served {
        kind: "ResourceQuota",
        current: &["v1"],
        removed: &[],
    },
];

/// The `kubernetes_version` option as a version (`1.24` → 1.24.0).
fn target_version(text: &str) -> Option<Version> {
    let trimmed = text.trim().trim_start_matches('v');
    let padded = match trimmed.matches('.').count() {
        0 => format!("{trimmed}.0.0"),
        1 => format!("{trimmed}.0"),
        _ => trimmed.to_owned(),
    };
    Version::parse(&padded).ok()
}

/// What is wrong with `api_version` for `kind`, and whether it is still
/// served at `target` (a warning then).
fn verdict(kind: &str, api_version: &str, target: Option<&Version>) -> Option<(String, bool)> {
    let served = KINDS.iter().find(|s| s.kind == kind)?;
    if served.current.contains(&api_version) {
        return None;
    }
    let replacement = match served.current {
        [] => format!(
            "{kind} has no replacement; remove it (Pod Security admission replaces PodSecurityPolicy)"
        ),
        [one] => format!("use `{one}`"),
        many => format!(
            "use {}",
            many.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    if let Some((_, (major, minor))) = served.removed.iter().find(|(v, _)| *v == api_version) {
        let removal = Version::new(*major, *minor, 0);
        let still_served = target.is_some_and(|t| *t < removal);
        return Some((
            format!(
                "`{api_version}` {kind} was removed in Kubernetes {major}.{minor}; {replacement}"
            ),
            still_served,
        ));
    }
    Some((
        format!("`{api_version}` does not serve {kind}; {replacement}"),
        false,
    ))
}

pub(super) fn api_version(cx: &RuleContext<'_>) -> Vec<Finding> {
    let target = cx
        .option("kubernetes_version")
        .and_then(serde_json::Value::as_str)
        .and_then(target_version);
    let mut out = Vec::new();
    for (i, manifest) in cx.inputs().manifests().iter().enumerate() {
        if let Some((message, still_served)) =
            verdict(&manifest.kind, &manifest.api_version, target.as_ref())
        {
            let mut finding = cx.at_manifest(i, "/apiVersion", message);
            if still_served {
                finding = finding.with_severity(platform_model::Severity::Warning);
            }
            out.push(finding);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(verdict("Deployment", "apps/v1", None), None);
        assert_eq!(
            verdict("HorizontalPodAutoscaler", "autoscaling/v1", None),
            None
        );
        assert_eq!(
            verdict("Widget", "v1", None),
            None,
            "kinds we do not know are not judged"
        );
        let (message, warning) = verdict("Deployment", "v1", None).expect("wrong");
        assert_eq!(message, "`v1` does not serve Deployment; use `apps/v1`");
        assert!(!warning);
        let (message, _) = verdict("Ingress", "extensions/v1beta1", None).expect("removed");
        assert_eq!(
            message,
            "`extensions/v1beta1` Ingress was removed in Kubernetes 1.22; use `networking.k8s.io/v1`"
        );
        let old = target_version("1.21");
        assert_eq!(
            verdict("Ingress", "extensions/v1beta1", old.as_ref()).map(|v| v.1),
            Some(true)
        );
        let new = target_version("v1.22.3");
        assert_eq!(
            verdict("Ingress", "extensions/v1beta1", new.as_ref()).map(|v| v.1),
            Some(false)
        );
        assert!(verdict("PodSecurityPolicy", "policy/v1beta1", None).is_some());
        assert_eq!(target_version("x"), None);
    }
}
