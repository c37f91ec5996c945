//! The report of a check as data: findings, scorecards, counts and the
//! rules' effective settings.

use std::collections::HashMap;
use std::sync::Arc;

use platform_model::Severity;
use serde::Serialize;

use crate::finding::Finding;
use crate::inputs::Inputs;
use crate::rule::{Profile, RuleMeta};
use crate::scorecard::Scorecard;

/// A rule with its effective settings in a check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RuleSummary {
    /// The rule's metadata.
    pub meta: RuleMeta,
    /// Whether it ran.
    pub enabled: bool,
    /// Its effective severity.
    pub severity: Severity,
}

/// Artefacts read, per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ArtefactCounts {
    /// Kubernetes objects.
    pub manifests: usize,
    /// Helm values files.
    pub helm_values: usize,
    /// Dockerfiles.
    pub dockerfiles: usize,
    /// Catalog entities.
    pub catalog_entities: usize,
}

/// Counts of a check. Severity counts leave suppressed findings out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The profile used.
    pub profile: Profile,
    /// Candidate files read.
    pub files: usize,
    /// Files read that held no artefact (or were template skeletons).
    pub skipped_files: usize,
    /// Artefacts per kind.
    pub artefacts: ArtefactCounts,
    /// Every finding, suppressed ones included.
    pub findings: usize,
    /// Unsuppressed errors.
    pub errors: usize,
    /// Unsuppressed warnings.
    pub warnings: usize,
    /// Unsuppressed notes.
    pub infos: usize,
    /// Suppressed findings.
    pub suppressed: usize,
}

impl Summary {
    pub(crate) fn new(inputs: &Inputs, findings: &[Finding], profile: Profile) -> Self {
        let mut s = Self {
            profile,
            files: inputs.file_count(),
            skipped_files: inputs.skipped_files,
            artefacts: ArtefactCounts {
                manifests: inputs.manifests().len(),
                helm_values: inputs.values().len(),
                dockerfiles: inputs.dockerfiles().len(),
                catalog_entities: inputs.entities().len(),
            },
            findings: findings.len(),
            ..Self::default()
        };
        for f in findings {
            if f.is_suppressed() {
                s.suppressed += 1;
                continue;
            }
            match f.diagnostic.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }
}

/// Everything a check found.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PolicyReport {
    /// Findings, sorted by file, line, column and rule; suppressed ones
    /// included.
    pub findings: Vec<Finding>,
    /// One scorecard per Component of the input.
    pub scorecards: Vec<Scorecard>,
    /// Counts.
    pub summary: Summary,
    /// Every rule with its effective settings.
    pub rules: Vec<RuleSummary>,
    pub(crate) sources: HashMap<Arc<str>, Arc<str>>,
}

impl PolicyReport {
    /// The text of a file that has findings (for snippets).
    #[must_use]
    pub fn source(&self, file: &str) -> Option<&str> {
        self.sources.get(file).map(|s| &**s)
    }

    /// Findings that are not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.is_suppressed())
    }

    /// Unsuppressed findings at or above `threshold`.
    #[must_use]
    pub fn count_at_or_above(&self, threshold: Severity) -> usize {
        self.active()
            .filter(|f| f.diagnostic.severity >= threshold)
            .count()
    }

    /// Whether any unsuppressed finding is at or above `threshold` (what
    /// makes `platform check` exit 1).
    ///
    /// ```
    /// use platform_model::Severity;
    /// use platform_policy::{CheckOptions, check_sources};
    ///
    /// let report = check_sources([("Dockerfile", "FROM alpine:3.20\nUSER 10001\n")], &CheckOptions::new())?;
    /// assert!(!report.fails_at(Severity::Error));
    /// assert!(report.fails_at(Severity::Info)); // the digest and HEALTHCHECK notes
    /// # Ok::<(), platform_policy::Error>(())
    /// ```
    #[must_use]
    pub fn fails_at(&self, threshold: Severity) -> bool {
        self.count_at_or_above(threshold) > 0
    }
}
