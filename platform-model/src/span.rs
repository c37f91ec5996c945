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
/// Lines end as YAML ends them: at `\n`, `\r\n` or a lone `\r` (the YAML
/// parser breaks lines at all three, so every position of a document uses
/// the same count).
///
/// `offset` must be a character boundary; it is clamped to the text length.
#[must_use]
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let bytes = text.as_bytes();
    let mut line = 1usize;
    let mut line_start = 0usize;
    for (i, &b) in bytes[..offset].iter().enumerate() {
        if is_line_break(bytes, i, b) {
            line += 1;
            line_start = i + 1;
        }
    }
    // A byte order mark is not a column: editors and the YAML parser put
    // what follows it at column 1.
    let line_start = if line_start == 0 && text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8().min(offset)
    } else {
        line_start
    };
    let column = text
        .get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count())
        + 1;
    (saturate(line), saturate(column))
}

/// Whether byte `b` at `i` of `bytes` ends a line: a `\n`, or a `\r` that
/// no `\n` follows.
fn is_line_break(bytes: &[u8], i: usize, b: u8) -> bool {
    b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// The number of line breaks in `text`, counted as [`line_column`] counts
/// them (a `\r` at the very end counts as a break).
pub(crate) fn count_line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| is_line_break(bytes, i, b))
        .count()
}

/// The lines of `text`, each with its line break (`\n`, `\r\n` or a lone
/// `\r`), as [`line_column`] counts them.
pub(crate) fn lines_inclusive(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0usize;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let from = start;
        let end = memchr::memchr2(b'\n', b'\r', &bytes[from..]).map_or(bytes.len(), |i| {
            let at = from + i;
            // `\r\n` is one break: the line ends after the `\n`.
            if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            }
        });
        start = end;
        // Breaks are ASCII bytes, so every cut is a character boundary.
        text.get(from..end)
    })
}

pub(crate) fn saturate(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fuzz finding (fuzz/regressions/yaml_reader/lone-cr-line-numbers): a
    /// lone `\r` is a line break, as it is for the YAML parser.
    #[test]
    fn lone_carriage_returns_break_lines() {
        let text = "\ra\r\nb\rc\n";
        assert_eq!(line_column(text, 1), (2, 1));
        assert_eq!(line_column(text, 4), (3, 1));
        assert_eq!(line_column(text, 3), (2, 3), "inside \\r\\n");
        assert_eq!(line_column(text, 6), (4, 1));
        assert_eq!(count_line_breaks(text), 4);
        assert_eq!(count_line_breaks("a\r"), 1);
        let lines: Vec<&str> = lines_inclusive(text).collect();
        assert_eq!(lines, ["\r", "a\r\n", "b\r", "c\n"]);
        assert_eq!(lines_inclusive("x").collect::<Vec<_>>(), ["x"]);
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}a: 1\nb: 2";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (1, 1));
        assert_eq!(line_column(text, 6), (1, 4));
        assert_eq!(line_column(text, 8), (2, 1));
    }

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
