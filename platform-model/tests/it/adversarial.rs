//! Hostile input, one test per class of issue 8: every case ends in a
//! located diagnostic within a stated memory and time bound (measured in a
//! child process by `platform_test_support::bounded`).

use std::sync::Arc;

use platform_model::Diagnostic;
use platform_model::yaml::{ParsedStream, YamlBudget, YamlOptions, parse_stream};
use platform_test_support::{Limits, bounded};

fn parse(text: &str) -> ParsedStream {
    parse_stream(&Arc::from("hostile.yaml"), text, &YamlOptions::default())
}

/// The first error of a stream: a document's or the file's.
fn first_budget_error(stream: &ParsedStream) -> Diagnostic {
    stream
        .documents
        .iter()
        .filter_map(|d| d.error.clone())
        .chain(stream.diagnostics.iter().cloned())
        .find(|d| d.code == "yaml.budget")
        .unwrap_or_else(|| panic!("a budget error: {:?}", stream.diagnostics))
}

/// Line and column of the `n`th (0-based) occurrence of `needle` in `text`.
fn position_of_nth(text: &str, needle: &str, n: usize) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(n)
        .map(|(i, _)| i)
        .expect("occurrence");
    platform_model::span::line_column(text, offset)
}

#[test]
fn scalar_aliases_are_budgeted() {
    // A 1 MiB anchored scalar used 4 000 times would expand to 4 GiB.
    bounded(
        "adversarial::scalar_aliases_are_budgeted",
        Limits::mib(300).seconds(30),
        || {
            let text = format!(
                "a: &big \"{}\"\nb: [{}]\n",
                "x".repeat(1024 * 1024),
                vec!["*big"; 4_000].join(", ")
            );
            let stream = parse(&text);
            let d = first_budget_error(&stream);
            assert!(d.message.contains("bytes of scalar text"), "{}", d.message);
            let span = d.span.as_ref().expect("span");
            // The default 64 MiB is crossed by an alias on line 2: the anchor
            // and its kept copy take 2 MiB, each alias 1 MiB more.
            assert_eq!((span.line, span.column), position_of_nth(&text, "*big", 61));
        },
    );
}

#[test]
fn collection_aliases_count_the_scalars_they_copy() {
    // 100 scalars of 10 KiB anchored once and aliased 1 000 times: few
    // nodes, but 1 GiB of text.
    bounded(
        "adversarial::collection_aliases_count_the_scalars_they_copy",
        Limits::mib(300).seconds(30),
        || {
            let item = "y".repeat(10 * 1024);
            let list = vec![item.as_str(); 100].join(", ");
            let text = format!(
                "a: &list [{list}]\nb: [{}]\n",
                vec!["*list"; 1_000].join(", ")
            );
            let stream = parse(&text);
            let d = first_budget_error(&stream);
            assert!(d.message.contains("bytes of scalar text"), "{}", d.message);
            assert_eq!(d.span.as_ref().map(|s| s.line), Some(2));
        },
    );
}

#[test]
fn budgets_count_the_whole_stream_not_each_document() {
    // 100 documents, each an anchor of 2 KiB aliased 6 000 times: every
    // document stays under a per-document budget, the stream (1.2 GB
    // expanded) does not.
    bounded(
        "adversarial::budgets_count_the_whole_stream_not_each_document",
        Limits::mib(300).seconds(30),
        || {
            let doc = format!(
                "a: &s \"{}\"\nb: [{}]\n",
                "z".repeat(2 * 1024),
                vec!["*s"; 6_000].join(",")
            );
            let text: String = (0..100).map(|_| format!("---\n{doc}")).collect();
            let stream = parse(&text);
            let d = first_budget_error(&stream);
            let span = d.span.as_ref().expect("span");
            // 64 MiB / (6 000 × 2 KiB) : the sixth document crosses the limit.
            assert_eq!(span.line, 5 * 3 + 3, "{d:?}");
            assert!(
                stream.documents.len() < 10,
                "later documents are not parsed"
            );
            let rest = stream.diagnostics.last().expect("the rest is reported");
            assert!(rest.message.contains("were not parsed"), "{}", rest.message);
            assert_eq!(rest.span.as_ref().map(|s| s.line), Some(6 * 3 + 1));
        },
    );
}

