//! Hostile inputs (issue 8): each workload runs in a child process whose
//! peak memory and time are asserted, so an abort, a stack overflow or a
//! hang fails the test instead of the test binary.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use platform_policy::dockerfile::{Dockerfile, DockerfileLimits};
use platform_policy::{
    ArtefactKind, CheckOptions, Checker, Finding, PolicyReport, Rule, RuleContext, RuleMeta,
    Severity, Span, TextOptions, check_path, check_sources, ids,
};
use platform_test_support::{Limits, bounded};

/// [`bounded`], printing what the child used (`--nocapture` shows it).
fn measured(name: &str, limits: Limits, work: impl FnOnce()) {
    if let Some(m) = bounded(name, limits, work) {
        eprintln!(
            "{name}: peak {} MiB, {:.2} s",
            m.peak_rss_bytes / (1024 * 1024),
            m.elapsed.as_secs_f64()
        );
    }
}

/// Findings of `rule` whose message contains `text`.
fn with_message<'a>(report: &'a PolicyReport, rule: &str, text: &str) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.rule() == rule && f.message().contains(text))
        .collect()
}

fn line_column(f: &Finding) -> (u32, u32) {
    let s = f.diagnostic.span.as_ref().expect("the finding is located");
    (s.line, s.column)
}

/// Renders every report format: none of them may be the slow part.
fn render_all(report: &PolicyReport) {
    let text = report.render_text(&TextOptions::default());
    assert!(!text.is_empty());
    let _ = report.to_json();
    let _ = report.to_sarif();
}

// ---- Dockerfile expansion ------------------------------------------------

/// The example: `ENV A=$A$A` repeated doubles the value; 40 lines
/// would be 2^40 bytes. The doubling stops at the value limit (64 KiB),
/// with a finding at the instruction that would pass it.
#[test]
fn env_doubling_stops_at_the_value_limit() {
    measured(
        "adversarial::env_doubling_stops_at_the_value_limit",
        Limits::mib(192).seconds(30),
        || {
            let mut text = String::from("FROM alpine:3.20\nENV A=x\n");
            for _ in 0..40 {
                text.push_str("ENV A=$A$A\n");
            }
            text.push_str("USER $A\n");
            let report = check_sources([("Dockerfile", text.as_str())], &CheckOptions::new())
                .expect("check runs");
            let limited = with_message(&report, ids::DOCKER_SYNTAX, "expands to more than 65536");
            assert!(!limited.is_empty(), "{:?}", report.findings);
            // `A` is 2^16 bytes after line 18; line 19 would make it 2^17.
            assert_eq!(line_column(limited[0]), (19, 1));
            let df = Dockerfile::parse("Dockerfile".into(), &text);
            let vars = df.stage_variables(&df.stages[0]);
            assert!(vars["A"].len() <= DockerfileLimits::default().max_value_bytes);
            render_all(&report);
        },
    );
}

/// Many values each under the value limit still share one budget per
/// Dockerfile (1 MiB by default).
#[test]
fn all_expansions_of_a_dockerfile_share_one_budget() {
    measured(
        "adversarial::all_expansions_of_a_dockerfile_share_one_budget",
        Limits::mib(128).seconds(30),
        || {
            let mut text = String::from("FROM alpine:3.20\nENV A=x\n");
            for _ in 0..15 {
                text.push_str("ENV A=$A$A\n"); // 32 KiB
            }
            for i in 0..10_000 {
                text.push_str(&format!("ENV B{i}=$A$A\n")); // 64 KiB each
            }
            let started = Instant::now();
            let df = Dockerfile::parse("Dockerfile".into(), &text);
            let total: usize = df
                .stage_variables(&df.stages[0])
                .values()
                .map(String::len)
                .sum();
            // Expanded values within the budget, the rest unexpanded text.
            assert!(
                total <= DockerfileLimits::default().max_expanded_bytes + text.len(),
                "{total}"
            );
            let over: Vec<_> = df
                .errors
                .iter()
                .filter(|e| e.message.contains("limit of all expansions"))
                .collect();
            assert!(!over.is_empty());
            // After the doublings and the FROM image (11 bytes), 14 values
            // of 64 KiB fit in the 1 MiB; the 15th (`B14`) does not.
            assert_eq!(over[0].span.line, 2 + 15 + 15);
            assert!(started.elapsed() < Duration::from_secs(10));
            // A raised budget is honoured.
            let raised = DockerfileLimits::default().with_max_expanded_bytes(1 << 40);
            let df =
                Dockerfile::parse_with("Dockerfile".into(), &text[..text.len() / 100], &raised);
            assert!(df.errors.is_empty(), "{:?}", df.errors);
        },
    );
}

