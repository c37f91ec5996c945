//! Loading catalogs from disk: one file, a directory tree, or a root
//! Location whose targets are followed, with every problem located.
//!
//! ```
//! use platform_model::loader::{LoadOptions, Loader};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("catalog-info.yaml"), "\
//! apiVersion: backstage.io/v1alpha1
//! kind: Location
//! metadata: {name: root}
//! spec:
//!   targets: [./team.yaml]
//! ")?;
//! std::fs::write(dir.path().join("team.yaml"), "\
//! apiVersion: backstage.io/v1alpha1
//! kind: Group
//! metadata: {name: payments-team}
//! spec: {type: team, children: []}
//! ")?;
//! let catalog = Loader::new(LoadOptions::default())?.load(&dir.path().join("catalog-info.yaml"))?;
//! assert!(catalog.is_valid());
//! let names: Vec<String> = catalog.entities().map(|e| e.entity_ref().to_string()).collect();
//! assert_eq!(names, ["location:default/root", "group:default/payments-team"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod catalog;
mod discovery;
mod ingest;
mod placeholder;
mod registered_as;
mod registration;
mod rules;
mod settle;
mod targets;
mod url_base;
mod yaml_status;

pub(crate) use url_base::UrlBase;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use serde_json::Value;

pub use crate::files::{ReadError, read_limited};
use catalog::LocationTarget;
pub use catalog::{Catalog, LoadedDocument, Summary};
pub use ingest::{IngestOptions, ingest};
pub use placeholder::{
    CODE_BUDGET as PLACEHOLDER_BUDGET, CODE_NEEDS_URL as PLACEHOLDER_NEEDS_URL,
    CODE_NOT_FOUND as PLACEHOLDER_NOT_FOUND, CODE_NOT_REGULAR as PLACEHOLDER_NOT_REGULAR,
    CODE_NOT_STRING as PLACEHOLDER_NOT_STRING, CODE_OUTSIDE_ROOT as PLACEHOLDER_OUTSIDE_ROOT,
    CODE_PARSE as PLACEHOLDER_PARSE, CODE_REMOTE as PLACEHOLDER_REMOTE,
    DEFAULT_MAX_PLACEHOLDER_BYTES,
};
pub use registered_as::RegisteredAs;
pub use registration::Registration;
pub use targets::codes as location_codes;

use crate::catalog_rules::{CatalogRules, LocationRef};
use crate::diagnostic::Diagnostic;
use crate::entity::{Entity, EntitySpec, LocationSpec};
use crate::error::Error;
use crate::files::{Confined, confine, display_path};
use crate::span::Span;
use crate::validate::{Problem, ProblemTarget, ReadingLocation, ValidationMode, Validator};
use crate::yaml::{self, YamlDocument, YamlOptions};

/// Diagnostic code: a file cannot be read.
pub const CODE_FILE_UNREADABLE: &str = crate::codes::FILE_UNREADABLE;
/// Diagnostic code: a file is not UTF-8.
pub const CODE_FILE_ENCODING: &str = crate::codes::FILE_ENCODING;
/// Diagnostic code: a file is a FIFO, a device, a socket or a directory.
pub const CODE_FILE_NOT_REGULAR: &str = crate::codes::FILE_NOT_REGULAR;
/// Diagnostic code: a file or link leads outside the root.
pub const CODE_FILE_OUTSIDE_ROOT: &str = crate::codes::FILE_OUTSIDE_ROOT;
/// Diagnostic code: two documents define the same entity.
pub const CODE_DUPLICATE: &str = crate::codes::ENTITY_DUPLICATE;
/// Diagnostic code: Backstage would ingest none of a file's entities.
pub const CODE_FILE_NOT_INGESTED: &str = crate::codes::CATALOG_FILE_NOT_INGESTED;
/// Diagnostic code: placeholder resolution failed before validation.
const STAGE_PREPROCESS: &str = "Processor PlaceholderProcessor threw an error while preprocessing";

