//! Reading untrusted trees: the one place every crate of the workspace
//! reads, walks and names files from.
//!
//! - [`read_limited`]: only regular files (FIFOs, devices, sockets and
//!   directories are refused before they are opened, and the open never
//!   blocks), and every read stops one byte past its limit;
//! - [`confine`]: a path is resolved through symlinks (dangling ones
//!   included) before it is read, and anything outside the root is refused;
//! - [`tree_walker`]: the directory walk of the loader and the policy
//!   checker (hidden files skipped, `.gitignore` honoured on request, links
//!   never followed);
//! - [`display_path`]: root-relative, `/`-separated names for diagnostics.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why a confined read failed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Confined {
    /// The path (after resolving symlinks) is outside the root.
    Outside,
    /// Nothing exists at the path.
    NotFound,
    /// It exists but cannot be read as UTF-8 text within the size limit.
    Unreadable(String),
    /// It exists but is not a regular file (the name of what it is).
    NotRegular(&'static str),
}

/// Why [`read_limited`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// Not a regular file (the name of what it is: "a FIFO", …).
    NotRegular(&'static str),
    /// Larger than the limit.
    TooLarge(usize),
    /// Any other I/O failure.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            Self::TooLarge(limit) => write!(f, "larger than the {limit}-byte limit"),
            Self::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<ReadError> for Confined {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::NotRegular(what) => Self::NotRegular(what),
            other => Self::Unreadable(other.to_string()),
        }
    }
}

/// What a file type is, when it is not a regular file (`"a FIFO"`,
/// `"a directory"`, …), or `None` for a regular file.
#[must_use]
pub fn irregular_kind(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a regular file")
}

/// Checks, without opening it, that `path` (symlinks followed) is a regular file.
///
/// # Errors
///
/// [`ReadError::NotRegular`] for anything else, [`ReadError::Io`] when
/// its type cannot be read.
pub fn check_regular(path: &Path) -> Result<(), ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    match irregular_kind(meta.file_type()) {
        Some(what) => Err(ReadError::NotRegular(what)),
        None => Ok(()),
    }
}

/// Resolves `path` (symlinks included) and checks that it stays inside
/// `root`, which must already be canonical.
///
/// # Errors
///
/// [`Confined`] says why not: outside the root, missing, or unreadable.
pub fn confine(root: &Path, path: &Path) -> Result<PathBuf, Confined> {
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

/// The git work tree holding `dir`: the nearest ancestor (or `dir`
/// itself) with a `.git` entry, canonicalized. Catalog reads are confined
/// to it, as Backstage's readers keep reads within one repository.
#[must_use]
pub fn repository_root(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// Whether `path`, with `.` and `..` folded without touching the disk,
/// stays inside `root`.
#[must_use]
pub fn lexically_inside(root: &Path, path: &Path) -> bool {
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

/// Reads a regular file of at most `max_bytes`. The file type and size are
/// checked before opening (a FIFO would block the open, a device would
/// never end), the file is opened non-blocking and checked again through
/// the open handle (in case it was swapped), and the read itself stops one
/// byte past the limit in case the file grew.
///
/// Every crate of the workspace reads untrusted files through this one
/// function.
///
/// # Errors
///
/// [`ReadError`] when `path` is not a regular file, is larger than
/// `max_bytes`, or cannot be read.
pub fn read_limited(path: &Path, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
    check_regular(path)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if let Some(what) = irregular_kind(meta.file_type()) {
        return Err(ReadError::NotRegular(what));
    }
    let len = meta.len();
    if len > max_bytes as u64 {
        return Err(ReadError::TooLarge(max_bytes));
    }
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > max_bytes {
        return Err(ReadError::TooLarge(max_bytes));
    }
    Ok(bytes)
}

/// `path` relative to `root`, with `/` separators, for display (the file
/// name when `path` is `root` itself).
#[must_use]
pub fn display_path(root: &Path, path: &Path) -> String {
    let climbed;
    let relative = match path.strip_prefix(root) {
        Ok(relative) => relative,
        Err(_) => match climb(root, path) {
            Some(path) => {
                climbed = path;
                &climbed
            }
            None => path,
        },
    };
    if relative.is_absolute() {
        return relative.to_string_lossy().replace('\\', "/");
    }
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

/// `path` relative to `root` through `..` when both are absolute and share
/// an ancestor other than the filesystem root.
fn climb(root: &Path, path: &Path) -> Option<PathBuf> {
    if !root.is_absolute() || !path.is_absolute() {
        return None;
    }
    let root_parts: Vec<Component<'_>> = root.components().collect();
    let path_parts: Vec<Component<'_>> = path.components().collect();
    let shared = root_parts
        .iter()
        .zip(&path_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if shared < 2
        || root_parts[shared..]
            .iter()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in shared..root_parts.len() {
        out.push("..");
    }
    for part in &path_parts[shared..] {
        out.push(part.as_os_str());
    }
    Some(out)
}

/// The directory walk the loader and the policy checker share: hidden
/// files and directories skipped, `.gitignore`, `.git/info/exclude` and
/// `.ignore` honoured when `gitignore` is set (outside git repositories
/// too, never the user's global excludes), symbolic links not followed.
#[must_use]
pub fn tree_walker(root: &Path, gitignore: bool) -> ignore::WalkBuilder {
    let mut walker = ignore::WalkBuilder::new(root);
    walker
        .hidden(true)
        .git_ignore(gitignore)
        .git_exclude(gitignore)
        .git_global(false)
        .ignore(gitignore)
        .require_git(false)
        .follow_links(false);
    walker
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
        // Outside the root but in the same tree: through `..`.
        assert_eq!(
            display_path(
                Path::new("/repo/catalog"),
                Path::new("/repo/templates/t.yaml")
            ),
            "../templates/t.yaml"
        );
        assert_eq!(
            display_path(Path::new("/a"), Path::new("/b/c.yaml")),
            "/b/c.yaml"
        );
    }
}
