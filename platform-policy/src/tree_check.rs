//! The whole check of a tree as one call: Backstage validation of its
//! catalog, the graph's problems and the golden-path policy, merged into
//! one report in which each problem is reported once — what `platform
//! check` prints.
//!
//! The three sources see some problems alike. Where they do, the most
//! specific finding stays: Backstage's own verdict (`entity.*`) over a
//! policy rule that re-derives it, the graph's (`graph.*`) over a policy
//! rule that guesses it from the input, the policy's `input.*` over the
//! loader's `yaml.*` and `file.*` for the same file.

use std::collections::HashSet;
use std::path::Path;

use platform_graph::CatalogGraph;
use platform_model::loader::{Catalog, LoadOptions};
use platform_model::validate::{ValidationMode, Validator};
use platform_model::{Diagnostic, Severity};
use serde_json::Value;

use crate::engine::{CheckOptions, check_path};
use crate::error::Error;
use crate::finding::Finding;
use crate::report::{PolicyReport, Summary, TextOptions};

/// Policy rules whose findings another source reports more precisely,
/// with the codes that supersede them at the same file and line.
const SUPERSEDED: &[(&str, &[&str])] = &[
    // Backstage's kind schemas require `spec.owner`.
    (
        "catalog.owner-required",
        &["entity.kind-schema", "entity.schema"],
    ),
    // An owner that is no Group of the input is a dangling `ownedBy`.
    (
        "catalog.owner-is-group",
        &["graph.missing-owner", "graph.owner-kind"],
    ),
];

/// The whole check of one tree.
#[derive(Debug)]
#[non_exhaustive]
pub struct TreeReport {
    /// Every finding: policy, catalog and graph, de-duplicated, sorted by
    /// file, line, column and rule; the summary counts them all.
    pub report: PolicyReport,
    /// The policy's own findings after de-duplication, for its text
    /// report.
    pub policy: PolicyReport,
    /// The catalog's and the graph's findings, in the order they were
    /// found (what the policy report does not hold).
    pub catalog_findings: Vec<Diagnostic>,
    /// Valid entities in the catalog.
    pub entities: usize,
    catalog: Catalog,
}

impl TreeReport {
    /// The text of a catalog file a catalog finding points into.
    #[must_use]
    pub fn catalog_source(&self, file: &str) -> Option<&str> {
        self.catalog.source(file)
    }

    /// Whether an unsuppressed finding is at or above `threshold`.
    #[must_use]
    pub fn fails_at(&self, threshold: Severity) -> bool {
        self.report.fails_at(threshold)
    }

    /// The JSON `platform check --format json` prints: the policy report's
    /// form, with `summary.entities`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut json = self.report.to_json();
        if let Some(summary) = json.get_mut("summary").and_then(Value::as_object_mut) {
            summary.insert("entities".into(), Value::from(self.entities));
        }
        json
    }

    /// SARIF 2.1.0 of every finding.
    #[must_use]
    pub fn to_sarif(&self) -> Value {
        self.report.to_sarif()
    }

    /// The policy part of the text report (the catalog findings are drawn
    /// by the caller, with [`catalog_source`](Self::catalog_source)).
    #[must_use]
    pub fn policy_text(&self, options: &TextOptions) -> String {
        self.policy.render_text(options)
    }

    /// The closing line of the text report over every finding, when there
    /// are catalog findings (the policy text ends with its own otherwise).
    #[must_use]
    pub fn summary_line(&self, threshold: Severity) -> Option<String> {
        if self.catalog_findings.is_empty() {
            return None;
        }
        let s = &self.report.summary;
        let cards: Vec<String> = self
            .report
            .scorecards
            .iter()
            .map(|c| format!("{} {}", c.component, c.level.as_str()))
            .collect();
        Some(format!(
            "{} {} findings ({} errors, {} warnings, {} notes, {} suppressed); scorecards: {}",
            if self.fails_at(threshold) {
                "failed:"
            } else {
                "ok:"
            },
            s.findings,
            s.errors,
            s.warnings,
            s.infos,
            s.suppressed,
            if cards.is_empty() {
                "none".to_owned()
            } else {
                cards.join(", ")
            }
        ))
    }
}

