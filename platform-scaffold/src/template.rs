//! A Template read from YAML: validated the way the catalog validates it,
//! steps and pages normalised, and every field locatable in the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use platform_model::yaml::{YamlDocument, YamlOptions, parse_stream};
use platform_model::{Diagnostic, LoadOptions, Loader, Span};
use serde_json::{Map, Value};

use crate::Error;

/// The only template version Backstage runs.
pub const API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

/// Largest template file read.
const MAX_TEMPLATE_BYTES: usize = 8 * 1024 * 1024;

/// One step, with Backstage's defaults applied (`id` = `step-<n>`, `name` =
/// the action id).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Step {
    /// The id (`step-<n>`, 1-based, when the template gives none).
    pub id: String,
    /// Whether the template wrote the id.
    pub explicit_id: bool,
    /// The display name.
    pub name: String,
    /// The action id.
    pub action: String,
    /// The input object, unrendered (`{}` when absent).
    pub input: Value,
    /// `if`, unrendered.
    pub condition: Option<Value>,
    /// `each`, unrendered.
    pub each: Option<Value>,
    /// JSON pointer of the step in the template file (`/spec/steps/0`).
    pub pointer: String,
}

/// One parameter page (a JSON Schema object).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page {
    /// 0-based position.
    pub index: usize,
    /// The page title (Backstage's default when absent).
    pub title: String,
    /// The page schema.
    pub schema: Value,
    /// The page's `when` condition.
    pub when: Option<Value>,
    /// JSON pointer of the page in the template file.
    pub pointer: String,
}

/// A validated `scaffolder.backstage.io/v1beta3` Template.
#[derive(Clone, Debug)]
pub struct Template {
    file: String,
    dir: Option<PathBuf>,
    document: YamlDocument,
    entity_ref: String,
    steps: Vec<Step>,
    pages: Vec<Page>,
    output: Option<Value>,
    secrets_schema: Option<Value>,
}

fn invalid(file: &str, diagnostic: Diagnostic) -> Error {
    Error::InvalidTemplate {
        file: file.to_owned(),
        diagnostics: vec![diagnostic],
    }
}

impl Template {
    /// Reads and validates a template file; relative `fetch:*` urls resolve
    /// against its directory. Messages name the file as `path` is written.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::InvalidTemplate`]
    /// with located diagnostics when it is not a valid Template.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let shown = path.to_string_lossy().replace('\\', "/");
        let bytes = crate::workspace::read_limited(path, MAX_TEMPLATE_BYTES, &shown)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            invalid(
                &shown,
                Diagnostic::error("template.encoding", "the template file is not UTF-8")
                    .with_span(Span::file_start(Arc::from(shown.as_str()))),
            )
        })?;
        let dir = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .and_then(|p| p.canonicalize().ok());
        Self::from_yaml(&shown, &text, dir.as_deref())
    }

    /// Reads a template from YAML text named `file`; `dir` is where its
    /// relative `fetch:*` urls point (none: such urls fail).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTemplate`] with located diagnostics.
    pub fn from_yaml(file: &str, text: &str, dir: Option<&Path>) -> Result<Self, Error> {
        let name: Arc<str> = Arc::from(file);
        let stream = parse_stream(&name, text, &YamlOptions::default());
        if let Some(problem) = stream.diagnostics.into_iter().next() {
            return Err(invalid(file, problem));
        }
        let document = stream
            .documents
            .iter()
            .find(|d| d.value.get("kind").and_then(Value::as_str) == Some("Template"))
            .or_else(|| stream.documents.iter().find(|d| !d.is_empty()))
            .cloned()
            .ok_or_else(|| {
                invalid(
                    file,
                    Diagnostic::error("template.empty", "the file holds no template")
                        .with_span(Span::file_start(Arc::clone(&name))),
                )
            })?;
        if let Some(error) = &document.error {
            return Err(invalid(file, error.clone()));
        }
        let value = &document.value;
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind != "Template" {
            return Err(invalid(
                file,
                Diagnostic::error(
                    "template.kind",
                    format!("expected kind Template, found `{kind}`"),
                )
                .with_path("/kind")
                .with_span(document.value_span("/kind")),
            ));
        }
        if api_version != API_VERSION {
            return Err(invalid(
                file,
                Diagnostic::error(
                    "template.version",
                    format!("Wrong template version executed with the workflow engine: `{api_version}`; only {API_VERSION} templates run"),
                )
                .with_path("/apiVersion")
                .with_span(document.value_span("/apiVersion")),
            ));
        }
        let loader = Loader::new(
            LoadOptions::default()
                .with_follow_locations(false)
                .with_placeholders(false),
        )
        .map_err(|e| invalid(file, Diagnostic::error("template.loader", e.to_string())))?;
        let catalog = loader.load_str(file, text);
        if let Some(loaded) = catalog
            .documents()
            .iter()
            .find(|d| d.index == document.index)
        {
            let errors: Vec<Diagnostic> = loaded
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            if !errors.is_empty() {
                return Err(Error::InvalidTemplate {
                    file: file.to_owned(),
                    diagnostics: errors,
                });
            }
        }
        let entity_ref = format!(
            "template:{}/{}",
            value
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default"),
            value
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
        )
        .to_lowercase();
        let spec = value
            .get("spec")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let steps = normalise_steps(&spec);
        let pages = normalise_pages(&spec);
        Ok(Self {
            file: file.to_owned(),
            dir: dir.map(Path::to_path_buf),
            entity_ref,
            steps,
            pages,
            output: spec.get("output").cloned(),
            secrets_schema: spec.get("secrets").and_then(|s| s.get("schema")).cloned(),
            document,
        })
    }

    /// The file name used in messages.
    #[must_use]
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The directory relative `fetch:*` urls resolve against.
    #[must_use]
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The template's own reference, `template:<namespace>/<name>`.
    #[must_use]
    pub fn entity_ref(&self) -> &str {
        &self.entity_ref
    }

    /// The whole document as JSON.
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.document.value
    }

    /// The steps, in order.
    #[must_use]
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The parameter pages, in order.
    #[must_use]
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// `spec.output`, unrendered.
    #[must_use]
    pub fn output(&self) -> Option<&Value> {
        self.output.as_ref()
    }

    /// `spec.secrets.schema`.
    #[must_use]
    pub fn secrets_schema(&self) -> Option<&Value> {
        self.secrets_schema.as_ref()
    }

    /// Where the value at `pointer` is written (or its nearest ancestor).
    #[must_use]
    pub fn span(&self, pointer: &str) -> Span {
        self.document.value_span(pointer)
    }

    /// Where the key of the value at `pointer` is written.
    #[must_use]
    pub fn key_span(&self, pointer: &str) -> Span {
        self.document.key_span(pointer)
    }
}

