//! Loading files, trees and Locations from disk.

use std::path::{Path, PathBuf};

use platform_model::loader::{LoadOptions, Loader, RegisteredAs};
use platform_model::{Catalog, Diagnostic};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/loader")
        .join(path)
}

fn load(path: &Path) -> Catalog {
    Loader::new(LoadOptions::default())
        .expect("loader")
        .load(path)
        .expect("load")
}

fn codes(catalog: &Catalog) -> Vec<String> {
    catalog
        .diagnostics()
        .map(|d| {
            format!(
                "{} {}",
                d.code,
                d.span.as_ref().map(ToString::to_string).unwrap_or_default()
            )
        })
        .collect()
}

fn entity_names(catalog: &Catalog) -> Vec<String> {
    catalog
        .entities()
        .map(|e| e.entity_ref().to_string())
        .collect()
}

fn find<'a>(catalog: &'a Catalog, code: &str) -> Vec<&'a Diagnostic> {
    catalog.diagnostics().filter(|d| d.code == code).collect()
}

#[test]
fn a_root_location_is_followed_through_globs_and_nested_locations() {
    let catalog = load(&fixture("locations/catalog-info.yaml"));
    let files: Vec<&str> = catalog.files().iter().map(|f| &**f).collect();
    assert_eq!(
        files,
        [
            "catalog-info.yaml",
            "org/alice.yaml",
            "org/team.yaml",
            "nested/catalog-info.yaml",
            "nested/api.yaml"
        ]
    );
    // Every document that was read is valid but the root Location, whose
    // missing target fails it as Backstage's file reader does (so nothing
    // its targets bring is ingested, only its siblings in the file), and the
    // APIs whose relative `$text` forms no URL from a `file` location.
    let read: Vec<String> = catalog
        .documents()
        .iter()
        .filter(|d| d.is_valid())
        .filter_map(|d| d.entity_ref.as_ref().map(ToString::to_string))
        .collect();
    assert_eq!(
        read,
        [
            "location:default/optional-things",
            "location:default/upstream",
            "user:default/alice",
            "group:default/payments-team",
            "location:default/nested",
        ],
        "{:#?}",
        codes(&catalog)
    );
    assert_eq!(
        entity_names(&catalog),
        [
            "location:default/optional-things",
            "location:default/upstream"
        ]
    );
    let root = &catalog.documents()[0];
    assert_eq!(
        root.backstage_error.as_deref(),
        Some("NotFoundError: file missing.yaml does not exist")
    );
    assert_eq!(find(&catalog, "catalog.file-not-ingested").len(), 3);
    assert_eq!(find(&catalog, "placeholder.needs-url").len(), 2);
}

#[test]
fn a_failing_location_does_not_stop_its_parent() {
    // Registered on its own (by URL, so that its API's `$text` resolves),
    // the nested Location reads the root again (inside the same
    // repository): the root fails, which stops what
    // the root brings, but not the nested Location's own API.
    let catalog = Loader::new(
        LoadOptions::default()
            .with_root(fixture("locations"))
            .with_registration(RegisteredAs::Url),
    )
    .expect("loader")
    .load(&fixture("locations/nested/catalog-info.yaml"))
    .expect("load");
    let names = entity_names(&catalog);
    assert!(
        names.contains(&"api:default/payment-api".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"user:default/alice".to_owned()),
        "{names:?}"
    );
}

#[test]
fn placeholders_are_resolved_inside_the_repository_only() {
    let catalog = Loader::new(
        LoadOptions::default()
            .with_root(fixture("locations"))
            .with_registration(RegisteredAs::Url),
    )
    .expect("loader")
    .load(&fixture("locations/nested/catalog-info.yaml"))
    .expect("load");
    let api = catalog
        .entities()
        .find(|e| e.name() == "payment-api")
        .expect("payment-api");
    let platform_model::EntitySpec::Api(spec) = &api.spec else {
        panic!("not an API")
    };
    assert!(spec.definition.starts_with("openapi: 3.0.0"));
    let leak = find(&catalog, "placeholder.outside-root");
    assert_eq!(leak.len(), 1);
    let span = leak[0].span.as_ref().expect("span");
    assert_eq!(
        (&*span.file, span.line, span.column),
        ("nested/api.yaml", 21, 12)
    );
}

