//! Following Location targets: relative paths and globs, `presence:
//! optional`, cycles, and the root no target may leave.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::GlobBuilder;

use super::Pending;
use super::catalog::{LoadedDocument, LocationTarget};
use super::fs::{Confined, confine, display_path, lexically_inside};
use crate::diagnostic::Diagnostic;
use crate::entity::Presence;
use crate::yaml::YamlOptions;

/// Diagnostic codes of Location following.
pub mod codes {
    /// A required target does not exist.
    pub const NOT_FOUND: &str = "location.not-found";
    /// A target leads outside the catalog root.
    pub const OUTSIDE_ROOT: &str = "location.outside-root";
    /// A target leads back to a Location file already on the chain.
    pub const CYCLE: &str = "location.cycle";
    /// A target of another type (`url`, …) that is not read offline.
    pub const NOT_FOLLOWED: &str = "location.not-followed";
    /// A target that Backstage would resolve from its working directory.
    pub const NOT_RELATIVE: &str = "location.not-relative";
    /// A target glob is invalid.
    pub const BAD_GLOB: &str = "location.bad-glob";
}

/// Resolves the targets of every valid Location in `documents`, adding
/// diagnostics to the Location documents, and returns the files to read.
pub(crate) fn follow(
    root: &Path,
    from: &Pending,
    documents: &mut [LoadedDocument],
    _yaml: &YamlOptions,
) -> Vec<Pending> {
    let dir = from
        .path
        .parent()
        .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
    let mut chain = from.chain.clone();
    chain.push(from.path.clone());
    let mut out = Vec::new();
    for doc in documents.iter_mut() {
        let targets = std::mem::take(&mut doc.targets);
        for target in &targets {
            follow_one(root, &dir, &chain, from, target, doc, &mut out);
        }
        doc.targets = targets;
    }
    out
}

fn follow_one(
    root: &Path,
    dir: &Path,
    chain: &[PathBuf],
    from: &Pending,
    target: &LocationTarget,
    doc: &mut LoadedDocument,
    out: &mut Vec<Pending>,
) {
    let text = target.target.as_str();
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
    if text.ends_with('/') {
        // The validator has already rejected the Location.
        return;
    }
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
    let joined = normalize(&dir.join(text));
    if !lexically_inside(root, &joined) {
        doc.diagnostics.push(outside(target, text));
        return;
    }
    let paths = if text.contains(['*', '?', '[', '{']) {
        match expand_glob(root, &joined) {
            Ok(paths) => paths,
            Err(message) => {
                doc.diagnostics.push(
                    Diagnostic::error(
                        codes::BAD_GLOB,
                        format!("target `{text}` is not a valid glob: {message}"),
                    )
                    .with_span(target.span.clone())
                    .with_path(target.pointer.clone()),
                );
                return;
            }
        }
    } else {
        vec![joined]
    };
    if paths.is_empty() && target.presence == Presence::Required {
        doc.diagnostics.push(not_found(target, text));
    }
    for path in paths {
        match confine(root, &path) {
            Ok(resolved) => {
                if chain.contains(&resolved) {
                    let mut names: Vec<String> =
                        chain.iter().map(|p| display_path(root, p)).collect();
                    names.push(display_path(root, &resolved));
                    doc.diagnostics.push(
                        Diagnostic::warning(codes::CYCLE, format!("Location target `{text}` leads back to a Location already being read"))
                            .with_span(target.span.clone())
                            .with_path(target.pointer.clone())
                            .with_note(format!("chain: {}", names.join(" -> "))),
                    );
                    continue;
                }
                out.push(Pending {
                    path: resolved,
                    origin: Arc::clone(&from.origin),
                    chain: chain.to_vec(),
                    explicit: true,
                    named: true,
                });
            }
            Err(Confined::Outside) => doc.diagnostics.push(outside(target, text)),
            Err(Confined::NotFound | Confined::Unreadable(_)) => {
                if target.presence == Presence::Required {
                    doc.diagnostics.push(not_found(target, text));
                }
            }
        }
    }
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
        format!("target `{text}` leads outside the catalog root"),
    )
    .with_span(target.span.clone())
    .with_path(target.pointer.clone())
    .with_note("only files inside the loaded directory are read")
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

/// Files under `root` matching the absolute glob `pattern`, sorted.
fn expand_glob(root: &Path, pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let text = pattern.to_string_lossy();
    let matcher = GlobBuilder::new(&text)
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())?
        .compile_matcher();
    let mut base = PathBuf::new();
    for part in pattern.components() {
        if part
            .as_os_str()
            .to_string_lossy()
            .contains(['*', '?', '[', '{'])
        {
            break;
        }
        base.push(part);
    }
    if !base.starts_with(root) {
        base = root.to_path_buf();
    }
    let mut found: Vec<PathBuf> = ignore::WalkBuilder::new(&base)
        .standard_filters(false)
        .follow_links(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file() || t.is_symlink()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| matcher.is_match(p))
        .collect();
    found.sort();
    Ok(found)
}
