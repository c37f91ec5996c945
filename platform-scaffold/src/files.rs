//! The files a run produced, held in memory: for dry runs, the testing
//! helper and diffs against a directory.

use std::path::Path;

use base64::Engine as _;
use serde::Serialize;

use crate::Error;
use crate::actions::skeleton_walk;
use crate::workspace::{read_limited, resolve_inside};

/// One produced file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileEntry {
    /// Path relative to the output, `/`-separated.
    pub path: String,
    /// Whether any execute bit is set.
    pub executable: bool,
    /// The bytes (for a dangling symlink: the link text).
    pub content: Vec<u8>,
    /// The link text when the entry is a symlink.
    pub symlink: Option<String>,
}

impl FileEntry {
    /// The content as text, when it is UTF-8.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.content).ok()
    }
}

/// A file as a dry run returns it: `{path, executable, content}`, the
/// content as text, or base64 with `"encoding": "base64"` when binary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DryRunFile {
    /// Path relative to the workspace.
    pub path: String,
    /// Whether any execute bit is set.
    pub executable: bool,
    /// The content.
    pub content: String,
    /// `base64` when the content is not UTF-8 text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
}

impl From<&FileEntry> for DryRunFile {
    fn from(file: &FileEntry) -> Self {
        match file.text() {
            Some(text) if !text.contains('\0') => Self {
                path: file.path.clone(),
                executable: file.executable,
                content: text.to_owned(),
                encoding: None,
            },
            _ => Self {
                path: file.path.clone(),
                executable: file.executable,
                content: base64::engine::general_purpose::STANDARD.encode(&file.content),
                encoding: Some("base64"),
            },
        }
    }
}

#[cfg(unix)]
fn executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Every file under `root` (`.git` directories left out), as Backstage's
/// dry run serialises a workspace: symlinks that resolve inside are read
/// through, dangling ones give their link text.
pub(crate) fn collect(root: &Path, max_file_bytes: usize) -> Result<Vec<FileEntry>, Error> {
    let mut files = Vec::new();
    for entry in skeleton_walk(root)? {
        if entry.path.split('/').any(|part| part == ".git") {
            continue;
        }
        let full = root.join(&entry.path);
        let meta = std::fs::symlink_metadata(&full).map_err(|e| Error::io(&entry.path, &e))?;
        if meta.is_dir() {
            continue;
        }
        if meta.file_type().is_symlink() {
            let link = std::fs::read_link(&full)
                .map_err(|e| Error::io(&entry.path, &e))?
                .to_string_lossy()
                .into_owned();
            let resolved = resolve_inside(root, &entry.path)
                .ok()
                .filter(|p| p.is_file());
            let content = match resolved {
                Some(target) => read_limited(&target, max_file_bytes, &entry.path)?,
                None => link.clone().into_bytes(),
            };
            files.push(FileEntry {
                path: entry.path,
                executable: false,
                content,
                symlink: Some(link),
            });
            continue;
        }
        files.push(FileEntry {
            content: read_limited(&full, max_file_bytes, &entry.path)?,
            executable: executable(&meta),
            path: entry.path,
            symlink: None,
        });
    }
    Ok(files)
}

/// A deterministic text of a file tree, for snapshot tests: each file as
/// `--- path (executable)` followed by its content (binary files as a byte
/// count, symlinks as their target).
#[must_use]
pub fn snapshot_tree(files: &[FileEntry]) -> String {
    let mut out = String::new();
    let mut sorted: Vec<&FileEntry> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for file in sorted {
        out.push_str("--- ");
        out.push_str(&file.path);
        if file.executable {
            out.push_str(" (executable)");
        }
        if let Some(link) = &file.symlink {
            out.push_str(" -> ");
            out.push_str(link);
            out.push('\n');
            continue;
        }
        out.push('\n');
        match file.text() {
            Some("") => out.push_str("<empty>\n"),
            Some(text) if !text.contains('\0') => {
                out.push_str(text);
                if !text.ends_with('\n') {
                    out.push_str("\n\\ no newline at end of file\n");
                }
            }
            _ => out.push_str(&format!("<binary, {} bytes>\n", file.content.len())),
        }
    }
    out
}

/// How a produced file compares with a directory's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Only in the produced files.
    Added,
    /// Only in the directory.
    Removed,
    /// In both, different.
    Modified,
}

/// One difference between produced files and a directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FileChange {
    /// Path relative to both.
    pub path: String,
    /// What differs.
    pub change: Change,
    /// For modified text files, a unified-style listing of changed lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// The differences between produced `files` and the directory `dir`
/// (`.git` left out), sorted by path.
///
/// # Errors
///
/// When the directory cannot be read.
pub fn diff_against(files: &[FileEntry], dir: &Path) -> Result<Vec<FileChange>, Error> {
    let existing = if dir.exists() {
        collect(dir, usize::MAX)?
    } else {
        Vec::new()
    };
    let mut changes = Vec::new();
    for file in files {
        match existing.iter().find(|e| e.path == file.path) {
            None => changes.push(FileChange {
                path: file.path.clone(),
                change: Change::Added,
                diff: None,
            }),
            Some(old) if old.content != file.content || old.executable != file.executable => {
                changes.push(FileChange {
                    path: file.path.clone(),
                    change: Change::Modified,
                    diff: match (old.text(), file.text()) {
                        (Some(a), Some(b)) => Some(line_diff(a, b)),
                        _ => None,
                    },
                })
            }
            Some(_) => {}
        }
    }
    for old in &existing {
        if !files.iter().any(|f| f.path == old.path) {
            changes.push(FileChange {
                path: old.path.clone(),
                change: Change::Removed,
                diff: None,
            });
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

/// Lines removed (`-`) and added (`+`) between two texts, after their
/// common prefix and suffix.
fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = format!("@@ line {} @@\n", prefix + 1);
    for line in &a[prefix..a.len() - suffix] {
        out.push_str(&format!("-{line}\n"));
    }
    for line in &b[prefix..b.len() - suffix] {
        out.push_str(&format!("+{line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_list_changed_lines() {
        assert_eq!(
            line_diff("a\nb\nc\n", "a\nB\nc\n"),
            "@@ line 2 @@\n-b\n+B\n"
        );
    }
}
