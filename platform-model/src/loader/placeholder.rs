//! `$text`, `$json` and `$yaml` placeholders, resolved from files inside the
//! root before validation, as Backstage's `PlaceholderProcessor` does.
//!
//! Each placeholder target is read (and parsed) once per load, however many
//! placeholders (or aliases of one placeholder) name it, and everything the
//! placeholders of a load pull in is charged to one budget
//! ([`LoadOptions::with_max_placeholder_bytes`](super::LoadOptions::with_max_placeholder_bytes)).
//! The document is walked without recursion.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use super::url_base::{UrlBase, UrlTarget};
use crate::diagnostic::Diagnostic;
use crate::files::{Confined, confine, display_path, read_limited};
use crate::yaml::{self, RawSpan, SpanChildren, SpanTree, YamlOptions};

/// Diagnostic code: the placeholder's file does not exist.
pub const CODE_NOT_FOUND: &str = crate::codes::PLACEHOLDER_NOT_FOUND;
/// Diagnostic code: the placeholder points outside the root.
pub const CODE_OUTSIDE_ROOT: &str = crate::codes::PLACEHOLDER_OUTSIDE_ROOT;
/// Diagnostic code: the file does not hold valid JSON or YAML.
pub const CODE_PARSE: &str = crate::codes::PLACEHOLDER_PARSE;
/// Diagnostic code: a remote placeholder was not fetched.
pub const CODE_REMOTE: &str = crate::codes::PLACEHOLDER_REMOTE;
/// Diagnostic code: the placeholder names a FIFO, a device, a socket or a directory.
pub const CODE_NOT_REGULAR: &str = crate::codes::PLACEHOLDER_NOT_REGULAR;
/// Diagnostic code: a placeholder's target is not a string.
pub const CODE_NOT_STRING: &str = crate::codes::PLACEHOLDER_NOT_STRING;
/// Diagnostic code: a relative placeholder under a `file` location, where
/// Backstage can form no URL.
pub const CODE_NEEDS_URL: &str = crate::codes::PLACEHOLDER_NEEDS_URL;
/// Diagnostic code: the placeholders of a load pulled in more than the budget.
pub const CODE_BUDGET: &str = crate::codes::PLACEHOLDER_BUDGET;

/// Default of [`LoadOptions::with_max_placeholder_bytes`](super::LoadOptions::with_max_placeholder_bytes):
/// 64 MiB per load.
pub const DEFAULT_MAX_PLACEHOLDER_BYTES: usize = 64 * 1024 * 1024;

/// A placeholder target, read and parsed.
#[derive(Debug)]
struct Content {
    value: Value,
    /// What one substitution costs: bytes of text (keys included) plus one
    /// per node.
    weight: usize,
}

#[derive(Clone, Debug)]
enum Failure {
    Read(Confined),
    Parse(String),
}

type Slot<T> = Arc<OnceLock<T>>;
/// Texts of target files, by resolved path.
type Texts = HashMap<PathBuf, Slot<Result<Arc<str>, Confined>>>;
/// Parsed targets, by resolved path and placeholder kind.
type Parsed = HashMap<(PathBuf, &'static str), Slot<Result<Arc<Content>, Failure>>>;

/// Placeholder state shared by every document of one load.
#[derive(Debug)]
pub(crate) struct Cache {
    texts: Mutex<Texts>,
    parsed: Mutex<Parsed>,
    used: AtomicUsize,
    max_bytes: usize,
}

impl Cache {
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            texts: Mutex::new(HashMap::new()),
            parsed: Mutex::new(HashMap::new()),
            used: AtomicUsize::new(0),
            max_bytes,
        }
    }

    fn slot<K: std::hash::Hash + Eq, T>(map: &Mutex<HashMap<K, Slot<T>>>, key: K) -> Slot<T> {
        let mut map = map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(map.entry(key).or_default())
    }

    fn text(&self, path: &Path, max_bytes: usize) -> Result<Arc<str>, Confined> {
        let slot = Self::slot(&self.texts, path.to_path_buf());
        slot.get_or_init(|| {
            let bytes = read_limited(path, max_bytes)?;
            String::from_utf8(bytes)
                .map(Arc::from)
                .map_err(|e| Confined::Unreadable(format!("not UTF-8 text ({e})")))
        })
        .clone()
    }

    fn content(
        &self,
        kind: &'static str,
        path: &Path,
        resolver: &Resolver<'_>,
    ) -> Result<Arc<Content>, Failure> {
        let slot = Self::slot(&self.parsed, (path.to_path_buf(), kind));
        slot.get_or_init(|| {
            let text = self
                .text(path, resolver.yaml.budget.max_file_bytes)
                .map_err(Failure::Read)?;
            let value = parse(
                kind,
                &text,
                &display_path(resolver.root, path),
                resolver.yaml,
            )
            .map_err(Failure::Parse)?;
            let weight = weight(&value);
            Ok(Arc::new(Content { value, weight }))
        })
        .clone()
    }

    /// Charges `weight` to the load's budget, unless it would go over.
    fn charge(&self, weight: usize) -> bool {
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(weight).filter(|&t| t <= self.max_bytes)
            })
            .is_ok()
    }
}

