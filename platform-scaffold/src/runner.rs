//! The step engine: parameters checked, steps run in order with `if`,
//! `each`, `always()`/`failure()`, secrets redacted, outputs rendered after
//! success, and the result moved into the target only when every step
//! succeeded.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use platform_model::Span;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::Error;
use crate::actions::{ActionContext, ActionRegistry, example_outputs, validate_input};
use crate::events::{CancelToken, Event, Journal, LogLine, Observer, StepStatus};
use crate::files::{DryRunFile, FileEntry, collect};
use crate::location::optional_line_and_column;
use crate::parameters::{check_secrets, prepare_parameters};
use crate::render::{RenderOptions, RenderWarning, Renderer, TemplateError, is_truthy};
use crate::schema::dotted;
use crate::secrets::{Redactor, Secrets};
use crate::template::{Step, Template};
use crate::workspace::{Workspace, private_tempdir};

/// Options of a run.
#[derive(Clone)]
#[must_use]
pub struct RunOptions {
    render: RenderOptions,
    user: Value,
    task_id: String,
    environment_parameters: Map<String, Value>,
    environment_secrets: Secrets,
    cancel: CancelToken,
    observer: Option<Observer>,
    max_file_bytes: usize,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("render", &self.render)
            .field("task_id", &self.task_id)
            .finish_non_exhaustive()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            render: RenderOptions::default(),
            user: json!({"ref": "user:default/guest"}),
            task_id: "local".into(),
            environment_parameters: Map::new(),
            environment_secrets: Secrets::new(),
            cancel: CancelToken::new(),
            observer: None,
            max_file_bytes: 256 * 1024 * 1024,
        }
    }
}

impl RunOptions {
    /// Strict mode: every silent fallback (undefined values, templates that
    /// fail and would pass through raw) becomes an error with its location.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.render = self.render.with_strict(strict);
        self
    }

    /// Rendering options and limits.
    pub fn with_render_options(mut self, render: RenderOptions) -> Self {
        self.render = render;
        self
    }

    /// The initiating user: `user.ref` and `user.entity`.
    pub fn with_user(mut self, entity_ref: &str, entity: Option<Value>) -> Self {
        self.user = json!({"ref": entity_ref});
        if let (Some(entity), Some(map)) = (entity, self.user.as_object_mut()) {
            map.insert("entity".into(), entity);
        }
        self
    }

    /// `context.task.id`.
    pub fn with_task_id(mut self, id: impl Into<String>) -> Self {
        self.task_id = id.into();
        self
    }

    /// `environment.parameters` and `environment.secrets` (the latter only
    /// visible to step inputs, and blank in dry runs).
    pub fn with_environment(mut self, parameters: Map<String, Value>, secrets: Secrets) -> Self {
        self.environment_parameters = parameters;
        self.environment_secrets = secrets;
        self
    }

    /// A token that cancels the run.
    pub fn with_cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// Receives every event as it happens.
    pub fn with_on_event(mut self, observer: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.observer = Some(std::sync::Arc::new(observer));
        self
    }
}

deprecated_setters!(RunOptions {
    strict => with_strict(strict: bool),
    render_options => with_render_options(render: RenderOptions),
    user => with_user(entity_ref: &str, entity: Option<Value>),
    task_id => with_task_id(id: impl Into<String>),
    environment => with_environment(parameters: Map<String, Value>, secrets: Secrets),
    cancel_token => with_cancel_token(token: CancelToken),
    on_event => with_on_event(observer: impl Fn(&Event) + Send + Sync + 'static),
});

/// Where a run's files go.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// Into this directory, which must not exist or be empty; written only
    /// when every step succeeded.
    Directory(&'a Path),
    /// Into memory ([`RunReport::files`]).
    Memory,
}

/// The template reference actions see in a dry run, as in Backstage.
const DRY_RUN_TEMPLATE_REF: &str = "template:default/dry-run";

/// What a finished step did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StepReport {
    /// Step id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Action id.
    pub action: String,
    /// How it ended.
    pub status: StepStatus,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// Its outputs (`{}` when none; example outputs for an action skipped in
    /// a dry run); `null`, and left out of the JSON as Backstage leaves it
    /// out, for a step its `if` skipped.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub output: Value,
}

