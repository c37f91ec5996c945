//! Shared set-up for the workspace's benchmarks: synthetic catalogs written
//! to disk once per run, and the baseline they are compared with.

use std::path::{Path, PathBuf};

use platform_model::synthetic::SyntheticOrg;
use rayon::prelude::*;

/// A synthetic organisation written to a temporary directory.
pub struct OnDisk {
    dir: tempfile::TempDir,
    files: Vec<PathBuf>,
}

impl OnDisk {
    /// Writes `entities` entities in files of 1 to 20 documents.
    ///
    /// # Panics
    ///
    /// When the temporary directory cannot be written (a broken bench machine).
    #[must_use]
    pub fn new(entities: usize) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        SyntheticOrg::new(entities)
            .write_to(dir.path())
            .expect("write synthetic org");
        let mut files = Vec::new();
        collect_yaml(dir.path(), &mut files);
        files.sort();
        Self { dir, files }
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The root Location file.
    #[must_use]
    pub fn root_location(&self) -> PathBuf {
        self.dir.path().join("catalog-info.yaml")
    }

    /// Every YAML file.
    #[must_use]
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// The floor: reading every file and parsing it with serde-saphyr into JSON
/// values, files in parallel. Returns the number of documents.
#[must_use]
pub fn serde_saphyr_parse(files: &[PathBuf]) -> usize {
    files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let options = serde_saphyr::options! {
                budget: serde_saphyr::budget! { max_documents: 100_000 },
            };
            serde_saphyr::from_multiple_with_options::<serde_json::Value>(&text, options)
                .map(|docs| docs.len())
                .unwrap_or(0)
        })
        .sum()
}

/// The README's Rust samples, compiled as doctests so that they keep
/// matching the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeSamples;

/// `count` deployments and `count / 100` incidents over the components of
/// `graph`, in November 2026, from a fixed seed: 90 % succeed, every
/// twentieth rolls the previous one of its entity back, each ships one to
/// three commits between 10 minutes and two days old; a third of the
/// events name their entity by bare name, the rest by reference; one in a
/// thousand names an entity the catalog does not have.
///
/// # Panics
///
/// When the graph has no component (not a synthetic organisation).
#[must_use]
pub fn dora_events(
    graph: &platform_graph::CatalogGraph,
    count: usize,
) -> (
    Vec<platform_graph::dora::Deployment>,
    Vec<platform_graph::dora::Incident>,
) {
    use platform_graph::dora::{
        Commit, Deployment, DeploymentStatus, EventKey, Incident, parse_bound,
    };
    let components: Vec<String> = graph
        .nodes()
        .filter(|(_, n)| n.kind == platform_model::EntityKind::Component && !n.is_placeholder())
        .map(|(_, n)| n.entity_ref.to_string())
        .collect();
    assert!(!components.is_empty(), "no components");
    let start = parse_bound("2026-11-01").expect("date");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let source = platform_model::Span::file_start("bench".into());
    let at = |seconds: u64| {
        start
            .checked_add(jiff::SignedDuration::from_secs(
                i64::try_from(seconds).unwrap_or(0),
            ))
            .expect("time")
    };
    let month = 30 * 24 * 3600;
    let mut deployments = Vec::with_capacity(count);
    for i in 0..count {
        let r = next();
        let pick = usize::try_from(r % components.len() as u64).unwrap_or(0);
        let name = &components[pick];
        let key = if i % 1000 == 999 {
            EventKey::Entity(format!("ghost-{i}"))
        } else if i % 3 == 0 {
            EventKey::Entity(name.rsplit('/').next().unwrap_or(name).to_owned())
        } else {
            EventKey::Entity(name.clone())
        };
        let seconds = (r >> 20) % month;
        let status = if (r >> 8) % 10 == 0 {
            DeploymentStatus::Failure
        } else {
            DeploymentStatus::Success
        };
        let commits = (0..1 + (r >> 40) % 3)
            .map(|k| Commit {
                sha: None,
                time: at(seconds.saturating_sub(600 + ((r >> (k * 7)) % (2 * 86_400)))),
            })
            .collect();
        let mut d = Deployment::new(at(seconds), key, "production", status, source.clone())
            .with_id(format!("d{i}"))
            .with_commits(commits);
        if i % 20 == 19 {
            d = d.with_rollback_of(format!("d{}", i - 1));
        }
        deployments.push(d);
    }
    let incidents = (0..count / 100)
        .map(|i| {
            let r = next();
            let name = &components[usize::try_from(r % components.len() as u64).unwrap_or(0)];
            let started = (r >> 20) % month;
            Incident::new(EventKey::Entity(name.clone()), at(started), source.clone())
                .with_resolved(at(started + (r >> 8) % 86_400))
                .with_caused_by(format!("d{}", i * 100))
        })
        .collect();
    (deployments, incidents)
}