/// `${A:-${A:-…}}` nested 100 000 deep: the substitution depth is bounded
/// (16), with a located finding; ordinary nesting still expands.
#[test]
fn nested_substitutions_are_bounded() {
    measured(
        "adversarial::nested_substitutions_are_bounded",
        Limits::mib(128).seconds(30),
        || {
            let depth = 100_000;
            let text = format!(
                "FROM alpine:3.20\nARG B={}x{}\nUSER $B\n",
                "${A:-".repeat(depth),
                "}".repeat(depth)
            );
            let report = check_sources([("Dockerfile", text.as_str())], &CheckOptions::new())
                .expect("check runs");
            let deep = with_message(&report, ids::DOCKER_SYNTAX, "deeper than 16 levels");
            assert_eq!(deep.len(), 1, "{:?}", report.findings);
            assert_eq!(line_column(deep[0]), (2, 1));
            render_all(&report);
            let df = Dockerfile::parse(
                "Dockerfile".into(),
                "FROM a:1\nARG C=c\nENV X=${A:-${B:-$C}} Y=${C:+${C}d}\n",
            );
            let vars = df.stage_variables(&df.stages[0]);
            assert_eq!(vars["X"], "c");
            assert_eq!(vars["Y"], "cd");
        },
    );
}

// ---- Heredocs ------------------------------------------------------------

/// The example: 10 000 heredoc markers on one line (6 s before).
/// The markers past the cap (64) are one finding, not 10 000.
#[test]
fn ten_thousand_heredoc_markers_are_capped() {
    measured(
        "adversarial::ten_thousand_heredoc_markers_are_capped",
        Limits::mib(192).seconds(30),
        || {
            let mut text = String::from("FROM alpine:3.20\nRUN cat");
            for i in 0..10_000 {
                text.push_str(&format!(" <<EOF{i}"));
            }
            text.push_str("\nUSER 10001\n");
            let started = Instant::now();
            let report = check_sources([("Dockerfile", text.as_str())], &CheckOptions::new())
                .expect("check runs");
            render_all(&report);
            assert!(started.elapsed() < Duration::from_secs(10));
            let capped = with_message(&report, ids::DOCKER_SYNTAX, "more than 64 heredocs");
            assert_eq!(capped.len(), 1);
            assert_eq!(line_column(capped[0]), (2, 1));
            let syntax = report
                .findings
                .iter()
                .filter(|f| f.rule() == ids::DOCKER_SYNTAX);
            assert!(
                syntax.count() <= 66,
                "one finding per heredoc kept, at most"
            );
        },
    );
}

/// Heredocs past the cap still consume their bodies: the instructions
/// after them parse as written.
#[test]
fn heredoc_bodies_past_the_cap_are_skipped_in_step() {
    let limits = DockerfileLimits::default().with_max_heredocs(2);
    let df = Dockerfile::parse_with(
        "Dockerfile".into(),
        "FROM alpine:3.20\nRUN <<A <<B <<C\na\nA\nb\nB\nc\nC\nUSER 1\n",
        &limits,
    );
    assert_eq!(df.instructions[1].heredocs.len(), 2);
    assert_eq!(df.instructions[2].keyword, "USER");
    assert_eq!(df.errors.len(), 1, "{:?}", df.errors);
    assert!(df.errors[0].message.contains("more than 2 heredocs"));
}

// ---- Dockerfile structure ------------------------------------------------

