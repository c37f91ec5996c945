//! Actions: the [`Action`] trait embedders implement, the context a step
//! runs with, the registry, and the built-in actions under Backstage's ids.
//!
//! ```
//! use platform_scaffold::actions::{Action, ActionContext, ActionRegistry};
//! use serde_json::{json, Value};
//!
//! /// Says hello, as a template step `action: acme:hello`.
//! struct Hello;
//!
//! impl Action for Hello {
//!     fn id(&self) -> &str { "acme:hello" }
//!     fn description(&self) -> &str { "Greets someone." }
//!     fn input_schema(&self) -> Value {
//!         json!({"type": "object", "required": ["who"], "additionalProperties": false,
//!                "properties": {"who": {"type": "string"}}})
//!     }
//!     fn output_schema(&self) -> Value {
//!         json!({"type": "object", "properties": {"greeting": {"type": "string"}}})
//!     }
//!     fn supports_dry_run(&self) -> bool { true }
//!     fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), platform_scaffold::Error> {
//!         let who = ctx.input_str("who").unwrap_or("world").to_owned();
//!         ctx.log(&format!("greeting {who}"));
//!         ctx.output("greeting", json!(format!("hello {who}")));
//!         Ok(())
//!     }
//! }
//!
//! let mut registry = ActionRegistry::with_builtins();
//! registry.register(Hello);
//! assert!(registry.get("acme:hello").is_some());
//! assert!(registry.get("fetch:template").is_some());
//! ```

mod catalog;
mod cookiecutter;
mod debug;
mod fetch;
mod fs;
pub mod git;
pub mod http;
pub mod publish;
mod schemas;
mod skeleton;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value, json};

pub use catalog::{
    CatalogClient, CatalogFetch, CatalogRegister, CatalogWrite, LocalCatalog, MemoryCatalog,
};
pub use cookiecutter::FetchCookiecutter;
pub use debug::{DebugLog, DebugWait};
pub use fetch::{FetchLimits, FetchPlain, FetchPlainFile, FetchTemplate, FetchTemplateFile};
pub use fs::{FsDelete, FsReadDir, FsRename};
pub use schemas::{ActionListError, ActionSchema, ActionSchemas};

use crate::Error;
use crate::events::{CancelToken, Journal};
use crate::render::RenderOptions;
use crate::schema::{compile, dotted, violations};
use crate::secrets::Secrets;
use crate::workspace::Workspace;

/// A step action: an id, JSON Schemas for its input and output, whether it
/// can run in a dry run, and the work itself.
///
/// Inputs reach [`Action::run`] rendered and already validated against
/// [`Action::input_schema`]; declare `additionalProperties: false` to have
/// unknown keys rejected (and flagged by the linter), as Backstage's
/// zod-defined actions do.
pub trait Action: Send + Sync {
    /// The id templates use, such as `fetch:template`.
    fn id(&self) -> &str;

    /// One sentence on what the action does.
    fn description(&self) -> &str {
        ""
    }

    /// JSON Schema (draft-07) of the input object.
    fn input_schema(&self) -> Value;

    /// JSON Schema of the outputs (used for dry-run example outputs and for
    /// documentation).
    fn output_schema(&self) -> Value {
        json!({"type": "object"})
    }

    /// Whether the action runs in a dry run (it must then avoid side
    /// effects outside the workspace). Others are skipped and given example
    /// outputs.
    fn supports_dry_run(&self) -> bool {
        false
    }

    /// Does the work.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; the runner reports it as the step's failure.
    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error>;
}

/// What an action sees while it runs.
pub struct ActionContext<'a> {
    pub(crate) input: Map<String, Value>,
    pub(crate) workspace: &'a Workspace,
    pub(crate) template_dir: Option<&'a Path>,
    pub(crate) template_ref: &'a str,
    pub(crate) secrets: &'a Secrets,
    pub(crate) dry_run: bool,
    pub(crate) step_id: &'a str,
    pub(crate) step_name: &'a str,
    pub(crate) outputs: Vec<(String, Value)>,
    pub(crate) journal: &'a mut Journal,
    pub(crate) cancel: &'a CancelToken,
    pub(crate) render: &'a RenderOptions,
    pub(crate) user: &'a Value,
    pub(crate) warnings: Vec<ActionWarning>,
}

/// A warning an action gave: its message, and for a warning about a
/// template file the file and where in it.
#[derive(Debug)]
pub(crate) struct ActionWarning {
    pub(crate) message: String,
    pub(crate) template: String,
    pub(crate) span: Option<platform_model::Span>,
}

impl std::fmt::Debug for ActionContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionContext")
            .field("step_id", &self.step_id)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

impl<'a> ActionContext<'a> {
    /// The rendered, validated input.
    #[must_use]
    pub fn input(&self) -> &Map<String, Value> {
        &self.input
    }

