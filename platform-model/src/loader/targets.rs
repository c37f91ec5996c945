//! Following Location targets: relative paths and globs, `presence:
//! optional`, cycles, and the root no target may leave.
//!
//! Work is bounded by the input, not by how often it repeats itself: the
//! tree is walked at most once per load (when the first glob needs it), all
//! the new globs of a wave are matched in one pass over that walk (one
//! `globset::GlobSet`), every distinct glob is expanded once per load, identical
//! targets of one Location are followed once, and the Location chains kept
//! for cycle reports are parent links, not copied lists.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSetBuilder};

use super::Pending;
use super::catalog::{LoadedDocument, LocationTarget};
use super::settle::Reemit;
use super::url_base::{UrlBase, UrlTarget};
use crate::diagnostic::Diagnostic;
use crate::entity::Presence;
use crate::files::{Confined, ReadError, check_regular, confine, display_path, lexically_inside};

/// Diagnostic codes of Location following (the values of [`crate::codes`]).
pub mod codes {
    /// A required target does not exist.
    pub const NOT_FOUND: &str = crate::codes::LOCATION_NOT_FOUND;
    /// A target leads outside the catalog root.
    pub const OUTSIDE_ROOT: &str = crate::codes::LOCATION_OUTSIDE_ROOT;
    /// A target leads back to a Location file already on the chain.
    pub const CYCLE: &str = crate::codes::LOCATION_CYCLE;
    /// A target of another type (`url`, …) that is not read offline.
    pub const NOT_FOLLOWED: &str = crate::codes::LOCATION_NOT_FOLLOWED;
    /// A target that Backstage would resolve from its working directory.
    pub const NOT_RELATIVE: &str = crate::codes::LOCATION_NOT_RELATIVE;
    /// A target glob is invalid.
    pub const BAD_GLOB: &str = crate::codes::LOCATION_BAD_GLOB;
    /// A target is a FIFO, a device, a socket or a directory.
    pub const NOT_REGULAR: &str = crate::codes::LOCATION_NOT_REGULAR;
}

/// How many links of a Location chain a cycle report names at each end.
const CHAIN_SHOWN: usize = 8;

/// What resolving one path gave, cached for the load.
#[derive(Clone, Debug)]
enum Resolved {
    File(PathBuf),
    Outside,
    Missing,
    NotRegular(&'static str),
}

/// State of Location following for one load.
pub(crate) struct Follower<'r> {
    /// What paths are named relative to.
    root: &'r Path,
    /// What no target may leave (the repository).
    confine: &'r Path,
    /// Links of the Location chains: a file and the link of the Location
    /// that led to it.
    links: Vec<(PathBuf, Option<usize>)>,
    /// Every non-directory entry under the root, sorted; walked once, when
    /// a glob first needs it.
    listing: Option<Vec<PathBuf>>,
    /// The expansion of every glob of this load, by absolute pattern.
    globs: HashMap<PathBuf, Result<Arc<[PathBuf]>, String>>,
    /// Paths already resolved in this load.
    resolved: HashMap<PathBuf, Resolved>,
    /// Files reached again, by another Location, after their first read.
    reemits: Vec<Reemit>,
}

impl<'r> Follower<'r> {
    pub(crate) fn new(root: &'r Path, confine: &'r Path) -> Self {
        Self {
            root,
            confine,
            links: Vec::new(),
            listing: None,
            globs: HashMap::new(),
            resolved: HashMap::new(),
            reemits: Vec::new(),
        }
    }

    /// The files Locations reached again after their first read.
    pub(crate) fn reemits(&self) -> &[Reemit] {
        &self.reemits
    }