/// 10 000 stages, each copying from the one before, 10 000 global ARGs and
/// 10 000 secret-named ARGs on one line: stage lookups, FROM expansion and
/// needle searches are linear.
#[test]
fn many_stages_args_and_names_are_linear() {
    measured(
        "adversarial::many_stages_args_and_names_are_linear",
        Limits::mib(256).seconds(30),
        || {
            let mut text = String::new();
            for i in 0..10_000 {
                text.push_str(&format!("ARG V{i}=1\n"));
            }
            text.push_str("FROM alpine:3.20 AS s0\n");
            for i in 1..10_000 {
                text.push_str(&format!(
                    "FROM s{} AS s{i}\nCOPY --from=s{} /a /a\n",
                    i - 1,
                    i - 1
                ));
            }
            text.push_str("ARG");
            for i in 0..10_000 {
                text.push_str(&format!(" TOKEN_{i}"));
            }
            text.push_str("\nUSER 10001\n");
            let started = Instant::now();
            let report = check_sources([("Dockerfile", text.as_str())], &CheckOptions::new())
                .expect("check runs");
            render_all(&report);
            assert!(started.elapsed() < Duration::from_secs(15));
            let secrets: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.rule() == "docker.no-secrets-in-env")
                .collect();
            assert_eq!(secrets.len(), 10_000);
            // Each name is located at its own column of the one line.
            let line = 10_000 + 1 + 2 * 9_999 + 1;
            assert_eq!(line_column(secrets[0]), (line, 5));
            assert!(
                report
                    .findings
                    .iter()
                    .all(|f| !f.message().contains("does not name an earlier stage")),
            );
        },
    );
}

// ---- Text, JSON and SARIF rendering ---------------------------------------

/// A rule that reports one finding at every `k<n>:` key of the first
/// manifest's file (found in one pass, so the rule itself is linear).
struct AtEveryKey(RuleMeta);

impl AtEveryKey {
    fn new() -> Self {
        Self(
            RuleMeta::new("acme.many", "Many findings", Severity::Error)
                .with_applies_to(&[ArtefactKind::Manifest]),
        )
    }
}

impl Rule for AtEveryKey {
    fn meta(&self) -> &RuleMeta {
        &self.0
    }

    fn check(&self, cx: &RuleContext<'_>) -> Vec<Finding> {
        let Some(m) = cx.inputs().manifests().first() else {
            return Vec::new();
        };
        let file = Arc::clone(&m.location.file);
        let text = cx.inputs().source(&file).unwrap_or("");
        let bytes = text.as_bytes();
        let (mut line, mut line_start) = (1u32, 0usize);
        let mut out = Vec::new();
        for (at, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                line += 1;
                line_start = at + 1;
            } else if b == b'k'
                && at > 0
                && bytes[at - 1] == b' '
                && bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
            {
                let len = bytes[at..].iter().position(|&c| c == b':').unwrap_or(0) + 1;
                let column = u32::try_from(at - line_start + 1).unwrap_or(u32::MAX);
                let n = out.len();
                out.push(cx.finding(format!("finding {n}")).with_span(Span::new(
                    Arc::clone(&file),
                    line,
                    column,
                    at,
                    at + len,
                )));
            }
        }
        out
    }
}

fn one_long_line_manifest() -> String {
    let mut labels = String::new();
    for i in 0..20_000 {
        labels.push_str(&format!(" k{i}: v,"));
    }
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many\n  labels: {{{labels} last: v}}\n"
    )
}

