//! A loaded catalog: its documents, entities, relations and diagnostics.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::entity::{Entity, Presence};
use crate::entity_ref::EntityRef;
use crate::relations::{Relation, RelationOrigin};
use crate::span::Span;
use crate::yaml::RawSpan;

/// One non-empty YAML document of a loaded file, with its verdict.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoadedDocument {
    /// The file, relative to the root, with `/` separators.
    pub file: Arc<str>,
    /// 0-based index of the document in its file (empty documents count).
    pub index: usize,
    /// Where the document starts.
    pub position: Span,
    /// Where `metadata.name` is written (the document start when absent).
    pub name_span: Span,
    /// The entity's reference, when one can be formed.
    pub entity_ref: Option<EntityRef>,
    /// The typed entity, when valid.
    pub entity: Option<Entity>,
    /// The relations the entity emits, when valid.
    pub relations: Vec<Relation>,
    /// Problems with this document, located.
    pub diagnostics: Vec<Diagnostic>,
    /// The status text Backstage would record for the first failure.
    pub backstage_error: Option<String>,
    pub(crate) targets: Vec<LocationTarget>,
    /// The kind and `spec.type` the document is emitted with, when its
    /// envelope lets Backstage emit it (what catalog rules look at).
    pub(crate) emitted: Option<super::rules::Emitted>,
    /// Where each reference of the entity's relations was written.
    pub(crate) origin_spans: Vec<(RelationOrigin, RawSpan)>,
}

/// A target of a Location document, with where it was written.
#[derive(Clone, Debug)]
pub(crate) struct LocationTarget {
    pub(crate) target: String,
    pub(crate) location_type: String,
    pub(crate) presence: Presence,
    pub(crate) span: Span,
    pub(crate) pointer: String,
}

impl LoadedDocument {
    pub(crate) fn new(file: Arc<str>, index: usize, position: Span) -> Self {
        Self {
            file,
            index,
            name_span: position.clone(),
            position,
            entity_ref: None,
            entity: None,
            relations: Vec::new(),
            diagnostics: Vec::new(),
            backstage_error: None,
            targets: Vec::new(),
            emitted: None,
            origin_spans: Vec::new(),
        }
    }

    /// Where the reference a relation was declared with is written in this
    /// document (for relations whose declaring entity is this one).
    #[must_use]
    pub fn origin_span(&self, origin: &RelationOrigin) -> Option<Span> {
        self.origin_spans
            .iter()
            .find(|(o, _)| o == origin)
            .map(|(_, span)| span.with_file(&self.file))
    }

    /// Whether Backstage accepts the document (no error diagnostics).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Counts over a loaded catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// YAML files passed over in a directory walk (not catalog files).
    pub skipped_files: usize,
    /// Non-empty documents.
    pub documents: usize,
    /// Valid entities.
    pub valid: usize,
    /// Entities Backstage ingests: valid ones, less those a catalog-rules
    /// refusal stops (equal to `valid` without rules).
    pub ingested: usize,
    /// Invalid documents.
    pub invalid: usize,
    /// Error diagnostics (file-level ones included).
    pub errors: usize,
    /// Warning diagnostics.
    pub warnings: usize,
    /// Relations emitted by valid entities.
    pub relations: usize,
    /// Valid entities per kind.
    pub kinds: BTreeMap<String, usize>,
}

/// Everything loaded from a path: documents in load order, file sources
/// (for rendering snippets) and file-level diagnostics.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    root: PathBuf,
    files: Vec<Arc<str>>,
    sources: HashMap<Arc<str>, Arc<str>>,
    documents: Vec<LoadedDocument>,
    diagnostics: Vec<Diagnostic>,
    pub(crate) skipped_files: usize,
    skipped: Vec<Arc<str>>,
}

