//! `fetch:template` against spec §3.3's matrix, compared byte for byte
//! with what Backstage's own action (scaffolder-backend 4.3.0) produced from
//! the same skeleton and values (`tools/scaffolder-oracle`).

use std::path::Path;

use platform_scaffold::{Secrets, Target, snapshot_tree};
use serde_json::json;

use crate::{fixtures, scaffolder, template_in};

/// Copies the matrix skeleton and adds what git cannot hold: an empty
/// directory, a binary file, a symlink and a dangling symlink.
fn skeleton(dir: &Path) {
    let target = dir.join("skeleton");
    copy_tree(&fixtures().join("skeletons/matrix"), &target);
    std::fs::create_dir_all(target.join("emptydir")).expect("dir");
    std::fs::write(target.join("binary.bin"), b"\x00\x01${{ values.name }}\xff").expect("binary");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::os::unix::fs::symlink("README.md", target.join("link")).expect("link");
        std::os::unix::fs::symlink("missing.txt", target.join("dangling")).expect("link");
        std::fs::set_permissions(
            target.join("run.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("mode");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

fn render(extra_input: &str) -> String {
    let dir = tempfile::tempdir().expect("dir");
    skeleton(dir.path());
    let spec = format!(
        "  steps:\n    - action: fetch:template\n      input:\n        url: ./skeleton\n{extra_input}        values:\n          name: svc\n          flag: false\n          items: [1, 2]\n          obj: {{a: 1}}\n          n: 3\n"
    );
    let template = template_in(dir.path(), &spec);
    let report = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    snapshot_tree(&report.files)
}

/// Backstage's output for a mode, recorded by the oracle.
fn backstage(mode: &str) -> String {
    std::fs::read_to_string(fixtures().join(format!("oracle/fetch_{mode}.txt")))
        .expect("oracle output")
}

#[test]
fn default_mode_matches_backstage() {
    let tree = render("");
    assert!(
        tree.contains("--- svc/sub/svc.txt\nname=svc cc={{ cookiecutter.name }}\n"),
        "{tree}"
    );
    assert!(
        tree.contains("items=1,2 obj=[object Object] json={\"a\":1} n=3"),
        "{tree}"
    );
    assert!(
        !tree.contains("cond"),
        "conditional entries are skipped: {tree}"
    );
    assert_eq!(tree, backstage("default"));
}

#[test]
fn cookiecutter_mode_matches_backstage() {
    let tree = render("        cookiecutterCompat: true\n");
    assert!(tree.contains("--- $/sub/$.txt"), "{tree}");
    assert_eq!(tree, backstage("cookiecutter"));
}

#[test]
fn extension_mode_matches_backstage() {
    let tree = render("        templateFileExtension: true\n");
    assert!(tree.contains("--- tpl\nnjk svc\n"), "{tree}");
    assert!(
        tree.contains("--- README.md\n# ${{ values.name }}\n"),
        "{tree}"
    );
    assert_eq!(tree, backstage("extension"));
}

/// A directory named in `copyWithoutTemplating` (with or without its
/// slash, at any depth) is every file under it, as globby expands it.
#[test]
fn verbatim_directories_are_whole_folders() {
    for (mode, pattern) in [
        ("verbatim-dir", "verbatim/"),
        ("verbatim-bare", "verbatim"),
        ("verbatim-sub", "verbatim/sub"),
    ] {
        let tree = render(&format!("        copyWithoutTemplating: ['{pattern}']\n"));
        assert!(
            tree.contains("--- verbatim/sub/deep.txt\n${{ values.name }} deep\n"),
            "{pattern}: {tree}"
        );
        assert_eq!(tree, backstage(mode), "{pattern}");
    }
}

#[test]
fn verbatim_globs_keep_contents_and_render_paths() {
    let tree = render("        copyWithoutTemplating: ['verbatim/**', '!verbatim/none']\n");
    assert!(
        tree.contains("--- verbatim/raw.txt\n${{ values.name }} stays\n"),
        "{tree}"
    );
    assert_eq!(tree, backstage("verbatim"));
}

#[test]
fn extension_mode_refuses_incompatible_options() {
    let dir = tempfile::tempdir().expect("dir");
    skeleton(dir.path());
    let template = template_in(
        dir.path(),
        "  steps:\n    - action: fetch:template\n      input:\n        url: ./skeleton\n        templateFileExtension: .j2\n        cookiecutterCompat: true\n",
    );
    let error = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("templateFileExtension cannot be combined"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn modes_binaries_links_and_empty_directories_are_kept_on_disk() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    skeleton(dir.path());
    let template = template_in(
        dir.path(),
        "  steps:\n    - action: fetch:template\n      input: {url: ./skeleton, values: {name: svc}}\n",
    );
    let out = dir.path().join("out");
    scaffolder()
        .run(
            &template,
            &json!({}),
            &Secrets::new(),
            Target::Directory(&out),
        )
        .expect("run");
    let mode = std::fs::metadata(out.join("run.sh"))
        .expect("run.sh")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(
        std::fs::read(out.join("binary.bin")).expect("binary"),
        b"\x00\x01${{ values.name }}\xff"
    );
    assert_eq!(
        std::fs::read_link(out.join("link")).expect("link"),
        Path::new("README.md")
    );
    assert_eq!(
        std::fs::read_link(out.join("dangling")).expect("dangling"),
        Path::new("missing.txt")
    );
    assert!(out.join("emptydir").is_dir());
    assert!(out.join(".dotfile").is_file());
    assert_eq!(std::fs::read(out.join("empty.txt")).expect("empty"), b"");
}

#[test]
fn existing_files_are_kept_unless_replace() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("a")).expect("dir");
    std::fs::write(dir.path().join("a/file.txt"), "first ${{ values.v }}").expect("write");
    std::fs::create_dir_all(dir.path().join("b")).expect("dir");
    std::fs::write(dir.path().join("b/file.txt"), "second ${{ values.v }}").expect("write");
    for (replace, expected) in [(false, "first 1"), (true, "second 1")] {
        let template = template_in(
            dir.path(),
            &format!(
                "  steps:\n    - action: fetch:template\n      input: {{url: ./a, values: {{v: 1}}}}\n    - action: fetch:template\n      input: {{url: ./b, values: {{v: 1}}, replace: {replace}}}\n"
            ),
        );
        let report = scaffolder()
            .run(&template, &json!({}), &Secrets::new(), Target::Memory)
            .expect("run");
        assert_eq!(report.files[0].text(), Some(expected));
    }
}

#[test]
fn render_errors_name_the_skeleton_file_and_position() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton/src")).expect("dir");
    std::fs::write(
        dir.path().join("skeleton/src/main.go"),
        "package main\n\n// ${{ values.name | nosuchfilter }}\n",
    )
    .expect("write");
    let template = template_in(
        dir.path(),
        "  steps:\n    - id: fetch\n      action: fetch:template\n      input: {url: ./skeleton, values: {name: x}}\n",
    );
    let out = dir.path().join("out");
    let error = scaffolder()
        .run(
            &template,
            &json!({}),
            &Secrets::new(),
            Target::Directory(&out),
        )
        .expect_err("fails");
    let text = error.to_string();
    assert!(text.contains("src/main.go:3:"), "{text}");
    assert!(text.contains("nosuchfilter"), "{text}");
    assert!(!out.exists(), "nothing is written when a step fails");
}

#[test]
fn single_file_variants() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("one.txt"), "hello ${{ values.who }}").expect("write");
    let template = template_in(
        dir.path(),
        "  steps:\n    - action: fetch:template:file\n      input: {url: ./one.txt, targetPath: out/rendered.txt, values: {who: world}}\n    - action: fetch:plain:file\n      input: {url: ./one.txt, targetPath: plain.txt}\n",
    );
    let report = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    let texts: Vec<(&str, Option<&str>)> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.text()))
        .collect();
    assert_eq!(
        texts,
        vec![
            ("out/rendered.txt", Some("hello world")),
            ("plain.txt", Some("hello ${{ values.who }}"))
        ]
    );
}

/// Skeleton modes go through the process umask, as Backstage's copy does,
/// and never carry set-user-id, set-group-id or sticky bits.
#[cfg(unix)]
#[test]
fn skeleton_modes_follow_the_umask_and_lose_special_bits() {
    use std::os::unix::fs::PermissionsExt;
    let umask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
        })
        .unwrap_or(0o022);
    let dir = tempfile::tempdir().expect("dir");
    let skeleton = dir.path().join("skeleton");
    std::fs::create_dir_all(&skeleton).expect("dir");
    for (name, mode) in [("shared.txt", 0o664), ("tool", 0o4775)] {
        let path = skeleton.join(name);
        std::fs::write(&path, "x\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let template = template_in(
        dir.path(),
        "  steps:\n    - action: fetch:template\n      input: {url: ./skeleton}\n",
    );
    let out = dir.path().join("out");
    scaffolder()
        .run(
            &template,
            &json!({}),
            &Secrets::new(),
            Target::Directory(&out),
        )
        .expect("run");
    let mode_of = |name: &str| {
        std::fs::metadata(out.join(name))
            .expect("written")
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode_of("shared.txt"), 0o664 & !umask);
    assert_eq!(mode_of("tool"), 0o775 & !umask);
}