#[test]
fn node_budget_counts_every_document() {
    let options = YamlOptions::default().with_budget(YamlBudget::default().with_max_nodes(1_000));
    let doc = format!("items: [{}]\n", vec!["1"; 199].join(", "));
    let text: String = (0..10).map(|_| format!("---\n{doc}")).collect();
    let stream = parse_stream(&Arc::from("many.yaml"), &text, &options);
    // Each document has 202 nodes (mapping, key, sequence, 199 items): the
    // fifth crosses 1 000.
    assert!(stream.documents[..4].iter().all(|d| d.error.is_none()));
    let d = stream.documents[4].error.as_ref().expect("budget");
    assert_eq!(d.code, "yaml.budget");
    assert!(d.message.contains("nodes in this file"), "{}", d.message);
    assert_eq!(d.span.as_ref().map(|s| s.line), Some(4 * 2 + 2));
    assert_eq!(stream.documents.len(), 5);
}

#[test]
fn anchored_copies_are_budgeted() {
    // Nested anchors each keep a copy of everything below them.
    let options = YamlOptions::default().with_budget(YamlBudget::default().with_max_nodes(50_000));
    let list = vec!["1"; 10_000].join(",");
    let text = format!("{}[{list}]{}\n", "&a [".repeat(20), "]".repeat(20));
    let stream = parse_stream(&Arc::from("anchors.yaml"), &text, &options);
    let d = stream.documents[0].error.as_ref().expect("budget");
    assert_eq!(d.code, "yaml.budget", "{d:?}");
}

#[test]
fn alias_keys_count_their_text() {
    let options =
        YamlOptions::default().with_budget(YamlBudget::default().with_max_scalar_bytes(100_000));
    let key = "k".repeat(1_000);
    let values: String = (0..200).map(|i| format!("  - *k : {i}\n")).collect();
    let text = format!("a: &k {key}\nm:\n{values}");
    let stream = parse_stream(&Arc::from("keys.yaml"), &text, &options);
    let d = first_budget_error(&stream);
    assert!(d.message.contains("scalar text"), "{}", d.message);
    // 1 000 bytes for the anchor, 1 000 for its copy, 1 000 per use.
    assert_eq!(d.span.as_ref().map(|s| s.line), Some(3 + 97));
}

// ---------------------------------------------------------------------
// Placeholders, Locations and file types.

use std::path::Path;

use platform_model::loader::{Catalog, LoadOptions, Loader, RegisteredAs};

fn load(path: &Path, options: LoadOptions) -> Catalog {
    Loader::new(options)
        .expect("loader")
        .load(path)
        .expect("load")
}

fn with_code<'c>(catalog: &'c Catalog, code: &str) -> Vec<&'c Diagnostic> {
    catalog.diagnostics().filter(|d| d.code == code).collect()
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: NAME\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";

#[test]
fn an_aliased_placeholder_is_read_once_and_budgeted() {
    // An anchored `$text` of an 8 MiB file aliased 1 000 times: 8 GB of
    // copies before; now the file is read once and the load's 64 MiB
    // placeholder budget stops the copies.
    bounded(
        "adversarial::an_aliased_placeholder_is_read_once_and_budgeted",
        Limits::mib(400).seconds(60),
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(dir.path().join("big.txt"), "b".repeat(8 * 1024 * 1024)).expect("write");
            let copies = vec!["*p"; 1_000].join(", ");
            let text = format!(
                "{}  x-description: &p {{$text: ./big.txt}}\n  copies: [{copies}]\n",
                COMPONENT.replace("NAME", "big")
            );
            std::fs::write(dir.path().join("catalog-info.yaml"), &text).expect("write");
            let catalog = load(
                dir.path(),
                LoadOptions::default().with_registration(RegisteredAs::Url),
            );
            let over = with_code(&catalog, "placeholder.budget");
            assert_eq!(over.len(), 1, "{over:?}");
            let d = over[0];
            // 7 copies of 8 MiB fit in 64 MiB; the 8th does not (the anchor
            // itself is the first).
            assert_eq!(d.path.as_deref(), Some("/spec/copies/6"));
            let span = d.span.as_ref().expect("span");
            assert_eq!(
                (span.line, span.column),
                position_of_nth(&text, "*p", 6),
                "{d:?}"
            );
            assert!(d.notes.iter().any(|n| n.contains("993 later placeholders")));
        },
    );
}

