//! Source locations shared by every crate of the workspace.

use std::fmt;
use std::sync::Arc;

/// A location in a source file: the file, the 1-based line and column of the
/// first character, and the byte range it covers.
///
/// Spans are cheap to clone: the file name is shared. Columns count Unicode
/// scalar values, the way editors and rustc report them; the byte range is what
/// a snippet renderer needs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The file as it is shown to users: relative to the loaded root, with `/`
    /// separators.
    pub file: Arc<str>,
    /// 1-based line of the first character.
    pub line: u32,
    /// 1-based column (in characters) of the first character.
    pub column: u32,
    /// Byte offset of the first character in the file.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
}

impl Span {
    /// A span covering `start..end` of `file`, at `line:column`.
    #[must_use]
    pub fn new(file: Arc<str>, line: u32, column: u32, start: usize, end: usize) -> Self {
        Self {
            file,
            line,
            column,
            start,
            end: end.max(start),
        }
    }

    /// A zero-width span at the start of `file`.
    #[must_use]
    pub fn file_start(file: Arc<str>) -> Self {
        Self::new(file, 1, 1, 0, 0)
    }

    /// Computes the line and column of `offset` in `text` and returns a span
    /// covering `offset..end`.
    ///
    /// Offsets past the end of the text are clamped; offsets inside a UTF-8
    /// sequence are moved back to its start.
    #[must_use]
    pub fn from_offsets(file: Arc<str>, text: &str, offset: usize, end: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, column) = line_column(text, offset);
        Self::new(file, line, column, offset, end.min(text.len()))
    }

    /// Number of bytes covered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

impl serde::Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Span", 5)?;
        s.serialize_field("file", &*self.file)?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("column", &self.column)?;
        s.serialize_field("start", &self.start)?;
        s.serialize_field("end", &self.end)?;
        s.end()
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
///
/// `offset` must be a character boundary; it is clamped to the text length.
#[must_use]
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = text
        .get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count())
        + 1;
    (saturate(line), saturate(column))
}

pub(crate) fn saturate(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a: 1\nbé: x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 5), (2, 1));
        // `x` sits after the two-byte `é`: byte 10, column 5.
        assert_eq!(line_column(text, 10), (2, 5));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn from_offsets_clamps_and_aligns() {
        let span = Span::from_offsets("f".into(), "é", 1, 2);
        assert_eq!((span.start, span.end, span.column), (0, 2, 1));
        assert_eq!(span.to_string(), "f:1:1");
    }
}
