//! Safe, located YAML: multi-document streams parsed into JSON values plus a
//! span tree, under budgets that bound memory and time on untrusted input.
//!
//! Parsing is done by `serde-saphyr` (pure Rust, `unsafe` forbidden). Each
//! document is parsed on its own, so a syntax error in one document does not
//! hide the others; the [`YamlBudget`] is shared by all the documents of a
//! stream, so splitting an input into many documents does not multiply it.
//!
//! Two schemas are offered. [`YamlSchema::Core12`] is what Backstage uses for
//! catalog files (the `yaml` package's YAML 1.2 core schema: `yes`/`no` and
//! dates stay strings, `<<` is an ordinary key). [`YamlSchema::Yaml11`] is
//! what Kubernetes tooling uses (`yes`/`no`/`on`/`off` are booleans and `<<`
//! merges).
//!
//! ```
//! use std::sync::Arc;
//! use platform_model::yaml::{parse_stream, YamlOptions};
//!
//! let file: Arc<str> = "catalog-info.yaml".into();
//! let stream = parse_stream(&file, "kind: A\n---\nkind: B\n", &YamlOptions::default());
//! assert_eq!(stream.documents.len(), 2);
//! let second = &stream.documents[1];
//! assert_eq!(second.value["kind"], "B");
//! assert_eq!(second.spans.value_span("/kind").line, 3);
//! ```

mod builder;
mod scalar;
mod split;
mod tree;

use std::sync::Arc;

use serde_json::Value;

pub use tree::{
    Located, RawSpan, SpanChildren, SpanEntry, SpanIndex, SpanTree, key_hash, pointer_tokens,
    push_pointer_token,
};

use crate::diagnostic::Diagnostic;
use crate::span::{Span, saturate};
use builder::{BuildErrorKind, Usage, build_document};
use tree::Base;

/// Diagnostic code of a YAML syntax error.
pub const CODE_SYNTAX: &str = crate::codes::YAML_SYNTAX;
/// Diagnostic code of an exceeded parser budget.
pub const CODE_BUDGET: &str = crate::codes::YAML_BUDGET;
/// Diagnostic code of a duplicate mapping key.
pub const CODE_DUPLICATE_KEY: &str = crate::codes::YAML_DUPLICATE_KEY;

/// Which YAML schema resolves plain scalars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum YamlSchema {
    /// YAML 1.2 core schema, as Backstage reads catalog files: only
    /// `true`/`false` (any case form) are booleans, dates and `1_000` stay
    /// strings, and `<<` is an ordinary key.
    #[default]
    Core12,
    /// YAML 1.1 as Kubernetes tooling reads manifests: `yes`/`no`/`on`/`off`
    /// are booleans and `<<` merge keys are applied.
    Yaml11,
}

/// The deepest nesting [`YamlBudget::max_depth`] can allow, whatever it is
/// set to: parsed values are dropped, cloned and serialized by recursive
/// code (here and in `serde_json`), so their depth must stay well inside a
/// 2 MiB thread stack.
pub const MAX_DEPTH_CEILING: usize = 1_000;

/// Limits applied while parsing untrusted YAML. Every limit counts over the
/// whole stream (all the documents of one file), and alias uses count what
/// they expand to: an alias of a 1 MiB scalar costs 1 MiB of
/// [`max_scalar_bytes`](Self::max_scalar_bytes) each time it is used.
///
/// The defaults load a 20 000-document file of ordinary entities and stop
/// alias bombs, deep nesting and oversized input with a located diagnostic
/// (`yaml.budget`, at the node, alias or document that crossed the limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct YamlBudget {
    /// Deepest nesting of mappings and sequences. Default 64; values above
    /// [`MAX_DEPTH_CEILING`] act as the ceiling.
    pub max_depth: usize,
    /// Most nodes (scalars, keys, mappings, sequences) in one stream,
    /// counting every node an alias expands to and the copy kept of every
    /// anchored node. Default 2 000 000.
    pub max_nodes: usize,
    /// Most alias references (`*a`) in one stream. Default 100 000.
    pub max_aliases: usize,
    /// Most nodes replayed through aliases in one stream; this is what
    /// stops "billion laughs". Default 1 000 000.
    pub max_alias_replay: usize,
    /// Most bytes of scalar text (keys included) in one stream, counting
    /// the text every alias expands to and the copy kept of every anchored
    /// node. Default 64 MiB.
    pub max_scalar_bytes: usize,
    /// Most documents in one stream. Default 100 000.
    pub max_documents: usize,
    /// Largest stream accepted, in bytes. Default 64 MiB.
    pub max_file_bytes: usize,
}