/// 20 000 findings on one line took 36 s in text mode: each rendering
/// searched the file for the line and quoted the whole line.
#[test]
fn twenty_thousand_findings_on_one_line_render_in_linear_time() {
    measured(
        "adversarial::twenty_thousand_findings_on_one_line_render_in_linear_time",
        Limits::mib(256).seconds(60),
        || {
            let text = one_long_line_manifest();
            let options = CheckOptions::new()
                .with_rule(AtEveryKey::new())
                .expect("registers");
            let report =
                check_sources([("many.yaml", text.as_str())], &options).expect("check runs");
            assert_eq!(
                report
                    .findings
                    .iter()
                    .filter(|f| f.rule() == "acme.many")
                    .count(),
                20_000
            );
            let started = Instant::now();
            let rendered = report.render_text(&TextOptions::default());
            let text_time = started.elapsed();
            assert!(rendered.contains("finding 19999"));
            assert!(rendered.contains("snippet is left out"));
            // Linear output: no copy of the 200 KB line per finding.
            assert!(rendered.len() < 20 * 1024 * 1024, "{}", rendered.len());
            let started = Instant::now();
            let sarif = report.to_sarif();
            let sarif_time = started.elapsed();
            let results = sarif["runs"][0]["results"].as_array().expect("results");
            let last = results
                .iter()
                .find(|r| r["message"]["text"] == "finding 19999")
                .expect("the last finding");
            let region = &last["locations"][0]["physicalLocation"]["region"];
            assert_eq!(region["startLine"], 5);
            assert_eq!(region["endLine"], 5);
            assert_eq!(
                region["endColumn"].as_u64().expect("a column")
                    - region["startColumn"].as_u64().expect("a column"),
                "k19999:".len() as u64
            );
            assert!(
                text_time < Duration::from_secs(20) && sarif_time < Duration::from_secs(20),
                "text {text_time:?}, SARIF {sarif_time:?}"
            );
        },
    );
}

/// Lines under the snippet limit are still quoted, exactly as before.
#[test]
fn short_lines_keep_their_snippets() {
    let report = check_sources(
        [("Dockerfile", "FROM node\nUSER 10001\n")],
        &CheckOptions::new(),
    )
    .expect("check runs");
    let text = report.render_text(&TextOptions::default());
    assert!(text.contains("FROM node"), "{text}");
    let text = report.render_text(&TextOptions::default().with_max_snippet_bytes(4));
    assert!(text.contains("snippet is left out (limit 4)"), "{text}");
}

/// 20 000 exemption comments above 20 000 findings: the exemption lookups
/// (next content line, block end, covering comment) are linear.
#[test]
fn many_exemption_comments_are_linear() {
    measured(
        "adversarial::many_exemption_comments_are_linear",
        Limits::mib(256).seconds(60),
        || {
            let mut text =
                String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many\ndata:\n");
            for i in 0..20_000 {
                text.push_str("  # platform-policy ignore=acme.many reviewed\n");
                if i % 2 == 0 {
                    text.push_str(&format!("  k{i}: v\n"));
                }
            }
            let options = CheckOptions::new()
                .with_rule(AtEveryKey::new())
                .expect("registers");
            let started = Instant::now();
            let report =
                check_sources([("many.yaml", text.as_str())], &options).expect("check runs");
            assert!(started.elapsed() < Duration::from_secs(20));
            // Every finding is under its comment, so every one is exempt.
            assert_eq!(report.summary.suppressed, 10_000, "{:?}", report.summary);
        },
    );
}

// ---- Crossplane -----------------------------------------------------------

const XRD: &str = "\
apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata:
  name: xdeeps.acme.io
spec:
  group: acme.io
  names: {kind: XDeep, plural: xdeeps}
  claimNames: {kind: Deep, plural: deeps}
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
              properties:
";

/// A 100 000-deep claim and a 100 000-deep schema: located findings, no
/// stack overflow.
#[test]
fn hundred_thousand_deep_claims_and_schemas_are_located() {
    measured(
        "adversarial::hundred_thousand_deep_claims_and_schemas_are_located",
        Limits::mib(256).seconds(60),
        || {
            let depth = 100_000;
            let nested = format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth));
            let claim = format!(
                "apiVersion: acme.io/v1\nkind: Deep\nmetadata: {{name: d}}\nspec:\n  a: {nested}\n"
            );
            let schema = format!("{XRD}                a: {nested}\n");
            let report = check_sources(
                [
                    ("xrd.yaml", schema.as_str()),
                    ("claim.yaml", claim.as_str()),
                ],
                &CheckOptions::new(),
            )
            .expect("check runs");
            for (file, line) in [("claim.yaml", 5), ("xrd.yaml", 20)] {
                let f = report
                    .findings
                    .iter()
                    .find(|f| f.diagnostic.span.as_ref().is_some_and(|s| &*s.file == file))
                    .unwrap_or_else(|| panic!("a finding in {file}: {:?}", report.findings));
                assert_eq!(f.rule(), ids::INPUT_YAML);
                assert_eq!(f.diagnostic.span.as_ref().map(|s| s.line), Some(line));
            }
            render_all(&report);
        },
    );
}

