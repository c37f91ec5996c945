//! `fetch:template`, `fetch:template:file`, `fetch:plain` and
//! `fetch:plain:file`: skeletons from the template's directory into the
//! workspace, rendered (or not) exactly as Backstage renders them.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::skeleton::{self, Globs, Kind, WalkLimits};
use super::{Action, ActionContext, object_schema};
use crate::Error;
use crate::location::in_file;
use crate::render::{Renderer, Syntax, TemplateError};
use crate::workspace::resolve_inside;

/// Bounds on what a fetch reads from a skeleton.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchLimits {
    /// Most entries (files, directories, links) in a skeleton.
    pub max_entries: usize,
    /// Largest single file, in bytes.
    pub max_file_bytes: u64,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            max_entries: 100_000,
            max_file_bytes: 64 * 1024 * 1024,
        }
    }
}

impl FetchLimits {
    /// Limits with these values.
    #[must_use]
    pub fn new(max_entries: usize, max_file_bytes: u64) -> Self {
        Self {
            max_entries,
            max_file_bytes,
        }
    }

    fn walk(self) -> WalkLimits {
        WalkLimits {
            max_entries: self.max_entries,
            max_file_bytes: self.max_file_bytes,
        }
    }
}

/// The skeleton path a relative `url` names. It may climb out of the
/// template's directory as far as the root of the git repository holding
/// it (the catalog loader's confinement, as Backstage's readers stay in
/// one repository), never into that repository's `.git`; a template
/// outside any repository is confined to its own directory.
pub(crate) fn source(ctx: &ActionContext<'_>, url: &str) -> Result<PathBuf, Error> {
    if url::Url::parse(url).is_ok_and(|u| u.scheme().len() > 1) {
        return Err(Error::NotAllowed(format!(
            "`{url}` is an absolute URL; offline runs fetch only paths relative to the template"
        )));
    }
    let dir = ctx
        .template_dir()
        .ok_or_else(|| Error::Failed(format!("Failed to fetch, template location could not be determined and the url `{url}` is relative")))?;
    let outside = |whose: &str| {
        Error::NotAllowed(format!(
            "`{url}` refers to a path outside the template's {whose}"
        ))
    };
    let Some((root, within)) = repository_of(dir) else {
        return resolve_inside(dir, url).map_err(|_| outside("directory"));
    };
    let relative = within.join(url);
    let relative = relative.to_str().ok_or_else(|| outside("repository"))?;
    let resolved = resolve_inside(&root, relative).map_err(|_| outside("repository"))?;
    let in_git = resolved
        .strip_prefix(&root)
        .is_ok_and(|inner| inner.components().any(|c| c.as_os_str() == ".git"));
    if in_git {
        return Err(Error::NotAllowed(format!(
            "`{url}` refers to the repository's git metadata"
        )));
    }
    Ok(resolved)
}

/// The git work tree holding `dir` and `dir`'s path inside it.
fn repository_of(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let canonical = dir.canonicalize().ok()?;
    let root = platform_model::files::repository_root(&canonical)?;
    let within = canonical.strip_prefix(&root).ok()?.to_path_buf();
    Some((root, within))
}

fn target_error(rendered: &str, error: Error) -> Error {
    match error {
        Error::NotAllowed(_) => Error::NotAllowed(format!(
            "Relative path is not allowed to refer to a directory outside its parent: `{rendered}`"
        )),
        other => other,
    }
}

fn located(file: &str, error: TemplateError) -> Error {
    Error::Template {
        span: in_file(&error.span, file),
        message: error.message,
    }
}

fn renderer(
    ctx: &ActionContext<'_>,
    cookiecutter: bool,
    trim_blocks: bool,
    lstrip_blocks: bool,
) -> Renderer {
    let options = ctx
        .render_options()
        .clone()
        .with_syntax(if cookiecutter {
            Syntax::Cookiecutter
        } else {
            Syntax::Backstage
        })
        .with_whitespace(trim_blocks, lstrip_blocks);
    Renderer::new(options)
}

fn context(values: &Map<String, Value>, cookiecutter: bool) -> minijinja::Value {
    let root = if cookiecutter {
        "cookiecutter"
    } else {
        "values"
    };
    let mut map = Map::new();
    map.insert(root.to_owned(), Value::Object(values.clone()));
    Renderer::context(&Value::Object(map))
}

