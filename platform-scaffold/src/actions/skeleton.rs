//! Reading skeleton trees and writing entries into the workspace: no
//! symlink followed, no symlink allowed to lead out, sizes bounded.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::workspace::{Workspace, read_limited, resolve_inside};

/// Deepest directory nesting walked.
const MAX_DEPTH: usize = 64;

/// What a tree entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File { mode: u32, size: u64 },
    Symlink { target: PathBuf },
}

/// One entry, with its `/`-separated path relative to the walked root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) path: String,
    pub(crate) kind: Kind,
}

/// Bounds for a walk.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WalkLimits {
    pub(crate) max_entries: usize,
    pub(crate) max_file_bytes: u64,
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_meta: &std::fs::Metadata) -> u32 {
    0o644
}

/// Every entry under `root` (directories before their contents, names
/// sorted), symlinks reported and not followed. `shown` names the root in
/// messages.
pub(crate) fn walk(root: &Path, limits: WalkLimits, shown: &str) -> Result<Vec<Entry>, Error> {
    let mut entries = Vec::new();
    let mut stack: Vec<(PathBuf, String, usize)> = vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, prefix, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(Error::InvalidInput(format!(
                "{shown}: directories nest deeper than {MAX_DEPTH} levels at `{prefix}`"
            )));
        }
        let mut names = Vec::new();
        let reader = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(if prefix.is_empty() { shown } else { &prefix }, &e))?;
        for item in reader {
            let item = item.map_err(|e| Error::io(shown, &e))?;
            let name = item.file_name().into_string().map_err(|_| {
                Error::InvalidInput(format!(
                    "{shown}: an entry under `{prefix}` has a name that is not UTF-8"
                ))
            })?;
            names.push(name);
        }
        names.sort();
        let mut subdirs = Vec::new();
        for name in names {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let full = dir.join(&name);
            let meta = std::fs::symlink_metadata(&full).map_err(|e| Error::io(&path, &e))?;
            let kind = if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&full).map_err(|e| Error::io(&path, &e))?;
                if target.is_absolute() {
                    return Err(Error::NotAllowed(format!(
                        "{shown}: `{path}` is a symlink to an absolute path; skeletons may only link inside themselves, with relative links"
                    )));
                }
                if resolve_inside(root, &path).is_err() {
                    return Err(Error::NotAllowed(format!(
                        "{shown}: `{path}` is a symlink that points outside the skeleton; refusing to copy it"
                    )));
                }
                Kind::Symlink { target }
            } else if meta.is_dir() {
                subdirs.push((full, path.clone(), depth + 1));
                Kind::Dir
            } else if meta.is_file() {
                if meta.len() > limits.max_file_bytes {
                    return Err(Error::InvalidInput(format!(
                        "{shown}: `{path}` is {} bytes, more than the {}-byte limit for a skeleton file",
                        meta.len(),
                        limits.max_file_bytes
                    )));
                }
                Kind::File {
                    mode: mode_of(&meta),
                    size: meta.len(),
                }
            } else {
                // Sockets, fifos and devices have no place in a skeleton.
                continue;
            };
            entries.push(Entry { path, kind });
            if entries.len() > limits.max_entries {
                return Err(Error::InvalidInput(format!(
                    "{shown} has more than {} entries",
                    limits.max_entries
                )));
            }
        }
        // Reverse so that the first name is walked first.
        stack.extend(subdirs.into_iter().rev());
    }
    // Stable order: a directory precedes everything under it.
    entries.sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    Ok(entries)
}

/// Whether bytes look binary: a NUL in the first 8 KiB, or not UTF-8.
pub(crate) fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0) || std::str::from_utf8(bytes).is_err()
}

/// Reads a skeleton file.
pub(crate) fn read_file(root: &Path, entry: &Entry, limits: WalkLimits) -> Result<Vec<u8>, Error> {
    let path = resolve_inside(root, &entry.path)?;
    read_limited(
        &path,
        usize::try_from(limits.max_file_bytes).unwrap_or(usize::MAX),
        &entry.path,
    )
}

/// Joins a workspace-relative base (`./`, `sub/dir`) and a relative path.
pub(crate) fn join(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.is_empty() || base == "." {
        path.to_owned()
    } else {
        format!("{base}/{path}")
    }
}

