//! The `scaffolder.backstage.io/v1beta3` Template spec.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `spec` of a `Template`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TemplateSpec {
    /// What the template creates: `service`, `website`, …
    #[serde(rename = "type")]
    pub template_type: String,
    /// Owner reference (default kind Group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Lifecycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<String>,
    /// The form: one JSON Schema object, or a list of pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<TemplateParameters>,
    /// The steps, run in order.
    pub steps: Vec<TemplateStep>,
    /// What the run returns: links, text and named strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<TemplateOutput>,
    /// Schema of the secrets the run needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<TemplateSecrets>,
    /// Button labels of the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation: Option<TemplatePresentation>,
    /// Form decorators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_decorators: Option<Vec<FormDecorator>>,
    /// Any other spec fields (`EXPERIMENTAL_recovery`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TemplateSpec {
    /// The parameter pages: a single schema object counts as one page.
    #[must_use]
    pub fn parameter_pages(&self) -> Vec<&Map<String, Value>> {
        match &self.parameters {
            None => Vec::new(),
            Some(TemplateParameters::Single(page)) => vec![page],
            Some(TemplateParameters::Pages(pages)) => pages.iter().collect(),
        }
    }
}

/// `spec.parameters`: one JSON Schema object, or a list of pages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum TemplateParameters {
    /// A list of form pages, each a JSON Schema object (with optional `when`).
    Pages(Vec<Map<String, Value>>),
    /// A single JSON Schema object.
    Single(Map<String, Value>),
}

/// A step's `if`: a boolean or a `${{ }}` expression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Condition {
    /// A literal boolean.
    Bool(bool),
    /// An expression, rendered before it is tested.
    Expression(String),
}

/// One step of a template.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TemplateStep {
    /// Step id; `step-<n>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The action id, such as `fetch:template`.
    pub action: String,
    /// Input passed to the action (rendered first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Map<String, Value>>,
    /// Run the step only when this is truthy.
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Run the step once per item of an array or entry of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<Value>,
    /// Any other step fields (`backstage:permissions`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec.output`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TemplateOutput {
    /// Links shown after a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<OutputLink>>,
    /// Text blocks shown after a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Vec<OutputText>>,
    /// Other named outputs (strings).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `spec.output.links`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OutputLink {
    /// Show the link only when this is truthy.
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Target URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Target entity reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_ref: Option<String>,
    /// Link text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Icon id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `spec.output.text`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct OutputText {
    /// Show the text only when this is truthy.
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Icon id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Markdown content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec.secrets`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TemplateSecrets {
    /// JSON Schema of the secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Map<String, Value>>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec.presentation`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TemplatePresentation {
    /// Form button labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_labels: Option<ButtonLabels>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec.presentation.buttonLabels`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ButtonLabels {
    /// "Back" button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_button_text: Option<String>,
    /// "Create" button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_button_text: Option<String>,
    /// "Review" button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_button_text: Option<String>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `spec.formDecorators`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct FormDecorator {
    /// Decorator id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Decorator input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Map<String, Value>>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
