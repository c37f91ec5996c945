//! Building a JSON value and its span tree from parser events.
//!
//! The builder keeps its own stack on the heap instead of recursing, so the
//! nesting depth an input can reach is bounded by the budget, never by the
//! thread's stack. Aliases are expanded by copying the anchored node, and
//! both the copied nodes and the copied scalar bytes are charged against the
//! budget, as are the copies kept of anchored nodes. The budget is shared by
//! every document of a stream ([`Usage`]), so splitting an input into many
//! documents does not multiply it.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use serde_saphyr::granit_parser::{self, Event, Parser, ScalarStyle, ScanError};

use super::scalar::{key_text, resolve_plain, resolve_tagged};
use super::tree::{RawSpan, SpanChildren, SpanEntry, SpanTree, key_hash};
use super::{YamlBudget, YamlSchema};
use crate::span::saturate;

/// Why a document could not be built.
#[derive(Debug)]
pub(crate) struct BuildError {
    pub(crate) kind: BuildErrorKind,
    pub(crate) message: String,
    /// Byte offset in the parsed text.
    pub(crate) offset: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BuildErrorKind {
    Syntax,
    Budget,
    DuplicateKey,
}

/// A built document: `None` when the document is empty.
pub(crate) type Built = Option<(Value, SpanTree)>;

struct Anchored {
    value: Value,
    tree: SpanTree,
    nodes: usize,
    /// Bytes of scalar text (keys included) in the anchored node.
    bytes: usize,
}

/// What a stream has used of its [`YamlBudget`] so far: one `Usage` is shared
/// by every document of a stream.
#[derive(Debug, Default)]
pub(crate) struct Usage {
    /// Nodes built, alias expansions and anchored copies included.
    pub(crate) nodes: usize,
    /// Alias references.
    pub(crate) aliases: usize,
    /// Nodes copied through aliases.
    pub(crate) replayed: usize,
    /// Bytes of scalar text, alias expansions and anchored copies included.
    pub(crate) scalar_bytes: usize,
}

enum Frame {
    Seq {
        span: RawSpan,
        anchor: usize,
        values: Vec<Value>,
        trees: Vec<SpanTree>,
        nodes: usize,
        bytes: usize,
    },
    Map {
        span: RawSpan,
        anchor: usize,
        values: Map<String, Value>,
        entries: Vec<SpanEntry>,
        key: Option<(String, RawSpan, KeyIdentity)>,
        /// Keys that were not strings in YAML (`1`, `true`), with their JSON text.
        /// Allocated only for mappings with non-string keys.
        typed_keys: Option<Box<TypedKeys>>,
        merges: Vec<(Value, SpanTree)>,
        nodes: usize,
        bytes: usize,
    },
}

/// The keys of one mapping that were not strings in YAML (`1`, `true`):
/// their identities and their JSON texts, hashed so that checking a key is
/// O(1) however large the mapping.
#[derive(Default)]
struct TypedKeys {
    identities: HashSet<KeyIdentity>,
    texts: HashSet<String>,
    /// Key hashes whose earlier entries a later key replaced; those
    /// entries are dropped once, when the mapping closes.
    superseded: HashSet<u64>,
}

struct Builder<'b> {
    schema: YamlSchema,
    budget: &'b YamlBudget,
    max_depth: usize,
    stack: Vec<Frame>,
    /// Stack depths of the collections being built as mapping keys.
    key_collections: Vec<usize>,
    /// Collection keys made so far: each is a key of its own, as each is a
    /// different node to the `yaml` package.
    collection_keys: u64,
    anchors: HashMap<usize, Anchored>,
    root: Option<(Value, SpanTree)>,
    usage: &'b mut Usage,
}