/// A warning from rendering, with the step it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Warning {
    /// The step, or `None` for the template's output.
    pub step: Option<String>,
    /// What happened.
    pub message: String,
    /// The template text (shortened), or the path of the skeleton file
    /// an action warned about (`./skeleton/README.md`).
    pub template: String,
    /// Where in the template text (an empty file name) or in the skeleton
    /// file (its path as the file name), or `None` for any other warning
    /// an action gave. In JSON the keys `line` and `column`, `0`
    /// and `0` when there is no location.
    #[serde(flatten, serialize_with = "optional_line_and_column")]
    pub span: Option<Span>,
}

/// The result of a run.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// The rendered `spec.output` (`links` and `text` filtered by `if`).
    pub output: Value,
    /// Every step that ran or was skipped, in order.
    pub steps: Vec<StepReport>,
    /// The log (redacted).
    pub log: Vec<LogLine>,
    /// The event stream (redacted).
    #[serde(skip)]
    pub events: Vec<Event>,
    /// Silent fallbacks of lenient rendering.
    pub warnings: Vec<Warning>,
    /// The files, for [`Target::Memory`] and dry runs.
    #[serde(skip)]
    pub files: Vec<FileEntry>,
}

/// Why a run stopped, with what it did up to then.
///
/// [`Scaffolder::run`] and [`Scaffolder::dry_run`] return it as their
/// error: [`error`](Self::error) says why (a step failed, the values were
/// invalid, the run was cancelled, the output directory could not be
/// used), [`report`](Self::report) holds the log, events, warnings and
/// step reports of the steps that ran. Nothing was written to the target.
///
/// It displays as its error and has the error's source; `?` turns it into
/// an [`Error`] where the report is not wanted.
#[derive(Debug)]
#[non_exhaustive]
pub struct RunFailure {
    /// Why the run stopped.
    pub error: Error,
    /// What happened up to the end of the run (the output is `null`);
    /// `None` when it stopped before the first step (invalid parameters or
    /// secrets, an unusable output directory).
    pub report: Option<Box<RunReport>>,
}

impl RunFailure {
    /// A failure before any step ran.
    #[must_use]
    pub fn new(error: Error) -> Self {
        Self {
            error,
            report: None,
        }
    }

    /// A failure with the report of what ran.
    pub fn with_report(error: Error, report: RunReport) -> Self {
        Self {
            error,
            report: Some(Box::new(report)),
        }
    }
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for RunFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

impl From<Error> for RunFailure {
    fn from(error: Error) -> Self {
        Self::new(error)
    }
}

impl From<RunFailure> for Error {
    fn from(failure: RunFailure) -> Self {
        failure.error
    }
}

/// Backstage's dry-run payload: `{log, files, output, steps}`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct DryRunReport {
    /// The log (redacted; secrets in logged inputs masked).
    pub log: Vec<LogLine>,
    /// The files the run would write.
    pub files: Vec<DryRunFile>,
    /// The rendered output.
    pub output: Value,
    /// The steps.
    pub steps: Vec<StepReport>,
    /// Rendering warnings.
    pub warnings: Vec<Warning>,
    /// The files, for diffs and snapshots.
    #[serde(skip)]
    pub entries: Vec<FileEntry>,
}

/// Runs templates with a registry of actions.
///
/// ```no_run
/// use platform_scaffold::{Scaffolder, Secrets, Target, Template, actions::ActionRegistry};
/// use std::path::Path;
///
/// let template = Template::load(Path::new("templates/new-go-service/template.yaml"))?;
/// let values = serde_json::json!({"name": "payment-processor", "owner": "payments-team", "description": "Pays"});
/// let scaffolder = Scaffolder::new(ActionRegistry::with_builtins());
/// let report = scaffolder.run(&template, &values, &Secrets::new(), Target::Directory(Path::new("out")))?;
/// println!("{}", report.output);
/// # Ok::<(), platform_scaffold::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Scaffolder {
    registry: ActionRegistry,
    options: RunOptions,
}

/// The state of one run.
struct Run<'a> {
    template: &'a Template,
    registry: &'a ActionRegistry,
    options: &'a RunOptions,
    secrets: &'a Secrets,
    dry_run: bool,
    renderer: Renderer,
    journal: Journal,
    parameters: Value,
    steps_output: Map<String, Value>,
    reports: Vec<StepReport>,
    warnings: Vec<Warning>,
    failure: Option<(String, String, String)>,
}

