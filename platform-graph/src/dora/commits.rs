//! Lead times need when each deployed change was committed. A
//! [`CommitSource`] answers "which commits does this deployment ship that
//! the previous one did not"; [`GitRepository`] asks a local clone with the
//! `git` command. Plug in your own source (a forge's API, a cache) by
//! implementing the trait.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jiff::Timestamp;
use platform_model::Diagnostic;

use super::events::{Commit, Deployment, DeploymentStatus};
use super::read::is_commit_id;
use crate::codes;

/// Where commit times come from.
pub trait CommitSource {
    /// The commits reachable from `deployed` and not from `previous` (only
    /// `deployed` itself when there is no previous deployment), newest
    /// first.
    ///
    /// # Errors
    ///
    /// A message when `deployed` (or `previous`) is not a known commit.
    fn shipped(&mut self, deployed: &str, previous: Option<&str>) -> Result<Vec<Commit>, String>;
}

/// A local git repository, read with the `git` command.
///
/// The repository is treated as untrusted: commit ids must be hexadecimal
/// (no option can be smuggled in), no pager, signature check or fsmonitor
/// hook runs, the user's and the system's git configuration are ignored,
/// and at most [`GitRepository::with_max_commits`] commits are read per
/// deployment.
#[derive(Clone, Debug)]
#[must_use]
pub struct GitRepository {
    dir: PathBuf,
    max_commits: usize,
}

impl GitRepository {
    /// The repository in `dir` (a work tree or a bare repository).
    pub fn new(dir: impl AsRef<Path>) -> Self {
        Self {
            dir: dir.as_ref().to_path_buf(),
            max_commits: 10_000,
        }
    }

    /// The most commits counted for one deployment (default 10 000).
    pub fn with_max_commits(mut self, max: usize) -> Self {
        self.max_commits = max.max(1);
        self
    }

    fn git(&self) -> Command {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(&self.dir)
            .args([
                "--no-pager",
                "-c",
                "core.fsmonitor=false",
                "-c",
                "log.showSignature=false",
                "-c",
                "gpg.program=false",
            ])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", null_device())
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .stdin(Stdio::null());
        command
    }
}

fn null_device() -> &'static str {
    if cfg!(windows) { "NUL" } else { "/dev/null" }
}

impl CommitSource for GitRepository {
    fn shipped(&mut self, deployed: &str, previous: Option<&str>) -> Result<Vec<Commit>, String> {
        for id in std::iter::once(deployed).chain(previous) {
            if !is_commit_id(id) {
                return Err(format!(
                    "`{id}` is not a commit id (4 to 64 hexadecimal digits)"
                ));
            }
        }
        let mut command = self.git();
        command.args(["log", "--format=%H %ct"]);
        match previous {
            Some(_) => command.arg(format!("--max-count={}", self.max_commits)),
            None => command.arg("--max-count=1"),
        };
        command
            .arg("--end-of-options")
            .arg(format!("{deployed}^{{commit}}"));
        if let Some(previous) = previous {
            command.arg(format!("^{previous}^{{commit}}"));
        }
        command.arg("--");
        let output = command
            .output()
            .map_err(|e| format!("cannot run git in {}: {e}", self.dir.display()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let first = stderr.lines().next().unwrap_or("").trim();
            return Err(format!(
                "`{deployed}` is not a commit of {}: {first}",
                self.dir.display()
            ));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut commits = Vec::new();
        for line in stdout.lines() {
            let Some((sha, seconds)) = line.split_once(' ') else {
                continue;
            };
            let time = seconds
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|s| Timestamp::from_second(s).ok())
                .ok_or_else(|| format!("git gave no commit time for {sha}"))?;
            commits.push(Commit {
                sha: Some(sha.to_owned()),
                time,
            });
        }
        Ok(commits)
    }
}

/// Fills in the commits of every successful deployment that names a
/// `commit` and lists none: those reachable from it and not from the
/// previous successful deployment of the same entity and environment.
/// A deployment whose commit the source does not know is removed, with a
/// located `dora.unknown-commit` diagnostic; the count removed is returned
/// with the diagnostics.
pub fn commits_from_source(
    deployments: &mut Vec<Deployment>,
    source: &mut dyn CommitSource,
) -> (Vec<Diagnostic>, usize) {
    let mut diagnostics = Vec::new();
    // Each entity's successful deployments with a commit, in time order.
    let mut chains: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, d) in deployments.iter().enumerate() {
        if d.status == DeploymentStatus::Success && d.commit.is_some() {
            chains
                .entry((d.entity.text().to_owned(), d.environment.clone()))
                .or_default()
                .push(i);
        }
    }
    let mut remove = vec![false; deployments.len()];
    for chain in chains.values_mut() {
        chain.sort_by_key(|&i| deployments[i].time);
        let mut previous: Option<String> = None;
        for &i in chain.iter() {
            let Some(commit) = deployments[i].commit.clone() else {
                continue;
            };
            if deployments[i].commits.is_empty() {
                match source.shipped(&commit, previous.as_deref()) {
                    Ok(commits) => deployments[i].commits = commits,
                    Err(message) => {
                        diagnostics.push(
                            Diagnostic::error(codes::DORA_UNKNOWN_COMMIT, message)
                                .with_span(deployments[i].source.clone()),
                        );
                        remove[i] = true;
                        continue;
                    }
                }
            }
            previous = Some(commit);
        }
    }
    let removed = remove.iter().filter(|r| **r).count();
    let mut index = 0;
    deployments.retain(|_| {
        let keep = !remove[index];
        index += 1;
        keep
    });
    (diagnostics, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_ids_must_be_hexadecimal() {
        let mut repo = GitRepository::new(".");
        let err = repo.shipped("--output=/tmp/x", None).expect_err("option");
        assert!(err.contains("not a commit id"), "{err}");
        let err = repo.shipped("abcd", Some("HEAD")).expect_err("ref");
        assert!(err.contains("not a commit id"), "{err}");
    }
}