impl Catalog {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self {
            root,
            ..Self::default()
        }
    }

    /// Records a file of a directory walk that was not read as a catalog
    /// file, with the warning that says why when there is one (YAML that
    /// does not parse).
    pub(crate) fn push_skipped(
        &mut self,
        file: Arc<str>,
        text: Option<Arc<str>>,
        warning: Option<Diagnostic>,
    ) {
        self.skipped_files += 1;
        if let Some(warning) = warning {
            if let Some(text) = text {
                self.sources.insert(Arc::clone(&file), text);
            }
            self.diagnostics.push(warning);
        }
        self.skipped.push(file);
    }

    /// The YAML files of a directory walk that were not read as catalog
    /// files (no catalog file name, no `backstage.io` entity, no Location
    /// targeting them), in walk order.
    pub fn skipped(&self) -> impl Iterator<Item = &str> {
        self.skipped.iter().map(|f| &**f)
    }

    pub(crate) fn push_file(
        &mut self,
        file: Arc<str>,
        text: Option<Arc<str>>,
        documents: Vec<LoadedDocument>,
        diagnostics: Vec<Diagnostic>,
    ) {
        if let Some(text) = text {
            self.sources.insert(Arc::clone(&file), text);
        }
        self.files.push(file);
        self.documents.extend(documents);
        self.diagnostics.extend(diagnostics);
    }

    pub(crate) fn documents_mut(&mut self) -> &mut [LoadedDocument] {
        &mut self.documents
    }

    /// Adds diagnostics that belong to no file read (about registrations).
    pub(crate) fn push_problems(&mut self, diagnostics: Vec<Diagnostic>) {
        self.diagnostics.extend(diagnostics);
    }

    /// Adds diagnostics about another file (an app-config), with its text
    /// for snippets, so one catalog holds every problem of a load.
    pub fn add_diagnostics(
        &mut self,
        file: Arc<str>,
        text: Option<Arc<str>>,
        diagnostics: impl IntoIterator<Item = Diagnostic>,
    ) {
        if let Some(text) = text
            && !file.is_empty()
        {
            self.sources.insert(file, text);
        }
        self.diagnostics.extend(diagnostics);
    }

    /// Marks later documents that define an entity already defined earlier.
    pub(crate) fn finish(&mut self) {
        let mut first: HashMap<String, Span> = HashMap::new();
        for doc in &mut self.documents {
            let (Some(entity), true) = (&doc.entity, doc.diagnostics.iter().all(|d| !d.is_error()))
            else {
                continue;
            };
            let key = entity.entity_ref().to_key();
            match first.get(&key) {
                Some(span) => doc.diagnostics.push(
                    Diagnostic::warning(
                        super::CODE_DUPLICATE,
                        format!("{key} is already defined at {span}"),
                    )
                    .with_path("/metadata/name")
                    .with_span(doc.position.clone())
                    .with_note(
                        "Backstage keeps the first definition and rejects this one as a conflict",
                    ),
                ),
                None => {
                    first.insert(key, doc.position.clone());
                }
            }
        }
    }

    /// The directory nothing was read outside of.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The files read, in load order (relative to the root).
    #[must_use]
    pub fn files(&self) -> &[Arc<str>] {
        &self.files
    }

    /// The text of a file, for rendering snippets.
    #[must_use]
    pub fn source(&self, file: &str) -> Option<&str> {
        self.sources.get(file).map(|s| &**s)
    }

    /// Every non-empty document, in load order.
    #[must_use]
    pub fn documents(&self) -> &[LoadedDocument] {
        &self.documents
    }

    /// Consumes the catalog, returning its documents.
    #[must_use]
    pub fn into_documents(self) -> Vec<LoadedDocument> {
        self.documents
    }

    /// File-level diagnostics (unreadable files, budgets, files Backstage
    /// would not ingest).
    #[must_use]
    pub fn file_diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// All diagnostics: file-level first, then per document.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .chain(self.documents.iter().flat_map(|d| d.diagnostics.iter()))
    }

    /// The valid entities.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.documents
            .iter()
            .filter(|d| d.is_valid())
            .filter_map(|d| d.entity.as_ref())
    }

    /// Relations emitted by valid entities (forward and reverse).
    pub fn relations(&self) -> impl Iterator<Item = &Relation> {
        self.documents
            .iter()
            .filter(|d| d.is_valid())
            .flat_map(|d| d.relations.iter())
    }

    /// Whether there is no error anywhere.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        !self.diagnostics().any(Diagnostic::is_error)
    }

    /// Counts.
    #[must_use]
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            files: self.files.len(),
            skipped_files: self.skipped_files,
            documents: self.documents.len(),
            ..Summary::default()
        };
        for doc in &self.documents {
            if doc.is_valid() {
                summary.valid += 1;
                summary.relations += doc.relations.len();
                if let Some(entity) = &doc.entity {
                    summary.ingested += 1;
                    *summary.kinds.entry(entity.kind.clone()).or_default() += 1;
                }
            } else {
                summary.invalid += 1;
            }
        }
        for d in self.diagnostics() {
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => {}
            }
        }
        summary
    }
}
