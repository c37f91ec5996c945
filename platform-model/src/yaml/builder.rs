//! Building a JSON value and its span tree from parser events.
//!
//! The builder keeps its own stack on the heap instead of recursing, so the
//! nesting depth an input can reach is bounded by the budget, never by the
//! thread's stack. Aliases are expanded by copying the anchored node, and the
//! number of copied nodes is charged against the budget.

use std::collections::HashMap;

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
}

enum Frame {
    Seq {
        span: RawSpan,
        anchor: usize,
        values: Vec<Value>,
        trees: Vec<SpanTree>,
        nodes: usize,
    },
    Map {
        span: RawSpan,
        anchor: usize,
        values: Map<String, Value>,
        entries: Vec<SpanEntry>,
        key: Option<(String, RawSpan, KeyIdentity)>,
        /// Keys that were not strings in YAML (`1`, `true`), with their JSON text.
        typed_keys: Vec<(KeyIdentity, String)>,
        merges: Vec<(Value, SpanTree)>,
        nodes: usize,
    },
}

struct Builder<'b> {
    schema: YamlSchema,
    budget: &'b YamlBudget,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    root: Option<(Value, SpanTree)>,
    nodes: usize,
    aliases: usize,
    replayed: usize,
    scalar_bytes: usize,
}

/// Parses `text`, which holds at most one document.
pub(crate) fn build_document(
    text: &str,
    schema: YamlSchema,
    budget: &YamlBudget,
) -> Result<Built, BuildError> {
    let options = granit_parser::options! {
        flow_nesting_limit: budget.max_depth,
        block_nesting_limit: budget.max_depth.saturating_add(1),
        emit_comments: false,
    };
    let parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder {
        schema,
        budget,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        nodes: 0,
        aliases: 0,
        replayed: 0,
        scalar_bytes: 0,
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
                    typed_keys: Vec::new(),
                    merges: Vec::new(),
                    nodes: 1,
                },
                raw,
            )?,
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
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
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > self.budget.max_nodes {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!("more than {} nodes in one document", self.budget.max_nodes),
                at,
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, at: RawSpan) -> Result<(), BuildError> {
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Err(Self::fail(
                BuildErrorKind::Syntax,
                "a mapping key must be a scalar".to_owned(),
                at,
            ));
        }
        if self.stack.len() >= self.budget.max_depth {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!("nesting deeper than {} levels", self.budget.max_depth),
                at,
            ));
        }
        self.count_nodes(1, at)?;
        self.stack.push(frame);
        Ok(())
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
        self.scalar_bytes = self.scalar_bytes.saturating_add(text.len());
        if self.scalar_bytes > self.budget.max_scalar_bytes {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!(
                    "more than {} bytes of scalar text in one document",
                    self.budget.max_scalar_bytes
                ),
                span,
            ));
        }
        let value = match (style, core_tag) {
            (_, Some(suffix)) => resolve_tagged(text, suffix, self.schema)
                .unwrap_or_else(|| Value::String(text.to_owned())),
            (ScalarStyle::Plain, None) if !tagged => resolve_plain(text, self.schema),
            _ => Value::String(text.to_owned()),
        };
        if let Some(Frame::Map {
            key: key @ None, ..
        }) = self.stack.last_mut()
        {
            let identity = KeyIdentity::of(&value);
            *key = Some((key_text(value, text), span, identity));
            return Ok(());
        }
        let tree = SpanTree {
            span,
            children: SpanChildren::Leaf,
        };
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    tree: tree.clone(),
                    nodes: 1,
                },
            );
        }
        self.attach(value, tree, 1)
    }

    fn alias(&mut self, id: usize, span: RawSpan) -> Result<(), BuildError> {
        self.aliases += 1;
        if self.aliases > self.budget.max_aliases {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!(
                    "more than {} aliases in one document",
                    self.budget.max_aliases
                ),
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
        let nodes = anchored.nodes;
        self.replayed = self.replayed.saturating_add(nodes);
        if self.replayed > self.budget.max_alias_replay {
            return Err(Self::fail(
                BuildErrorKind::Budget,
                format!(
                    "aliases expand to more than {} nodes in one document",
                    self.budget.max_alias_replay
                ),
                span,
            ));
        }
        let value = anchored.value.clone();
        let mut tree = anchored.tree.clone();
        tree.span = span;
        if let Some(Frame::Map {
            key: key @ None, ..
        }) = self.stack.last_mut()
        {
            let text = match &value {
                Value::String(s) => s.clone(),
                Value::Array(_) | Value::Object(_) => {
                    return Err(Self::fail(
                        BuildErrorKind::Syntax,
                        "a mapping key must be a scalar".to_owned(),
                        span,
                    ));
                }
                other => other.to_string(),
            };
            let identity = KeyIdentity::of(&value);
            *key = Some((key_text(value, &text), span, identity));
            return Ok(());
        }
        self.count_nodes(nodes, span)?;
        self.attach(value, tree, nodes)
    }

    fn close(&mut self) -> Result<(), BuildError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, tree, anchor, nodes) = match frame {
            Frame::Seq {
                span,
                anchor,
                values,
                trees,
                nodes,
            } => (
                Value::Array(values),
                SpanTree {
                    span,
                    children: SpanChildren::Seq(trees),
                },
                anchor,
                nodes,
            ),
            Frame::Map {
                span,
                anchor,
                mut values,
                mut entries,
                merges,
                nodes,
                ..
            } => {
                apply_merges(&mut values, &mut entries, merges);
                (
                    Value::Object(values),
                    SpanTree {
                        span,
                        children: SpanChildren::Map(entries),
                    },
                    anchor,
                    nodes,
                )
            }
        };
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    tree: tree.clone(),
                    nodes,
                },
            );
        }
        self.attach(value, tree, nodes)
    }

    fn attach(&mut self, value: Value, tree: SpanTree, count: usize) -> Result<(), BuildError> {
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
                ..
            }) => {
                values.push(value);
                trees.push(tree);
                *nodes = nodes.saturating_add(count);
                Ok(())
            }
            Some(Frame::Map {
                values,
                entries,
                key,
                typed_keys,
                merges,
                nodes,
                ..
            }) => {
                *nodes = nodes.saturating_add(count);
                let Some((key, key_span, identity)) = key.take() else {
                    return Ok(());
                };
                if merge_keys && key == "<<" {
                    merges.push((value, tree));
                    return Ok(());
                }
                let duplicate = match &identity {
                    KeyIdentity::String => {
                        values.contains_key(&key) && !typed_keys.iter().any(|(_, k)| *k == key)
                    }
                    typed => typed_keys.iter().any(|(i, _)| i == typed),
                };
                if duplicate {
                    return Err(Self::fail(
                        BuildErrorKind::DuplicateKey,
                        format!("duplicate mapping key: {key}"),
                        key_span,
                    ));
                }
                if identity != KeyIdentity::String {
                    typed_keys.push((identity, key.clone()));
                }
                if values.contains_key(&key) {
                    // `1` and `"1"` are different YAML keys but one JavaScript
                    // property: as in JavaScript, the later value wins.
                    let hash = key_hash(&key);
                    entries.retain(|e| e.key_hash != hash);
                }
                let hash = key_hash(&key);
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

/// Which YAML keys count as the same key: equal scalars of the same type.
/// String keys are compared by their text, which is their JSON key.
#[derive(Clone, Debug, PartialEq)]
enum KeyIdentity {
    String,
    Null,
    Bool(bool),
    Number(String),
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
