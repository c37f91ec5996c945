//! Backstage's config transforms, applied to one file before merging:
//! `${VAR}` substitution in strings (with `$${` as an escape and
//! `${VAR:-fallback}`), and the single-key objects `$env`, `$file` and
//! `$include`, exactly as `@backstage/config-loader` 1.11 applies them.
//!
//! Where Backstage's loader throws (and the backend does not start), we
//! report a located error and drop the value; where it silently makes a
//! value undefined (an unset variable), we drop it and say so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::files::{Confined, confine, display_path, read_limited};
use crate::yaml::{self, SpanTree, YamlOptions};

use super::NodeSpan;

/// What the transforms read from outside the file.
pub(super) struct Context<'a> {
    pub(super) env: &'a dyn Fn(&str) -> Option<String>,
    pub(super) root: &'a Path,
    pub(super) yaml: &'a YamlOptions,
    pub(super) max_include_depth: usize,
    pub(super) max_file_bytes: usize,
}

/// Where the nodes being transformed were written.
#[derive(Clone, Copy)]
pub(super) enum Origin<'a> {
    /// In the file itself: each node has its own span.
    File {
        file: &'a Arc<str>,
        spans: &'a SpanTree,
    },
    /// Brought in by `$include`: every node is located at the directive.
    Included(&'a NodeSpan),
}

impl Origin<'_> {
    fn span_of(&self, pointer: &str) -> NodeSpan {
        match self {
            Origin::File { file, spans } => {
                let located = spans.locate(pointer);
                NodeSpan {
                    key: located.key.map(|k| k.with_file(file)),
                    value: located.value.with_file(file),
                }
            }
            Origin::Included(at) => (*at).clone(),
        }
    }
}

/// The state of one transform pass.
pub(super) struct Pass<'c, 'a> {
    pub(super) context: &'c Context<'a>,
    pub(super) spans: BTreeMap<String, NodeSpan>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Files `$include`d, with their texts, for snippets.
    pub(super) included: Vec<(Arc<str>, Arc<str>)>,
}

/// A result of a transform: applied (with a value, or `None` for
/// undefined) or not applied.
enum Applied {
    No,
    Value(Value, Option<PathBuf>),
    Undefined,
}