fn normalise_steps(spec: &Map<String, Value>) -> Vec<Step> {
    let Some(steps) = spec.get("steps").and_then(Value::as_array) else {
        return Vec::new();
    };
    steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let action = step
                .get("action")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let id = step.get("id").and_then(Value::as_str).map(str::to_owned);
            Step {
                explicit_id: id.is_some(),
                id: id.unwrap_or_else(|| format!("step-{}", i + 1)),
                name: step
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| action.clone(), str::to_owned),
                action,
                input: step
                    .get("input")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new())),
                condition: step.get("if").cloned(),
                each: step.get("each").cloned(),
                pointer: format!("/spec/steps/{i}"),
            }
        })
        .collect()
}

fn normalise_pages(spec: &Map<String, Value>) -> Vec<Page> {
    let (pages, single): (Vec<Value>, bool) = match spec.get("parameters") {
        Some(Value::Array(pages)) => (pages.clone(), false),
        Some(page @ Value::Object(_)) => (vec![page.clone()], true),
        _ => (Vec::new(), false),
    };
    pages
        .into_iter()
        .enumerate()
        .map(|(index, schema)| Page {
            index,
            title: schema
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("Please enter the following information")
                .to_owned(),
            when: schema.get("when").cloned(),
            pointer: if single {
                "/spec/parameters".to_owned()
            } else {
                format!("/spec/parameters/{index}")
            },
            schema,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: service\n  steps:\n    - action: debug:log\n    - id: second\n      action: fetch:plain\n      name: Fetch\n";

    #[test]
    fn steps_get_backstage_defaults() {
        let template = Template::from_yaml("t.yaml", MINIMAL, None).expect("valid");
        let steps = template.steps();
        assert_eq!(
            (steps[0].id.as_str(), steps[0].name.as_str()),
            ("step-1", "debug:log")
        );
        assert_eq!(
            (steps[1].id.as_str(), steps[1].name.as_str()),
            ("second", "Fetch")
        );
        assert_eq!(template.entity_ref(), "template:default/t");
    }

    #[test]
    fn other_versions_and_invalid_entities_are_located() {
        let old = MINIMAL.replace("v1beta3", "v1beta2");
        let Err(Error::InvalidTemplate { diagnostics, .. }) =
            Template::from_yaml("t.yaml", &old, None)
        else {
            panic!("accepted v1beta2");
        };
        assert_eq!(diagnostics[0].span.as_ref().map(|s| s.line), Some(1));
        let no_steps = MINIMAL
            .split("  steps:")
            .next()
            .unwrap_or_default()
            .to_owned();
        let Err(Error::InvalidTemplate { diagnostics, .. }) =
            Template::from_yaml("t.yaml", &no_steps, None)
        else {
            panic!("accepted a template without steps");
        };
        assert!(
            diagnostics.iter().any(|d| d.message.contains("steps")),
            "{diagnostics:?}"
        );
    }
}
