//! The machine-readable validation report that `platform validate --format
//! json` prints. Its shape is a contract other tools rely on; see the README.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::loader::{Catalog, Summary};

/// The whole report: one entry per non-empty document, every relation valid
/// entities emit, file-level problems and counts.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct ValidationReport {
    /// One entry per non-empty document.
    pub documents: Vec<DocumentReport>,
    /// Every relation valid entities emit, forward and reverse.
    pub relations: Vec<RelationReport>,
    /// Problems not tied to a document (unreadable files, budgets).
    pub diagnostics: Vec<FileProblem>,
    /// Counts.
    pub summary: Summary,
}

/// One document.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct DocumentReport {
    /// Path relative to the loaded path, `/`-separated.
    pub file: String,
    /// 0-based index of the YAML document in the file (empty documents count).
    pub document: usize,
    /// 1-based line where the document starts.
    pub line: u32,
    /// 1-based column where the document starts.
    pub column: u32,
    /// `kind:namespace/name`, lowercased, or `null`.
    pub entity: Option<String>,
    /// Whether Backstage accepts it.
    pub valid: bool,
    /// Whether Backstage ingests its entity: valid, and not stopped by a
    /// catalog-rules refusal of the Location that emits it.
    pub ingested: bool,
    /// Error diagnostics.
    pub errors: Vec<ProblemReport>,
    /// Warning and info diagnostics.
    pub warnings: Vec<ProblemReport>,
    /// The status text Backstage would record for the first failure.
    pub backstage_error: Option<String>,
}

/// One problem in a document.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ProblemReport {
    /// Stable code.
    pub code: String,
    /// Message (Backstage's text where it has one).
    pub message: String,
    /// JSON pointer of the field (empty for the document root).
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// `error`, `warning` or `info`.
    pub severity: Severity,
}

/// A file-level problem.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct FileProblem {
    /// The file (empty when none).
    pub file: String,
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// `error`, `warning` or `info`.
    pub severity: Severity,
}

/// One relation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RelationReport {
    /// Lowercased source ref.
    pub source: String,
    /// Relation type (`ownedBy`, …).
    #[serde(rename = "type")]
    pub relation_type: String,
    /// Lowercased target ref.
    pub target: String,
}

impl ValidationReport {
    /// Builds the report of a loaded catalog.
    #[must_use]
    pub fn from_catalog(catalog: &Catalog) -> Self {
        let mut report = Self::default();
        report.extend(catalog);
        report
    }

    /// Adds another catalog (for several paths) to the report.
    pub fn extend(&mut self, catalog: &Catalog) {
        for doc in catalog.documents() {
            let (errors, warnings): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
                doc.diagnostics.iter().partition(|d| d.is_error());
            let problem = |d: &Diagnostic| {
                let span = d.span.as_ref().unwrap_or(&doc.position);
                ProblemReport {
                    code: d.code.to_string(),
                    message: d.message.clone(),
                    path: d.path.clone().map(String::from).unwrap_or_default(),
                    line: span.line,
                    column: span.column,
                    severity: d.severity,
                }
            };
            self.documents.push(DocumentReport {
                file: doc.file.to_string(),
                document: doc.index,
                line: doc.position.line,
                column: doc.position.column,
                entity: doc.entity_ref.as_ref().map(ToString::to_string),
                valid: doc.is_valid(),
                ingested: doc.entity.is_some(),
                errors: errors.into_iter().map(problem).collect(),
                warnings: warnings.into_iter().map(problem).collect(),
                backstage_error: doc.backstage_error.clone(),
            });
        }
        self.relations
            .extend(catalog.relations().map(|r| RelationReport {
                source: r.source.to_string(),
                relation_type: r.relation_type.as_str().to_owned(),
                target: r.target.to_string(),
            }));
        self.diagnostics
            .extend(catalog.file_diagnostics().iter().map(|d| {
                let (file, line, column) = d.span.as_ref().map_or((String::new(), 1, 1), |s| {
                    (s.file.to_string(), s.line, s.column)
                });
                FileProblem {
                    file,
                    code: d.code.to_string(),
                    message: d.message.clone(),
                    line,
                    column,
                    severity: d.severity,
                }
            }));
        let s = catalog.summary();
        let total = &mut self.summary;
        total.files += s.files;
        total.skipped_files += s.skipped_files;
        total.documents += s.documents;
        total.valid += s.valid;
        total.ingested += s.ingested;
        total.invalid += s.invalid;
        total.errors += s.errors;
        total.warnings += s.warnings;
        total.relations += s.relations;
        for (kind, n) in s.kinds {
            *total.kinds.entry(kind).or_default() += n;
        }
    }

    /// Whether every document is valid and no file-level error occurred.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.documents.iter().all(|d| d.valid)
            && !self
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
    }
}