/// How the file holding the placeholders is read, which decides what a
/// target means: Backstage reads placeholders through URL readers only.
#[derive(Clone)]
pub(crate) enum Base<'a> {
    /// A `file` location: a relative target forms no URL, so it fails.
    File,
    /// A file of a repository checkout read as its URL (`file_url`).
    Url {
        repository: &'a UrlBase,
        file_url: String,
    },
}

/// Context for resolving placeholders of one document.
pub(crate) struct Resolver<'a> {
    pub(crate) root: &'a Path,
    pub(crate) file: &'a Arc<str>,
    pub(crate) yaml: &'a YamlOptions,
    pub(crate) cache: &'a Cache,
    pub(crate) base: Base<'a>,
}

/// A placeholder found in the document.
struct Found {
    pointer: String,
    kind: &'static str,
    /// The target; `None` when the value is not a string.
    target: Option<String>,
    span: RawSpan,
}

/// Replaces every placeholder in `value`; problems are reported against the
/// placeholder's position in `spans`. Returns the error Backstage records
/// for the first placeholder that fails, when it knows it.
pub(crate) fn resolve(
    value: &mut Value,
    spans: &SpanTree,
    resolver: &Resolver<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<String> {
    let found = find(value, spans);
    let total = found.len();
    let mut first_failure: Option<String> = None;
    for (done, place) in found.into_iter().enumerate() {
        let span = place.span.with_file(resolver.file);
        match substitute(&place, &span, resolver, out) {
            Outcome::Replace(replacement) => {
                if let Some(slot) = value.pointer_mut(&place.pointer) {
                    *slot = replacement;
                }
            }
            Outcome::Keep => {}
            Outcome::Fail(backstage) => {
                if first_failure.is_none() {
                    first_failure = backstage;
                }
            }
            Outcome::OverBudget => {
                let left = total - done - 1;
                let mut d = Diagnostic::error(
                    CODE_BUDGET,
                    format!(
                        "{} placeholder `{}` would pull in more than the {}-byte placeholder budget of this load",
                        place.kind, place.target.as_deref().unwrap_or_default(), resolver.cache.max_bytes
                    ),
                )
                .with_path(place.pointer.clone())
                .with_span(span)
                .with_note("LoadOptions::with_max_placeholder_bytes raises the budget; every use of a placeholder counts, aliased ones included");
                if left > 0 {
                    d = d.with_note(format!(
                        "{left} later placeholders of this document were left unresolved"
                    ));
                }
                out.push(d);
                return first_failure;
            }
        }
    }
    first_failure
}

/// Every placeholder of `value` in document order, with the span of its
/// target string, found without recursion and without looking pointers up
/// in the span tree one by one.
fn find(value: &Value, spans: &SpanTree) -> Vec<Found> {
    let mut found = Vec::new();
    let mut stack: Vec<(&Value, Option<&SpanTree>, String)> =
        vec![(value, Some(spans), String::new())];
    while let Some((node, tree, pointer)) = stack.pop() {
        if let Some((kind, target)) = placeholder(node)
            // The location annotations are added to `metadata.annotations`
            // before placeholders are resolved, so one written there is
            // never alone in its mapping.
            && pointer != "/metadata/annotations"
        {
            let target_span = tree
                .and_then(|t| child_by_key(t, kind))
                .or(tree)
                .map_or(spans.span, |t| t.span);
            // An alias of a placeholder is reported where the alias is, not
            // where its anchor is (a mapping starts before its value, an
            // alias copy keeps the anchor's inner spans).
            let span = match tree {
                Some(t) if t.span.start > target_span.start => t.span,
                _ => target_span,
            };
            found.push(Found {
                pointer,
                kind,
                target: target.map(str::to_owned),
                span,
            });
            continue;
        }
        match node {
            // Backstage does not look inside a mapping with a `$` key that
            // is not a placeholder.
            Value::Object(map) if map.keys().any(|k| k.starts_with('$')) => {}
            Value::Object(map) => {
                let index = tree.and_then(|t| match &t.children {
                    SpanChildren::Map(entries) => Some(
                        entries
                            .iter()
                            .map(|e| (e.key_hash, &e.value))
                            .collect::<HashMap<u64, &SpanTree>>(),
                    ),
                    _ => None,
                });
                let mut children = Vec::with_capacity(map.len());
                for (key, child) in map {
                    let mut p = pointer.clone();
                    yaml::push_pointer_token(&mut p, key);
                    let subtree = index
                        .as_ref()
                        .and_then(|i| i.get(&yaml::key_hash(key)).copied());
                    children.push((child, subtree.or(tree), p));
                }
                stack.extend(children.into_iter().rev());
            }
            Value::Array(items) => {
                let trees = tree.and_then(|t| match &t.children {
                    SpanChildren::Seq(trees) => Some(trees),
                    _ => None,
                });
                let children: Vec<_> = items
                    .iter()
                    .enumerate()
                    .map(|(i, child)| {
                        let subtree = trees.and_then(|t| t.get(i));
                        (child, subtree.or(tree), format!("{pointer}/{i}"))
                    })
                    .collect();
                stack.extend(children.into_iter().rev());
            }
            _ => {}
        }
    }
    found
}

fn child_by_key<'t>(tree: &'t SpanTree, key: &str) -> Option<&'t SpanTree> {
    match &tree.children {
        SpanChildren::Map(entries) => {
            let hash = yaml::key_hash(key);
            entries
                .iter()
                .rev()
                .find(|e| e.key_hash == hash)
                .map(|e| &e.value)
        }
        _ => None,
    }
}