impl Pass<'_, '_> {
    /// Transforms `value` written at `in_pointer` of `origin`, stored at
    /// `out_pointer`; `None` when the value becomes undefined.
    pub(super) fn transform(
        &mut self,
        value: Value,
        in_pointer: &str,
        out_pointer: &str,
        origin: Origin<'_>,
        dir: &Path,
        depth: usize,
    ) -> Option<Value> {
        let span = origin.span_of(in_pointer);
        let (value, dir, origin_holder) = match self.apply(&value, &span, out_pointer, dir, depth) {
            Applied::Undefined => return None,
            Applied::Value(new, new_dir) => {
                // Everything that came from a transform is located at it.
                let dir = new_dir.unwrap_or_else(|| dir.to_path_buf());
                (new, dir, Some(span.clone()))
            }
            Applied::No => (value, dir.to_path_buf(), None),
        };
        self.spans.insert(out_pointer.to_owned(), span);
        let origin = match &origin_holder {
            Some(at) => Origin::Included(at),
            None => origin,
        };
        match value {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.into_iter().enumerate() {
                    let mut child_in = in_pointer.to_owned();
                    crate::pointer::push_token(&mut child_in, &index.to_string());
                    let mut child_out = out_pointer.to_owned();
                    // Undefined items are dropped, so later ones move up.
                    crate::pointer::push_token(&mut child_out, &out.len().to_string());
                    if let Some(item) =
                        self.transform(item, &child_in, &child_out, origin, &dir, depth)
                    {
                        out.push(item);
                    }
                }
                Some(Value::Array(out))
            }
            Value::Object(entries) => {
                let mut out = Map::new();
                for (key, item) in entries {
                    let mut child_in = in_pointer.to_owned();
                    crate::pointer::push_token(&mut child_in, &key);
                    let mut child_out = out_pointer.to_owned();
                    crate::pointer::push_token(&mut child_out, &key);
                    if let Some(item) =
                        self.transform(item, &child_in, &child_out, origin, &dir, depth)
                    {
                        out.insert(key, item);
                    }
                }
                Some(Value::Object(out))
            }
            other => Some(other),
        }
    }

    fn error(&mut self, code: &'static str, message: String, span: &NodeSpan, pointer: &str) {
        self.diagnostics.push(
            Diagnostic::error(code, message)
                .with_span(span.value.clone())
                .with_path(pointer.to_owned()),
        );
    }

    /// The substitution transform, then the include transform (the first
    /// that applies wins, as in Backstage).
    fn apply(
        &mut self,
        value: &Value,
        span: &NodeSpan,
        pointer: &str,
        dir: &Path,
        depth: usize,
    ) -> Applied {
        match value {
            Value::String(text) => match self.substitute(text, span, pointer) {
                Some(Some(new)) => Applied::Value(Value::String(new), None),
                Some(None) => Applied::Undefined,
                None => Applied::No,
            },
            Value::Object(entries) => self.include(entries, span, pointer, dir, depth),
            _ => Applied::No,
        }
    }

    /// `Some(Some(text))` substituted, `Some(None)` undefined, `None` no
    /// `${…}` in the string.
    fn substitute(&mut self, text: &str, span: &NodeSpan, pointer: &str) -> Option<Option<String>> {
        let parts = split_substitutions(text);
        if parts.len() == 1 {
            return None;
        }
        let mut out = String::new();
        let mut unset: Vec<&str> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i % 2 == 0 {
                out.push_str(part);
                continue;
            }
            if let Some(escaped) = part.strip_prefix('$').filter(|p| p.starts_with('$')) {
                out.push_str(escaped);
                continue;
            }
            let inner = &part[2..part.len() - 1];
            let resolved = match inner.find(":-") {
                Some(at) => {
                    let name = inner[..at].trim();
                    let fallback = inner[at + 2..].trim();
                    match (self.context.env)(name).filter(|v| !v.is_empty()) {
                        Some(value) => Some(value),
                        None if !fallback.is_empty() => Some(fallback.to_owned()),
                        None => {
                            unset.push(name);
                            None
                        }
                    }
                }
                None => {
                    let name = inner.trim();
                    let value = (self.context.env)(name);
                    if value.is_none() {
                        unset.push(name);
                    }
                    value
                }
            };
            if let Some(value) = resolved {
                out.push_str(&value);
            }
        }
        if unset.is_empty() {
            return Some(Some(out));
        }
        let names = unset.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>();
        // Only what the catalog reads matters to a check; elsewhere an
        // unset variable is a note.
        let in_catalog = pointer == "/catalog" || pointer.starts_with("/catalog/");
        let message = format!(
            "{} {} not set, so this value is dropped (as Backstage drops it)",
            names.join(", "),
            if unset.len() == 1 { "is" } else { "are" }
        );
        let diagnostic = if in_catalog {
            Diagnostic::warning(crate::codes::APP_CONFIG_UNSET_VARIABLE, message)
        } else {
            Diagnostic::info(crate::codes::APP_CONFIG_UNSET_VARIABLE, message)
        };
        self.diagnostics.push(
            diagnostic
                .with_span(span.value.clone())
                .with_path(pointer.to_owned())
                .with_note("set the variable, or write `${NAME:-fallback}`"),
        );
        Some(None)
    }

    fn include(
        &mut self,
        entries: &Map<String, Value>,
        span: &NodeSpan,
        pointer: &str,
        dir: &Path,
        depth: usize,
    ) -> Applied {
        let Some(key) = ["$file", "$env", "$include"]
            .into_iter()
            .find(|k| entries.contains_key(*k))
        else {
            return Applied::No;
        };
        let code = crate::codes::APP_CONFIG_INCLUDE;
        if entries.len() != 1 {
            self.error(
                code,
                format!("include key {key} should not have adjacent keys"),
                span,
                pointer,
            );
            return Applied::Undefined;
        }
        let Some(Value::String(raw)) = entries.get(key) else {
            self.error(
                code,
                format!("{key} include value is not a string"),
                span,
                pointer,
            );
            return Applied::Undefined;
        };
        let argument = match self.substitute(raw, span, pointer) {
            Some(Some(text)) => text,
            Some(None) => {
                self.error(
                    code,
                    format!("{key} substitution value was undefined"),
                    span,
                    pointer,
                );
                return Applied::Undefined;
            }
            None => raw.clone(),
        };
        match key {
            "$env" => match (self.context.env)(&argument) {
                Some(value) => Applied::Value(Value::String(value), None),
                None => {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            crate::codes::APP_CONFIG_UNSET_VARIABLE,
                            format!("`{argument}` is not set, so this value is dropped"),
                        )
                        .with_span(span.value.clone())
                        .with_path(pointer.to_owned()),
                    );
                    Applied::Undefined
                }
            },
            "$file" => match self.read(dir, &argument, span, pointer) {
                Some((_, text)) => Applied::Value(Value::String(text.trim_end().to_owned()), None),
                None => Applied::Undefined,
            },
            _ => self.include_file(&argument, span, pointer, dir, depth),
        }
    }

    fn include_file(
        &mut self,
        argument: &str,
        span: &NodeSpan,
        pointer: &str,
        dir: &Path,
        depth: usize,
    ) -> Applied {
        let code = crate::codes::APP_CONFIG_INCLUDE;
        let (file, fragment) = match argument.split_once('#') {
            Some((file, fragment)) => (file, Some(fragment)),
            None => (argument, None),
        };
        let extension = Path::new(file)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        if !["json", "yaml", "yml"].contains(&extension) {
            self.error(
                code,
                format!("no configuration parser available for included file {file}"),
                span,
                pointer,
            );
            return Applied::Undefined;
        }
        if depth >= self.context.max_include_depth {
            self.error(
                code,
                format!(
                    "`$include` nested more than {} deep",
                    self.context.max_include_depth
                ),
                span,
                pointer,
            );
            return Applied::Undefined;
        }
        let Some((path, text)) = self.read(dir, file, span, pointer) else {
            return Applied::Undefined;
        };
        let display: Arc<str> = Arc::from(display_path(self.context.root, &path));
        let parsed = if extension == "json" {
            serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())
        } else {
            let stream = yaml::parse_stream(&display, &text, self.context.yaml);
            match stream.documents.into_iter().next() {
                Some(doc) => match doc.error {
                    Some(error) => Err(error.message),
                    None => Ok(doc.value),
                },
                None => Ok(Value::Null),
            }
        };
        self.included.push((Arc::clone(&display), Arc::from(text)));
        let mut value = match parsed {
            Ok(value) => value,
            Err(message) => {
                self.error(
                    code,
                    format!("failed to parse included file {file}, {message}"),
                    span,
                    pointer,
                );
                return Applied::Undefined;
            }
        };
        if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
            let parts: Vec<&str> = fragment.split('.').collect();
            let mut current = Some(value);
            for (index, part) in parts.iter().enumerate() {
                let Some(Value::Object(mut map)) = current else {
                    self.error(
                        code,
                        format!(
                            "value at '{}' in included file {file} is not an object",
                            parts[..index].join(".")
                        ),
                        span,
                        pointer,
                    );
                    return Applied::Undefined;
                };
                current = map.remove(*part);
            }
            match current {
                Some(found) => value = found,
                None => return Applied::Undefined,
            }
        }
        let new_dir = path.parent().map(Path::to_path_buf);
        if let Value::String(text) = &value {
            match self.substitute(text, span, pointer) {
                Some(Some(new)) => value = Value::String(new),
                Some(None) => return Applied::Undefined,
                None => {}
            }
        }
        // The included value is itself transformed, relative to its file.
        let included_dir = new_dir.clone().unwrap_or_else(|| dir.to_path_buf());
        let at = span.clone();
        match self.transform(
            value,
            "",
            pointer,
            Origin::Included(&at),
            &included_dir,
            depth + 1,
        ) {
            Some(value) => Applied::Value(value, new_dir),
            None => Applied::Undefined,
        }
    }

    /// Reads `name` relative to `dir`, confined to the root.
    fn read(
        &mut self,
        dir: &Path,
        name: &str,
        span: &NodeSpan,
        pointer: &str,
    ) -> Option<(PathBuf, String)> {
        let code = crate::codes::APP_CONFIG_INCLUDE;
        let joined = dir.join(name);
        let path = match confine(self.context.root, &joined) {
            Ok(path) => path,
            Err(Confined::Outside) => {
                self.error(
                    code,
                    format!("`{name}` leads outside the repository"),
                    span,
                    pointer,
                );
                return None;
            }
            Err(Confined::NotFound) => {
                self.error(
                    code,
                    format!("failed to read file {name}: it does not exist"),
                    span,
                    pointer,
                );
                return None;
            }
            Err(Confined::NotRegular(what)) => {
                self.error(
                    code,
                    format!("`{name}` is {what}, not a regular file"),
                    span,
                    pointer,
                );
                return None;
            }
            Err(Confined::Unreadable(reason)) => {
                self.error(
                    code,
                    format!("failed to read file {name}, {reason}"),
                    span,
                    pointer,
                );
                return None;
            }
        };
        match read_limited(&path, self.context.max_file_bytes) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Some((path, text)),
                Err(_) => {
                    self.error(code, format!("`{name}` is not UTF-8 text"), span, pointer);
                    None
                }
            },
            Err(reason) => {
                self.error(
                    code,
                    format!("failed to read file {name}, {reason}"),
                    span,
                    pointer,
                );
                None
            }
        }
    }
}

