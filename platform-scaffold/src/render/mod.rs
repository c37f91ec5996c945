//! `${{ }}` rendering with the semantics Backstage's scaffolder applies:
//! every string leaf rendered on its own (keys never), a lone `${{ expr }}`
//! or block statement keeping its JSON type, lenient undefined values,
//! JavaScript-style text for arrays and objects, Backstage's filters, and
//! the raw string passed through when a template fails (or, in strict mode,
//! an error with the template's line and column).
//!
//! ```
//! use platform_scaffold::render::{RenderOptions, Renderer};
//! use serde_json::json;
//!
//! let mut renderer = Renderer::new(RenderOptions::default());
//! let context = Renderer::context(&json!({"parameters": {"n": 3, "arr": [1, 2]}}));
//! let input = json!({"count": "${{ parameters.n }}", "text": "n=${{ parameters.n }}",
//!                    "list": "a=${{ parameters.arr }}", "gone": "${{ parameters.missing }}"});
//! let out = renderer.render_json(&input, &context)?.unwrap();
//! assert_eq!(out, json!({"count": 3, "text": "n=3", "list": "a=1,2"}));
//! # Ok::<(), platform_scaffold::render::TemplateError>(())
//! ```

mod filters;
pub(crate) mod format;
mod js_ops;
mod scan;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};
use platform_model::Span;
use serde::Serialize;

use crate::location::{line_and_column, text_span};

#[allow(unused_imports)]
use filters as _;
pub(crate) use filters::parse_repo_url as parse_repo_url_parts;
pub(crate) use filters::to_json;
use scan::Shape;

/// An SCM integration: which host speaks which protocol, for `parseRepoUrl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Integration {
    /// Host name, such as `github.com`.
    pub host: String,
    /// `github`, `gitlab`, `bitbucketCloud`, `bitbucketServer`, `azure`, `gitea` or `gerrit`.
    pub kind: String,
}

impl Integration {
    /// An integration.
    pub fn new(host: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            kind: kind.into(),
        }
    }

    /// The public hosts Backstage knows without configuration.
    #[must_use]
    pub fn defaults() -> Vec<Self> {
        vec![
            Self::new("github.com", "github"),
            Self::new("gitlab.com", "gitlab"),
            Self::new("bitbucket.org", "bitbucketCloud"),
            Self::new("dev.azure.com", "azure"),
        ]
    }
}

/// Which template syntax: Backstage's, or `fetch:template`'s cookiecutter
/// compatibility (`{{ }}` and the `cookiecutter` root).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Syntax {
    /// `${{ }}` outputs.
    #[default]
    Backstage,
    /// `{{ }}` outputs and the `jsonify` filter.
    Cookiecutter,
}

/// Rendering options and resource limits (all on by default).
#[derive(Clone, Debug)]
#[must_use]
pub struct RenderOptions {
    strict: bool,
    fuel: u64,
    max_output: usize,
    recursion_limit: usize,
    max_operators: usize,
    integrations: Vec<Integration>,
    syntax: Syntax,
    trim_blocks: bool,
    lstrip_blocks: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            strict: false,
            fuel: 1_000_000,
            max_output: 16 * 1024 * 1024,
            recursion_limit: 100,
            max_operators: 500,
            integrations: Integration::defaults(),
            syntax: Syntax::Backstage,
            trim_blocks: false,
            lstrip_blocks: false,
        }
    }
}

impl RenderOptions {
    /// Strict mode: undefined values and template errors are errors, never
    /// silent fallbacks.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Whether strict mode is on.
    #[must_use]
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Work units one render may use (default 1 000 000).
    pub fn with_fuel(mut self, fuel: u64) -> Self {
        self.fuel = fuel;
        self
    }

    /// Largest rendered output in bytes (default 16 MiB). It bounds every
    /// value a filter or method builds on the way too (`center`,
    /// `repeat`, `join`, …): they refuse before allocating more.
    pub fn with_max_output(mut self, bytes: usize) -> Self {
        self.max_output = bytes;
        self
    }

    /// Deepest nesting of macros and includes (default 100).
    pub fn with_recursion_limit(mut self, limit: usize) -> Self {
        self.recursion_limit = limit;
        self
    }