/// How to load a catalog.
#[derive(Clone, Debug)]
#[must_use]
pub struct LoadOptions {
    yaml: YamlOptions,
    validator: Validator,
    follow_locations: bool,
    gitignore: bool,
    placeholders: bool,
    catalog_file_names: Vec<String>,
    root: Option<PathBuf>,
    max_placeholder_bytes: usize,
    rules: Option<Arc<CatalogRules>>,
    registration: RegisteredAs,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            yaml: YamlOptions::default(),
            validator: Validator::new(),
            follow_locations: true,
            gitignore: true,
            placeholders: true,
            catalog_file_names: vec!["catalog-info.yaml".into(), "catalog-info.yml".into()],
            root: None,
            max_placeholder_bytes: DEFAULT_MAX_PLACEHOLDER_BYTES,
            rules: None,
            registration: RegisteredAs::File,
        }
    }
}

impl LoadOptions {
    /// YAML parsing options and budgets.
    pub fn with_yaml(mut self, yaml: YamlOptions) -> Self {
        self.yaml = yaml;
        self
    }

    /// The validator (its mode, field rules and custom kinds).
    pub fn with_validator(mut self, validator: Validator) -> Self {
        self.validator = validator;
        self
    }

    /// Enforce these catalog rules (from an app-config, see
    /// [`crate::app_config::AppConfig::catalog`]): an entity whose kind the
    /// rules do not allow from its origin location is a
    /// `catalog.not-allowed` error, and Backstage then ingests none of its
    /// file's entities. Default: no rules are enforced (without an
    /// app-config there is nothing to enforce).
    pub fn with_rules(mut self, rules: CatalogRules) -> Self {
        self.rules = Some(Arc::new(rules));
        self
    }

    /// The catalog rules enforced, if any.
    #[must_use]
    pub fn rules(&self) -> Option<&CatalogRules> {
        self.rules.as_deref()
    }

    /// Whether Location targets are followed (default `true`).
    pub fn with_follow_locations(mut self, follow: bool) -> Self {
        self.follow_locations = follow;
        self
    }

    /// Whether directory walks honour `.gitignore` and `.ignore` (default `true`).
    pub fn with_gitignore(mut self, honour: bool) -> Self {
        self.gitignore = honour;
        self
    }

    /// Whether `$text`/`$json`/`$yaml` placeholders are resolved (default `true`).
    pub fn with_placeholders(mut self, resolve: bool) -> Self {
        self.placeholders = resolve;
        self
    }

    /// Glob patterns of file names that are always catalog files in a
    /// directory walk (default `catalog-info.yaml`, `catalog-info.yml`).
    /// Other `*.yaml`/`*.yml` files are read when one of their documents
    /// has a `backstage.io` apiVersion.
    pub fn with_catalog_file_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.catalog_file_names = names.into_iter().map(Into::into).collect();
        self
    }

    /// The directory nothing may be read outside of. Defaults to the loaded
    /// directory, or the directory of the loaded file.
    pub fn with_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = Some(root.into());
        self
    }

    /// Most bytes the placeholders of one load may pull in (default
    /// [`DEFAULT_MAX_PLACEHOLDER_BYTES`], 64 MiB). Every substitution
    /// counts, so a placeholder aliased 1 000 times costs 1 000 times its
    /// content; a placeholder over the budget is reported
    /// (`placeholder.budget`) and left unresolved with the rest of its
    /// document. Each target file is read once per load whatever the count.
    pub fn with_max_placeholder_bytes(mut self, bytes: usize) -> Self {
        self.max_placeholder_bytes = bytes;
        self
    }

    /// How [`Loader::load`] takes its path to be registered with Backstage
    /// (default [`RegisteredAs::File`]), which decides how placeholders and
    /// Location targets resolve. With [`RegisteredAs::Url`] the repository
    /// holding the path (the root, else the enclosing git work tree, else
    /// the path's directory) is read as its `origin` remote's URL at the
    /// checked-out branch, and every read stays inside it.
    pub fn with_registration(mut self, registration: RegisteredAs) -> Self {
        self.registration = registration;
        self
    }

    /// How [`Loader::load`] takes its path to be registered.
    #[must_use]
    pub fn registration(&self) -> RegisteredAs {
        self.registration
    }

    /// The validation mode of the configured validator.
    #[must_use]
    pub fn mode(&self) -> ValidationMode {
        self.validator.mode()
    }
}

/// Loads catalogs. Build one with [`Loader::new`] and reuse it.
#[derive(Clone, Debug)]
pub struct Loader {
    options: LoadOptions,
    catalog_names: GlobSet,
}