/// Writes a file into the workspace with `mode` (on Unix).
pub(crate) fn write_file(
    workspace: &Workspace,
    relative: &str,
    bytes: &[u8],
    mode: Option<u32>,
) -> Result<(), Error> {
    let target = workspace.resolve(relative)?;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(relative, &e))?;
    }
    if std::fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
        return Err(Error::Io(format!("{relative}: a directory is in the way")));
    }
    std::fs::write(&target, bytes).map_err(|e| Error::io(relative, &e))?;
    set_mode(&target, mode, relative)
}

/// The process's file mode creation mask, as Backstage's copy applies it
/// to skeleton modes (a 664 file becomes 644 under the usual 022): from
/// `/proc/self/status` where there is one, else 022.
#[cfg(unix)]
fn umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("Umask:"))
                    .and_then(|mask| u32::from_str_radix(mask.trim(), 8).ok())
            })
            .unwrap_or(0o022)
    })
}

/// Sets a skeleton file's mode: its permission bits under the umask. The
/// set-user-id, set-group-id and sticky bits of a skeleton are never
/// carried over (a template could otherwise plant a set-uid file).
#[cfg(unix)]
fn set_mode(path: &Path, mode: Option<u32>, shown: &str) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(mode) = mode {
        let mode = mode & 0o777 & !umask();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(shown, &e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: Option<u32>, _shown: &str) -> Result<(), Error> {
    Ok(())
}

/// Creates a symlink in the workspace; refused (and removed) when it would
/// point outside.
pub(crate) fn write_symlink(
    workspace: &Workspace,
    relative: &str,
    target: &Path,
) -> Result<(), Error> {
    let at = workspace.resolve_entry(relative)?;
    if let Some(parent) = at.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(relative, &e))?;
    }
    if std::fs::symlink_metadata(&at).is_ok() {
        remove_entry(&at, relative)?;
    }
    make_symlink(target, &at).map_err(|e| Error::io(relative, &e))?;
    if let Err(error) = workspace.resolve(relative) {
        let _ = std::fs::remove_file(&at);
        return Err(Error::NotAllowed(format!(
            "`{relative}` would be a symlink pointing outside the workspace: {error}"
        )));
    }
    Ok(())
}

#[cfg(unix)]
fn make_symlink(target: &Path, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
fn make_symlink(_target: &Path, _at: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "symlinks are only copied on Unix",
    ))
}

/// Removes a file, a symlink (not its target) or a directory tree.
pub(crate) fn remove_entry(path: &Path, shown: &str) -> Result<(), Error> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io(shown, &e))?;
    let result = if meta.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(shown, &e)),
        _ => Ok(()),
    }
}

/// A set of globby-style patterns (`*` stays within a segment, dot files
/// match, `!pattern` excludes).
pub(crate) struct Globs {
    include: globset::GlobSet,
    exclude: globset::GlobSet,
    any: bool,
}

impl Globs {
    pub(crate) fn new(patterns: &[String], action: &str) -> Result<Self, Error> {
        let mut include = globset::GlobSetBuilder::new();
        let mut exclude = globset::GlobSetBuilder::new();
        let mut any = false;
        for pattern in patterns {
            let (set, text) = match pattern.strip_prefix('!') {
                Some(rest) => (&mut exclude, rest),
                None => {
                    any = true;
                    (&mut include, pattern.as_str())
                }
            };
            let text = text.trim_start_matches("./");
            // globby expands a pattern that names a directory (`dir` or
            // `dir/`) to everything under it; a pattern without glob
            // characters may name one, so it also stands for `dir/**`.
            let plain = !text.contains(['*', '?', '[', ']', '{', '}', '(', ')', '!', '+', '@']);
            let trimmed = text.trim_end_matches('/');
            let mut texts = vec![if plain { trimmed } else { text }.to_owned()];
            if plain && !trimmed.is_empty() {
                texts.push(format!("{trimmed}/**"));
            }
            for text in texts {
                let glob = globset::GlobBuilder::new(&text)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| Error::InvalidInput(format!("Invalid input passed to action {action}, the glob `{pattern}` is invalid: {e}")))?;
                set.add(glob);
            }
        }
        let build = |b: globset::GlobSetBuilder| {
            b.build()
                .map_err(|e| Error::InvalidInput(format!("{action}: {e}")))
        };
        Ok(Self {
            include: build(include)?,
            exclude: build(exclude)?,
            any,
        })
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        self.any && self.include.is_match(path) && !self.exclude.is_match(path)
    }
}
