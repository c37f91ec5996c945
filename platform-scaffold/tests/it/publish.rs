//! `publish:git` and the local GitHub stand-in against real bare
//! repositories, `http:backstage:request` against a loopback server,
//! `catalog:*` against a local catalog.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use platform_scaffold::actions::ActionRegistry;
use platform_scaffold::actions::git::{GitRemotes, LocalGitHost, PublishGit};
use platform_scaffold::actions::http::{BackstageRequest, HttpConfig};
use platform_scaffold::actions::{CatalogClient, CatalogFetch, CatalogRegister, LocalCatalog};
use platform_scaffold::{Error, Scaffolder, Secrets, Target};
use serde_json::json;

use crate::template_in;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn publish_git_pushes_the_workspace_to_a_bare_repository() {
    let dir = tempfile::tempdir().expect("dir");
    let remote = dir.path().join("remote.git");
    std::fs::create_dir_all(&remote).expect("dir");
    git(&remote, &["init", "--quiet", "--bare"]);
    std::fs::create_dir_all(dir.path().join("skeleton/app")).expect("dir");
    std::fs::write(
        dir.path().join("skeleton/app/main.go"),
        "package main // ${{ values.name }}\n",
    )
    .expect("write");
    let template = template_in(
        dir.path(),
        &format!(
            "  steps:\n    - {{action: fetch:template, input: {{url: ./skeleton, values: {{name: svc}}}}}}\n    - id: publish\n      action: publish:git\n      input: {{remoteUrl: '{}', sourcePath: app, defaultBranch: trunk, gitCommitMessage: 'first', gitAuthorName: Jane, gitAuthorEmail: jane@acme.test}}\n",
            remote.display()
        ),
    );
    let mut registry = ActionRegistry::with_builtins();
    registry.register(PublishGit::new(
        GitRemotes::new().with_local_root(dir.path()),
    ));
    let report = Scaffolder::new(registry)
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    let hash = report.steps[1].output["commitHash"]
        .as_str()
        .expect("hash")
        .to_owned();
    assert_eq!(git(&remote, &["rev-parse", "refs/heads/trunk"]), hash);
    assert_eq!(
        git(&remote, &["log", "-1", "--format=%an <%ae> %s", "trunk"]),
        "Jane <jane@acme.test> first"
    );
    assert_eq!(
        git(&remote, &["show", "trunk:main.go"]),
        "package main // svc"
    );
}

#[test]
fn the_local_github_host_creates_and_pushes() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("dir");
    std::fs::write(
        dir.path().join("skeleton/README.md"),
        "# ${{ values.name }}\n",
    )
    .expect("write");
    let template = template_in(
        dir.path(),
        "  steps:
    - {action: fetch:template, input: {url: ./skeleton, values: {name: svc}}}
    - {id: create, action: github:repo:create, input: {repoUrl: 'github.com?owner=acme&repo=svc', repoVisibility: private}}
    - {id: push, action: github:repo:push, input: {repoUrl: 'github.com?owner=acme&repo=svc', requireCodeOwnerReviews: true}}
  output:
    remoteUrl: ${{ steps.create.output.remoteUrl }}
",
    );
    let mut registry = platform_scaffold::actions::ActionRegistry::with_builtins();
    let (create, push) = LocalGitHost::new(dir.path().join("host")).actions();
    registry.register(create).register(push);
    let report = platform_scaffold::Scaffolder::new(registry)
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    let bare = dir.path().join("host/acme/svc.git");
    assert_eq!(git(&bare, &["show", "main:README.md"]), "# svc");
    assert!(
        report.output["remoteUrl"]
            .as_str()
            .expect("url")
            .starts_with("file://")
    );
    assert_eq!(
        report.steps[2].output["repoContentsUrl"],
        "https://github.com/acme/svc/blob/main"
    );
}

/// Answers one request with `status` and a JSON body echoing the request.
fn serve_once(status: u16) -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("line");
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("length");
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        let reply = json!({"ok": status < 400}).to_string();
        let mut stream = reader.into_inner();
        write!(stream, "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}", reply.len()).expect("write");
        format!("{head}\n{}", String::from_utf8_lossy(&body))
    });
    (address, handle)
}