/// A file waiting to be read.
#[derive(Clone, Debug)]
struct Pending {
    path: PathBuf,
    /// The registration the file was reached from (`file:<path>`).
    origin: Arc<str>,
    /// The same registration as catalog rules match it (an absolute path).
    origin_ref: Arc<LocationRef>,
    /// The Location document whose targets led here (file, document
    /// index); `None` for a file read as a registration of its own.
    emitter: Option<(Arc<str>, usize)>,
    /// How Backstage names the Location that emits this file's entities
    /// (`file:<path>` or `url:<url>`), which its rules statuses quote.
    emitter_at: Option<Arc<str>>,
    /// For a file read through a `url` registration of a checked-out
    /// repository: the checkout and the URL it stands for.
    url: Option<Arc<UrlBase>>,
    /// The link (in the load's [`targets::Follower`]) of the Location file
    /// that led here; its parents lead to the outermost.
    chain: Option<usize>,
    /// Named by the user or a Location: validated whatever it holds.
    explicit: bool,
    /// Found in a walk under a catalog file name: validated unless it is a
    /// template skeleton.
    named: bool,
}

impl Pending {
    /// How Backstage names a location reading `path` when it is reached
    /// from this file: `url:` within a checkout read as a URL, `file:`
    /// otherwise.
    fn location_name(&self, root: &Path, path: &Path) -> Arc<str> {
        if let Some(url) = self.url.as_ref().and_then(|base| base.url_of(path)) {
            return Arc::from(format!("url:{url}"));
        }
        Arc::from(format!("file:{}", display_path(root, path)))
    }
}

/// What reading one file produced.
struct FileResult {
    pending: Pending,
    display: Arc<str>,
    text: Option<Arc<str>>,
    documents: Vec<LoadedDocument>,
    diagnostics: Vec<Diagnostic>,
    skipped: bool,
}

/// A file of a directory walk passed over, kept until the end of the load:
/// a Location may still target it, and then it is read after all.
struct Skipped {
    display: Arc<str>,
    text: Option<Arc<str>>,
    warning: Option<Diagnostic>,
}

/// A file as a `file` location: its absolute path, as the backend writes
/// a file registration's target.
fn file_location(path: &Path) -> LocationRef {
    LocationRef::new("file", path.to_string_lossy())
}

