//! Placement and ownership of objects: no `default` namespace, an owner
//! label on every workload.

use crate::finding::Finding;
use crate::rule::RuleContext;

pub(super) fn namespace_set(cx: &RuleContext<'_>) -> Vec<Finding> {
    cx.inputs()
        .manifests()
        .iter()
        .enumerate()
        .filter(|(_, m)| m.namespace.as_deref() == Some("default"))
        .map(|(i, m)| {
            cx.at_manifest(
                i,
                "/metadata/namespace",
                format!("{} is placed in the `default` namespace", m.kind),
            )
        })
        .collect()
}

pub(super) fn owner_label(cx: &RuleContext<'_>) -> Vec<Finding> {
    let keys = cx.option_strings("keys").unwrap_or_else(|| {
        vec![
            "backstage.io/kubernetes-id".into(),
            "app.kubernetes.io/part-of".into(),
        ]
    });
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        let has = keys.iter().any(|k| {
            m.label(k).is_some()
                || m.annotations().and_then(|a| a.get(k)).is_some()
                || m.pod_labels().and_then(|l| l.get(k)).is_some()
        });
        if !has {
            out.push(cx.at_manifest(
                i,
                "/metadata/labels",
                format!(
                        "{} has none of the owner labels {}",
                        m.kind,
                        keys.iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
            ));
        }
    }
    out
}