fn url_schema() -> Value {
    json!({"type": "string", "description": "Path of the skeleton, relative to the template file"})
}

/// `fetch:template`: renders a skeleton directory into the workspace.
#[derive(Clone, Debug, Default)]
pub struct FetchTemplate {
    limits: FetchLimits,
}

impl FetchTemplate {
    /// With other limits.
    #[must_use]
    pub fn with_limits(limits: FetchLimits) -> Self {
        Self { limits }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TemplateInput {
    url: String,
    #[serde(default)]
    target_path: Option<String>,
    #[serde(default)]
    values: Map<String, Value>,
    #[serde(default)]
    copy_without_templating: Vec<String>,
    #[serde(default)]
    copy_without_render: Option<Vec<String>>,
    #[serde(default)]
    cookiecutter_compat: bool,
    #[serde(default)]
    template_file_extension: Option<Value>,
    #[serde(default)]
    replace: bool,
    #[serde(default)]
    trim_blocks: bool,
    #[serde(default)]
    lstrip_blocks: bool,
}

/// The suffix `templateFileExtension` selects (`true` → `.njk`; a missing
/// dot is added).
fn extension(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::Bool(true)) => Some(".njk".to_owned()),
        Some(Value::String(s)) if !s.is_empty() => Some(if s.starts_with('.') {
            s.clone()
        } else {
            format!(".{s}")
        }),
        _ => None,
    }
}

impl Action for FetchTemplate {
    fn id(&self) -> &str {
        "fetch:template"
    }

