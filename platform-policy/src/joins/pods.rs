//! One view over "a pod": a workload's pod template, or a pod a Helm
//! values file describes (`podSecurityContext`, `securityContext` or
//! `containerSecurityContext`, `resources`, `image`, at the top or in a
//! component's section: see `values_pods`), so that one rule body covers
//! both.

use serde_json::Value;

use super::image::ImageRef;
use super::origin::Origin;
use super::values_pods::{disabled, sections};
use crate::inputs::{Inputs, WorkloadKind, field, get, pointer, walk};

/// Kind of container list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerList {
    /// `containers` (the chart's one container for values).
    Containers,
    /// `initContainers`.
    Init,
    /// `ephemeralContainers`.
    Ephemeral,
}

/// A container, as pointers into the origin's document.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ContainerView {
    /// `name` (for values `chart`, or the section's dotted path; `?` when
    /// missing).
    pub name: String,
    /// Pointer of the container object (for values the section's: `""` at
    /// the top).
    pub ptr: String,
    /// Pointer of its `securityContext`.
    pub sc: String,
    /// Pointer of its `resources`.
    pub resources: String,
    /// Pointer of its `image`.
    pub image: String,
    /// The list it is in.
    pub list: ContainerList,
    /// Whether it is a values file's container.
    pub in_values: bool,
    /// Position in [`PodData::containers`], which is also where
    /// [`PodView`] keeps the container's resolved nodes.
    pub index: usize,
}

/// Where a pod's parts are, computed once per check.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PodData {
    /// The artefact the pod is read from.
    pub origin: Origin,
    /// Pointer of the pod spec (for values the section's: `""` at the top).
    pub pod: String,
    /// Pointer of the pod's security context (`/podSecurityContext` for
    /// values).
    pub pod_sc: String,
    /// Every container, init and ephemeral ones included.
    pub containers: Vec<ContainerView>,
    /// The workload kind (`None` for values).
    pub kind: Option<WorkloadKind>,
    /// For values, the dotted path of the section the pod is read from
    /// (`""` for the top of the file, `master` for a component); `None` for
    /// workloads.
    pub values_section: Option<String>,
    /// Whether only the pod's images are judged: the top of a values file
    /// whose components are all in sections. [`Joins::pods`] leaves such
    /// pods out; [`Joins::image_pods`] has them.
    ///
    /// [`Joins::pods`]: crate::joins::Joins::pods
    /// [`Joins::image_pods`]: crate::joins::Joins::image_pods
    pub image_only: bool,
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
#[non_exhaustive]
pub enum ScLevel {
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
pub struct PodView<'a> {
    data: &'a PodData,
    root: &'a Value,
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
    /// The pod of `data`, read from `root` (the origin's document).
    fn new(data: &'a PodData, root: &'a Value) -> Self {
        // A values file switches a security context off with `enabled:
        // false` (the chart then renders none).
        let values = data.origin.is_values();
        let context = |at: &str| pointer(root, at).filter(|v| !(values && disabled(v)));
        let nodes = data
            .containers
            .iter()
            .map(|c| ContainerNodes {
                node: pointer(root, &c.ptr),
                sc: context(&c.sc),
            })
            .collect();
        Self {
            data,
            root,
            pod_node: pointer(root, &data.pod),
            pod_sc_node: context(&data.pod_sc),
            nodes,
        }
    }

    /// Whether the pod is the top of a values file (whose image is the
    /// chart's own, as `appVersion` is).
    #[must_use]
    pub fn is_values_top(&self) -> bool {
        self.values_section.as_deref() == Some("")
    }