#[test]
fn missing_outside_cyclic_and_remote_targets_are_located() {
    // Confined to the fixture (the default would be this repository).
    let catalog = Loader::new(LoadOptions::default().with_root(fixture("locations")))
        .expect("loader")
        .load(&fixture("locations/catalog-info.yaml"))
        .expect("load");
    let not_found = find(&catalog, "location.not-found");
    assert_eq!(not_found.len(), 1, "{:#?}", codes(&catalog));
    assert_eq!(not_found[0].message, "file ./missing.yaml does not exist");
    assert_eq!(
        not_found[0].span.as_ref().map(|s| (s.line, s.column)),
        Some((9, 7))
    );
    let outside = find(&catalog, "location.outside-root");
    assert_eq!(outside.len(), 1);
    assert_eq!(outside[0].path.as_deref(), Some("/spec/targets/3"));
    let cycle = find(&catalog, "location.cycle");
    assert_eq!(cycle.len(), 1, "{:#?}", codes(&catalog));
    assert!(
        cycle[0].notes[0]
            .contains("catalog-info.yaml -> nested/catalog-info.yaml -> catalog-info.yaml")
    );
    // `presence: optional` silences the missing file; the URL is reported, not fetched.
    assert_eq!(find(&catalog, "location.not-followed").len(), 1);
    assert!(!catalog.is_valid());
}

#[test]
fn a_tree_reads_catalog_files_and_skips_manifests_values_and_skeletons() {
    let catalog = load(&fixture("tree"));
    assert_eq!(
        entity_names(&catalog),
        [
            "component:default/web",
            "api:default/web-api",
            "component:default/web"
        ]
    );
    let summary = catalog.summary();
    assert_eq!(summary.files, 2);
    assert_eq!(summary.skipped_files, 3);
    let duplicate = find(&catalog, "entity.duplicate");
    assert_eq!(duplicate.len(), 1);
    assert!(
        duplicate[0]
            .message
            .contains("already defined at catalog-info.yaml:1:1")
    );
}

#[test]
fn gitignored_files_are_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".gitignore"), "ignored.yaml\n").expect("write");
    std::fs::write(
        dir.path().join("ignored.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: 'Not Read'}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: []}\n").expect("write");
    let catalog = load(dir.path());
    assert!(catalog.is_valid(), "{:#?}", codes(&catalog));
    assert_eq!(entity_names(&catalog), ["group:default/g"]);
    let all = Loader::new(LoadOptions::default().with_gitignore(false))
        .expect("loader")
        .load(dir.path())
        .expect("load");
    assert_eq!(all.documents().len(), 2);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_refused() {
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("secret.yaml");
    std::fs::write(&secret, "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: secret}\nspec: {type: team, children: []}\n").expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(&secret, dir.path().join("catalog-info.yaml")).expect("symlink");
    std::os::unix::fs::symlink(
        outside.path().join("gone.yaml"),
        dir.path().join("dangling.yaml"),
    )
    .expect("symlink");
    std::fs::write(
        dir.path().join("root.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: r}\nspec: {targets: [./catalog-info.yaml, ./dangling.yaml]}\n",
    )
    .expect("write");
    let catalog = load(&dir.path().join("root.yaml"));
    assert!(entity_names(&catalog).iter().all(|n| !n.contains("secret")));
    assert_eq!(
        find(&catalog, "location.outside-root").len(),
        2,
        "{:#?}",
        codes(&catalog)
    );
    let tree = load(dir.path());
    assert!(entity_names(&tree).iter().all(|n| !n.contains("secret")));
    assert!(!find(&tree, "file.outside-root").is_empty());
}

#[test]
fn invalid_utf8_is_located() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("catalog-info.yaml");
    std::fs::write(
        &path,
        b"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: \xff\xfe}\n",
    )
    .expect("write");
    let catalog = load(&path);
    let encoding = find(&catalog, "file.encoding");
    assert_eq!(encoding.len(), 1);
    assert_eq!(
        encoding[0].span.as_ref().map(|s| (s.line, s.column)),
        Some((3, 18))
    );
}

#[test]
fn a_broken_document_warns_that_backstage_would_drop_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("catalog-info.yaml");
    std::fs::write(
        &path,
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: ok}\nspec: {type: team, children: []}\n---\n- not\n- a mapping\n",
    )
    .expect("write");
    let catalog = load(&path);
    let warning = find(&catalog, "catalog.file-not-ingested");
    assert_eq!(warning.len(), 1);
    assert!(warning[0].message.contains("none of the 1 valid entities"));
    assert_eq!(
        find(&catalog, "entity.not-object")[0].message,
        "Expected object at root, got object"
    );
}

#[test]
fn missing_paths_are_typed_errors() {
    let err = Loader::new(LoadOptions::default())
        .expect("loader")
        .load(Path::new("/definitely/not/here"))
        .expect_err("missing");
    assert!(matches!(err, platform_model::Error::NotFound { .. }));
}

#[test]
fn relations_know_where_they_were_written() {
    // Read on its own: under the root Location it is not ingested (the
    // root fails), so it emits no relations.
    let catalog = load(&fixture("locations/org"));
    let alice = catalog
        .documents()
        .iter()
        .find(|d| d.entity_ref.as_ref().is_some_and(|r| r.name() == "alice"))
        .expect("alice");
    let member_of = alice
        .relations
        .iter()
        .find(|r| r.is_forward())
        .expect("memberOf");
    assert_eq!(member_of.origin.pointer(), "/spec/memberOf/0");
    let span = alice.origin_span(&member_of.origin).expect("span");
    assert_eq!((&*span.file, span.line, span.column), ("alice.yaml", 6, 14));
}