    /// Expands, in one pass over the tree, every glob of `documents` (read
    /// from the files of `from`) not expanded yet in this load.
    pub(crate) fn prepare<'d>(
        &mut self,
        batch: impl IntoIterator<Item = (&'d Pending, &'d [LoadedDocument])>,
    ) {
        let mut new: Vec<PathBuf> = Vec::new();
        let mut queued: HashSet<PathBuf> = HashSet::new();
        for (from, documents) in batch {
            let dir = dir_of(self.root, &from.path);
            for target in documents.iter().flat_map(|d| d.targets.iter()) {
                if let Some(Planned::Glob(pattern)) = plan(self.confine, &dir, target)
                    && !self.globs.contains_key(&pattern)
                    && queued.insert(pattern.clone())
                {
                    new.push(pattern);
                }
            }
        }
        self.expand(new);
    }

    /// Expands `patterns` (none expanded yet) in one pass over the tree.
    fn expand(&mut self, patterns: Vec<PathBuf>) {
        if patterns.is_empty() {
            return;
        }
        let mut set = GlobSetBuilder::new();
        let mut in_set: Vec<PathBuf> = Vec::new();
        for pattern in patterns {
            match compile(&pattern) {
                Ok(glob) => {
                    set.add(glob);
                    in_set.push(pattern);
                }
                Err(message) => {
                    self.globs.insert(pattern, Err(message));
                }
            }
        }
        let set = match set.build() {
            Ok(set) => set,
            Err(e) => {
                for pattern in in_set {
                    self.globs.insert(pattern, Err(e.kind().to_string()));
                }
                return;
            }
        };
        let mut found: Vec<Vec<PathBuf>> = vec![Vec::new(); in_set.len()];
        let listing = self.listing.get_or_insert_with(|| walk(self.confine));
        let mut hits = Vec::new();
        for path in listing.iter() {
            set.matches_into(path, &mut hits);
            for &i in &hits {
                if let Some(list) = found.get_mut(i) {
                    list.push(path.clone());
                }
            }
        }
        for (pattern, paths) in in_set.into_iter().zip(found) {
            self.globs.insert(pattern, Ok(Arc::from(paths)));
        }
    }

    /// Resolves the targets of every valid Location in `documents`, adding
    /// diagnostics to the Location documents, and returns the files to read
    /// that are not in `seen` yet.
    pub(crate) fn follow(
        &mut self,
        from: &Pending,
        documents: &mut [LoadedDocument],
        seen: &HashSet<PathBuf>,
    ) -> Vec<Pending> {
        if documents.iter().all(|d| d.targets.is_empty()) {
            return Vec::new();
        }
        let dir = dir_of(self.root, &from.path);
        let link = self.links.len();
        self.links.push((from.path.clone(), from.chain));
        let from_display: Arc<str> = Arc::from(display_path(self.root, &from.path));
        let from_name = from.location_name(self.root, &from.path);
        let mut out = Vec::new();
        for doc in documents.iter_mut() {
            let emitter = (Arc::clone(&from_display), doc.index);
            let targets = std::mem::take(&mut doc.targets);
            let mut followed: HashSet<(&str, &str)> = HashSet::new();
            for target in &targets {
                // The same target twice in one Location adds nothing.
                if followed.insert((target.target.as_str(), target.location_type.as_str())) {
                    self.follow_one(
                        &dir, link, from, &emitter, &from_name, target, doc, seen, &mut out,
                    );
                }
            }
            doc.targets = targets;
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn follow_one(
        &mut self,
        dir: &Path,
        link: usize,
        from: &Pending,
        emitter: &(Arc<str>, usize),
        emitter_at: &Arc<str>,
        target: &LocationTarget,
        doc: &mut LoadedDocument,
        seen: &HashSet<PathBuf>,
        out: &mut Vec<Pending>,
    ) {
        let text = target.target.as_str();
        if let Some(repository) = &from.url {
            // Read as a URL: a `url` target resolves against this file's
            // URL; any other type has already failed the Location.
            if target.location_type == "url" {
                self.follow_url(
                    repository, link, from, emitter, emitter_at, target, doc, seen, out,
                );
            }
            return;
        }
        if target.location_type != "file" {
            doc.diagnostics.push(
                Diagnostic::info(
                    codes::NOT_FOLLOWED,
                    format!(
                        "`{}` target `{text}` is not read offline",
                        target.location_type
                    ),
                )
                .with_span(target.span.clone())
                .with_path(target.pointer.clone()),
            );
            return;
        }
        let Some(planned) = plan(self.confine, dir, target) else {
            // A directory target: the validator has already rejected the Location.
            return;
        };
        if !text.starts_with('.') && !Path::new(text).is_absolute() {
            doc.diagnostics.push(
                Diagnostic::warning(
                    codes::NOT_RELATIVE,
                    format!("target `{text}` does not start with `./`"),
                )
                .with_span(target.span.clone())
                .with_path(target.pointer.clone())
                .with_note(format!(
                    "Backstage resolves it from the backend's working directory, not from this file; write `./{text}`"
                )),
            );
        }
        let paths: Arc<[PathBuf]> = match planned {
            Planned::Outside => {
                doc.diagnostics.push(outside(target, text));
                return;
            }
            Planned::Path(path) => Arc::from(vec![path]),
            Planned::Glob(pattern) => match self.glob_paths(&pattern, target, doc) {
                Some(paths) => paths,
                None => return,
            },
        };
        if paths.is_empty() && target.presence == Presence::Required {
            doc.diagnostics.push(not_found(target, text));
        }
        self.read_paths(
            &paths,
            link,
            from,
            emitter,
            emitter_at,
            target,
            doc,
            seen,
            out,
            |path| format!("NotFoundError: file {path} does not exist"),
        );
    }

    /// Follows a `url` target of a Location read as a URL: resolved against
    /// the file's URL as the GitHub integration resolves it, and read when
    /// it names a file of the same checkout.
    #[allow(clippy::too_many_arguments)]
    fn follow_url(
        &mut self,
        repository: &UrlBase,
        link: usize,
        from: &Pending,
        emitter: &(Arc<str>, usize),
        emitter_at: &Arc<str>,
        target: &LocationTarget,
        doc: &mut LoadedDocument,
        seen: &HashSet<PathBuf>,
        out: &mut Vec<Pending>,
    ) {
        let text = target.target.as_str();
        let Some(file_url) = repository.url_of(&from.path) else {
            return;
        };
        let Some(url) = repository.resolve(&file_url, text) else {
            doc.diagnostics.push(
                Diagnostic::error(
                    codes::NOT_FOUND,
                    format!("target `{text}` forms no URL with `{file_url}`"),
                )
                .with_span(target.span.clone())
                .with_path(target.pointer.clone()),
            );
            return;
        };
        let path = match repository.locate(&url) {
            UrlTarget::Local(path) => path,
            UrlTarget::NotAFile => {
                doc.diagnostics.push(
                    Diagnostic::error(
                        codes::OUTSIDE_ROOT,
                        format!("target `{text}` leads outside the repository, to `{url}`"),
                    )
                    .with_span(target.span.clone())
                    .with_path(target.pointer.clone())
                    .with_note("relative URL targets resolve against this file's URL; `..` may not climb above the branch"),
                );
                // What follows "Unable to read url, " is the reader's, and
                // depends on the integration.
                doc.backstage_error.get_or_insert_with(|| {
                    format!("Error: Unable to read url, {url} names no file of a repository")
                });
                return;
            }
            UrlTarget::OtherRepository | UrlTarget::OtherRef | UrlTarget::Elsewhere => {
                doc.diagnostics.push(
                    Diagnostic::info(
                        codes::NOT_FOLLOWED,
                        format!(
                            "`url` target `{url}` is not in this checkout; it is not read offline"
                        ),
                    )
                    .with_span(target.span.clone())
                    .with_path(target.pointer.clone()),
                );
                return;
            }
        };
        let paths: Arc<[PathBuf]> = if text.contains(['*', '?', '[', '{']) {
            match self.glob_paths(&normalize(&path), target, doc) {
                Some(paths) => paths,
                None => return,
            }
        } else {
            Arc::from(vec![path])
        };
        let missing = |_: &str| {
            format!("NotFoundError: Unable to read url, no matching files found for {url}")
        };
        if paths.is_empty() && target.presence == Presence::Required {
            doc.diagnostics.push(not_found(target, text));
            doc.backstage_error.get_or_insert_with(|| missing(""));
        }
        // Only files of this checkout, even through links.
        let inside: Vec<PathBuf> = paths
            .iter()
            .filter(|p| {
                let keep = p
                    .canonicalize()
                    .map_or(true, |c| c.starts_with(&repository.dir));
                if !keep {
                    doc.diagnostics.push(outside(target, text));
                }
                keep
            })
            .cloned()
            .collect();
        self.read_paths(
            &inside, link, from, emitter, emitter_at, target, doc, seen, out, missing,
        );
    }

    /// The files the glob `pattern` of `target` matches (expanded alone when
    /// its wave did not prepare it); `None`, with a `location.bad-glob`
    /// error on `doc`, when it is not a valid glob.
    fn glob_paths(
        &mut self,
        pattern: &Path,
        target: &LocationTarget,
        doc: &mut LoadedDocument,
    ) -> Option<Arc<[PathBuf]>> {
        if !self.globs.contains_key(pattern) {
            self.expand(vec![pattern.to_path_buf()]);
        }
        match self.globs.get(pattern)? {
            Ok(paths) => Some(Arc::clone(paths)),
            Err(message) => {
                doc.diagnostics.push(
                    Diagnostic::error(
                        codes::BAD_GLOB,
                        format!("target `{}` is not a valid glob: {message}", target.target),
                    )
                    .with_span(target.span.clone())
                    .with_path(target.pointer.clone()),
                );
                None
            }
        }
    }

    /// Reads the files `paths` a target of `doc` names, or records why not.
    /// `missing` is the status Backstage records for a required target
    /// that does not exist (given the file's display name).
    #[allow(clippy::too_many_arguments)]
    fn read_paths(
        &mut self,
        paths: &[PathBuf],
        link: usize,
        from: &Pending,
        emitter: &(Arc<str>, usize),
        emitter_at: &Arc<str>,
        target: &LocationTarget,
        doc: &mut LoadedDocument,
        seen: &HashSet<PathBuf>,
        out: &mut Vec<Pending>,
        missing: impl Fn(&str) -> String,
    ) {
        let text = target.target.as_str();
        for path in paths.iter() {
            match self.resolve(path) {
                Resolved::File(resolved) => {
                    if seen.contains(&resolved) {
                        self.reemits.push(Reemit {
                            file: Arc::from(display_path(self.root, &resolved)),
                            emitter: emitter.clone(),
                            emitter_at: Arc::clone(emitter_at),
                            origin: Arc::clone(&from.origin_ref),
                            origin_display: Arc::clone(&from.origin),
                        });
                        // Already read or queued: only a cycle is worth telling.
                        if let Some(names) = self.cycle(link, &resolved) {
                            doc.diagnostics.push(
                                Diagnostic::warning(
                                    codes::CYCLE,
                                    format!("Location target `{text}` leads back to a Location already being read"),
                                )
                                .with_span(target.span.clone())
                                .with_path(target.pointer.clone())
                                .with_note(format!("chain: {names}")),
                            );
                        }
                        continue;
                    }
                    out.push(Pending {
                        path: resolved,
                        origin: Arc::clone(&from.origin),
                        origin_ref: Arc::clone(&from.origin_ref),
                        emitter: Some(emitter.clone()),
                        emitter_at: Some(Arc::clone(emitter_at)),
                        url: from.url.clone(),
                        chain: Some(link),
                        explicit: true,
                        named: true,
                    });
                }
                Resolved::Outside => doc.diagnostics.push(outside(target, text)),
                Resolved::NotRegular(what) => doc.diagnostics.push(
                    Diagnostic::error(
                        codes::NOT_REGULAR,
                        format!(
                            "target `{text}` leads to `{}`, which is {what}, not a regular file",
                            display_path(self.root, path)
                        ),
                    )
                    .with_span(target.span.clone())
                    .with_path(target.pointer.clone())
                    .with_note("only regular files (or links to them) are read"),
                ),
                Resolved::Missing => {
                    if target.presence == Presence::Required {
                        doc.diagnostics.push(not_found(target, text));
                        // The file reader's error fails the Location.
                        doc.backstage_error
                            .get_or_insert_with(|| missing(&display_path(self.root, path)));
                    }
                }
            }
        }
    }

    fn resolve(&mut self, path: &Path) -> Resolved {
        if let Some(known) = self.resolved.get(path) {
            return known.clone();
        }
        let resolved = match confine(self.confine, path) {
            Ok(resolved) => match check_regular(&resolved) {
                Ok(()) => Resolved::File(resolved),
                Err(ReadError::NotRegular(what)) => Resolved::NotRegular(what),
                Err(_) => Resolved::Missing,
            },
            Err(Confined::Outside) => Resolved::Outside,
            Err(Confined::NotRegular(what)) => Resolved::NotRegular(what),
            Err(Confined::NotFound | Confined::Unreadable(_)) => Resolved::Missing,
        };
        self.resolved.insert(path.to_path_buf(), resolved.clone());
        resolved
    }

    /// The chain from the outermost Location to `resolved` when `resolved`
    /// is on the chain of `link` (shortened in the middle when long).
    fn cycle(&self, link: usize, resolved: &Path) -> Option<String> {
        let mut chain: Vec<&Path> = Vec::new();
        let mut at = Some(link);
        let mut found = false;
        while let Some(i) = at {
            let Some((path, parent)) = self.links.get(i) else {
                break;
            };
            found |= path == resolved;
            chain.push(path);
            at = *parent;
        }
        if !found {
            return None;
        }
        chain.reverse();
        let names: Vec<String> = if chain.len() > 2 * CHAIN_SHOWN {
            let mut names: Vec<String> = chain[..CHAIN_SHOWN]
                .iter()
                .map(|p| display_path(self.root, p))
                .collect();
            names.push(format!("… {} more …", chain.len() - 2 * CHAIN_SHOWN));
            names.extend(
                chain[chain.len() - CHAIN_SHOWN..]
                    .iter()
                    .map(|p| display_path(self.root, p)),
            );
            names
        } else {
            chain.iter().map(|p| display_path(self.root, p)).collect()
        };
        Some(format!(
            "{} -> {}",
            names.join(" -> "),
            display_path(self.root, resolved)
        ))
    }
}

/// What a file target names.
enum Planned {
    /// One path (not resolved yet).
    Path(PathBuf),
    /// A glob, as an absolute pattern.
    Glob(PathBuf),
    /// Somewhere outside the root.
    Outside,
}

fn dir_of(root: &Path, path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| root.to_path_buf(), Path::to_path_buf)
}

