//! Backstage's `app-config.yaml`: read, transformed and merged the way the
//! backend's config loader does it, with every value located, and its
//! `catalog` section (rules and locations) read the way the catalog backend
//! reads it.
//!
//! Files are merged in order: later files override earlier ones key by key
//! (objects merge, everything else — lists included — is replaced).
//!
//! ```
//! use platform_model::app_config::{AppConfig, AppConfigOptions};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("app-config.yaml"), "\
//! catalog:
//!   rules:
//!     - allow: [Component, API, Location, Group]
//!   locations:
//!     - type: file
//!       target: ./catalog-info.yaml
//!       rules:
//!         - allow: [User]
//! ")?;
//! let options = AppConfigOptions::default().with_env(|_| None);
//! let config = AppConfig::load(&[dir.path().join("app-config.yaml")], &options)?;
//! let catalog = config.catalog(dir.path());
//! assert!(catalog.diagnostics.is_empty());
//! assert_eq!(catalog.locations.len(), 1);
//! assert_eq!(catalog.rules.rules().len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod catalog;
mod transform;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

pub use catalog::{CatalogConfig, ConfigLocation};

use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::files::{display_path, read_limited};
use crate::span::Span;
use crate::yaml::{self, YamlOptions};

/// Where a config value was written: its key (for mapping entries) and
/// its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSpan {
    /// The key's span, for mapping entries.
    pub key: Option<Span>,
    /// The value's span.
    pub value: Span,
}

/// Reads environment variables for `${VAR}` and `$env`.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// How to read app-config files.
#[derive(Clone)]
#[must_use]
pub struct AppConfigOptions {
    env: EnvLookup,
    root: Option<PathBuf>,
    yaml: YamlOptions,
    max_include_depth: usize,
}

impl std::fmt::Debug for AppConfigOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfigOptions")
            .field("root", &self.root)
            .field("yaml", &self.yaml)
            .field("max_include_depth", &self.max_include_depth)
            .finish_non_exhaustive()
    }
}

impl Default for AppConfigOptions {
    fn default() -> Self {
        Self {
            // Backstage trims the values it reads from the environment.
            env: Arc::new(|name| std::env::var(name).ok().map(|v| v.trim().to_owned())),
            root: None,
            yaml: YamlOptions::default(),
            max_include_depth: DEFAULT_MAX_INCLUDE_DEPTH,
        }
    }
}

/// How deep `$include`s may nest by default.
pub const DEFAULT_MAX_INCLUDE_DEPTH: usize = 16;

impl AppConfigOptions {
    /// Where `${VAR}` and `$env` values come from (default: the process
    /// environment, trimmed as Backstage trims it).
    pub fn with_env(
        mut self,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Arc::new(env);
        self
    }

    /// The directory `$file` and `$include` must stay in (default: the git
    /// work tree holding the first file, else that file's directory).
    pub fn with_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = Some(root.into());
        self
    }

    /// YAML options and budgets.
    pub fn with_yaml(mut self, yaml: YamlOptions) -> Self {
        self.yaml = yaml;
        self
    }

    /// How deep `$include`s may nest (default 16).
    pub fn with_max_include_depth(mut self, depth: usize) -> Self {
        self.max_include_depth = depth;
        self
    }
}

/// A merged, transformed app-config.
#[derive(Clone, Debug)]
pub struct AppConfig {
    value: Value,
    spans: BTreeMap<String, NodeSpan>,
    sources: Vec<(Arc<str>, Arc<str>)>,
    diagnostics: Vec<Diagnostic>,
    root: PathBuf,
    first_dir: PathBuf,
}

