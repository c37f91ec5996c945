//! The rules on fixtures that break them.

use platform_model::Severity;
use platform_policy::{
    ArtefactKind, CheckOptions, Finding, Inputs, PolicyConfig, Profile, Registry, Rule, RuleConfig,
    RuleContext, RuleMeta, check_path,
};

use crate::{brief, check_fixture, check_text, fixture};

#[test]
fn workload_rules() {
    let report = check_fixture("workloads", &CheckOptions::new());
    insta::assert_debug_snapshot!("workload_findings", brief(&report));
}

#[test]
fn pdb_selectors_and_matchexpressions() {
    let report =
        check_path(&fixture("workloads/pdb-and.yaml"), &CheckOptions::new()).expect("check");
    let pdb: Vec<String> = report
        .active()
        .filter(|f| f.rule().starts_with("pdb."))
        .map(|f| format!("{} {}", f.rule(), f.message()))
        .collect();
    assert_eq!(
        pdb,
        [
            "pdb.required Deployment `web` has no PodDisruptionBudget selecting its pods, although it runs 3 replicas",
            "pdb.unhealthy-eviction-policy `unhealthyPodEvictionPolicy` is not set; AlwaysAllow lets drains evict unready pods",
            "pdb.allows-eviction `minAvailable: 3` is not below the replicas (3) of Deployment `worker`: no pod can be evicted",
        ]
    );
}

#[test]
fn crossplane_claims_against_their_definition() {
    let report = check_fixture("crossplane", &CheckOptions::new());
    let found: Vec<String> = report
        .active()
        .filter(|f| f.rule().starts_with("crossplane."))
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f.rule(),
                f.file().unwrap_or(""),
                f.diagnostic.span.as_ref().map_or(0, |s| s.line),
                f.message()
            )
        })
        .collect();
    insta::assert_debug_snapshot!("crossplane_findings", found);
}

#[test]
fn cross_artefact_rules() {
    let report = check_fixture("xref", &CheckOptions::new());
    let found: Vec<String> = report
        .active()
        .filter(|f| f.rule().starts_with("xref.") || f.rule().starts_with("catalog."))
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f.rule(),
                f.file().unwrap_or(""),
                f.diagnostic.span.as_ref().map_or(0, |s| s.line),
                f.message()
            )
        })
        .collect();
    insta::assert_debug_snapshot!("xref_findings", found);
}

#[test]
fn the_lifecycle_ladder_raises_production_findings() {
    let report = check_fixture("xref", &CheckOptions::new());
    let read_only = report
        .active()
        .find(|f| f.rule() == "k8s.run-as-non-root" || f.rule() == "k8s.capabilities-drop-all");
    // invoice-service is production: restricted failures become errors.
    let seccomp_free = check_text(
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, labels: {backstage.io/kubernetes-id: a}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: a, image: a:1}]\n",
    );
    let warn = seccomp_free
        .active()
        .find(|f| f.rule() == "k8s.seccomp")
        .expect("seccomp");
    assert_eq!(warn.severity(), Severity::Warning);
    let _ = read_only;
    let mut inputs = Inputs::new();
    inputs.add_source(
        "catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: service, lifecycle: production, owner: t}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: b}\nspec: {type: service, lifecycle: experimental, owner: t}\n",
    );
    for name in ["a", "b"] {
        inputs.add_source(
            format!("{name}.yaml"),
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, labels: {{backstage.io/kubernetes-id: {name}}}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: c, image: c:1}}]\n"),
        );
    }
    let report = platform_policy::Checker::new(&CheckOptions::new())
        .expect("checker")
        .check_inputs(inputs);
    let seccomp: Vec<(String, Severity)> = report
        .active()
        .filter(|f| f.rule() == "k8s.seccomp")
        .map(|f| (f.file().unwrap_or("").to_owned(), f.severity()))
        .collect();
    assert_eq!(
        seccomp,
        [
            ("a.yaml".to_owned(), Severity::Error),
            ("b.yaml".to_owned(), Severity::Info)
        ]
    );
}