    fn description(&self) -> &str {
        "Downloads a skeleton, renders its paths and contents with the given values, and writes it into the workspace."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({
                "url": url_schema(),
                "targetPath": {"type": "string", "description": "Where in the workspace to write (default ./)"},
                "values": {"type": "object", "description": "Values exposed to the skeleton as `values`"},
                "copyWithoutRender": {"type": "array", "items": {"type": "string"}, "description": "Removed in Backstage 2.0; ignored"},
                "copyWithoutTemplating": {"type": "array", "items": {"type": "string"}, "description": "Globs of files copied without rendering their contents"},
                "cookiecutterCompat": {"type": "boolean"},
                "templateFileExtension": {"type": ["string", "boolean"]},
                "replace": {"type": "boolean"},
                "trimBlocks": {"type": "boolean"},
                "lstripBlocks": {"type": "boolean"},
                "token": {"type": "string"},
            }),
            &["url"],
        )
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: TemplateInput = ctx.input_as(self.id())?;
        let extension = extension(input.template_file_extension.as_ref());
        if extension.is_some()
            && (input.cookiecutter_compat || !input.copy_without_templating.is_empty())
        {
            return Err(Error::InvalidInput(
                "Invalid input passed to action fetch:template, templateFileExtension cannot be combined with copyWithoutTemplating or cookiecutterCompat"
                    .into(),
            ));
        }
        if input.copy_without_render.is_some() {
            ctx.log("copyWithoutRender was removed in Backstage 2.0 and is ignored; use copyWithoutTemplating");
        }
        let base = input.target_path.as_deref().unwrap_or("./").to_owned();
        ctx.workspace()
            .resolve(&base)
            .map_err(|e| target_error(&base, e))?;
        let root = source(ctx, &input.url)?;
        let entries = skeleton::walk(&root, self.limits.walk(), &input.url)?;
        let verbatim = Globs::new(&input.copy_without_templating, self.id())?;
        let mut renderer = renderer(
            ctx,
            input.cookiecutter_compat,
            input.trim_blocks,
            input.lstrip_blocks,
        );
        let context = context(&input.values, input.cookiecutter_compat);
        let mut written = 0usize;
        let mut binaries = Vec::new();
        for entry in &entries {
            ctx.check_cancelled()?;
            let (path_source, render_contents) = match (&extension, &entry.kind) {
                (Some(ext), Kind::File { .. }) => match entry.path.strip_suffix(ext.as_str()) {
                    Some(stripped) => (stripped, true),
                    None => (entry.path.as_str(), false),
                },
                (Some(_), _) => (entry.path.as_str(), false),
                (None, _) => (entry.path.as_str(), !verbatim.matches(&entry.path)),
            };
            let rendered = renderer
                .render_text(path_source, &context)
                .map_err(|e| located(&entry.path, e))?;
            let file = skeleton::join(&input.url, &entry.path);
            for warning in renderer.take_warnings() {
                ctx.warn_in_file(
                    &format!("in the file's name: {}", warning.message),
                    &file,
                    &warning.span,
                );
            }
            // Backstage skips these entries. An empty name (or directory
            // name) is the idiom for a conditional file; a value that put
            // an absolute path or `//` into the name is reported.
            if rendered.is_empty() {
                continue;
            }
            if rendered.starts_with('/') || rendered.contains("//") {
                let conditional = path_source.split('/').any(|segment| {
                    renderer
                        .render_text(segment, &context)
                        .is_ok_and(|r| r.is_empty())
                });
                if conditional {
                    continue;
                }
                ctx.warn(&format!(
                    "`{}` was not written: its name renders to `{rendered}`, an absolute path or one with an empty directory name",
                    entry.path
                ));
                continue;
            }
            let target = skeleton::join(&base, &rendered);
            let exists = ctx
                .workspace()
                .resolve_entry(&target)
                .is_ok_and(|p| std::fs::symlink_metadata(p).is_ok());
            if exists && !input.replace {
                continue;
            }
            match &entry.kind {
                Kind::Dir => {
                    let path = ctx
                        .workspace()
                        .resolve(&target)
                        .map_err(|e| target_error(&rendered, e))?;
                    std::fs::create_dir_all(path).map_err(|e| Error::io(&target, &e))?;
                }
                Kind::Symlink { target: link } => {
                    skeleton::write_symlink(ctx.workspace(), &target, link)
                        .map_err(|e| target_error(&rendered, e))?;
                }
                Kind::File { mode, .. } => {
                    let bytes = skeleton::read_file(&root, entry, self.limits.walk())?;
                    if skeleton::is_binary(&bytes) {
                        binaries.push(entry.path.clone());
                        skeleton::write_file(ctx.workspace(), &target, &bytes, Some(*mode))
                            .map_err(|e| target_error(&rendered, e))?;
                    } else if render_contents {
                        let text = String::from_utf8_lossy(&bytes);
                        let out = renderer
                            .render_text(&text, &context)
                            .map_err(|e| located(&entry.path, e))?;
                        for warning in renderer.take_warnings() {
                            ctx.warn_in_file(&warning.message, &file, &warning.span);
                        }
                        skeleton::write_file(ctx.workspace(), &target, out.as_bytes(), Some(*mode))
                            .map_err(|e| target_error(&rendered, e))?;
                    } else {
                        skeleton::write_file(ctx.workspace(), &target, &bytes, Some(*mode))
                            .map_err(|e| target_error(&rendered, e))?;
                    }
                    written += 1;
                }
            }
        }
        if !binaries.is_empty() {
            ctx.log(&format!(
                "copied {} binary file(s) verbatim: {}",
                binaries.len(),
                binaries.join(", ")
            ));
        }
        ctx.log(&format!(
            "fetched {} entries, wrote {written} file(s) to {base}",
            entries.len()
        ));
        Ok(())
    }
}

/// `fetch:template:file`: renders one file into the workspace.
#[derive(Clone, Debug, Default)]
pub struct FetchTemplateFile {
    limits: FetchLimits,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TemplateFileInput {
    url: String,
    target_path: String,
    #[serde(default)]
    values: Map<String, Value>,
    #[serde(default)]
    cookiecutter_compat: bool,
    #[serde(default)]
    replace: bool,
    #[serde(default)]
    trim_blocks: bool,
    #[serde(default)]
    lstrip_blocks: bool,
}

fn read_single(root: &Path, url: &str, limits: FetchLimits) -> Result<Vec<u8>, Error> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(url, &e))?;
    if !meta.is_file() {
        return Err(Error::InvalidInput(format!("`{url}` is not a file")));
    }
    crate::workspace::read_limited(
        root,
        usize::try_from(limits.max_file_bytes).unwrap_or(usize::MAX),
        url,
    )
}

impl Action for FetchTemplateFile {
    fn id(&self) -> &str {
        "fetch:template:file"
    }

