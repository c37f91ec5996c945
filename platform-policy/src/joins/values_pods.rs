//! The pods a Helm values file describes, found by the shape of its keys
//! rather than by one chart's layout.
//!
//! `helm create` writes one pod at the top (`podSecurityContext`,
//! `securityContext`, `resources`, `image`); charts with several
//! components (Bitnami's, ingress-nginx, Argo CD) write one section per
//! component (`master:`, `controller:`, `server:`), each with its own
//! `podSecurityContext`, `containerSecurityContext`, `resources` or
//! `resourcesPreset`. Every map that holds one of those keys is a pod here,
//! so each component is judged by what it sets.

use serde_json::{Map, Value};

use crate::inputs::{field, get};

/// Keys that make a map of a values file describe a pod.
const POD_KEYS: [&str; 5] = [
    "podSecurityContext",
    "securityContext",
    "containerSecurityContext",
    "resources",
    "resourcesPreset",
];

/// How deep below the top component sections are looked for
/// (`controller.admissionWebhooks.patch` is three levels down).
const MAX_DEPTH: usize = 3;

/// At most this many sections are taken from one file, so that a hostile
/// file of thousands of maps costs no more than a real chart.
const MAX_SECTIONS: usize = 256;

/// One pod of a values file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ValuesSection {
    /// Pointer of the section (`""` for the top of the file).
    pub pointer: String,
    /// Dotted path of the section (`master`, `controller.admissionWebhooks`;
    /// `""` for the top).
    pub path: String,
    /// Pointer of the pod-level security context.
    pub pod_sc: String,
    /// Pointer of the container's security context.
    pub container_sc: String,
    /// Whether only the section's image is judged: the top of a file whose
    /// components are in sections and that sets no pod key itself.
    pub image_only: bool,
}

/// Whether a map is switched off by the chart's `enabled: false` idiom
/// (a disabled component, or a security context the chart leaves out).
pub(super) fn disabled(value: &Value) -> bool {
    get(value, "enabled").and_then(Value::as_bool) == Some(false)
}

/// The pods of values document `root`: its top, then every enabled
/// section that holds a pod key, in document order.
pub(super) fn sections(root: &Value) -> Vec<ValuesSection> {
    let mut found = Vec::new();
    if let Value::Object(map) = root {
        collect(map, "", "", 1, &mut found);
    }
    let top_has_pod_keys = has_pod_keys(root);
    let mut out = Vec::with_capacity(found.len() + 1);
    out.push(section(
        root,
        String::new(),
        String::new(),
        !top_has_pod_keys && !found.is_empty(),
    ));
    out.extend(found);
    out
}

fn has_pod_keys(value: &Value) -> bool {
    match value {
        Value::Object(map) => POD_KEYS.iter().any(|k| field(map, k).is_some()),
        _ => false,
    }
}

fn collect(
    map: &Map<String, Value>,
    pointer: &str,
    path: &str,
    depth: usize,
    out: &mut Vec<ValuesSection>,
) {
    for (key, value) in map {
        if out.len() >= MAX_SECTIONS {
            return;
        }
        // The pod keys are parts of a pod, not components; `global` holds
        // chart-wide defaults, not a pod.
        if POD_KEYS.contains(&key.as_str()) || (depth == 1 && key == "global") {
            continue;
        }
        let Value::Object(child) = value else {
            continue;
        };
        if disabled(value) {
            continue;
        }
        let child_pointer = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        let child_path = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        if has_pod_keys(value) {
            out.push(section(
                value,
                child_pointer.clone(),
                child_path.clone(),
                false,
            ));
        }
        if depth < MAX_DEPTH {
            collect(child, &child_pointer, &child_path, depth + 1, out);
        }
    }
}

/// The section at `pointer`: its container's security context is
/// `containerSecurityContext` when the section has one, else
/// `securityContext`; the pod's is `podSecurityContext`, or
/// `securityContext` when that sits beside a `containerSecurityContext`
/// (Grafana's layout).
fn section(value: &Value, pointer: String, path: String, image_only: bool) -> ValuesSection {
    let has = |k: &str| get(value, k).is_some();
    let (pod_sc, container_sc) = if has("containerSecurityContext") {
        if has("podSecurityContext") || !has("securityContext") {
            ("podSecurityContext", "containerSecurityContext")
        } else {
            ("securityContext", "containerSecurityContext")
        }
    } else {
        ("podSecurityContext", "securityContext")
    };
    ValuesSection {
        pod_sc: format!("{pointer}/{pod_sc}"),
        container_sc: format!("{pointer}/{container_sc}"),
        pointer,
        path,
        image_only,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn helm_create_is_one_pod_at_the_top() {
        let v = json!({"replicaCount": 1, "image": {"repository": "nginx", "tag": ""},
            "podSecurityContext": {}, "securityContext": {}, "resources": {},
            "serviceAccount": {"create": true}});
        let s = sections(&v);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].pointer, "");
        assert_eq!(s[0].pod_sc, "/podSecurityContext");
        assert_eq!(s[0].container_sc, "/securityContext");
        assert!(!s[0].image_only);
    }

    #[test]
    fn components_are_sections_and_disabled_ones_are_skipped() {
        let v = json!({
            "image": {"repository": "bitnami/redis", "tag": "7.2"},
            "master": {
                "podSecurityContext": {"enabled": true, "fsGroup": 1001},
                "containerSecurityContext": {"enabled": true, "runAsNonRoot": true},
                "resourcesPreset": "nano"
            },
            "replica": {"containerSecurityContext": {"runAsNonRoot": true}},
            "metrics": {"enabled": false, "resources": {}},
            "volumePermissions": {"enabled": false, "containerSecurityContext": {"runAsUser": 0}},
            "global": {"security": {}, "resources": {}}
        });
        let s = sections(&v);
        let paths: Vec<&str> = s.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["", "master", "replica"]);
        assert!(s[0].image_only);
        assert_eq!(s[1].container_sc, "/master/containerSecurityContext");
        assert_eq!(s[1].pod_sc, "/master/podSecurityContext");
    }

    #[test]
    fn security_context_beside_a_container_one_is_the_pods() {
        let v = json!({"securityContext": {"runAsUser": 472},
            "containerSecurityContext": {"allowPrivilegeEscalation": false}});
        let s = sections(&v);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].pod_sc, "/securityContext");
        assert_eq!(s[0].container_sc, "/containerSecurityContext");
    }

    #[test]
    fn nesting_and_width_are_bounded() {
        let v = json!({"a": {"b": {"c": {"resources": {}, "d": {"resources": {}}}}}});
        let paths: Vec<String> = sections(&v).into_iter().map(|s| s.path).collect();
        assert_eq!(paths, ["", "a.b.c"]);
        let mut wide = serde_json::Map::new();
        for i in 0..1000 {
            wide.insert(format!("c{i}"), json!({"resources": {}}));
        }
        assert_eq!(sections(&Value::Object(wide)).len(), MAX_SECTIONS + 1);
    }
}
