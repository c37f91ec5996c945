//! Kustomize files (`Kustomization`, `Component`), read enough to judge
//! what they build: the files they name as patches are partial objects,
//! not manifests, and their `images` entries set the tags the built
//! objects run.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::k8s::Manifest;
use super::location::YamlLocation;
use super::pointer::get;

/// A kustomization file.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Kustomization {
    /// Where it is written.
    pub location: YamlLocation,
    /// Its content.
    pub value: Value,
}

/// An `images` entry of a kustomization: the image it matches and what it
/// sets.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ImageOverride {
    name: String,
    new_name: Option<String>,
    new_tag: Option<String>,
    digest: Option<String>,
}

/// How deep `resources` of kustomizations are followed.
const MAX_DEPTH: usize = 16;

impl Kustomization {
    /// The directory it is in (`""` at the root), `/`-separated.
    #[must_use]
    pub fn dir(&self) -> &str {
        self.location.file.rsplit_once('/').map_or("", |(d, _)| d)
    }

    fn strings(&self, key: &str) -> impl Iterator<Item = &str> {
        get(&self.value, key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// The files it names as patches (`patches[].path`,
    /// `patchesStrategicMerge`, `patchesJson6902[].path`), resolved against
    /// its directory. Inline patches are not files.
    #[must_use]
    pub fn patch_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        for key in ["patches", "patchesJson6902"] {
            for p in get(&self.value, key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(path) = get(p, "path").and_then(Value::as_str) {
                    out.extend(join(self.dir(), path));
                }
            }
        }
        for p in self.strings("patchesStrategicMerge") {
            // An item holding YAML (a newline or a `:`) is an inline patch.
            if !p.contains('\n') && !p.contains(": ") {
                out.extend(join(self.dir(), p));
            }
        }
        out
    }

    /// `resources`, `bases` and `components`, resolved against its
    /// directory (remote URLs are left out).
    fn resources(&self) -> Vec<String> {
        ["resources", "bases", "components"]
            .iter()
            .flat_map(|k| self.strings(k))
            .filter(|r| !r.contains("://") && !r.starts_with("github.com/"))
            .filter_map(|r| join(self.dir(), r))
            .collect()
    }

    fn images(&self) -> Vec<ImageOverride> {
        get(&self.value, "images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| {
                let text = |k: &str| match get(i, k)? {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                };
                Some(ImageOverride {
                    name: text("name")?,
                    new_name: text("newName"),
                    new_tag: text("newTag"),
                    digest: text("digest"),
                })
            })
            .collect()
    }
}

