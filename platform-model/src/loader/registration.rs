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
    /// The origin the rules see, when it is not the registration itself
    /// (a discovery location, for the repositories it finds).
    pub origin: Option<LocationRef>,
    /// For a `file` registration standing for a URL (a repository checkout
    /// read as its remote): the checkout directory and its URL prefix.
    pub url_base: Option<(PathBuf, String)>,
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
            origin: None,
            url_base: None,
        }
    }

    /// A file of a repository checkout, read as the `url` location a
    /// discovery provider emits for it: `url_prefix` is the URL of the
    /// checkout's root ending in `/`, `origin` the discovery location.
    /// Such locations are optional: a repository without the file is
    /// passed over.
    pub fn discovered(
        checkout: impl Into<PathBuf>,
        file: impl AsRef<Path>,
        url_prefix: impl Into<String>,
        origin: LocationRef,
        declared_at: Option<Span>,
    ) -> Self {
        let checkout = checkout.into();
        let path = checkout.join(file.as_ref());
        Self {
            location_type: "file".into(),
            target: path.to_string_lossy().into_owned(),
            required: false,
            declared_at,
            origin: Some(origin),
            url_base: Some((checkout, url_prefix.into())),
        }
    }

    /// A `url` registration of a file of a repository checkout: `url_prefix`
    /// is the URL of the checkout's root ending in `/`, `url` the
    /// registered URL, which is also the origin the rules see.
    pub fn checked_out(
        checkout: impl Into<PathBuf>,
        file: impl AsRef<Path>,
        url_prefix: impl Into<String>,
        url: &str,
        declared_at: Option<Span>,
    ) -> Self {
        Self {
            required: true,
            ..Self::discovered(
                checkout,
                file,
                url_prefix,
                LocationRef::new("url", url),
                declared_at,
            )
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
            origin: None,
            url_base: None,
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
            let target = Path::new(&registration.target);
            let display = display_path(&root, target);
            let (origin_ref, origin): (Arc<LocationRef>, Arc<str>) = match &registration.origin {
                Some(origin) => (
                    Arc::new(origin.clone()),
                    Arc::from(format!("{}:{}", origin.location_type, origin.target)),
                ),
                None => (
                    Arc::new(LocationRef::new("file", &registration.target)),
                    Arc::from(format!("file:{display}")),
                ),
            };
            let url = registration.url_base.as_ref().map(|(dir, prefix)| {
                Arc::new(super::UrlBase::new(
                    dir.canonicalize().unwrap_or_else(|_| dir.clone()),
                    prefix.clone(),
                ))
            });
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
                // The registration's own Location is named as registered.
                let emitter_at = url
                    .as_ref()
                    .and_then(|u| u.registered_url_of(&path))
                    .map(|u| Arc::from(format!("url:{u}")));
                seeds.push(Pending {
                    origin_ref: Arc::clone(&origin_ref),
                    origin: Arc::clone(&origin),
                    emitter: None,
                    emitter_at,
                    url: url.clone(),
                    path,
                    chain: None,
                    explicit: true,
                    named: true,
                });
            }
        }
        let mut catalog = self.load_files(&root, &root, seeds);
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