#[test]
fn http_requests_reach_a_loopback_server() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - id: argo\n      action: http:backstage:request\n      input:\n        method: POST\n        path: /api/proxy/argocd/api/v1/applications\n        params: {upsert: true}\n        headers: {x-team: payments}\n        body: {metadata: {name: svc}}\n",
    );
    let (address, server) = serve_once(201);
    let mut registry = platform_scaffold::actions::ActionRegistry::with_builtins();
    registry.register(BackstageRequest::new(
        HttpConfig::new(&address)
            .expect("config")
            .with_token(platform_scaffold::Secret::new("tkn-abc")),
    ));
    let scaffolder = platform_scaffold::Scaffolder::new(registry);
    let report = scaffolder
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    let request = server.join().expect("server");
    assert!(
        request.starts_with("POST /api/proxy/argocd/api/v1/applications?upsert=true HTTP/1.1"),
        "{request}"
    );
    assert!(request.contains("x-team: payments"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains("authorization: bearer tkn-abc"),
        "{request}"
    );
    assert!(
        request.ends_with("{\"metadata\":{\"name\":\"svc\"}}"),
        "{request}"
    );
    assert_eq!(report.steps[0].output["code"], "201");
    assert_eq!(report.steps[0].output["body"], json!({"ok": true}));

    let (address, server) = serve_once(500);
    let mut registry = platform_scaffold::actions::ActionRegistry::with_builtins();
    registry.register(BackstageRequest::new(
        HttpConfig::new(&address).expect("config"),
    ));
    let result = platform_scaffold::Scaffolder::new(registry).run(
        &template,
        &json!({}),
        &Secrets::new(),
        Target::Memory,
    );
    server.join().expect("server");
    let Err(Error::StepFailed { message, .. }) = result.map_err(Error::from) else {
        panic!("a 500 passed")
    };
    assert!(message.contains("status 500"), "{message}");

    let blocked = BackstageRequest::new(
        HttpConfig::new("http://127.0.0.1:9")
            .expect("config")
            .allowed_methods(["GET"]),
    );
    let mut registry = platform_scaffold::actions::ActionRegistry::with_builtins();
    registry.register(blocked);
    let result = platform_scaffold::Scaffolder::new(registry).run(
        &template,
        &json!({}),
        &Secrets::new(),
        Target::Memory,
    );
    let Err(Error::StepFailed { message, .. }) = result.map_err(Error::from) else {
        panic!("POST passed")
    };
    assert!(message.contains("method POST is not allowed"), "{message}");
}

#[test]
fn catalog_actions_write_fetch_and_register() {
    let dir = tempfile::tempdir().expect("dir");
    let catalog_dir = dir.path().join("catalog");
    std::fs::create_dir_all(&catalog_dir).expect("dir");
    std::fs::write(
        catalog_dir.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: payments-team}\nspec: {type: team, children: []}\n",
    )
    .expect("write");
    let template = template_in(
        dir.path(),
        "  steps:
    - id: owner
      action: catalog:fetch
      input: {entityRef: payments-team, defaultKind: group}
    - action: catalog:write
      input:
        entity:
          apiVersion: backstage.io/v1alpha1
          kind: Component
          metadata: {name: svc}
          spec: {type: service, lifecycle: experimental, owner: '${{ steps.owner.output.entity.metadata.name }}'}
    - id: register
      action: catalog:register
      input: {repoContentsUrl: 'https://github.com/acme/svc/blob/main'}
    - {id: again, action: catalog:register, input: {catalogInfoUrl: 'https://github.com/acme/svc/blob/main/catalog-info.yaml', optional: true}}
    - {id: missing, action: catalog:fetch, input: {entityRefs: ['group:nobody', 'group:payments-team'], optional: true}}
",
    );
    let registry = || {
        let client: Arc<dyn CatalogClient> =
            Arc::new(LocalCatalog::open(&catalog_dir).expect("catalog"));
        let mut registry = platform_scaffold::actions::ActionRegistry::with_builtins();
        registry
            .register(CatalogFetch::new(Arc::clone(&client)))
            .register(CatalogRegister::new(client));
        registry
    };
    let report = platform_scaffold::Scaffolder::new(registry())
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    let written = report.files[0].text().expect("yaml");
    assert!(
        written.contains("backstage.io/source-template: template:default/test"),
        "{written}"
    );
    // Backstage's dry run names the template `template:default/dry-run`.
    let dry = platform_scaffold::Scaffolder::new(registry())
        .dry_run(&template, &json!({}), &Secrets::new())
        .expect("dry run");
    let dry_written: String = dry.files.iter().map(|f| f.content.as_str()).collect();
    assert!(
        dry_written.contains("backstage.io/source-template: template:default/dry-run"),
        "{dry_written}"
    );
    assert!(written.contains("owner: payments-team"), "{written}");
    assert_eq!(
        report.steps[2].output["catalogInfoUrl"],
        "https://github.com/acme/svc/blob/main/catalog-info.yaml"
    );
    assert_eq!(
        report.steps[3].status,
        platform_scaffold::StepStatus::Completed,
        "optional swallows the duplicate"
    );
    assert_eq!(
        report.steps[4].output["entities"][0],
        serde_json::Value::Null
    );
    let locations =
        std::fs::read_to_string(catalog_dir.join("scaffolder-locations.yaml")).expect("locations");
    assert!(
        locations.contains("https://github.com/acme/svc/blob/main/catalog-info.yaml"),
        "{locations}"
    );
}