    /// Most operators (`|`, `.`, `+`, `and`, …) in one tag (default 500):
    /// longer chains are refused before they are parsed, since the engine
    /// walks them recursively.
    pub fn with_max_operators(mut self, limit: usize) -> Self {
        self.max_operators = limit;
        self
    }

    /// The SCM integrations `parseRepoUrl` knows (default: the public hosts).
    pub fn with_integrations(mut self, integrations: Vec<Integration>) -> Self {
        self.integrations = integrations;
        self
    }

    /// The SCM integrations `parseRepoUrl` and the publish actions know.
    #[must_use]
    pub fn scm_integrations(&self) -> &[Integration] {
        &self.integrations
    }

    /// The template syntax.
    pub fn with_syntax(mut self, syntax: Syntax) -> Self {
        self.syntax = syntax;
        self
    }

    /// Nunjucks' `trimBlocks` and `lstripBlocks`.
    pub fn with_whitespace(mut self, trim_blocks: bool, lstrip_blocks: bool) -> Self {
        self.trim_blocks = trim_blocks;
        self.lstrip_blocks = lstrip_blocks;
        self
    }
}

deprecated_setters!(RenderOptions {
    strict => with_strict(strict: bool),
    fuel => with_fuel(fuel: u64),
    max_output => with_max_output(bytes: usize),
    recursion_limit => with_recursion_limit(limit: usize),
    max_operators => with_max_operators(limit: usize),
    integrations => with_integrations(integrations: Vec<Integration>),
    syntax => with_syntax(syntax: Syntax),
    whitespace => with_whitespace(trim_blocks: bool, lstrip_blocks: bool),
});

/// A template that cannot be rendered, located in the template text.
///
/// The renderer sees text, not files: `span` has an empty file name, and
/// its line and column count from the start of the template text. In JSON
/// the span is the two keys `line` and `column`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("template error at line {}, column {}: {message}", span.line, span.column)]
#[non_exhaustive]
pub struct TemplateError {
    /// What is wrong.
    pub message: String,
    /// Where, in the template text (1-based line and column in characters).
    #[serde(flatten, serialize_with = "line_and_column")]
    pub span: Span,
}

impl TemplateError {
    /// An error at 1-based `line` and `column` (in characters) of `source`.
    #[must_use]
    pub fn at(source: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span: text_span(source, line, column),
        }
    }

    /// The 1-based line in the template text.
    #[must_use]
    pub fn line(&self) -> usize {
        self.span.line as usize
    }

    /// The 1-based column (in characters) in the template text.
    #[must_use]
    pub fn column(&self) -> usize {
        self.span.column as usize
    }
}

/// A silent fallback that strict mode would turn into an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RenderWarning {
    /// What happened.
    pub message: String,
    /// The template text (shortened).
    pub template: String,
    /// Where, in the template text; in JSON the keys `line` and `column`.
    #[serde(flatten, serialize_with = "line_and_column")]
    pub span: Span,
}

/// Step status that `always()` and `failure()` read, and whether a render
/// called them.
#[derive(Debug, Default)]
pub(crate) struct Status {
    pub(crate) failed: AtomicBool,
    pub(crate) called: AtomicBool,
}

/// Renders templates. One per run: it caches compiled templates (names and
/// contents repeat across files) and collects warnings.
pub struct Renderer {
    text: Environment<'static>,
    json: Environment<'static>,
    probe: Option<Environment<'static>>,
    compiled: HashSet<String>,
    options: RenderOptions,
    status: Arc<Status>,
    warnings: Vec<RenderWarning>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("options", &self.options)
            .field("compiled", &self.compiled.len())
            .finish_non_exhaustive()
    }
}