/// Parses `text`, which holds at most one document, charging what it builds
/// to `usage` (shared by the documents of one stream).
pub(crate) fn build_document(
    text: &str,
    schema: YamlSchema,
    budget: &YamlBudget,
    usage: &mut Usage,
) -> Result<Built, BuildError> {
    let max_depth = budget.effective_max_depth();
    let options = granit_parser::options! {
        flow_nesting_limit: max_depth,
        block_nesting_limit: max_depth.saturating_add(1),
        emit_comments: false,
    };
    let parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder {
        schema,
        budget,
        max_depth,
        stack: Vec::new(),
        key_collections: Vec::new(),
        collection_keys: 0,
        anchors: HashMap::new(),
        root: None,
        usage,
    };
    let mut documents = 0;
    for event in parser {
        let (event, span) = event.map_err(|e| scan_error(text, &e))?;
        let raw = RawSpan {
            start: saturate(span.start.byte_offset().unwrap_or(0)),
            end: saturate(span.end.byte_offset().unwrap_or(0)),
            line: saturate(span.start.line()),
            column: saturate(span.start.col() + 1),
        };
        match event {
            Event::DocumentStart(_, version) => {
                // A `%YAML 1.1` directive switches the document to YAML 1.1 rules.
                if let Some(v) = version
                    && (v.major, v.minor) == (1, 1)
                {
                    builder.schema = YamlSchema::Yaml11;
                }
                documents += 1;
                if documents > 1 {
                    return Err(BuildError {
                        kind: BuildErrorKind::Syntax,
                        message: "unexpected second document".to_owned(),
                        offset: raw.start as usize,
                    });
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tag_suffix = tag
                    .as_deref()
                    .and_then(|t| t.core_suffix().map(str::to_owned));
                let is_tagged = tag.is_some();
                builder.scalar(&value, style, anchor, tag_suffix.as_deref(), is_tagged, raw)?;
            }
            Event::SequenceStart(_, anchor, _) => builder.open(
                Frame::Seq {
                    span: raw,
                    anchor,
                    values: Vec::new(),
                    trees: Vec::new(),
                    nodes: 1,
                    bytes: 0,
                },
                raw,
            )?,
            Event::MappingStart(_, anchor, _) => builder.open(
                Frame::Map {
                    span: raw,
                    anchor,
                    values: Map::new(),
                    entries: Vec::new(),
                    key: None,
                    typed_keys: None,
                    merges: Vec::new(),
                    nodes: 1,
                    bytes: 0,
                },
                raw,
            )?,
            Event::SequenceEnd | Event::MappingEnd => builder.close(raw)?,
            Event::Alias(id) => builder.alias(id, raw)?,
            _ => {}
        }
    }
    Ok(builder.root)
}

fn scan_error(text: &str, error: &ScanError) -> BuildError {
    let mark = error.marker();
    let offset = mark.byte_offset().unwrap_or_else(|| {
        text.char_indices()
            .nth(mark.index())
            .map_or(text.len(), |(b, _)| b)
    });
    let info = error.info();
    let budget = info.contains("limit");
    BuildError {
        kind: if budget {
            BuildErrorKind::Budget
        } else {
            BuildErrorKind::Syntax
        },
        message: info,
        offset,
    }
}

impl Builder<'_> {
    fn fail(kind: BuildErrorKind, message: String, at: RawSpan) -> BuildError {
        BuildError {
            kind,
            message,
            offset: at.start as usize,
        }
    }

    fn count_nodes(&mut self, count: usize, at: RawSpan) -> Result<(), BuildError> {
        self.usage.nodes = self.usage.nodes.saturating_add(count);
        if self.usage.nodes > self.budget.max_nodes {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!(
                    "more than {} nodes in this file (aliases expanded and anchored copies counted)",
                    self.budget.max_nodes
                ),
                at,
            ));
        }
        Ok(())
    }

    fn count_bytes(&mut self, count: usize, at: RawSpan) -> Result<(), BuildError> {
        self.usage.scalar_bytes = self.usage.scalar_bytes.saturating_add(count);
        if self.usage.scalar_bytes > self.budget.max_scalar_bytes {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!(
                    "more than {} bytes of scalar text in this file (aliases expanded)",
                    self.budget.max_scalar_bytes
                ),
                at,
            ));
        }
        Ok(())
    }

    /// Keeps a copy of an anchored node for later aliases; the copy is
    /// memory like any other node, so it is charged to the budget.
    fn anchor(
        &mut self,
        id: usize,
        value: &Value,
        tree: &SpanTree,
        nodes: usize,
        bytes: usize,
        at: RawSpan,
    ) -> Result<(), BuildError> {
        self.count_nodes(nodes, at)?;
        self.count_bytes(bytes, at)?;
        self.anchors.insert(
            id,
            Anchored {
                value: value.clone(),
                tree: tree.clone(),
                nodes,
                bytes,
            },
        );
        Ok(())
    }

    fn open(&mut self, frame: Frame, at: RawSpan) -> Result<(), BuildError> {
        // A collection as a key (`? [a, b]`, `{ {a: 1}: x }`): the `yaml`
        // package the catalog backend uses stringifies it, so do we.
        let as_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
        if self.stack.len() >= self.max_depth {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!("nesting deeper than {} levels", self.max_depth),
                at,
            ));
        }
        self.count_nodes(1, at)?;
        self.stack.push(frame);
        if as_key {
            self.key_collections.push(self.stack.len());
        }
        Ok(())
    }

    /// Sets the pending key of the innermost mapping when it waits for one;
    /// returns whether it did.
    fn take_as_key(&mut self, value: &Value, text: &str, span: RawSpan) -> bool {
        let identity = match value {
            Value::Array(_) | Value::Object(_) => {
                self.collection_keys = self.collection_keys.saturating_add(1);
                KeyIdentity::Collection(self.collection_keys)
            }
            _ => KeyIdentity::of(value),
        };
        if let Some(Frame::Map {
            key: key @ None,
            nodes,
            bytes,
            ..
        }) = self.stack.last_mut()
        {
            let key_string = match value {
                Value::Array(_) | Value::Object(_) => text.to_owned(),
                _ => key_text(value.clone(), text),
            };
            *key = Some((key_string, span, identity));
            *nodes = nodes.saturating_add(1);
            *bytes = bytes.saturating_add(text.len());
            return true;
        }
        false
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        core_tag: Option<&str>,
        tagged: bool,
        span: RawSpan,
    ) -> Result<(), BuildError> {
        self.count_nodes(1, span)?;
        self.count_bytes(text.len(), span)?;
        let value = match (style, core_tag) {
            (_, Some(suffix)) => resolve_tagged(text, suffix, self.schema)
                .unwrap_or_else(|| Value::String(text.to_owned())),
            (ScalarStyle::Plain, None) if !tagged => resolve_plain(text, self.schema),
            _ => Value::String(text.to_owned()),
        };
        let tree = SpanTree {
            span,
            children: SpanChildren::Leaf,
        };
        if anchor != 0 {
            // Anchored keys can be aliased as values and the other way round.
            self.anchor(anchor, &value, &tree, 1, text.len(), span)?;
        }
        if self.take_as_key(&value, text, span) {
            return Ok(());
        }
        self.attach(value, tree, 1, text.len())
    }

    fn alias(&mut self, id: usize, span: RawSpan) -> Result<(), BuildError> {
        self.usage.aliases = self.usage.aliases.saturating_add(1);
        if self.usage.aliases > self.budget.max_aliases {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!("more than {} aliases in this file", self.budget.max_aliases),
                span,
            ));
        }
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(Self::fail(
                BuildErrorKind::Syntax,
                "alias refers to an anchor that is not defined".to_owned(),
                span,
            ));
        };
        let (nodes, bytes) = (anchored.nodes, anchored.bytes);
        self.usage.replayed = self.usage.replayed.saturating_add(nodes);
        if self.usage.replayed > self.budget.max_alias_replay {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!(
                    "aliases expand to more than {} nodes in this file",
                    self.budget.max_alias_replay
                ),
                span,
            ));
        }
        // Every use of an alias costs what it expands to, scalars included.
        self.count_nodes(nodes, span)?;
        self.count_bytes(bytes, span)?;
        let Some(anchored) = self.anchors.get(&id) else {
            return Ok(());
        };
        let value = anchored.value.clone();
        let mut tree = anchored.tree.clone();
        tree.span = span;
        if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            let text = match &value {
                Value::String(s) => s.clone(),
                Value::Array(_) | Value::Object(_) => {
                    // New text, as for any collection key.
                    let text = collection_key_text(&value);
                    self.count_bytes(text.len(), span)?;
                    text
                }
                other => other.to_string(),
            };
            self.take_as_key(&value, &text, span);
            return Ok(());
        }
        self.attach(value, tree, nodes, bytes)
    }

    fn close(&mut self, at: RawSpan) -> Result<(), BuildError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, tree, anchor, nodes, bytes) = match frame {
            Frame::Seq {
                span,
                anchor,
                values,
                trees,
                nodes,
                bytes,
            } => (
                Value::Array(values),
                SpanTree {
                    span,
                    children: SpanChildren::Seq(trees),
                },
                anchor,
                nodes,
                bytes,
            ),
            Frame::Map {
                span,
                anchor,
                mut values,
                mut entries,
                merges,
                typed_keys,
                nodes,
                bytes,
                ..
            } => {
                if let Some(typed) = typed_keys {
                    drop_superseded(&mut entries, &typed.superseded);
                }
                apply_merges(&mut values, &mut entries, merges);
                (
                    Value::Object(values),
                    SpanTree {
                        span,
                        children: SpanChildren::Map(entries),
                    },
                    anchor,
                    nodes,
                    bytes,
                )
            }
        };
        if anchor != 0 {
            self.anchor(anchor, &value, &tree, nodes, bytes, at)?;
        }
        if self.key_collections.last() == Some(&(self.stack.len() + 1)) {
            self.key_collections.pop();
            let text = collection_key_text(&value);
            // The key's text is new text (nested keys repeat their
            // content at every level): it counts against the budget.
            self.count_bytes(text.len(), tree.span)?;
            self.take_as_key(&value, &text, tree.span);
            return Ok(());
        }
        self.attach(value, tree, nodes, bytes)
    }

    fn attach(
        &mut self,
        value: Value,
        tree: SpanTree,
        count: usize,
        size: usize,
    ) -> Result<(), BuildError> {
        let merge_keys = self.schema == YamlSchema::Yaml11;
        match self.stack.last_mut() {
            None => {
                self.root = Some((value, tree));
                Ok(())
            }
            Some(Frame::Seq {
                values,
                trees,
                nodes,
                bytes,
                ..
            }) => {
                values.push(value);
                trees.push(tree);
                *nodes = nodes.saturating_add(count);
                *bytes = bytes.saturating_add(size);
                Ok(())
            }
            Some(Frame::Map {
                values,
                entries,
                key,
                typed_keys,
                merges,
                nodes,
                bytes,
                ..
            }) => {
                *nodes = nodes.saturating_add(count);
                *bytes = bytes.saturating_add(size);
                let Some((key, key_span, identity)) = key.take() else {
                    return Ok(());
                };
                if merge_keys && key == "<<" {
                    merges.push((value, tree));
                    return Ok(());
                }
                let duplicate = match (&identity, typed_keys.as_deref()) {
                    (KeyIdentity::String, typed) => {
                        values.contains_key(&key) && typed.is_none_or(|t| !t.texts.contains(&key))
                    }
                    (typed, Some(known)) => known.identities.contains(typed),
                    (_, None) => false,
                };
                if duplicate {
                    return Err(Self::fail(
                        BuildErrorKind::DuplicateKey,
                        format!("duplicate mapping key: {key}"),
                        key_span,
                    ));
                }
                if identity != KeyIdentity::String {
                    let typed = typed_keys.get_or_insert_with(Box::default);
                    typed.identities.insert(identity);
                    typed.texts.insert(key.clone());
                }
                let hash = key_hash(&key);
                if values.contains_key(&key) {
                    // `1` and `"1"` are different YAML keys but one JavaScript
                    // property: as in JavaScript, the later value wins. (A
                    // repeated key always involves a typed key, so the book
                    // exists.)
                    typed_keys
                        .get_or_insert_with(Box::default)
                        .superseded
                        .insert(hash);
                }
                values.insert(key, value);
                entries.push(SpanEntry {
                    key_hash: hash,
                    key_span,
                    value: tree,
                });
                Ok(())
            }
        }
    }
}

