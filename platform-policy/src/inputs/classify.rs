//! Reading one file: recognising its artefacts by content and reporting
//! what cannot be read as located findings.

use std::sync::Arc;

use platform_model::yaml::{self, SpanTree, YamlDocument, YamlOptions, YamlSchema};
use platform_model::{Entity, Severity, Span};
use serde_json::{Map, Value};

use super::catalog::CatalogDoc;
use super::discover::{self, FileHint};
use super::dockerfile::DockerfileArtefact;
use super::k8s::Manifest;
use super::kustomize::Kustomization;
use super::location::YamlLocation;
use super::pointer::pointer;
use super::values::HelmValues;
use crate::dockerfile::{Dockerfile, DockerfileLimits};
use crate::finding::{Finding, ids};

/// What reading one file produced.
#[derive(Default)]
pub(crate) struct FileOutcome {
    pub(super) manifests: Vec<Manifest>,
    pub(super) values: Vec<HelmValues>,
    pub(super) dockerfiles: Vec<DockerfileArtefact>,
    pub(super) entities: Vec<CatalogDoc>,
    pub(super) findings: Vec<Finding>,
    pub(super) template: bool,
    /// Kustomize files read (not manifests).
    pub(super) kustomizations: Vec<Kustomization>,
    pub(super) path: Option<Arc<str>>,
    pub(super) text: Option<Arc<str>>,
}

impl FileOutcome {
    /// A file that could not be read.
    pub(crate) fn unreadable(path: Arc<str>, message: String) -> Self {
        Self {
            findings: vec![
                Finding::new(ids::INPUT_UNREADABLE, Severity::Error, message)
                    .with_span(Span::file_start(Arc::clone(&path))),
            ],
            path: Some(path),
            ..Self::default()
        }
    }

    pub(crate) fn first_finding(&mut self) -> Option<&mut Finding> {
        self.findings.first_mut()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.manifests.is_empty()
            && self.values.is_empty()
            && self.dockerfiles.is_empty()
            && self.entities.is_empty()
            && self.findings.is_empty()
    }
}

/// Reads one file's artefacts.
pub(crate) fn classify(
    path: Arc<str>,
    text: Arc<str>,
    hint: FileHint,
    limits: &DockerfileLimits,
) -> FileOutcome {
    let mut out = FileOutcome {
        path: Some(Arc::clone(&path)),
        ..FileOutcome::default()
    };
    let hint = match hint {
        FileHint::Unknown if discover::sniff_dockerfile(&text) => FileHint::Dockerfile,
        FileHint::Unknown if discover::sniff_yaml(&text) => FileHint::Yaml,
        FileHint::Json if !(text.contains("\"apiVersion\"") && text.contains("\"kind\"")) => {
            return out;
        }
        other => other,
    };
    match hint {
        FileHint::Dockerfile => {
            if text.contains("${{") {
                out.template = true;
                return out;
            }
            let dockerfile = Dockerfile::parse_with(Arc::clone(&path), &text, limits);
            for error in &dockerfile.errors {
                out.findings.push(
                    Finding::new(ids::DOCKER_SYNTAX, Severity::Error, error.message.clone())
                        .with_span(error.span.clone()),
                );
            }
            out.dockerfiles.push(DockerfileArtefact {
                file: path,
                dockerfile,
            });
        }
        FileHint::Yaml | FileHint::Json => classify_yaml(&path, &text, &mut out),
        FileHint::Unknown | FileHint::Skip => return out,
    }
    out.text = Some(text);
    out
}

fn yaml_options(schema: YamlSchema) -> YamlOptions {
    YamlOptions::default().with_schema(schema)
}

/// Go-template actions Helm charts write (`{{ .Values.x }}`, `{{- if`,
/// `{{ include`, `{{/* comment */}}`, …).
const GO_TEMPLATE_MARKERS: [&str; 10] = [
    "{{ .",
    "{{.",
    "{{- ",
    "{{/*",
    "{{ include",
    "{{ template",
    "{{ toYaml",
    "{{ if",
    "{{ range",
    "{{ with",
];

/// A Helm chart template: Go-template actions in a file under a
/// `templates/` directory, or unmistakable ones anywhere. It becomes
/// manifests only once Helm renders it (`helm template`).
fn is_helm_template(path: &str, text: &str) -> bool {
    if !text.contains("{{") {
        return false;
    }
    let under_templates = path.starts_with("templates/") || path.contains("/templates/");
    under_templates || GO_TEMPLATE_MARKERS.iter().any(|m| text.contains(m))
}