/// A single-key `$text`/`$json`/`$yaml` object, with its target when it is
/// a string.
fn placeholder(value: &Value) -> Option<(&'static str, Option<&str>)> {
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
    Some((kind, target.as_str()))
}

enum Outcome {
    Replace(Value),
    Keep,
    /// The placeholder failed; with the error Backstage records, when known.
    Fail(Option<String>),
    OverBudget,
}

/// A located error for the placeholder at `place`.
fn error(place: &Found, span: &crate::Span, code: &'static str, message: String) -> Diagnostic {
    Diagnostic::error(code, message)
        .with_path(place.pointer.clone())
        .with_span(span.clone())
}

fn substitute(
    place: &Found,
    span: &crate::Span,
    resolver: &Resolver<'_>,
    out: &mut Vec<Diagnostic>,
) -> Outcome {
    let kind = place.kind;
    let Some(target) = place.target.as_deref() else {
        out.push(error(
            place,
            span,
            CODE_NOT_STRING,
            format!("{kind} placeholder must name its file with a string"),
        ));
        return Outcome::Fail(Some(format!(
            "Placeholder {kind} expected a string value parameter, in the form of an absolute URL or a relative path"
        )));
    };
    let read_failed =
        |reason: &str| format!("Placeholder {kind} could not read location {target}, {reason}");
    let not_fetched = |out: &mut Vec<Diagnostic>, url: &str| {
        out.push(
            Diagnostic::warning(CODE_REMOTE, format!("{kind} placeholder `{url}` was not fetched"))
                .with_path(place.pointer.clone())
                .with_span(span.clone())
                .with_note("remote content is never read; the entity is validated with the URL in place of the content"),
        );
        if kind == "$text" {
            Outcome::Replace(Value::String(target.to_owned()))
        } else {
            Outcome::Keep
        }
    };
    let full_url = url::Url::parse(target).is_ok();
    let (confine_to, path, url) = match &resolver.base {
        Base::File if full_url => return not_fetched(out, target),
        Base::File => {
            let reason = if target.starts_with('/') {
                "Error: URL parsing failed."
            } else {
                "TypeError: Invalid URL"
            };
            out.push(
                error(
                    place,
                    span,
                    CODE_NEEDS_URL,
                    format!("{kind} placeholder `{target}` cannot be resolved from a `file` location"),
                )
                .with_note("Backstage reads placeholders through URL readers: a relative target forms no URL from a file path, and the entity fails")
                .with_note("registered by URL (from its repository) it is read relative to this file; `--registration url` checks the files that way"),
            );
            return Outcome::Fail(Some(format!(
                "Placeholder {kind} could not form a URL out of {} and {target}, {reason}",
                resolver.file
            )));
        }
        Base::Url {
            repository,
            file_url,
        } => {
            let Some(url) = repository.resolve(file_url, target) else {
                out.push(error(
                    place,
                    span,
                    CODE_NEEDS_URL,
                    format!("{kind} placeholder `{target}` forms no URL with `{file_url}`"),
                ));
                return Outcome::Fail(Some(format!(
                    "Placeholder {kind} could not form a URL out of {file_url} and {target}, TypeError: Invalid URL"
                )));
            };
            match repository.locate(&url) {
                UrlTarget::Local(path) => (repository.dir.as_path(), path, url),
                UrlTarget::OtherRepository | UrlTarget::NotAFile => {
                    out.push(
                        error(
                            place,
                            span,
                            CODE_OUTSIDE_ROOT,
                            format!("{kind} placeholder `{target}` leads outside the repository, to `{url}`"),
                        )
                        .with_note("Backstage reads placeholders only from the repository of the entity's file"),
                    );
                    return Outcome::Fail(Some(read_failed(
                        "Error: Placeholder may only reference files from the same repository as the entity",
                    )));
                }
                UrlTarget::OtherRef | UrlTarget::Elsewhere => return not_fetched(out, &url),
            }
        }
    };
    let content = confine(confine_to, &path)
        .map_err(Failure::Read)
        .and_then(|resolved| resolver.cache.content(kind, &resolved, resolver));
    let fail = |out: &mut Vec<Diagnostic>, code: &'static str, message: String| {
        out.push(error(place, span, code, message));
        Outcome::Fail(None)
    };
    match content {
        Ok(content) => {
            if resolver.cache.charge(content.weight) {
                Outcome::Replace(content.value.clone())
            } else {
                Outcome::OverBudget
            }
        }
        Err(Failure::Read(Confined::Outside)) => fail(
            out,
            CODE_OUTSIDE_ROOT,
            format!("{kind} placeholder `{target}` leads outside the repository"),
        ),
        Err(Failure::Read(Confined::NotFound)) => {
            out.push(error(
                place,
                span,
                CODE_NOT_FOUND,
                format!("{kind} placeholder `{target}` names a file that does not exist"),
            ));
            // The reader's own words depend on the integration.
            Outcome::Fail(Some(read_failed(&format!(
                "NotFoundError: {url} was not found"
            ))))
        }
        Err(Failure::Read(Confined::NotRegular(what))) => fail(
            out,
            CODE_NOT_REGULAR,
            format!("{kind} placeholder `{target}` names {what}, not a regular file"),
        ),
        Err(Failure::Read(Confined::Unreadable(reason))) => fail(
            out,
            CODE_NOT_FOUND,
            format!("{kind} placeholder `{target}` cannot be read: {reason}"),
        ),
        Err(Failure::Parse(reason)) => fail(
            out,
            CODE_PARSE,
            format!("{kind} placeholder `{target}` {reason}"),
        ),
    }
}