impl Scaffolder {
    /// A scaffolder with these actions and default options.
    #[must_use]
    pub fn new(registry: ActionRegistry) -> Self {
        Self {
            registry,
            options: RunOptions::default(),
        }
    }

    /// With these options.
    pub fn with_options(mut self, options: RunOptions) -> Self {
        self.options = options;
        self
    }

    /// The registry.
    #[must_use]
    pub fn registry(&self) -> &ActionRegistry {
        &self.registry
    }

    /// Runs `template` with `values` and `secrets` into `target`.
    ///
    /// # Errors
    ///
    /// A [`RunFailure`] holding the error and, once steps ran, the report:
    /// [`Error::InvalidParameters`] / [`Error::InvalidSecrets`] before any
    /// step runs; [`Error::StepFailed`] when a step failed;
    /// [`Error::Cancelled`]; [`Error::Target`] when the output directory
    /// cannot be used. On any error nothing is written to the target.
    pub fn run(
        &self,
        template: &Template,
        values: &Value,
        secrets: &Secrets,
        target: Target<'_>,
    ) -> Result<RunReport, RunFailure> {
        let (staging, out) = match target {
            Target::Directory(out) => (prepare_target(out)?, Some(out)),
            Target::Memory => (
                private_tempdir(".platform-scaffold-", None)
                    .map_err(|e| Error::io("a temporary directory", &e))?,
                None,
            ),
        };
        let (mut report, _) = self.execute(template, values, secrets, staging.path(), false)?;
        let finished = match out {
            Some(out) => move_into(staging, out),
            None => collect(staging.path(), self.options.max_file_bytes).map(|files| {
                report.files = files;
            }),
        };
        match finished {
            Ok(()) => Ok(report),
            Err(error) => Err(RunFailure::with_report(error, report)),
        }
    }

    /// Runs `template` as Backstage's dry run does: actions without dry-run
    /// support are skipped with example outputs, environment secrets are
    /// blank, and the files are returned instead of written.
    ///
    /// # Errors
    ///
    /// As [`Scaffolder::run`].
    pub fn dry_run(
        &self,
        template: &Template,
        values: &Value,
        secrets: &Secrets,
    ) -> Result<DryRunReport, RunFailure> {
        let staging = private_tempdir(".platform-scaffold-", None)
            .map_err(|e| Error::io("a temporary directory", &e))?;
        let (report, redactor) = self.execute(template, values, secrets, staging.path(), true)?;
        // A preview is an output too: file contents (a `catalog:write`
        // entity included) and paths are masked like the log.
        let mut entries = match collect(staging.path(), self.options.max_file_bytes) {
            Ok(entries) => entries,
            Err(error) => return Err(RunFailure::with_report(error, report)),
        };
        for entry in &mut entries {
            entry.content = redactor.redact_bytes(&entry.content);
            entry.path = redactor.redact(&entry.path);
            if let Some(link) = &entry.symlink {
                entry.symlink = Some(redactor.redact(link));
            }
        }
        Ok(DryRunReport {
            log: report.log,
            files: entries.iter().map(DryRunFile::from).collect(),
            output: report.output,
            steps: report.steps,
            warnings: report.warnings,
            entries,
        })
    }

    fn execute(
        &self,
        template: &Template,
        values: &Value,
        secrets: &Secrets,
        dir: &Path,
        dry_run: bool,
    ) -> Result<(RunReport, Redactor), RunFailure> {
        let parameters = prepare_parameters(template, values)?;
        check_secrets(template, secrets)?;
        let workspace = Workspace::new(dir)?;
        let mut redactor = Redactor::new(secrets);
        for value in self.options.environment_secrets.values() {
            redactor.add(value);
        }
        let mut run = Run {
            template,
            registry: &self.registry,
            options: &self.options,
            secrets,
            dry_run,
            renderer: Renderer::new(self.options.render.clone()),
            journal: Journal::new(redactor, self.options.observer.clone()),
            parameters,
            steps_output: Map::new(),
            reports: Vec::new(),
            warnings: Vec::new(),
            failure: None,
        };
        let count = template.steps().len();
        run.journal
            .log(None, &format!("Starting up task with {count} steps"), None);
        for step in template.steps() {
            if self.options.cancel.is_cancelled() {
                run.journal.log(
                    Some(&step.id),
                    "The run was cancelled",
                    Some(StepStatus::Cancelled),
                );
                return Err(RunFailure::with_report(
                    Error::Cancelled,
                    run.report(Value::Null),
                ));
            }
            if let Err(error) = run.step(step, &workspace) {
                return Err(RunFailure::with_report(error, run.report(Value::Null)));
            }
        }
        if run.failure.is_none() {
            // The last word before the staging directory becomes the output.
            if let Err(error) = workspace.audit() {
                return Err(RunFailure::with_report(error, run.report(Value::Null)));
            }
        }
        if let Some((step, action, message)) = run.failure.take() {
            let error = Error::StepFailed {
                step,
                action,
                message,
            };
            return Err(RunFailure::with_report(error, run.report(Value::Null)));
        }
        let output = run.output();
        let report = run.report(output);
        Ok((report, run.journal.redactor))
    }
}