/// A Kustomize file (`Kustomization`, `Component`): instructions to
/// kustomize, not an object the API server receives.
fn is_kustomization(file_name: &str, map: &Map<String, Value>) -> bool {
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    api_version.starts_with("kustomize.config.k8s.io/")
        || (matches!(
            file_name,
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        ) && matches!(kind, "" | "Kustomization" | "Component"))
}

fn classify_yaml(path: &Arc<str>, text: &str, out: &mut FileOutcome) {
    if is_helm_template(path, text) && !text.contains("${{") {
        out.template = true;
        return;
    }
    let stream = yaml::parse_stream(path, text, &yaml_options(YamlSchema::Yaml11));
    let is_template = stream
        .documents
        .iter()
        .any(|d| d.value.get("kind").and_then(Value::as_str) == Some("Template"));
    if text.contains("${{") && !is_template {
        // A scaffolder skeleton: it becomes an artefact only once rendered.
        out.template = true;
        return;
    }
    for d in stream.diagnostics {
        out.findings.push(input_yaml_finding(&d));
    }
    let mut catalog_stream: Option<Vec<YamlDocument>> = None;
    let file_name = path.rsplit('/').next().unwrap_or(path);
    for doc in stream.documents {
        if let Some(error) = &doc.error {
            out.findings.push(input_yaml_finding(error));
            continue;
        }
        let Value::Object(map) = &doc.value else {
            continue;
        };
        if is_kustomization(file_name, map) {
            let location = location_of(path, &doc, Arc::new(doc.spans.clone()), String::new());
            out.kustomizations.push(Kustomization {
                location,
                value: doc.value.clone(),
            });
            continue;
        }
        if is_catalog(map) {
            // Re-read with YAML 1.2, as Backstage does.
            let docs = catalog_stream.get_or_insert_with(|| {
                yaml::parse_stream(path, text, &yaml_options(YamlSchema::Core12)).documents
            });
            if let Some(core) = docs.get_mut(doc.index) {
                let value = std::mem::take(&mut core.value);
                let spans = std::mem::take(&mut core.spans);
                push_entity(path, &doc, value, spans, out);
            }
            continue;
        }
        let kind = map.get("kind");
        let api_version = map.get("apiVersion");
        match (kind, api_version) {
            (Some(Value::String(_)), Some(Value::String(_))) => push_manifests(path, doc, out),
            (Some(Value::String(kind)), _) if map.contains_key("metadata") => {
                let location = location_of(path, &doc, Arc::new(doc.spans.clone()), String::new());
                out.findings.push(
                    Finding::new(
                        ids::INPUT_MANIFEST,
                        Severity::Error,
                        format!("`{kind}` object without a string `apiVersion`"),
                    )
                    .with_span(location.span("/apiVersion"))
                    .with_path("/apiVersion"),
                );
            }
            (None, None) if looks_like_values(file_name, map) => {
                let spans = Arc::new(doc.spans.clone());
                let location = location_of(path, &doc, spans, String::new());
                out.values.push(HelmValues {
                    location,
                    value: doc.value,
                });
            }
            _ => {}
        }
    }
}

fn input_yaml_finding(d: &platform_model::Diagnostic) -> Finding {
    let mut f = Finding::new(ids::INPUT_YAML, Severity::Error, d.message.clone())
        .with_note(format!("YAML diagnostic `{}`", d.code));
    if let Some(span) = &d.span {
        f = f.with_span(span.clone());
    }
    for note in &d.notes {
        f = f.with_note(note.clone());
    }
    f
}

/// Whether the object's API group is Kubernetes' own (the core group,
/// `apps`, `batch`, `policy`, `autoscaling`, or a `*.k8s.io` group).
fn is_builtin_group(value: &Value) -> bool {
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    matches!(
        group,
        "" | "apps" | "batch" | "policy" | "autoscaling" | "extensions"
    ) || group.ends_with(".k8s.io")
}

fn is_catalog(map: &Map<String, Value>) -> bool {
    map.get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.split_once('/'))
        .is_some_and(|(group, _)| group == "backstage.io" || group.ends_with(".backstage.io"))
}