/// The value of a placeholder's file; the error completes "placeholder `x` …".
fn parse(kind: &str, text: &str, name: &str, options: &YamlOptions) -> Result<Value, String> {
    match kind {
        "$text" => Ok(Value::String(text.to_owned())),
        "$json" => serde_json::from_str(text).map_err(|e| format!("is not valid JSON: {e}")),
        _ => {
            let name: Arc<str> = Arc::from(name);
            let stream = yaml::parse_stream(&name, text, options);
            if let Some(d) = stream.diagnostics.first() {
                return Err(format!("is not valid YAML: {d}"));
            }
            let mut docs = stream
                .documents
                .into_iter()
                .filter(|d| !d.is_empty() || d.error.is_some());
            match (docs.next(), docs.next()) {
                (Some(doc), None) if doc.error.is_none() => Ok(doc.value),
                (Some(doc), None) => Err(format!(
                    "is not valid YAML: {}",
                    doc.error.map(|e| e.to_string()).unwrap_or_default()
                )),
                _ => Err("must hold exactly one document".to_owned()),
            }
        }
    }
}

/// What substituting `value` costs: bytes of text (keys included) plus one
/// per node, counted without recursion.
fn weight(value: &Value) -> usize {
    let mut total = 0usize;
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        total = total.saturating_add(1);
        match node {
            Value::String(s) => total = total.saturating_add(s.len()),
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (key, child) in map {
                    total = total.saturating_add(key.len());
                    stack.push(child);
                }
            }
            _ => {}
        }
    }
    total
}