impl Default for YamlBudget {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_nodes: 2_000_000,
            max_aliases: 100_000,
            max_alias_replay: 1_000_000,
            max_scalar_bytes: 64 * 1024 * 1024,
            max_documents: 100_000,
            max_file_bytes: 64 * 1024 * 1024,
        }
    }
}

impl YamlBudget {
    /// The nesting depth actually allowed: [`max_depth`](Self::max_depth),
    /// at most [`MAX_DEPTH_CEILING`].
    #[must_use]
    pub fn effective_max_depth(&self) -> usize {
        self.max_depth.min(MAX_DEPTH_CEILING)
    }

    /// Sets [`max_depth`](Self::max_depth) (values above
    /// [`MAX_DEPTH_CEILING`] act as the ceiling).
    #[must_use]
    pub fn with_max_depth(mut self, value: usize) -> Self {
        self.max_depth = value;
        self
    }

    /// Sets [`max_nodes`](Self::max_nodes).
    #[must_use]
    pub fn with_max_nodes(mut self, value: usize) -> Self {
        self.max_nodes = value;
        self
    }

    /// Sets [`max_aliases`](Self::max_aliases).
    #[must_use]
    pub fn with_max_aliases(mut self, value: usize) -> Self {
        self.max_aliases = value;
        self
    }

    /// Sets [`max_alias_replay`](Self::max_alias_replay).
    #[must_use]
    pub fn with_max_alias_replay(mut self, value: usize) -> Self {
        self.max_alias_replay = value;
        self
    }

    /// Sets [`max_scalar_bytes`](Self::max_scalar_bytes).
    #[must_use]
    pub fn with_max_scalar_bytes(mut self, value: usize) -> Self {
        self.max_scalar_bytes = value;
        self
    }

    /// Sets [`max_documents`](Self::max_documents).
    #[must_use]
    pub fn with_max_documents(mut self, value: usize) -> Self {
        self.max_documents = value;
        self
    }

    /// Sets [`max_file_bytes`](Self::max_file_bytes).
    #[must_use]
    pub fn with_max_file_bytes(mut self, value: usize) -> Self {
        self.max_file_bytes = value;
        self
    }
}

/// How to parse a YAML stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct YamlOptions {
    /// Scalar resolution rules.
    pub schema: YamlSchema,
    /// Resource limits.
    pub budget: YamlBudget,
}

impl YamlOptions {
    /// Sets the schema.
    #[must_use]
    pub fn with_schema(mut self, schema: YamlSchema) -> Self {
        self.schema = schema;
        self
    }

    /// Sets the budget.
    #[must_use]
    pub fn with_budget(mut self, budget: YamlBudget) -> Self {
        self.budget = budget;
        self
    }
}

/// One document of a YAML stream.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlDocument {
    /// 0-based index of the document in its file; empty documents count.
    pub index: usize,
    /// Where the document starts (its `---` marker or first content line).
    pub position: Span,
    /// The document as JSON; `Null` for an empty document or when `error` is set.
    pub value: Value,
    /// Where each node of `value` sits in the file.
    pub spans: SpanTree,
    /// The first YAML error of this document, if any.
    pub error: Option<Diagnostic>,
}

impl YamlDocument {
    /// Whether the document is empty (or only `null`) and parsed without error.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.error.is_none() && self.value.is_null()
    }

    /// The span of the value at `pointer` (or of its nearest ancestor).
    #[must_use]
    pub fn value_span(&self, pointer: &str) -> Span {
        self.spans
            .value_span(pointer)
            .with_file(&self.position.file)
    }

    /// The span of the key holding the value at `pointer` (or the value's span).
    #[must_use]
    pub fn key_span(&self, pointer: &str) -> Span {
        self.spans.key_span(pointer).with_file(&self.position.file)
    }
}