impl AppConfig {
    /// Reads, transforms and merges `paths` in order.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] or [`Error::Io`] when a file cannot be read.
    /// Everything wrong inside a file is a diagnostic.
    pub fn load(paths: &[PathBuf], options: &AppConfigOptions) -> Result<Self, Error> {
        let mut canonical = Vec::with_capacity(paths.len());
        for path in paths {
            canonical.push(path.canonicalize().map_err(|e| Error::from_io(path, e))?);
        }
        let first_dir = canonical
            .first()
            .and_then(|p| p.parent())
            .map_or_else(PathBuf::new, Path::to_path_buf);
        let root = match &options.root {
            Some(root) => root.canonicalize().map_err(|e| Error::from_io(root, e))?,
            None => crate::files::repository_root(&first_dir).unwrap_or_else(|| first_dir.clone()),
        };
        let mut config = Self {
            value: Value::Object(serde_json::Map::new()),
            spans: BTreeMap::new(),
            sources: Vec::new(),
            diagnostics: Vec::new(),
            root: root.clone(),
            first_dir,
        };
        for path in canonical {
            let bytes =
                read_limited(&path, options.yaml.budget.max_file_bytes).map_err(|e| Error::Io {
                    path: path.clone(),
                    source: std::io::Error::other(e.to_string()),
                })?;
            let display: Arc<str> = Arc::from(display_path(&root, &path));
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let dir = path
                .parent()
                .map_or_else(|| root.clone(), Path::to_path_buf);
            config.add_text(&display, &text, &dir, options);
        }
        Ok(config)
    }

    /// An app-config from YAML text held in memory, named `name`; `$file`
    /// and `$include` resolve against `dir`, confined to `dir`.
    #[must_use]
    pub fn from_str(name: &str, text: &str, dir: &Path, options: &AppConfigOptions) -> Self {
        let mut config = Self {
            value: Value::Object(serde_json::Map::new()),
            spans: BTreeMap::new(),
            sources: Vec::new(),
            diagnostics: Vec::new(),
            root: options.root.clone().unwrap_or_else(|| dir.to_path_buf()),
            first_dir: dir.to_path_buf(),
        };
        config.add_text(&Arc::from(name), text, dir, options);
        config
    }

    fn add_text(&mut self, display: &Arc<str>, text: &str, dir: &Path, options: &AppConfigOptions) {
        self.sources.push((Arc::clone(display), Arc::from(text)));
        let stream = yaml::parse_stream(display, text, &options.yaml);
        self.diagnostics.extend(stream.diagnostics);
        let mut documents = stream.documents.into_iter().filter(|d| !d.is_empty());
        let Some(doc) = documents.next() else {
            return;
        };
        if let Some(extra) = documents.next() {
            self.diagnostics.push(
                Diagnostic::error(
                    crate::codes::APP_CONFIG_INVALID,
                    "an app-config file holds one YAML document; this one is ignored",
                )
                .with_span(extra.position.clone()),
            );
        }
        if let Some(error) = doc.error {
            self.diagnostics.push(error);
            return;
        }
        if !doc.value.is_object() {
            self.diagnostics.push(
                Diagnostic::error(
                    crate::codes::APP_CONFIG_INVALID,
                    "expected object at config root",
                )
                .with_span(doc.value_span("")),
            );
            return;
        }
        let env = Arc::clone(&options.env);
        let lookup = move |name: &str| env(name);
        let context = transform::Context {
            env: &lookup,
            root: &self.root,
            yaml: &options.yaml,
            max_include_depth: options.max_include_depth,
            max_file_bytes: options.yaml.budget.max_file_bytes,
        };
        let mut pass = transform::Pass {
            context: &context,
            spans: BTreeMap::new(),
            diagnostics: Vec::new(),
            included: Vec::new(),
        };
        let origin = transform::Origin::File {
            file: display,
            spans: &doc.spans,
        };
        let value = pass.transform(doc.value, "", "", origin, dir, 0);
        let (spans, diagnostics, included) = (pass.spans, pass.diagnostics, pass.included);
        self.diagnostics.extend(diagnostics);
        self.sources.extend(included);
        if let Some(value) = value {
            let mut base = std::mem::take(&mut self.value);
            merge(
                &mut base,
                value,
                &mut String::new(),
                &mut self.spans,
                &spans,
            );
            self.value = base;
        }
    }

