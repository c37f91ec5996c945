//! One view over "a pod": a workload's pod template, or the pod a Helm
//! values file describes (`podSecurityContext`, `securityContext`,
//! `resources`, `image`), so that one rule body covers both.

use serde_json::Value;

use crate::finding::Finding;
use crate::inputs::WorkloadKind;
use crate::rule::RuleContext;

/// Which artefact the pod comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Manifest(usize),
    Values(usize),
}

/// Kind of container list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContainerList {
    Containers,
    Init,
    Ephemeral,
}

/// A container, as pointers into the owner's document.
#[derive(Clone, Debug)]
pub(crate) struct ContainerView {
    pub(crate) name: String,
    /// Pointer of the container object (`""` for values).
    pub(crate) ptr: String,
    pub(crate) sc: String,
    pub(crate) resources: String,
    pub(crate) image: String,
    pub(crate) list: ContainerList,
}

/// Where a pod's parts are, computed once per check.
#[derive(Clone, Debug)]
pub(crate) struct PodData {
    pub(crate) owner: Owner,
    /// Pointer of the pod spec (`""` for values).
    pub(crate) pod: String,
    pub(crate) pod_sc: String,
    pub(crate) containers: Vec<ContainerView>,
    pub(crate) kind: Option<WorkloadKind>,
}

/// A pod and the document it is read from, with the pod spec and the
/// containers resolved once (lookups below them start there).
#[derive(Clone, Debug)]
pub(crate) struct PodView<'a> {
    data: &'a PodData,
    pub(crate) root: &'a Value,
    pod_node: Option<&'a Value>,
    container_nodes: Vec<Option<&'a Value>>,
}

impl std::ops::Deref for PodView<'_> {
    type Target = PodData;

    fn deref(&self) -> &PodData {
        self.data
    }
}

impl<'a> PodView<'a> {
    pub(crate) fn get(&self, pointer: &str) -> Option<&'a Value> {
        for (c, node) in self.data.containers.iter().zip(&self.container_nodes) {
            if let (Some(rest), Some(node)) = (pointer.strip_prefix(c.ptr.as_str()), node)
                && !c.ptr.is_empty()
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return crate::inputs::pointer(node, rest);
            }
        }
        if let (Some(rest), Some(node)) =
            (pointer.strip_prefix(self.data.pod.as_str()), self.pod_node)
            && !self.data.pod.is_empty()
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return crate::inputs::pointer(node, rest);
        }
        crate::inputs::pointer(self.root, pointer)
    }

    pub(crate) fn is_values(&self) -> bool {
        matches!(self.owner, Owner::Values(_))
    }

    /// Pointer of a pod-level field.
    pub(crate) fn pod_field(&self, name: &str) -> String {
        format!("{}/{name}", self.pod)
    }

    /// Whether Linux-only controls are skipped (`spec.os.name: windows`).
    pub(crate) fn is_windows(&self) -> bool {
        self.get(&self.pod_field("os/name")).and_then(Value::as_str) == Some("windows")
    }

    /// A finding at `pointer` of the owner.
    pub(crate) fn finding(
        &self,
        cx: &RuleContext<'_>,
        pointer: &str,
        message: impl Into<String>,
    ) -> Finding {
        match self.owner {
            Owner::Manifest(i) => cx.at_manifest(i, pointer, message),
            Owner::Values(i) => cx.at_values(i, pointer, message),
        }
    }

    /// The value of a security-context field for a container: the
    /// container's own, else the pod's (for fields that exist at both levels).
    pub(crate) fn effective(&self, c: &ContainerView, field: &str) -> (Option<&'a Value>, String) {
        let own = format!("{}/{field}", c.sc);
        if let Some(v) = self.get(&own) {
            return (Some(v), own);
        }
        let pod = format!("{}/{field}", self.pod_sc);
        match self.get(&pod) {
            Some(v) => (Some(v), pod),
            // Neither is set: point where the container's setting would go.
            None => (None, own),
        }
    }

    /// Containers of the `containers` list (what resources and probes are about).
    pub(crate) fn main_containers(&self) -> impl Iterator<Item = &ContainerView> {
        self.containers
            .iter()
            .filter(|c| c.list == ContainerList::Containers)
    }

    /// Human name of a container for messages.
    pub(crate) fn label(c: &ContainerView) -> String {
        if c.ptr.is_empty() {
            "the chart's container".to_owned()
        } else {
            let list = match c.list {
                ContainerList::Containers => "container",
                ContainerList::Init => "init container",
                ContainerList::Ephemeral => "ephemeral container",
            };
            format!("{list} `{}`", c.name)
        }
    }
}