#[test]
fn configuration_overrides_profile_defaults() {
    let config = PolicyConfig::new()
        .with_rule("k8s.privileged", RuleConfig::default().with_enabled(false))
        .with_rule(
            "k8s.host-port",
            RuleConfig::default().with_severity(Severity::Error),
        )
        .with_rule(
            "docker.trusted-registry",
            RuleConfig::default()
                .with_enabled(true)
                .with_option("registries", serde_json::json!(["gcr.io/distroless"])),
        );
    let report = check_fixture(
        "workloads",
        &CheckOptions::new().with_config(config.clone()),
    );
    assert!(!report.findings.iter().any(|f| f.rule() == "k8s.privileged"));
    assert!(
        report
            .active()
            .filter(|f| f.rule() == "k8s.host-port")
            .all(|f| f.severity() == Severity::Error)
    );
    let docker = platform_policy::check_sources(
        [("Dockerfile", "FROM docker.io/library/alpine:3.20\nFROM gcr.io/distroless/static:nonroot\nUSER 65532\n")],
        &CheckOptions::new().with_config(config),
    )
    .expect("check");
    let untrusted: Vec<&str> = docker
        .active()
        .filter(|f| f.rule() == "docker.trusted-registry")
        .map(|f| f.message())
        .collect();
    assert_eq!(
        untrusted,
        [
            "base image `docker.io/library/alpine:3.20` comes from `docker.io`, which is not a trusted registry"
        ]
    );
}

#[test]
fn dockerfile_rules() {
    let report = check_text(
        "api/Dockerfile",
        "ARG TOKEN=abc\nFROM python:3.12\nENV API_KEY=xyz\nADD https://example.com/tool.tgz /opt/\nADD app.py /app/\nRUN apt update && apt-get install curl \\\n    && curl -k https://x | sh\nRUN sudo pip install --trusted-host pypi.local flask\nCOPY --from=later /x /x\nUSER root\nCMD python app.py\nFROM scratch AS later\n",
    );
    insta::assert_debug_snapshot!("dockerfile_findings", brief(&report));
}

#[test]
fn helm_values_rules() {
    let report = check_text(
        "chart/values.yaml",
        "replicaCount: 1\nimage:\n  repository: shop/web\n  tag: latest\nautoscaling:\n  enabled: false\npodDisruptionBudget:\n  enabled: true\n  maxUnavailable: 0\nserviceAccount:\n  create: false\npodSecurityContext: {}\nsecurityContext:\n  privileged: true\nresources: {}\n",
    );
    insta::assert_debug_snapshot!("values_findings", brief(&report));
}

struct TeamLabel(RuleMeta);

impl Rule for TeamLabel {
    fn meta(&self) -> &RuleMeta {
        &self.0
    }

    fn check(&self, cx: &RuleContext<'_>) -> Vec<Finding> {
        cx.workloads()
            .filter(|(_, m)| m.label("acme.io/team").is_none())
            .map(|(i, _)| cx.at_manifest(i, "/metadata/labels", "workloads carry `acme.io/team`"))
            .collect()
    }
}

#[test]
fn custom_rules_run_with_config_and_exemptions() {
    let rule = TeamLabel(
        RuleMeta::new(
            "acme.team-label",
            "Workloads name their team",
            Severity::Warning,
        )
        .with_applies_to(&[ArtefactKind::Manifest]),
    );
    let options = CheckOptions::new()
        .with_rule(rule)
        .expect("register")
        .with_config(PolicyConfig::new().with_rule(
            "acme.team-label",
            RuleConfig::default().with_severity(Severity::Error),
        ));
    let report = check_path(&fixture("workloads/pdb-and.yaml"), &options).expect("check");
    let custom: Vec<&Finding> = report
        .active()
        .filter(|f| f.rule() == "acme.team-label")
        .collect();
    assert_eq!(custom.len(), 2);
    assert!(custom.iter().all(|f| f.severity() == Severity::Error));
    let sarif = report.to_sarif();
    assert!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["id"] == "acme.team-label"))
    );
    let mut registry = Registry::builtin();
    let err = registry
        .register(TeamLabel(RuleMeta::new(
            "k8s.image-tag",
            "dup",
            Severity::Info,
        )))
        .expect_err("duplicate");
    assert!(err.to_string().contains("already registered"));
    assert!(
        registry
            .register(TeamLabel(RuleMeta::new("NoDomain", "x", Severity::Info)))
            .is_err()
    );
}

#[test]
fn profiles_change_which_rules_run() {
    let base = check_fixture(
        "workloads",
        &CheckOptions::new().with_profile(Profile::Baseline),
    );
    let strict = check_fixture(
        "workloads",
        &CheckOptions::new().with_profile(Profile::Strict),
    );
    assert!(!base.findings.iter().any(|f| f.rule() == "k8s.resources"));
    assert!(strict.findings.iter().any(|f| f.rule() == "k8s.high-uid"));
    assert!(base.summary.findings < strict.summary.findings);
}