    /// The merged value.
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The value at a JSON pointer (`/catalog/rules`), if present.
    #[must_use]
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer)
    }

    /// Where the value at `pointer` (or its nearest located ancestor) was
    /// written.
    #[must_use]
    pub fn span(&self, pointer: &str) -> Option<&NodeSpan> {
        let mut pointer = pointer;
        loop {
            if let Some(span) = self.spans.get(pointer) {
                return Some(span);
            }
            let (parent, _) = pointer.rsplit_once('/')?;
            pointer = parent;
        }
    }

    /// Problems found while reading, transforming and merging.
    #[must_use]
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Every file read (the configs and what they include), with its text.
    #[must_use]
    pub fn sources(&self) -> &[(Arc<str>, Arc<str>)] {
        &self.sources
    }

    /// The directory reads are confined to.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory the first file is in.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.first_dir
    }

    /// Where the backend would run, for resolving relative `file` targets
    /// (Backstage resolves them against its working directory): the
    /// `packages/backend` directory beside the first file when there is
    /// one (a create-app repository, whose backend `yarn start` runs
    /// there), else the first file's directory (a backend image runs
    /// where its app-config is).
    #[must_use]
    pub fn default_backend_dir(&self) -> PathBuf {
        let backend = self.first_dir.join("packages").join("backend");
        if backend.is_dir() {
            backend
        } else {
            self.first_dir.clone()
        }
    }
}

/// Merges `over` into `base` at `pointer`: objects key by key, anything
/// else replaced (with the spans under it).
fn merge(
    base: &mut Value,
    over: Value,
    pointer: &mut String,
    base_spans: &mut BTreeMap<String, NodeSpan>,
    over_spans: &BTreeMap<String, NodeSpan>,
) {
    match (base, over) {
        (Value::Object(base_map), Value::Object(over_map)) => {
            if let Some(span) = over_spans.get(pointer.as_str()) {
                base_spans.insert(pointer.clone(), span.clone());
            }
            for (key, value) in over_map {
                let len = pointer.len();
                crate::pointer::push_token(pointer, &key);
                if value.is_null() {
                    // A later `null` removes the key, as Backstage's
                    // ConfigReader treats it.
                    base_map.shift_remove(&key);
                    remove_spans(pointer, base_spans);
                    pointer.truncate(len);
                    continue;
                }
                match base_map.get_mut(&key) {
                    Some(existing) => merge(existing, value, pointer, base_spans, over_spans),
                    None => {
                        copy_spans(pointer, base_spans, over_spans);
                        base_map.insert(key, value);
                    }
                }
                pointer.truncate(len);
            }
        }
        (base, over) => {
            remove_spans(pointer, base_spans);
            copy_spans(pointer, base_spans, over_spans);
            *base = over;
        }
    }
}

fn remove_spans(pointer: &str, spans: &mut BTreeMap<String, NodeSpan>) {
    let stale: Vec<String> = spans
        .range(pointer.to_owned()..)
        .take_while(|(k, _)| k.starts_with(pointer))
        .filter(|(k, _)| is_at_or_under(k, pointer))
        .map(|(k, _)| k.clone())
        .collect();
    for key in stale {
        spans.remove(&key);
    }
}

fn is_at_or_under(key: &str, pointer: &str) -> bool {
    key.len() == pointer.len() || key.as_bytes().get(pointer.len()) == Some(&b'/')
}

fn copy_spans(
    pointer: &str,
    base_spans: &mut BTreeMap<String, NodeSpan>,
    over_spans: &BTreeMap<String, NodeSpan>,
) {
    for (key, span) in over_spans
        .range(pointer.to_owned()..)
        .take_while(|(k, _)| k.starts_with(pointer))
        .filter(|(k, _)| is_at_or_under(k, pointer))
    {
        base_spans.insert(key.clone(), span.clone());
    }
}

#[cfg(test)]
mod tests;