/// The pods of every workload and, when `with_values`, of every values file.
pub(crate) fn pods<'a>(cx: &RuleContext<'a>, with_values: bool) -> Vec<PodView<'a>> {
    let inputs = cx.inputs();
    cx.index_ref()
        .pods
        .iter()
        .filter(|p| with_values || matches!(p.owner, Owner::Manifest(_)))
        .filter_map(|data| {
            let root = match data.owner {
                Owner::Manifest(i) => &inputs.manifests().get(i)?.value,
                Owner::Values(i) => &inputs.values().get(i)?.value,
            };
            let pod_node = crate::inputs::pointer(root, &data.pod);
            let container_nodes = data
                .containers
                .iter()
                .map(|c| crate::inputs::pointer(root, &c.ptr))
                .collect();
            Some(PodView {
                data,
                root,
                pod_node,
                container_nodes,
            })
        })
        .collect()
}

/// Computes where the pods of every workload and values file are.
pub(crate) fn build_pods(inputs: &crate::inputs::Inputs, workloads: &[usize]) -> Vec<PodData> {
    let mut out = Vec::new();
    for &i in workloads {
        let m = &inputs.manifests()[i];
        let Some(kind) = m.workload_kind() else {
            continue;
        };
        let pod = kind.pod_spec_pointer().to_owned();
        let mut containers = Vec::new();
        for (list, key) in [
            (ContainerList::Containers, "containers"),
            (ContainerList::Init, "initContainers"),
            (ContainerList::Ephemeral, "ephemeralContainers"),
        ] {
            let ptr = format!("{pod}/{key}");
            if let Some(Value::Array(items)) = m.get(&ptr) {
                for (j, c) in items.iter().enumerate() {
                    let base = format!("{ptr}/{j}");
                    containers.push(ContainerView {
                        name: c
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned(),
                        sc: format!("{base}/securityContext"),
                        resources: format!("{base}/resources"),
                        image: format!("{base}/image"),
                        ptr: base,
                        list,
                    });
                }
            }
        }
        out.push(PodData {
            owner: Owner::Manifest(i),
            pod_sc: format!("{pod}/securityContext"),
            pod,
            containers,
            kind: Some(kind),
        });
    }
    for i in 0..inputs.values().len() {
        out.push(PodData {
            owner: Owner::Values(i),
            pod: String::new(),
            pod_sc: "/podSecurityContext".to_owned(),
            containers: vec![ContainerView {
                name: "chart".to_owned(),
                ptr: String::new(),
                sc: "/securityContext".to_owned(),
                resources: "/resources".to_owned(),
                image: "/image".to_owned(),
                list: ContainerList::Containers,
            }],
            kind: None,
        });
    }
    out
}

/// A parsed image reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ImageRef {
    /// Registry host (`docker.io` when not written).
    pub(crate) registry: String,
    /// Repository path without registry.
    pub(crate) repository: String,
    pub(crate) tag: Option<String>,
    pub(crate) digest: Option<String>,
}

impl ImageRef {
    pub(crate) fn parse(image: &str) -> Self {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_owned())),
            None => (image, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |p| p + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(p) => (
                &rest[..last_slash + p],
                Some(rest[last_slash + p + 1..].to_owned()),
            ),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_owned(), path.to_owned())
            }
            _ => ("docker.io".to_owned(), name.to_owned()),
        };
        Self {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// The last path segment of the repository (`payment-service`).
    pub(crate) fn short_name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// `registry/repository`.
    pub(crate) fn full_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// The image of a container: a string in manifests; `{repository, tag,
/// digest}` (or a string) in values. `None` when no image is written.
pub(crate) fn image_of(view: &PodView<'_>, c: &ContainerView) -> Option<ImageRef> {
    match view.get(&c.image)? {
        Value::String(s) => Some(ImageRef::parse(s)),
        Value::Object(map) => {
            let repository = map.get("repository").and_then(Value::as_str)?;
            let mut image = ImageRef::parse(repository);
            if let Some(tag) = map.get("tag") {
                image.tag = Some(match tag {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                });
            }
            if let Some(d) = map
                .get("digest")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
            {
                image.digest = Some(d.to_owned());
            }
            Some(image)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let i = ImageRef::parse("registry.acme.internal:5000/payments/api:2.3.0@sha256:abc");
        assert_eq!(i.registry, "registry.acme.internal:5000");
        assert_eq!(i.repository, "payments/api");
        assert_eq!(i.tag.as_deref(), Some("2.3.0"));
        assert_eq!(i.digest.as_deref(), Some("sha256:abc"));
        let i = ImageRef::parse("nginx");
        assert_eq!((i.registry.as_str(), i.tag), ("docker.io", None));
        assert_eq!(
            ImageRef::parse("gcr.io/distroless/static:nonroot").short_name(),
            "static"
        );
    }
}