#[test]
fn placeholders_within_the_budget_all_resolve() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("small.txt"), "hello").expect("write");
    let text = format!(
        "{}  x-a: &p {{$text: ./small.txt}}\n  x-copies: [{}]\n",
        COMPONENT.replace("NAME", "small"),
        vec!["*p"; 1_000].join(", ")
    );
    std::fs::write(dir.path().join("catalog-info.yaml"), text).expect("write");
    let catalog = load(
        dir.path(),
        LoadOptions::default().with_registration(RegisteredAs::Url),
    );
    assert!(
        catalog.is_valid(),
        "{:?}",
        catalog.diagnostics().collect::<Vec<_>>()
    );
    let entity = catalog.entities().next().expect("entity");
    let value = serde_json::to_value(entity).expect("json");
    assert_eq!(value["spec"]["x-copies"][999], "hello");
    // The same with a budget too small for all of them.
    let catalog = load(
        dir.path(),
        LoadOptions::default()
            .with_registration(RegisteredAs::Url)
            .with_max_placeholder_bytes(600),
    );
    assert_eq!(with_code(&catalog, "placeholder.budget").len(), 1);
}

#[test]
fn identical_globs_walk_the_tree_once() {
    // One Location with 1 000 identical `**` globs and 100 distinct ones
    // over a tree of 2 000 files: one walk, one matching pass per wave.
    bounded(
        "adversarial::identical_globs_walk_the_tree_once",
        Limits::mib(300).seconds(20),
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            for d in 0..100 {
                let sub = dir.path().join(format!("d{d}"));
                std::fs::create_dir_all(&sub).expect("mkdir");
                for f in 0..20 {
                    std::fs::write(sub.join(format!("f{f}.txt")), "x").expect("write");
                }
                std::fs::write(
                    sub.join("entity.yaml"),
                    COMPONENT.replace("NAME", &format!("c{d}")),
                )
                .expect("write");
            }
            let mut targets: Vec<String> = vec!["./**/entity.yaml".to_owned(); 1_000];
            targets.extend((0..100).map(|d| format!("./d{d}/*.yaml")));
            let location = format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets:\n{}",
                targets
                    .iter()
                    .map(|t| format!("    - {t}\n"))
                    .collect::<String>()
            );
            let root = dir.path().join("catalog-info.yaml");
            std::fs::write(&root, location).expect("write");
            let started = std::time::Instant::now();
            let catalog = load(&root, LoadOptions::default());
            assert!(catalog.is_valid(), "{:?}", catalog.diagnostics().next());
            assert_eq!(catalog.summary().valid, 101);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{:?}",
                started.elapsed()
            );
        },
    );
}

#[test]
fn a_fifo_catalog_file_is_reported_not_read() {
    bounded(
        "adversarial::a_fifo_catalog_file_is_reported_not_read",
        Limits::mib(200).seconds(20),
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            mkfifo(&dir.path().join("catalog-info.yaml"));
            mkfifo(&dir.path().join("other.yaml"));
            // Walking the tree.
            let catalog = load(dir.path(), LoadOptions::default());
            let found = with_code(&catalog, "file.not-regular");
            assert_eq!(found.len(), 2, "{found:?}");
            let named = found
                .iter()
                .find(|d| d.message.contains("`catalog-info.yaml`"))
                .expect("the catalog file");
            assert!(
                named.is_error() && named.message.contains("a FIFO"),
                "{named:?}"
            );
            assert_eq!(
                named.span.as_ref().map(|s| (s.line, s.column)),
                Some((1, 1))
            );
            assert!(!catalog.is_valid());
            // Named directly.
            let catalog = load(
                &dir.path().join("catalog-info.yaml"),
                LoadOptions::default(),
            );
            assert_eq!(with_code(&catalog, "file.not-regular").len(), 1);
        },
    );
}

