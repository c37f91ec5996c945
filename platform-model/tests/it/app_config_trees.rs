//! Differential test of whole-tree ingestion under an app-config:
//! `tests/fixtures/loader/app-config-trees/<case>/` were processed by
//! `tools/backstage-oracle/tree-oracle.js` with the real catalog backend
//! (4.0.5: config locations, orchestrator, rules enforcer), breadth first,
//! and the recordings are in `expected/`. We must ingest the same user
//! entities, fail the same ones, and record the same status texts on the
//! same entities (`NotAllowedError` of the rules, `NotFoundError` of a
//! missing target, the envelope's `TypeError`, the prefix of a YAML error).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use platform_model::loader::{IngestOptions, LoadOptions, LoadedDocument, ingest};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/loader/app-config-trees")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Backstage names files by absolute path (`file:<dir>/x.yaml`); we name
/// them relative to the root, which is the case's directory here.
fn ours(text: &str) -> String {
    text.replace("<dir>/", "")
}

/// The file a generated Location stands for: `generated-sha1(file:<dir>/x)`
/// is `x`; `generated-sha1(url:https://github.com/<org>/<repo>/blob/<ref>/x)`
/// is `<repo>/x`, as the checkouts in `repos/` are read.
fn generated_file(entity: &str) -> Option<String> {
    let inner = entity
        .strip_prefix("location:default/generated-sha1(")?
        .strip_suffix(')')?;
    if let Some(file) = inner.strip_prefix("file:<dir>/") {
        return Some(file.to_owned());
    }
    let rest = inner.strip_prefix("url:https://github.com/")?;
    let parts: Vec<&str> = rest.splitn(5, '/').collect();
    match parts.as_slice() {
        [_, repo, "blob" | "tree", _, path] => Some(format!("{repo}/{path}")),
        _ => None,
    }
}

/// The `yaml` package's errors whose whole text (message, position and
/// code frame) we reproduce.
const WORDED_ALIKE: [&str; 4] = [
    "YAMLParseError: Map keys must be unique",
    "YAMLParseError: Tabs are not allowed as indentation",
    "YAMLParseError: Missing closing \"quote",
    "YAMLParseError: Missing closing 'quote",
];

/// Where a recorded status stops being Backstage's: the `yaml` package's
/// error text, and what the oracle's local URL reader says (a real
/// integration's reader words its errors its own way).
const NOT_COMPARED: [&str; 4] = [
    ", YAMLParseError: ",
    "NotFoundError: tree-oracle: ",
    "NotAllowedError: Reading from '",
    "Reading from '",
];

/// The references of the entities that were ingested, in load order.
fn ingested_refs(documents: &[&LoadedDocument]) -> Vec<String> {
    documents
        .iter()
        .filter(|d| d.entity.is_some())
        .filter_map(|d| d.entity_ref.as_ref().map(ToString::to_string))
        .collect()
}