    /// A string input.
    #[must_use]
    pub fn input_str(&self, key: &str) -> Option<&str> {
        self.input.get(key).and_then(Value::as_str)
    }

    /// A boolean input, `default` when absent.
    #[must_use]
    pub fn input_bool(&self, key: &str, default: bool) -> bool {
        self.input
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or(default)
    }

    /// The input deserialised into a type of the action's own.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the action and the problem.
    pub fn input_as<T: serde::de::DeserializeOwned>(&self, action: &str) -> Result<T, Error> {
        serde_json::from_value(Value::Object(self.input.clone())).map_err(|e| {
            Error::InvalidInput(format!("Invalid input passed to action {action}: {e}"))
        })
    }

    /// The workspace: every file operation goes through it.
    #[must_use]
    pub fn workspace(&self) -> &'a Workspace {
        self.workspace
    }

    /// The template's directory (relative `url`s resolve from it, within
    /// its git repository).
    #[must_use]
    pub fn template_dir(&self) -> Option<&'a Path> {
        self.template_dir
    }

    /// The running template's reference, `template:<namespace>/<name>`.
    #[must_use]
    pub fn template_ref(&self) -> &'a str {
        self.template_ref
    }

    /// The run's secrets.
    #[must_use]
    pub fn secrets(&self) -> &'a Secrets {
        self.secrets
    }

    /// Whether this is a dry run.
    #[must_use]
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    /// The step id.
    #[must_use]
    pub fn step_id(&self) -> &'a str {
        self.step_id
    }

    /// The step's display name.
    #[must_use]
    pub fn step_name(&self) -> &'a str {
        self.step_name
    }

    /// The initiating user (`{ref, entity}`).
    #[must_use]
    pub fn user(&self) -> &'a Value {
        self.user
    }

    /// The rendering options of the run (for actions that render).
    pub fn render_options(&self) -> &'a RenderOptions {
        self.render
    }

    /// Sets an output (`steps['<id>'].output.<name>`); with `each`, values
    /// are appended to an array instead.
    pub fn output(&mut self, name: &str, value: Value) {
        self.outputs.push((name.to_owned(), value));
    }

    /// Writes a log line (secrets redacted).
    pub fn log(&mut self, message: &str) {
        let step = self.step_id;
        self.journal.log(Some(step), message, None);
    }

    /// Reports something the action did not do although the template
    /// seems to ask for it (an entry skipped, a setting ignored): a log
    /// line and a warning of the run (secrets redacted).
    pub fn warn(&mut self, message: &str) {
        let step = self.step_id;
        self.journal
            .log(Some(step), &format!("warning: {message}"), None);
        self.warnings.push(ActionWarning {
            message: self.journal.redactor.redact(message),
            template: String::new(),
            span: None,
        });
    }

    /// A warning about a template file the action rendered (a skeleton
    /// file, say): `file` names it as the template refers to it, `span`
    /// is where in it (its file name is replaced by `file`). Also a log
    /// line; secrets redacted.
    pub fn warn_in_file(&mut self, message: &str, file: &str, span: &platform_model::Span) {
        let step = self.step_id;
        let message = self.journal.redactor.redact(message);
        let file = self.journal.redactor.redact(file);
        self.journal.log(
            Some(step),
            &format!("warning: {file}:{}:{}: {message}", span.line, span.column),
            None,
        );
        self.warnings.push(ActionWarning {
            message,
            span: Some(crate::location::in_file(span, &file)),
            template: file,
        });
    }

    /// Whether the run was cancelled.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// [`Error::Cancelled`] once the run was cancelled.
    ///
    /// # Errors
    ///
    /// When cancelled.
    pub fn check_cancelled(&self) -> Result<(), Error> {
        if self.cancel.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// The actions a run can use, by id. Embedders add their own (or replace a
/// built-in) with [`ActionRegistry::register`].
#[derive(Clone, Default)]
pub struct ActionRegistry {
    actions: BTreeMap<String, Arc<dyn Action>>,
}

impl std::fmt::Debug for ActionRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.actions.keys()).finish()
    }
}

impl ActionRegistry {
    /// An empty registry.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-ins scaffolder-backend registers: `fetch:*`, `fs:*`,
    /// `debug:*` and `catalog:*` (against an empty in-memory catalog; give
    /// `catalog:fetch` and `catalog:register` a real one with
    /// [`CatalogFetch::new`] and [`CatalogRegister::new`]), plus
    /// `publish:git`. `http:backstage:request` needs a base URL, so it is
    /// registered separately ([`http::BackstageRequest`]).
    #[must_use]
    pub fn with_builtins() -> Self {
        let catalog: Arc<dyn CatalogClient> = Arc::new(MemoryCatalog::default());
        let mut registry = Self::new();
        registry
            .register(FetchTemplate::default())
            .register(FetchTemplateFile::default())
            .register(FetchPlain::default())
            .register(FetchPlainFile::default())
            .register(FsDelete)
            .register(FsRename)
            .register(FsReadDir)
            .register(DebugLog)
            .register(DebugWait::default())
            .register(CatalogWrite)
            .register(CatalogFetch::new(Arc::clone(&catalog)))
            .register(CatalogRegister::new(catalog))
            .register(git::PublishGit::default());
        registry
    }

