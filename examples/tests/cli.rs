//! The `platform` command line: exit codes and the JSON contracts the README
//! documents.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn platform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platform"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("run platform")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

const MISTAKES: &str = "platform-model/tests/fixtures/render/mistakes.yaml";

#[test]
fn the_acme_example_is_valid() {
    // Acme is read as its repository's URL, as the article's discovery
    // reads it: its API's relative `$text` resolves then.
    let out = platform(&[
        "validate",
        "examples/acme",
        "--registration",
        "url",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = json(&out);
    assert_eq!(report["summary"]["valid"], 21);
    assert_eq!(report["summary"]["invalid"], 0);
    assert!(
        report["relations"]
            .as_array()
            .is_some_and(|r| r.len() == 84)
    );
    let payment = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["entity"] == "component:default/payment-service")
        .expect("payment-service");
    assert_eq!(
        payment["file"],
        "components/payment-service/catalog-info.yaml"
    );
    assert_eq!(payment["document"], 0);
    assert_eq!(payment["valid"], true);
}

#[test]
fn the_articles_app_config_rejects_the_kinds_it_leaves_out() {
    // The article's rules omit Domain and Template: Backstage would refuse
    // the Acme domain and the golden-path template, and so do we.
    let out = platform(&[
        "validate",
        "--app-config",
        "examples/acme/app-config.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let refused: Vec<(String, String)> = report["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["valid"] == false)
        .map(|d| {
            (
                d["entity"].as_str().unwrap_or_default().to_owned(),
                d["backstage_error"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // The domain fails the root Location whose targets bring it, so
    // Backstage ingests none of what that Location reads. The tree is
    // registered as a `file` location there, where the API's relative
    // `$text` forms no URL.
    assert_eq!(refused.len(), 4, "{refused:?}");
    let status = "NotAllowedError: Entity domain:default/payments at file:examples/acme/catalog-info.yaml, \
         originated at file:examples/acme/catalog-info.yaml, is not of an allowed kind for that location";
    assert_eq!(refused[0].0, "location:default/acme");
    assert_eq!(refused[0].1, status);
    assert_eq!(refused[1].0, "domain:default/payments");
    assert_eq!(refused[1].1, status);
    assert_eq!(refused[2].0, "api:default/payment-api-v2");
    assert_eq!(
        refused[2].1,
        "InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by \
         Error: Placeholder $text could not form a URL out of examples/acme/apis/payment-api-v2.yaml \
         and ./payment-api-v2.openapi.yaml, TypeError: Invalid URL"
    );
    assert_eq!(refused[3].0, "template:default/new-go-service");
    assert_eq!(report["summary"]["valid"], 17);
    let ingested: Vec<&str> = report["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["ingested"] == true)
        .filter_map(|d| d["entity"].as_str())
        .collect();
    assert!(ingested.is_empty(), "{ingested:?}");
    assert_eq!(report["summary"]["ingested"], 0);
    // The app-config's own findings are located in it.
    let unset = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "app-config.unset-variable")
        .count();
    assert_eq!(unset, 5);
    // The discovery location is named, not passed over.
    let discovery: Vec<&Value> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "location.not-followed")
        .collect();
    assert_eq!(discovery.len(), 1, "{discovery:?}");
    assert_eq!(discovery[0]["file"], "examples/acme/app-config.yaml");
    assert_eq!(discovery[0]["line"], 35);
    // The text form names the rule at the kind.
    let text = platform(&["validate", "--app-config", "examples/acme/app-config.yaml"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("examples/acme/domains/payments.yaml:2:7"),
        "{stdout}"
    );
}

#[test]
fn repos_are_discovered_offline_under_the_discovery_locations_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repos/payments");
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").expect("write");
    std::fs::write(
        repo.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: sneaky\nspec:\n  type: team\n  children: []\n",
    )
    .expect("write");
    // A discovery location that allows Component, API and System, and
    // global rules that allow only Locations: a Group found in a
    // repository is refused.
    let config = dir.path().join("app-config.yaml");
    std::fs::write(
        &config,
        "catalog:\n  rules:\n    - allow: [Location]\n  locations:\n    - type: github-discovery\n      target: https://github.com/acme-corp\n      rules:\n        - allow: [Component, API, System]\n",
    )
    .expect("write");
    let repos = dir.path().join("repos");
    let args = [
        "validate",
        "--app-config",
        config.to_str().expect("utf-8"),
        "--repos",
        repos.to_str().expect("utf-8"),
        "--format",
        "json",
    ];
    let out = platform(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let document = &report["documents"][0];
    assert_eq!(document["file"], "payments/catalog-info.yaml");
    assert_eq!(
        document["backstage_error"],
        "NotAllowedError: Entity group:default/sneaky at url:https://github.com/acme-corp/payments/blob/main/catalog-info.yaml, \
         originated at github-discovery:https://github.com/acme-corp, is not of an allowed kind for that location"
    );
    // A --repos that is not a directory is a usage error.
    let missing = dir.path().join("nowhere");
    let out = platform(&[
        "validate",
        "--app-config",
        config.to_str().expect("utf-8"),
        "--repos",
        missing.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn app_config_problems_are_located_and_missing_files_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("app-config.yaml");
    std::fs::write(
        &config,
        "catalog:\n  rules:\n    - alow: [Component]\n  locations:\n    - type: file\n      target: ./missing.yaml\n",
    )
    .expect("write");
    let path = config.to_string_lossy().into_owned();
    let out = platform(&["validate", "--app-config", &path, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let found: Vec<(String, u64)> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        found.contains(&("app-config.unknown-key".into(), 3)),
        "{found:?}"
    );
    assert!(
        found.contains(&("app-config.invalid".into(), 3)),
        "{found:?}"
    );
    assert!(
        found.contains(&("location.not-found".into(), 6)),
        "{found:?}"
    );
    // Bad YAML is a located diagnostic, not a crash.
    std::fs::write(&config, "catalog: [unclosed\n").expect("write");
    let out = platform(&["validate", "--app-config", &path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["diagnostics"][0]["code"], "yaml.syntax");
    let out = platform(&["validate", "--app-config", "no/such/app-config.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn following_the_root_location_finds_the_same_entities() {
    let out = platform(&[
        "validate",
        "examples/acme/catalog-info.yaml",
        "--registration",
        "url",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["summary"]["valid"], 21);
}

#[test]
fn invalid_files_exit_1_and_every_error_is_located() {
    let out = platform(&["validate", MISTAKES, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let documents = report["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 4);
    for doc in documents {
        for key in [
            "file", "document", "line", "column", "entity", "valid", "errors",
        ] {
            assert!(doc.get(key).is_some(), "{key} missing in {doc}");
        }
        assert_eq!(doc["file"], "mistakes.yaml");
        for error in doc["errors"].as_array().expect("errors") {
            for key in ["code", "message", "path", "line", "column"] {
                assert!(error.get(key).is_some(), "{key} missing in {error}");
            }
            assert!(error["line"].as_u64().is_some_and(|l| l > 0));
        }
    }
    assert_eq!(documents[2]["entity"], Value::Null);
    assert_eq!(documents[1]["entity"], "component:default/lowercase-kind");
    assert_eq!(documents[0]["errors"].as_array().map(Vec::len), Some(1));
    let full = json(&platform(&[
        "validate",
        MISTAKES,
        "--format",
        "json",
        "--all-errors",
    ]));
    assert!(
        full["documents"][0]["errors"]
            .as_array()
            .map_or(0, Vec::len)
            > 1
    );
}

#[test]
fn text_output_has_snippets_and_a_summary() {
    let out = platform(&["validate", MISTAKES]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--> mistakes.yaml:5:9"), "{text}");
    assert!(text.contains("  name: Payment Service"), "{text}");
    assert!(text.contains("failed: 4 documents in 1 files"), "{text}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(
        platform(&["validate", "does/not/exist"]).status.code(),
        Some(2)
    );
    assert_eq!(
        platform(&["validate", "--format", "yaml", "examples/acme"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(platform(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn generated_organisations_validate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("org");
    let out = platform(&[
        "generate",
        "--entities",
        "300",
        "--out",
        out_dir.to_str().expect("utf8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&platform(&[
        "validate",
        out_dir.join("catalog-info.yaml").to_str().expect("utf8"),
        "--format",
        "json",
    ]));
    assert_eq!(report["summary"]["valid"], 301);
    // The output directory must be empty.
    assert_eq!(
        platform(&[
            "generate",
            "--entities",
            "10",
            "--out",
            out_dir.to_str().expect("utf8")
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn check_prints_findings_scorecards_and_a_summary() {
    let out = platform(&["check", MISTAKES, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let findings = report["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    for f in findings {
        for key in [
            "rule",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "suppressed",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    assert!(report["scorecards"].is_array());
    assert!(report["summary"]["errors"].as_u64().is_some_and(|e| e > 0));
}

#[test]
fn schemas_are_printed() {
    let out = platform(&["schema", "--kind", "Component"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["properties"]["kind"]["const"], "Component");
    assert_eq!(
        platform(&["schema", "--kind", "Nope"]).status.code(),
        Some(2)
    );
}

#[test]
fn graph_impact_and_owned_by_print_the_documented_json() {
    let out = platform(&[
        "graph",
        "examples/acme",
        "--registration",
        "url",
        "--impact",
        "resource:payments-postgres",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    let impact = report["impact"].as_array().expect("impact");
    assert_eq!(impact[0]["entity"], "resource:default/payments-postgres");
    assert_eq!(impact[0]["depth"], 0);
    let payment = impact
        .iter()
        .find(|i| i["entity"] == "component:default/payment-service")
        .expect("payment");
    assert_eq!(
        payment["path"],
        serde_json::json!([
            "resource:default/payments-postgres",
            "component:default/payment-service"
        ])
    );
    let owned = json(&platform(&[
        "graph",
        "examples/acme",
        "--owned-by",
        "group:engineering",
        "--format",
        "json",
    ]));
    let owned = owned["owned"].as_array().expect("owned");
    let service = owned
        .iter()
        .find(|o| o["entity"] == "component:default/payment-service")
        .expect("service");
    assert_eq!(
        service["via"],
        serde_json::json!(["group:default/engineering", "group:default/payments-team"])
    );
}

#[test]
fn graph_unknown_references_exit_2_with_suggestions() {
    let out = platform(&[
        "graph",
        "examples/acme",
        "--impact",
        "resource:payments-postgre",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("did you mean `resource:default/payments-postgres`"),
        "{stderr}"
    );
}

#[test]
fn graph_exports_and_problems() {
    let dot = platform(&["graph", "examples/acme", "--format", "dot"]);
    assert!(String::from_utf8_lossy(&dot.stdout).starts_with("digraph catalog {"));
    let mermaid = platform(&["graph", "examples/acme", "--format", "mermaid"]);
    assert!(String::from_utf8_lossy(&mermaid.stdout).starts_with("flowchart LR"));
    let problems = platform(&[
        "graph",
        "platform-graph/tests/fixtures/problems.yaml",
        "--problems",
        "--cycles",
        "--format",
        "json",
    ]);
    assert_eq!(problems.status.code(), Some(1));
    let report = json(&problems);
    assert!(report["problems"].as_array().is_some_and(|p| p.len() >= 7));
    assert_eq!(report["cycles"].as_array().map(Vec::len), Some(3));
    let costs = json(&platform(&[
        "graph",
        "examples/acme",
        "--costs",
        "platform-graph/tests/fixtures/costs.csv",
        "--format",
        "json",
    ]));
    assert_eq!(costs["costs"]["total"], 587.0);
}

#[test]
fn check_on_acme_reports_the_deliberate_policy_findings_in_every_format() {
    let out = platform(&[
        "check",
        "examples/acme",
        "--registration",
        "url",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(
        rules,
        vec![
            "xref.prod-workload-without-pdb",
            "vap.replica-limit",
            "k8s.image-tag"
        ]
    );
    for f in report["findings"].as_array().expect("findings") {
        for key in [
            "rule",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "suppressed",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    let cards: Vec<(&str, &str)> = report["scorecards"]
        .as_array()
        .expect("scorecards")
        .iter()
        .map(|c| {
            (
                c["component"].as_str().unwrap_or_default(),
                c["level"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        cards.contains(&("component:default/notification-service", "basic")),
        "{cards:?}"
    );
    let lenient = platform(&[
        "check",
        "examples/acme",
        "--min-severity",
        "error",
        "--profile",
        "baseline",
    ]);
    assert_eq!(lenient.status.code(), Some(1));
    let sarif = json(&platform(&["check", MISTAKES, "--format", "sarif"]));
    let all = json(&platform(&["check", MISTAKES, "--format", "json"]));
    let results = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .len();
    assert_eq!(
        results,
        all["findings"].as_array().expect("findings").len(),
        "SARIF keeps catalog and graph findings"
    );
    // Every rule, the merged catalog and graph ones included, is described,
    // and every result has a fingerprint.
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
    {
        for key in ["fullDescription", "help"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{key} of {rule}"
            );
        }
    }
    for result in sarif["runs"][0]["results"].as_array().expect("results") {
        assert!(
            result["partialFingerprints"]
                .as_object()
                .is_some_and(|f| !f.is_empty()),
            "{result}"
        );
    }
}

#[test]
fn template_lint_reports_located_findings() {
    let clean = platform(&[
        "template",
        "lint",
        "examples/acme/templates/new-go-service/template.yaml",
        "--actions",
        "builtin",
    ]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    // A stock backend has no `http:backstage:request` (a Roadie module).
    let stock = platform(&[
        "template",
        "lint",
        "examples/acme/templates/new-go-service/template.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(stock.status.code(), Some(1));
    let report = json(&stock);
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["findings"][0]["code"], "scaffold.unknown-action");
    let published = platform(&[
        "template",
        "lint",
        "platform-scaffold/tests/fixtures/published/github-service/template.yaml",
    ]);
    assert_eq!(
        published.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&published.stdout)
    );
    let dir = tempfile::tempdir().expect("dir");
    let list = dir.path().join("actions.json");
    std::fs::write(&list, r#"[{"id": "fetch:template"}]"#).expect("write");
    let own = platform(&[
        "template",
        "lint",
        "platform-scaffold/tests/fixtures/published/github-service/template.yaml",
        "--actions",
        list.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let report = json(&own);
    let unknown: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "scaffold.unknown-action")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(unknown.len(), 2, "{unknown:?}");
    let seed = platform(&[
        "template",
        "lint",
        "platform-scaffold/tests/fixtures/lint/seed-template.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(seed.status.code(), Some(1));
    let report = json(&seed);
    assert_eq!(report["valid"], false);
    let first = &report["findings"][0];
    assert!(first["line"].as_u64().is_some_and(|l| l > 1), "{first}");
    // The workspace's one flat diagnostic form: `code` (and `rule` until the
    // next minor version) and the file as given.
    assert_eq!(first["rule"], first["code"], "{first}");
    assert_eq!(
        first["file"], "platform-scaffold/tests/fixtures/lint/seed-template.yaml",
        "{first}"
    );
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "scaffold.unknown-input")
    );
}

#[test]
fn scaffold_dry_run_lists_files_and_a_real_run_writes_only_on_success() {
    let template = "examples/acme/templates/new-go-service/template.yaml";
    let values = "examples/acme/templates/new-go-service/example-values.yaml";
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("svc");
    let out_text = out.to_string_lossy().into_owned();
    let dry = platform(&[
        "scaffold",
        template,
        "--values",
        values,
        "--out",
        &out_text,
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let report = json(&dry);
    let paths: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"catalog-info.yaml") && paths.contains(&"chart/values.yaml"),
        "{paths:?}"
    );
    assert!(!out.exists(), "a dry run writes nothing");
    // Nothing listens on port 9: the ArgoCD step fails, so nothing is written.
    let failed = platform(&[
        "scaffold",
        template,
        "--values",
        values,
        "--out",
        &out_text,
        "--backstage-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("create-argocd-app"));
    assert!(!out.exists());
    // Invalid values are reported with the parameter and the page.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "name: Not Valid\nowner: x\ndescription: y\n").expect("write");
    let invalid = platform(&[
        "scaffold",
        template,
        "--values",
        &bad.to_string_lossy(),
        "--out",
        &out_text,
    ]);
    assert_eq!(invalid.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&invalid.stderr);
    assert!(
        stderr.contains("`name` on page 1 \"Service Details\""),
        "{stderr}"
    );
}

// Hostile inputs (issue 8): every bound asserted.

/// Runs `platform` with a wall-time limit (`timeout`), and with `ulimit -v`
/// of `max_vm_mib` when given: a hang or an allocation past the limit
/// fails the run instead of the machine.
fn platform_limited(args: &[&str], seconds: u32, max_vm_mib: Option<u64>) -> Output {
    let limit = max_vm_mib.map_or_else(String::new, |mib| format!("ulimit -v {};", mib * 1024));
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            r#"{limit} exec timeout -s KILL {seconds} "$0" "$@""#
        ))
        .arg(env!("CARGO_BIN_EXE_platform"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("run platform")
}

/// A `dependsOn` chain `c0 -> … -> c{n-1}` in files of 1 000 documents.
fn write_chain(dir: &Path, n: usize) {
    let per = 1_000;
    for file in 0..n.div_ceil(per) {
        let docs: Vec<String> = (file * per..((file + 1) * per).min(n))
            .map(|i| {
                let deps = if i + 1 < n {
                    format!("\n  dependsOn: [component:c{}]", i + 1)
                } else {
                    String::new()
                };
                format!(
                    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{i}\n\
                     spec:\n  type: service\n  lifecycle: production\n  owner: group:team{deps}\n"
                )
            })
            .collect();
        std::fs::write(dir.join(format!("part{file:02}.yaml")), docs.join("---\n")).expect("write");
    }
}

#[test]
fn graph_impact_of_a_30000_long_chain_is_linear() {
    let n = 30_000;
    let dir = tempfile::tempdir().expect("tempdir");
    write_chain(dir.path(), n);
    let path = dir.path().to_str().expect("utf-8 path");
    let root = format!("component:c{}", n - 1);
    // Full paths were 450 million entries (9.2 GB at 10 000; 30 000
    // aborted). Loading 30 000 entities takes about 250 MB.
    let out = platform_limited(
        &["graph", path, "--impact", &root, "--format", "json"],
        240,
        Some(1024),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.len() < 64 << 20, "{} bytes", out.stdout.len());
    let report = json(&out);
    let impact = report["impact"].as_array().expect("impact");
    assert_eq!(impact.len(), n + 1);
    assert!(
        impact
            .iter()
            .all(|hit| hit["path"].as_array().is_some_and(|p| p.len() <= 16))
    );
    let deepest = impact.last().expect("a hit");
    assert_eq!(deepest["entity"], "component:default/c0");
    assert_eq!(deepest["depth"], n - 1);
    assert_eq!(
        deepest["path"][0],
        format!("component:default/{}", &root[10..])
    );
    assert_eq!(deepest["path"][1], "…");
    assert_eq!(deepest["path"][15], "component:default/c0");
    // Text: one line per hit, each bounded; the bound can be raised.
    let text = platform_limited(
        &["graph", path, "--impact", &root, "--max-path-len", "4"],
        240,
        Some(1024),
    );
    assert_eq!(text.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert_eq!(stdout.lines().count(), n + 1);
    let last = stdout.lines().last().expect("a line");
    assert!(
        last.ends_with(&format!(
            "via component:default/c{} -> … -> component:default/c1 -> component:default/c0",
            n - 1
        )),
        "{last}"
    );
}

/// The commands that read a file named by a flag, with that file.
fn file_flags(file: &str, out: &Path) -> Vec<(&'static str, Vec<String>)> {
    let template = "examples/acme/templates/new-go-service/template.yaml".to_owned();
    let out = out.to_string_lossy().into_owned();
    vec![
        (
            "--values",
            vec![
                "scaffold".into(),
                template.clone(),
                "--values".into(),
                file.into(),
                "--out".into(),
                out,
            ],
        ),
        (
            "--costs",
            vec![
                "graph".into(),
                "examples/acme".into(),
                "--costs".into(),
                file.into(),
            ],
        ),
        (
            "--config",
            vec![
                "check".into(),
                "examples/acme".into(),
                "--config".into(),
                file.into(),
            ],
        ),
        (
            "template",
            vec!["template".into(), "lint".into(), file.into()],
        ),
        ("PATH", vec!["validate".into(), file.into()]),
        ("PATH", vec!["graph".into(), file.into()]),
    ]
}

#[test]
fn devices_and_fifos_are_refused_promptly_for_every_file_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("fifo.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let fifo = fifo.to_str().expect("utf-8").to_owned();
    let out = dir.path().join("out");
    for (file, kind) in [
        ("/dev/zero", "a character device"),
        (fifo.as_str(), "a FIFO"),
    ] {
        for (flag, args) in file_flags(file, &out) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let started = std::time::Instant::now();
            // /dev/zero used to be read until memory ran out, a FIFO
            // blocked forever: 256 MiB and 20 s are plenty for a refusal.
            let run = platform_limited(&args, 20, Some(256));
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{flag} {file}: {stderr}");
            assert!(
                stderr.contains(&format!(
                    "{flag} {file}: is {kind}; only regular files are read"
                )),
                "{flag} {file}: {stderr}"
            );
            assert!(started.elapsed() < std::time::Duration::from_secs(20));
        }
    }
}

#[test]
fn files_over_the_input_limit_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let costs = dir.path().join("costs.csv");
    std::fs::write(&costs, "payment-service,100\n".repeat(100)).expect("write");
    let costs = costs.to_str().expect("utf-8");
    let refused = platform(&[
        "graph",
        "examples/acme",
        "--costs",
        costs,
        "--max-input-bytes",
        "1000",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("larger than the limit of 1000 bytes (raise it with --max-input-bytes)"),
        "{stderr}"
    );
    let raised = platform(&[
        "graph",
        "examples/acme",
        "--registration",
        "url",
        "--costs",
        costs,
    ]);
    assert_eq!(raised.status.code(), Some(0));
}

#[test]
fn graph_reports_yaml_errors_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\n\
         spec:\n  type: service\n  lifecycle: production\n  owner: team\n---\n\
         apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: [unclosed\n",
    )
    .expect("write");
    let path = dir.path().to_str().expect("utf-8");
    for format in ["text", "json", "dot", "mermaid"] {
        let out = platform(&["graph", path, "--format", format]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        assert!(stderr.contains("yaml."), "{format}: {stderr}");
        assert!(
            stderr.contains("catalog-info.yaml:12:18"),
            "{format}: {stderr}"
        );
        assert!(
            stderr.contains("failed: 1 error in the catalog"),
            "{format}: {stderr}"
        );
    }
    // The answer is still printed, in its documented shape.
    let out = platform(&["graph", path, "--format", "json", "--cycles"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out), serde_json::json!({"cycles": []}));
    // A clean tree still exits 0.
    assert_eq!(
        platform(&["graph", "examples/acme", "--registration", "url"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn control_characters_of_input_are_escaped_in_text_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A file name that sets the terminal title and clears the screen (ESC
    // and C1 CSI), and a message that quotes an input with ESC in it.
    let name = "evil\u{1b}]0;pwned\u{7}\u{9b}2J.yaml";
    let file = dir.path().join(name);
    std::fs::write(
        &file,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: \"bad\\e[2Jname\"\n\
         spec:\n  type: service\n  lifecycle: production\n  owner: team\n",
    )
    .expect("write");
    let path = file.to_str().expect("utf-8");
    let raw = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{7}'),
            "raw control characters in {text:?}"
        );
        text
    };
    let validate = platform(&["validate", path]);
    assert_eq!(validate.status.code(), Some(1));
    let stdout = raw(&validate.stdout);
    assert!(
        stdout.contains("evil\\x1b]0;pwned\\x07\\u{9b}2J.yaml"),
        "{stdout}"
    );
    assert!(stdout.contains("[2Jname"), "{stdout}");
    raw(&validate.stderr);
    let graph = platform(&["graph", path]);
    assert_eq!(graph.status.code(), Some(1));
    let stderr = raw(&graph.stderr);
    assert!(
        stderr.contains("evil\\x1b]0;pwned\\x07\\u{9b}2J.yaml"),
        "{stderr}"
    );
    raw(&graph.stdout);
    let check = platform(&["check", path]);
    raw(&check.stdout);
    raw(&check.stderr);
    // Usage errors quoting the argument are escaped too.
    let unknown = platform(&["graph", "examples/acme", "--impact", "ghost\u{1b}[2J"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(raw(&unknown.stderr).contains("ghost\\x1b[2J"));
    // JSON stays valid JSON, with C1 escaped as \u009b.
    let json_out = platform(&["validate", path, "--format", "json"]);
    let text = raw(&json_out.stdout);
    assert!(text.contains("\\u009b2J.yaml"), "{text}");
    let report = json(&json_out);
    assert!(
        report["documents"][0]["file"]
            .as_str()
            .is_some_and(|f| f.contains('\u{9b}'))
    );
}

#[test]
fn a_failed_scaffold_still_prints_json_saying_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("template.yaml"),
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: service\n  steps:\n    - id: fetch\n      action: fetch:template\n      input: {url: ./missing-skeleton}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("values.yaml"), "{}\n").expect("write");
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let out = platform(&[
        "scaffold",
        &path("template.yaml"),
        "--values",
        &path("values.yaml"),
        "--out",
        &path("out"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["error"]["step"], "fetch");
    assert_eq!(report["error"]["action"], "fetch:template");
    let message = report["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with("./missing-skeleton: does not exist"),
        "{message}"
    );
    assert_eq!(report["steps"][0]["status"], "failed");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_published_template_publishes_to_the_local_git_host_and_integrations_are_flags() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("svc");
    let remotes = dir.path().join("remotes");
    let template = "platform-scaffold/tests/fixtures/published/github-service/template.yaml";
    let values = "platform-scaffold/tests/fixtures/published/github-service/values.yaml";
    let run = platform(&[
        "scaffold",
        template,
        "--values",
        values,
        "--out",
        &out.to_string_lossy(),
        "--git-remotes",
        &remotes.to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = json(&run);
    let publish = report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == "publish")
        .expect("publish step");
    assert_eq!(
        publish["output"]["repoContentsUrl"],
        "https://github.com/acme-corp/payments-api/blob/main"
    );
    assert!(remotes.join("acme-corp/payments-api.git").is_dir());
    assert!(out.join(".github/workflows/ci.yaml").is_file());
    let bad = platform(&[
        "scaffold",
        template,
        "--values",
        values,
        "--out",
        &dir.path().join("other").to_string_lossy(),
        "--integration",
        "bitbucket.acme.test",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected HOST=KIND"));
}

const ACME_METRICS: [&str; 13] = [
    "metrics",
    "dora",
    "examples/acme",
    "--registration",
    "url",
    "--deployments",
    "examples/acme/metrics/deployments.csv",
    "--deployments",
    "examples/acme/metrics/argocd-notification-service.json",
    "--incidents",
    "examples/acme/metrics/incidents.csv",
    "--since",
    "2026-11-01",
];

#[test]
fn metrics_dora_json_is_the_documented_contract() {
    let mut args = ACME_METRICS.to_vec();
    args.extend(["--until", "2026-12-01", "--format", "json"]);
    let out = platform(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["window"]["since"], "2026-11-01T00:00:00Z");
    let counts = &report["counts"];
    assert_eq!(counts["deployments_read"], 51);
    assert_eq!(counts["deployments_attributed"], 48);
    for level in ["entities", "systems", "domains", "groups"] {
        let entries = report[level].as_array().expect(level);
        assert!(!entries.is_empty(), "{level}");
        for entry in entries {
            for key in [
                "entity",
                "deployments",
                "deployment_frequency_per_day",
                "change_failure_rate",
            ] {
                assert!(
                    entry.get(key).is_some(),
                    "{level} entry without {key}: {entry}"
                );
            }
            assert!(entry["lead_time_hours"].get("median").is_some());
            assert!(entry["lead_time_hours"].get("p90").is_some());
            assert!(entry["recovery_hours"].get("median").is_some());
            for band in [
                "deployment_frequency",
                "lead_time",
                "change_failure_rate",
                "recovery_time",
            ] {
                assert!(entry["bands"].get(band).is_some(), "{entry}");
            }
        }
    }
    let acme = report["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["entity"] == "group:default/acme"))
        .expect("acme");
    assert_eq!(acme["deployments"], 48);
    assert_eq!(report["unattributed"][0]["key"]["value"], "ledger-service");
    // --by keeps one level; the others are empty.
    let mut args = ACME_METRICS.to_vec();
    args.extend([
        "--until",
        "2026-12-01",
        "--format",
        "json",
        "--by",
        "system",
    ]);
    let report = json(&platform(&args));
    assert_eq!(report["entities"], serde_json::json!([]));
    assert_eq!(report["systems"].as_array().map(Vec::len), Some(2));
}

#[test]
fn metrics_bad_rows_exit_1_with_their_location() {
    let out = platform(&[
        "metrics",
        "dora",
        "examples/acme",
        "--registration",
        "url",
        "--deployments",
        "platform-graph/tests/fixtures/dora/bad.csv",
        "--since",
        "2026-11-01",
        "--until",
        "2026-12-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[dora.status]"), "{stderr}");
    assert!(stderr.contains("bad.csv:4:52"), "{stderr}");
    assert!(stderr.contains("5 events left out"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("component:default/payment-service"),
        "{stdout}"
    );
    // An empty window is a usage error.
    let mut args = ACME_METRICS.to_vec();
    args.extend(["--until", "2026-10-01"]);
    let out = platform(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn metrics_nps_json() {
    let out = platform(&[
        "metrics",
        "nps",
        "examples/acme/metrics/survey.csv",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["overall"]["responses"], 12);
    assert_eq!(report["overall"]["nps"], 25.0);
    assert_eq!(report["overall"]["reading"], "positive");
    let q4 = report["rounds"]
        .as_array()
        .and_then(|r| {
            r.iter()
                .find(|s| s["round"] == "2026-Q4" && s["team"].is_null())
        })
        .expect("Q4");
    assert_eq!(q4["change"], 50.0);
}