fn environment(
    options: &RenderOptions,
    status: &Arc<Status>,
    undefined: UndefinedBehavior,
    json_output: bool,
) -> Environment<'static> {
    let mut env = Environment::new();
    let variable = match options.syntax {
        Syntax::Backstage => ("${{", "}}"),
        Syntax::Cookiecutter => ("{{", "}}"),
    };
    if let Ok(syntax) = SyntaxConfig::builder()
        .variable_delimiters(variable.0, variable.1)
        .trim_blocks(options.trim_blocks)
        .lstrip_blocks(options.lstrip_blocks)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(undefined);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(options.fuel));
    env.set_recursion_limit(options.recursion_limit);
    if json_output {
        env.set_formatter(|out, _state, value| {
            if let Some(json) = to_json(value) {
                let text = serde_json::to_string(&json)
                    .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
                out.write_str(&text)
                    .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))?;
            }
            Ok(())
        });
    } else {
        env.set_formatter(|out, _state, value| {
            out.write_str(&format::js_string(value))
                .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
        });
    }
    let max_value = options.max_output;
    env.set_unknown_method_callback(move |_state, value, method, args| {
        filters::js_method(value, method, args, max_value)
    });
    let integrations = options.integrations.clone();
    env.add_filter(
        "parseRepoUrl",
        move |text: String| -> Result<Value, Error> {
            filters::parse_repo_url(&text, &integrations)
                .map(|parts| Value::from(minijinja::value::Serde(serde_json::Value::Object(parts))))
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, e))
        },
    );
    let integrations = options.integrations.clone();
    env.add_filter(
        "projectSlug",
        move |text: String| -> Result<String, Error> {
            let parts = filters::parse_repo_url(&text, &integrations)
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?;
            let owner = parts
                .get("owner")
                .or_else(|| parts.get("organization"))
                .or_else(|| parts.get("workspace"))
                .or_else(|| parts.get("project"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            let repo = parts
                .get("repo")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            Ok(format!("{owner}/{repo}"))
        },
    );
    env.add_filter(
        "parseEntityRef",
        |value: Value, options: Option<Value>, kwargs: Kwargs| {
            filters::parse_entity_ref(&value, options, kwargs)
        },
    );
    env.add_filter("pick", |value: Value, path: String| {
        filters::pick(&value, &path)
    });
    env.add_filter("dump", |value: Value, indent: Option<Value>| {
        filters::dump(&value, indent)
    });
    // `fetch:template`'s cookiecutter compatibility adds `jsonify`; in
    // Backstage's own syntax it is an unknown filter.
    if matches!(options.syntax, Syntax::Cookiecutter) {
        env.add_filter("jsonify", |value: Value, indent: Option<Value>| {
            filters::dump(&value, indent)
        });
    }
    // Nunjucks' own versions of filters MiniJinja also has.
    env.add_filter("title", |value: Value| filters::title(&value));
    env.add_filter("string", |value: Value| filters::string(&value));
    env.add_filter(
        "join",
        move |value: Value, delimiter: Option<String>, attribute: Option<String>| {
            filters::join(&value, delimiter, attribute, max_value)
        },
    );
    env.add_filter("trim", |value: Value| filters::trim(&value));
    env.add_filter(
        "round",
        |value: f64, precision: Option<i32>, method: Option<String>| {
            filters::round(value, precision, method)
        },
    );
    env.add_filter("js_length", |value: Value| filters::js_length(&value));
    let strict = matches!(
        undefined,
        UndefinedBehavior::Strict | UndefinedBehavior::SemiStrict
    );
    env.add_filter("js_plus", move |a: Value, b: Value| {
        js_ops::plus(&a, &b, strict, max_value)
    });
    env.add_filter("js_minus", move |a: Value, b: Value| {
        js_ops::minus(&a, &b, strict)
    });
    env.add_filter(
        "truncate",
        move |text: String, length: Option<usize>, killwords: Option<bool>, end: Option<String>| {
            filters::truncate(&text, length, killwords, end, max_value)
        },
    );
    env.add_filter("wordcount", |text: String| filters::wordcount(&text));
    env.add_filter("center", move |text: String, width: Option<usize>| {
        filters::center(&text, width, max_value)
    });
    env.add_filter("striptags", |text: String| filters::striptags(&text));
    env.add_filter("nl2br", move |text: String| {
        filters::nl2br(&text, max_value)
    });
    env.add_filter("length", |value: Value| filters::length(&value));
    env.add_filter("forceescape", move |text: String| {
        filters::forceescape(&text, max_value)
    });
    // JavaScript's `null` literal, which Nunjucks accepts next to `none`.
    env.add_global("null", Value::from(()));
    let always = Arc::clone(status);
    env.add_function("always", move |_args: Rest<Value>| {
        always.called.store(true, Ordering::Relaxed);
        true
    });
    let failure = Arc::clone(status);
    env.add_function("failure", move |_args: Rest<Value>| {
        failure.called.store(true, Ordering::Relaxed);
        failure.failed.load(Ordering::Relaxed)
    });
    env
}

/// The 1-based line and column of a template error in `source`. The
/// engine parsed the normalized text (see [`scan::normalize`]), so its
/// byte range is mapped back to `source` first.
fn locate(source: &str, error: &Error) -> (usize, usize) {
    let Some(range) = error.range() else {
        return (error.line().unwrap_or(1), 1);
    };
    let (_, edits) = scan::normalize_mapped(source);
    let mut start = source_offset(&edits, range.start).min(source.len());
    // Never inside a character (a range that ended inside one was a fuzz
    // finding).
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    let before = &source[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..start].chars().count() + 1;
    (line, column)
}

/// The byte of the source that byte `offset` of its normalized form came
/// from, through the normalization's `edits` (an offset inside a
/// replacement maps to the replaced text's start).
fn source_offset(edits: &[scan::Edit], offset: usize) -> usize {
    let mut shift: isize = 0;
    for edit in edits {
        if offset < edit.normalized_at {
            break;
        }
        if offset < edit.normalized_at + edit.normalized_len {
            // Inside a replacement: its start in the source.
            return edit.source_at;
        }
        shift = (edit.source_at + edit.source_len) as isize
            - (edit.normalized_at + edit.normalized_len) as isize;
    }
    offset.saturating_add_signed(shift)
}

fn template_error(source: &str, error: &Error) -> TemplateError {
    let (line, column) = locate(source, error);
    let message = match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    };
    TemplateError::at(source, line, column, message)
}