/// Moves the staged result into the (missing or empty) output directory.
fn move_into(staging: tempfile::TempDir, out: &Path) -> Result<(), Error> {
    if out.exists() {
        std::fs::remove_dir(out).map_err(|e| {
            Error::Target(format!(
                "the output directory cannot be replaced: {}",
                e.kind()
            ))
        })?;
    }
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, out) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::Target(format!(
            "the result could not be moved into the output directory: {}",
            e.kind()
        )));
    }
    Ok(())
}

/// Checks the output directory and makes a staging directory beside it.
fn prepare_target(out: &Path) -> Result<tempfile::TempDir, Error> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::Target(
                    "the output directory exists and is not empty".into(),
                ));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::Target(format!(
                "the output directory cannot be used: {}",
                e.kind()
            )));
        }
    }
    let parent: PathBuf = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| {
        Error::Target(format!(
            "the output directory's parent cannot be created: {}",
            e.kind()
        ))
    })?;
    private_tempdir(".platform-scaffold-", Some(&parent)).map_err(|e| {
        Error::Target(format!(
            "a staging directory cannot be created beside the output: {}",
            e.kind()
        ))
    })
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A step's rendered input for one iteration.
struct Prepared {
    each: Option<Value>,
    input: Map<String, Value>,
}

impl Run<'_> {
    fn report(&mut self, output: Value) -> RunReport {
        RunReport {
            output,
            steps: std::mem::take(&mut self.reports),
            log: std::mem::take(&mut self.journal.log),
            events: std::mem::take(&mut self.journal.events),
            warnings: std::mem::take(&mut self.warnings),
            files: Vec::new(),
        }
    }

    /// The context every template sees (no secrets).
    fn base_context(&self) -> Map<String, Value> {
        let mut context = Map::new();
        context.insert("parameters".into(), self.parameters.clone());
        context.insert("steps".into(), Value::Object(self.steps_output.clone()));
        context.insert("user".into(), self.options.user.clone());
        context.insert(
            "context".into(),
            json!({"task": {"id": self.options.task_id}}),
        );
        context.insert(
            "environment".into(),
            json!({"parameters": self.options.environment_parameters}),
        );
        context
    }

    /// The context of step inputs and `each`: with secrets (blanked when
    /// `blank`, for the redaction diff).
    fn input_context(&self, blank: bool) -> Map<String, Value> {
        let mut context = self.base_context();
        let (secrets, environment) = if blank {
            (
                self.secrets.blanked_json(),
                self.options.environment_secrets.blanked_json(),
            )
        } else if self.dry_run {
            (self.secrets.to_json(), json!({}))
        } else {
            (
                self.secrets.to_json(),
                self.options.environment_secrets.to_json(),
            )
        };
        context.insert("secrets".into(), secrets);
        context.insert(
            "environment".into(),
            json!({"parameters": self.options.environment_parameters, "secrets": environment}),
        );
        context
    }

    fn collect_warnings(&mut self, step: Option<&str>) {
        for RenderWarning {
            message,
            template,
            span,
            ..
        } in self.renderer.take_warnings()
        {
            let message = self.journal.redactor.redact(&message);
            let template = self.journal.redactor.redact(&template);
            self.warnings.push(Warning {
                step: step.map(str::to_owned),
                message,
                template,
                span: Some(span),
            });
        }
    }

    /// A located error for a template string of the template file.
    fn located(&self, pointer: &str, error: &TemplateError) -> Error {
        let span = self.template.span(pointer);
        let field = dotted(pointer);
        Error::Template {
            span,
            message: format!(
                "{field}: {} (at line {}, column {} of the template text)",
                error.message,
                error.line(),
                error.column()
            ),
        }
    }

    /// Renders every string leaf, tracking the JSON pointer for errors.
    fn render_value(
        &mut self,
        value: &Value,
        context: &minijinja::Value,
        pointer: &str,
    ) -> Result<Option<Value>, Error> {
        Ok(match value {
            Value::String(s) => self
                .renderer
                .render_string(s, context)
                .map_err(|e| self.located(pointer, &e))?,
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(v) = self.render_value(item, context, &format!("{pointer}/{i}"))? {
                        out.push(v);
                    }
                }
                Some(Value::Array(out))
            }
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (k, v) in map {
                    let child = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                    if let Some(v) = self.render_value(v, context, &child)? {
                        out.insert(k.clone(), v);
                    }
                }
                Some(Value::Object(out))
            }
            other => Some(other.clone()),
        })
    }

    fn skip(&mut self, step: &Step, reason: &str) {
        self.journal.log(
            Some(&step.id),
            &format!("Skipping step {}: {reason}", step.id),
            Some(StepStatus::Skipped),
        );
        self.journal.emit(Event::StepSkipped {
            step_id: step.id.clone(),
            reason: reason.to_owned(),
        });
        self.reports.push(StepReport {
            id: step.id.clone(),
            name: step.name.clone(),
            action: step.action.clone(),
            status: StepStatus::Skipped,
            duration_ms: 0,
            output: Value::Null,
        });
    }

    /// Decides on a step's `if` (steps without `each`): whether it runs, and
    /// whether it called `always()` or `failure()`.
    fn condition(&mut self, step: &Step) -> Result<(bool, bool), Error> {
        match &step.condition {
            None => Ok((true, false)),
            Some(Value::Bool(b)) => Ok((*b, false)),
            Some(Value::String(text)) if step.each.is_some() => Ok((
                true,
                text.contains("always()") || text.contains("failure()"),
            )),
            Some(Value::String(text)) => {
                let context = Renderer::context(&Value::Object(self.base_context()));
                let (value, called) = self
                    .renderer
                    .render_condition(text, &context)
                    .map_err(|e| self.located(&format!("{}/if", step.pointer), &e))?;
                Ok((is_truthy(value.as_ref()), called))
            }
            Some(other) => Ok((is_truthy(Some(other)), false)),
        }
    }

    fn step(&mut self, step: &Step, workspace: &Workspace) -> Result<(), Error> {
        let started = Instant::now();
        let (run, status_check) = match self.condition(step) {
            Ok(decision) => decision,
            Err(error) => {
                self.fail(step, &error, started);
                return Ok(());
            }
        };
        self.collect_warnings(Some(&step.id));
        if self.failure.is_some() && !(status_check && run) {
            self.skip(step, "a previous step failed");
            return Ok(());
        }
        if !run {
            self.skip(step, "its if condition is false");
            return Ok(());
        }
        self.journal.emit(Event::StepStarted {
            step_id: step.id.clone(),
            name: step.name.clone(),
            action: step.action.clone(),
        });
        self.journal.log(
            Some(&step.id),
            &format!("Beginning step {}", step.name),
            None,
        );
        match self.run_step(step, workspace) {
            Ok(output) => {
                self.collect_warnings(Some(&step.id));
                self.steps_output
                    .insert(step.id.clone(), json!({ "output": output.clone() }));
                let duration = started.elapsed();
                self.journal.log(
                    Some(&step.id),
                    &format!("Finished step {}", step.name),
                    Some(StepStatus::Completed),
                );
                self.journal.emit(Event::StepFinished {
                    step_id: step.id.clone(),
                    status: StepStatus::Completed,
                    duration,
                });
                self.reports.push(StepReport {
                    id: step.id.clone(),
                    name: step.name.clone(),
                    action: step.action.clone(),
                    status: StepStatus::Completed,
                    duration_ms: millis(duration),
                    // Later steps see the real outputs; the report is read
                    // by people and logs.
                    output: self.journal.redactor.redact_json(&Value::Object(output)),
                });
                Ok(())
            }
            Err(Error::Cancelled) => {
                self.journal.log(
                    Some(&step.id),
                    "The run was cancelled",
                    Some(StepStatus::Cancelled),
                );
                Err(Error::Cancelled)
            }
            Err(error) => {
                self.collect_warnings(Some(&step.id));
                self.fail(step, &error, started);
                Ok(())
            }
        }
    }

    fn fail(&mut self, step: &Step, error: &Error, started: Instant) {
        let message = self.journal.redactor.redact(&error.to_string());
        self.journal
            .log(Some(&step.id), &message, Some(StepStatus::Failed));
        let duration = started.elapsed();
        self.journal.emit(Event::StepFinished {
            step_id: step.id.clone(),
            status: StepStatus::Failed,
            duration,
        });
        self.reports.push(StepReport {
            id: step.id.clone(),
            name: step.name.clone(),
            action: step.action.clone(),
            status: StepStatus::Failed,
            duration_ms: millis(duration),
            output: json!({}),
        });
        if self.failure.is_none() {
            self.failure = Some((step.id.clone(), step.action.clone(), message));
        }
        self.renderer.set_failed();
    }

    /// The iterations of a step: `[None]` without `each`.
    fn iterations(&mut self, step: &Step) -> Result<Vec<Option<Value>>, Error> {
        let Some(each) = &step.each else {
            return Ok(vec![None]);
        };
        let expression = match each {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let context = Renderer::context(&Value::Object(self.input_context(false)));
        let resolved = self.render_value(each, &context, &format!("{}/each", step.pointer))?;
        let has_secrets = !(self.secrets.is_empty() && self.options.environment_secrets.is_empty());
        if let (Some(with), true) = (&resolved, has_secrets) {
            let blank = Renderer::context(&Value::Object(self.input_context(true)));
            let mut shadow = self.renderer.lenient_twin();
            if let Ok(without) = shadow.render_json(each, &blank) {
                self.journal
                    .redactor
                    .add_differences(with, without.as_ref());
            }
        }
        let entries: Vec<(String, Value)> = match resolved {
            None => {
                return Err(Error::InvalidInput(format!(
                    "Invalid value on action {}.each parameter, \"{expression}\" cannot be resolved to a value",
                    step.action
                )));
            }
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            Some(Value::Object(map)) => map.into_iter().collect(),
            Some(_) => {
                return Err(Error::InvalidInput(format!(
                    "Invalid value on action {}.each parameter, \"{expression}\" must resolve to an array or object",
                    step.action
                )));
            }
        };
        Ok(entries
            .into_iter()
            .map(|(key, value)| Some(json!({"key": key, "value": value})))
            .collect())
    }

    /// Renders and validates every iteration's input before any runs.
    fn prepare(
        &mut self,
        step: &Step,
        action: &dyn crate::actions::Action,
    ) -> Result<Vec<Prepared>, Error> {
        let mut prepared = Vec::new();
        for each in self.iterations(step)? {
            let mut context = self.input_context(false);
            let mut blank = self.input_context(true);
            if let Some(each) = &each {
                context.insert("each".into(), each.clone());
                blank.insert("each".into(), each.clone());
            }
            let context = Renderer::context(&Value::Object(context));
            if let (Some(Value::String(text)), Some(each_value)) = (&step.condition, &each) {
                let (value, _) = self
                    .renderer
                    .render_condition(text, &context)
                    .map_err(|e| self.located(&format!("{}/if", step.pointer), &e))?;
                if !is_truthy(value.as_ref()) {
                    self.journal.log(
                        Some(&step.id),
                        &format!("Skipping step each: {each_value}"),
                        None,
                    );
                    continue;
                }
            }
            let input_pointer = format!("{}/input", step.pointer);
            let rendered = self.render_value(&step.input, &context, &input_pointer)?;
            // Values derived from secrets by filters differ when secrets
            // are blanked: redact them too.
            if !self.secrets.is_empty() || !self.options.environment_secrets.is_empty() {
                let blank = Renderer::context(&Value::Object(blank));
                let mut shadow = self.renderer.lenient_twin();
                if let (Some(with), Ok(without)) =
                    (&rendered, shadow.render_json(&step.input, &blank))
                {
                    self.journal
                        .redactor
                        .add_differences(with, without.as_ref());
                }
            }
            let input = match rendered {
                Some(Value::Object(map)) => map,
                None | Some(Value::Null) => Map::new(),
                Some(_) => {
                    return Err(Error::InvalidInput(format!(
                        "the input of step {} is not an object",
                        step.id
                    )));
                }
            };
            validate_input(action, &Value::Object(input.clone()))?;
            if let Some(each) = &each {
                self.journal
                    .log(Some(&step.id), &format!("Running step each: {each}"), None);
            }
            prepared.push(Prepared { each, input });
        }
        Ok(prepared)
    }

    fn run_step(
        &mut self,
        step: &Step,
        workspace: &Workspace,
    ) -> Result<Map<String, Value>, Error> {
        let registry = self.registry;
        let action = registry
            .get(&step.action)
            .ok_or_else(|| Error::UnknownAction(step.action.clone()))?;
        let prepared = self.prepare(step, action.as_ref())?;
        let mut outputs = Map::new();
        if self.dry_run {
            for item in &prepared {
                let shown = serde_json::to_string(&item.input).unwrap_or_default();
                self.journal.log(
                    Some(&step.id),
                    &format!(
                        "Running {} in dry-run mode with inputs (secrets redacted): {shown}",
                        step.action
                    ),
                    None,
                );
            }
            if !action.supports_dry_run() {
                self.journal.log(
                    Some(&step.id),
                    &format!("Skipping because {} does not support dry-run", step.action),
                    None,
                );
                return Ok(example_outputs(&action.output_schema()));
            }
        }
        for item in prepared {
            let mut ctx = ActionContext {
                input: item.input,
                workspace,
                template_dir: self.template.dir(),
                // Backstage's dry run runs a copy of the template it names
                // `template:default/dry-run`.
                template_ref: if self.dry_run {
                    DRY_RUN_TEMPLATE_REF
                } else {
                    self.template.entity_ref()
                },
                secrets: self.secrets,
                dry_run: self.dry_run,
                step_id: &step.id,
                step_name: &step.name,
                outputs: Vec::new(),
                journal: &mut self.journal,
                cancel: &self.options.cancel,
                render: self.renderer.options(),
                user: &self.options.user,
                warnings: Vec::new(),
            };
            let result = action.run(&mut ctx);
            let warnings = std::mem::take(&mut ctx.warnings);
            let outputs_of_run = std::mem::take(&mut ctx.outputs);
            drop(ctx);
            for warning in warnings {
                self.warnings.push(Warning {
                    step: Some(step.id.clone()),
                    message: warning.message,
                    template: warning.template,
                    span: warning.span,
                });
            }
            result?;
            // Whatever the action did (a plugged-in one included), links
            // must still lead inside and no git metadata or special file
            // may have appeared.
            workspace.audit()?;
            for (name, value) in outputs_of_run {
                if item.each.is_some() {
                    let slot = outputs
                        .entry(name)
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = slot {
                        items.push(value);
                    }
                } else {
                    outputs.insert(name, value);
                }
            }
        }
        Ok(outputs)
    }

    /// Renders `spec.output` (no secrets) and filters `links`/`text` by `if`.
    fn output(&mut self) -> Value {
        let Some(output) = self.template.output().cloned() else {
            return json!({});
        };
        let context = Renderer::context(&Value::Object(self.base_context()));
        let rendered = match self.render_value(&output, &context, "/spec/output") {
            Ok(value) => value.unwrap_or_else(|| json!({})),
            Err(error) => {
                self.journal.log(
                    None,
                    &format!("the output could not be rendered: {error}"),
                    None,
                );
                json!({})
            }
        };
        self.collect_warnings(None);
        // Step outputs may hold secrets (or names made of them): the
        // output is shown to people, so it is masked like the log.
        let mut rendered = self.journal.redactor.redact_json(&rendered);
        for key in ["links", "text"] {
            if let Some(Value::Array(items)) = rendered.get_mut(key) {
                items.retain_mut(|item| match item.as_object_mut() {
                    Some(map) if map.contains_key("if") => {
                        let keep = is_truthy(map.get("if"));
                        map.shift_remove("if");
                        keep
                    }
                    _ => true,
                });
            }
        }
        rendered
    }
}