    /// Adds an action, replacing one with the same id.
    pub fn register(&mut self, action: impl Action + 'static) -> &mut Self {
        self.register_arc(Arc::new(action))
    }

    /// Adds a shared action, replacing one with the same id.
    pub fn register_arc(&mut self, action: Arc<dyn Action>) -> &mut Self {
        self.actions.insert(action.id().to_owned(), action);
        self
    }

    /// An action by id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Arc<dyn Action>> {
        self.actions.get(id)
    }

    /// Every id, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.actions.keys().map(String::as_str)
    }
}

/// Validates a rendered input against an action's schema, Backstage's
/// wording first and every violation with its field path.
pub(crate) fn validate_input(action: &dyn Action, input: &Value) -> Result<(), Error> {
    let schema = action.input_schema();
    let validator = compile(&schema).map_err(|e| {
        Error::InvalidInput(format!(
            "the input schema of action {} is invalid: {e}",
            action.id()
        ))
    })?;
    let found = violations(&validator, input, false);
    if found.is_empty() {
        return Ok(());
    }
    let details: Vec<String> = found
        .iter()
        .map(|v| {
            let field = dotted(&v.pointer);
            if field.is_empty() {
                format!("instance {}", v.message)
            } else {
                format!("input.{field}: {}", v.message)
            }
        })
        .collect();
    Err(Error::InvalidInput(format!(
        "Invalid input passed to action {}, {}",
        action.id(),
        details.join("; ")
    )))
}

/// Example outputs for an action skipped in a dry run, from its output
/// schema: `examples[0]`, else `<example>`, `0`, `false`, arrays of one
/// example, objects recursively.
pub(crate) fn example_outputs(schema: &Value) -> Map<String, Value> {
    match example(schema, 0) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn example(schema: &Value, depth: usize) -> Value {
    if depth > 16 {
        return Value::Null;
    }
    if let Some(first) = schema
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types.first().and_then(Value::as_str).unwrap_or("object"),
        _ if schema.get("properties").is_some() => "object",
        _ => "",
    };
    match kind {
        "string" => Value::String("<example>".into()),
        "number" | "integer" => json!(0),
        "boolean" => Value::Bool(false),
        "array" => Value::Array(vec![
            schema
                .get("items")
                .map_or(Value::Null, |items| example(items, depth + 1)),
        ]),
        "object" => Value::Object(
            schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| (k.clone(), example(v, depth + 1)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => Value::Null,
    }
}

/// Every entry under `root`, symlinks not followed (for the run's file
/// listing).
pub(crate) fn skeleton_walk(root: &Path) -> Result<Vec<skeleton::Entry>, Error> {
    skeleton::walk(
        root,
        skeleton::WalkLimits {
            max_entries: 1_000_000,
            max_file_bytes: u64::MAX,
        },
        "the workspace",
    )
}

/// The schema helper every built-in uses: an object with these properties,
/// these required, and nothing else.
pub(crate) fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "required": required,
        "additionalProperties": false,
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_input_keys_are_refused_with_backstage_wording() {
        let error =
            validate_input(&FsDelete, &json!({"files": ["a"], "extra": 1})).expect_err("refused");
        let text = error.to_string();
        assert!(
            text.starts_with("Invalid input passed to action fs:delete, "),
            "{text}"
        );
        assert!(text.contains("extra"), "{text}");
        assert!(validate_input(&FsDelete, &json!({"files": ["a"]})).is_ok());
    }

    #[test]
    fn example_outputs_follow_the_schema() {
        let schema = json!({"type": "object", "properties": {
            "s": {"type": "string"}, "n": {"type": "number"}, "b": {"type": "boolean"},
            "a": {"type": "array", "items": {"type": "string"}}, "e": {"type": "string", "examples": ["x"]}}});
        assert_eq!(
            Value::Object(example_outputs(&schema)),
            json!({"s": "<example>", "n": 0, "b": false, "a": ["<example>"], "e": "x"})
        );
    }

    #[test]
    fn builtins_have_backstage_ids() {
        let registry = ActionRegistry::with_builtins();
        let ids: Vec<&str> = registry.ids().collect();
        for id in [
            "catalog:fetch",
            "catalog:register",
            "catalog:write",
            "debug:log",
            "debug:wait",
            "fetch:plain",
            "fetch:plain:file",
            "fetch:template",
            "fetch:template:file",
            "fs:delete",
            "fs:readdir",
            "fs:rename",
            "publish:git",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        for id in ids {
            assert!(
                compile(&registry.get(id).expect("present").input_schema()).is_ok(),
                "{id}"
            );
        }
    }
}
