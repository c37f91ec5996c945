//! One view over "a pod": a workload's pod template, or the pod a Helm
//! values file describes (`podSecurityContext`, `securityContext`,
//! `resources`, `image`), so that one rule body covers both. A layer below
//! the rules: the index computes the pods once per check, rules read them
//! through `rules::pod`.

use serde_json::Value;

use crate::inputs::{Inputs, WorkloadKind, field, get, pointer, walk};

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
    /// Position in [`PodData::containers`], which is also where
    /// [`PodView`] keeps the container's resolved nodes.
    pub(crate) index: usize,
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

/// The nodes of one container, resolved once per check.
#[derive(Clone, Copy, Debug)]
struct ContainerNodes<'a> {
    /// The container object (the whole document for values).
    node: Option<&'a Value>,
    /// Its security context.
    sc: Option<&'a Value>,
}

/// Which security context a value is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScLevel {
    /// The container's own `securityContext`.
    Container,
    /// The pod's (`podSecurityContext` in values).
    Pod,
}

/// A pod and the document it is read from, with the pod spec, its
/// security context and the containers (and theirs) resolved once per
/// check: rules look up fields *below* these nodes by relative paths
/// (`pod.sc_get(c, "capabilities/drop")`), so the hot path neither walks
/// from the document root nor formats pointers; pointers are built only
/// for findings.
#[derive(Clone, Debug)]
pub(crate) struct PodView<'a> {
    data: &'a PodData,
    pub(crate) root: &'a Value,
    pod_node: Option<&'a Value>,
    pod_sc_node: Option<&'a Value>,
    nodes: Vec<ContainerNodes<'a>>,
}

impl std::ops::Deref for PodView<'_> {
    type Target = PodData;

    fn deref(&self) -> &PodData {
        self.data
    }
}

impl<'a> PodView<'a> {
    /// The pod of `data`, read from `root` (the owner's document).
    fn new(data: &'a PodData, root: &'a Value) -> Self {
        let nodes = data
            .containers
            .iter()
            .map(|c| ContainerNodes {
                node: pointer(root, &c.ptr),
                sc: pointer(root, &c.sc),
            })
            .collect();
        Self {
            data,
            root,
            pod_node: pointer(root, &data.pod),
            pod_sc_node: pointer(root, &data.pod_sc),
            nodes,
        }
    }

    /// The value at `pointer` of the owner's document (for lookups with no
    /// resolved node to start from; the accessors below are cheaper).
    pub(crate) fn get(&self, pointer: &str) -> Option<&'a Value> {
        crate::inputs::pointer(self.root, pointer)
    }

    /// `path` (relative, `a/b`) below the pod spec (the values document
    /// for values).
    pub(crate) fn pod_get(&self, path: &str) -> Option<&'a Value> {
        walk(self.pod_node?, path)
    }

    /// `path` below the pod's security context.
    pub(crate) fn pod_sc_get(&self, path: &str) -> Option<&'a Value> {
        walk(self.pod_sc_node?, path)
    }

    /// `path` below container `c` (the values document for values).
    pub(crate) fn container_get(&self, c: &ContainerView, path: &str) -> Option<&'a Value> {
        walk(self.nodes.get(c.index)?.node?, path)
    }

    /// `path` below the security context of container `c`.
    pub(crate) fn sc_get(&self, c: &ContainerView, path: &str) -> Option<&'a Value> {
        walk(self.nodes.get(c.index)?.sc?, path)
    }

    pub(crate) fn is_values(&self) -> bool {
        matches!(self.owner, Owner::Values(_))
    }

    /// Pointer of a pod-level field.
    pub(crate) fn pod_field(&self, name: &str) -> String {
        format!("{}/{name}", self.pod)
    }

    /// Pointer of a field of container `c` (`ptr` is `""` for values, so
    /// this is `/{name}` there).
    pub(crate) fn container_field(c: &ContainerView, name: &str) -> String {
        format!("{}/{name}", c.ptr)
    }

    /// Pointer of a field of the security context at `level`.
    pub(crate) fn sc_field(&self, c: &ContainerView, level: ScLevel, name: &str) -> String {
        match level {
            ScLevel::Container => format!("{}/{name}", c.sc),
            ScLevel::Pod => format!("{}/{name}", self.pod_sc),
        }
    }

    /// Whether Linux-only controls are skipped (`spec.os.name: windows`).
    pub(crate) fn is_windows(&self) -> bool {
        self.pod_get("os/name").and_then(Value::as_str) == Some("windows")
    }

    /// The value of a security-context field for a container: the
    /// container's own, else the pod's (for fields that exist at both
    /// levels), with the level it was read from; when neither is set the
    /// level is the container's, where the setting would go.
    pub(crate) fn effective(&self, c: &ContainerView, field: &str) -> (Option<&'a Value>, ScLevel) {
        if let Some(v) = self.sc_get(c, field) {
            return (Some(v), ScLevel::Container);
        }
        match self.pod_sc_get(field) {
            Some(v) => (Some(v), ScLevel::Pod),
            None => (None, ScLevel::Container),
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

/// The pods of every workload and values file, resolved once per check
/// (see [`PodView`]); rules read them through `rules::pod::pods`.
pub(crate) fn views<'a>(inputs: &'a Inputs, pods: &'a [PodData]) -> Vec<PodView<'a>> {
    pods.iter()
        .filter_map(|data| {
            let root = match data.owner {
                Owner::Manifest(i) => &inputs.manifests().get(i)?.value,
                Owner::Values(i) => &inputs.values().get(i)?.value,
            };
            Some(PodView::new(data, root))
        })
        .collect()
}

/// Computes where the pods of every workload and values file are.
pub(crate) fn build_pods(inputs: &Inputs, workloads: &[usize]) -> Vec<PodData> {
    let mut out = Vec::new();
    for &i in workloads {
        let m = &inputs.manifests()[i];
        let Some(kind) = m.workload_kind() else {
            continue;
        };
        let pod = kind.pod_spec_pointer();
        // Resolve the pod spec once; the container lists are below it.
        let pod_node = m.get(pod);
        let mut containers = Vec::new();
        for (list, key) in [
            (ContainerList::Containers, "containers"),
            (ContainerList::Init, "initContainers"),
            (ContainerList::Ephemeral, "ephemeralContainers"),
        ] {
            if let Some(Value::Array(items)) = pod_node.and_then(|p| get(p, key)) {
                for (j, c) in items.iter().enumerate() {
                    let base = format!("{pod}/{key}/{j}");
                    let with = |suffix: &str| {
                        let mut s = String::with_capacity(base.len() + suffix.len());
                        s.push_str(&base);
                        s.push_str(suffix);
                        s
                    };
                    containers.push(ContainerView {
                        name: get(c, "name")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned(),
                        sc: with("/securityContext"),
                        resources: with("/resources"),
                        image: with("/image"),
                        ptr: base,
                        list,
                        index: containers.len(),
                    });
                }
            }
        }
        out.push(PodData {
            owner: Owner::Manifest(i),
            pod_sc: format!("{pod}/securityContext"),
            pod: pod.to_owned(),
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
                index: 0,
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
    match view.container_get(c, "image")? {
        Value::String(s) => Some(ImageRef::parse(s)),
        Value::Object(map) => {
            let repository = field(map, "repository").and_then(Value::as_str)?;
            let mut image = ImageRef::parse(repository);
            if let Some(tag) = field(map, "tag") {
                image.tag = Some(match tag {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                });
            }
            if let Some(d) = field(map, "digest")
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
