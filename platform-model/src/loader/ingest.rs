//! Ingesting a catalog the way a Backstage backend does: app-configs read
//! (their `catalog.rules` enforced, their `catalog.locations` the roots when
//! no path is given), then every path or location loaded, with the
//! app-config's own problems reported beside the catalog's.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Catalog, LoadOptions, Loader, Registration};
use crate::app_config::{AppConfig, AppConfigOptions};
use crate::diagnostic::Diagnostic;
use crate::error::Error;

/// What [`ingest`] reads and how.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct IngestOptions {
    load: LoadOptions,
    app_configs: Vec<PathBuf>,
    app_config: AppConfigOptions,
    backend_dir: Option<PathBuf>,
    root: Option<PathBuf>,
    repos: Option<PathBuf>,
}

impl IngestOptions {
    /// Ingestion with these load options and no app-config.
    pub fn new(load: LoadOptions) -> Self {
        Self {
            load,
            ..Self::default()
        }
    }

    /// The app-config files, in merge order (later override earlier).
    pub fn with_app_configs(mut self, files: impl IntoIterator<Item = PathBuf>) -> Self {
        self.app_configs = files.into_iter().collect();
        self
    }

    /// How app-configs are read (environment, include depth).
    pub fn with_app_config_options(mut self, options: AppConfigOptions) -> Self {
        self.app_config = options;
        self
    }

    /// The directory the backend runs in; relative `file` targets resolve
    /// against it (default: [`AppConfig::default_backend_dir`]).
    pub fn with_backend_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.backend_dir = Some(dir.into());
        self
    }

    /// A directory of repository checkouts (one sub-directory per
    /// repository) that `github-discovery` locations of the app-config
    /// discover, offline, instead of GitHub's API.
    pub fn with_repos(mut self, dir: impl Into<PathBuf>) -> Self {
        self.repos = Some(dir.into());
        self
    }

    /// The directory every read is confined to.
    pub fn with_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = Some(root.into());
        self
    }
}

/// Loads `paths` (or, when empty, the app-config's `catalog.locations`)
/// with the app-config's catalog rules enforced. The first catalog also
/// carries the app-config's diagnostics and texts.
///
/// # Errors
///
/// [`Error`] when an app-config, a path or the root cannot be read.
pub fn ingest(paths: &[PathBuf], options: &IngestOptions) -> Result<Vec<Catalog>, Error> {
    let mut load = options.load.clone();
    let mut config_options = options.app_config.clone();
    if let Some(root) = &options.root {
        load = load.with_root(root);
        config_options = config_options.with_root(root);
    }
    let mut config = if options.app_configs.is_empty() {
        None
    } else {
        let config = AppConfig::load(&options.app_configs, &config_options)?;
        let backend_dir = match &options.backend_dir {
            Some(dir) => std::path::absolute(dir).map_err(|e| Error::from_io(dir, e))?,
            None => config.default_backend_dir(),
        };
        let catalog = config.catalog(&backend_dir);
        load = load.with_rules(catalog.rules.clone());
        Some((config, catalog))
    };
    let loader = Loader::new(load)?;
    let mut catalogs = Vec::new();
    // `url` locations of files in checkouts under `repos` are read from
    // them, with the discovered repositories.
    let checked_out: Vec<(usize, Registration)> = match (&options.repos, &config) {
        (Some(repos), Some((_, catalog))) if paths.is_empty() => catalog
            .locations
            .iter()
            .enumerate()
            .filter(|(_, l)| l.location_type == "url")
            .filter_map(|(i, l)| Some((i, super::discovery::checked_out(l, repos)?)))
            .collect(),
        _ => Vec::new(),
    };
    if let (true, Some((_, catalog))) = (paths.is_empty(), &config) {
        let registrations: Vec<Registration> = catalog
            .locations
            .iter()
            .enumerate()
            // With checkouts to discover in, discovery locations are read
            // below rather than named as not read.
            .filter(|(_, l)| options.repos.is_none() || l.location_type != "github-discovery")
            .filter(|(i, _)| !checked_out.iter().any(|(j, _)| j == i))
            .map(|(_, l)| Registration::from_config(l))
            .collect();
        catalogs.push(loader.load_registrations(&registrations)?);
    }
    if let (Some(repos), Some((_, catalog))) = (&options.repos, &mut config) {
        let mut discovered: Vec<Registration> = checked_out.into_iter().map(|(_, r)| r).collect();
        for location in catalog
            .locations
            .iter()
            .filter(|l| l.location_type == "github-discovery")
        {
            let (registrations, problems) = super::discovery::discover(location, repos);
            discovered.extend(registrations);
            catalog.diagnostics.extend(problems);
        }
        if !discovered.is_empty() {
            // Reads stay inside the checkouts' directory.
            let root = repos.canonicalize().map_err(|e| Error::from_io(repos, e))?;
            let loader = Loader::new(
                options
                    .load
                    .clone()
                    .with_rules(catalog.rules.clone())
                    .with_root(root),
            )?;
            catalogs.push(loader.load_registrations(&discovered)?);
        }
    }
    for path in paths {
        catalogs.push(loader.load(path)?);
    }
    if let Some((config, catalog)) = config {
        if catalogs.is_empty() {
            catalogs.push(Catalog::default());
        }
        let first = &mut catalogs[0];
        let mut diagnostics: Vec<Diagnostic> = config.diagnostics().to_vec();
        diagnostics.extend(catalog.diagnostics);
        for (file, text) in config.sources() {
            first.add_diagnostics(Arc::clone(file), Some(Arc::clone(text)), Vec::new());
        }
        first.add_diagnostics(Arc::from(""), None, diagnostics);
    }
    Ok(catalogs)
}