/// Checks the tree at `path`: loads and validates its catalog as
/// Backstage does (every problem, not only the first), builds its graph,
/// runs the policy with `options`, and merges the three.
///
/// # Errors
///
/// [`Error`] when the policy check cannot run (a missing path, an
/// unreadable configuration) or the catalog cannot be loaded at all.
pub fn check_tree(path: &Path, options: &CheckOptions) -> Result<TreeReport, Error> {
    let policy = check_path(path, options)?;
    // One file that holds no catalog entity (a manifest, a Dockerfile) is
    // not a catalog file: reading it as one would only report that it is
    // not an entity.
    let not_catalog = path.is_file() && policy.summary.artefacts.catalog_entities == 0;
    let catalog = if not_catalog {
        Catalog::default()
    } else {
        let validator = Validator::builder().with_mode(ValidationMode::Full).build();
        let load = LoadOptions::default().with_validator(validator);
        platform_model::loader::ingest(&[path.to_path_buf()], &options.ingest_options(load))?
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let graph = CatalogGraph::from_catalog(&catalog);
    let mut catalog_findings: Vec<Diagnostic> = catalog.diagnostics().cloned().collect();
    catalog_findings.extend(graph.problems().into_iter().map(Diagnostic::from));
    Ok(merge(policy, catalog, catalog_findings))
}

fn merge(mut policy: PolicyReport, catalog: Catalog, found: Vec<Diagnostic>) -> TreeReport {
    // The policy reports every unreadable or unparsable file (`input.*`);
    // the loader's YAML and file diagnostics for those files repeat them.
    let input_files: HashSet<String> = policy
        .findings
        .iter()
        .filter(|f| f.diagnostic.code.starts_with("input."))
        .filter_map(|f| f.file().map(str::to_owned))
        .collect();
    let catalog_findings: Vec<Diagnostic> = found
        .into_iter()
        .filter(|d| {
            !((d.code.starts_with("yaml.") || d.code.starts_with("file."))
                && d.span
                    .as_ref()
                    .is_some_and(|s| input_files.contains(&*s.file)))
        })
        .collect();
    let at: HashSet<(&str, &str, u32)> = catalog_findings
        .iter()
        .filter_map(|d| d.span.as_ref().map(|s| (&*d.code, &*s.file, s.line)))
        .collect();
    let superseded = |f: &Finding| {
        let Some(span) = &f.diagnostic.span else {
            return false;
        };
        SUPERSEDED
            .iter()
            .filter(|(rule, _)| *rule == f.diagnostic.code)
            .flat_map(|(_, by)| by.iter())
            .any(|code| at.contains(&(*code, &*span.file, span.line)))
    };
    policy.findings.retain(|f| !superseded(f));
    recount(&mut policy.summary, &policy.findings);

    let mut report = policy.clone();
    report
        .findings
        .extend(catalog_findings.iter().map(finding_of));
    report.findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            f.diagnostic
                .span
                .as_ref()
                .map(|s| (s.file.to_string(), s.line, s.column))
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.diagnostic.code.cmp(&b.diagnostic.code))
    });
    recount(&mut report.summary, &report.findings);
    TreeReport {
        report,
        policy,
        entities: catalog.summary().valid,
        catalog_findings,
        catalog,
    }
}

/// A catalog or graph diagnostic as a policy finding (the report's form).
fn finding_of(d: &Diagnostic) -> Finding {
    Finding::from_diagnostic(d.clone())
}

/// Sets the finding counts of `summary` from `findings`.
fn recount(summary: &mut Summary, findings: &[Finding]) {
    summary.findings = findings.len();
    summary.suppressed = findings.iter().filter(|f| f.is_suppressed()).count();
    let active = || findings.iter().filter(|f| !f.is_suppressed());
    summary.errors = active()
        .filter(|f| f.diagnostic.severity == Severity::Error)
        .count();
    summary.warnings = active()
        .filter(|f| f.diagnostic.severity == Severity::Warning)
        .count();
    summary.infos = active()
        .filter(|f| f.diagnostic.severity == Severity::Info)
        .count();
}
