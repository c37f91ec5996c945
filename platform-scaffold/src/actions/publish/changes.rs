//! A pull or merge request's commit, made with git's plumbing in a
//! private repository directory: the base branch's tree with the
//! workspace's files laid over it (under `targetPath`), some paths
//! deleted, committed on top of the base and pushed to the request's
//! branch. Files are read as Backstage's `serializeDirectoryContents`
//! reads them for these actions: `.gitignore` honoured, executables kept
//! as such, symlinks to something that exists left out (a dangling one
//! kept as a link).

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::Path;

use crate::Error;
use crate::actions::git::{GitDirs, git_with};

/// What to commit.
pub(crate) struct Changes<'a> {
    /// The bare repository of the local host.
    pub(crate) bare: &'a Path,
    /// The branch the request targets.
    pub(crate) base: &'a str,
    /// The workspace directory whose files are laid over the base.
    pub(crate) files: Option<&'a Path>,
    /// Where in the repository they go (`""`: its root).
    pub(crate) target_path: &'a str,
    /// Repository paths to delete.
    pub(crate) delete: &'a [String],
    pub(crate) message: &'a str,
    pub(crate) author: (&'a str, &'a str),
}

/// The commit made, and whether its tree differs from the base's.
pub(crate) struct Committed {
    pub(crate) commit: String,
    pub(crate) changed: bool,
}

/// Makes the commit (not yet pushed anywhere).
pub(crate) fn commit(changes: &Changes<'_>, scratch: &Path) -> Result<Committed, Error> {
    let empty = tempfile_dir(scratch)?;
    let git_dir = scratch.join("repo.git");
    let dirs = GitDirs {
        work_tree: empty.as_path(),
        git_dir: &git_dir,
    };
    let run = |args: &[&str], env: &[(&str, &OsStr)], stdin: Option<&[u8]>| {
        git_with(scratch, Some(&dirs), args, None, env, stdin)
    };
    run(&["init", "--quiet"], &[], None)?;
    let bare = changes.bare.to_string_lossy().into_owned();
    git_with(
        scratch,
        Some(&dirs),
        &[
            "-c",
            "protocol.allow=never",
            "-c",
            "protocol.file.allow=always",
            "fetch",
            "--quiet",
            "--no-tags",
            "--",
            &bare,
            &format!("+refs/heads/{}:refs/base", changes.base),
        ],
        None,
        &[],
        None,
    )
    .map_err(|_| {
        Error::Failed(format!(
            "the branch {} does not exist in the repository",
            changes.base
        ))
    })?;
    let request_index = scratch.join("request.index");
    let index_env: [(&str, &OsStr); 1] = [("GIT_INDEX_FILE", request_index.as_os_str())];
    run(&["read-tree", "refs/base"], &index_env, None)?;
    let mut lines = String::new();
    if let Some(files) = changes.files {
        for (mode, sha, path) in workspace_entries(scratch, &git_dir, files)? {
            let _ = writeln!(
                lines,
                "{mode} {sha}\t{}",
                super::repository_join(changes.target_path, &path)
            );
        }
    }
    for path in changes.delete {
        let _ = writeln!(
            lines,
            "0 0000000000000000000000000000000000000000\t{}",
            path.trim_matches('/')
        );
    }
    if !lines.is_empty() {
        run(
            &["update-index", "--index-info"],
            &index_env,
            Some(lines.as_bytes()),
        )?;
    }
    let tree = run(&["write-tree"], &index_env, None)?;
    let base_tree = run(&["rev-parse", "refs/base^{tree}"], &[], None)?;
    let commit = git_with(
        scratch,
        Some(&dirs),
        &[
            "commit-tree",
            &tree,
            "-p",
            "refs/base",
            "-m",
            changes.message,
        ],
        Some(changes.author),
        &[],
        None,
    )?;
    Ok(Committed {
        commit,
        changed: tree != base_tree,
    })
}

/// Pushes `commit` to `branch` of the bare repository (replacing it, as
/// Backstage updates the request's branch with `force`).
pub(crate) fn push(scratch: &Path, bare: &Path, commit: &str, branch: &str) -> Result<(), Error> {
    let empty = scratch.join("empty");
    let git_dir = scratch.join("repo.git");
    let dirs = GitDirs {
        work_tree: &empty,
        git_dir: &git_dir,
    };
    git_with(
        scratch,
        Some(&dirs),
        &[
            "-c",
            "protocol.allow=never",
            "-c",
            "protocol.file.allow=always",
            "push",
            "--quiet",
            "--",
            &bare.to_string_lossy(),
            &format!("+{commit}:refs/heads/{branch}"),
        ],
        None,
        &[],
        None,
    )
    .map(|_| ())
}

/// Whether `branch` exists in the bare repository.
pub(crate) fn branch_exists(bare: &Path, branch: &str) -> bool {
    crate::actions::git::git(
        bare,
        None,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
        None,
    )
    .is_ok()
}

fn tempfile_dir(scratch: &Path) -> Result<std::path::PathBuf, Error> {
    let empty = scratch.join("empty");
    std::fs::create_dir_all(&empty).map_err(|e| Error::io("a temporary directory", &e))?;
    Ok(empty)
}

/// The files of `dir` as a pull request sends them (mode, blob, path),
/// staged in a private repository directory under `scratch`.
#[cfg(feature = "hosting-api")]
pub(crate) fn workspace_files(
    scratch: &Path,
    dir: &Path,
) -> Result<Vec<(String, String, String)>, Error> {
    let git_dir = scratch.join("files.git");
    let empty = tempfile_dir(scratch)?;
    let dirs = GitDirs {
        work_tree: &empty,
        git_dir: &git_dir,
    };
    git_with(scratch, Some(&dirs), &["init", "--quiet"], None, &[], None)?;
    workspace_entries(scratch, &git_dir, dir)
}

/// The files of `dir` as index entries (mode, blob, path), staged by git
/// itself so `.gitignore` applies; symlinks whose target exists dropped.
fn workspace_entries(
    scratch: &Path,
    git_dir: &Path,
    dir: &Path,
) -> Result<Vec<(String, String, String)>, Error> {
    let dirs = GitDirs {
        work_tree: dir,
        git_dir,
    };
    let index = scratch.join("workspace.index");
    let env: [(&str, &OsStr); 1] = [("GIT_INDEX_FILE", index.as_os_str())];
    git_with(scratch, Some(&dirs), &["add", "--all"], None, &env, None)?;
    let listing = git_with(
        scratch,
        Some(&dirs),
        &["ls-files", "-s", "-z"],
        None,
        &env,
        None,
    )?;
    let mut entries = Vec::new();
    for record in listing.split('\0').filter(|r| !r.is_empty()) {
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split(' ');
        let (Some(mode), Some(sha)) = (fields.next(), fields.next()) else {
            continue;
        };
        if mode == "120000" && dir.join(path).exists() {
            continue;
        }
        entries.push((mode.to_owned(), sha.to_owned(), path.to_owned()));
    }
    Ok(entries)
}
