//! Catalog rules during a load: every entity a file emits is checked
//! against the rules at the file's *origin* (its root registration), as the
//! processing orchestrator checks the deferred entities of the Location
//! that read the file. What a refusal stops is settled in
//! [`super::settle`].

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
    pub(super) kind: String,
    pub(super) spec_type: Option<String>,
    /// `stringifyEntityRef`: every part lowercased.
    pub(super) entity_ref: String,
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
