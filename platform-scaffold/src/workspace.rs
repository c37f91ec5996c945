//! File access confined to a directory.
//!
//! Every path an action touches is resolved component by component: `..`
//! may not climb out, and every symlink on the way (chains and dangling
//! links included) is followed to its target, which must stay inside. This
//! closes the holes behind CVE-2026-24046 (symlinks let `debug:log` read,
//! `fs:delete` delete and extraction write outside the workspace) and
//! CVE-2026-24047 (symlink chains and dangling links escaping the check).
//! Messages name paths relative to the workspace, never host paths.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::Error as ActionError;

/// How many symlinks a path may pass through.
const MAX_LINKS: usize = 40;
/// How many entries [`Workspace::audit`] walks before it gives up.
pub const MAX_AUDIT_ENTRIES: usize = 1_000_000;
/// How deep [`Workspace::audit`] descends.
const MAX_AUDIT_DEPTH: usize = 256;

/// Whether a file name is git metadata (`.git`, in any case, with the
/// trailing dots and spaces that some filesystems drop).
#[must_use]
pub fn is_git_metadata(name: &str) -> bool {
    name.trim_end_matches(['.', ' '])
        .eq_ignore_ascii_case(".git")
}

/// A directory that file operations may not leave.
#[derive(Clone, Debug)]
pub struct Workspace {
    root: PathBuf,
}