/// The documents of one file, and the file-level problems (too many
/// documents, an oversized file).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedStream {
    /// The documents in order.
    pub documents: Vec<YamlDocument>,
    /// Problems with the file as a whole.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses every document of `text`. `file` is the name used in spans.
///
/// Never panics and never fails as a whole: each document carries its own
/// error, and file-level limits are reported in
/// [`ParsedStream::diagnostics`].
#[must_use]
pub fn parse_stream(file: &Arc<str>, text: &str, options: &YamlOptions) -> ParsedStream {
    let mut stream = ParsedStream::default();
    if text.len() > options.budget.max_file_bytes {
        stream.diagnostics.push(
            Diagnostic::error(
                CODE_BUDGET,
                format!(
                    "file is {} bytes, more than the {}-byte limit",
                    text.len(),
                    options.budget.max_file_bytes
                ),
            )
            .with_span(Span::file_start(Arc::clone(file)))
            .with_note("raise YamlBudget::max_file_bytes to accept larger files"),
        );
        return stream;
    }
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (3, rest),
        None => (0, text),
    };
    let chunks = split::split_documents(body);
    // One budget for the whole stream: documents do not each get their own.
    let mut usage = Usage::default();
    for (index, chunk) in chunks.iter().enumerate() {
        if index >= options.budget.max_documents {
            stream.diagnostics.push(
                Diagnostic::error(
                    CODE_BUDGET,
                    format!(
                        "more than {} documents in one file",
                        options.budget.max_documents
                    ),
                )
                .with_span(Span::from_offsets(
                    Arc::clone(file),
                    text,
                    bom + chunk.content_start,
                    bom + chunk.content_start,
                ))
                .with_note("raise YamlBudget::max_documents to accept longer streams"),
            );
            break;
        }
        let document = parse_chunk(file, text, bom, body, index, chunk, options, &mut usage);
        let spent = document
            .error
            .as_ref()
            .is_some_and(|e| e.code == CODE_BUDGET);
        stream.documents.push(document);
        if spent && let Some(next) = chunks.get(index + 1) {
            // The stream's budget is spent: later documents are not parsed.
            let at = bom + next.content_start;
            stream.diagnostics.push(
                Diagnostic::error(
                    CODE_BUDGET,
                    format!(
                        "{} more documents were not parsed: the file's YAML budget is spent",
                        chunks.len() - index - 1
                    ),
                )
                .with_span(span_in_chunk(file, text, bom, next, at))
                .with_note(
                    "YamlBudget limits count over the whole file; raise them to read it all",
                ),
            );
            break;
        }
    }
    stream
}

/// The span of byte `at` of `text`, counting lines from the start of `chunk`
/// (chunks start at line starts) rather than from the start of the file, so
/// that locating a problem in a late document does not rescan the stream.
fn span_in_chunk(file: &Arc<str>, text: &str, bom: usize, chunk: &split::Chunk, at: usize) -> Span {
    let at = floor_char_boundary(text, at);
    let base = if chunk.start == 0 {
        0
    } else {
        bom + chunk.start
    };
    if base > at {
        return Span::from_offsets(Arc::clone(file), text, at, at);
    }
    let (line, column) = crate::span::line_column(&text[base..], at - base);
    let first_line = if chunk.start == 0 { 1 } else { chunk.line };
    Span::new(
        Arc::clone(file),
        line.saturating_add(first_line.saturating_sub(1)),
        column,
        at,
        at,
    )
}