/// An object whose `apiVersion` does not serve its kind is a finding, not
/// silently skipped; a version removed after the configured release warns.
#[test]
fn api_versions_that_do_not_serve_the_kind() {
    let text = "apiVersion: v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {minAvailable: 1}\n";
    let report = check_text("old.yaml", text);
    let found: Vec<String> = report
        .active()
        .filter(|f| f.rule() == "k8s.api-version")
        .map(|f| {
            let line = f.diagnostic.span.as_ref().map_or(0, |s| s.line);
            format!("{:?} {line} {}", f.severity(), f.message())
        })
        .collect();
    assert_eq!(
        found,
        [
            "Error 1 `v1` does not serve Deployment; use `apps/v1`",
            "Error 6 `extensions/v1beta1` Ingress was removed in Kubernetes 1.22; use `networking.k8s.io/v1`",
        ]
    );
    let config = PolicyConfig::new().with_rule(
        "k8s.api-version",
        RuleConfig::default().with_option("kubernetes_version", serde_json::json!("1.21")),
    );
    let old = platform_policy::check_sources(
        [("old.yaml", text)],
        &CheckOptions::new().with_config(config),
    )
    .expect("check");
    let severities: Vec<Severity> = old
        .active()
        .filter(|f| f.rule() == "k8s.api-version")
        .map(Finding::severity)
        .collect();
    assert_eq!(severities, [Severity::Error, Severity::Warning]);
}

/// Bugs found on the peers' fixtures: startup probe ports, UDP ports for
/// TCP probes, requests defaulted from limits, `drop: [all]`, and
/// percentages above 100 %.
#[test]
fn probes_resources_capabilities_and_pdb_percentages() {
    let text = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.acme.test/web:1.0
          ports: [{containerPort: 53, protocol: UDP, name: dns}]
          readinessProbe: {tcpSocket: {port: 53}}
          livenessProbe: {tcpSocket: {port: dns}}
          startupProbe: {httpGet: {path: /, port: 8080}}
          resources: {limits: {cpu: 500m, memory: 256Mi}}
          securityContext: {capabilities: {drop: [all]}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 150%
  selector: {matchLabels: {app: web}}
";
    let report = check_text("web.yaml", text);
    let found = |rule: &str| -> Vec<String> {
        report
            .active()
            .filter(|f| f.rule() == rule)
            .map(|f| f.message().to_owned())
            .collect()
    };
    assert_eq!(
        found("k8s.probes"),
        [
            "the readinessProbe of container `web` targets port 53, which the container does not declare",
            "the livenessProbe of container `web` targets port \"dns\", which the container does not declare",
            "the startupProbe of container `web` targets port 8080, which the container does not declare",
        ]
    );
    assert_eq!(
        found("k8s.resources"),
        Vec::<String>::new(),
        "requests default to the limits"
    );
    assert_eq!(
        found("k8s.capabilities-drop-all"),
        ["container `web` does not drop ALL capabilities"]
    );
    assert_eq!(
        found("pdb.allows-eviction"),
        ["`minAvailable: 150%` blocks every eviction"]
    );
}

/// Dockerfile bugs found on the peers' fixtures: `-qq` implies `-y`, a
/// BuildKit cache mount needs no list cleanup, `sudo` only as the command,
/// `HEALTHCHECK NONE` and an inherited HEALTHCHECK are decisions.
#[test]
fn apt_quiet_levels_cache_mounts_sudo_and_inherited_healthchecks() {
    let dockerfile = "FROM debian:12.5 AS base
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
RUN apt-get update && apt-get install -qq --no-install-recommends curl sudo && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && apt-get --quiet --quiet install --no-install-recommends jq
RUN echo sudo is not used here
FROM base
USER 10001
";
    let report = platform_policy::check_sources([("Dockerfile", dockerfile)], &CheckOptions::new())
        .expect("check");
    let rules: Vec<&str> = report
        .active()
        .filter(|f| {
            matches!(
                f.rule(),
                "docker.apt-hygiene" | "docker.no-sudo" | "docker.healthcheck"
            )
        })
        .map(|f| f.rule())
        .collect();
    assert_eq!(
        rules,
        Vec::<&str>::new(),
        "{:?}",
        report
            .active()
            .map(|f| (f.rule(), f.message()))
            .collect::<Vec<_>>()
    );
    let none = platform_policy::check_sources(
        [(
            "Dockerfile",
            "FROM debian:12.5\nHEALTHCHECK NONE\nRUN sudo apt-get install -q curl\nUSER 10001\n",
        )],
        &CheckOptions::new(),
    )
    .expect("check");
    let found: Vec<(&str, &str)> = none
        .active()
        .filter(|f| {
            matches!(
                f.rule(),
                "docker.apt-hygiene" | "docker.no-sudo" | "docker.healthcheck"
            )
        })
        .map(|f| (f.rule(), f.message()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "docker.apt-hygiene",
                "apt-get hygiene: `install` without `-y`; `install` without `--no-install-recommends`; `/var/lib/apt/lists` is not removed in the same RUN"
            ),
            ("docker.no-sudo", "RUN uses sudo"),
        ]
    );
}