fn location_of(
    path: &Arc<str>,
    doc: &YamlDocument,
    spans: Arc<SpanTree>,
    prefix: String,
) -> YamlLocation {
    let position = if prefix.is_empty() {
        doc.position.clone()
    } else {
        let raw = spans.value_span(&prefix);
        raw.with_file(path)
    };
    YamlLocation {
        file: Arc::clone(path),
        spans,
        prefix,
        position,
        document: doc.index,
    }
}

fn push_entity(
    path: &Arc<str>,
    doc: &YamlDocument,
    value: Value,
    spans: SpanTree,
    out: &mut FileOutcome,
) {
    let location = YamlLocation {
        file: Arc::clone(path),
        spans: Arc::new(spans),
        prefix: String::new(),
        position: doc.position.clone(),
        document: doc.index,
    };
    let entity = Entity::from_value_lenient(value.clone());
    out.entities.push(CatalogDoc {
        location,
        value,
        entity,
    });
}

fn push_manifests(path: &Arc<str>, mut doc: YamlDocument, out: &mut FileOutcome) {
    let spans = Arc::new(std::mem::take(&mut doc.spans));
    let value = std::mem::take(&mut doc.value);
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let is_list = kind == "List" || (kind.ends_with("List") && value.get("items").is_some());
    if !is_list {
        let location = location_of(path, &doc, spans, String::new());
        check_envelope(&location, &value, out);
        out.manifests.push(Manifest::new(location, value));
        return;
    }
    let list_location = location_of(path, &doc, Arc::clone(&spans), String::new());
    let Some(Value::Array(items)) = value.get("items").cloned() else {
        if !matches!(value.get("items"), None | Some(Value::Null)) {
            out.findings.push(
                Finding::new(
                    ids::INPUT_MANIFEST,
                    Severity::Error,
                    format!("`{kind}` has `items` that is not a list"),
                )
                .with_span(list_location.span("/items"))
                .with_path("/items"),
            );
        }
        return;
    };
    for (i, item) in items.into_iter().enumerate() {
        let prefix = format!("/items/{i}");
        let location = location_of(path, &doc, Arc::clone(&spans), prefix);
        let ok = item.get("kind").is_some_and(Value::is_string)
            && item.get("apiVersion").is_some_and(Value::is_string);
        if !ok {
            out.findings.push(
                Finding::new(
                    ids::INPUT_MANIFEST,
                    Severity::Error,
                    format!(
                        "item {i} of `{kind}` is not an object with string `apiVersion` and `kind`"
                    ),
                )
                .with_span(location.span(""))
                .with_path(format!("/items/{i}")),
            );
            continue;
        }
        check_envelope(&location, &item, out);
        out.manifests.push(Manifest::new(location, item));
    }
}

fn check_envelope(location: &YamlLocation, value: &Value, out: &mut FileOutcome) {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("object");
    let named = pointer(value, "/metadata/name").is_some_and(Value::is_string)
        || pointer(value, "/metadata/generateName").is_some_and(Value::is_string);
    // Only Kubernetes' own groups require a name here; operator
    // configurations and other custom kinds may not (`IstioOperator`).
    if !named && is_builtin_group(value) {
        let pointer = if value.get("metadata").is_some() {
            "/metadata/name"
        } else {
            "/metadata"
        };
        out.findings.push(
            Finding::new(
                ids::INPUT_MANIFEST,
                Severity::Error,
                format!("`{kind}` has no string `metadata.name`"),
            )
            .with_span(location.span(pointer))
            .with_path(pointer),
        );
    }
    for (field_ptr, what) in [
        ("/metadata/labels", "labels"),
        ("/metadata/annotations", "annotations"),
    ] {
        if let Some(map) = pointer(value, field_ptr) {
            let bad = match map {
                Value::Object(m) => m
                    .iter()
                    .find(|(_, v)| !v.is_string())
                    .map(|(k, _)| k.clone()),
                Value::Null => None,
                _ => Some(String::new()),
            };
            if let Some(key) = bad {
                let (ptr, message) = if key.is_empty() {
                    (
                        field_ptr.to_owned(),
                        format!("`metadata.{what}` must be a map of strings"),
                    )
                } else {
                    let mut p = field_ptr.to_owned();
                    yaml::push_pointer_token(&mut p, &key);
                    (
                        p,
                        format!("{what} value of `{key}` must be a string (quote it)"),
                    )
                };
                out.findings.push(
                    Finding::new(ids::INPUT_MANIFEST, Severity::Error, message)
                        .with_span(location.span(&ptr))
                        .with_path(ptr),
                );
            }
        }
    }
}