/// Keeps only the last entry of every key hash in `superseded`, in one pass
/// (removing them one by one as keys repeat would be quadratic).
fn drop_superseded(entries: &mut Vec<SpanEntry>, superseded: &HashSet<u64>) {
    if superseded.is_empty() {
        return;
    }
    let mut last: HashMap<u64, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        if superseded.contains(&entry.key_hash) {
            last.insert(entry.key_hash, i);
        }
    }
    let mut i = 0;
    entries.retain(|entry| {
        let keep = last
            .get(&entry.key_hash)
            .is_none_or(|&position| position == i);
        i += 1;
        keep
    });
}

/// Which YAML keys count as the same key: equal scalars of the same type.
/// String keys are compared by their text, which is their JSON key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum KeyIdentity {
    String,
    Null,
    Bool(bool),
    Number(String),
    /// A collection used as a key; never equal to another key.
    Collection(u64),
}

impl KeyIdentity {
    fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => Self::Number(n.to_string()),
            _ => Self::String,
        }
    }
}

/// YAML 1.1 merge keys: entries of the merged mappings that the mapping does
/// not set itself, earlier sources first.
fn apply_merges(
    values: &mut Map<String, Value>,
    entries: &mut Vec<SpanEntry>,
    merges: Vec<(Value, SpanTree)>,
) {
    for (value, tree) in merges {
        let sources: Vec<(Value, SpanTree)> = match (value, tree.children) {
            (Value::Object(map), children) => vec![(
                Value::Object(map),
                SpanTree {
                    span: tree.span,
                    children,
                },
            )],
            (Value::Array(items), SpanChildren::Seq(trees)) => {
                items.into_iter().zip(trees).collect()
            }
            _ => Vec::new(),
        };
        for (source, source_tree) in sources {
            let (Value::Object(map), SpanChildren::Map(source_entries)) =
                (source, source_tree.children)
            else {
                continue;
            };
            for ((key, value), entry) in map.into_iter().zip(source_entries) {
                if !values.contains_key(&key) {
                    values.insert(key, value);
                    entries.push(entry);
                }
            }
        }
    }
}