/// The key a file is known by during a load (its canonical path when it
/// has one), so that a walk and a Location reaching it agree.
fn file_key(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

impl Loader {
    /// A loader with the given options.
    ///
    /// # Errors
    ///
    /// [`Error::Glob`] when a catalog file name pattern is invalid.
    pub fn new(options: LoadOptions) -> Result<Self, Error> {
        let mut builder = GlobSetBuilder::new();
        for name in &options.catalog_file_names {
            builder.add(Glob::new(name).map_err(|e| Error::Glob {
                pattern: name.clone(),
                message: e.to_string(),
            })?);
        }
        let catalog_names = builder.build().map_err(|e| Error::Glob {
            pattern: options.catalog_file_names.join(", "),
            message: e.to_string(),
        })?;
        Ok(Self {
            options,
            catalog_names,
        })
    }

    /// The options.
    pub fn options(&self) -> &LoadOptions {
        &self.options
    }

    /// Loads `path`: a file (and the Locations it leads to) or a directory
    /// tree (every catalog file in it, honouring `.gitignore`).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] or [`Error::Io`] when `path` itself cannot be
    /// read. Problems inside files are diagnostics, never errors.
    pub fn load(&self, path: &Path) -> Result<Catalog, Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::from_io(path, e))?;
        let canonical = path.canonicalize().map_err(|e| Error::from_io(path, e))?;
        let dir = if meta.is_dir() {
            canonical.clone()
        } else {
            canonical
                .parent()
                .map_or_else(|| canonical.clone(), Path::to_path_buf)
        };
        // Files are named relative to the root, else the argument; reads
        // are confined to the root, else the repository (the enclosing git
        // work tree), else the argument.
        let (root, confine_root) = match &self.options.root {
            Some(root) => {
                let root = root.canonicalize().map_err(|e| Error::from_io(root, e))?;
                (root.clone(), root)
            }
            None => {
                let repository = crate::files::repository_root(&dir).unwrap_or_else(|| dir.clone());
                (dir, repository)
            }
        };
        if !canonical.starts_with(&root) {
            return Err(Error::OutsideRoot {
                path: path.to_path_buf(),
            });
        }
        let url = (self.options.registration == RegisteredAs::Url).then(|| {
            Arc::new(UrlBase::new(
                confine_root.clone(),
                registered_as::checkout_prefix(&confine_root),
            ))
        });
        let mut seeds = if meta.is_dir() {
            self.discover(&root, &canonical)
        } else {
            let origin: Arc<str> = Arc::from(format!("file:{}", display_path(&root, &canonical)));
            vec![Pending {
                origin_ref: Arc::new(file_location(&canonical)),
                emitter: None,
                emitter_at: None,
                url: None,
                path: canonical,
                origin,
                chain: None,
                explicit: true,
                named: true,
            }]
        };
        if let Some(url) = url {
            // Each file is its own `url` registration of the repository.
            for seed in &mut seeds {
                if let Some(registered) = url.registered_url_of(&seed.path) {
                    seed.origin_ref = Arc::new(LocationRef::new("url", &registered));
                    seed.origin = Arc::from(format!("url:{registered}"));
                    seed.emitter_at = Some(Arc::clone(&seed.origin));
                }
                seed.url = Some(Arc::clone(&url));
            }
        }
        Ok(self.load_files(&root, &confine_root, seeds))
    }

    /// Loads YAML text held in memory, named `name` in diagnostics. Location
    /// targets are not followed (there is no directory to follow them in).
    #[must_use]
    pub fn load_str(&self, name: &str, text: &str) -> Catalog {
        let display: Arc<str> = Arc::from(name);
        let pending = Pending {
            path: PathBuf::from(name),
            origin: Arc::from(format!("file:{name}")),
            origin_ref: Arc::new(LocationRef::new("file", name)),
            emitter: None,
            emitter_at: None,
            url: None,
            chain: None,
            explicit: true,
            named: true,
        };
        let cache = placeholder::Cache::new(self.options.max_placeholder_bytes);
        let mut result = self.parse_text(
            Path::new(""),
            Path::new(""),
            pending,
            display,
            Arc::from(text),
            &cache,
        );
        let mut catalog = Catalog::new(PathBuf::new());
        catalog.push_file(
            Arc::clone(&result.display),
            result.text.take(),
            std::mem::take(&mut result.documents),
            std::mem::take(&mut result.diagnostics),
        );
        catalog.finish();
        catalog
    }

    fn discover(&self, root: &Path, dir: &Path) -> Vec<Pending> {
        let mut files: Vec<Pending> = crate::files::tree_walker(dir, self.options.gitignore)
            .build()
            .filter_map(Result::ok)
            .filter(|entry| {
                let is_yaml = entry.path().extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml")
                });
                // FIFOs, devices and sockets are kept, to be reported when read.
                is_yaml && entry.file_type().is_some_and(|t| !t.is_dir())
            })
            .map(|entry| {
                let path = entry.into_path();
                let named = path
                    .file_name()
                    .is_some_and(|n| self.catalog_names.is_match(Path::new(n)));
                Pending {
                    origin: Arc::from(format!("file:{}", display_path(root, &path))),
                    origin_ref: Arc::new(file_location(&path)),
                    emitter: None,
                    emitter_at: None,
                    url: None,
                    path,
                    chain: None,
                    explicit: false,
                    named,
                }
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    /// Reads `seeds` and what their Locations lead to: files are named
    /// relative to `root`, and no read leaves `confine`.
    fn load_files(&self, root: &Path, confine: &Path, seeds: Vec<Pending>) -> Catalog {
        let mut catalog = Catalog::new(root.to_path_buf());
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut skipped: HashMap<PathBuf, Skipped> = HashMap::new();
        let mut skipped_order: Vec<PathBuf> = Vec::new();
        let mut wave: Vec<Pending> = Vec::new();
        for seed in seeds {
            if seen.insert(file_key(&seed.path)) {
                wave.push(seed);
            }
        }
        let cache = placeholder::Cache::new(self.options.max_placeholder_bytes);
        let mut follower = targets::Follower::new(root, confine);
        let mut emitters: HashMap<Arc<str>, Option<(Arc<str>, usize)>> = HashMap::new();
        let mut unreadable_targets: Vec<settle::UnreadableTarget> = Vec::new();
        while !wave.is_empty() {
            let mut results: Vec<FileResult> = wave
                .into_par_iter()
                .map(|p| self.read_file(root, confine, p, &cache))
                .collect();
            if self.options.follow_locations {
                // Every new glob of the wave, matched in one pass over the tree.
                follower.prepare(
                    results
                        .iter()
                        .filter(|r| !r.skipped)
                        .map(|r| (&r.pending, r.documents.as_slice())),
                );
            }
            // A file the walk passed over is read after all when a Location
            // targets it, whatever its name or content (as Backstage does).
            for result in results.iter_mut().filter(|r| r.skipped) {
                let key = file_key(&result.pending.path);
                seen.remove(&key);
                skipped_order.push(key.clone());
                skipped.insert(
                    key,
                    Skipped {
                        display: Arc::clone(&result.display),
                        text: result.text.take(),
                        warning: result.diagnostics.pop(),
                    },
                );
            }
            let mut next = Vec::new();
            for result in &mut results {
                if self.options.follow_locations && !result.skipped {
                    for pending in follower.follow(&result.pending, &mut result.documents, &seen) {
                        let key = file_key(&pending.path);
                        if seen.insert(key.clone()) {
                            skipped.remove(&key);
                            next.push(pending);
                        }
                    }
                }
            }
            for result in results {
                if result.skipped {
                    continue;
                }
                // A target that cannot be read at all fails the Location
                // that targets it (Backstage's file reader reports the read
                // error on that Location).
                if result.text.is_none()
                    && let Some(emitter) = &result.pending.emitter
                    && let Some(error) = result.diagnostics.iter().find(|d| d.is_error())
                    // Backstage reads invalid UTF-8 with U+FFFD in place.
                    && error.code != CODE_FILE_ENCODING
                {
                    unreadable_targets.push(settle::UnreadableTarget {
                        location: emitter.clone(),
                        file: Arc::clone(&result.display),
                        reason: error.message.clone(),
                    });
                }
                emitters.insert(Arc::clone(&result.display), result.pending.emitter.clone());
                catalog.push_file(
                    result.display,
                    result.text,
                    result.documents,
                    result.diagnostics,
                );
            }
            wave = next;
        }
        for key in skipped_order {
            if let Some(file) = skipped.remove(&key) {
                catalog.push_skipped(file.display, file.text, file.warning);
            }
        }
        settle::fail_on_unreadable_targets(catalog.documents_mut(), &unreadable_targets);
        settle::settle(
            self.options.rules.as_deref(),
            catalog.documents_mut(),
            &emitters,
            follower.reemits(),
        );
        catalog.finish();
        catalog
    }

    fn read_file(
        &self,
        root: &Path,
        confine_to: &Path,
        pending: Pending,
        cache: &placeholder::Cache,
    ) -> FileResult {
        let display: Arc<str> = Arc::from(display_path(root, &pending.path));
        let unreadable = |pending: Pending, diagnostic: Diagnostic| FileResult {
            pending,
            display: Arc::clone(&display),
            text: None,
            documents: Vec::new(),
            diagnostics: vec![diagnostic],
            skipped: false,
        };
        let path = match confine(confine_to, &pending.path) {
            Ok(path) => path,
            Err(Confined::Outside) => {
                return unreadable(
                    pending,
                    Diagnostic::error(
                        CODE_FILE_OUTSIDE_ROOT,
                        format!("`{display}` leads outside the catalog root"),
                    )
                    .with_span(Span::file_start(Arc::clone(&display)))
                    .with_note("symbolic links out of the loaded directory are not followed"),
                );
            }
            Err(Confined::NotFound) => {
                return unreadable(
                    pending,
                    Diagnostic::error(CODE_FILE_UNREADABLE, format!("`{display}` does not exist"))
                        .with_span(Span::file_start(Arc::clone(&display))),
                );
            }
            Err(Confined::NotRegular(what)) => {
                let catalog = pending.explicit || pending.named;
                return unreadable(pending, not_regular(&display, what, catalog));
            }
            Err(Confined::Unreadable(reason)) => {
                return unreadable(pending, cannot_read(&display, &reason));
            }
        };
        let bytes = match read_limited(&path, self.options.yaml.budget.max_file_bytes) {
            Ok(bytes) => bytes,
            Err(ReadError::NotRegular(what)) => {
                let catalog = pending.explicit || pending.named;
                return unreadable(pending, not_regular(&display, what, catalog));
            }
            Err(reason @ ReadError::TooLarge(_)) => {
                return unreadable(
                    pending,
                    Diagnostic::error(
                        yaml::CODE_BUDGET,
                        format!("cannot read `{display}`: {reason}"),
                    )
                    .with_span(Span::file_start(Arc::clone(&display)))
                    .with_note("YamlBudget::max_file_bytes sets the limit"),
                );
            }
            Err(reason) => return unreadable(pending, cannot_read(&display, &reason)),
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid_up_to = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let prefix = String::from_utf8_lossy(&bytes[..valid_up_to]);
                let span =
                    Span::from_offsets(Arc::clone(&display), &prefix, valid_up_to, valid_up_to);
                return unreadable(
                    pending,
                    Diagnostic::error(
                        CODE_FILE_ENCODING,
                        format!("`{display}` is not valid UTF-8"),
                    )
                    .with_span(span)
                    .with_label("invalid UTF-8 starts here")
                    .with_note("catalog files must be UTF-8 text"),
                );
            }
        };
        let dir = path
            .parent()
            .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
        self.parse_text(root, &dir, pending, display, Arc::from(text), cache)
    }

    fn parse_text(
        &self,
        root: &Path,
        dir: &Path,
        pending: Pending,
        display: Arc<str>,
        text: Arc<str>,
        cache: &placeholder::Cache,
    ) -> FileResult {
        let stream = yaml::parse_stream(&display, &text, &self.options.yaml);
        let mut diagnostics = stream.diagnostics;
        // A template skeleton holds `${{ }}` and becomes a catalog file only
        // once rendered; Template entities themselves hold `${{ }}` too.
        let skeleton = text.contains("${{") && !has_template(&stream.documents);
        let not_catalog = !pending.named && !looks_like_catalog(&stream.documents);
        if !pending.explicit && (skeleton || not_catalog) {
            // YAML that does not parse cannot say whether it is a catalog
            // file: say so rather than pass over it silently.
            let warning = (!skeleton)
                .then(|| stream.documents.iter().find_map(|d| d.error.as_ref()))
                .flatten()
                .map(|error| not_parsed_warning(&display, error));
            return FileResult {
                pending,
                display,
                text: warning.as_ref().map(|_| text),
                documents: Vec::new(),
                diagnostics: warning.into_iter().collect(),
                skipped: true,
            };
        }
        // A file of a checkout read as a URL is named by its URL, which
        // decides the Location checks and the placeholders' base.
        let file_url = pending
            .url
            .as_ref()
            .and_then(|base| base.url_of(&pending.path));
        let reading = match &file_url {
            Some(url) => ReadingLocation {
                location_type: "url".to_owned(),
                target: url.clone(),
                origin: pending.origin.to_string(),
            },
            None => ReadingLocation::file(display.to_string(), pending.origin.to_string()),
        };
        let base = match (&pending.url, file_url) {
            (Some(repository), Some(file_url)) => placeholder::Base::Url {
                repository,
                file_url,
            },
            _ => placeholder::Base::File,
        };
        let placeholders = self.options.placeholders
            && ["$text", "$json", "$yaml"].iter().any(|p| text.contains(p));
        let documents: Vec<LoadedDocument> = stream
            .documents
            .into_iter()
            .filter(|doc| !doc.is_empty())
            .map(|doc| {
                self.check_document(
                    root,
                    dir,
                    &display,
                    &text,
                    &reading,
                    &base,
                    placeholders,
                    cache,
                    doc,
                )
            })
            .collect();
        let mut documents = documents;
        if let Some(rules) = &self.options.rules {
            // Backstage's status names the file of the emitting Location.
            let at = pending
                .emitter_at
                .clone()
                .unwrap_or_else(|| pending.location_name(root, &pending.path));
            rules::enforce(
                rules,
                &pending.origin_ref,
                &pending.origin,
                &at,
                &mut documents,
            );
        }
        not_ingested_warning(&documents, &mut diagnostics);
        FileResult {
            pending,
            display,
            text: Some(text),
            documents,
            diagnostics,
            skipped: false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_document(
        &self,
        root: &Path,
        dir: &Path,
        file: &Arc<str>,
        text: &str,
        reading: &ReadingLocation,
        base: &placeholder::Base<'_>,
        placeholders: bool,
        cache: &placeholder::Cache,
        mut doc: YamlDocument,
    ) -> LoadedDocument {
        let mut loaded = LoadedDocument::new(Arc::clone(file), doc.index, doc.position.clone());
        loaded.emitted = rules::emitted_kind(&doc.value, || doc.value_span("/kind"));
        if let Some(error) = doc.error {
            let status = error
                .span
                .as_ref()
                .and_then(|s| {
                    yaml_status::package_error(text, &error.message, s.start, s.line as usize)
                })
                .unwrap_or_else(|| error.message.clone());
            loaded.backstage_error = Some(format!(
                "Error: YAML error at {}, {status}",
                reading.location_ref()
            ));
            loaded.diagnostics.push(error);
            return loaded;
        }
        let located = doc.spans.locate("/metadata/name");
        if located.exact {
            loaded.name_span = located.value.with_file(file);
        }
        let mut value = std::mem::take(&mut doc.value);
        if placeholders && !dir.as_os_str().is_empty() {
            let resolver = placeholder::Resolver {
                root,
                file,
                yaml: &self.options.yaml,
                cache,
                base: base.clone(),
            };
            let backstage =
                placeholder::resolve(&mut value, &doc.spans, &resolver, &mut loaded.diagnostics);
            if let Some(first) = loaded.diagnostics.iter().find(|d| d.is_error()) {
                loaded.backstage_error = Some(format!(
                    "InputError: {STAGE_PREPROCESS}; caused by Error: {}",
                    backstage.as_deref().unwrap_or(&first.message)
                ));
                if self.options.validator.mode() == ValidationMode::Backstage {
                    loaded.entity_ref = value.as_object().and_then(crate::validate::entity_ref_of);
                    return loaded;
                }
            }
        }
        let validation = self.options.validator.validate_at(value, Some(reading));
        loaded.entity_ref = validation.entity_ref;
        if loaded.backstage_error.is_none() {
            loaded.backstage_error = validation.backstage_error;
        }
        let mut index = yaml::SpanIndex::new(&doc.spans);
        for problem in validation.problems {
            loaded
                .diagnostics
                .push(locate(problem, &doc, &mut index, file));
        }
        if loaded.diagnostics.iter().all(|d| !d.is_error()) {
            if let Some(Entity {
                spec: EntitySpec::Location(spec),
                ..
            }) = &validation.entity
            {
                loaded.targets = location_targets(spec, &doc, &reading.location_type);
            }
            loaded.entity = validation.entity;
            loaded.relations = validation.relations;
            for relation in loaded.relations.iter().filter(|r| r.is_forward()) {
                let origin = relation.origin;
                if !loaded.origin_spans.iter().any(|(o, _)| *o == origin) {
                    loaded
                        .origin_spans
                        .push((origin, doc.spans.value_span(&origin.pointer())));
                }
            }
        }
        loaded
    }
}

/// `file.not-parsed`: a YAML file of a walk that does not parse, at its
/// first YAML error.
fn not_parsed_warning(display: &Arc<str>, error: &Diagnostic) -> Diagnostic {
    let mut warning = Diagnostic::warning(
        crate::codes::FILE_NOT_PARSED,
        format!(
            "`{display}` was not read as a catalog file: it is not valid YAML ({})",
            error.message
        ),
    )
    .with_span_opt(error.span.clone())
    .with_note(
        "name it catalog-info.yaml or target it from a Location to have it validated as a catalog file",
    );
    if let Some(label) = &error.label {
        warning = warning.with_label(label.clone());
    }
    warning
}

/// `file.unreadable` at the start of `display`.
fn cannot_read(display: &Arc<str>, reason: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::error(
        CODE_FILE_UNREADABLE,
        format!("cannot read `{display}`: {reason}"),
    )
    .with_span(Span::file_start(Arc::clone(display)))
}

/// A catalog file that is a FIFO, a device, a socket or a directory.
/// An error for a catalog file (named by the user, a Location or a catalog
/// file name), a warning for other YAML names met in a walk.
fn not_regular(display: &Arc<str>, what: &str, catalog: bool) -> Diagnostic {
    let severity = if catalog {
        crate::Severity::Error
    } else {
        crate::Severity::Warning
    };
    Diagnostic::new(
        CODE_FILE_NOT_REGULAR,
        severity,
        format!("`{display}` is {what}, not a regular file; it is not read"),
    )
    .with_span(Span::file_start(Arc::clone(display)))
    .with_note("catalog files must be regular files (or links to regular files)")
}

/// The targets of a Location, `target` first, with their spans. A Location
/// without `spec.type` has the type of the location it was read from.
fn location_targets(spec: &LocationSpec, doc: &YamlDocument, read_as: &str) -> Vec<LocationTarget> {
    let location_type = spec
        .location_type
        .clone()
        .unwrap_or_else(|| read_as.to_owned());
    let presence = spec.presence.unwrap_or_default();
    let single = spec.target.iter().map(|t| (t, "/spec/target".to_owned()));
    let many = spec
        .targets
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| (t, format!("/spec/targets/{i}")));
    single
        .chain(many)
        .map(|(target, pointer)| LocationTarget {
            target: target.clone(),
            location_type: location_type.clone(),
            presence,
            span: doc.value_span(&pointer),
            pointer,
        })
        .collect()
}

/// Whether any document is a scaffolder Template.
fn has_template(documents: &[YamlDocument]) -> bool {
    documents
        .iter()
        .any(|doc| doc.value.get("kind").and_then(Value::as_str) == Some("Template"))
}

/// Whether any document has an apiVersion in the `backstage.io` family.
fn looks_like_catalog(documents: &[YamlDocument]) -> bool {
    documents.iter().any(|doc| {
        doc.value
            .get("apiVersion")
            .and_then(Value::as_str)
            .and_then(|v| v.split_once('/'))
            .is_some_and(|(group, _)| group == "backstage.io" || group.ends_with(".backstage.io"))
    })
}

/// Backstage records YAML, root and envelope failures on the file's
/// Location, and then ingests none of the file's entities.
fn not_ingested_warning(documents: &[LoadedDocument], diagnostics: &mut Vec<Diagnostic>) {
    let rejecting = documents.iter().find(|d| {
        settle::fails_when_read(d)
            || d.backstage_error
                .as_deref()
                .is_some_and(|e| e.starts_with("NotAllowedError: "))
    });
    let valid = documents.iter().filter(|d| d.is_valid()).count();
    if let (Some(bad), true) = (rejecting, valid > 0) {
        diagnostics.push(
            Diagnostic::warning(
                CODE_FILE_NOT_INGESTED,
                format!(
                    "Backstage would ingest none of the {valid} valid entities in this file while document {} fails",
                    bad.index
                ),
            )
            .with_span(bad.position.clone())
            .with_note("YAML errors, non-mapping documents, broken envelopes and kinds the catalog rules do not allow fail the whole file's Location"),
        );
    }
}

/// Turns a validation problem into a diagnostic located in the document.
fn locate(
    problem: Problem,
    doc: &YamlDocument,
    index: &mut yaml::SpanIndex<'_>,
    file: &Arc<str>,
) -> Diagnostic {
    let located = index.locate(&problem.path);
    let span = match problem.target {
        ProblemTarget::Value => located.value,
        ProblemTarget::Key => located.key.unwrap_or(located.value),
        ProblemTarget::Missing if problem.path.is_empty() => doc.spans.span,
        ProblemTarget::Missing => located.key.unwrap_or(located.value),
    };
    let mut diagnostic = Diagnostic::new(problem.code, problem.severity, problem.message)
        .with_path(problem.path)
        .with_span(span.with_file(file));
    if problem.target == ProblemTarget::Missing {
        diagnostic = diagnostic.with_label("a required field is missing here");
    }
    for note in problem.notes {
        diagnostic = diagnostic.with_note(note);
    }
    diagnostic
}

#[cfg(test)]
mod tests;
