//! Golden-path policy checks for internal developer platforms: one checker
//! for Kubernetes manifests, Helm values, Dockerfiles, Crossplane claims and
//! Backstage catalog entities, and for the joins between them that no
//! single-artefact linter sees (a production Component without a
//! PodDisruptionBudget, a named image USER under `runAsNonRoot`, …).
//!
//! Every finding is data: a rule id, a severity, a message, the artefact and
//! the span (`file:line:column`) of the exact offending field, or of its
//! parent when the field is missing. Reports render as text with snippets,
//! JSON, and SARIF 2.1.0 for GitHub code scanning; every Component gets a
//! Bronze/Silver/Gold scorecard. `Err` ([`Error`]) only means a check
//! could not run.
//!
//! # Example
//!
//! ```
//! use platform_model::Severity;
//! use platform_policy::{CheckOptions, Profile, check_sources};
//!
//! let deployment = "\
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: payment-service
//!   labels: {backstage.io/kubernetes-id: payment-service}
//! spec:
//!   replicas: 2
//!   selector: {matchLabels: {app: payment-service}}
//!   template:
//!     metadata: {labels: {app: payment-service}}
//!     spec:
//!       containers:
//!         - name: app
//!           image: registry.acme.internal/payment-service:latest
//! ";
//! let report = check_sources(
//!     [("deploy/deployment.yaml", deployment)],
//!     &CheckOptions::new().with_profile(Profile::Restricted),
//! )?;
//! let tag = report.findings.iter().find(|f| f.rule() == "k8s.image-tag").unwrap();
//! let span = tag.span().unwrap();
//! assert_eq!((span.line, span.column), (14, 11));
//! assert!(report.fails_at(Severity::Error));
//! let json = report.to_json();
//! assert_eq!(json["findings"][0]["file"], "deploy/deployment.yaml");
//! let sarif = report.to_sarif();
//! assert_eq!(sarif["version"], "2.1.0");
//! # Ok::<(), platform_policy::Error>(())
//! ```
//!
//! [`check_path`] does the same for a directory tree: it walks it
//! (honouring `.gitignore`), recognises artefacts by content (YAML with
//! `apiVersion`/`kind`, the values shape, Dockerfiles by name or first
//! instruction, `backstage.io` entities), skips scaffolder skeletons that
//! still hold `${{ }}`, and reports unreadable files, broken YAML, invalid
//! envelopes and Dockerfile syntax errors as located findings.
//!
//! # Main types
//!
//! - [`Checker`] / [`CheckOptions`]: profile, configuration, rules,
//!   excludes; [`check_path`] and [`check_sources`] are one-shot shortcuts.
//! - [`PolicyConfig`]: the YAML configuration (rules on/off, severities,
//!   options, excludes, scorecard levels); its problems are findings.
//! - [`Rule`], [`RuleMeta`], [`RuleContext`], [`Registry`]: the engine;
//!   embedders register rules of their own next to the built-ins.
//! - [`Profile`]: `baseline`, `restricted` (default), `strict`.
//! - [`Inputs`]: the artefacts ([`Manifest`], [`HelmValues`],
//!   [`DockerfileArtefact`], [`CatalogDoc`]) with their sources.
//! - [`Finding`], [`Suppression`]: results; exemptions need a reason and are
//!   reported as suppressed, never dropped.
//! - [`PolicyReport`]: findings, [`Scorecard`]s, [`Summary`], with
//!   [`to_json`](PolicyReport::to_json), [`to_sarif`](PolicyReport::to_sarif)
//!   and [`render_text`](PolicyReport::render_text).
//! - [`check_tree`] / [`TreeReport`]: the whole check of a tree — its
//!   catalog validated as Backstage does, its graph's problems and the
//!   policy, each problem reported once — what `platform check` prints.
//! - [`dockerfile::Dockerfile`]: the Dockerfile parser; [`selector::LabelSelector`]:
//!   label selectors with Kubernetes' AND semantics.
//!
//! # Rules
//!
//! `k8s.*` (pod security after the Pod Security Standards, resources,
//! probes, images, service accounts, selectors, replicas, spreading, jobs,
//! namespaces, owner labels, network policies), `pdb.*` and `hpa.*`,
//! `docker.*`, `catalog.*`, `xref.*` (catalog-aware joins), `crossplane.*`,
//! and the engine's `input.*`, `config.*`, `policy.exemption`. Print them
//! with [`Registry::builtin`]; every rule carries its rationale.
//!
//! # Exemptions
//!
//! `platform-policy.io/ignore.<rule-id>: "<reason>"` or
//! `platform-policy.io/ignore-all: "<reason>"` in an object's or entity's
//! annotations; `# platform-policy ignore=<rule-id>[,…] <reason>` above a
//! YAML key or Dockerfile instruction (or `ignore-file=` for the whole file).

#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(hidden)]
mod admission;
pub mod bench;
mod config;
mod crossplane;
mod custom;
pub mod dockerfile;
mod engine;
mod error;
mod finding;
mod inputs;
pub mod joins;
mod lines;
pub mod report;
mod rule;
mod rules;
pub mod scorecard;
pub mod selector;
mod suppress;
mod tree_check;

pub use config::{PolicyConfig, RuleConfig, ScorecardConfig};
pub use crossplane::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_SCHEMA_STEPS};
pub use engine::{
    CheckOptions, Checker, DEFAULT_MAX_CONFIG_BYTES, DEFAULT_MAX_FILE_BYTES, check_path,
    check_sources,
};
pub use error::Error;
/// The crate's error type under its first name.
#[deprecated(since = "0.1.1", note = "use `platform_policy::Error`")]
pub type PolicyError = Error;
pub use finding::ids;
pub use finding::{ArtefactId, ArtefactKind, Finding, PssLevel, Suppression, SuppressionKind};
pub use inputs::{
    CatalogDoc, DockerfileArtefact, HelmValues, Inputs, Kustomization, Manifest, WorkloadKind,
    YamlLocation,
};
pub use platform_model::{Diagnostic, Severity, Span};
pub use report::{
    ArtefactCounts, DEFAULT_MAX_SNIPPET_BYTES, PolicyReport, RuleSummary, Summary, TextOptions,
};
pub use rule::{
    OptionKind, Profile, Registry, Rule, RuleContext, RuleMeta, RuleOption, parse_severity,
};
pub use scorecard::{Level, Scorecard};
pub use suppress::{IGNORE_ALL, IGNORE_PREFIX};
pub use tree_check::{TreeReport, check_tree};
