//! `$text`, `$json` and `$yaml` placeholders, resolved from files inside the
//! root before validation, as Backstage's `PlaceholderProcessor` does.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::fs::{Confined, read_confined};
use crate::diagnostic::Diagnostic;
use crate::yaml::{self, SpanTree, YamlOptions};

/// Diagnostic code: the placeholder's file does not exist.
pub const CODE_NOT_FOUND: &str = "placeholder.not-found";
/// Diagnostic code: the placeholder points outside the root.
pub const CODE_OUTSIDE_ROOT: &str = "placeholder.outside-root";
/// Diagnostic code: the file does not hold valid JSON or YAML.
pub const CODE_PARSE: &str = "placeholder.parse";
/// Diagnostic code: a remote placeholder was not fetched.
pub const CODE_REMOTE: &str = "placeholder.remote";

/// Context for resolving placeholders of one document.
pub(crate) struct Resolver<'a> {
    pub(crate) root: &'a Path,
    pub(crate) dir: &'a Path,
    pub(crate) file: &'a Arc<str>,
    pub(crate) yaml: &'a YamlOptions,
}

/// Replaces every placeholder in `value`; problems are reported against the
/// placeholder's position in `spans`.
pub(crate) fn resolve(
    value: &mut Value,
    spans: &SpanTree,
    resolver: &Resolver<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let mut pointer = String::new();
    walk(value, spans, &mut pointer, resolver, out);
}

fn walk(
    value: &mut Value,
    spans: &SpanTree,
    pointer: &mut String,
    resolver: &Resolver<'_>,
    out: &mut Vec<Diagnostic>,
) {
    if let Some((kind, target)) = placeholder(value) {
        let target = target.to_owned();
        if let Some(replacement) = substitute(kind, &target, spans, pointer, resolver, out) {
            *value = replacement;
        }
        return;
    }
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                yaml::push_pointer_token(pointer, key);
                walk(child, spans, pointer, resolver, out);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(child, spans, pointer, resolver, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// A single-key `$text`/`$json`/`$yaml` object with a string value.
fn placeholder(value: &Value) -> Option<(&'static str, &str)> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let (key, target) = map.iter().next()?;
    let kind = match key.as_str() {
        "$text" => "$text",
        "$json" => "$json",
        "$yaml" => "$yaml",
        _ => return None,
    };
    Some((kind, target.as_str()?))
}

fn substitute(
    kind: &'static str,
    target: &str,
    spans: &SpanTree,
    pointer: &str,
    resolver: &Resolver<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<Value> {
    let mut target_pointer = pointer.to_owned();
    yaml::push_pointer_token(&mut target_pointer, kind);
    let span = spans.value_span(&target_pointer).with_file(resolver.file);
    if target.contains("://") {
        out.push(
            Diagnostic::warning(CODE_REMOTE, format!("{kind} placeholder `{target}` was not fetched"))
                .with_path(pointer)
                .with_span(span)
                .with_note("remote content is never read; the entity is validated with the URL in place of the content"),
        );
        return (kind == "$text").then(|| Value::String(target.to_owned()));
    }
    let path = resolver.dir.join(target);
    let text = match read_confined(resolver.root, &path, resolver.yaml.budget.max_file_bytes) {
        Ok(text) => text,
        Err(Confined::Outside) => {
            out.push(
                Diagnostic::error(
                    CODE_OUTSIDE_ROOT,
                    format!("{kind} placeholder `{target}` points outside the catalog root"),
                )
                .with_path(pointer)
                .with_span(span),
            );
            return None;
        }
        Err(Confined::NotFound) => {
            out.push(
                Diagnostic::error(
                    CODE_NOT_FOUND,
                    format!("{kind} placeholder `{target}` names a file that does not exist"),
                )
                .with_path(pointer)
                .with_span(span),
            );
            return None;
        }
        Err(Confined::Unreadable(reason)) => {
            out.push(
                Diagnostic::error(
                    CODE_NOT_FOUND,
                    format!("{kind} placeholder `{target}` cannot be read: {reason}"),
                )
                .with_path(pointer)
                .with_span(span),
            );
            return None;
        }
    };
    match kind {
        "$text" => Some(Value::String(text)),
        "$json" => match serde_json::from_str(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                out.push(
                    Diagnostic::error(
                        CODE_PARSE,
                        format!("$json placeholder `{target}` is not valid JSON: {e}"),
                    )
                    .with_path(pointer)
                    .with_span(span),
                );
                None
            }
        },
        _ => {
            let name: Arc<str> = Arc::from(target);
            let stream = yaml::parse_stream(&name, &text, resolver.yaml);
            let mut docs = stream
                .documents
                .into_iter()
                .filter(|d| !d.is_empty() || d.error.is_some());
            match (docs.next(), docs.next()) {
                (Some(doc), None) if doc.error.is_none() => Some(doc.value),
                (Some(doc), None) => {
                    let reason = doc.error.map(|e| e.to_string()).unwrap_or_default();
                    out.push(
                        Diagnostic::error(
                            CODE_PARSE,
                            format!("$yaml placeholder `{target}` is not valid YAML: {reason}"),
                        )
                        .with_path(pointer)
                        .with_span(span),
                    );
                    None
                }
                _ => {
                    out.push(
                        Diagnostic::error(
                            CODE_PARSE,
                            format!("$yaml placeholder `{target}` must hold exactly one document"),
                        )
                        .with_path(pointer)
                        .with_span(span),
                    );
                    None
                }
            }
        }
    }
}