fn shorten(source: &str) -> String {
    let mut short: String = source.chars().take(80).collect();
    if short.len() < source.len() {
        short.push('…');
    }
    short
}

impl Renderer {
    /// A renderer with these options.
    pub fn new(options: RenderOptions) -> Self {
        Self::with_status(options, Arc::new(Status::default()))
    }

    /// A lenient renderer with this one's options that sees the run as
    /// this one does (`failure()` is true once a step failed), for
    /// rendering the same input again with secrets blanked.
    pub(crate) fn lenient_twin(&self) -> Self {
        Self::with_status(
            self.options.clone().with_strict(false),
            Arc::clone(&self.status),
        )
    }

    fn with_status(options: RenderOptions, status: Arc<Status>) -> Self {
        let undefined = if options.strict {
            UndefinedBehavior::Strict
        } else {
            UndefinedBehavior::Chainable
        };
        Self {
            text: environment(&options, &status, undefined, false),
            json: environment(&options, &status, undefined, true),
            probe: (!options.strict)
                // Undefined in an `if` is false in Nunjucks and the idiom of
                // a conditional file: only other uses warn.
                .then(|| environment(&options, &status, UndefinedBehavior::SemiStrict, false)),
            compiled: HashSet::new(),
            options,
            status,
            warnings: Vec::new(),
        }
    }

    /// The options.
    pub fn options(&self) -> &RenderOptions {
        &self.options
    }

    /// A rendering context from JSON.
    #[must_use]
    pub fn context(value: &serde_json::Value) -> Value {
        Value::from(minijinja::value::Serde(value.clone()))
    }

    /// Warnings collected so far (silent fallbacks), cleared.
    pub fn take_warnings(&mut self) -> Vec<RenderWarning> {
        std::mem::take(&mut self.warnings)
    }

    fn warn(&mut self, source: &str, message: String, line: usize, column: usize) {
        if self.warnings.len() < 1_000 {
            self.warnings.push(RenderWarning {
                message,
                template: shorten(source),
                span: text_span(source, line, column),
            });
        }
    }

    /// Refuses operator chains the engine could not walk without
    /// overflowing its stack.
    fn check_chains(&self, source: &str) -> Result<(), TemplateError> {
        match scan::overlong_chain(source, self.options.max_operators) {
            None => Ok(()),
            Some(at) => {
                let before = &source[..at];
                let line = before.matches('\n').count() + 1;
                let column = before
                    .rfind('\n')
                    .map_or(before, |i| &before[i + 1..])
                    .chars()
                    .count()
                    + 1;
                Err(TemplateError::at(
                    source,
                    line,
                    column,
                    format!(
                        "a tag has more than {} operators; split the expression",
                        self.options.max_operators
                    ),
                ))
            }
        }
    }