/// Deep claims within YAML's own limit still meet the validator's depth
/// limit, located at the field where it stops.
#[test]
fn the_validator_depth_limit_is_located_and_can_be_raised() {
    let depth = 20;
    let schema_level = "{type: object, properties: {a: ".repeat(depth);
    let schema = format!(
        "{XRD}                a: {schema_level}{{type: integer}}{}\n",
        "}}".repeat(depth)
    );
    let claim = format!(
        "apiVersion: acme.io/v1\nkind: Deep\nmetadata: {{name: d}}\nspec:\n  a: {}1{}\n",
        "{a: ".repeat(depth),
        "}".repeat(depth)
    );
    let sources = [
        ("xrd.yaml", schema.as_str()),
        ("claim.yaml", claim.as_str()),
    ];
    let report = check_sources(sources, &CheckOptions::new().with_max_depth(8)).expect("check");
    let deep = with_message(&report, "crossplane.schema", "deeper than 8 levels");
    assert_eq!(deep.len(), 1, "{:?}", report.findings);
    let f = deep[0];
    assert_eq!(
        f.diagnostic.span.as_ref().map(|s| (&*s.file, s.line)),
        Some(("claim.yaml", 5))
    );
    assert_eq!(
        f.diagnostic.path.as_deref(),
        Some(&*format!("/spec{}", "/a".repeat(9)))
    );
    let report = check_sources(sources, &CheckOptions::new()).expect("check");
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.rule().starts_with("crossplane.")),
        "{:?}",
        report.findings
    );
}

/// A schema default of 20 000 nodes applied to each of 20 000 list items
/// would copy 400 million values: the copies are counted against the
/// schema-steps budget, and validation stops with a located finding.
#[test]
fn schema_defaults_are_budgeted() {
    measured(
        "adversarial::schema_defaults_are_budgeted",
        Limits::mib(192).seconds(60),
        || {
            let big = vec!["0"; 20_000].join(", ");
            let schema = format!(
                "{XRD}                list: {{type: array, items: {{type: object, properties: {{big: {{type: array, default: [{big}]}}}}}}}}\n"
            );
            let items = vec!["{}"; 20_000].join(", ");
            let claim = format!(
                "apiVersion: acme.io/v1\nkind: Deep\nmetadata: {{name: d}}\nspec:\n  list: [{items}]\n"
            );
            let report = check_sources(
                [
                    ("xrd.yaml", schema.as_str()),
                    ("claim.yaml", claim.as_str()),
                ],
                &CheckOptions::new(),
            )
            .expect("check runs");
            let stopped = with_message(&report, "crossplane.schema", "steps");
            assert_eq!(stopped.len(), 1, "{:?}", report.findings);
            assert_eq!(line_column(stopped[0]).0, 5);
            assert!(
                stopped[0]
                    .diagnostic
                    .path
                    .as_deref()
                    .is_some_and(|p| p.starts_with("/spec/list/"))
            );
        },
    );
}