/// Folds `.` and `..` without touching the disk; `None` when `..` climbs
/// above the start.
fn fold(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

impl Workspace {
    /// A workspace rooted at `root` (made canonical).
    ///
    /// # Errors
    ///
    /// When `root` does not exist.
    pub fn new(root: &Path) -> Result<Self, ActionError> {
        let root = root.canonicalize().map_err(|e| {
            ActionError::Io(format!("the workspace cannot be opened: {}", e.kind()))
        })?;
        Ok(Self { root })
    }

    /// The root directory (for handing to tools such as `git`).
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves `relative` to a path inside the workspace, following every
    /// symlink on the way.
    ///
    /// # Errors
    ///
    /// [`ActionError::NotAllowed`] for absolute paths, `..` escapes and
    /// symlinks (direct, chained or dangling) that lead outside.
    pub fn resolve(&self, relative: &str) -> Result<PathBuf, ActionError> {
        resolve_inside(&self.root, relative)
    }

    /// Resolves the parent of `relative` (following symlinks) and appends the
    /// last name as written, so that the entry itself (a symlink included)
    /// can be inspected, renamed or removed without following it.
    ///
    /// # Errors
    ///
    /// As [`Workspace::resolve`], and for paths naming the root itself.
    pub fn resolve_entry(&self, relative: &str) -> Result<PathBuf, ActionError> {
        let folded = fold(Path::new(relative))
            .filter(|p| !p.as_os_str().is_empty())
            .ok_or_else(|| {
                ActionError::NotAllowed(format!(
                    "`{relative}` refers to a path outside the workspace"
                ))
            })?;
        let name = folded
            .file_name()
            .ok_or_else(|| {
                ActionError::NotAllowed(format!(
                    "`{relative}` refers to a path outside the workspace"
                ))
            })?
            .to_os_string();
        let parent = folded
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = if parent.is_empty() {
            self.root.clone()
        } else {
            self.resolve(&parent)?
        };
        Ok(parent.join(name))
    }

    /// The workspace-relative form of an absolute path inside it, `/`-separated.
    #[must_use]
    pub fn relative(&self, path: &Path) -> String {
        relative_to(&self.root, path)
    }

    /// Checks the whole workspace, as the runner does after every step and
    /// before the result becomes the output: every symlink (wherever an
    /// action moved, copied or created it) must still resolve inside, no
    /// entry may be git metadata (a `.git` directory or file: its config
    /// could make `git` run commands, its `gitdir:` could point a commit at
    /// another repository), and only directories, regular files and
    /// symlinks may exist (no FIFOs, sockets or devices).
    ///
    /// # Errors
    ///
    /// [`ActionError::NotAllowed`] naming the first offending entry
    /// (workspace-relative); [`ActionError::InvalidInput`] past
    /// [`MAX_AUDIT_ENTRIES`] entries.
    pub fn audit(&self) -> Result<(), ActionError> {
        let mut stack: Vec<(PathBuf, String, usize)> = vec![(self.root.clone(), String::new(), 0)];
        let mut seen = 0_usize;
        while let Some((dir, prefix, depth)) = stack.pop() {
            let shown = |name: &str| {
                if prefix.is_empty() {
                    name.to_owned()
                } else {
                    format!("{prefix}/{name}")
                }
            };
            if depth > MAX_AUDIT_DEPTH {
                return Err(ActionError::InvalidInput(format!(
                    "the workspace nests deeper than {MAX_AUDIT_DEPTH} directories at `{prefix}`"
                )));
            }
            let reader = std::fs::read_dir(&dir).map_err(|e| io(&prefix, &e))?;
            for item in reader {
                let item = item.map_err(|e| io(&prefix, &e))?;
                seen += 1;
                if seen > MAX_AUDIT_ENTRIES {
                    return Err(ActionError::InvalidInput(format!(
                        "the workspace has more than {MAX_AUDIT_ENTRIES} entries"
                    )));
                }
                let name = item.file_name().to_string_lossy().into_owned();
                let relative = shown(&name);
                if is_git_metadata(&name) {
                    return Err(ActionError::NotAllowed(format!(
                        "`{relative}` is git metadata; a template may not put `.git` entries in the workspace (their configuration could run commands)"
                    )));
                }
                let file_type = item.file_type().map_err(|e| io(&relative, &e))?;
                if file_type.is_symlink() {
                    self.resolve(&relative).map_err(|_| {
                        ActionError::NotAllowed(format!(
                            "`{relative}` is a symlink that points outside the workspace"
                        ))
                    })?;
                } else if file_type.is_dir() {
                    stack.push((item.path(), relative, depth + 1));
                } else if !file_type.is_file() {
                    return Err(ActionError::NotAllowed(format!(
                        "`{relative}` is not a regular file, directory or symlink (a FIFO, socket or device)"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Reads a file inside the workspace, at most `max_bytes`.
    ///
    /// # Errors
    ///
    /// Escapes, missing files, and files over the limit.
    pub fn read(&self, relative: &str, max_bytes: usize) -> Result<Vec<u8>, ActionError> {
        let path = self.resolve(relative)?;
        read_limited(&path, max_bytes, relative)
    }

    /// Writes a file inside the workspace, creating parent directories.
    ///
    /// # Errors
    ///
    /// Escapes and I/O failures.
    pub fn write(&self, relative: &str, contents: &[u8]) -> Result<PathBuf, ActionError> {
        let path = self.resolve(relative)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(relative, &e))?;
            // A parent created through a race must still be inside.
            self.resolve(&self.relative(parent))?;
        }
        std::fs::write(&path, contents).map_err(|e| io(relative, &e))?;
        Ok(path)
    }
}

/// A new directory only the user can read (0700 on Unix): a staging
/// directory holds rendered files, secrets among them, until the run ends.
pub(crate) fn private_tempdir(
    prefix: &str,
    parent: Option<&Path>,
) -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    match parent {
        Some(parent) => builder.tempdir_in(parent),
        None => builder.tempdir(),
    }
}

pub(crate) fn io(relative: &str, error: &std::io::Error) -> ActionError {
    ActionError::io(relative, error)
}

/// `path` relative to `root`, `/`-separated.
pub(crate) fn relative_to(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads at most `max_bytes` of a file.
pub(crate) fn read_limited(
    path: &Path,
    max_bytes: usize,
    shown: &str,
) -> Result<Vec<u8>, ActionError> {
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(|e| io(shown, &e))?;
    if !meta.is_file() {
        return Err(ActionError::InvalidInput(format!(
            "{shown} is not a regular file"
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| io(shown, &e))?;
    let mut bytes = Vec::new();
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(shown, &e))?;
    if bytes.len() > max_bytes {
        return Err(ActionError::InvalidInput(format!(
            "{shown} is larger than {max_bytes} bytes"
        )));
    }
    Ok(bytes)
}

/// Resolves `relative` under the canonical `root`, following symlinks.
pub(crate) fn resolve_inside(root: &Path, relative: &str) -> Result<PathBuf, ActionError> {
    let escape = || {
        ActionError::NotAllowed(format!(
            "`{relative}` refers to a path outside the workspace"
        ))
    };
    let relative_path = Path::new(relative);
    if relative_path.is_absolute() || relative_path.has_root() {
        return Err(escape());
    }
    let mut current = root.to_path_buf();
    let mut pending: Vec<std::ffi::OsString> = relative_path
        .components()
        .rev()
        .map(|c| c.as_os_str().to_os_string())
        .collect();
    let mut links = 0;
    while let Some(part) = pending.pop() {
        match Path::new(&part).components().next() {
            Some(Component::CurDir) | None => continue,
            Some(Component::ParentDir) => {
                if current == root || !current.pop() || !current.starts_with(root) {
                    return Err(escape());
                }
                continue;
            }
            Some(Component::RootDir | Component::Prefix(_)) => return Err(escape()),
            Some(Component::Normal(_)) => {}
        }
        let candidate = current.join(&part);
        match std::fs::symlink_metadata(&candidate) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(ActionError::NotAllowed(format!(
                        "`{relative}` passes through too many symlinks"
                    )));
                }
                let target = std::fs::read_link(&candidate).map_err(|e| io(relative, &e))?;
                if target.is_absolute() {
                    // Re-walk from the filesystem root: only paths that come
                    // back inside the workspace are accepted.
                    let folded = fold(&target).ok_or_else(escape)?;
                    let inside = folded.strip_prefix(root).map_err(|_| escape())?;
                    current = root.to_path_buf();
                    pending.extend(
                        inside
                            .components()
                            .rev()
                            .map(|c| c.as_os_str().to_os_string()),
                    );
                } else {
                    pending.extend(
                        target
                            .components()
                            .rev()
                            .map(|c| c.as_os_str().to_os_string()),
                    );
                }
            }
            _ => current = candidate,
        }
    }
    if current.starts_with(root) {
        Ok(current)
    } else {
        Err(escape())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = Workspace::new(dir.path()).expect("workspace");
        (dir, ws)
    }

    #[test]
    fn plain_paths_stay_inside() {
        let (_dir, ws) = workspace();
        assert!(
            ws.resolve("a/b/c.txt")
                .expect("inside")
                .starts_with(ws.root())
        );
        assert!(ws.resolve("a/../b").is_ok());
        assert!(matches!(
            ws.resolve("../x"),
            Err(ActionError::NotAllowed(_))
        ));
        assert!(matches!(
            ws.resolve("a/../../x"),
            Err(ActionError::NotAllowed(_))
        ));
        assert!(matches!(
            ws.resolve("/etc/passwd"),
            Err(ActionError::NotAllowed(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_chains_and_dangling_links_are_refused() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().expect("outside");
        let (_dir, ws) = workspace();
        let root = ws.root().to_path_buf();
        symlink(outside.path(), root.join("out")).expect("link");
        symlink("out", root.join("chain")).expect("link");
        symlink(outside.path().join("missing"), root.join("dangling")).expect("link");
        symlink("inside-target", root.join("inner")).expect("link");
        std::fs::write(root.join("inside-target"), "x").expect("write");
        for path in ["out/secret", "chain/secret", "dangling", "chain", "out"] {
            assert!(
                matches!(ws.resolve(path), Err(ActionError::NotAllowed(_))),
                "{path}"
            );
        }
        assert_eq!(
            ws.resolve("inner").expect("inside"),
            root.join("inside-target")
        );
        symlink("loop-b", root.join("loop-a")).expect("link");
        symlink("loop-a", root.join("loop-b")).expect("link");
        assert!(ws.resolve("loop-a").is_err());
        let err = ws.write("dangling", b"x").expect_err("refused");
        assert!(
            !err.to_string().contains(&*outside.path().to_string_lossy()),
            "{err}"
        );
    }
}