    fn check_size(&self, text: &str) -> Result<(), TemplateError> {
        if text.len() > self.options.max_output {
            return Err(TemplateError::at(
                text,
                1,
                1,
                format!(
                    "the output is larger than {} bytes",
                    self.options.max_output
                ),
            ));
        }
        Ok(())
    }

    /// Renders `source` as text (file contents and paths): no type
    /// preservation, errors always reported.
    ///
    /// # Errors
    ///
    /// [`TemplateError`] with the line and column in `source`.
    pub fn render_text(&mut self, source: &str, context: &Value) -> Result<String, TemplateError> {
        self.check_chains(source)?;
        let normalized = scan::normalize(source);
        if !self.compiled.contains(normalized.as_ref()) {
            self.text
                .add_template_owned(normalized.to_string(), normalized.to_string())
                .map_err(|e| template_error(source, &e))?;
            self.compiled.insert(normalized.to_string());
        }
        let template = self
            .text
            .get_template(&normalized)
            .map_err(|e| template_error(source, &e))?;
        let out = template
            .render(context)
            .map_err(|e| template_error(source, &e))?;
        self.check_size(&out)?;
        self.probe_undefined(source, &normalized, context);
        Ok(out)
    }

    /// In lenient mode, renders `normalized` again with undefined values
    /// as errors, to warn about the first one (strict mode fails instead).
    fn probe_undefined(&mut self, source: &str, normalized: &str, context: &Value) {
        let Some(probe) = &self.probe else {
            return;
        };
        if !normalized.contains("{{") && !normalized.contains("{%") {
            return;
        }
        if let Err(e) = probe.render_str(normalized, context.clone())
            && e.kind() == ErrorKind::UndefinedError
        {
            let (line, column) = locate(source, &e);
            self.warn(
                source,
                format!("undefined value: {}", e.detail().unwrap_or("undefined")),
                line,
                column,
            );
        }
    }

    /// Renders one string leaf with Backstage's type preservation: `None`
    /// means undefined (the key or item disappears).
    ///
    /// In lenient mode (the default) a template that fails yields the raw
    /// string, with a warning; in strict mode it is an error.
    ///
    /// # Errors
    ///
    /// In strict mode, [`TemplateError`] for any failure or undefined value.
    pub fn render_string(
        &mut self,
        source: &str,
        context: &Value,
    ) -> Result<Option<serde_json::Value>, TemplateError> {
        if !source.contains("${{") && !source.contains("{%") && !source.contains("{#") {
            return Ok(Some(serde_json::Value::String(source.to_owned())));
        }
        self.check_chains(source)?;
        if self.probe.is_some() {
            let normalized = scan::normalize(source);
            self.probe_undefined(source, &normalized, context);
        }
        let probed = self.warnings.len();
        let rendered = self.render_typed(source, context);
        // A mixed string renders as text, which probes again: one warning.
        self.warnings.truncate(probed);
        match rendered {
            Ok(value) => Ok(value),
            Err(error) if !self.options.strict => {
                self.warn(
                    source,
                    format!(
                        "the template failed, so the raw string is used: {}",
                        error.message
                    ),
                    error.line(),
                    error.column(),
                );
                Ok(Some(serde_json::Value::String(source.to_owned())))
            }
            Err(error) => Err(error),
        }
    }