// ---- Files the checker opens ------------------------------------------------

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A FIFO named like a catalog file in a checked tree is reported, never
/// opened (opening it would block until a writer comes).
#[test]
fn a_fifo_in_the_tree_is_reported_without_blocking() {
    measured(
        "adversarial::a_fifo_in_the_tree_is_reported_without_blocking",
        Limits::mib(128).seconds(20),
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            mkfifo(&dir.path().join("catalog-info.yaml"));
            mkfifo(&dir.path().join("Dockerfile.dev"));
            std::fs::write(
                dir.path().join("Dockerfile"),
                "FROM alpine:3.20\nUSER 10001\n",
            )
            .expect("write");
            let report = check_path(dir.path(), &CheckOptions::new()).expect("check runs");
            let fifos = with_message(
                &report,
                ids::INPUT_UNREADABLE,
                "is a FIFO, not a regular file",
            );
            let files: Vec<(&str, (u32, u32))> = fifos
                .iter()
                .map(|f| {
                    (
                        &*f.diagnostic.span.as_ref().expect("located").file,
                        line_column(f),
                    )
                })
                .collect();
            assert_eq!(
                files,
                [("Dockerfile.dev", (1, 1)), ("catalog-info.yaml", (1, 1))]
            );
            assert_eq!(report.summary.artefacts.dockerfiles, 1);
        },
    );
}

/// A FIFO or a device given as the checked path or as the configuration
/// file does not block or read forever.
#[test]
fn fifos_and_devices_given_directly_do_not_block() {
    measured(
        "adversarial::fifos_and_devices_given_directly_do_not_block",
        Limits::mib(128).seconds(20),
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            let fifo = dir.path().join("values.yaml");
            mkfifo(&fifo);
            let report = check_path(&fifo, &CheckOptions::new()).expect("check runs");
            assert_eq!(
                with_message(&report, ids::INPUT_UNREADABLE, "is a FIFO").len(),
                1,
                "{:?}",
                report.findings
            );
            for config in [fifo.as_path(), Path::new("/dev/zero")] {
                let err = Checker::new(&CheckOptions::new().with_config_file(config))
                    .expect_err("not a configuration");
                assert!(err.to_string().contains("not a regular file"), "{err}");
            }
            let big = dir.path().join("policy.yaml");
            std::fs::write(&big, "# padding\n".repeat(200_000)).expect("write");
            let err =
                Checker::new(&CheckOptions::new().with_config_file(&big)).expect_err("too large");
            assert!(err.to_string().contains("1048576-byte limit"), "{err}");
            Checker::new(
                &CheckOptions::new()
                    .with_config_file(&big)
                    .with_max_config_bytes(4 << 20),
            )
            .expect("a raised limit reads it");
        },
    );
}

// ---- Joins -----------------------------------------------------------------

/// 4 000 workloads, 4 000 identical NetworkPolicies that select by an
/// expression, 4 000 PodDisruptionBudgets and 4 000 Components with label
/// selectors: every join tests candidates from the label index (or each
/// distinct selector once), not every workload per selector.
#[test]
fn many_selectors_join_in_linear_time() {
    measured(
        "adversarial::many_selectors_join_in_linear_time",
        Limits::mib(512).seconds(120),
        || {
            let n = 4_000;
            let mut manifests = String::new();
            let mut catalog = String::new();
            for i in 0..n {
                manifests.push_str(&format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}, labels: {{app: a{i}}}}}\nspec:\n  selector: {{matchLabels: {{app: a{i}}}}}\n  template:\n    metadata: {{labels: {{app: a{i}}}}}\n    spec: {{containers: [{{name: c, image: 'r/i:1'}}]}}\n---\n\
                     apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: n{i}}}\nspec: {{podSelector: {{matchExpressions: [{{key: tier, operator: DoesNotExist}}]}}}}\n---\n\
                     apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: p{i}}}\nspec: {{minAvailable: 1, selector: {{matchLabels: {{app: a{i}}}}}}}\n---\n"
                ));
                catalog.push_str(&format!(
                    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{i}\n  annotations: {{backstage.io/kubernetes-label-selector: 'app=a{i}'}}\nspec: {{type: service, lifecycle: production, owner: team}}\n---\n"
                ));
            }
            let started = Instant::now();
            let report = check_sources(
                [
                    ("deploy/all.yaml", manifests.as_str()),
                    ("catalog-info.yaml", catalog.as_str()),
                ],
                &CheckOptions::new(),
            )
            .expect("check runs");
            let elapsed = started.elapsed();
            assert_eq!(report.summary.artefacts.manifests, 3 * n);
            // Every workload is covered by a policy and a budget.
            assert!(
                report
                    .findings
                    .iter()
                    .all(|f| f.rule() != "k8s.network-policy" && f.rule() != "pdb.required"),
                "{:?}",
                report
                    .findings
                    .iter()
                    .map(|f| f.rule())
                    .collect::<std::collections::BTreeSet<_>>()
            );
            assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
        },
    );
}

