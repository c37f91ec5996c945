//! The catalog loader (`platform_model::loader::Loader::load`) on a tree of
//! files built from the input.
//!
//! Input: a small archive. The text before the first header is
//! `catalog-info.yaml`; each line `%%% <path>` starts a file, and
//! `%%% <path> -> <target>` makes `<path>` a symbolic link to `<target>`.
//! Paths are reduced to safe relative names (at most 16 files, 4 levels).
//! Next to the root directory sits `outside/`, holding a valid entity and a
//! text file, both marked: nothing may ever be read from there.
//!
//! Promises checked: no panic, `load` succeeds on the root file and on the
//! root directory; every diagnostic of a file the catalog holds lies inside
//! that file; nothing outside the root is read (no marked entity, source or
//! placeholder value); every file named by the catalog is under the root.

#![no_main]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use platform_fuzz::assert_diagnostic;
use platform_model::loader::{Catalog, LoadOptions, Loader};

const MARKER: &str = "OUTSIDE-SECRET-7F3A";
const OUTSIDE_ENTITY: &str = "apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: outside-secret-7f3a
  description: OUTSIDE-SECRET-7F3A
spec: {type: service, lifecycle: production, owner: group:outside-secret-7f3a}
";
const MAX_FILES: usize = 16;

struct Entry {
    path: String,
    content: String,
    link: Option<String>,
}

fn clean_component(c: &str) -> Option<String> {
    let c: String = c
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
        .collect();
    (!c.is_empty() && c != "." && c != "..").then_some(c)
}

fn clean_path(p: &str) -> Option<String> {
    let parts: Vec<String> = p.split('/').filter_map(clean_component).take(4).collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A link target: relative components only (`..` allowed, so a link can
/// try to leave the root), at most 12 of them.
fn clean_target(t: &str) -> Option<String> {
    let parts: Vec<String> = t
        .split('/')
        .filter_map(|c| {
            if c == ".." {
                Some("..".to_owned())
            } else {
                clean_component(c)
            }
        })
        .take(12)
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn unpack(text: &str) -> Vec<Entry> {
    let mut entries = vec![Entry {
        path: "catalog-info.yaml".into(),
        content: String::new(),
        link: None,
    }];
    for line in text.split_inclusive('\n') {
        if let Some(header) = line.strip_prefix("%%% ") {
            if entries.len() >= MAX_FILES {
                break;
            }
            let header = header.trim_end_matches(['\n', '\r']);
            let (path, link) = match header.split_once(" -> ") {
                Some((p, t)) => (p, clean_target(t)),
                None => (header, None),
            };
            let path = clean_path(path).unwrap_or_else(|| format!("file{}.yaml", entries.len()));
            entries.push(Entry {
                path,
                content: String::new(),
                link,
            });
        } else if let Some(last) = entries.last_mut() {
            last.content.push_str(line);
        }
    }
    entries
}

fn materialise(root: &Path, entries: &[Entry]) {
    for e in entries {
        let path = root.join(&e.path);
        if let Some(parent) = path.parent() {
            // A file may already sit where a directory is wanted: skip it.
            if std::fs::create_dir_all(parent).is_err() {
                continue;
            }
        }
        if path.exists() || path.symlink_metadata().is_ok() {
            continue;
        }
        match &e.link {
            Some(target) => {
                let _ = std::os::unix::fs::symlink(target, &path);
            }
            None => {
                let _ = std::fs::write(&path, &e.content);
            }
        }
    }
}

fn check(catalog: &Catalog, input_has_marker: bool) {
    let mut sources = HashMap::new();
    for file in catalog.files() {
        assert!(
            !file.starts_with('/') && !file.split('/').any(|c| c == ".."),
            "catalog file {file:?} is not under the root"
        );
        if let Some(text) = catalog.source(file) {
            if !input_has_marker {
                assert!(
                    !text.contains(MARKER),
                    "{file:?}: read from outside the root"
                );
            }
            sources.insert(file.to_string(), text.to_owned());
        }
    }
    for d in catalog.diagnostics() {
        assert_diagnostic(d, &sources);
    }
    for doc in catalog.documents() {
        if let Some(text) = sources.get(&*doc.file) {
            platform_fuzz::assert_span_in(&doc.position, text, &"document position");
            platform_fuzz::assert_span_in(&doc.name_span, text, &"name span");
        }
    }
    if !input_has_marker {
        for entity in catalog.entities() {
            let json = entity.to_value().map(|v| v.to_string()).unwrap_or_default();
            assert!(
                !json.to_ascii_uppercase().contains(MARKER),
                "entity {} holds content from outside the root",
                entity.entity_ref()
            );
        }
    }
    let _ = catalog.summary();
    let _ = catalog.relations().count();
}

fuzz_target!(|data: &[u8]| {
    let text = platform_fuzz::text(data);
    let input_has_marker = text.to_ascii_uppercase().contains(MARKER);
    let base = if Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm")
    } else {
        tempfile::tempdir()
    };
    let Ok(base) = base else { return };
    let outside = base.path().join("outside");
    let root: PathBuf = base.path().join("root");
    if std::fs::create_dir_all(&outside).is_err() || std::fs::create_dir_all(&root).is_err() {
        return;
    }
    let _ = std::fs::write(outside.join("secret.yaml"), OUTSIDE_ENTITY);
    let _ = std::fs::write(outside.join("catalog-info.yaml"), OUTSIDE_ENTITY);
    let _ = std::fs::write(outside.join("secret.txt"), MARKER);
    let _ = std::fs::write(outside.join("secret.json"), format!("\"{MARKER}\""));
    let entries = unpack(&text);
    materialise(&root, &entries);
    let Ok(root) = root.canonicalize() else {
        return;
    };

    // The root is what the user trusts (a CLI argument); everything in it is not.
    let loader = Loader::new(LoadOptions::default().with_root(&root)).expect("default loader");
    let catalog_file = root.join("catalog-info.yaml");
    if catalog_file.symlink_metadata().is_ok() {
        // The root file itself may be a link out of the tree: that is an error, not a panic.
        if let Ok(catalog) = loader.load(&catalog_file) {
            check(&catalog, input_has_marker);
        }
    }
    let catalog = loader.load(&root).expect("loading the root directory");
    check(&catalog, input_has_marker);
});