/// `rel` resolved against `dir` with `.` and `..` removed; `None` when it
/// climbs above the checked root or is absolute.
fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn parent(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The manifests of `manifests` that come from patch files of
/// `kustomizations`.
pub(super) fn patch_manifests(
    kustomizations: &[Kustomization],
    manifests: &[Manifest],
) -> HashSet<usize> {
    let patches: HashSet<String> = kustomizations
        .iter()
        .flat_map(Kustomization::patch_files)
        .collect();
    manifests
        .iter()
        .enumerate()
        .filter(|(_, m)| patches.contains(&*m.location.file))
        .map(|(i, _)| i)
        .collect()
}

/// Sets the images of `manifests` built by a kustomization with `images`
/// entries to what those entries make of them. A manifest is built by a
/// kustomization when its file is one of the kustomization's resources, or
/// sits in a directory it names (followed through that directory's own
/// kustomization). When several kustomizations build one manifest (a base
/// shared by overlays), an unpinned result wins, so that it is reported.
pub(super) fn apply_images(kustomizations: &[Kustomization], manifests: &mut [Manifest]) {
    let by_dir: HashMap<&str, &Kustomization> =
        kustomizations.iter().map(|k| (k.dir(), k)).collect();
    // file or directory → overrides that apply to it.
    let mut covers: HashMap<String, Vec<ImageOverride>> = HashMap::new();
    for k in kustomizations {
        let images = k.images();
        if images.is_empty() {
            continue;
        }
        let mut seen = HashSet::new();
        let mut stack = vec![(k, 0usize)];
        while let Some((current, depth)) = stack.pop() {
            if !seen.insert(current.dir().to_owned()) || depth > MAX_DEPTH {
                continue;
            }
            covers
                .entry(current.dir().to_owned())
                .or_default()
                .extend(images.iter().cloned());
            for r in current.resources() {
                if let Some(inner) = by_dir.get(r.as_str()) {
                    stack.push((inner, depth + 1));
                } else {
                    covers.entry(r).or_default().extend(images.iter().cloned());
                }
            }
        }
    }
    if covers.is_empty() {
        return;
    }
    for m in manifests.iter_mut() {
        let file = &*m.location.file;
        let overrides: Vec<&ImageOverride> = covers
            .get(file)
            .into_iter()
            .chain(covers.get(parent(file)))
            .flatten()
            .collect();
        if overrides.is_empty() {
            continue;
        }
        let Some(kind) = m.workload_kind() else {
            continue;
        };
        let pod = kind.pod_spec_pointer().to_owned();
        for list in ["containers", "initContainers"] {
            let Some(Value::Array(items)) = m.value.pointer_mut(&format!("{pod}/{list}")) else {
                continue;
            };
            for c in items {
                let Some(Value::String(image)) = c.get_mut("image") else {
                    continue;
                };
                if let Some(new) = rewrite(image, &overrides) {
                    *image = new;
                }
            }
        }
    }
}

/// What the `images` entries make of `image`: the unpinned result if any,
/// else the first.
fn rewrite(image: &str, overrides: &[&ImageOverride]) -> Option<String> {
    let (name, tag, digest) = split(image);
    let results: Vec<String> = overrides
        .iter()
        .filter(|o| o.name == name)
        .map(|o| {
            let name = o.new_name.as_deref().unwrap_or(name);
            let digest = o.digest.as_deref().or(digest);
            let tag = o.new_tag.as_deref().or(tag);
            let mut out = name.to_owned();
            if let Some(tag) = tag {
                out.push(':');
                out.push_str(tag);
            }
            if let Some(d) = digest {
                out.push('@');
                out.push_str(d);
            }
            out
        })
        .collect();
    let unpinned = |s: &&String| {
        let (_, tag, digest) = split(s);
        digest.is_none() && matches!(tag, None | Some("latest"))
    };
    results
        .iter()
        .find(unpinned)
        .or_else(|| results.first())
        .cloned()
}

/// An image reference split into name, tag and digest (a `:` after the
/// last `/` starts the tag; a registry port is part of the name).
fn split(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_inside_the_root_only() {
        assert_eq!(
            join("deploy/overlays/prod", "../../base").as_deref(),
            Some("deploy/base")
        );
        assert_eq!(join("", "./patch.yaml").as_deref(), Some("patch.yaml"));
        assert_eq!(join("a", "../../x"), None);
        assert_eq!(join("a", "/etc/x"), None);
    }

    #[test]
    fn images_are_split_and_rewritten() {
        assert_eq!(
            split("registry:5000/web:1.2@sha256:ab"),
            ("registry:5000/web", Some("1.2"), Some("sha256:ab"))
        );
        assert_eq!(
            split("registry:5000/web"),
            ("registry:5000/web", None, None)
        );
        let pin = ImageOverride {
            name: "web".into(),
            new_name: Some("acme/web".into()),
            new_tag: Some("1.4.0".into()),
            digest: None,
        };
        let bad = ImageOverride {
            name: "web".into(),
            new_name: None,
            new_tag: Some("latest".into()),
            digest: None,
        };
        assert_eq!(rewrite("web", &[&pin]).as_deref(), Some("acme/web:1.4.0"));
        assert_eq!(
            rewrite("web:0.1", &[&pin, &bad]).as_deref(),
            Some("web:latest")
        );
        assert_eq!(rewrite("other", &[&pin]), None);
    }
}
