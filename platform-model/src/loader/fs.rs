//! File access confined to the catalog root: every path is resolved through
//! symlinks before it is read, and anything outside the root is refused.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why a confined read failed.
#[derive(Debug)]
pub(crate) enum Confined {
    /// The path (after resolving symlinks) is outside the root.
    Outside,
    /// Nothing exists at the path.
    NotFound,
    /// It exists but cannot be read as UTF-8 text within the size limit.
    Unreadable(String),
}

/// Resolves `path` (symlinks included) and checks that it stays inside
/// `root`, which must already be canonical.
pub(crate) fn confine(root: &Path, path: &Path) -> Result<PathBuf, Confined> {
    // Refuse `..` escapes even when the target does not exist.
    if !lexically_inside(root, path) {
        return Err(Confined::Outside);
    }
    let resolved = match path.canonicalize() {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symlink or a missing file: a symlink that exists but
            // points nowhere may still point outside; treat it as missing
            // only when it is not a link.
            return match std::fs::symlink_metadata(path) {
                Ok(meta) if meta.file_type().is_symlink() => match std::fs::read_link(path) {
                    Ok(target)
                        if !lexically_inside(
                            root,
                            &path.parent().unwrap_or(root).join(&target),
                        ) =>
                    {
                        Err(Confined::Outside)
                    }
                    _ => Err(Confined::NotFound),
                },
                _ => Err(Confined::NotFound),
            };
        }
        Err(e) => return Err(Confined::Unreadable(e.to_string())),
    };
    if resolved.starts_with(root) {
        Ok(resolved)
    } else {
        Err(Confined::Outside)
    }
}

/// Whether `path`, with `.` and `..` folded without touching the disk,
/// stays inside `root`.
pub(crate) fn lexically_inside(root: &Path, path: &Path) -> bool {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                if !out.pop() {
                    return false;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.starts_with(root)
}

/// Reads a UTF-8 file inside `root`, refusing files over `max_bytes`.
pub(crate) fn read_confined(
    root: &Path,
    path: &Path,
    max_bytes: usize,
) -> Result<String, Confined> {
    let resolved = confine(root, path)?;
    let bytes = read_limited(&resolved, max_bytes).map_err(Confined::Unreadable)?;
    String::from_utf8(bytes).map_err(|e| Confined::Unreadable(format!("not UTF-8 text ({e})")))
}

/// Reads a file of at most `max_bytes`. The size is checked before reading,
/// and the read itself stops one byte past the limit in case the file grew.
pub(crate) fn read_limited(path: &Path, max_bytes: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len > max_bytes as u64 {
        return Err(format!("larger than the {max_bytes}-byte limit"));
    }
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() > max_bytes {
        return Err(format!("larger than the {max_bytes}-byte limit"));
    }
    Ok(bytes)
}

/// `path` relative to `root`, with `/` separators, for display.
pub(crate) fn display_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let text: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if text.is_empty() {
        path.file_name()
            .map_or_else(|| ".".to_owned(), |n| n.to_string_lossy().into_owned())
    } else {
        text.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_cannot_escape() {
        let root = Path::new("/a/b");
        assert!(lexically_inside(root, Path::new("/a/b/c/../d")));
        assert!(!lexically_inside(root, Path::new("/a/b/../c")));
        assert!(!lexically_inside(root, Path::new("/a/b/../../../../etc")));
    }

    #[test]
    fn display_paths_use_slashes() {
        assert_eq!(
            display_path(Path::new("/r"), Path::new("/r/x/y.yaml")),
            "x/y.yaml"
        );
        assert_eq!(
            display_path(Path::new("/r/y.yaml"), Path::new("/r/y.yaml")),
            "y.yaml"
        );
    }
}