    /// The whole document the pod is read from.
    #[must_use]
    pub fn root(&self) -> &'a Value {
        self.root
    }

    /// The value at `pointer` of the origin's document (for lookups with no
    /// resolved node to start from; the accessors below are cheaper).
    #[must_use]
    pub fn get(&self, pointer: &str) -> Option<&'a Value> {
        crate::inputs::pointer(self.root, pointer)
    }

    /// `path` (relative, `a/b`) below the pod spec (the values document
    /// for values).
    #[must_use]
    pub fn pod_get(&self, path: &str) -> Option<&'a Value> {
        walk(self.pod_node?, path)
    }

    /// `path` below the pod's security context.
    #[must_use]
    pub fn pod_sc_get(&self, path: &str) -> Option<&'a Value> {
        walk(self.pod_sc_node?, path)
    }

    /// `path` below container `c` (the values document for values).
    #[must_use]
    pub fn container_get(&self, c: &ContainerView, path: &str) -> Option<&'a Value> {
        walk(self.nodes.get(c.index)?.node?, path)
    }

    /// `path` below the security context of container `c`.
    #[must_use]
    pub fn sc_get(&self, c: &ContainerView, path: &str) -> Option<&'a Value> {
        walk(self.nodes.get(c.index)?.sc?, path)
    }

    /// Whether the pod is a Helm values file's.
    #[must_use]
    pub fn is_values(&self) -> bool {
        self.origin.is_values()
    }

    /// Pointer of a pod-level field.
    #[must_use]
    pub fn pod_field(&self, name: &str) -> String {
        format!("{}/{name}", self.pod)
    }

    /// Pointer of a field of container `c` (`ptr` is `""` for values, so
    /// this is `/{name}` there).
    #[must_use]
    pub fn container_field(c: &ContainerView, name: &str) -> String {
        format!("{}/{name}", c.ptr)
    }

    /// Pointer of a field of the security context at `level`.
    #[must_use]
    pub fn sc_field(&self, c: &ContainerView, level: ScLevel, name: &str) -> String {
        match level {
            ScLevel::Container => format!("{}/{name}", c.sc),
            ScLevel::Pod => format!("{}/{name}", self.pod_sc),
        }
    }

    /// Whether Linux-only controls are skipped (`spec.os.name: windows`).
    #[must_use]
    pub fn is_windows(&self) -> bool {
        self.pod_get("os/name").and_then(Value::as_str) == Some("windows")
    }

    /// The value of a security-context field for a container: the
    /// container's own, else the pod's (for fields that exist at both
    /// levels), with the level it was read from; when neither is set the
    /// level is the container's, where the setting would go.
    #[must_use]
    pub fn effective(&self, c: &ContainerView, field: &str) -> (Option<&'a Value>, ScLevel) {
        if let Some(v) = self.sc_get(c, field) {
            return (Some(v), ScLevel::Container);
        }
        match self.pod_sc_get(field) {
            Some(v) => (Some(v), ScLevel::Pod),
            None => (None, ScLevel::Container),
        }
    }

    /// Containers of the `containers` list (what resources and probes are about).
    pub fn main_containers(&self) -> impl Iterator<Item = &ContainerView> {
        self.containers
            .iter()
            .filter(|c| c.list == ContainerList::Containers)
    }

    /// The image of container `c`: a string in manifests; `{repository,
    /// tag, digest}` (or a string) in values. `None` when no image is
    /// written.
    #[must_use]
    pub fn image(&self, c: &ContainerView) -> Option<ImageRef> {
        match self.container_get(c, "image")? {
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

    /// Where a finding about container `c`'s image points: the values'
    /// `image.tag` when a values file writes one (the key users change),
    /// else the container's `image`.
    #[must_use]
    pub fn image_pointer(&self, c: &ContainerView) -> String {
        if self.is_values() && self.container_get(c, "image/tag").is_some() {
            format!("{}/tag", c.image)
        } else {
            c.image.clone()
        }
    }

    /// Human name of a container for messages.
    #[must_use]
    pub fn label(c: &ContainerView) -> String {
        if c.in_values && c.ptr.is_empty() {
            "the chart's container".to_owned()
        } else if c.in_values {
            format!("the chart's `{}` container", c.name)
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
/// (see [`PodView`]).
pub(super) fn views<'a>(inputs: &'a Inputs, pods: &'a [PodData]) -> Vec<PodView<'a>> {
    pods.iter()
        .filter_map(|data| Some(PodView::new(data, data.origin.root(inputs)?)))
        .collect()
}

/// Computes where the pods of every workload and values file are.
pub(super) fn build_pods(inputs: &Inputs, workloads: &[usize]) -> Vec<PodData> {
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
                        in_values: false,
                        index: containers.len(),
                    });
                }
            }
        }
        out.push(PodData {
            origin: Origin::Manifest(i),
            pod_sc: format!("{pod}/securityContext"),
            pod: pod.to_owned(),
            containers,
            kind: Some(kind),
            values_section: None,
            image_only: false,
        });
    }
    for (i, values) in inputs.values().iter().enumerate() {
        for section in sections(&values.value) {
            let name = if section.path.is_empty() {
                "chart".to_owned()
            } else {
                section.path.clone()
            };
            out.push(PodData {
                origin: Origin::Values(i),
                pod: section.pointer.clone(),
                pod_sc: section.pod_sc,
                containers: vec![ContainerView {
                    name,
                    sc: section.container_sc,
                    resources: format!("{}/resources", section.pointer),
                    image: format!("{}/image", section.pointer),
                    ptr: section.pointer,
                    list: ContainerList::Containers,
                    in_values: true,
                    index: 0,
                }],
                kind: None,
                values_section: Some(section.path),
                image_only: section.image_only,
            });
        }
    }
    out
}