#[allow(clippy::too_many_arguments)]
fn parse_chunk(
    file: &Arc<str>,
    text: &str,
    bom: usize,
    body: &str,
    index: usize,
    chunk: &split::Chunk,
    options: &YamlOptions,
    usage: &mut Usage,
) -> YamlDocument {
    let source = &body[chunk.start..chunk.end];
    let base = Base {
        offset: saturate(bom + chunk.start),
        line: chunk.line.saturating_sub(1),
    };
    // Chunks start at line starts, so only the lines before the content
    // need counting (not the whole file: streams can hold many documents).
    let skipped_lines = crate::span::count_line_breaks(&body[chunk.start..chunk.content_start]);
    let content = bom + chunk.content_start;
    let position = Span::new(
        Arc::clone(file),
        chunk.line.saturating_add(saturate(skipped_lines)),
        1,
        content,
        content,
    );
    let empty_tree = SpanTree {
        span: RawSpan {
            start: saturate(position.start),
            end: saturate(position.start),
            line: position.line,
            column: position.column,
        },
        children: SpanChildren::Leaf,
    };
    match build_document(source, options.schema, &options.budget, usage) {
        Ok(Some((value, mut tree))) => {
            tree.shift(&base);
            YamlDocument {
                index,
                position,
                value,
                spans: tree,
                error: None,
            }
        }
        Ok(None) => YamlDocument {
            index,
            position,
            value: Value::Null,
            spans: empty_tree,
            error: None,
        },
        Err(err) => {
            let start = floor_char_boundary(text, bom + chunk.start + err.offset);
            let code = match err.kind {
                BuildErrorKind::Syntax => CODE_SYNTAX,
                BuildErrorKind::Budget => CODE_BUDGET,
                BuildErrorKind::DuplicateKey => CODE_DUPLICATE_KEY,
            };
            let mut diagnostic = Diagnostic::error(code, err.message)
                .with_span(span_in_chunk(file, text, bom, chunk, start));
            if code == CODE_BUDGET {
                diagnostic = diagnostic.with_note(
                    "the file exceeds a parser limit; YamlBudget sets the limits, which count over the whole file",
                );
            }
            YamlDocument {
                index,
                position,
                value: Value::Null,
                spans: empty_tree,
                error: Some(diagnostic),
            }
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedStream {
        parse_stream(&Arc::from("t.yaml"), text, &YamlOptions::default())
    }

    /// What the `yaml` package (2.9.1, the backend's) makes of collection
    /// keys, recorded with `doc.toJS()`.
    #[test]
    fn collection_keys_are_stringified_as_the_yaml_package_does() {
        let cases = [
            (
                "- { { gitlab_hostname } }\n",
                r#"[{"{ gitlab_hostname }":null}]"#,
            ),
            ("{ [a, b]: 1 }\n", r#"{"[ a, b ]":1}"#),
            (
                "? {a: 1, b: [x, \"y: z\"]}\n: v\n",
                r#"{"{ a: 1, b: [ x, \"y: z\" ] }":"v"}"#,
            ),
            ("? - a\n  - b\n: v\n", r#"{"[ a, b ]":"v"}"#),
            ("{ {a: 1}: x, {a: 1}: y }\n", r#"{"{ a: 1 }":"y"}"#),
            ("? { }\n: v\n", r#"{"{}":"v"}"#),
            ("[ {a: b}: c ]\n", r#"[{"{ a: b }":"c"}]"#),
        ];
        for (text, expected) in cases {
            let s = parse(text);
            let doc = &s.documents[0];
            assert!(doc.error.is_none(), "{text:?}: {:?}", doc.error);
            assert_eq!(doc.value.to_string(), expected, "{text:?}");
        }
        // The key is located where the collection is written.
        let s = parse("x:\n  ? [a, b]\n  : 1\n");
        let key = s.documents[0].key_span("/x/[ a, b ]");
        assert_eq!((key.line, key.column), (2, 5));
    }

    /// Each level of nested collection keys holds the text of the levels
    /// inside it; that text counts against the scalar budget, so nesting
    /// cannot multiply a file's size in memory.
    #[test]
    fn nested_collection_keys_are_charged_to_the_budget() {
        let levels = 60;
        let big = "x".repeat(10_000);
        let mut key = big;
        for _ in 0..levels {
            key = format!("{{ ? {key} : 1 }}");
        }
        let text = format!("? {key}\n: v\n");
        let options = YamlOptions {
            budget: YamlBudget {
                max_scalar_bytes: 200_000,
                ..YamlBudget::default()
            },
            ..YamlOptions::default()
        };
        let s = parse_stream(&Arc::from("t.yaml"), &text, &options);
        let err = s.documents[0].error.as_ref().expect("budget error");
        assert_eq!(err.code, CODE_BUDGET, "{}", err.message);
    }

    #[test]
    fn spans_are_file_absolute() {
        let s = parse("a: 1\n---\nkind: Component\nmetadata:\n  name: x\n");
        let doc = &s.documents[1];
        let name = doc.value_span("/metadata/name");
        assert_eq!((name.line, name.column), (5, 9));
        assert_eq!(
            &"a: 1\n---\nkind: Component\nmetadata:\n  name: x\n"[name.start..name.end],
            "x"
        );
        let key = doc.key_span("/metadata/name");
        assert_eq!((key.line, key.column), (5, 3));
    }

    #[test]
    fn an_error_in_one_document_keeps_the_others() {
        let s = parse("a: 1\n---\nb: [1\n---\nc: 3\n");
        assert_eq!(s.documents.len(), 3);
        assert!(s.documents[0].error.is_none());
        let err = s.documents[1].error.as_ref().expect("syntax error");
        assert_eq!(err.code, CODE_SYNTAX);
        assert_eq!(err.span.as_ref().map(|s| s.line), Some(3));
        assert_eq!(s.documents[2].value["c"], 3);
    }

    #[test]
    fn yaml_12_core_scalars() {
        let s = parse("a: yes\nb: 2020-01-01\nc: 1_000\nd: 0x1F\ne: true\nf: 017\n<<: {x: 1}\n");
        let v = &s.documents[0].value;
        assert_eq!(v["a"], "yes");
        assert_eq!(v["b"], "2020-01-01");
        assert_eq!(v["c"], "1_000");
        assert_eq!(v["d"], 31);
        assert_eq!(v["e"], true);
        assert_eq!(v["f"], 17);
        assert_eq!(v["<<"]["x"], 1);
    }

    #[test]
    fn yaml_11_for_kubernetes() {
        let s = parse_stream(
            &Arc::from("m.yaml"),
            "a: yes\nbase: &b {x: 1}\nm:\n  <<: *b\n",
            &YamlOptions::default().with_schema(YamlSchema::Yaml11),
        );
        let v = &s.documents[0].value;
        assert_eq!(v["a"], true);
        assert_eq!(v["m"]["x"], 1);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let s = parse("a: 1\nb: 2\na: 3\n");
        let err = s.documents[0].error.as_ref().expect("duplicate");
        assert_eq!(err.code, CODE_DUPLICATE_KEY);
        assert_eq!(err.message, "duplicate mapping key: a");
        assert_eq!(err.span.as_ref().map(|s| (s.line, s.column)), Some((3, 1)));
    }

    #[test]
    fn empty_documents_are_counted_and_null() {
        let s = parse("---\n---\na: 1\n");
        assert_eq!(s.documents.len(), 2);
        assert!(s.documents[0].is_empty());
        assert_eq!(s.documents[1].index, 1);
    }

    #[test]
    fn deep_nesting_is_a_budget_error() {
        let text = "[".repeat(100_000);
        let s = parse(&text);
        let err = s.documents[0].error.as_ref().expect("budget");
        assert!(
            err.code == CODE_BUDGET || err.code == CODE_SYNTAX,
            "{err:?}"
        );
        let text = format!(
            "a:\n{}",
            (1..200)
                .map(|i| format!("{}b:\n", " ".repeat(i)))
                .collect::<String>()
        );
        let s = parse(&text);
        assert_eq!(
            s.documents[0].error.as_ref().map(|e| e.code.as_ref()),
            Some(CODE_BUDGET)
        );
    }

    #[test]
    fn document_limit_is_reported() {
        let options =
            YamlOptions::default().with_budget(YamlBudget::default().with_max_documents(2));
        let s = parse_stream(
            &Arc::from("t.yaml"),
            "a: 1\n---\nb: 1\n---\nc: 1\n",
            &options,
        );
        assert_eq!(s.documents.len(), 2);
        assert_eq!(s.diagnostics[0].code, CODE_BUDGET);
        assert_eq!(s.diagnostics[0].span.as_ref().map(|s| s.line), Some(4));
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let s = parse("\u{feff}a: 1\n");
        assert_eq!(s.documents[0].value["a"], 1);
        assert_eq!(s.documents[0].value_span("/a").start, 6);
    }
}
