//! What a failure stops, settled once every file of a load is read, as the
//! processing engine does: an entity whose processing fails stores none of
//! what it emitted. A Location fails when its own checks fail (a missing
//! target, a schema error), when a file its targets bring fails as it is
//! read (YAML, a broken envelope), or when the catalog rules refuse an
//! entity it brings; then none of the entities it emits are ingested, nor
//! anything their Locations lead to. A registration (a file registered on
//! its own) fails the same way, for its file's entities.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::catalog::LoadedDocument;
use crate::catalog_rules::{CatalogRules, LocationRef};
use crate::diagnostic::Diagnostic;

/// Who emits a document's entity: a registration (the file itself) or the
/// Location document whose targets reached the file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Emitter {
    Registration(Arc<str>),
    Location(Arc<str>, usize),
}

/// A file a Location reaches after it was read through another emitter:
/// Backstage processes the file again for this Location, under this
/// Location's origin, and the rules may refuse there what they allowed at
/// the first read.
#[derive(Clone, Debug)]
pub(crate) struct Reemit {
    /// The file reached again (display path).
    pub(crate) file: Arc<str>,
    /// The Location document that reaches it (file, document index).
    pub(crate) emitter: (Arc<str>, usize),
    /// How Backstage names that Location's file (`file:…` or `url:…`).
    pub(crate) emitter_at: Arc<str>,
    /// The origin the Location was read under.
    pub(crate) origin: Arc<LocationRef>,
    /// The same origin as Backstage prints it.
    pub(crate) origin_display: Arc<str>,
}

fn is_refused(doc: &LoadedDocument) -> bool {
    doc.diagnostics
        .iter()
        .any(|d| d.code == crate::codes::CATALOG_NOT_ALLOWED)
}

/// Whether the document fails as the emitting Location reads it (YAML
/// errors, non-mapping documents, broken envelopes), before it is an
/// entity of its own: Backstage records such errors on the emitter.
pub(super) fn fails_when_read(doc: &LoadedDocument) -> bool {
    doc.backstage_error.as_deref().is_some_and(|e| {
        // A Location's own failed read is recorded on the Location.
        (e.starts_with("Error: ")
            && !e.starts_with("Error: Unable to read ")
            && !e.starts_with("Error: file "))
            || e.starts_with("TypeError: ")
    })
}

/// Why an emitter fails.
enum Cause {
    Refused,
    Unreadable,
}

/// One emitter's failure: the first document that causes it.
struct Failure {
    emitter: Emitter,
    cause: Cause,
    culprit: String,
    culprit_at: String,
    status: Option<String>,
}

/// A target file that cannot be read at all, with the Location that
/// targets it (file, document index) and why.
#[derive(Clone, Debug)]
pub(crate) struct UnreadableTarget {
    pub(crate) location: (Arc<str>, usize),
    pub(crate) file: Arc<str>,
    pub(crate) reason: String,
}

/// Fails each Location that targets a file which cannot be read at all, as
/// Backstage's file reader records `file <target> could not be read, …`
/// on it.
pub(super) fn fail_on_unreadable_targets(
    documents: &mut [LoadedDocument],
    unreadable: &[UnreadableTarget],
) {
    for UnreadableTarget {
        location: (file, index),
        file: target,
        reason,
    } in unreadable
    {
        let Some(location) = documents
            .iter_mut()
            .find(|d| d.file == *file && d.index == *index)
        else {
            continue;
        };
        let status = format!("Error: file {target} could not be read, {reason}");
        location.diagnostics.push(
            Diagnostic::error(
                crate::codes::LOCATION_TARGET_FAILED,
                format!("Backstage fails this Location: `{target}`, which its targets bring, cannot be read"),
            )
            .with_span(location.name_span.clone())
            .with_path("/spec/targets")
            .with_note("none of the entities its targets bring are ingested through it")
            .with_note(format!("Backstage records: {status}")),
        );
        location.backstage_error.get_or_insert(status);
    }
}