/// A directory argument reads what its Locations target, whatever the
/// file's name or content, as the same check of the root file does; a YAML
/// file of the walk that does not parse is a warning, not silence.
#[test]
fn in_directory_mode_locations_decide_and_nothing_is_dropped_silently() {
    let dir = load(&fixture("directory-mode"));
    let file = load(&fixture("directory-mode/catalog-info.yaml"));
    let errors = |c: &Catalog| -> Vec<String> {
        c.diagnostics()
            .filter(|d| d.is_error())
            .map(|d| {
                let span = d.span.as_ref().expect("located");
                format!("{} {}:{}:{}", d.code, span.file, span.line, span.column)
            })
            .collect()
    };
    assert_eq!(
        errors(&dir),
        [
            // Backstage fails the root Location: both files fail as it reads them.
            "location.target-failed catalog-info.yaml:4:9",
            "yaml.syntax org/team.yaml:4:2",
            "entity.envelope svc.yaml:1:1"
        ]
    );
    assert_eq!(
        errors(&dir),
        errors(&file),
        "the directory and its root file agree"
    );
    assert!(!dir.is_valid());
    let warnings = find(&dir, "file.not-parsed");
    assert_eq!(warnings.len(), 1, "{:?}", codes(&dir));
    let span = warnings[0].span.as_ref().expect("located");
    assert_eq!((&*span.file, span.line, span.column), ("broken.yaml", 1, 4));
    assert_eq!(warnings[0].severity, platform_model::Severity::Warning);
    assert_eq!(
        dir.skipped().collect::<Vec<_>>(),
        ["broken.yaml", "values.yaml"]
    );
    assert_eq!(dir.summary().skipped_files, 2);
    assert_eq!(dir.summary().files, 3);
}

#[test]
fn a_file_reaches_the_rest_of_its_repository_and_nothing_beyond() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    let write = |path: &Path, text: &str| {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    std::fs::create_dir_all(repo.join(".git")).expect("git dir");
    write(
        &repo.join("catalog/catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  target: ../templates/t/template.yaml\n---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: beyond\nspec:\n  target: ../../outside.yaml\n",
    );
    write(
        &repo.join("templates/t/template.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: t\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n",
    );
    write(
        &dir.path().join("outside.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: outside\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n",
    );
    let catalog = load(&repo.join("catalog/catalog-info.yaml"));
    let files: Vec<&str> = catalog.files().iter().map(|f| &**f).collect();
    // Named relative to the argument, read anywhere in the work tree.
    assert_eq!(files, ["catalog-info.yaml", "../templates/t/template.yaml"]);
    assert!(
        catalog.entities().any(|e| e.name() == "t"),
        "{:#?}",
        codes(&catalog)
    );
    assert!(!catalog.entities().any(|e| e.name() == "outside"));
    let outside = find(&catalog, "location.outside-root");
    assert_eq!(outside.len(), 1, "{:#?}", codes(&catalog));
    assert!(outside[0].message.contains("outside the repository"));
}

#[test]
fn a_target_that_cannot_be_read_fails_its_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: both\nspec:\n  targets: [./good.yaml, ./huge.yaml]\n",
    )
    .expect("write");
    let component = |name: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
        )
    };
    std::fs::write(dir.path().join("good.yaml"), component("good")).expect("write");
    // Over the file budget: not read, as a file the reader cannot open.
    let huge = format!("{}# {}\n", component("huge"), "x".repeat(400));
    std::fs::write(dir.path().join("huge.yaml"), huge).expect("write");
    let options = LoadOptions::default().with_yaml(
        platform_model::yaml::YamlOptions::default()
            .with_budget(platform_model::yaml::YamlBudget::default().with_max_file_bytes(300)),
    );
    let catalog = Loader::new(options)
        .expect("loader")
        .load(&dir.path().join("catalog-info.yaml"))
        .expect("load");
    let location = &catalog.documents()[0];
    assert!(
        location
            .backstage_error
            .as_deref()
            .is_some_and(|e| e.starts_with("Error: file huge.yaml could not be read, ")),
        "{:?}",
        location.backstage_error
    );
    assert_eq!(
        find(&catalog, "location.target-failed").len(),
        1,
        "{:#?}",
        codes(&catalog)
    );
    // Nothing the failed Location brings is ingested, the readable file included.
    assert!(
        !catalog.entities().any(|e| e.name() == "good"),
        "{:#?}",
        codes(&catalog)
    );
    // The registration itself stands: the Location is what fails.
    assert_eq!(
        find(&catalog, "catalog.file-not-ingested").len(),
        1,
        "{:#?}",
        codes(&catalog)
    );
}