/// A collection key as the `yaml` package stringifies it for a JavaScript
/// object: flow style, `{ a: 1, b: [ x, y ] }`, `{}` and `[]` when empty, a
/// key without a value written alone (`{ name }`), strings plain unless they
/// need quotes.
pub(crate) fn collection_key_text(value: &Value) -> String {
    let mut out = String::new();
    write_flow(value, &mut out);
    out
}

fn write_flow(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push_str("{ ");
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow_string(key, out);
                if !item.is_null() {
                    out.push_str(": ");
                    write_flow(item, out);
                }
            }
            out.push_str(" }");
        }
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(item, out);
            }
            out.push_str(" ]");
        }
        Value::String(text) => write_flow_string(text, out),
        other => out.push_str(&other.to_string()),
    }
}

/// A string in flow context: plain when that reads back as the same
/// string, double-quoted otherwise.
fn write_flow_string(text: &str, out: &mut String) {
    let plain = !text.is_empty()
        && text.trim() == text
        && !text.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`',
        ])
        && !text.contains([',', '[', ']', '{', '}', '\n', '\t'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && matches!(resolve_plain(text, YamlSchema::Core12), Value::String(_));
    if plain {
        out.push_str(text);
    } else {
        out.push_str(&Value::String(text.to_owned()).to_string());
    }
}