/// Settles every failure of a load on `documents` (see the module docs).
/// `emitters` gives each file's emitting Location (`None` for a
/// registration); `rules` and `reemits` check files reached again.
pub(super) fn settle(
    rules: Option<&CatalogRules>,
    documents: &mut [LoadedDocument],
    emitters: &HashMap<Arc<str>, Option<(Arc<str>, usize)>>,
    reemits: &[Reemit],
) {
    let emitter_of = |doc: &LoadedDocument| match emitters.get(&doc.file).cloned().flatten() {
        Some((file, index)) => Emitter::Location(file, index),
        None => Emitter::Registration(Arc::clone(&doc.file)),
    };
    let position: HashMap<(Arc<str>, usize), usize> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| ((Arc::clone(&d.file), d.index), i))
        .collect();
    let mut failing: Vec<Failure> = Vec::new();
    let mut dropped: HashSet<Emitter> = HashSet::new();
    for doc in documents.iter() {
        let cause = if is_refused(doc) {
            Cause::Refused
        } else if fails_when_read(doc) {
            Cause::Unreadable
        } else {
            continue;
        };
        let emitter = emitter_of(doc);
        if dropped.insert(emitter.clone()) {
            failing.push(Failure {
                emitter,
                cause,
                culprit: culprit_name(doc),
                culprit_at: doc.position.to_string(),
                status: doc.backstage_error.clone(),
            });
        }
    }
    if let Some(rules) = rules {
        for reemit in reemits {
            let emitter = Emitter::Location(Arc::clone(&reemit.emitter.0), reemit.emitter.1);
            if dropped.contains(&emitter) {
                continue;
            }
            let first_refused = documents
                .iter()
                .filter(|d| d.file == reemit.file)
                .find(|d| {
                    d.emitted.as_ref().is_some_and(|e| {
                        !rules.is_allowed(&e.kind, e.spec_type.as_deref(), &reemit.origin)
                    })
                });
            if let Some(doc) = first_refused {
                let refused = culprit_name(doc);
                let status = CatalogRules::not_allowed_message(
                    &refused,
                    &reemit.emitter_at,
                    &reemit.origin_display,
                );
                dropped.insert(emitter.clone());
                failing.push(Failure {
                    emitter,
                    cause: Cause::Refused,
                    culprit: refused,
                    culprit_at: doc.position.to_string(),
                    status: Some(status),
                });
            }
        }
    }
    for failure in failing {
        let Emitter::Location(file, index) = &failure.emitter else {
            continue;
        };
        let Some(&j) = position.get(&(Arc::clone(file), *index)) else {
            continue;
        };
        let location = &mut documents[j];
        location
            .diagnostics
            .push(location_failure(location, &failure));
        if location.backstage_error.is_none() || matches!(failure.cause, Cause::Refused) {
            location.backstage_error = failure.status;
        }
        location.entity = None;
        location.relations.clear();
    }
    // A Location that fails its own checks (a missing target, say) is not
    // stored and emits nothing either.
    for doc in documents.iter_mut() {
        if doc.is_valid() {
            continue;
        }
        doc.entity = None;
        doc.relations.clear();
        if doc.emitted.as_ref().is_some_and(|e| e.kind == "Location") {
            dropped.insert(Emitter::Location(Arc::clone(&doc.file), doc.index));
        }
    }
    // What a dropped entity's Location would have emitted is dropped too.
    loop {
        let mut grew = false;
        for doc in documents.iter() {
            if dropped.contains(&emitter_of(doc))
                && dropped.insert(Emitter::Location(Arc::clone(&doc.file), doc.index))
            {
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    for doc in documents.iter_mut() {
        let emitter = emitter_of(doc);
        if !dropped.contains(&emitter) || !doc.is_valid() || doc.entity.is_none() {
            continue;
        }
        doc.entity = None;
        doc.relations.clear();
        // A failed registration is told once per file
        // (`catalog.file-not-ingested` on the file).
        let Emitter::Location(file, index) = emitter else {
            continue;
        };
        doc.diagnostics.push(
            Diagnostic::warning(
                crate::codes::CATALOG_FILE_NOT_INGESTED,
                format!(
                    "Backstage would not ingest this entity: the Location that reads this file (`{file}`, document {index}) fails or is not ingested"
                ),
            )
            .with_span(doc.name_span.clone())
            .with_path("/metadata/name")
            .with_note("a Location that fails stores none of the entities its targets bring"),
        );
    }
}

/// The entity reference of a document, or where it is when it has none.
fn culprit_name(doc: &LoadedDocument) -> String {
    doc.emitted.as_ref().map_or_else(
        || format!("document {} of `{}`", doc.index, doc.file),
        |e| e.entity_ref.clone(),
    )
}

fn location_failure(location: &LoadedDocument, failure: &Failure) -> Diagnostic {
    let (culprit, at) = (&failure.culprit, &failure.culprit_at);
    let diagnostic = match failure.cause {
        Cause::Refused => Diagnostic::error(
            crate::codes::CATALOG_NOT_ALLOWED,
            format!(
                "Backstage fails this Location: its targets bring {culprit} ({at}), which the catalog rules do not allow here"
            ),
        ),
        Cause::Unreadable => Diagnostic::error(
            crate::codes::LOCATION_TARGET_FAILED,
            format!(
                "Backstage fails this Location: {culprit} ({at}), which its targets bring, cannot be read as an entity"
            ),
        ),
    };
    let mut diagnostic = diagnostic
        .with_span(location.name_span.clone())
        .with_path("/spec/targets")
        .with_note("none of the entities its targets bring are ingested through it");
    if let Some(status) = &failure.status {
        diagnostic = diagnostic.with_note(format!("Backstage records: {status}"));
    }
    diagnostic
}
