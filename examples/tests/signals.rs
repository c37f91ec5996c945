//! `platform scaffold` stopped by a signal: no output, no staging
//! directory left behind (it may hold rendered secrets), exit 130.

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn staging_dirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".platform-scaffold-"))
        .collect()
}

#[test]
fn a_terminated_run_removes_its_staging_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("skeleton")).expect("dir");
    std::fs::write(
        root.join("skeleton/credentials.env"),
        "TOKEN=${{ values.token }}\n",
    )
    .expect("write");
    std::fs::write(
        root.join("template.yaml"),
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: slow\nspec:\n  type: service\n  steps:\n    - {action: fetch:template, input: {url: ./skeleton, values: {token: '${{ secrets.token }}'}}}\n    - {action: debug:wait, input: {seconds: 60}}\n",
    )
    .expect("write");
    std::fs::write(root.join("values.yaml"), "{}\n").expect("write");
    let child = Command::new(env!("CARGO_BIN_EXE_platform"))
        .current_dir(root)
        .args([
            "scaffold",
            "template.yaml",
            "--values",
            "values.yaml",
            "--out",
            "out",
            "--secret",
            "token=hunter2-xyzzy",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("platform starts");
    // Wait until the secret is on disk in the staging directory.
    let started = Instant::now();
    loop {
        let written = staging_dirs(root)
            .iter()
            .any(|d| root.join(d).join("credentials.env").exists());
        if written {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never wrote its file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let output = child.wait_with_output().expect("platform ends");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the run did not stop at the signal"
    );
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(staging_dirs(root), Vec::<String>::new());
    assert!(!root.join("out").exists());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("hunter2-xyzzy"));
}
