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