    fn description(&self) -> &str {
        "Renders a single file with the given values and writes it into the workspace."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({
                "url": url_schema(),
                "targetPath": {"type": "string"},
                "values": {"type": "object"},
                "cookiecutterCompat": {"type": "boolean"},
                "replace": {"type": "boolean"},
                "trimBlocks": {"type": "boolean"},
                "lstripBlocks": {"type": "boolean"},
                "token": {"type": "string"},
            }),
            &["url", "targetPath"],
        )
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: TemplateFileInput = ctx.input_as(self.id())?;
        let target = ctx
            .workspace()
            .resolve(&input.target_path)
            .map_err(|e| target_error(&input.target_path, e))?;
        if std::fs::symlink_metadata(&target).is_ok() && !input.replace {
            ctx.log(&format!(
                "{} already exists and replace is false; left as it is",
                input.target_path
            ));
            return Ok(());
        }
        let path = source(ctx, &input.url)?;
        let bytes = read_single(&path, &input.url, self.limits)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::InvalidInput(format!("`{}` is not UTF-8 text", input.url)))?;
        let mut renderer = renderer(
            ctx,
            input.cookiecutter_compat,
            input.trim_blocks,
            input.lstrip_blocks,
        );
        let out = renderer
            .render_text(&text, &context(&input.values, input.cookiecutter_compat))
            .map_err(|e| located(&input.url, e))?;
        for warning in renderer.take_warnings() {
            ctx.warn_in_file(&warning.message, &input.url, &warning.span);
        }
        skeleton::write_file(ctx.workspace(), &input.target_path, out.as_bytes(), None)
    }
}

/// `fetch:plain`: copies a directory into the workspace without rendering.
#[derive(Clone, Debug, Default)]
pub struct FetchPlain {
    limits: FetchLimits,
}

impl FetchPlain {
    /// With other limits.
    #[must_use]
    pub fn with_limits(limits: FetchLimits) -> Self {
        Self { limits }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainInput {
    url: String,
    #[serde(default)]
    target_path: Option<String>,
}

impl Action for FetchPlain {
    fn id(&self) -> &str {
        "fetch:plain"
    }

    fn description(&self) -> &str {
        "Copies a directory into the workspace as it is."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({"url": url_schema(), "targetPath": {"type": "string"}, "token": {"type": "string"}}),
            &["url"],
        )
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PlainInput = ctx.input_as(self.id())?;
        let base = input.target_path.unwrap_or_else(|| "./".into());
        ctx.workspace()
            .resolve(&base)
            .map_err(|e| target_error(&base, e))?;
        let root = source(ctx, &input.url)?;
        let entries = skeleton::walk(&root, self.limits.walk(), &input.url)?;
        for entry in &entries {
            ctx.check_cancelled()?;
            let target = skeleton::join(&base, &entry.path);
            match &entry.kind {
                Kind::Dir => {
                    let path = ctx
                        .workspace()
                        .resolve(&target)
                        .map_err(|e| target_error(&entry.path, e))?;
                    std::fs::create_dir_all(path).map_err(|e| Error::io(&target, &e))?;
                }
                Kind::Symlink { target: link } => {
                    skeleton::write_symlink(ctx.workspace(), &target, link)?
                }
                Kind::File { mode, .. } => {
                    let bytes = skeleton::read_file(&root, entry, self.limits.walk())?;
                    skeleton::write_file(ctx.workspace(), &target, &bytes, Some(*mode))?;
                }
            }
        }
        ctx.log(&format!("copied {} entries to {base}", entries.len()));
        Ok(())
    }
}

/// `fetch:plain:file`: copies one file into the workspace.
#[derive(Clone, Debug, Default)]
pub struct FetchPlainFile {
    limits: FetchLimits,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainFileInput {
    url: String,
    target_path: String,
}

impl Action for FetchPlainFile {
    fn id(&self) -> &str {
        "fetch:plain:file"
    }

    fn description(&self) -> &str {
        "Copies a single file into the workspace as it is."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({"url": url_schema(), "targetPath": {"type": "string"}, "token": {"type": "string"}}),
            &["url", "targetPath"],
        )
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PlainFileInput = ctx.input_as(self.id())?;
        let path = source(ctx, &input.url)?;
        let bytes = read_single(&path, &input.url, self.limits)?;
        skeleton::write_file(ctx.workspace(), &input.target_path, &bytes, None)
            .map_err(|e| target_error(&input.target_path, e))
    }
}