/// Secrets by value: a credential's published shape in an env value, and
/// AWS's access key id by name.
#[test]
fn secrets_are_found_by_value_and_aws_key_ids_by_name() {
    let manifest = "apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
    - name: app
      image: registry.acme.test/app:1.0
      env:
        - {name: AWS_ACCESS_KEY_ID, value: placeholder}
        - {name: UPSTREAM, value: AKIAIOSFODNN7EXAMPLE}
        - {name: REGION, value: eu-west-1}
";
    let report = check_text("pod.yaml", manifest);
    let found: Vec<&str> = report
        .active()
        .filter(|f| f.rule() == "k8s.secret-env")
        .map(|f| f.message())
        .collect();
    assert_eq!(
        found,
        [
            "environment variable `AWS_ACCESS_KEY_ID` of container `app` holds a literal secret",
            "environment variable `UPSTREAM` of container `app` holds what looks like an AWS access key id",
        ]
    );
    let docker = platform_policy::check_sources(
        [("Dockerfile", "FROM debian:12.5\nENV UPSTREAM=ghp_0123456789abcdefghijABCDEFGHIJ012345 MODE=prod\nUSER 10001\n")],
        &CheckOptions::new(),
    )
    .expect("check");
    let found: Vec<&str> = docker
        .active()
        .filter(|f| f.rule() == "docker.no-secrets-in-env")
        .map(|f| f.message())
        .collect();
    assert_eq!(
        found,
        ["ENV `UPSTREAM` looks like a secret; it is kept in the image history"]
    );
}

/// CronJob pods need a NetworkPolicy too, unless `batch` is off.
#[test]
fn cronjob_pods_are_checked_for_a_network_policy() {
    let text = "apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: '0 * * * *'
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: report}}
        spec:
          restartPolicy: Never
          containers: [{name: report, image: registry.acme.test/report:1.0}]
";
    let report = check_text("cron.yaml", text);
    let found: Vec<&str> = report
        .active()
        .filter(|f| f.rule() == "k8s.network-policy")
        .map(|f| f.diagnostic.path.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(found, ["/spec/jobTemplate/spec/template/metadata/labels"]);
    let covered = format!(
        "{text}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: report, namespace: shop}}\nspec:\n  podSelector: {{matchLabels: {{app: report}}}}\n  policyTypes: [Ingress]\n"
    );
    let report = check_text("cron.yaml", &covered);
    assert_eq!(
        report
            .active()
            .filter(|f| f.rule() == "k8s.network-policy")
            .count(),
        0
    );
    let off = PolicyConfig::new().with_rule(
        "k8s.network-policy",
        RuleConfig::default().with_option("batch", serde_json::json!(false)),
    );
    let report = platform_policy::check_sources(
        [("cron.yaml", text)],
        &CheckOptions::new().with_config(off),
    )
    .expect("check");
    assert_eq!(
        report
            .active()
            .filter(|f| f.rule() == "k8s.network-policy")
            .count(),
        0
    );
}

/// `rule file:line message` of every unsuppressed finding.
fn located(report: &platform_policy::PolicyReport) -> Vec<String> {
    report
        .active()
        .map(|f| {
            let line = f.diagnostic.span.as_ref().map_or(0, |s| s.line);
            format!(
                "{} {}:{line} {}",
                f.rule(),
                f.file().unwrap_or(""),
                f.message()
            )
        })
        .collect()
}

#[test]
fn values_with_component_sections_are_judged_per_component() {
    let hardened = check_fixture("values/hardened", &CheckOptions::new());
    let pods: Vec<String> = located(&hardened)
        .into_iter()
        .filter(|f| f.starts_with("k8s."))
        .collect();
    assert!(pods.is_empty(), "{pods:#?}");
    let open = check_fixture("values/open", &CheckOptions::new());
    insta::assert_debug_snapshot!("values_sections_findings", located(&open));
}