    fn render_typed(
        &mut self,
        source: &str,
        context: &Value,
    ) -> Result<Option<serde_json::Value>, TemplateError> {
        let normalized = scan::normalize(source);
        match scan::shape(&normalized) {
            Shape::Expression(expr) => {
                // Point into the whole string: the expression follows `${{`.
                let offset = normalized
                    .find(expr)
                    .map_or(0, |o| normalized[..o].chars().count());
                let evaluated = self
                    .text
                    .compile_expression(expr)
                    .and_then(|e| e.eval(context));
                let value = match evaluated {
                    Ok(value) => value,
                    // JavaScript arithmetic on undefined gives NaN, which
                    // JSON turns into null (`steps.my-step` is a subtraction).
                    Err(e) if !self.options.strict && is_undefined_arithmetic(&e) => {
                        return Ok(Some(serde_json::Value::Null));
                    }
                    Err(e) => {
                        let error = template_error(expr, &e);
                        return Err(TemplateError::at(
                            source,
                            error.line(),
                            error.column() + offset,
                            error.message,
                        ));
                    }
                };
                if self.options.strict && value.is_undefined() {
                    return Err(TemplateError::at(
                        source,
                        1,
                        offset + 1 + expr.len() - expr.trim_start().len(),
                        format!("undefined value: `{}` is not defined", expr.trim()),
                    ));
                }
                let json = to_json(&value);
                if let Some(serde_json::Value::String(s)) = &json {
                    self.check_size(s)?;
                }
                Ok(json)
            }
            Shape::Statement => {
                let dumped = self
                    .json
                    .render_str(&normalized, context)
                    .map_err(|e| template_error(source, &e))?;
                self.check_size(&dumped)?;
                if dumped.is_empty() {
                    return Ok(None);
                }
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(&dumped) {
                    return Ok(Some(json));
                }
                let text = self.render_text(source, context)?;
                Ok((!text.is_empty()).then_some(serde_json::Value::String(text)))
            }
            Shape::Text | Shape::Mixed => {
                let text = self.render_text(source, context)?;
                Ok((!text.is_empty()).then_some(serde_json::Value::String(text)))
            }
        }
    }

    /// Renders every string leaf of `value` (object keys are never rendered);
    /// leaves that render to undefined disappear from their object or array.
    /// `None` when `value` itself is a string that renders to undefined.
    ///
    /// # Errors
    ///
    /// In strict mode, the first [`TemplateError`].
    pub fn render_json(
        &mut self,
        value: &serde_json::Value,
        context: &Value,
    ) -> Result<Option<serde_json::Value>, TemplateError> {
        Ok(match value {
            serde_json::Value::String(s) => self.render_string(s, context)?,
            serde_json::Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(v) = self.render_json(item, context)? {
                        out.push(v);
                    }
                }
                Some(serde_json::Value::Array(out))
            }
            serde_json::Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    if let Some(v) = self.render_json(v, context)? {
                        out.insert(k.clone(), v);
                    }
                }
                Some(serde_json::Value::Object(out))
            }
            other => Some(other.clone()),
        })
    }

    /// Checks that `source` compiles, without rendering it.
    ///
    /// # Errors
    ///
    /// [`TemplateError`] for syntax errors, with line and column.
    pub fn check_syntax(&self, source: &str) -> Result<(), TemplateError> {
        let normalized = scan::normalize(source);
        self.text
            .template_from_str(&normalized)
            .map(|_| ())
            .map_err(|e| template_error(source, &e))
    }

    /// Renders a string with every `${{ }}` output treated as a status check:
    /// returns the value and whether `always()` or `failure()` was called.
    /// Records that a step failed (`failure()` turns true).
    pub(crate) fn set_failed(&self) {
        self.status.failed.store(true, Ordering::Relaxed);
    }

    pub(crate) fn render_condition(
        &mut self,
        source: &str,
        context: &Value,
    ) -> Result<(Option<serde_json::Value>, bool), TemplateError> {
        self.status.called.store(false, Ordering::Relaxed);
        let value = self.render_string(source, context)?;
        Ok((value, self.status.called.load(Ordering::Relaxed)))
    }
}

/// Whether an error is arithmetic with an undefined operand (NaN in
/// JavaScript).
fn is_undefined_arithmetic(error: &Error) -> bool {
    error.kind() == ErrorKind::InvalidOperation
        && error
            .detail()
            .is_some_and(|d| d.contains("undefined") && d.contains("operator"))
}

/// Backstage's `isTruthy`: `false`, `null`, undefined, `""`, `0`, `NaN` and
/// empty arrays are false; everything else (the string `"false"` and `{}`
/// included) is true.
#[must_use]
pub fn is_truthy(value: Option<&serde_json::Value>) -> bool {
    match value {
        None | Some(serde_json::Value::Null | serde_json::Value::Bool(false)) => false,
        Some(serde_json::Value::String(s)) => !s.is_empty(),
        Some(serde_json::Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(serde_json::Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests;
