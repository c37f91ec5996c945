//! The span tree: where every key and value of a parsed document sits in its file.

use std::sync::Arc;

use crate::span::Span;

/// A compact location inside one file (the file itself is kept by the owner).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RawSpan {
    /// Byte offset of the first character.
    pub start: u32,
    /// Byte offset just past the last character (equal to `start` for
    /// collections, whose span marks where they begin).
    pub end: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column in characters.
    pub column: u32,
}

impl RawSpan {
    /// Attaches the file name.
    #[must_use]
    pub fn with_file(self, file: &Arc<str>) -> Span {
        Span::new(
            Arc::clone(file),
            self.line,
            self.column,
            self.start as usize,
            self.end as usize,
        )
    }

    pub(crate) fn shifted(self, base: &Base) -> Self {
        Self {
            start: self.start.saturating_add(base.offset),
            end: self.end.saturating_add(base.offset),
            line: self.line.saturating_add(base.line),
            column: self.column,
        }
    }
}

/// Where each node of one parsed YAML document sits: a tree shaped like the
/// document's JSON value, holding spans instead of data.
///
/// Look fields up by JSON pointer with [`SpanTree::locate`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanTree {
    /// Span of this node's value.
    pub span: RawSpan,
    /// Children of a sequence or mapping.
    pub children: SpanChildren,
}

/// The children of a [`SpanTree`] node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SpanChildren {
    /// A scalar.
    #[default]
    Leaf,
    /// Sequence items, in order.
    Seq(Vec<SpanTree>),
    /// Mapping entries, in document order.
    Map(Vec<SpanEntry>),
}

/// One mapping entry of a [`SpanTree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanEntry {
    /// [`key_hash`] of the key as it appears in the JSON value (the tree
    /// keeps no copy of the text).
    pub key_hash: u64,
    /// Span of the key.
    pub key_span: RawSpan,
    /// The value's tree.
    pub value: SpanTree,
}

/// The result of looking a JSON pointer up in a [`SpanTree`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    /// Span of the value found (or of the nearest existing ancestor).
    pub value: RawSpan,
    /// Span of the key that holds the value, when the value is a mapping entry.
    pub key: Option<RawSpan>,
    /// Whether the whole pointer resolved; `false` means the spans belong to the
    /// nearest ancestor that exists.
    pub exact: bool,
}

impl SpanTree {
    /// Finds the node at `pointer` (a JSON pointer such as `/spec/owner`), or
    /// the nearest ancestor that exists.
    #[must_use]
    pub fn locate(&self, pointer: &str) -> Located {
        walk(self, pointer, scan_child)
    }

    /// Span of the value at `pointer` (or of its nearest ancestor).
    #[must_use]
    pub fn value_span(&self, pointer: &str) -> RawSpan {
        self.locate(pointer).value
    }

    /// Span of the key holding the value at `pointer`, falling back to the
    /// value's span (sequence items and the root have no key).
    #[must_use]
    pub fn key_span(&self, pointer: &str) -> RawSpan {
        let located = self.locate(pointer);
        located.key.unwrap_or(located.value)
    }

    /// Adds `offset` bytes and `lines` lines to every span, for documents that
    /// were parsed out of a larger stream.
    pub(crate) fn shift(&mut self, base: &Base) {
        // An explicit stack: the tree may be as deep as the budget allows.
        let mut stack: Vec<&mut SpanTree> = vec![self];
        while let Some(node) = stack.pop() {
            node.span = node.span.shifted(base);
            match &mut node.children {
                SpanChildren::Leaf => {}
                SpanChildren::Seq(items) => stack.extend(items.iter_mut()),
                SpanChildren::Map(entries) => {
                    for entry in entries {
                        entry.key_span = entry.key_span.shifted(base);
                        stack.push(&mut entry.value);
                    }
                }
            }
        }
    }
}

/// Looks many pointers up in one [`SpanTree`]: large mappings are indexed
/// by key hash the first time a lookup passes through them, so that
/// locating one problem per entry of a 100 000-key mapping is linear, not
/// quadratic. Gives the same answers as [`SpanTree::locate`].
#[derive(Debug)]
pub struct SpanIndex<'t> {
    tree: &'t SpanTree,
    /// For each indexed mapping (by the address of its node), the position
    /// of the last entry of each key hash.
    maps: std::collections::HashMap<usize, std::collections::HashMap<u64, usize>>,
}

/// Mappings with fewer entries are scanned, not indexed.
const INDEXED_ENTRIES: usize = 32;

impl<'t> SpanIndex<'t> {
    /// An index over `tree` (built lazily).
    #[must_use]
    pub fn new(tree: &'t SpanTree) -> Self {
        Self {
            tree,
            maps: std::collections::HashMap::new(),
        }
    }

    /// [`SpanTree::locate`], with large mappings indexed.
    pub fn locate(&mut self, pointer: &str) -> Located {
        let maps = &mut self.maps;
        walk(self.tree, pointer, |node, token| match &node.children {
            SpanChildren::Map(entries) if entries.len() >= INDEXED_ENTRIES => {
                // Later entries overwrite earlier ones: the last of repeated
                // keys wins, as in a scan from the end.
                let index = maps
                    .entry(std::ptr::from_ref(node) as usize)
                    .or_insert_with(|| {
                        entries
                            .iter()
                            .enumerate()
                            .map(|(i, e)| (e.key_hash, i))
                            .collect()
                    });
                index
                    .get(&key_hash(token))
                    .and_then(|&i| entries.get(i))
                    .map(|e| (Some(e.key_span), &e.value))
            }
            _ => scan_child(node, token),
        })
    }
}

/// The child of `node` that `token` names (and the span of its key, for a
/// mapping entry), by scanning: the last of repeated keys wins.
fn scan_child<'t>(node: &'t SpanTree, token: &str) -> Option<(Option<RawSpan>, &'t SpanTree)> {
    match &node.children {
        SpanChildren::Map(entries) => entries
            .iter()
            .rev()
            .find(|e| e.key_hash == key_hash(token))
            .map(|e| (Some(e.key_span), &e.value)),
        SpanChildren::Seq(items) => token
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .map(|item| (None, item)),
        SpanChildren::Leaf => None,
    }
}

/// Follows `pointer` from `root` one token at a time with `child`, to the
/// node it names or the nearest ancestor that exists.
fn walk<'t>(
    root: &'t SpanTree,
    pointer: &str,
    mut child: impl FnMut(&'t SpanTree, &str) -> Option<(Option<RawSpan>, &'t SpanTree)>,
) -> Located {
    let mut node = root;
    let mut key = None;
    for token in pointer_tokens(pointer) {
        match child(node, &token) {
            Some((k, next)) => {
                key = k;
                node = next;
            }
            None => {
                return Located {
                    value: node.span,
                    key,
                    exact: false,
                };
            }
        }
    }
    Located {
        value: node.span,
        key,
        exact: true,
    }
}

/// Offsets of a document inside its stream.
pub(crate) struct Base {
    pub(crate) offset: u32,
    /// Lines before the document (0 for the first line).
    pub(crate) line: u32,
}

/// The hash a [`SpanEntry`] keeps of its key (64-bit FNV-1a).
#[must_use]
pub fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Splits a JSON pointer into unescaped tokens (see [`crate::pointer::tokens`]).
pub use crate::pointer::tokens as pointer_tokens;

/// Appends one escaped token to a JSON pointer (see [`crate::pointer::push_token`]).
pub use crate::pointer::push_token as push_pointer_token;
