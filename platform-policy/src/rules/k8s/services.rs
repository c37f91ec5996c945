//! Services, Ingresses and NetworkPolicies: what they select and how they
//! expose pods.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::finding::Finding;
use crate::inputs::{Manifest, get};
use crate::rule::RuleContext;
use crate::selector::LabelSelector;

/// The pod labels of a workload.
type Labels<'a> = &'a Map<String, Value>;

/// Workloads by `(namespace, label, value)` of their pod labels, so that a
/// selector is tested against the workloads that can match it only.
struct PodLabels<'a> {
    by_pair: HashMap<(&'a str, &'a str, &'a str), Vec<Labels<'a>>>,
    namespaces: HashMap<&'a str, Vec<Labels<'a>>>,
}

impl<'a> PodLabels<'a> {
    fn new(cx: &RuleContext<'a>) -> Self {
        let mut by_pair: HashMap<_, Vec<_>> = HashMap::new();
        let mut namespaces: HashMap<_, Vec<_>> = HashMap::new();
        for (_, m) in cx.workloads() {
            let Some(labels) = m.pod_labels() else {
                continue;
            };
            let ns = m.namespace_or_default();
            namespaces.entry(ns).or_default().push(labels);
            for (k, v) in labels {
                if let Some(v) = v.as_str() {
                    by_pair.entry((ns, k.as_str(), v)).or_default().push(labels);
                }
            }
        }
        Self {
            by_pair,
            namespaces,
        }
    }

    /// Whether some pod of `namespace` carries every label of `selector`
    /// (a Service's equality selector).
    fn any_carries(&self, namespace: &str, selector: &Map<String, Value>) -> bool {
        let mut pairs = selector
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)));
        let Some((k, v)) = pairs.next() else {
            return true;
        };
        self.by_pair.get(&(namespace, k, v)).is_some_and(|pods| {
            pods.iter().any(|labels| {
                selector
                    .iter()
                    .all(|(k, v)| get_label(labels, k) == v.as_str())
            })
        })
    }

    /// Whether some pod of `namespace` is matched by `selector`.
    fn any_matches(&self, namespace: &str, selector: &LabelSelector) -> bool {
        self.namespaces
            .get(namespace)
            .is_some_and(|pods| pods.iter().any(|labels| selector.matches(labels)))
    }
}

fn get_label<'a>(labels: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    labels.get(key).and_then(Value::as_str)
}

fn services<'a>(cx: &RuleContext<'a>) -> impl Iterator<Item = (usize, &'a Manifest)> + use<'a> {
    cx.inputs()
        .manifests()
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is("", "Service"))
}

fn service_type(m: &Manifest) -> &str {
    m.get("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
}

pub(super) fn service_selector(cx: &RuleContext<'_>) -> Vec<Finding> {
    let pods = PodLabels::new(cx);
    let mut out = Vec::new();
    for (i, m) in services(cx) {
        // No selector: endpoints are managed by hand (or by a controller).
        let Some(Value::Object(selector)) = m.get("/spec/selector") else {
            continue;
        };
        if selector.is_empty() || service_type(m) == "ExternalName" {
            continue;
        }
        if !pods.any_carries(m.namespace_or_default(), selector) {
            out.push(cx.at_manifest(
                i,
                "/spec/selector",
                format!(
                    "Service `{}` selects no pod of the input (namespace `{}`)",
                    m.name,
                    m.namespace_or_default()
                ),
            ));
        }
    }
    out
}

pub(super) fn netpol_selector(cx: &RuleContext<'_>) -> Vec<Finding> {
    let pods = PodLabels::new(cx);
    let mut out = Vec::new();
    for (i, m) in cx.inputs().manifests().iter().enumerate() {
        if !m.is("networking.k8s.io", "NetworkPolicy") {
            continue;
        }
        let Some(selector) = m.get("/spec/podSelector") else {
            continue;
        };
        // `{}` selects every pod of the namespace, the default-deny idiom.
        let Ok(selector) = LabelSelector::from_value(selector) else {
            continue;
        };
        if selector.is_empty() {
            continue;
        }
        if !pods.any_matches(m.namespace_or_default(), &selector) {
            out.push(cx.at_manifest(
                i,
                "/spec/podSelector",
                format!(
                    "NetworkPolicy `{}` selects no pod of the input (namespace `{}`)",
                    m.name,
                    m.namespace_or_default()
                ),
            ));
        }
    }
    out
}

/// The backends of an Ingress: pointer of the service name and the name.
/// One Ingress backend: where it is written, the Service it names and
/// the port it asks for (its pointer and value), when given.
struct IngressBackend<'m> {
    at: String,
    service: &'m str,
    port: Option<(String, &'m Value)>,
}

fn ingress_backends<'m>(m: &'m Manifest) -> Vec<IngressBackend<'m>> {
    let mut out = Vec::new();
    let mut push = |backend: Option<&'m Value>, at: String| {
        let Some(b) = backend else {
            return;
        };
        // networking.k8s.io/v1: `service.name` and `service.port.number` or
        // `.name`; v1beta1: `serviceName` and `servicePort`.
        if let Some(service) = get(b, "service") {
            if let Some(name) = get(service, "name").and_then(Value::as_str) {
                let port = get(service, "port").and_then(|p| {
                    get(p, "number")
                        .map(|v| (format!("{at}/service/port/number"), v))
                        .or_else(|| get(p, "name").map(|v| (format!("{at}/service/port/name"), v)))
                });
                out.push(IngressBackend {
                    at: format!("{at}/service/name"),
                    service: name,
                    port,
                });
            }
        } else if let Some(name) = get(b, "serviceName").and_then(Value::as_str) {
            out.push(IngressBackend {
                at: format!("{at}/serviceName"),
                service: name,
                port: get(b, "servicePort").map(|v| (format!("{at}/servicePort"), v)),
            });
        }
    };
    push(
        m.get("/spec/defaultBackend"),
        "/spec/defaultBackend".to_owned(),
    );
    push(m.get("/spec/backend"), "/spec/backend".to_owned());
    for (r, rule) in m
        .get("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let paths = get(rule, "http")
            .and_then(|h| get(h, "paths"))
            .and_then(Value::as_array);
        for (p, path) in paths.into_iter().flatten().enumerate() {
            push(
                get(path, "backend"),
                format!("/spec/rules/{r}/http/paths/{p}/backend"),
            );
        }
    }
    out
}

