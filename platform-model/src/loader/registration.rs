//! Loading from root registrations: the `file` entries of an app-config's
//! `catalog.locations` (or any list of files), each the origin of what is
//! read from it, as the catalog backend's config location provider makes
//! each entry a root Location.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Loader, Pending, targets};
use crate::catalog_rules::LocationRef;
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::files::{display_path, repository_root};
use crate::span::Span;

/// A root registration.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Registration {
    /// The location type; only `file` registrations are read from disk.
    pub location_type: String,
    /// The target: an absolute path (or glob) for `file`.
    pub target: String,
    /// Whether a missing target is an error (`presence: required`, the
    /// default) or not.
    pub required: bool,
    /// Where the registration was declared (an app-config entry), for
    /// diagnostics about it.
    pub declared_at: Option<Span>,
}

impl Registration {
    /// A `file` registration of `path` (made absolute against the current
    /// directory when relative).
    pub fn file(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Self {
            location_type: "file".into(),
            target: absolute.to_string_lossy().into_owned(),
            required: true,
            declared_at: None,
        }
    }

    /// The registration an app-config location makes.
    #[must_use]
    pub fn from_config(location: &crate::app_config::ConfigLocation) -> Self {
        Self {
            location_type: location.location_type.clone(),
            target: location.resolved.clone(),
            required: true,
            declared_at: location.span.clone(),
        }
    }
}

impl Loader {
    /// Loads every `file` registration (globs expanded as Backstage's file
    /// reader expands them), following Locations. Each file is checked
    /// against the catalog rules at the registration it was reached from.
    /// Registrations of other types are not read here.
    ///
    /// Reads are confined to [`crate::LoadOptions::with_root`], else the
    /// git work tree holding the first registration, else its directory.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the root cannot be resolved. A missing target is
    /// a `location.not-found` diagnostic at its declaration.
    pub fn load_registrations(
        &self,
        registrations: &[Registration],
    ) -> Result<super::Catalog, Error> {
        let files: Vec<&Registration> = registrations
            .iter()
            .filter(|r| r.location_type == "file")
            .collect();
        let first_dir = files
            .first()
            .map(|r| nearest_existing_dir(Path::new(&r.target)))
            .unwrap_or_else(|| PathBuf::from("."));
        let root = match &self.options.root {
            Some(root) => root.canonicalize().map_err(|e| Error::from_io(root, e))?,
            None => repository_root(&first_dir).unwrap_or_else(|| first_dir.clone()),
        };
        let mut seeds = Vec::new();
        // Nothing is passed over without a word: other location types are
        // named where they are declared.
        let mut problems: Vec<Diagnostic> = registrations
            .iter()
            .filter(|r| r.location_type != "file")
            .map(|r| {
                Diagnostic::info(
                    super::location_codes::NOT_FOLLOWED,
                    format!(
                        "`{}` location `{}` is not read offline",
                        r.location_type, r.target
                    ),
                )
                .with_span_opt(r.declared_at.clone())
            })
            .collect();
        for registration in files {
            let origin_ref = Arc::new(LocationRef::new("file", &registration.target));
            let target = Path::new(&registration.target);
            let display = display_path(&root, target);
            let origin: Arc<str> = Arc::from(format!("file:{display}"));
            let paths = if registration.target.contains(['*', '?', '[', '{']) {
                expand(&root, target)
            } else if target.exists() || std::fs::symlink_metadata(target).is_ok() {
                vec![target.to_path_buf()]
            } else {
                Vec::new()
            };
            if paths.is_empty() && registration.required {
                problems.push(
                    Diagnostic::error(
                        crate::codes::LOCATION_NOT_FOUND,
                        format!("`{display}` does not exist"),
                    )
                    .with_span_opt(registration.declared_at.clone())
                    .with_note(format!(
                        "Backstage records: NotFoundError: file {} does not exist",
                        registration.target
                    )),
                );
            }
            for path in paths {
                seeds.push(Pending {
                    origin_ref: Arc::clone(&origin_ref),
                    origin: Arc::clone(&origin),
                    emitter: None,
                    path,
                    chain: None,
                    explicit: true,
                    named: true,
                });
            }
        }
        let mut catalog = self.load_files(&root, seeds);
        catalog.push_problems(problems);
        Ok(catalog)
    }
}

/// The path, or its nearest ancestor that exists.
fn nearest_existing_dir(path: &Path) -> PathBuf {
    path.ancestors()
        .skip(1)
        .find(|p| p.is_dir())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The files a glob target matches under the root, sorted.
fn expand(root: &Path, pattern: &Path) -> Vec<PathBuf> {
    let Ok(glob) = targets::compile(pattern) else {
        return Vec::new();
    };
    let matcher = glob.compile_matcher();
    targets::walk(root)
        .into_iter()
        .filter(|p| matcher.is_match(p))
        .collect()
}
