//! Catalog rules during a load: every entity a file emits is checked
//! against the rules at the file's *origin* (its root registration), as the
//! processing orchestrator checks the deferred entities of the Location
//! that read the file. One disallowed entity fails that Location, so
//! Backstage ingests none of the file's entities and follows none of its
//! Locations.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use super::catalog::LoadedDocument;
use crate::catalog_rules::{CatalogRules, LocationRef};
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// The kind and `spec.type` of a document whose envelope lets Backstage
/// emit it (string `apiVersion`, `kind` and `metadata.name`, and a string
/// `metadata.namespace` when present); `None` otherwise, since such a
/// document fails before rules are consulted.
pub(super) fn emitted_kind(value: &Value, kind_span: impl FnOnce() -> Span) -> Option<Emitted> {
    non_empty(value.get("apiVersion"))?;
    let kind = non_empty(value.get("kind"))?;
    let metadata = value.get("metadata")?;
    let name = non_empty(metadata.get("name"))?;
    let namespace = if metadata.get("namespace").is_some() {
        non_empty(metadata.get("namespace"))?
    } else {
        "default"
    };
    let spec_type = value
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some(Emitted {
        kind: kind.to_owned(),
        spec_type,
        entity_ref: format!("{kind}:{namespace}/{name}").to_lowercase(),
        kind_span: kind_span(),
    })
}