#[test]
fn rbac_services_ports_env_and_more_dockerfile_rules() {
    let report = check_fixture(
        "more-rules",
        &CheckOptions::new().with_profile(Profile::Strict),
    );
    let new_rules = [
        "rbac.",
        "k8s.service-nodeport",
        "k8s.service-selector",
        "k8s.service-load",
        "k8s.ingress-",
        "k8s.netpol-selector",
        "k8s.ssh-port",
        "k8s.privileged-port",
        "k8s.duplicate-env",
        "k8s.env-secret-ref",
        "k8s.root-group",
        "k8s.probes-identical",
        "k8s.anti-affinity",
        "k8s.replicas-min",
        "k8s.privileged",
        "k8s.host-namespaces",
        "docker.apk-",
        "docker.yum-",
        "docker.expose-ssh",
        "docker.workdir-",
        "docker.chpasswd",
        "docker.apt-",
    ];
    let found: Vec<String> = located(&report)
        .into_iter()
        .filter(|f| new_rules.iter().any(|r| f.starts_with(r)))
        .collect();
    insta::assert_debug_snapshot!("more_rules_findings", found);
}

#[test]
fn strictness_options_move_the_thresholds() {
    let three = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: 'web:1'}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: in}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]\n";
    let rules_of = |config: PolicyConfig| -> Vec<String> {
        let options = CheckOptions::new().with_config(config);
        let report =
            platform_policy::check_sources([("web.yaml", three)], &options).expect("check");
        let mut ids: Vec<String> = report
            .active()
            .filter(|f| {
                [
                    "pdb.required",
                    "k8s.anti-affinity",
                    "k8s.replicas-min",
                    "k8s.network-policy",
                ]
                .contains(&f.rule())
            })
            .map(|f| format!("{} {}", f.rule(), f.message()))
            .collect();
        ids.sort();
        ids
    };
    let defaults = rules_of(PolicyConfig::new());
    assert_eq!(defaults.len(), 2, "{defaults:#?}"); // pdb.required and k8s.anti-affinity
    let relaxed = rules_of(
        PolicyConfig::new()
            .with_rule(
                "pdb.required",
                RuleConfig::default().with_option("min_replicas", serde_json::json!(4)),
            )
            .with_rule(
                "k8s.anti-affinity",
                RuleConfig::default().with_option("min_replicas", serde_json::json!(4)),
            ),
    );
    assert!(relaxed.is_empty(), "{relaxed:#?}");
    let stricter = rules_of(
        PolicyConfig::new()
            .with_rule(
                "k8s.replicas-min",
                RuleConfig::default().with_option("min_replicas", serde_json::json!(4)),
            )
            .with_rule(
                "k8s.network-policy",
                RuleConfig::default()
                    .with_option("directions", serde_json::json!(["Ingress", "Egress"])),
            ),
    );
    assert!(
        stricter.iter().any(|f| f.starts_with("k8s.replicas-min")),
        "{stricter:#?}"
    );
    assert!(
        stricter
            .iter()
            .any(|f| f
                == "k8s.network-policy no NetworkPolicy selecting these pods restricts Egress"),
        "{stricter:#?}"
    );
}

#[test]
fn a_service_repository_with_chart_kustomize_dockerfile_and_catalog_has_no_false_errors() {
    let report = check_fixture("service-repo", &CheckOptions::new());
    let errors: Vec<String> = located(&report)
        .into_iter()
        .zip(report.active())
        .filter(|(_, f)| f.severity() == Severity::Error)
        .map(|(text, _)| text)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The chart template is skipped, the patch files are not objects, and the
    // overlays' `images` pin the base's untagged image.
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.file().is_some_and(|p| p.contains("templates/")))
    );
    assert!(!report.findings.iter().any(|f| {
        f.file()
            .is_some_and(|p| p.ends_with("replicas.yaml") || p.ends_with("resources-patch.yaml"))
    }));
    assert!(!report.active().any(|f| f.rule() == "k8s.image-tag"));
    insta::assert_debug_snapshot!("service_repo_findings", located(&report));
}

#[test]
fn an_unpinned_kustomize_image_is_reported() {
    let report = platform_policy::check_sources(
        [
            ("base/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: 'web:1.0'}]}\n"),
            ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
            ("dev/kustomization.yaml", "resources: [../base]\nimages: [{name: web, newTag: latest}]\n"),
        ],
        &CheckOptions::new(),
    )
    .expect("check");
    let tags: Vec<String> = report
        .active()
        .filter(|f| f.rule() == "k8s.image-tag")
        .map(|f| f.message().to_owned())
        .collect();
    assert_eq!(
        tags,
        ["image `docker.io/web` uses the `latest` tag (container `web`)"]
    );
}
