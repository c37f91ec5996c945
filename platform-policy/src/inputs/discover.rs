//! Finding candidate files in a tree and guessing what they are.

use std::path::{Path, PathBuf};

use globset::GlobSet;

/// What a file's name suggests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileHint {
    /// `*.yaml`, `*.yml`.
    Yaml,
    /// `*.json` (read only when it looks like a Kubernetes object).
    Json,
    /// `Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`.
    Dockerfile,
    /// No extension: the content decides.
    Unknown,
    /// Not a candidate.
    Skip,
}

/// The hint for a file name (the last path segment of `path`).
pub(crate) fn hint_for(path: &str) -> FileHint {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
    {
        return FileHint::Dockerfile;
    }
    match lower.rsplit_once('.') {
        Some((_, "yaml" | "yml")) => FileHint::Yaml,
        Some((_, "json")) => FileHint::Json,
        Some(_) => FileHint::Skip,
        None => FileHint::Unknown,
    }
}

/// Whether text reads like a Dockerfile: its first instruction (after
/// comments and blank lines) is `FROM` or `ARG`, and it has a `FROM`.
pub(crate) fn sniff_dockerfile(text: &str) -> bool {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = lines.next() else {
        return false;
    };
    let keyword = |l: &str, k: &str| {
        l.len() > k.len()
            && l.get(..k.len()).is_some_and(|p| p.eq_ignore_ascii_case(k))
            && l[k.len()..].starts_with(char::is_whitespace)
    };
    (keyword(first, "FROM") || keyword(first, "ARG"))
        && (keyword(first, "FROM") || lines.take(64).any(|l| keyword(l, "FROM")))
}

/// Whether extension-less text reads like a Kubernetes manifest.
pub(crate) fn sniff_yaml(text: &str) -> bool {
    let head = text.get(..text.len().min(4096)).unwrap_or("");
    head.lines().any(|l| l.starts_with("apiVersion:"))
        && head.lines().any(|l| l.starts_with("kind:"))
}

/// A file to read.
pub(crate) struct Candidate {
    pub(crate) path: PathBuf,
    pub(crate) display: String,
    pub(crate) hint: FileHint,
    /// What the entry is when it is not a regular file (`a FIFO`): it is
    /// reported, never opened.
    pub(crate) special: Option<&'static str>,
}

/// A candidate for one explicitly named file.
pub(crate) fn discover_candidate(path: PathBuf, display: String, hint: FileHint) -> Candidate {
    Candidate {
        path,
        display,
        hint,
        special: None,
    }
}

/// Candidate files under `root` (honouring `.gitignore` when asked), sorted
/// by path.
pub(crate) fn discover(root: &Path, gitignore: bool, exclude: &GlobSet) -> Vec<Candidate> {
    let mut files: Vec<Candidate> = platform_model::files::tree_walker(root, gitignore)
        .build()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            // The entry's own type (links are not followed): FIFOs, sockets
            // and devices are candidates only to be reported, never opened.
            let t = entry.file_type()?;
            let special = if t.is_file() {
                None
            } else if t.is_dir() || t.is_symlink() {
                return None;
            } else {
                Some(special_kind(t).unwrap_or("a special file"))
            };
            let path = entry.into_path();
            let display = display_path(root, &path);
            if exclude.is_match(&display) {
                return None;
            }
            let hint = hint_for(&display);
            (hint != FileHint::Skip).then_some(Candidate {
                path,
                display,
                hint,
                special,
            })
        })
        .collect();
    files.sort_by(|a, b| a.display.cmp(&b.display));
    files
}

pub(crate) use platform_model::files::display_path;

/// What kind of non-regular file `t` is (`None` for a regular file).
fn special_kind(t: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
    }
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_symlink() {
        Some("a symbolic link")
    } else {
        Some("a special file")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_hints() {
        assert_eq!(hint_for("a/Dockerfile"), FileHint::Dockerfile);
        assert_eq!(hint_for("a/api.Dockerfile"), FileHint::Dockerfile);
        assert_eq!(hint_for("a/Dockerfile.prod"), FileHint::Dockerfile);
        assert_eq!(hint_for("deploy/x.yml"), FileHint::Yaml);
        assert_eq!(hint_for("x.json"), FileHint::Json);
        assert_eq!(hint_for("main.go"), FileHint::Skip);
        assert_eq!(hint_for("Makefile"), FileHint::Unknown);
    }

    #[test]
    fn content_sniffing() {
        assert!(sniff_dockerfile("# build\nARG X=1\nFROM alpine:3\n"));
        assert!(sniff_dockerfile("from alpine\n"));
        assert!(!sniff_dockerfile("all:\n\tcargo build\n"));
        assert!(!sniff_dockerfile("FROMAGE\n"));
        assert!(sniff_yaml("apiVersion: v1\nkind: Pod\n"));
    }
}