#[test]
fn trees_under_an_app_config_ingest_what_backstage_ingests() {
    let root = fixtures();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("app-config.yaml").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 12, "{} cases", cases.len());
    let mut compared = 0;
    for dir in cases {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expected = read_json(&root.join("expected").join(format!("{name}.json")));
        let entries = expected.as_array().cloned().unwrap_or_default();
        let mut options = IngestOptions::new(LoadOptions::default())
            .with_app_configs([dir.join("app-config.yaml")])
            .with_backend_dir(&dir)
            .with_root(&dir);
        if dir.join("repos").is_dir() {
            options = options.with_repos(dir.join("repos"));
        }
        let catalogs = ingest(&[], &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let documents: Vec<_> = catalogs.iter().flat_map(|c| c.documents()).collect();

        let ingested: BTreeSet<String> = ingested_refs(&documents).into_iter().collect();
        let want: BTreeSet<String> = entries
            .iter()
            .filter(|e| e["ok"] == Value::Bool(true))
            .filter_map(|e| e["entity"].as_str())
            .filter(|e| generated_file(e).is_none())
            .map(str::to_owned)
            .collect();
        assert_eq!(ingested, want, "{name}: ingested entities");

        for entry in &entries {
            let entity = entry["entity"].as_str().unwrap_or_default();
            let Some(error) = entry["errors"].as_array().and_then(|e| e.first()) else {
                continue;
            };
            let error = ours(error.as_str().unwrap_or_default());
            let recorded: Vec<&str> = match generated_file(entity) {
                // A registration fails: the refused document of its file
                // carries the status.
                Some(file) => documents
                    .iter()
                    .filter(|d| *d.file == *file)
                    .filter_map(|d| d.backstage_error.as_deref())
                    .collect(),
                None => documents
                    .iter()
                    .filter(|d| {
                        d.entity_ref.as_ref().map(ToString::to_string).as_deref() == Some(entity)
                    })
                    .filter_map(|d| d.backstage_error.as_deref())
                    .collect(),
            };
            // The `yaml` package's own error text is not reproduced (our
            // message names the same place); the status up to it must agree.
            // YAML errors we word as the package does are compared whole.
            let worded_alike = WORDED_ALIKE.iter().any(|m| error.contains(m));
            let compared_part = NOT_COMPARED
                .iter()
                .filter(|_| !worded_alike)
                .filter_map(|cut| error.find(cut).map(|at| &error[..at]))
                .min_by_key(|part| part.len());
            let agrees = |ours: &&str| match compared_part {
                Some(status) => ours.starts_with(status),
                None => *ours == error,
            };
            assert!(
                recorded.iter().any(agrees),
                "{name}: {entity} should fail with {error:?}; recorded {recorded:?}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 4, "{compared} failures compared");
}

#[test]
fn github_discovery_reads_each_checkout_as_its_url_under_the_locations_rules() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "app-config.yaml",
        "catalog:\n  rules:\n    - allow: [Location]\n  locations:\n    - type: github-discovery\n      target: https://github.com/acme/svc-*\n      rules:\n        - allow: [Component]\n",
    );
    let component = |name: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
        )
    };
    write("repos/svc-a/catalog-info.yaml", &component("a"));
    write("repos/svc-a/.git/HEAD", "ref: refs/heads/trunk\n");
    write(
        "repos/svc-b/catalog-info.yaml",
        &format!(
            "{}---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: b\nspec:\n  owner: team-a\n",
            component("b")
        ),
    );
    // Not matched by `svc-*`, and a matched repository without the file.
    write("repos/web/catalog-info.yaml", &component("web"));
    std::fs::create_dir_all(dir.path().join("repos/svc-c")).unwrap_or_else(|e| panic!("{e}"));

    let options = IngestOptions::new(LoadOptions::default())
        .with_app_configs([dir.path().join("app-config.yaml")])
        .with_backend_dir(dir.path())
        .with_root(dir.path())
        .with_repos(dir.path().join("repos"));
    let catalogs = ingest(&[], &options).unwrap_or_else(|e| panic!("{e}"));
    let documents: Vec<_> = catalogs.iter().flat_map(|c| c.documents()).collect();
    let ingested = ingested_refs(&documents);
    // svc-b's System is refused under the discovery location's rules, which
    // fails svc-b's url location: its Component is not ingested either.
    assert_eq!(ingested, ["component:default/a"]);
    let status: Vec<&str> = documents
        .iter()
        .filter_map(|d| d.backstage_error.as_deref())
        .collect();
    assert_eq!(
        status,
        [
            "NotAllowedError: Entity system:default/b at url:https://github.com/acme/svc-b/blob/HEAD/catalog-info.yaml, \
          originated at github-discovery:https://github.com/acme/svc-*, is not of an allowed kind for that location"
        ]
    );
    let files: Vec<&str> = documents.iter().map(|d| &*d.file).collect();
    assert!(files.iter().all(|f| f.starts_with("svc-")), "{files:?}");
    // The discovery location is not reported as unread.
    let unread = catalogs
        .iter()
        .flat_map(|c| c.diagnostics())
        .filter(|d| d.code == "location.not-followed")
        .count();
    assert_eq!(unread, 0);
}