#[test]
fn fifo_location_targets_are_reported_at_the_target() {
    bounded(
        "adversarial::fifo_location_targets_are_reported_at_the_target",
        Limits::mib(200).seconds(20),
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            mkfifo(&dir.path().join("pipe.yaml"));
            std::fs::create_dir(dir.path().join("g")).expect("mkdir");
            mkfifo(&dir.path().join("g").join("globbed.yaml"));
            let text = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets:\n    - ./pipe.yaml\n    - ./g/*.yaml\n";
            let root = dir.path().join("catalog-info.yaml");
            std::fs::write(&root, text).expect("write");
            let catalog = load(&root, LoadOptions::default());
            let found = with_code(&catalog, "location.not-regular");
            assert_eq!(found.len(), 2, "{found:?}");
            assert_eq!(found[0].span.as_ref().map(|s| s.line), Some(7));
            assert_eq!(found[0].path.as_deref(), Some("/spec/targets/0"));
            assert_eq!(found[1].span.as_ref().map(|s| s.line), Some(8));
            assert!(
                found[1].message.contains("g/globbed.yaml"),
                "{}",
                found[1].message
            );
        },
    );
}

#[test]
fn fifo_and_device_placeholders_are_reported_at_the_placeholder() {
    bounded(
        "adversarial::fifo_and_device_placeholders_are_reported_at_the_placeholder",
        Limits::mib(200).seconds(20),
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            mkfifo(&dir.path().join("pipe.txt"));
            let text = format!(
                "{}  x-a: {{$text: ./pipe.txt}}\n  x-b: {{$json: /dev/zero}}\n",
                COMPONENT.replace("NAME", "p")
            );
            let file = dir.path().join("catalog-info.yaml");
            std::fs::write(&file, &text).expect("write");
            let options = LoadOptions::default()
                .with_registration(RegisteredAs::Url)
                .with_root("/")
                .with_validator(
                    platform_model::validate::Validator::builder()
                        .with_mode(platform_model::validate::ValidationMode::Full)
                        .build(),
                );
            let catalog = load(&file, options);
            let found = with_code(&catalog, "placeholder.not-regular");
            assert_eq!(found.len(), 2, "{found:?}");
            assert!(found[0].message.contains("a FIFO"), "{}", found[0].message);
            assert_eq!(found[0].span.as_ref().map(|s| s.line), Some(9));
            assert!(
                found[1].message.contains("character device"),
                "{}",
                found[1].message
            );
            assert_eq!(found[1].span.as_ref().map(|s| s.line), Some(10));
        },
    );
}

#[test]
fn a_device_named_like_a_catalog_file_is_reported() {
    // `catalog-info.yaml -> /dev/null` in a walk: read as an empty file
    // before, without a word.
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("/dev/null", dir.path().join("catalog-info.yaml")).expect("symlink");
    let catalog = load(dir.path(), LoadOptions::default().with_root("/"));
    let found = with_code(&catalog, "file.not-regular");
    assert_eq!(
        found.len(),
        1,
        "{:?}",
        catalog.diagnostics().collect::<Vec<_>>()
    );
    assert!(
        found[0].message.contains("character device"),
        "{}",
        found[0].message
    );
    // A device named on the command line, too.
    let catalog = load(Path::new("/dev/zero"), LoadOptions::default());
    assert_eq!(with_code(&catalog, "file.not-regular").len(), 1);
}

// ---------------------------------------------------------------------
// Rendering.

#[cfg(feature = "render")]
#[test]
fn twenty_thousand_diagnostics_on_one_line_render_in_linear_time() {
    bounded(
        "adversarial::twenty_thousand_diagnostics_on_one_line_render_in_linear_time",
        Limits::mib(500).seconds(60),
        || {
            use platform_model::render::{RenderOptions, render};
            use platform_model::validate::{ValidationMode, Validator};
            let count = 20_000;
            let tags = vec!["Bad_Tag!"; count].join(", ");
            let text = format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: x, tags: [{tags}]}}\nspec: {{type: service, lifecycle: production, owner: a}}\n"
            );
            let validator = Validator::builder().with_mode(ValidationMode::Full).build();
            let load_started = std::time::Instant::now();
            let catalog = Loader::new(LoadOptions::default().with_validator(validator))
                .expect("loader")
                .load_str("tags.yaml", &text);
            let diagnostics: Vec<&Diagnostic> = catalog.diagnostics().collect();
            assert!(diagnostics.len() >= count, "{}", diagnostics.len());
            let started = std::time::Instant::now();
            let mut bytes = 0;
            for d in &diagnostics {
                let source = d.span.as_ref().and_then(|s| catalog.source(&s.file));
                bytes += render(d, source, &RenderOptions::default()).len();
            }
            let elapsed = started.elapsed();
            eprintln!(
                "{count} diagnostics: load {:?}, render {elapsed:?}",
                started - load_started
            );
            // Each rendering shows a bounded excerpt of the 180 KB line.
            assert!(bytes < diagnostics.len() * 2_000, "{bytes}");
            assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
            let last = diagnostics.last().expect("last");
            let shown = render(last, Some(&text), &RenderOptions::default());
            let span = last.span.as_ref().expect("span");
            assert!(
                shown.contains(&format!("--> tags.yaml:3:{}", span.column)),
                "{shown}"
            );
        },
    );
}

#[test]
fn many_problems_in_one_document_are_collected_in_linear_time() {
    // Full mode drops repeated problems; it compared each with all before.
    bounded(
        "adversarial::many_problems_in_one_document_are_collected_in_linear_time",
        Limits::mib(500).seconds(20),
        || {
            use platform_model::validate::{ValidationMode, Validator};
            let tags: String = (0..50_000).map(|i| format!("Bad_{i}!, ")).collect();
            let text = format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: x, tags: [{tags}]}}\nspec: {{type: service, lifecycle: production, owner: a}}\n"
            );
            let validator = Validator::builder().with_mode(ValidationMode::Full).build();
            let started = std::time::Instant::now();
            let catalog = Loader::new(LoadOptions::default().with_validator(validator))
                .expect("loader")
                .load_str("tags.yaml", &text);
            assert!(catalog.diagnostics().count() >= 50_000);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(8),
                "{:?}",
                started.elapsed()
            );
        },
    );
}

// ---------------------------------------------------------------------
// Recursion: 100 000 levels of nesting end in a located diagnostic, on a
// 2 MiB thread stack (the default for test and rayon threads).

fn on_small_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(work)
        .expect("thread")
        .join()
        .expect("the work neither panicked nor overflowed its stack");
}

const DEEP: usize = 100_000;

fn deep_yaml_inputs() -> Vec<(String, u32)> {
    vec![
        ("[".repeat(DEEP), 1),
        (format!("{}1{}", "[".repeat(DEEP), "]".repeat(DEEP)), 1),
        ("{a: ".repeat(DEEP), 1),
        (format!("a:\n{}", "- ".repeat(DEEP)), 2),
        (
            (0..2_000)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect::<String>(),
            65,
        ),
    ]
}

fn check_deep_yaml(budget: YamlBudget) {
    for (text, line) in deep_yaml_inputs() {
        let options = LoadOptions::default().with_yaml(YamlOptions::default().with_budget(budget));
        let catalog = Loader::new(options)
            .expect("loader")
            .load_str("deep.yaml", &text);
        let d = catalog
            .diagnostics()
            .find(|d| d.is_error())
            .expect("an error");
        assert!(d.code.starts_with("yaml."), "{d:?}");
        let span = d.span.as_ref().expect("located");
        if budget.max_depth == 64 {
            assert_eq!(span.line, line, "{d:?}");
        }
    }
}

#[test]
fn deep_yaml_is_a_located_error_on_a_small_stack() {
    bounded(
        "adversarial::deep_yaml_is_a_located_error_on_a_small_stack",
        Limits::mib(300).seconds(60),
        || {
            // Default budget, and a budget raised past the ceiling.
            for budget in [
                YamlBudget::default(),
                YamlBudget::default().with_max_depth(usize::MAX),
            ] {
                on_small_stack(move || check_deep_yaml(budget));
                check_deep_yaml(budget);
            }
            let raised = YamlBudget::default().with_max_depth(usize::MAX);
            assert_eq!(
                raised.effective_max_depth(),
                platform_model::yaml::MAX_DEPTH_CEILING
            );
        },
    );
}

/// A component whose `spec.x` nests `depth` sequences.
fn deep_component(depth: usize) -> String {
    format!(
        "{}  x: {}1{}\n",
        COMPONENT.replace("NAME", "deep"),
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[test]
fn the_depth_ceiling_is_safe_on_a_small_stack() {
    // Everything downstream of the reader (validation, the typed entity,
    // serialization, drop) recurses: the ceiling must fit a 2 MiB stack.
    bounded(
        "adversarial::the_depth_ceiling_is_safe_on_a_small_stack",
        Limits::mib(300).seconds(60),
        || {
            on_small_stack(|| {
                let ceiling = platform_model::yaml::MAX_DEPTH_CEILING;
                let options = LoadOptions::default().with_yaml(
                    YamlOptions::default()
                        .with_budget(YamlBudget::default().with_max_depth(usize::MAX)),
                );
                let loader = Loader::new(options).expect("loader");
                // Root mapping + spec mapping + the sequences.
                let catalog = loader.load_str("ok.yaml", &deep_component(ceiling - 2));
                assert!(catalog.is_valid(), "{:?}", catalog.diagnostics().next());
                let entity = catalog.entities().next().expect("entity");
                let json = serde_json::to_string(entity).expect("json");
                assert!(json.len() > ceiling);
                let again = entity.clone();
                drop(again);
                let catalog = loader.load_str("deep.yaml", &deep_component(ceiling - 1));
                let d = catalog.diagnostics().next().expect("error");
                assert_eq!(d.code, "yaml.budget");
                assert_eq!(d.span.as_ref().map(|s| s.line), Some(9));
            });
        },
    );
}

#[test]
fn the_validator_refuses_a_deep_value_on_a_small_stack() {
    bounded(
        "adversarial::the_validator_refuses_a_deep_value_on_a_small_stack",
        Limits::mib(300).seconds(60),
        || {
            on_small_stack(|| {
                use platform_model::validate::{Validator, codes};
                let mut deep = serde_json::Value::from(1);
                for _ in 0..DEEP {
                    deep = serde_json::Value::Array(vec![deep]);
                }
                let mut entity: serde_json::Value =
                    serde_yaml_like(&COMPONENT.replace("NAME", "deep"));
                entity["spec"]["x"] = deep;
                let validation = Validator::new().validate(entity);
                assert_eq!(validation.problems.len(), 1);
                let problem = &validation.problems[0];
                assert_eq!(problem.code, codes::TOO_DEEP);
                let depth = platform_model::validate::DEFAULT_MAX_DEPTH;
                // `/spec/x` is at depth 2: the sequences below it make up the rest.
                assert_eq!(problem.path, format!("/spec/x{}", "/0".repeat(depth - 1)),);
            });
        },
    );
}

/// The JSON value of a small YAML document.
fn serde_yaml_like(text: &str) -> serde_json::Value {
    parse(text).documents[0].value.clone()
}

#[test]
fn deep_placeholders_are_located_errors_on_a_small_stack() {
    bounded(
        "adversarial::deep_placeholders_are_located_errors_on_a_small_stack",
        Limits::mib(300).seconds(60),
        || {
            on_small_stack(|| {
                let dir = tempfile::tempdir().expect("tempdir");
                std::fs::write(dir.path().join("deep.json"), "[".repeat(DEEP)).expect("write");
                std::fs::write(dir.path().join("deep.yaml"), "[".repeat(DEEP)).expect("write");
                // Under the ceiling on its own, over the validator's limit
                // once substituted into a deep document.
                let half = 900;
                std::fs::write(
                    dir.path().join("half.yaml"),
                    format!("{}1{}", "[".repeat(half), "]".repeat(half)),
                )
                .expect("write");
                let text = format!(
                    "{}  x-json: {{$json: ./deep.json}}\n  x-yaml: {{$yaml: ./deep.yaml}}\n  x-half: {}{{$yaml: ./half.yaml}}{}\n",
                    COMPONENT.replace("NAME", "p"),
                    "[".repeat(half),
                    "]".repeat(half)
                );
                let file = dir.path().join("catalog-info.yaml");
                std::fs::write(&file, &text).expect("write");
                let options = LoadOptions::default()
                    .with_registration(RegisteredAs::Url)
                    .with_yaml(
                        YamlOptions::default()
                            .with_budget(YamlBudget::default().with_max_depth(usize::MAX)),
                    )
                    .with_validator(
                        platform_model::validate::Validator::builder()
                            .with_mode(platform_model::validate::ValidationMode::Full)
                            .build(),
                    );
                let catalog = load(&file, options);
                let parse = with_code(&catalog, "placeholder.parse");
                assert_eq!(parse.len(), 2, "{parse:?}");
                assert_eq!(parse[0].span.as_ref().map(|s| s.line), Some(9));
                assert_eq!(parse[1].span.as_ref().map(|s| s.line), Some(10));
                let deep = with_code(&catalog, "entity.too-deep");
                assert_eq!(
                    deep.len(),
                    1,
                    "{:?}",
                    catalog.diagnostics().collect::<Vec<_>>()
                );
                assert_eq!(deep[0].span.as_ref().map(|s| s.line), Some(11));
            });
        },
    );
}

#[test]
fn problems_in_a_large_mapping_are_located_in_linear_time() {
    // 50 000 invalid label keys: each problem was located by scanning the
    // mapping's entries.
    bounded(
        "adversarial::problems_in_a_large_mapping_are_located_in_linear_time",
        Limits::mib(500).seconds(20),
        || {
            use platform_model::validate::{ValidationMode, Validator};
            let labels: String = (0..50_000)
                .map(|i| format!("    bad key {i}: x\n"))
                .collect();
            let text = format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  labels:\n{labels}spec: {{type: service, lifecycle: production, owner: a}}\n"
            );
            let validator = Validator::builder().with_mode(ValidationMode::Full).build();
            let started = std::time::Instant::now();
            let catalog = Loader::new(LoadOptions::default().with_validator(validator))
                .expect("loader")
                .load_str("labels.yaml", &text);
            let elapsed = started.elapsed();
            let located: Vec<&Diagnostic> = catalog
                .diagnostics()
                .filter(|d| d.code == "entity.field-format")
                .collect();
            assert_eq!(located.len(), 50_000);
            assert_eq!(located[49_999].span.as_ref().map(|s| s.line), Some(50_005));
            assert!(elapsed < std::time::Duration::from_secs(8), "{elapsed:?}");
        },
    );
}

/// Fuzz finding (`fuzz/regressions/yaml_reader/lone-cr-line-numbers`): a
/// lone `\r` is a YAML line break, and every position of the stream (the
/// document's, the parser's inside it) counts it as one.
#[test]
fn lone_carriage_returns_count_as_line_breaks_everywhere() {
    let text = "\ra: 1\r---\rb: x\r\rc: y\n";
    let stream = parse(text);
    assert_eq!(stream.documents.len(), 2, "{stream:?}");
    let second = &stream.documents[1];
    assert!(second.error.is_none(), "{:?}", second.error);
    assert_eq!(second.position.line, 3);
    for (pointer, needle) in [("/b", "x"), ("/c", "y")] {
        let span = second.value_span(pointer);
        let offset = text.find(needle).expect("needle");
        assert_eq!(span.start, offset, "{pointer}");
        assert_eq!(
            (span.line, span.column),
            platform_model::span::line_column(text, offset),
            "{pointer}"
        );
    }
    assert_eq!(second.value_span("/c").line, 6);
    let first = &stream.documents[0];
    assert_eq!(
        (first.value_span("/a").line, first.value_span("/a").column),
        (2, 4)
    );
}

/// Every document of a large file failing with a duplicate key: each
/// status (in the `yaml` package's words, with its code frame) looks only
/// at the lines around its error, so the file costs a linear amount.
#[test]
fn many_failing_documents_word_their_statuses_in_linear_time() {
    bounded(
        "adversarial::many_failing_documents_word_their_statuses_in_linear_time",
        Limits::mib(400).seconds(30),
        || {
            let documents = 20_000;
            let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  name: b\n---\n"
                .repeat(documents);
            let catalog = Loader::new(LoadOptions::default())
                .expect("loader")
                .load_str("many.yaml", &text);
            let worded = catalog
                .documents()
                .iter()
                .filter(|d| {
                    d.backstage_error.as_deref().is_some_and(|e| {
                        e.contains("YAMLParseError: Map keys must be unique at line")
                    })
                })
                .count();
            assert_eq!(worded, documents);
            let last = catalog
                .documents()
                .last()
                .and_then(|d| d.backstage_error.clone());
            let line = 6 * (documents - 1) + 5;
            assert!(
                last.as_deref()
                    .is_some_and(|e| e.contains(&format!("at line {line}, column 3"))),
                "{last:?}"
            );
        },
    );
}