/// Splits like JavaScript's `text.split(/(\$?\$\{[^{}]*\})/)`: plain text
/// at even indices, `${…}` or `$${…}` at odd ones.
fn split_substitutions(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        let start = if bytes[i] == b'$'
            && bytes.get(i + 1) == Some(&b'$')
            && bytes.get(i + 2) == Some(&b'{')
        {
            Some((i, i + 3))
        } else if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            Some((i, i + 2))
        } else {
            None
        };
        if let Some((begin, body)) = start
            && let Some(close) = bytes[body..].iter().position(|b| *b == b'}' || *b == b'{')
            && bytes[body + close] == b'}'
        {
            parts.push(&text[last..begin]);
            parts.push(&text[begin..=body + close]);
            i = body + close + 1;
            last = i;
            continue;
        }
        i += 1;
    }
    parts.push(&text[last..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::split_substitutions;

    #[test]
    fn splits_like_the_javascript_regex() {
        assert_eq!(split_substitutions("plain"), ["plain"]);
        assert_eq!(split_substitutions("a${X}b"), ["a", "${X}", "b"]);
        assert_eq!(split_substitutions("$${X}"), ["", "$${X}", ""]);
        assert_eq!(split_substitutions("${a{b}"), ["${a{b}"]);
        assert_eq!(
            split_substitutions("${A}${B}"),
            ["", "${A}", "", "${B}", ""]
        );
        assert_eq!(split_substitutions("x${unclosed"), ["x${unclosed"]);
    }
}