fn non_empty(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// What catalog rules see of an emitted document.
#[derive(Clone, Debug)]
pub(crate) struct Emitted {
    kind: String,
    spec_type: Option<String>,
    /// `stringifyEntityRef`: every part lowercased.
    entity_ref: String,
    /// Where `kind` is written.
    kind_span: Span,
}

/// Marks every document of one file that the rules do not allow from
/// `origin`, and drops the file's Location targets when any is marked.
/// `at` names the Location that emits the file's entities (`file:<path>`
/// or `url:<url>`; the file itself for a registration), which Backstage's
/// status quotes.
pub(super) fn enforce(
    rules: &CatalogRules,
    origin: &LocationRef,
    origin_display: &Arc<str>,
    at: &Arc<str>,
    documents: &mut [LoadedDocument],
) {
    let mut refused = false;
    for doc in documents.iter_mut() {
        let Some(emitted) = &doc.emitted else {
            continue;
        };
        if rules.is_allowed(&emitted.kind, emitted.spec_type.as_deref(), origin) {
            continue;
        }
        refused = true;
        let (kind, entity) = (emitted.kind.clone(), emitted.entity_ref.clone());
        let kind_span = emitted.kind_span.clone();
        let allowed = allowed_here(rules, origin);
        let status = CatalogRules::not_allowed_message(&entity, at, origin_display);
        let mut diagnostic = Diagnostic::error(
            crate::codes::CATALOG_NOT_ALLOWED,
            format!(
                "the catalog rules do not allow {kind} entities from `{}`",
                origin_display
                    .strip_prefix("file:")
                    .unwrap_or(origin_display)
            ),
        )
        .with_span(kind_span)
        .with_path("/kind")
        .with_label("not an allowed kind for this location");
        diagnostic = if allowed.is_empty() {
            diagnostic.with_note("no rule of the app-config applies to this location")
        } else {
            diagnostic.with_note(format!("allowed there: {}", allowed.join(", ")))
        };
        diagnostic = diagnostic
            .with_note(format!("Backstage records: {status}"))
            .with_note(
                "add the kind to `catalog.rules` or to the rules of the location in `catalog.locations`",
            );
        // The rules fail the Location that read the file before the
        // entity's own processing starts, so this is what Backstage records.
        doc.backstage_error = Some(status);
        doc.diagnostics.insert(0, diagnostic);
        doc.entity = None;
        doc.relations.clear();
    }
    if refused {
        for doc in documents.iter_mut() {
            doc.targets.clear();
        }
    }
}

/// The kinds some rule allows at `origin`, for the message.
fn allowed_here(rules: &CatalogRules, origin: &LocationRef) -> Vec<String> {
    let mut kinds: Vec<String> = Vec::new();
    for rule in rules.rules() {
        let probe = rule
            .allow
            .iter()
            .filter(|m| rules.is_allowed(&m.kind, m.spec_type.as_deref(), origin));
        for matcher in probe {
            let text = match &matcher.spec_type {
                Some(t) => format!("{} (spec.type {t})", matcher.kind),
                None => matcher.kind.clone(),
            };
            if !kinds.contains(&text) {
                kinds.push(text);
            }
        }
    }
    kinds
}

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

/// Why a Location fails: the first entity of its targets the rules refuse.
struct Failure {
    emitter: Emitter,
    refused: String,
    refused_at: String,
    status: Option<String>,
}

/// Applies a refusal to everything it stops, as the processing loop does:
/// one disallowed entity fails the entity that emits it (the Location whose
/// targets hold it, or the registration), so none of that emitter's
/// entities are ingested, and none of what their Locations lead to.
pub(super) fn settle(
    rules: &CatalogRules,
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
    // The first refused entity of each emitter is the one Backstage names.
    let mut failing: Vec<Failure> = Vec::new();
    let mut dropped: HashSet<Emitter> = HashSet::new();
    for doc in documents.iter() {
        let emitter = emitter_of(doc);
        if is_refused(doc) && dropped.insert(emitter.clone()) {
            failing.push(Failure {
                emitter,
                refused: refused_ref(doc),
                refused_at: doc.position.to_string(),
                status: doc.backstage_error.clone(),
            });
        }
    }
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
            let refused = refused_ref(doc);
            let status = CatalogRules::not_allowed_message(
                &refused,
                &reemit.emitter_at,
                &reemit.origin_display,
            );
            dropped.insert(emitter.clone());
            failing.push(Failure {
                emitter,
                refused,
                refused_at: doc.position.to_string(),
                status: Some(status),
            });
        }
    }
    if failing.is_empty() {
        return;
    }
    for failure in failing {
        let Emitter::Location(file, index) = failure.emitter else {
            continue;
        };
        let Some(&j) = position.get(&(file, index)) else {
            continue;
        };
        let (refused, refused_at) = (failure.refused, failure.refused_at);
        let location = &mut documents[j];
        let mut diagnostic = Diagnostic::error(
            crate::codes::CATALOG_NOT_ALLOWED,
            format!(
                "Backstage fails this Location: its targets bring {refused} ({refused_at}), which the catalog rules do not allow here"
            ),
        )
        .with_span(location.name_span.clone())
        .with_path("/spec")
        .with_note("none of the entities its targets hold are ingested through it");
        if let Some(status) = &failure.status {
            diagnostic = diagnostic.with_note(format!("Backstage records: {status}"));
        }
        location.diagnostics.push(diagnostic);
        location.backstage_error = failure.status;
        location.entity = None;
        location.relations.clear();
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
        if !dropped.contains(&emitter_of(doc)) || is_refused(doc) || !doc.is_valid() {
            continue;
        }
        let why = match emitter_of(doc) {
            Emitter::Registration(file) => {
                format!("`{file}` holds an entity the catalog rules do not allow")
            }
            Emitter::Location(file, index) => format!(
                "the Location that reads this file (`{file}`, document {index}) is failed or not ingested"
            ),
        };
        doc.diagnostics.push(
            Diagnostic::warning(
                crate::codes::CATALOG_FILE_NOT_INGESTED,
                format!("Backstage would not ingest this entity: {why}"),
            )
            .with_span(doc.name_span.clone())
            .with_path("/metadata/name")
            .with_note("one disallowed entity fails everything the same Location emits"),
        );
        doc.entity = None;
        doc.relations.clear();
    }
}

fn refused_ref(doc: &LoadedDocument) -> String {
    doc.emitted
        .as_ref()
        .map(|e| e.entity_ref.clone())
        .unwrap_or_default()
}