/// What `target` (of a Location in `dir`) names; `None` for a target that
/// is not a file or ends with `/`.
fn plan(root: &Path, dir: &Path, target: &LocationTarget) -> Option<Planned> {
    let text = target.target.as_str();
    if target.location_type != "file" || text.ends_with('/') {
        return None;
    }
    let joined = normalize(&dir.join(text));
    if !lexically_inside(root, &joined) {
        return Some(Planned::Outside);
    }
    Some(if text.contains(['*', '?', '[', '{']) {
        Planned::Glob(joined)
    } else {
        Planned::Path(joined)
    })
}

fn not_found(target: &LocationTarget, text: &str) -> Diagnostic {
    Diagnostic::error(codes::NOT_FOUND, format!("file {text} does not exist"))
        .with_span(target.span.clone())
        .with_path(target.pointer.clone())
        .with_note("add `presence: optional` to the Location if the target may be absent")
}

fn outside(target: &LocationTarget, text: &str) -> Diagnostic {
    Diagnostic::error(
        codes::OUTSIDE_ROOT,
        format!("target `{text}` leads outside the repository"),
    )
    .with_span(target.span.clone())
    .with_path(target.pointer.clone())
    .with_note("reads stay inside the repository: --root DIR (LoadOptions::with_root), else the enclosing git work tree, else the loaded directory")
}

/// Folds `.` and `..` without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

pub(super) fn compile(pattern: &Path) -> Result<globset::Glob, String> {
    GlobBuilder::new(&pattern.to_string_lossy())
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// Every entry under `root` that is not a directory (FIFOs and devices
/// included, so that a glob matching one reports it), sorted.
pub(super) fn walk(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| !t.is_dir()))
        .map(ignore::DirEntry::into_path)
        .collect();
    found.sort();
    found
}