fn ingresses<'a>(cx: &RuleContext<'a>) -> impl Iterator<Item = (usize, &'a Manifest)> + use<'a> {
    cx.inputs().manifests().iter().enumerate().filter(|(_, m)| {
        m.kind == "Ingress" && matches!(m.group(), "networking.k8s.io" | "extensions")
    })
}

/// Whether Service `service` exposes `port` (a number or a port name).
fn exposes(service: &Manifest, port: &Value) -> bool {
    let ports = service.get("/spec/ports").and_then(Value::as_array);
    ports.into_iter().flatten().any(|p| match port {
        Value::Number(n) => get(p, "port").and_then(Value::as_i64) == n.as_i64(),
        Value::String(name) => {
            get(p, "name").and_then(Value::as_str) == Some(name.as_str())
                // `servicePort: "80"` in v1beta1 is the number.
                || name.parse::<i64>().ok().is_some_and(|n| get(p, "port").and_then(Value::as_i64) == Some(n))
        }
        _ => true,
    })
}

pub(super) fn ingress_backend(cx: &RuleContext<'_>) -> Vec<Finding> {
    let known: HashMap<(&str, &str), &Manifest> = services(cx)
        .map(|(_, m)| ((m.namespace_or_default(), m.name.as_str()), m))
        .collect();
    let mut out = Vec::new();
    for (i, m) in ingresses(cx) {
        let ns = m.namespace_or_default();
        for b in ingress_backends(m) {
            let name = b.service;
            match known.get(&(ns, name)) {
                None => out.push(cx.at_manifest(
                    i,
                    &b.at,
                    format!("Ingress `{}` routes to Service `{name}`, which is not in the input (namespace `{ns}`)", m.name),
                )),
                Some(service) => {
                    if let Some((at, port)) = &b.port
                        && !exposes(service, port)
                    {
                        out.push(cx.at_manifest(
                            i,
                            at,
                            format!(
                                "Ingress `{}` routes to port {port} of Service `{name}`, which exposes no such port; requests would fail with 503",
                                m.name
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

pub(super) fn ingress_tls(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, m) in ingresses(cx) {
        let tls = m
            .get("/spec/tls")
            .and_then(Value::as_array)
            .is_some_and(|t| !t.is_empty());
        if !tls {
            out.push(cx.at_manifest(
                i,
                "/spec/tls",
                format!(
                    "Ingress `{}` serves plain HTTP: it has no `spec.tls`",
                    m.name
                ),
            ));
        }
    }
    out
}

pub(super) fn service_nodeport(cx: &RuleContext<'_>) -> Vec<Finding> {
    exposed(cx, "NodePort", "opens a port on every node of the cluster")
}

pub(super) fn service_load_balancer(cx: &RuleContext<'_>) -> Vec<Finding> {
    exposed(cx, "LoadBalancer", "gets an external load balancer")
}

fn exposed(cx: &RuleContext<'_>, kind: &str, what: &str) -> Vec<Finding> {
    services(cx)
        .filter(|(_, m)| service_type(m) == kind)
        .map(|(i, m)| {
            cx.at_manifest(
                i,
                "/spec/type",
                format!("Service `{}` is of type {kind}: it {what}", m.name),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ingress_versions_name_their_backends() {
        let v1: Value = serde_json::json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "i"},
            "spec": {"defaultBackend": {"service": {"name": "a", "port": {"number": 80}}},
                "rules": [{"http": {"paths": [{"path": "/", "backend": {"serviceName": "b"}}]}}]}});
        let text = serde_json::to_string(&v1).unwrap_or_default();
        let mut inputs = crate::Inputs::new();
        inputs.add_source("i.yaml", text);
        let m = &inputs.manifests()[0];
        let names: Vec<&str> = ingress_backends(m).into_iter().map(|b| b.service).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