/// Kustomizations that name themselves, each other in a ring, thousands of
/// resources, paths above the root, values that are not strings; values
/// files of any shape; RBAC rules and Services of the wrong types. Nothing
/// crashes and the work stays bounded.
#[test]
fn hostile_kustomizations_values_rbac_and_services_are_bounded() {
    measured(
        "adversarial::hostile_kustomizations_values_rbac_and_services_are_bounded",
        Limits::mib(512).seconds(60),
        || {
            let mut sources: Vec<(String, String)> = Vec::new();
            for i in 0..200 {
                let next = (i + 1) % 200;
                sources.push((
                    format!("k{i}/kustomization.yaml"),
                    format!("resources: [../k{next}, ., ../../../../etc, 7, {{a: b}}, null]\nimages: [{{name: web, newTag: latest}}, 3, {{name: [x]}}]\npatches: [{{path: ../k{next}/deployment.yaml}}, {{path: 5}}, 'x']\npatchesStrategicMerge: [\"a: b\\n\", ../../x.yaml]\n"),
                ));
                sources.push((
                    format!("k{i}/deployment.yaml"),
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec: {containers: [{name: web, image: web}, 3, {image: [1]}]}\n".to_owned(),
                ));
            }
            let many: String = (0..20_000).map(|i| format!("  - r{i}.yaml\n")).collect();
            sources.push((
                "big/kustomization.yaml".into(),
                format!("images: [{{name: web, newTag: '1'}}]\nresources:\n{many}"),
            ));
            let mut deep = String::from("v: 1\n");
            for d in 0..200 {
                deep.push_str(&format!("{}s{d}:\n", "  ".repeat(d)));
            }
            deep.push_str(&format!("{}resources: {{}}\n", "  ".repeat(200)));
            sources.push(("chart/values.yaml".into(), deep));
            sources.push((
                "chart/Chart.yaml".into(),
                "apiVersion: v2\nname: c\nversion: 1.0.0\n".into(),
            ));
            sources.push(("chart2/values.yaml".into(), "- 1\n- 2\n".into()));
            sources.push((
                "chart2/Chart.yaml".into(),
                "apiVersion: v2\nname: c\nversion: 1.0.0\n".into(),
            ));
            let wide: String = (0..5000)
                .map(|i| format!("c{i}: {{enabled: 'false', containerSecurityContext: {{enabled: false}}, resourcesPreset: [x]}}\n"))
                .collect();
            sources.push(("chart3/values.yaml".into(), wide));
            sources.push((
                "chart3/Chart.yaml".into(),
                "apiVersion: v2\nname: c\nversion: 1.0.0\n".into(),
            ));
            sources.push((
                "rbac.yaml".into(),
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules: [3, {verbs: '*', resources: {a: b}}, {apiGroups: [1], resources: [null], verbs: [[]]}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: [cluster-admin]\n".into(),
            ));
            sources.push((
                "svc.yaml".into(),
                "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: [a], type: 7}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: {rules: [{http: {paths: [{backend: 5}, 3]}}], tls: 'yes'}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {matchExpressions: [{key: a, operator: Bogus}]}}\n".into(),
            ));
            let started = Instant::now();
            let refs: Vec<(&str, &str)> = sources
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let report = check_sources(refs, &CheckOptions::new()).expect("check runs");
            render_all(&report);
            assert!(started.elapsed() < Duration::from_secs(30));
            // The ring of patches drops every deployment; nothing else fails.
            assert!(
                !report
                    .findings
                    .iter()
                    .any(|f| f.file().is_some_and(|p| p.ends_with("deployment.yaml")))
            );
        },
    );
}
