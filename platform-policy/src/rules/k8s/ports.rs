//! Container ports: SSH and privileged ports.

use serde_json::Value;

use crate::finding::Finding;
use crate::joins::PodView;
use crate::rule::RuleContext;

/// Every `containerPort` of every container: `(container, index, port,
/// protocol)`; the protocol defaults to TCP as Kubernetes defaults it.
fn container_ports<'p>(
    pod: &'p PodView<'_>,
) -> impl Iterator<Item = (&'p crate::joins::ContainerView, usize, i64, &'p str)> + 'p {
    pod.containers.iter().flat_map(move |c| {
        pod.container_get(c, "ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(move |(j, p)| {
                let port = crate::inputs::get(p, "containerPort")?.as_i64()?;
                let protocol = crate::inputs::get(p, "protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP");
                Some((c, j, port, protocol))
            })
    })
}

pub(super) fn ssh_port(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for (c, j, port, protocol) in container_ports(pod) {
            // SSH runs over TCP (and SCTP is not it either).
            if port == 22 && protocol == "TCP" {
                out.push(cx.at(
                    pod.origin,
                    &PodView::container_field(c, &format!("ports/{j}/containerPort")),
                    format!("{} exposes port 22 (SSH)", PodView::label(c)),
                ));
            }
        }
    }
    out
}

pub(super) fn privileged_port(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for (c, j, port, _) in container_ports(pod) {
            if (1..1024).contains(&port) {
                out.push(cx.at(
                    pod.origin,
                    &PodView::container_field(c, &format!("ports/{j}/containerPort")),
                    format!(
                        "{} listens on privileged port {port} (below 1024)",
                        PodView::label(c)
                    ),
                ));
            }
        }
    }
    out
}
