//! Where a YAML artefact is written, and the spans of its fields.

use std::borrow::Cow;
use std::sync::Arc;

use platform_model::Span;
use platform_model::yaml::SpanTree;

/// Where a YAML artefact is written: its file, the span tree of its
/// document and, for items of a `List`, the pointer prefix of the item.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct YamlLocation {
    /// The file, relative to the checked root, `/`-separated.
    pub file: Arc<str>,
    /// Spans of the whole document.
    pub spans: Arc<SpanTree>,
    /// Pointer of the artefact inside the document (`""`, or `/items/3`).
    pub prefix: String,
    /// Where the artefact starts.
    pub position: Span,
    /// 0-based index of the document in the file.
    pub document: usize,
}

impl YamlLocation {
    fn full<'a>(&self, pointer: &'a str) -> Cow<'a, str> {
        if self.prefix.is_empty() {
            Cow::Borrowed(pointer)
        } else {
            Cow::Owned(format!("{}{pointer}", self.prefix))
        }
    }

    /// The span of the field at `pointer` (relative to the artefact): the
    /// key and its scalar value when the field exists, the key of the
    /// nearest existing parent when it does not.
    #[must_use]
    pub fn span(&self, pointer: &str) -> Span {
        let located = self.spans.locate(&self.full(pointer));
        let raw = match located.key {
            Some(mut key) => {
                if located.exact && located.value.end > key.end {
                    key.end = located.value.end;
                }
                key
            }
            None => located.value,
        };
        raw.with_file(&self.file)
    }

    /// Whether the field at `pointer` is written.
    #[must_use]
    pub fn exists(&self, pointer: &str) -> bool {
        self.spans.locate(&self.full(pointer)).exact
    }
}