/// Keys of the golden-path values shape.
const VALUES_KEYS: &[&str] = &[
    "replicaCount",
    "image",
    "resources",
    "autoscaling",
    "podDisruptionBudget",
    "serviceAccount",
    "podSecurityContext",
    "securityContext",
];

fn looks_like_values(file_name: &str, map: &Map<String, Value>) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let named = (lower.starts_with("values")
        || lower.ends_with("-values.yaml")
        || lower.ends_with("-values.yml")
        || lower.ends_with(".values.yaml"))
        && (lower.ends_with(".yaml") || lower.ends_with(".yml"));
    let image_shaped = map
        .get("image")
        .and_then(Value::as_object)
        .is_some_and(|i| i.contains_key("repository"));
    let score = VALUES_KEYS.iter().filter(|k| map.contains_key(**k)).count();
    (named && score >= 1) || score >= 3 || (image_shaped && score >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{Inputs, WorkloadKind};

    #[test]
    fn lists_become_objects_with_located_items() {
        let mut inputs = Inputs::new();
        inputs.add_source(
            "all.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: b\n",
        );
        assert_eq!(inputs.manifests().len(), 2);
        let d = &inputs.manifests()[1];
        assert_eq!(d.workload_kind(), Some(WorkloadKind::Deployment));
        let span = d.location.span("/metadata/name");
        assert_eq!((span.line, span.column), (10, 5));
        let missing = d.location.span("/spec/replicas");
        assert_eq!(
            missing.line, 7,
            "a missing field points at the nearest parent"
        );
    }

    #[test]
    fn values_are_recognised_by_content() {
        let mut inputs = Inputs::new();
        inputs.add_source(
            "chart/defaults.yaml",
            "replicaCount: 2\nimage:\n  repository: x\nresources: {}\n",
        );
        inputs.add_source("ci.yaml", "on: push\njobs: {}\n");
        assert_eq!(inputs.values().len(), 1);
        assert_eq!(inputs.skipped_files, 1);
    }

    #[test]
    fn skeletons_are_skipped_and_templates_kept() {
        let mut inputs = Inputs::new();
        inputs.add_source("skeleton/values.yaml", "replicaCount: ${{ values.n }}\n");
        inputs.add_source(
            "template.yaml",
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec:\n  steps: [{input: {name: '${{ parameters.name }}'}}]\n",
        );
        assert_eq!(inputs.template_files, 1);
        assert_eq!(inputs.entities().len(), 1);
    }

    #[test]
    fn helm_templates_kustomizations_and_custom_kinds_are_not_errors() {
        let mut inputs = Inputs::new();
        inputs.add_source(
            "chart/templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n",
        );
        inputs.add_source(
            "chart/templates/service.yaml",
            "{{- if .Values.service.enabled }}\napiVersion: v1\nkind: Service\n{{- end }}\n",
        );
        inputs.add_source(
            "deploy/overlays/prod/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\nimages: [{name: app, newTag: '1.2'}]\n",
        );
        inputs.add_source(
            "deploy/components/tls/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: []\n",
        );
        inputs.add_source(
            "istio.yaml",
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {profile: demo}\n",
        );
        assert!(inputs.findings.is_empty(), "{:?}", inputs.findings);
        assert_eq!(inputs.template_files, 2);
        assert_eq!(inputs.kustomizations().len(), 2);
        assert_eq!(
            inputs.manifests().len(),
            1,
            "the IstioOperator is an object"
        );
        // A built-in kind still needs its name.
        let mut named = Inputs::new();
        named.add_source("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {}\n");
        assert_eq!(named.findings.len(), 1);
    }

    #[test]
    fn bad_yaml_and_envelopes_are_findings() {
        let mut inputs = Inputs::new();
        inputs.add_source("bad.yaml", "a: [1\n---\nkind: Deployment\nmetadata: {}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  labels: {a: 1}\n");
        let rules: Vec<&str> = inputs
            .findings
            .iter()
            .map(|f| f.diagnostic.code.as_ref())
            .collect();
        assert_eq!(
            rules,
            [
                ids::INPUT_YAML,
                ids::INPUT_MANIFEST,
                ids::INPUT_MANIFEST,
                ids::INPUT_MANIFEST
            ]
        );
    }
}
